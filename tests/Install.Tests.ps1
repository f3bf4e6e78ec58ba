# VisionPS as a user gets it: the package that ./build.ps1 -Task Package publishes with Publish-PSResource to a local
# repository, installed with Install-PSResource into an isolated profile (its own HOME, no inherited PSModulePath),
# imported by name in a fresh pwsh that runs the README's main examples against the local endpoint, then uninstalled.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-install-$([guid]::NewGuid().ToString('N'))"
    $script:ProfileHome = Join-Path $Work 'home'
    $script:Out = Join-Path $Work 'out'
    $script:Photos = Join-Path $Work 'photos'
    $null = New-Item -ItemType Directory -Path $ProfileHome, $Photos
    $script:Version = (Import-PowerShellDataFile (Join-Path $RepoRoot 'VisionPS.psd1')).ModuleVersion
    $script:ChildEnvironment = @{
        HOME = $ProfileHome
        # The child computes its own module path from HOME; nothing of this session's profile leaks in.
        PSModulePath = $null; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null
        OPENAI_API_KEY = $null; OPENAI_BASE_URL = $null; VISIONPS_CACHE = $null; VISIONPS_BATCHES = $null
    }

    # A fresh PowerShell (the same one this test runs in) with the isolated profile. Returns its output lines; throws
    # with its output when it fails. Killed with its whole process tree after the timeout.
    function Invoke-IsolatedPwsh([string] $Script, [int] $TimeoutSeconds = 600) {
        $file = Join-Path $Work "step-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n$Script"
        $start = New-PwshStartInfo $file $ChildEnvironment
        $start.WorkingDirectory = $Work
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
                $process.Kill($true)
                throw "The isolated pwsh did not finish within $TimeoutSeconds s."
            }
            $process.WaitForExit()
            $output = $stdout.Result + $stderr.Result
            if ($process.ExitCode -ne 0) { throw "The isolated pwsh failed (exit $($process.ExitCode)):`n$output" }
            $stdout.Result -split "\r?\n"
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }
    }

    # The photos a user would have: a sideways JPEG from a camera and a HEIC from a phone.
    Copy-Item -LiteralPath (Join-Path $Corpus 'jpg_orient6_panasonic_640x428.jpg') -Destination (Join-Path $Photos 'IMG_0041.jpg')
    Copy-Item -LiteralPath (Join-Path $Corpus 'd_heic_storm.heic') -Destination (Join-Path $Photos 'IMG_0042.HEIC')
    Copy-Item -LiteralPath (Join-Path $Corpus 'gif_static_smile_48.gif') -Destination (Join-Path $Photos 'invoice-1.gif')

    # Package what the build made, publishing with Publish-PSResource to a temporary local repository.
    & (Join-Path $RepoRoot 'build.ps1') -Task Package -NoBuild -OutputPath $Out 6>&1 | Out-String | Write-Host
    $script:Repository = Join-Path $Out 'repository'
    $script:Package = Get-Item -LiteralPath (Join-Path $Repository "VisionPS.$Version.nupkg")

    $script:Key = 'sk-install-test-key-never-printed-7d21'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
}

