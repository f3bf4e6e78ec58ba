#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages VisionPS.
.DESCRIPTION
    ./build.ps1                      builds the module into module/bin (then: Import-Module ./VisionPS.psd1)
    ./build.ps1 -Task Test           builds, then runs every xunit project and the Pester tests
    ./build.ps1 -Task Package        builds, lays out the publishable module in out/VisionPS and publishes it with
                                     Publish-PSResource to the local file repository out/repository (VisionPS.<version>.nupkg)
    ./build.ps1 -Task Clean          removes build output
    The version comes from ModuleVersion in VisionPS.psd1 (the one version source) and is passed to dotnet.
    On a machine without PowerShell, tests/run.sh does the same set-up, build and test run.
.PARAMETER Task
    Build (default), Test, Package or Clean.
.PARAMETER Configuration
    Release (default) or Debug.
.PARAMETER OutputPath
    Package: the folder that receives VisionPS/ (the module folder) and repository/ (the local file repository with
    the .nupkg). Default: out/ in the repository.
.PARAMETER NoBuild
    Package: package what is in module/bin without building first.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    [string] $OutputPath,

    [switch] $NoBuild
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$version = (Import-PowerShellDataFile -LiteralPath (Join-Path $root 'VisionPS.psd1')).ModuleVersion

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# A .nupkg is a zip: Publish-PSResource deflates it at the default level. Re-deflating every entry at the smallest
# size (same names, order and timestamps) makes the package about 4% smaller (6 MiB of natives) at no cost to any
# platform; NuGet and Install-PSResource read it as any other package.
function Compress-Smallest([string] $Path) {
    Add-Type -AssemblyName System.IO.Compression
    $temp = "$Path.tmp"
    $source = [System.IO.Compression.ZipFile]::OpenRead($Path)
    try {
        $out = [System.IO.Compression.ZipFile]::Open($temp, [System.IO.Compression.ZipArchiveMode]::Create)
        try {
            foreach ($entry in $source.Entries) {
                $copy = $out.CreateEntry($entry.FullName, [System.IO.Compression.CompressionLevel]::SmallestSize)
                $copy.LastWriteTime = $entry.LastWriteTime
                $from = $entry.Open(); $to = $copy.Open()
                try { $from.CopyTo($to) } finally { $to.Dispose(); $from.Dispose() }
            }
        }
        finally { $out.Dispose() }
    }
    finally { $source.Dispose() }
    Move-Item -LiteralPath $temp -Destination $Path -Force
}

function Invoke-Build {
    Write-Host "Building VisionPS $version ($Configuration)"
    Invoke-Dotnet build (Join-Path $root 'src/VisionPS/VisionPS.csproj') -c $Configuration -nologo "-p:Version=$version"
}

