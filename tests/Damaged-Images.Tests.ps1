BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # Bytes inserted into a copy of a corpus JPEG, $Offset bytes into its first scan.
    function New-DamagedJpeg([string] $Source, [string] $Name, [int] $Offset, [byte[]] $Insert) {
        [byte[]] $b = [IO.File]::ReadAllBytes((Join-Path $Corpus $Source))
        $sos = 0
        for ($i = 2; $i -lt $b.Length - 1; $i++) { if ($b[$i] -eq 0xFF -and $b[$i + 1] -eq 0xDA) { $sos = $i; break } }
        $at = $sos + $Offset
        $path = Join-Path $TestDrive $Name
        # Array copies, not ranges: a range over a 16 MB file makes 16 million objects.
        $out = [byte[]]::new($b.Length + $Insert.Length)
        [Array]::Copy($b, 0, $out, 0, $at)
        [Array]::Copy($Insert, 0, $out, $at, $Insert.Length)
        [Array]::Copy($b, $at, $out, $at + $Insert.Length, $b.Length - $at)
        [IO.File]::WriteAllBytes($path, $out)
        $path
    }
}

Describe 'Damaged JPEGs, as a user meets them' {
    It 'refuses a photo with an invalid marker inside its scan (resized anyway) and still prepares the good one' {
        $broken = New-DamagedJpeg 'jpg_elephants_5640x3172_prog.jpg' 'broken.jpg' 200000 ([byte[]](0x12, 0xFF, 0x37, 0x80))
        $good = Join-Path $Corpus 'jpg_storm_1920x1280.jpg'
        $out = ConvertTo-VisionImage -LiteralPath $broken, $good -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Name | Should -Be 'jpg_storm_1920x1280.jpg'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $errs[0].ToString() | Should -BeLike "*broken.jpg*invalid marker 0x37*"
        # Nothing of it decodes, so -AllowPartial is not offered as a way out.
        $errs[0].ToString() | Should -Not -BeLike '*-AllowPartial*'
    }

    # Resized anyway (over the 2048 box, or -MaxSide 1024), so re-encoded; the garbage has no 0xFF byte, so only libjpeg
    # sees it: libjpeg-turbo decodes the file, reading every scan, sequential or progressive.
    It 'refuses a large <Kind> photo (resized anyway) whose scan holds garbage without marker bytes, and sends it with a warning on request' -ForEach @(
        @{ Kind = 'sequential'; Source = 'jpg_wood_2560x1920.jpg'; Name = 'wood.jpg'; Offset = 100000; Good = 'jpg_storm_1920x1280.jpg'; Size = @{} }
        @{ Kind = 'progressive'; Source = 'jpg_elephants_1920x1080_prog.jpg'; Name = 'prog.jpg'; Offset = 300000; Good = 'jpg_wood_2560x1920.jpg'; Size = @{ MaxSide = 1024 } }
    ) {
        $bad = New-DamagedJpeg $Source $Name $Offset ([byte[]](1..200 | ForEach-Object { [byte](($_ * 37) % 255) }))
        $out = ConvertTo-VisionImage -LiteralPath $bad, (Join-Path $Corpus $Good) @Size -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Name | Should -Be $Good
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $errs[0].ToString() | Should -BeLike "*$Name*(libjpeg: *"
        $errs[0].ToString() | Should -Not -Match 'Magick|Exception|@ error'

        $partial = ConvertTo-VisionImage -LiteralPath $bad @Size -AllowPartial -WarningVariable warns -WarningAction SilentlyContinue
        $partial.Action | Should -Be 'Reencode'
        if ($Size.MaxSide) { $partial.Width | Should -Be $Size.MaxSide }
        ($warns -join "`n") | Should -BeLike "*$Name*is damaged*may be wrong*"
    }

    It 'refuses a photo that would pass through when libjpeg reads garbage in its scan, and sends it with a warning on request' {
        # A 512x512 JPEG is already the size models look at, so its bytes would go out unchanged.
        ConvertTo-VisionImage -LiteralPath (Join-Path $Corpus 'jpg_gray_cat_512.jpg') | ForEach-Object Action | Should -Be 'Pass'
        $scan = New-DamagedJpeg 'jpg_gray_cat_512.jpg' 'scan.jpg' 20000 ([byte[]](1..200 | ForEach-Object { [byte](($_ * 37) % 255) }))
        ConvertTo-VisionImage -LiteralPath $scan -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $errs[0].ToString() | Should -BeLike '*scan.jpg*(libjpeg: *'
        $errs[0].ToString() | Should -Not -Match 'Magick|Exception|@ error'

        $partial = ConvertTo-VisionImage -LiteralPath $scan -AllowPartial -WarningVariable warns -WarningAction SilentlyContinue
        $partial.Action | Should -Be 'Reencode'
        ($warns -join "`n") | Should -BeLike '*scan.jpg*is damaged*may be wrong*'
    }
}

