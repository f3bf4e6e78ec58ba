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

# How to start a fresh PowerShell (the one running these tests) on $ScriptFile: no profile, non-interactive, its output
# redirected, and $Environment applied to what it inherits (a $null value removes that variable).
function script:New-PwshStartInfo([string] $ScriptFile, [hashtable] $Environment = @{}) {
    $native = Join-Path $PSHOME 'pwsh'
    if ($IsWindows) { $native += '.exe' }
    $start = if (Test-Path -LiteralPath $native) { [System.Diagnostics.ProcessStartInfo]::new($native) }
    else {
        # PowerShell as a dotnet tool: pwsh.dll in $PSHOME, run by the dotnet host that runs this session.
        $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll'))
        $info
    }
    foreach ($arg in '-NoProfile', '-NonInteractive', '-File', $ScriptFile) { $start.ArgumentList.Add($arg) }
    foreach ($name in $Environment.Keys) {
        if ($null -eq $Environment[$name]) { $null = $start.Environment.Remove($name) }
        else { $start.Environment[$name] = $Environment[$name] }
    }
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start
}

# Points the session's answer cache at a new folder of its own, asks $Prompt about $Image once (-PerImage) and returns the
# folder (Path) and its entries (Entries: the answer and the prepared image's index entry, checked to be just those two),
# so a test can damage them. The caller sets its cache back and removes Path; if this fails, the folder is removed here.
function script:New-OwnCache([string] $Prompt, [string] $Image) {
    $path = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-own-cache-$([guid]::NewGuid().ToString('N'))"
    try {
        Set-VisionDefault -CachePath $path
        $null = Send-VisionChat $Prompt -Image $Image -PerImage
        $entries = @(Get-ChildItem -LiteralPath (Join-Path $path 'v1') -Recurse -File -Filter '*.json')
        $entries.Count | Should -Be 2
    }
    catch {
        Remove-Item -LiteralPath $path -Recurse -Force -ErrorAction SilentlyContinue
        throw
    }
    [pscustomobject]@{ Path = $path; Entries = $entries }
}

# A PNG chunk: length, type, data, CRC-32 of type and data.
function script:New-PngChunk([string] $Type, [byte[]] $Data) {
    [byte[]] $body = [Text.Encoding]::ASCII.GetBytes($Type) + $Data
    $crc = [uint32]::MaxValue
    foreach ($byte in $body) {
        $crc = $crc -bxor $byte
        for ($k = 0; $k -lt 8; $k++) {
            $crc = if ($crc -band 1) { [uint32](($crc -shr 1) -bxor 0xEDB88320) } else { [uint32]($crc -shr 1) }
        }
    }
    $crc = $crc -bxor [uint32]::MaxValue
    (Get-BigEndian $Data.Length) + $body + (Get-BigEndian $crc)
}

function script:Get-BigEndian([uint32] $Value) {
    [byte[]]((($Value -shr 24) -band 255), (($Value -shr 16) -band 255), (($Value -shr 8) -band 255), ($Value -band 255))
}
