# Send-VisionChat -PerImage throughput against the local endpoint under injected latency and a rate limit (issue 7).
# Called by perimage-bench.sh; prints a markdown table: wall time against the ideal, in one run.
param([Parameter(Mandatory)] [string] $Images, [int] $N = 1000)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $root 'VisionPS.psd1')
$key = 'sk-bench-' + [guid]::NewGuid().ToString('N')
$endpoint = & (Join-Path $root 'tests/VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $key
$secure = ConvertTo-SecureString $key -AsPlainText -Force
$latency = 0.2
try {
    $files = @(Get-ChildItem -LiteralPath $Images -Filter '*.png' | Sort-Object Name | Select-Object -First $N)
    $cases = @(
        @{ Spec = 'slow=200'; Throttle = 8; Rate = 0 }
        @{ Spec = 'slow=200+rate=30'; Throttle = 8; Rate = 30 }
        @{ Spec = 'slow=200+rate=30'; Throttle = 16; Rate = 30 }
        @{ Spec = 'slow=200+rate=60'; Throttle = 16; Rate = 60 }
    )
    '| case | images | answers | errors | wall s | ideal s | wall / ideal | 429s | shared pauses |'
    '|---|---|---|---|---|---|---|---|---|'
    foreach ($case in $cases) {
        $model = "fault:$($case.Spec):$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $out = $files | Send-VisionChat 'What is in this picture?' -PerImage -ThrottleLimit $case.Throttle -BaseUri $endpoint.BaseUri -ApiKey $secure `
            -Model $model -NoCache -MaxRetries 20 -Detail Low -Verbose -ErrorVariable failures -ErrorAction SilentlyContinue 4>&1
        $clock.Stop()
        $answers = @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'VisionPS.ChatResult' -and $_.FinishReason -eq 'stop' })
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $refused = @($verbose | Where-Object Message -match ': HTTP 429 in ').Count
        $pauses = @($verbose | Where-Object Message -like 'Rate limited (HTTP 429)*').Count
        # The bucket starts full (burst = rate): the rate bounds only the requests after the first burst.
        $ideal = [math]::Max($files.Count / $case.Throttle * $latency, $(if ($case.Rate) { [math]::Max(0, $files.Count - $case.Rate) / $case.Rate } else { 0 }))
        $name = "200 ms latency, ThrottleLimit $($case.Throttle)" + $(if ($case.Rate) { ", $($case.Rate) req/s limit" } else { ', no limit' })
        '| {0} | {1} | {2} | {3} | {4:0.0} | {5:0.0} | {6:0.00} | {7} | {8} |' -f $name, $files.Count, $answers.Count, $failures.Count, $clock.Elapsed.TotalSeconds, $ideal, ($clock.Elapsed.TotalSeconds / $ideal), $refused, $pauses
    }
}
finally {
    $endpoint.Stop()
}