Describe 'Every malformed file of the corpus, as a user meets it' {
    It 'is one error per file with a VisionPS id, naming the file and the problem in words (no codec jargon, exception names or temporary files)' {
        $bad = Get-ChildItem -LiteralPath (Join-Path $Corpus 'bad') -File
        $out = $bad | ConvertTo-VisionImage -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be $bad.Count
        foreach ($e in $errs) {
            $e.FullyQualifiedErrorId | Should -Match '^(ImageDamaged|ImageDecodeFailed|UnsupportedImageFormat|ImageTooLarge),'
            "$e" | Should -BeLike "*'$($e.TargetObject)'*"
            "$e" | Should -Not -MatchExactly '\((Unimplemented|InvalidInput|ErrorInInput|IncompleteInput)\)|Exception|magick-|@ (error|warning)|UglyToad'
        }
    }
}

Describe 'A BMP whose header claims far more rows than it holds, as a user meets it' {
    It 'is ImageDamaged in Get-VisionImageInfo and ConvertTo-VisionImage, naming the rows there, and -AllowPartial sends them' {
        # A 40x30 24-bit BMP whose height field says 2,000,000 rows.
        $stride = 120
        [byte[]] $b = [byte[]]::new(54 + $stride * 30)
        $b[0] = 0x42; $b[1] = 0x4D
        [BitConverter]::GetBytes([int]$b.Length).CopyTo($b, 2)
        [BitConverter]::GetBytes([int]54).CopyTo($b, 10)
        [BitConverter]::GetBytes([int]40).CopyTo($b, 14)
        [BitConverter]::GetBytes([int]40).CopyTo($b, 18)
        [BitConverter]::GetBytes([int]2000000).CopyTo($b, 22)
        [BitConverter]::GetBytes([int16]1).CopyTo($b, 26)
        [BitConverter]::GetBytes([int16]24).CopyTo($b, 28)
        $tall = Join-Path $TestDrive 'tall.bmp'
        [IO.File]::WriteAllBytes($tall, $b)
        $null = Get-VisionImageInfo -LiteralPath $tall -ErrorVariable infoErrs -ErrorAction SilentlyContinue
        $null = ConvertTo-VisionImage -LiteralPath $tall -ErrorVariable errs -ErrorAction SilentlyContinue
        foreach ($e in @($infoErrs) + @($errs)) {
            $e.FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
            "$e" | Should -BeLike "*tall.bmp' (BMP) is damaged: the file ends before all of its pixels: only 30 of its 2000000 rows are in it*"
        }
        @($infoErrs).Count + @($errs).Count | Should -Be 2
        $image = ConvertTo-VisionImage -LiteralPath $tall -AllowPartial -WarningVariable warns -WarningAction SilentlyContinue
        ($image.Width, $image.Height) | Should -Be (40, 30)
        "$warns" | Should -BeLike '*so those 30 rows are sent alone, as a 40x30 picture.*'
    }
}

