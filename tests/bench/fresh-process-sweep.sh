#!/usr/bin/env bash
# Prepares each file as the first and only image of its own process (the image core's harness), and lists every
# process that does not end normally (exit 0: prepared, 1: refused with a VisionPS error). The fuzzer's workers run
# many cases each, so state a process sets up on its first image (native libraries, SkiaSharp's shared wrappers,
# Magick.NET) is only ever first for a handful of cases; this sweep makes every file the first.
#   tests/bench/fresh-process-sweep.sh [FILE|DIR]...   (default: the corpus with its bad/ folder, and the test samples;
#   the corpus's .pkgs/ folder, Debian's own files, is searched only when named)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
C=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
dotnet build tests/VisionPS.Bench -c Release -nologo -v q >/dev/null || { echo "build failed"; exit 2; }
harness=(dotnet "$PWD/tests/VisionPS.Bench/bin/Release/net10.0/VisionPS.Bench.dll" prepare)
skip=()
[ $# -gt 0 ] || { set -- "$C" tests/VisionPS.Core.Tests/Imaging/Samples; skip=(-not -path '*/.pkgs/*'); }
n=0; bad=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  timeout 120 "${harness[@]}" "$f" </dev/null >/dev/null 2>&1; rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then bad=$((bad + 1)); echo "exit $rc: $f"; fi
done < <(find "$@" -type f "${skip[@]}" -print0 | sort -z)
echo "files=$n abnormal=$bad"
[ $n -gt 0 ] || echo "no files found: check the paths given"   # find's own failure is not seen through the < <(...)
[ $n -gt 0 ] && [ $bad -eq 0 ]