AfterAll {
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'VisionPS installed from a repository, as a user does' {
    It 'is one .nupkg of at most 150 MiB with the manifest a gallery needs' {
        $Package.Length | Should -BeLessOrEqual 150MB
        $manifest = Import-PowerShellDataFile (Join-Path $Out 'VisionPS/VisionPS.psd1')
        $manifest.PrivateData.PSData.LicenseUri | Should -Be 'https://github.com/visionps/VisionPS/blob/main/LICENSE'
        $manifest.PrivateData.PSData.ProjectUri | Should -Be 'https://github.com/visionps/VisionPS'
        $manifest.PrivateData.PSData.Tags | Should -Contain 'HEIC'
        # The release notes are CHANGELOG.md's section of this version.
        $manifest.PrivateData.PSData.ReleaseNotes | Should -BeLike 'First release.*PowerShell 7.4+*'
        Test-Path -LiteralPath (Join-Path $Out 'VisionPS/LICENSE') | Should -BeTrue
        Get-ChildItem -LiteralPath (Join-Path $Out 'VisionPS') -Recurse -Filter '*.pdb' | Should -BeNullOrEmpty
    }

    It 'ships each native library once' {
        $natives = Get-ChildItem -LiteralPath (Join-Path $Out 'VisionPS/module') -Recurse -File |
            Where-Object { $_.Name -match '^(libSkiaSharp|Magick\.Native-)' -and $_.Extension -in '.dll', '.so', '.dylib' }
        $natives | Should -Not -BeNullOrEmpty
        foreach ($file in $natives) {
            $file.FullName | Should -Match '[/\\]runtimes[/\\][^/\\]+[/\\]native[/\\]' -Because 'natives live only under runtimes/<rid>/native'
        }
        $perRid = $natives | Group-Object { "$($_.Directory.Parent.Name)/$($_.Name)" } | Where-Object Count -gt 1
        $perRid | Should -BeNullOrEmpty
    }

    It 'installs with Install-PSResource, imports by name, runs the README examples and uninstalls' {
        # 1. A user profile that has never seen VisionPS: register the local repository and install from it.
        $installed = Invoke-IsolatedPwsh @"
if (Get-Module -ListAvailable VisionPS) { throw 'VisionPS is already visible to the isolated profile.' }
Register-PSResourceRepository -Name LocalBuild -Uri '$Repository' -Trusted
Install-PSResource VisionPS -Repository LocalBuild -Scope CurrentUser
(Get-InstalledPSResource VisionPS -Scope CurrentUser).InstalledLocation
"@
        ($installed -join "`n") | Should -BeLike "*$ProfileHome*"

        # 2. A fresh pwsh: Import-Module by name, then the README's main examples against the local endpoint.
        $results = Invoke-IsolatedPwsh @"
Import-Module VisionPS
`$module = Get-Module VisionPS
Set-VisionDefault -BaseUri '$($Endpoint.BaseUri)' -ApiKey (ConvertTo-SecureString '$Key' -AsPlainText -Force) -Model gpt-4.1-mini
Set-Location '$Photos'
`$perImage = Get-ChildItem *.jpg | Send-VisionChat 'What is in this picture?' -PerImage
`$info = Get-ChildItem . -File | Get-VisionImageInfo -Model gpt-4.1 -Detail High
`$dataUrl = ConvertTo-VisionImage IMG_0042.HEIC -MaxSide 1024 | ForEach-Object { `$_.ToDataUrl() }
`$m = Get-ChildItem invoice*.gif | Add-AssistantImage -Prompt 'This month''s invoices.'
`$total = Send-VisionChat 'What is the total?' -ConversationId `$m.ConversationId
`$b = Get-ChildItem . -Recurse -Include *.jpg, *.heic | Start-VisionBatch 'Read the total.' -Detail Low
`$b | Wait-VisionBatch -PollSeconds 0.2 -Timeout 300 | Receive-VisionBatch | Export-Csv totals.csv
[pscustomobject]@{
    ModuleBase = `$module.ModuleBase
    Version = `$module.Version.ToString()
    PerImage = @(`$perImage | ForEach-Object { `$_.Text | ConvertFrom-Json })
    Info = @(`$info | Select-Object Format, Width, Height)
    DataUrl = `$dataUrl.Substring(0, 30)
    ConversationId = `$m.ConversationId
    TotalApi = `$total.Api
    Totals = @(Import-Csv totals.csv | Select-Object BatchId, Text)
    About = (Get-Help about_VisionPS | Out-String)
    HelpUri = (Get-Command Send-VisionChat).HelpUri
} | ConvertTo-Json -Depth 8 -Compress
"@
        $r = ($results | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
        $r.ModuleBase | Should -BeLike "$ProfileHome*"
        $r.Version | Should -Be $Version
        # The sideways JPEG was sent upright.
        "$($r.PerImage[0].images[0].width)x$($r.PerImage[0].images[0].height)" | Should -Be '428x640'
        @($r.Info | Where-Object Format -eq 'Heif').Count | Should -Be 1
        $r.DataUrl | Should -BeLike 'data:image/jpeg;base64,*'
        $r.ConversationId | Should -BeLike 'conv_*'
        $r.TotalApi | Should -Be 'responses'
        @($r.Totals).Count | Should -Be 2
        foreach ($row in $r.Totals) {
            $row.BatchId | Should -BeLike 'batch_*'
            # Both photos, the HEIC too, reached the endpoint as JPEG.
            ($row.Text | ConvertFrom-Json).images[0].format | Should -Be 'jpeg'
        }
        $r.About | Should -Match 'about_VisionPS'
        $r.About | Should -Match 'VISIONPS_CACHE'
        $r.About | Should -Match 'TROUBLESHOOTING'
        $r.HelpUri | Should -Be 'https://github.com/visionps/VisionPS#readme'

        # 3. Uninstall: the module is gone from the profile.
        $left = Invoke-IsolatedPwsh @'
Uninstall-PSResource VisionPS -Scope CurrentUser
@(Get-Module -ListAvailable VisionPS).Count
'@
        $left | Where-Object { $_ -match '^\d+$' } | Select-Object -Last 1 | Should -Be '0'
    }
}
