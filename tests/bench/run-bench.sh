#!/usr/bin/env bash
# Reproduces the image-core benchmarks: VisionPS's harness side by side with the shared baselines
# (../shared/bench: Pillow, libvips) in one hyperfine run per input, whole-process wall time, on this machine.
#   tests/bench/run-bench.sh [RUNS]        (default 5 runs, 1 warm-up; writes tests/bench/results-*.md)
# Inputs: the whole good JPEG+PNG corpus in one process, the 17.9 MP progressive JPEG, the 13 MP phone photo,
# the corpus's largest RGBA PNG and a 5120x2880 RGBA PNG made here (the README's 14.7 MP case); then peak RSS
# on the 17.9 MP JPEG (/usr/bin/time -v) and the size of the native assets the module ships per platform.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUNS=${1:-5}
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a whole number of at least 1" >&2; exit 2; }
C=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
S=${VISIONPS_SHARED:-$PWD/../shared}/bench
OUT=${BENCH_OUT:-tests/bench/results}; mkdir -p "$OUT"   # hyperfine markdown tables (not tracked)
dotnet build tests/VisionPS.Bench -c Release -nologo -v q >/dev/null
dotnet build src/VisionPS/VisionPS.csproj -c Release -nologo -v q >/dev/null
V="dotnet $PWD/tests/VisionPS.Bench/bin/Release/net10.0/VisionPS.Bench.dll prepare"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
RGBA=$TMP/rgba_5120x2880.png
convert "$C/jpg_elephants_5640x3172_prog.jpg" -resize '5120x2880!' \( +clone -fx '0.3+0.7*i/w' \) -alpha off -compose CopyOpacity -composite "$RGBA"
corpus=$(ls "$C"/*.jpg "$C"/*.png | tr '\n' ' ')

run() { # name, files...
  local name=$1; shift
  hyperfine -N -w 1 -r "$RUNS" --export-markdown "$OUT/results-$name.md" \
    -n pillow "/usr/bin/python3 $S/pipeline_pillow.py $*" \
    -n vips "$S/pipeline_vips.sh $*" \
    -n visionps "$V $*" 2>&1 | grep -E '^(Benchmark|  Time)|times faster'
}
echo "== whole good JPEG+PNG corpus, one process"; run corpus $corpus
# hyperfine times each tool in its own block, so drift of this shared machine between blocks moves the ratio; here the
# two take turns, one run each per round, and the ratio is of the medians (the bar is against Pillow).
echo "== whole corpus, Pillow and VisionPS interleaved: $RUNS rounds of one run each (median wall, ms)"
declare -A walls=()
for ((r = 0; r < RUNS; r++)); do
  order="pillow visionps"; ((r % 2)) && order="visionps pillow"   # ABBA: neither always goes first
  for tool in $order; do
    case $tool in pillow) cmd="/usr/bin/python3 $S/pipeline_pillow.py";; visionps) cmd=$V;; esac
    t0=$(date +%s%N)
    $cmd $corpus >/dev/null 2>"$TMP/err" || { echo "$tool failed:"; cat "$TMP/err"; exit 1; }
    walls[$tool]+="$(( ($(date +%s%N) - t0) / 1000000 )) "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mp=$(median "${walls[pillow]}"); mx=$(median "${walls[visionps]}")
printf '  pillow %s   visionps %s   visionps/pillow %s\n' "$mp" "$mx" "$(awk -v a="$mx" -v b="$mp" 'BEGIN {printf "%.3f", a / b}')"
echo "== 17.9 MP progressive JPEG"; run elephants "$C/jpg_elephants_5640x3172_prog.jpg"
echo "== 13 MP phone photo"; run phone "$C/jpg_phone_meizu_3120x4208.jpg"
echo "== largest corpus RGBA PNG (2135x2048)"; run logo "$C/png_logo_2135x2048_rgba.png"
echo "== RGBA PNG 5120x2880"; run rgba "$RGBA"

echo "== peak RSS, 17.9 MP JPEG (kB)"
for cmd in "/usr/bin/python3 $S/pipeline_pillow.py" "$V"; do
  rss=$(/usr/bin/time -v $cmd "$C/jpg_elephants_5640x3172_prog.jpg" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p')
  echo "$rss  $cmd"
done

echo "== native assets shipped per platform (module/bin/runtimes, shared by both frameworks)"
for d in module/bin/runtimes/*/native; do
  printf '%s\t%s\n' "$(basename "$(dirname "$d")")" "$(du -ch "$d"/* | tail -n1 | cut -f1) ($(ls "$d" | tr '\n' ' '))"
done
# Each native ships once, under runtimes/ (Windows PowerShell 5.1 loads Magick.NET's from there too): say if not.
if compgen -G 'module/bin/net472/lib/Magick.Native-*' >/dev/null; then
  echo "net472 lib/ holds a second copy of Magick.NET's natives: $(du -ch module/bin/net472/lib/Magick.Native-* | tail -n1 | cut -f1)"
fi
