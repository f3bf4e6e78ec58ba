#!/usr/bin/env python3
"""Makes the intact samples UnseenDamageTests damages (run here; Pillow and ImageMagick's convert):
made-interlaced.png (Adam7 PNG), made-interlaced.gif and made-plain.gif (one frame each), made-anim.webp (3 frames)."""
import io, subprocess
from PIL import Image
import numpy as np
rng = np.random.default_rng(19)
def img(w, h, seed):
    yy, xx = np.mgrid[0:h, 0:w]
    a = np.stack([xx * 255 // w, yy * 255 // h, (xx + yy) * 255 // (w + h)], -1).astype(np.uint8)
    a = (a + (rng.random((h, w, 3)) * 24)).clip(0, 255).astype(np.uint8)
    return Image.fromarray(np.roll(a, seed, 1))
img(160, 120, 0).save('/tmp/made-interlaced.ppm')
subprocess.run(['convert', '/tmp/made-interlaced.ppm', '-interlace', 'PNG', '-strip', 'made-interlaced.png'], check=True)
img(160, 120, 0).convert('P', palette=Image.ADAPTIVE).save('made-interlaced.gif', interlace=True)
img(160, 120, 0).convert('P', palette=Image.ADAPTIVE).save('made-plain.gif', interlace=False)
frames = [img(96, 64, s) for s in (0, 30, 60)]
frames[0].save('made-anim.webp', save_all=True, append_images=frames[1:], duration=100, quality=70)
