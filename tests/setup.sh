#!/usr/bin/env bash
# Sets up a fresh Debian machine for VisionPS and builds it: apt packages (reference decoders, corpus tools),
# the public image corpus from ../shared/corpus into a cache, and the module (module/bin).
# Used by tests/run.sh and tests/try.sh. Exit code != 0 when anything is missing.
#   Env: VISIONPS_CORPUS (default ~/.cache/visionps-corpus), CONFIGURATION (default Release)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SHARED=${VISIONPS_SHARED:-$ROOT/../shared}
CONFIGURATION=${CONFIGURATION:-Release}
VISIONPS_CORPUS=${VISIONPS_CORPUS:-$HOME/.cache/visionps-corpus}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rc=0

# qpdf: encrypted and damaged test PDFs; img2pdf: scanned PDFs; xvfb + xclip: the Linux (X11) clipboard, tested for real;
# libjxl-tools: the JPEG XL reference (cjxl/djxl).
need_pkgs="imagemagick libjpeg-turbo-progs webp libheif-examples libavif-bin libimage-exiftool-perl libvips-tools python3-pil hyperfine qpdf img2pdf xvfb xclip libjxl-tools"
missing=""
for t in convert djpeg cwebp dwebp heif-enc avifenc cjxl djxl exiftool vips python3 hyperfine qpdf img2pdf Xvfb xclip; do command -v "$t" >/dev/null || missing="$missing $t"; done
if [ -n "$missing" ]; then
  echo "== installing tools (missing:$missing)"
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_pkgs >/dev/null; } \
    || { echo "FAILED: could not install $need_pkgs"; rc=1; }
fi

if [ ! -f "$VISIONPS_CORPUS/jpg_storm_1920x1280.jpg" ] || [ ! -f "$VISIONPS_CORPUS/bad/bomb_header_100000x100000.png" ]; then
  echo "== building the image corpus in $VISIONPS_CORPUS"
  if [ -f "$SHARED/corpus/make-corpus.sh" ]; then
    bash "$SHARED/corpus/make-corpus.sh" "$VISIONPS_CORPUS" | tail -n 1 || { echo "FAILED: corpus build"; rc=1; }
  else
    echo "FAILED: $SHARED/corpus/make-corpus.sh not found (the shared folder must sit beside the repository)"; rc=1
  fi
fi

echo "== building VisionPS ($CONFIGURATION)"
out=$(dotnet build src/VisionPS/VisionPS.csproj -c "$CONFIGURATION" -nologo 2>&1) || { printf '%s\n' "$out" | grep -E "error" | sort -u; echo "FAILED: module build"; rc=1; }
exit $rc
