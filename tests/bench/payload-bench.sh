#!/usr/bin/env bash
# Payload at the same quality: the corpus photos prepared for gpt-4o at detail high, side by side in one run with the
# seed recipe (../shared/bench/pipeline_pillow.py: 2048 box, q85). For each photo: VisionPS's data-URL characters, its
# size against the model's target (2048 box, then the short side at most 768), and its PSNR against an ImageMagick
# Lanczos reference at that size. Prints one line per photo and the totals: ratio of data-URL characters (bar 0.33)
# and the worst PSNR (bar 31 dB).
#   tests/bench/payload-bench.sh [EXTRA PREPARE OPTIONS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
C=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
S=${VISIONPS_SHARED:-$PWD/../shared}/bench
dotnet build tests/VisionPS.Bench -c Release -nologo -v q >/dev/null
V="dotnet $PWD/tests/VisionPS.Bench/bin/Release/net10.0/VisionPS.Bench.dll prepare"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
# The photos: every corpus photograph, in each format the module reads (27 files).
photos=$(cd "$C" && ls jpg_*.jpg d_jpg_*.jpg d_png_rgb*.png d_png_gray8_storm.png d_bmp24_storm.bmp d_tif_*.tif \
  d_heic_storm.heic d_avif_storm.avif d_webp_lossless_elephants.webp d_gif_static_storm.gif | grep -v jpg_icc_profile_48)
photos=$(for f in $photos; do echo "$C/$f"; done)
# shellcheck disable=SC2086
/usr/bin/python3 "$S/pipeline_pillow.py" --report "$TMP/pillow.tsv" $photos >/dev/null
# shellcheck disable=SC2086
$V --model gpt-4o --detail high --out "$TMP/out" "$@" $photos | grep -v '"summary"' > "$TMP/ours.jsonl"
python3 - "$TMP" "$C" <<'PY'
import json, subprocess, sys, os
tmp, corpus = sys.argv[1], sys.argv[2]
pillow = {}
for line in open(os.path.join(tmp, 'pillow.tsv')):
    p = line.rstrip('\n').split('\t')
    if p[1] != 'ERROR': pillow[p[0]] = int(p[4])
def target(w, h):
    s = min(1.0, 2048 / max(w, h)); w, h = max(1, round(w * s)), max(1, round(h * s))
    if min(w, h) > 768:
        s = 768 / min(w, h); w, h = max(1, round(w * s)), max(1, round(h * s))
    return w, h
tot_p = tot_v = 0; worst = 1e9; bad_size = 0; n = 0
print('%-36s %9s %9s %6s %10s %7s' % ('photo', 'pillow', 'visionps', 'ratio', 'size', 'PSNR'))
for line in open(os.path.join(tmp, 'ours.jsonl')):
    r = json.loads(line); name = os.path.basename(r['file'])
    if not r['ok']:
        print(name, 'FAILED', r['error']); continue
    stem, ext = os.path.splitext(name)
    out = os.path.join(tmp, 'out', stem + {'image/png': '.png', 'image/webp': '.webp', 'image/gif': '.gif'}.get(r['mime'], '.jpg'))
    w, h = r['width'], r['height']
    dw, dh = (r['sourceHeight'], r['sourceWidth']) if r['orientation'] >= 5 else (r['sourceWidth'], r['sourceHeight'])
    ok_size = (w, h) == target(dw, dh) or abs(w - target(dw, dh)[0]) <= 1 and abs(h - target(dw, dh)[1]) <= 1
    bad_size += 0 if ok_size else 1
    ref = os.path.join(tmp, stem + '_ref.png')
    subprocess.run(['convert', r['file'] + '[0]', '-auto-orient', '-colorspace', 'sRGB', '-alpha', 'off', '-filter', 'Lanczos',
                    '-resize', '%dx%d!' % (w, h), '-depth', '8', ref], check=True)
    cmp = subprocess.run(['compare', '-metric', 'PSNR', out + '[0]', ref, 'null:'], capture_output=True, text=True)
    psnr = float(cmp.stderr.split()[0]) if cmp.stderr.split()[0] not in ('inf', '1.#INF') else 99.0
    worst = min(worst, psnr); n += 1
    if name in pillow:  # Pillow reads no HEIC/AVIF: those count for size and PSNR only
        tot_p += pillow[name]; tot_v += r['dataUrlChars']
    print('%-36s %9s %9d %6s %10s %7.2f%s' % (name, pillow.get(name, '-'), r['dataUrlChars'],
          '%.3f' % (r['dataUrlChars'] / pillow[name]) if name in pillow else '-', '%dx%d' % (w, h), psnr, '' if ok_size else '  WRONG SIZE'))
print('photos=%d  data-URL chars: pillow=%d visionps=%d  ratio=%.3f  worst PSNR=%.2f dB  wrong sizes=%d'
      % (n, tot_p, tot_v, tot_v / tot_p, worst, bad_size))
PY
