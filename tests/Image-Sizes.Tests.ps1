# -MaxSide on every cmdlet that prepares and sends images, in `pwsh -NonInteractive` against the local endpoint: the
# image the service receives has the size asked for, and the parameter takes what the other cmdlets take.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-sizes-key-never-printed-51a0'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-sizes-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
        -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    $script:Storm = Join-Path $Corpus 'jpg_storm_1920x1280.jpg'

    # A 24-bit BMP of random pixels (noise: as PNG it stays about 3 bytes a pixel).
    function script:New-NoiseBmp([string] $Path, [int] $Width, [int] $Height, [int] $Seed) {
        $stride = (($Width * 3 + 3) -band -4)
        $bytes = [byte[]]::new(54 + $stride * $Height)
        [System.Random]::new($Seed).NextBytes($bytes)
        $header = [System.IO.MemoryStream]::new($bytes)
        $w = [System.IO.BinaryWriter]::new($header)
        $w.Write([byte[]][char[]]'BM'); $w.Write([int]$bytes.Length); $w.Write([int]0); $w.Write([int]54)
        $w.Write([int]40); $w.Write([int]$Width); $w.Write([int]$Height); $w.Write([int16]1); $w.Write([int16]24)
        $w.Write([int]0); $w.Write([int]($stride * $Height)); $w.Write([int]2835); $w.Write([int]2835); $w.Write([int]0); $w.Write([int]0)
        $w.Flush()
        [System.IO.File]::WriteAllBytes($Path, $bytes)
        $Path
    }

    # The size of an uploaded file as the service holds it: its content, fetched back and read.
    function script:Get-UploadedSize([string] $FileId) {
        $path = Join-Path $Work "$FileId.bin"
        Invoke-WebRequest -Uri "$($Endpoint.BaseUri)/files/$FileId/content" -Headers @{ Authorization = "Bearer $Key" } -OutFile $path
        $info = Get-VisionImageInfo -LiteralPath $path
        "$($info.Width)x$($info.Height)"
    }
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-MaxSide on the upload cmdlets' {
    It 'Add-VisionFile -MaxSide 300 uploads the 1920x1280 photo at 300x200' {
        $file = Add-VisionFile -Image $Storm -MaxSide 300 -ErrorAction Stop
        Get-UploadedSize $file.Id | Should -Be '300x200'
        # Without it, the default box (what the model looks at) applies, as before.
        $default = Add-VisionFile -Image $Storm -ErrorAction Stop
        Get-UploadedSize $default.Id | Should -Not -Be '300x200'
    }

    It 'Add-AssistantImage -MaxSide 300 uploads and attaches the photo at 300x200' {
        $message = Add-AssistantImage -Image $Storm -MaxSide 300 -ErrorAction Stop
        $message.FileIds.Count | Should -Be 1
        Get-UploadedSize $message.FileIds[0] | Should -Be '300x200'
    }

    It '<Command> -MaxSide takes what Send-VisionChat takes: 16 to 16384' -ForEach @(
        @{ Command = 'Add-VisionFile' }, @{ Command = 'Add-AssistantImage' }, @{ Command = 'Send-VisionChat' }
    ) {
        $meta = (Get-Command $Command).Parameters['MaxSide']
        $range = $meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        "$($range.MinRange)..$($range.MaxRange)" | Should -Be '16..16384'
        $meta.ParameterType | Should -Be ([int])
        $err = $null
        $arguments = @{ Image = $Storm; MaxSide = 8; ErrorAction = 'Stop' }
        if ($Command -eq 'Send-VisionChat') { $arguments.Prompt = 'Describe.' }
        try { & $Command @arguments } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
    }
}

Describe 'More than 50 MB in one request, counted as sent' {
    It 'refuses 40 MB of images (54 MB as base64 data URLs) before sending as RequestTooLarge; -PerImage sends each' {
        # Eight 1300x1300 noise images as PNG for gpt-5.4's original detail: about 5.07 MB each, 40.6 MB together,
        # which go as data URLs of 54 MB.
        $files = 1..8 | ForEach-Object { New-NoiseBmp (Join-Path $Work "noise$_.bmp") 1300 1300 $_ }
        $images = $files | ConvertTo-VisionImage -Model gpt-5.4 -Detail Original -Format Png -ErrorAction Stop
        $raw = ($images | Measure-Object -Property Length -Sum).Sum
        $sent = ($images | ForEach-Object { 'data:image/png;base64,'.Length + 4 * [math]::Ceiling($_.Length / 3) } | Measure-Object -Sum).Sum
        $raw | Should -BeLessThan 45000000
        $sent | Should -BeGreaterThan 50000000
        $err = $null
        $answers = $images | Send-VisionChat 'Compare these.' -Api Responses -Model gpt-5.4 -Detail Original -ErrorVariable err -ErrorAction SilentlyContinue
        $answers | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'RequestTooLarge,VisionPS.Commands.SendVisionChatCommand'
        $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $err[0].TargetObject | Should -Be $files
        foreach ($f in $files) { $err[0].Exception.Message | Should -BeLike "*'$f'*" }
        $err[0].Exception.Message | Should -BeLike "*$(($sent / 1e6).ToString('0.##', [cultureinfo]::InvariantCulture)) MB together as sent*base64*at most 50 MB of images per request, so nothing was sent*"
        $err[0].ErrorDetails.RecommendedAction | Should -BeLike '*-PerImage*-MaxSide*-Detail*'
        # One request each fits: every image is answered.
        ($images | Send-VisionChat 'Describe.' -PerImage -Api Responses -Model gpt-5.4 -Detail Original -NoCache -ErrorAction Stop).Count | Should -Be 8
    }
}

Describe '-Detail Original through Chat Completions' {
    It '<Command> stops with the terminating error OriginalNeedsResponses, which -ErrorAction does not silence' -ForEach @(
        @{ Command = 'Send-VisionChat'; Type = 'SendVisionChatCommand' }, @{ Command = 'Start-VisionBatch'; Type = 'StartVisionBatchCommand' }
    ) {
        $e = $null
        $out = try { & $Command 'Describe.' -Image $Storm -Model gpt-5.4 -Detail Original -ErrorAction SilentlyContinue } catch { $e = $_ }
        $out | Should -BeNullOrEmpty
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -Be "OriginalNeedsResponses,VisionPS.Commands.$Type"
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -BeLike '*-Api Responses*'
    }
}
