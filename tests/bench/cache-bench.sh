#!/usr/bin/env bash
# The ask pipeline's answer cache and memory (issue 15), in one run against the project's local endpoint:
#  1. Send-VisionChat -PerImage on N distinct photos (default 100) with an empty answer cache, then the same run again,
#     every answer in the cache: the re-run must not decode a single image (target: at most 1/5 of the first run's time).
#  2. Peak RSS of a whole pwsh process running -PerImage -NoCache on the same photos at ThrottleLimit 4 and 16: memory
#     is bounded by the requests in flight, not by the number of photos.
# The photos are distinct crops of the corpus's large photos (ImageMagick), 3000x2000 JPEG, so each is decoded, resized
# and re-encoded. Needs pwsh on PATH. Writes tests/bench/results/cache.md.
#   tests/bench/cache-bench.sh [N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${1:-100}
C=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
command -v pwsh >/dev/null || { echo "cache-bench: pwsh is not on PATH (this benchmark runs the module in real PowerShell)"; exit 1; }
dotnet build src/VisionPS/VisionPS.csproj -c Release -nologo -v q >/dev/null
dotnet build tests/VisionPS.TestServer -c Release -nologo -v q >/dev/null
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/img"
src=("$C/jpg_elephants_5640x3172_prog.jpg" "$C/jpg_phone_meizu_3120x4208.jpg" "$C/jpg_wood_2560x1920.jpg" "$C/jpg_storm_1920x1280.jpg")
for ((i = 0; i < N; i++)); do
  s=${src[$((i % ${#src[@]}))]}
  # A different crop (and slight rotation) per photo: N distinct files, none a copy of another.
  convert "$s" -rotate "$(( i % 7 ))" -gravity center -crop "$(( 80 + i % 20 ))%x$(( 80 + i % 20 ))%+$(( i % 13 ))+$(( i % 11 ))" +repage \
    -resize '3000x2000!' -quality 90 "$TMP/img/photo$(printf %04d "$i").jpg"
done
mkdir -p tests/bench/results
OUT=tests/bench/results/cache.md
{
  echo "## Answer cache: $N photos (3000x2000 JPEG), -PerImage -ThrottleLimit 4, local endpoint"
  echo
  pwsh -NoProfile -NonInteractive -File tests/bench/cache-bench.ps1 -Images "$TMP/img" -Mode Rerun -Throttle 4
  echo
  echo "## Peak RSS of the whole pwsh process: $N photos, -PerImage -NoCache"
  echo
  echo '| ThrottleLimit | answers | wall s | peak RSS MB |'
  echo '|---|---|---|---|'
  for t in 4 16; do
    /usr/bin/time -v pwsh -NoProfile -NonInteractive -File tests/bench/cache-bench.ps1 -Images "$TMP/img" -Mode Memory -Throttle "$t" \
      >"$TMP/row.txt" 2>"$TMP/time.txt"
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMP/time.txt")
    echo "| $t | $(cat "$TMP/row.txt") | $rss |"
  done
} | tee "$OUT"
