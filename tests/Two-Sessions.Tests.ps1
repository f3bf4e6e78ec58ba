# Two PowerShell windows using VisionPS at once: two real pwsh processes sharing the settings file, the answer cache
# and the batch record folder, started together.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-two-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work

    # Starts a pwsh running $Script (after importing the module) with the given environment; returns the process,
    # its output read as it comes. Both sessions wait for $Go to exist, so their work overlaps.
    function Start-Session([string] $Script, [hashtable] $Environment) {
        $file = Join-Path $Work "session-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'
Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'
while (-not (Test-Path -LiteralPath '$(Join-Path $Work 'go')')) { Start-Sleep -Milliseconds 10 }
$Script
"@
        $process = [System.Diagnostics.Process]::Start((New-PwshStartInfo $file $Environment))
        [pscustomobject]@{ Process = $process; Out = $process.StandardOutput.ReadToEndAsync(); Err = $process.StandardError.ReadToEndAsync() }
    }

    # Lets the sessions go and returns each one's output; throws with its output when one fails or hangs.
    function Wait-Sessions([object[]] $Sessions) {
        $null = New-Item -ItemType File -Path (Join-Path $Work 'go')
        try {
            foreach ($s in $Sessions) {
                if (-not $s.Process.WaitForExit(300000)) { throw 'A session did not finish within 300 s.' }
                $s.Process.WaitForExit()
                if ($s.Process.ExitCode -ne 0) { throw "A session failed (exit $($s.Process.ExitCode)):`n$($s.Out.Result)$($s.Err.Result)" }
            }
            foreach ($s in $Sessions) { , ($s.Out.Result -split "\r?\n" | Where-Object { $_ }) }
        }
        finally {
            foreach ($s in $Sessions) { if (-not $s.Process.HasExited) { $s.Process.Kill($true) }; $s.Process.Dispose() }
            Remove-Item -LiteralPath (Join-Path $Work 'go') -ErrorAction SilentlyContinue
        }
    }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Two sessions at once' {
    It 'Set-VisionDefault -Save in both keeps both settings: neither overwrites the other with the file as it read it' {
        $config = Join-Path $Work 'config'
        $environment = @{ VISIONPS_CONFIG = $config; VISIONPS_CACHE = (Join-Path $Work 'cache'); VISIONPS_BATCHES = (Join-Path $Work 'batches') }
        # Each session saves its own setting over and over, and after each save reads the file: its own value must be
        # there, as only it writes that setting. Without a lock, the other session's save of the file it read before
        # puts the old value back.
        $loop = {
            param($Name, $Make)
            $lost = 0
            for ($i = 0; $i -lt 60; $i++) {
                $value = & $Make $i
                $splat = @{ $Name = $value }
                Set-VisionDefault @splat -Save
                $saved = (Get-Content -LiteralPath (Join-Path $env:VISIONPS_CONFIG 'settings.json') -Raw | ConvertFrom-Json).$Name
                if ("$saved" -ne "$value") { $lost++ }
            }
            "lost $lost"
        }
        $a = Start-Session "& { $loop } Model { param(`$i) ""model-`$i"" }" $environment
        $b = Start-Session "& { $loop } TimeoutSec { param(`$i) 10 + `$i }" $environment
        $outA, $outB = Wait-Sessions $a, $b

        $outA | Should -Be 'lost 0'
        $outB | Should -Be 'lost 0'
        $final = Get-Content -LiteralPath (Join-Path $config 'settings.json') -Raw | ConvertFrom-Json
        $final.Model | Should -Be 'model-59'
        $final.TimeoutSec | Should -Be 69
    }
}
