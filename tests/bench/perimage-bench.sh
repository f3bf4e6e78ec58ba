#!/usr/bin/env bash
# Send-VisionChat -PerImage throughput (issue 7): N small distinct PNGs (default 1000) against the project's local
# endpoint with 200 ms injected latency per request, without and with a rate limit (429 + retry-after-ms), in one run.
# Ideal = max(N / ThrottleLimit x 0.2 s, (N - rate) / rate): the endpoint's token bucket starts with a burst of rate. Runs in the PowerShell 7.6.9 that tests/install-pwsh.sh installs. Writes tests/bench/results/perimage.md.
#   tests/bench/perimage-bench.sh [N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${1:-1000}
. tests/install-pwsh.sh || { echo "perimage-bench: PowerShell 7.6.9 could not be installed (this benchmark runs the module in real PowerShell)"; exit 1; }
dotnet build src/VisionPS/VisionPS.csproj -c Release -nologo -v q >/dev/null
dotnet build tests/VisionPS.TestServer -c Release -nologo -v q >/dev/null
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/img"
for ((i = 0; i < N; i++)); do   # ImageMagick (tests/setup.sh installs it): N distinct 64x64 PNGs
  convert -size 64x64 "xc:rgb($(( i * 7 % 256 )),$(( i * 13 % 256 )),$(( i * 29 % 256 )))" -fill white \
    -draw "point $(( i % 64 )),$(( i / 64 % 64 ))" "$TMP/img/img$(printf %05d "$i").png"
done
mkdir -p tests/bench/results
pwsh -NoProfile -NonInteractive -File tests/bench/perimage-bench.ps1 -Images "$TMP/img" -N "$N" | tee tests/bench/results/perimage.md
