#!/usr/bin/python3
"""Gamma-correct PNG reference: PNG spec colour chunks -> 8-bit sRGB RGBA, as a colour-managed viewer (skcms/qcms
style) shows them. Precedence: cICP > iCCP > sRGB > gAMA/cHRM. iCCP via lcms (ImageMagick -profile, Q16)."""
import sys, struct, zlib, subprocess
import numpy as np, os, tempfile
from PIL import ImageCms
SRGB_ICC = os.path.join(tempfile.gettempdir(), 'pngref-srgb.icc')
open(SRGB_ICC, 'wb').write(ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes())
from PIL import Image

def chunks(path):
    b = open(path, 'rb').read()
    at, out = 8, {}
    while at + 8 <= len(b):
        n = struct.unpack('>I', b[at:at+4])[0]; t = b[at+4:at+8].decode('latin1')
        if t in ('IDAT', 'IEND'): break
        out.setdefault(t, b[at+8:at+8+n]); at += 12 + n
    ihdr = b[16:29]
    return out, ihdr

def srgb_encode(x):
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)

def xy2XYZ(x, y): return np.array([x / y, 1.0, (1 - x - y) / y])

def rgb2xyz(wx, wy, rx, ry, gx, gy, bx, by):
    P = np.stack([xy2XYZ(rx, ry), xy2XYZ(gx, gy), xy2XYZ(bx, by)], axis=1)
    S = np.linalg.solve(P, xy2XYZ(wx, wy))
    return P * S

BRAD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])
def bradford(src_w, dst_w):
    s, d = BRAD @ src_w, BRAD @ dst_w
    return np.linalg.inv(BRAD) @ np.diag(d / s) @ BRAD

def raw16(path):
    w, h = Image.open(path).size
    raw = subprocess.run(['convert', path, '-set', 'colorspace', 'sRGB', '-depth', '16', '-endian', 'MSB', 'rgba:-'], capture_output=True, check=True).stdout
    a = np.frombuffer(raw, dtype='>u2').reshape(h, w, 4).astype(np.float64) / 65535.0
    return a

def reference(path, out):
    c, ihdr = chunks(path)
    what = 'plain'
    if 'cICP' in c:
        raise SystemExit('cICP: not handled by this reference')
    if 'iCCP' in c:
        what = 'iCCP(lcms)'
        subprocess.run(['convert', path, '-intent', 'Perceptual', '-profile', SRGB_ICC, '-depth', '8', 'PNG32:' + out], check=True)
        return what
    a = raw16(path)
    rgb, alpha = a[..., :3], a[..., 3:]
    if 'sRGB' in c:
        what = 'sRGB'
    elif 'gAMA' in c or 'cHRM' in c:
        g = struct.unpack('>I', c['gAMA'])[0] / 100000.0 if 'gAMA' in c else 1 / 2.2
        lin = np.power(rgb, 1.0 / g) if 'gAMA' in c else None
        if lin is None:  # cHRM alone: assume the sRGB curve
            lin = np.where(rgb <= 0.04045, rgb / 12.92, np.power((rgb + 0.055) / 1.055, 2.4))
        what = f'gAMA {g:g}'
        if 'cHRM' in c:
            v = [x / 100000.0 for x in struct.unpack('>8I', c['cHRM'])]
            M = rgb2xyz(*v)
            srgbM = rgb2xyz(0.3127, 0.3290, 0.64, 0.33, 0.30, 0.60, 0.15, 0.06)
            T = np.linalg.inv(srgbM) @ bradford(xy2XYZ(v[0], v[1]), xy2XYZ(0.3127, 0.3290)) @ M
            lin = lin @ T.T
            what += ' cHRM'
        rgb = srgb_encode(lin)
    o = np.concatenate([rgb, alpha], axis=2)
    Image.fromarray(np.round(o * 255).astype(np.uint8), 'RGBA').save(out)
    return what

if __name__ == '__main__':
    print(reference(sys.argv[1], sys.argv[2]))
