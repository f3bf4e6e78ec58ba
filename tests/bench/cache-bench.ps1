# Called by cache-bench.sh. Rerun: first run and cached re-run side by side (markdown table). Memory: one -NoCache run,
# printing "answers | wall s" (the caller measures the process's peak RSS).
param([Parameter(Mandatory)] [string] $Images, [ValidateSet('Rerun', 'Memory')] [string] $Mode = 'Rerun', [int] $Throttle = 4)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $root 'VisionPS.psd1')
$key = 'sk-bench-' + [guid]::NewGuid().ToString('N')
$endpoint = & (Join-Path $root 'tests/VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $key
$secure = ConvertTo-SecureString $key -AsPlainText -Force
$cache = Join-Path ([System.IO.Path]::GetTempPath()) ('visionps-cachebench-' + [guid]::NewGuid().ToString('N'))
try {
    Set-VisionDefault -BaseUri $endpoint.BaseUri -ApiKey $secure -CachePath $cache
    $files = @(Get-ChildItem -LiteralPath $Images -Filter '*.jpg' | Sort-Object Name)
    $model = 'gpt-4.1-mini'
    if ($Mode -eq 'Memory') {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($files | Send-VisionChat 'What is in this picture?' -PerImage -ThrottleLimit $Throttle -Model $model -NoCache)
        $clock.Stop()
        '{0} | {1:0.0}' -f $out.Count, $clock.Elapsed.TotalSeconds
        return
    }
    '| run | photos | answers | from cache | wall s |'
    '|---|---|---|---|---|'
    $runs = foreach ($run in 'first (empty cache)', 're-run (all cached)') {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($files | Send-VisionChat 'What is in this picture?' -PerImage -ThrottleLimit $Throttle -Model $model)
        $clock.Stop()
        [pscustomobject]@{ Run = $run; Answers = $out.Count; Cached = @($out | Where-Object FromCache).Count; Seconds = $clock.Elapsed.TotalSeconds }
    }
    foreach ($r in $runs) { '| {0} | {1} | {2} | {3} | {4:0.00} |' -f $r.Run, $files.Count, $r.Answers, $r.Cached, $r.Seconds }
    ''
    'Re-run / first run: **{0:0.000}** (target: at most 0.2).' -f ($runs[1].Seconds / $runs[0].Seconds)
}
finally {
    $endpoint.Stop()
    Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction SilentlyContinue
}
