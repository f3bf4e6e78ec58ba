# Dot-sourced by every tests/*.Tests.ps1: imports the freshly built module through the root manifest.
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:Corpus = if ($env:VISIONPS_CORPUS) { $env:VISIONPS_CORPUS } else { Join-Path $HOME '.cache/visionps-corpus' }
if (-not (Test-Path -LiteralPath (Join-Path $script:Corpus 'jpg_storm_1920x1280.jpg'))) {
    throw "The image corpus is missing at $script:Corpus: run tests/run.sh (it builds it)."
}
Import-Module (Join-Path $script:RepoRoot 'VisionPS.psd1') -Force -ErrorAction Stop

# Runs $Body with VisionPS's per-user state (saved settings, answer cache, batch records, model overrides, endpoint and
# key) as on a new machine: a fresh temporary folder, which child processes inherit; everything is restored afterwards.
function script:Invoke-WithCleanSettings([scriptblock] $Body) {
    $names = 'VISIONPS_CONFIG', 'VISIONPS_CACHE', 'VISIONPS_BATCHES', 'VISIONPS_MODELS', 'VISIONPS_MODEL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'
    $saved = @{}
    foreach ($n in $names) { $saved[$n] = [Environment]::GetEnvironmentVariable($n) }
    $root = Join-Path ([IO.Path]::GetTempPath()) ('visionps-clean-' + [guid]::NewGuid().ToString('N'))
    try {
        foreach ($n in $names) { [Environment]::SetEnvironmentVariable($n, $null) }
        $env:VISIONPS_CONFIG = Join-Path $root 'config'
        $env:VISIONPS_CACHE = Join-Path $root 'cache'
        $env:VISIONPS_BATCHES = Join-Path $root 'batches'
        & $Body
    }
    finally {
        foreach ($n in $names) { [Environment]::SetEnvironmentVariable($n, $saved[$n]) }
        Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    }
}
