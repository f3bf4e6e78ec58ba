# VisionPS module manifest. Handwritten and static: ModuleVersion is the one version source
# (src/Directory.Build.props reads it, build.ps1 passes it to dotnet).
@{
    RootModule           = 'module/VisionPS.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0b7f1e-3c2a-4c8e-9a55-2f6f6c1b7d31'
    Author               = 'VisionPS developers'
    CompanyName          = 'VisionPS'
    Copyright            = '(c) VisionPS developers. MIT License.'
    Description          = 'Send images to vision models from PowerShell, correctly the first time: resizing, orientation, formats, data URLs, uploads and token estimates.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('module/VisionPS.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Add-AssistantImage'
        'Add-VisionFile'
        'Clear-VisionCache'
        'ConvertTo-VisionImage'
        'Export-VisionImage'
        'Get-VisionBatch'
        'Get-VisionCache'
        'Get-VisionDefault'
        'Get-VisionImageInfo'
        'Get-VisionModel'
        'Receive-VisionBatch'
        'Remove-VisionFile'
        'Send-VisionChat'
        'Set-VisionDefault'
        'Start-VisionBatch'
        'Stop-VisionBatch'
        'Wait-VisionBatch'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OpenAI', 'Vision', 'Image', 'AI', 'GPT', 'HEIC', 'Batch', 'SkiaSharp', 'Linux', 'MacOS', 'Windows', 'PSEdition_Core', 'PSEdition_Desktop')
            LicenseUri   = 'https://github.com/visionps/VisionPS/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/visionps/VisionPS'
            # build.ps1 -Task Package replaces this with the CHANGELOG.md section of ModuleVersion.
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