Describe 'Damaged images through every cmdlet that sends them' {
    BeforeAll {
        $script:Key = 'sk-pester-damaged-key-never-printed-7d41'
        $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
        $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-damaged-$([guid]::NewGuid().ToString('N'))"
        Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
            -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 0
        # What the endpoint holds: every file uploaded and not deleted.
        function script:Get-StoredFile { (Invoke-RestMethod -Uri "$($Endpoint.BaseUri)/files" -Headers @{ Authorization = "Bearer $Key" }).data }
        # A truncated photo (the file ends part way down its scan) beside a good one and an animation.
        [byte[]] $whole = [IO.File]::ReadAllBytes((Join-Path $Corpus 'jpg_storm_1920x1280.jpg'))
        $script:Cut = Join-Path $TestDrive 'cut_storm.jpg'
        [IO.File]::WriteAllBytes($Cut, $whole[0..($whole.Length / 2)])
        $script:Good = Join-Path $Corpus 'jpg_gray_cat_512.jpg'
        $script:Anim = Join-Path $Corpus 'gif_anim_aero_350x189.gif'
    }

    AfterAll {
        Set-VisionDefault -Reset
        if ($Endpoint) { $Endpoint.Stop() }
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'with -AllowPartial, <Label> sends the decodable part and puts the damage and the first-frame notes on the warning stream' -ForEach @(
        @{ Label = 'Send-VisionChat'; Command = 'Send-VisionChat'; Options = @{ Prompt = 'Describe.' } }
        @{ Label = 'Send-VisionChat -PerImage'; Command = 'Send-VisionChat'; Options = @{ Prompt = 'Describe each.'; PerImage = $true } }
        @{ Label = 'Start-VisionBatch'; Command = 'Start-VisionBatch'; Options = @{ Prompt = 'Describe.' } }
        @{ Label = 'Add-AssistantImage'; Command = 'Add-AssistantImage'; Options = @{ Prompt = 'These.' } }
        @{ Label = 'Add-VisionFile'; Command = 'Add-VisionFile'; Options = @{} }
        @{ Label = 'ConvertTo-VisionImage'; Command = 'ConvertTo-VisionImage'; Options = @{} }
    ) {
        $out = $Cut, $Anim | & $Command @Options -AllowPartial -WarningVariable warns -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -Not -BeNullOrEmpty
        $errs.Count | Should -Be 0
        ($warns -join "`n") | Should -BeLike '*cut_storm.jpg*is damaged*truncated*'
        ($warns -join "`n") | Should -BeLike '*gif_anim_aero_350x189.gif*only the first frame is sent*'
        # Each warning names its file once, as every cmdlet writes it (not 'path: 'path' is damaged').
        $warns | ForEach-Object { "$_" | Should -Not -Match '(cut_storm\.jpg|gif_anim_aero_350x189\.gif).*\1' }
    }

    It 'a re-run of Send-VisionChat -PerImage answered from the cache still warns that the image was sent in part' {
        $first = Send-VisionChat 'What is left of it?' -Image $Cut -PerImage -AllowPartial -WarningVariable warns1 -WarningAction SilentlyContinue
        $first.FromCache | Should -BeFalse
        $again = Send-VisionChat 'What is left of it?' -Image $Cut -PerImage -AllowPartial -WarningVariable warns2 -WarningAction SilentlyContinue
        $again.FromCache | Should -BeTrue
        $again.Text | Should -Be $first.Text
        ($warns2 -join "`n") | Should -BeLike '*cut_storm.jpg*is damaged*truncated*'
    }

    It 'Add-AssistantImage stopped by -ErrorAction Stop at a damaged image leaves no upload behind' {
        $before = @(Get-StoredFile).Count
        $err = $null
        try { $Good, $Cut, $Anim | Add-AssistantImage -Prompt 'These.' -ErrorAction Stop }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $err.Exception.Message | Should -BeLike '*cut_storm.jpg*'
        @(Get-StoredFile).Count | Should -Be $before -Because 'the good photo uploaded before the stop is attached to nothing'
    }

    It 'Add-AssistantImage stopped by -ErrorAction Stop, against a service whose deletes fail, warns naming the upload left and how to remove it' {
        # A second endpoint whose DELETE /v1/files/{id} answers 500: the cleanup cannot delete the good photo's upload.
        $failing = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key -RouteFault @{ 'DELETE /v1/files/{id}' = '500' }
        try {
            $secret = ConvertTo-SecureString $Key -AsPlainText -Force
            $err = $null
            $clock = [Diagnostics.Stopwatch]::StartNew()
            try { $Good, $Cut | Add-AssistantImage -Prompt 'These.' -BaseUri $failing.BaseUri -ApiKey $secret -MaxRetries 3 -ErrorAction Stop -WarningVariable warns -WarningAction SilentlyContinue }
            catch { $err = $_ }
            $took = $clock.Elapsed
            $err.FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*' -Because 'the stop is the damaged image''s, not the cleanup''s'
            $left = @((Invoke-RestMethod -Uri "$($failing.BaseUri)/files" -Headers @{ Authorization = "Bearer $Key" }).data)
            $left.Count | Should -Be 1
            $warns.Count | Should -Be 1
            "$($warns[0])" | Should -BeLike "Add-AssistantImage stopped before its message was added, and 1 of the 1 file(s) it had uploaded could not be deleted again: $($left[0].id) (HTTP 500: *). *remove them with: Remove-VisionFile $($left[0].id)"
            "$($warns[0])" | Should -Not -Match 'Exception|sk-pester'
            $took.TotalSeconds | Should -BeLessThan 20 -Because 'one quick retry at most, not -MaxRetries 3 with back-off'
        }
        finally { $failing.Stop() }
    }
}

Describe 'Old and rare variants, as a user meets them' {
    It 'prepares an OS/2 1.x BMP whose palette has fewer colours than 8 bits index, with its colours' {
        # 12-byte BITMAPCOREHEADER, 8 bits a pixel, 252 BGR colours (no count in the header); 16x4, pixel i is colour i*13.
        $palette = [byte[]]::new(252 * 3)
        for ($i = 0; $i -lt 252; $i++) { $palette[3 * $i] = 255 - $i; $palette[3 * $i + 1] = ($i * 37 + 11) % 256; $palette[3 * $i + 2] = $i }
        $pixels = [byte[]]::new(64)
        for ($i = 0; $i -lt 64; $i++) { $pixels[$i] = ($i * 13) % 252 }
        $offset = 14 + 12 + $palette.Length
        $ms = [IO.MemoryStream]::new()
        $w = [IO.BinaryWriter]::new($ms)
        $w.Write([byte[]][char[]]'BM'); $w.Write([int]($offset + 64)); $w.Write([int]0); $w.Write([int]$offset)
        $w.Write([int]12); $w.Write([uint16]16); $w.Write([uint16]4); $w.Write([uint16]1); $w.Write([uint16]8)
        $w.Write($palette); $w.Write($pixels); $w.Flush()
        $bmp = Join-Path $TestDrive 'os2.bmp'
        [IO.File]::WriteAllBytes($bmp, $ms.ToArray())

        $out = ConvertTo-VisionImage -LiteralPath $bmp -Format Png -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0
        $out.Width | Should -Be 16
        $sent = Join-Path $TestDrive 'os2-sent.png'
        [IO.File]::WriteAllBytes($sent, $out.GetBytes())
        # ImageMagick's reading of the same file, pixel for pixel.
        & compare -metric AE $bmp $sent 'null:' 2>&1 | Out-String | ForEach-Object Trim | Should -Be '0'
    }

    It 'refuses a WebP-compressed TIFF as unsupported, naming the file and saying what to do' {
        $source = Join-Path $TestDrive 'in.png'
        $tif = Join-Path $TestDrive 'scan_webp.tif'
        & convert -size 96x64 'gradient:red-blue' $source
        & convert $source -depth 8 -compress WebP $tif
        ConvertTo-VisionImage -LiteralPath $tif -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedImageFormat,*'
        "$($errs[0])" | Should -BeLike "*scan_webp.tif*TIFF with WebP compression is not supported; convert it to PNG first*"
        "$($errs[0])" | Should -Not -Match 'configured|Magick|Exception|@ error'
    }
}
