# The PowerShell the tests, tests/try.sh and the benchmarks run in (tests/install-pwsh.sh).
Describe 'The pwsh that tests/install-pwsh.sh installs' {
    It 'is PowerShell 7.6.9 with Pester 5.9.1' -Skip:(-not $env:VISIONPS_PWSH) {
        $PSVersionTable.PSVersion.ToString() | Should -Be '7.6.9'
        (Get-Module Pester).Version.ToString() | Should -Be '5.9.1'
    }

    It 'is one process: killing the launcher from outside leaves no PowerShell running' -Skip:(-not ($env:VISIONPS_PWSH -and $IsLinux)) {
        $marker = "visionps-kill-test-$([guid]::NewGuid().ToString('N'))"
        function Get-MarkedProcessId {
            foreach ($dir in Get-ChildItem -LiteralPath /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$') {
                $cmdline = try { [System.IO.File]::ReadAllText("$($dir.FullName)/cmdline") } catch { '' }
                if ($cmdline.Contains($marker)) { [int]$dir.Name }
            }
        }
        $ready = Join-Path ([System.IO.Path]::GetTempPath()) "$marker.ready"
        $process = Start-Process -FilePath $env:VISIONPS_PWSH -PassThru -ArgumentList '-NoProfile', '-NonInteractive', '-Command',
            "Set-Content -LiteralPath '$ready' -Value running; Start-Sleep 300 # $marker"
        try {
            # Wait until PowerShell itself runs the script (a launcher's child would be up by then).
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path -LiteralPath $ready) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Test-Path -LiteralPath $ready | Should -BeTrue
            # The process started is PowerShell itself (no child 'dotnet pwsh.dll' of another launcher process).
            @(Get-MarkedProcessId) | Should -Be @($process.Id)
            $process.Kill()   # this process only, as a CI timeout or an impatient user would
            $process.WaitForExit(10000) | Should -BeTrue
            @(Get-MarkedProcessId) | Should -BeNullOrEmpty
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            foreach ($id in Get-MarkedProcessId) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
            Remove-Item -LiteralPath $ready -ErrorAction SilentlyContinue
        }
    }
}
