# Dot-sourced by every tests/*.Tests.ps1: imports the freshly built module through the root manifest.
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:Corpus = if ($env:VISIONPS_CORPUS) { $env:VISIONPS_CORPUS } else { Join-Path $HOME '.cache/visionps-corpus' }
if (-not (Test-Path -LiteralPath (Join-Path $script:Corpus 'jpg_storm_1920x1280.jpg'))) {
    throw "The image corpus is missing at $script:Corpus: run tests/run.sh (it builds it)."
}
Import-Module (Join-Path $script:RepoRoot 'VisionPS.psd1') -Force -ErrorAction Stop
