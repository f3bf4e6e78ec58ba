#!/usr/bin/env bash
# The main job on a fresh machine: set up and build (tests/setup.sh), import VisionPS through VisionPS.psd1, and
# look at images. In real PowerShell when pwsh is on PATH, otherwise in the hosted engine (tests/VisionPS.Host).
#   tests/try.sh [IMAGE...]        (default: two photos from the corpus, one of them sideways)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/setup.sh >&2 || exit 1
corpus=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
[ $# -gt 0 ] || set -- "$corpus/jpg_orient6_panasonic_640x428.jpg" "$corpus/png_wizard_1104x1468_rgba.png"
script='Get-VisionImageInfo -LiteralPath $args'
if command -v pwsh >/dev/null; then
  exec pwsh -NoProfile -NonInteractive -Command "Import-Module ./VisionPS.psd1; & { $script } @args" "$@"
fi
dotnet build tests/VisionPS.Host -c Release -nologo -v q >/dev/null || exit 1
exec dotnet tests/VisionPS.Host/bin/Release/net10.0/VisionPS.Host.dll VisionPS.psd1 "$script" "$@"
