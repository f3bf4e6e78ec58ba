#Requires -Version 7.4
# Runs tests/*.Tests.ps1 with Pester 5 and prints one line: pester: N passed, N failed, N skipped
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
if (-not (Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0')) {
    Write-Output 'pester: Pester 5 is not installed (Install-Module Pester -MinimumVersion 5.0)'
    exit 2
}
Import-Module Pester -MinimumVersion 5.0
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$result = Invoke-Pester -Configuration $config
"pester: $($result.PassedCount) passed, $($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount) failed, $($result.SkippedCount + $result.NotRunCount) skipped"
