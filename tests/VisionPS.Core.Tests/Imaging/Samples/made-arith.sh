#!/usr/bin/env bash
# Makes the arithmetic-coded JPEGs HuntedDamageTests reads (run here; Pillow and libjpeg-turbo's cjpeg):
# made-arith.jpg (SOF9, sequential) and made-arith-prog.jpg (SOF10, progressive), 64x48, left-to-right red,
# top-to-bottom green. Reference pixels: djpeg of the same files.
set -e
/usr/bin/python3 -c "
from PIL import Image
im = Image.new('RGB', (64, 48))
im.putdata([(40 + x * 3, 40 + y * 4, 160) for y in range(48) for x in range(64)])
im.save('/tmp/made-arith.ppm')"
cjpeg -arithmetic -quality 90 -outfile made-arith.jpg /tmp/made-arith.ppm
cjpeg -arithmetic -progressive -quality 90 -outfile made-arith-prog.jpg /tmp/made-arith.ppm
rm -f /tmp/made-arith.ppm
