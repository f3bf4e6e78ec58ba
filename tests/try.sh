#!/usr/bin/env bash
# The main job on a fresh machine: set up and build (tests/setup.sh), import VisionPS through VisionPS.psd1, prepare
# images for a model and show what would be sent and what it costs; with OPENAI_API_KEY or OPENAI_BASE_URL set, ask
# the model about them. Runs in real PowerShell 7.6.9, installed into a cache by tests/install-pwsh.sh.
#   tests/try.sh [--local] [--model M] [IMAGE...]
#     --local    start the project's local OpenAI-compatible endpoint and ask it (no key or network needed)
#     IMAGE      default: two photos from the corpus, one of them sideways, and an iPhone-style HEIC
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
local_endpoint=0; model=${VISIONPS_MODEL:-gpt-4.1-mini}
while [ $# -gt 0 ]; do
  case "$1" in
    --local) local_endpoint=1; shift ;;
    --model) model=$2; shift 2 ;;
    *) break ;;
  esac
done
bash tests/setup.sh >&2 || exit 1
. tests/install-pwsh.sh >&2 || exit 1
corpus=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
[ $# -gt 0 ] || set -- "$corpus/jpg_orient6_panasonic_640x428.jpg" "$corpus/jpg_elephants_5640x3172_prog.jpg" "$corpus/d_heic_storm.heic"

if [ $local_endpoint = 1 ]; then
  dotnet build tests/VisionPS.TestServer -c Release -nologo -v q >/dev/null || exit 1
  coproc ENDPOINT { exec dotnet tests/VisionPS.TestServer/bin/Release/net10.0/VisionPS.TestServer.dll --port 0 --stdin; }
  read -r base <&"${ENDPOINT[0]}"
  export OPENAI_BASE_URL=$base
  echo "local endpoint: $base" >&2
fi

script='
$model = $args[0]; $files = $args[1..($args.Count - 1)]
$images = ConvertTo-VisionImage -LiteralPath $files -Model $model
$images
$tokens = 0; foreach ($i in $images) { $tokens += $i.EstimatedTokens }
"{0} image(s) prepared for {1}: ~{2} image tokens in all." -f $images.Count, $model, $tokens
if ($env:OPENAI_API_KEY -or $env:OPENAI_BASE_URL) {
    foreach ($r in ($images | Send-VisionChat "What is in this picture? Answer in one sentence." -PerImage -Model $model)) {
        "{0} ({1} prompt tokens, {2} estimated for the image): {3}" -f [System.IO.Path]::GetFileName($r.ImageSources[0]), $r.PromptTokens, $r.EstimatedImageTokens, $r.Text
    }
} else {
    "Set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server, or run tests/try.sh --local) to ask the model."
    Send-VisionChat "What is in this picture?" -Image $images[0] -Model $model -WhatIf
}'
# A script file, so the image paths reach it as arguments, whatever characters they hold (-Command would re-parse them).
ps1=$(mktemp --suffix=.ps1); trap 'rm -f "$ps1"' EXIT
root=${PWD//\'/\'\'}   # quoted for PowerShell
{
  # Colour only on a terminal: into a pipe or a file, pwsh would still write its table headers' escape codes.
  [ -t 1 ] || echo "\$PSStyle.OutputRendering = 'PlainText'"
  echo "Import-Module '$root/VisionPS.psd1'"
  echo "$script"
} > "$ps1"
pwsh -NoProfile -NonInteractive -File "$ps1" "$model" "$@"
rc=$?
[ $local_endpoint = 1 ] && exec {ENDPOINT[1]}>&-
exit $rc
