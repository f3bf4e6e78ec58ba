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
if (-not ('VisionPS.Loader.ModuleLoader' -as [type])) {
    $null = [System.Reflection.Assembly]::LoadFrom($loaderPath)
}

$cmdletAssembly = [VisionPS.Loader.ModuleLoader]::Initialize()
Import-Module -Assembly $cmdletAssembly -Force
Export-ModuleMember -Cmdlet '*'