switch ($Task) {
    'Clean' {
        foreach ($path in 'module/bin', 'en-US/VisionPS.dll-Help.xml', 'out') {
            Remove-Item -LiteralPath (Join-Path $root $path) -Recurse -Force -ErrorAction SilentlyContinue
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
        if (-not $NoBuild) { Invoke-Build }
        elseif (-not (Test-Path -LiteralPath (Join-Path $root 'module/bin/net8.0/VisionPS.Loader.dll'))) {
            throw 'module/bin is not built: run ./build.ps1 first, or package without -NoBuild.'
        }
        $out = if ($OutputPath) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath) } else { Join-Path $root 'out' }
        # The module folder is named after the module, as Publish-PSResource and Install-PSResource expect.
        $target = Join-Path $out 'VisionPS'
        $repository = Join-Path $out 'repository'
        Remove-Item -LiteralPath $target, $repository -Recurse -Force -ErrorAction SilentlyContinue
        $null = New-Item -ItemType Directory -Path (Join-Path $target 'module'), $repository
        Copy-Item -LiteralPath (Join-Path $root 'README.md'), (Join-Path $root 'LICENSE'), (Join-Path $root 'CHANGELOG.md') -Destination $target
        # The generated cmdlet help and about_VisionPS sit beside the manifest: Get-Help looks in the module base's en-US.
        Copy-Item -LiteralPath (Join-Path $root 'en-US') -Destination $target -Recurse
        Get-ChildItem -LiteralPath (Join-Path $root 'module') | Copy-Item -Destination (Join-Path $target 'module') -Recurse
        # Debug symbols of our own assemblies stay in the build output, not in the package.
        Get-ChildItem -LiteralPath $target -Recurse -Filter '*.pdb' | Remove-Item

        # The packaged manifest's release notes are CHANGELOG.md's section of this version.
        $changelog = Get-Content -LiteralPath (Join-Path $root 'CHANGELOG.md') -Raw
        $section = [regex]::Match($changelog, "(?ms)^## \[$([regex]::Escape($version))\][^\n]*\n(.*?)(?=^## |\z)")
        if (-not $section.Success) { throw "CHANGELOG.md has no '## [$version]' section." }
        $notes = $section.Groups[1].Value.Trim() -replace "'", "''"
        $manifest = Get-Content -LiteralPath (Join-Path $root 'VisionPS.psd1') -Raw
        $manifest = [regex]::Replace($manifest, "ReleaseNotes\s*=\s*'[^']*'", { param($m) "ReleaseNotes = '$notes'" })
        Set-Content -LiteralPath (Join-Path $target 'VisionPS.psd1') -Value $manifest -NoNewline -Encoding utf8

        # Publish-PSResource makes the .nupkg (and checks the manifest as the gallery does) into a local file
        # repository, registered under a throw-away name for the duration of the publish only.
        $repoName = "VisionPS-build-$([guid]::NewGuid().ToString('N'))"
        Register-PSResourceRepository -Name $repoName -Uri $repository -Trusted
        try {
            Publish-PSResource -Path $target -Repository $repoName
        }
        finally {
            Unregister-PSResourceRepository -Name $repoName
        }
        $package = Get-Item -LiteralPath (Join-Path $repository "VisionPS.$version.nupkg")
        Compress-Smallest -Path $package.FullName
        $package = Get-Item -LiteralPath $package.FullName

        $bytes = (Get-ChildItem -LiteralPath $target -Recurse -File | Measure-Object -Property Length -Sum).Sum
        Write-Host ('Module folder {0} ({1:N1} MiB)' -f $target, ($bytes / 1MB))
        Write-Host ('Package       {0} ({1:N1} MiB)' -f $package.FullName, ($package.Length / 1MB))
        # What one platform needs: the managed assemblies of its framework, help and scripts, and its own natives.
        $common = (Get-ChildItem -LiteralPath $target -Recurse -File | Where-Object FullName -NotLike '*runtimes*' |
            Where-Object FullName -NotLike "*$([IO.Path]::DirectorySeparatorChar)net472$([IO.Path]::DirectorySeparatorChar)*" |
            Measure-Object -Property Length -Sum).Sum
        Write-Host ('  shared (net8.0 assemblies, help, scripts) {0,6:N1} MiB' -f ($common / 1MB))
        # Natives per runtime: on disk once installed, and compressed in the .nupkg.
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package.FullName)
        try {
            foreach ($rid in Get-ChildItem -LiteralPath (Join-Path $target 'module/bin/runtimes') -Directory) {
                $size = (Get-ChildItem -LiteralPath $rid.FullName -Recurse -File | Measure-Object -Property Length -Sum).Sum
                $packed = ($zip.Entries | Where-Object FullName -like "module/bin/runtimes/$($rid.Name)/*" |
                    Measure-Object -Property CompressedLength -Sum).Sum
                Write-Host ('  {0,-18} native {1,6:N1} MiB ({2,5:N1} MiB in the package)' -f $rid.Name, ($size / 1MB), ($packed / 1MB))
            }
        }
        finally {
            $zip.Dispose()
        }
    }
}
