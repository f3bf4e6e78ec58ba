#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages VisionPS.
.DESCRIPTION
    ./build.ps1                      builds the module into module/bin (then: Import-Module ./VisionPS.psd1)
    ./build.ps1 -Task Test           builds, then runs every xunit project and the Pester tests
    ./build.ps1 -Task Package        builds and lays out the publishable module in out/VisionPS/<version>
    ./build.ps1 -Task Clean          removes build output
    The version comes from ModuleVersion in VisionPS.psd1 (the one version source) and is passed to dotnet.
    On a machine without PowerShell, tests/run.sh does the same set-up, build and test run.
.PARAMETER Task
    Build (default), Test, Package or Clean.
.PARAMETER Configuration
    Release (default) or Debug.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$version = (Import-PowerShellDataFile -LiteralPath (Join-Path $root 'VisionPS.psd1')).ModuleVersion

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Write-Host "Building VisionPS $version ($Configuration)"
    Invoke-Dotnet build (Join-Path $root 'src/VisionPS/VisionPS.csproj') -c $Configuration -nologo "-p:Version=$version"
}

switch ($Task) {
    'Clean' {
        foreach ($dir in 'module/bin', 'en-US', 'out') {
            Remove-Item -LiteralPath (Join-Path $root $dir) -Recurse -Force -ErrorAction SilentlyContinue
        }
        Get-ChildItem -LiteralPath (Join-Path $root 'src'), (Join-Path $root 'tests') -Directory -Recurse -Include bin, obj |
            Remove-Item -Recurse -Force
    }
    'Build' { Invoke-Build }
    'Test' {
        Invoke-Build
        $failed = 0
        foreach ($project in Get-ChildItem -Path (Join-Path $root 'tests/*/*.Tests.csproj')) {
            & dotnet test $project.FullName -c $Configuration -nologo
            if ($LASTEXITCODE -ne 0) { $failed++ }
        }
        & (Join-Path $root 'tests/run-pester.ps1')
        if ($LASTEXITCODE -ne 0 -and $null -ne $LASTEXITCODE) { $failed++ }
        if ($failed) { throw "$failed test run(s) failed." }
    }
    'Package' {
        Invoke-Build
        $target = Join-Path $root "out/VisionPS/$version"
        Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue
        $null = New-Item -ItemType Directory -Path (Join-Path $target 'module')
        Copy-Item -LiteralPath (Join-Path $root 'VisionPS.psd1'), (Join-Path $root 'README.md') -Destination $target
        # The generated help sits beside the manifest: Get-Help looks in the module base's en-US folder.
        Copy-Item -LiteralPath (Join-Path $root 'en-US') -Destination $target -Recurse
        Get-ChildItem -LiteralPath (Join-Path $root 'module') | Copy-Item -Destination (Join-Path $target 'module') -Recurse
        # Debug symbols of our own assemblies stay in the build output, not in the package.
        Get-ChildItem -LiteralPath $target -Recurse -Filter '*.pdb' | Remove-Item
        $bytes = (Get-ChildItem -LiteralPath $target -Recurse -File | Measure-Object -Property Length -Sum).Sum
        Write-Host ('Packaged {0} ({1:N1} MiB)' -f $target, ($bytes / 1MB))
        foreach ($rid in Get-ChildItem -LiteralPath (Join-Path $target 'module/bin/runtimes') -Directory) {
            $size = (Get-ChildItem -LiteralPath $rid.FullName -Recurse -File | Measure-Object -Property Length -Sum).Sum
            Write-Host ('  {0,-18} native {1,6:N1} MiB' -f $rid.Name, ($size / 1MB))
        }
    }
}
