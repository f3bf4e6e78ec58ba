#Requires -Version 7.4
# Runs tests/*.Tests.ps1 with Pester 5 and prints one line: pester: N passed, N failed, N skipped
# Uses the Pester that tests/install-pwsh.sh installed (VISIONPS_PESTER, its Pester.psd1), else an installed Pester 5.
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
if ($env:VISIONPS_PESTER) {
    Import-Module -Name $env:VISIONPS_PESTER -MinimumVersion 5.0
}
elseif (Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0') {
    Import-Module Pester -MinimumVersion 5.0
}
else {
    Write-Output 'pester: Pester 5 is not installed (bash tests/install-pwsh.sh installs it, or Install-PSResource Pester)'
    exit 2
}
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$result = Invoke-Pester -Configuration $config
"pester: $($result.PassedCount) passed, $($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount) failed, $($result.SkippedCount + $result.NotRunCount) skipped"
