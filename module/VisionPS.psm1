# Loads VisionPS's compiled cmdlets. Everything but VisionPS.Loader.dll is loaded in isolation from the module's own
# bin/<framework>/lib folder (an AssemblyLoadContext on PowerShell 7, an assembly-resolve hook on Windows PowerShell),
# so VisionPS's System.Text.Json, System.ClientModel or SkiaSharp never clash with another module's.
# Only core cmdlets and .NET calls are used here: it must load in a minimal host too.

if ($PSVersionTable.PSEdition -eq 'Core') {
    if ($PSVersionTable.PSVersion -lt [version]'7.4') {
        throw "VisionPS needs PowerShell 7.4 or later (or Windows PowerShell 5.1); this is $($PSVersionTable.PSVersion)."
    }
    $framework = 'net8.0'
}
else {
    $framework = 'net472'
}

$loaderPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', $framework, 'VisionPS.Loader.dll')
if (-not [System.IO.File]::Exists($loaderPath)) {
    throw "VisionPS is not built: '$loaderPath' is missing. Run ./build.ps1 (or tests/run.sh) in the repository first."
}
$isReload = $true
if (-not ('VisionPS.Loader.ModuleLoader' -as [type])) {
    $isReload = $false
    $null = [System.Reflection.Assembly]::LoadFrom($loaderPath)
}

$cmdletAssembly = [VisionPS.Loader.ModuleLoader]::Initialize()
$innerModule = Import-Module -Assembly $cmdletAssembly -Force -PassThru:$isReload
if ($innerModule) {
    # A second import in the same session (Import-Module -Force, or Remove-Module then Import-Module) gets PowerShell's
    # cached module for the already loaded assembly, whose cmdlets are not added to this module again
    # (PowerShell/PowerShell#20710): add them ourselves, as PowerShell-OpenAuthenticode does.
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
        'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmdlet in $innerModule.ExportedCmdlets.Values) {
        $null = $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
    }
}
Export-ModuleMember -Cmdlet '*'
