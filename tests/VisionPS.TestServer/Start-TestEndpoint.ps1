<#
.SYNOPSIS
    Starts the local OpenAI-compatible endpoint as a process (for Pester or manual runs).
.DESCRIPTION
    Builds the endpoint when it is not built yet, starts it on a free 127.0.0.1 port and returns an object with
    BaseUri (http://127.0.0.1:PORT/v1), ApiKey, Process and a Stop() method, which closes its standard input (the
    endpoint's --stdin mode ends it) and waits for it to exit.
.EXAMPLE
    $endpoint = & tests/VisionPS.TestServer/Start-TestEndpoint.ps1 -ApiKey 'sk-test-key'
    try { Send-VisionChat -BaseUri $endpoint.BaseUri ... } finally { $endpoint.Stop() }
#>
[CmdletBinding()]
param(
    # When given, the endpoint requires this key (Authorization: Bearer KEY or api-key: KEY).
    [string] $ApiKey,
    # Refuse http(s) image URLs as Ollama does: only data: URLs are taken.
    [switch] $RefuseImageUrls,
    # Faults for every request to a route, by "METHOD TEMPLATE" (e.g. @{ 'DELETE /v1/files/{id}' = '500' }): for
    # requests the module sends without a fault header or model, such as the deletes of a cleanup.
    [hashtable] $RouteFault = @{},
    # Text the ids the endpoint makes end with, by prefix (e.g. @{ 'batch_' = '; Write-Host PWNED #' }): a hostile service.
    [hashtable] $IdTail = @{},
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
$dll = Join-Path $PSScriptRoot "bin/$Configuration/net10.0/VisionPS.TestServer.dll"
if (-not (Test-Path -LiteralPath $dll)) {
    $build = & dotnet build $PSScriptRoot -c $Configuration -nologo 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Building the test endpoint failed:`n$($build -join "`n")" }
}
$start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($arg in @($dll, '--port', '0', '--stdin')) { $start.ArgumentList.Add($arg) }
if ($ApiKey) { $start.ArgumentList.Add('--api-key'); $start.ArgumentList.Add($ApiKey) }
if ($RefuseImageUrls) { $start.ArgumentList.Add('--refuse-image-urls') }
foreach ($prefix in $IdTail.Keys) { foreach ($arg in @('--id-tail', $prefix, $IdTail[$prefix])) { $start.ArgumentList.Add($arg) } }
foreach ($route in $RouteFault.Keys) { foreach ($arg in @('--route-fault', $route, $RouteFault[$route])) { $start.ArgumentList.Add($arg) } }
$start.UseShellExecute = $false
$start.RedirectStandardInput = $true
$start.RedirectStandardOutput = $true
$process = [System.Diagnostics.Process]::Start($start)
$line = $process.StandardOutput.ReadLineAsync()
if (-not $line.Wait(30000) -or -not $line.Result) {
    $process.Kill()
    throw 'The test endpoint did not print its address within 30 seconds.'
}
$endpoint = [pscustomobject]@{ BaseUri = [uri]$line.Result; ApiKey = $ApiKey; Process = $process }
$endpoint | Add-Member -MemberType ScriptMethod -Name Stop -Value {
    if (-not $this.Process.HasExited) {
        $this.Process.StandardInput.Close()
        if (-not $this.Process.WaitForExit(10000)) { $this.Process.Kill() }
    }
}
$endpoint
