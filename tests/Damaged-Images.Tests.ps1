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

    It 'refuses a large sequential photo (resized anyway) whose scan holds garbage without marker bytes, and sends it with a warning on request' {
        # 2560x1920 is over the 2048 box, so it is re-encoded; the garbage has no 0xFF byte, so only libjpeg's scan check sees it.
        $wood = New-DamagedJpeg 'jpg_wood_2560x1920.jpg' 'wood.jpg' 100000 ([byte[]](1..200 | ForEach-Object { [byte](($_ * 37) % 255) }))
        $good = Join-Path $Corpus 'jpg_storm_1920x1280.jpg'
        $out = ConvertTo-VisionImage -LiteralPath $wood, $good -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Name | Should -Be 'jpg_storm_1920x1280.jpg'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $errs[0].ToString() | Should -BeLike '*wood.jpg*(libjpeg: *'
        $errs[0].ToString() | Should -Not -Match 'Magick|Exception|@ error'

        $partial = ConvertTo-VisionImage -LiteralPath $wood -AllowPartial -WarningVariable warns -WarningAction SilentlyContinue
        $partial.Action | Should -Be 'Reencode'
        ($warns -join "`n") | Should -BeLike '*wood.jpg*is damaged*may be wrong*'
    }

    It 'refuses a progressive photo that is resized when one of its scans holds garbage without marker bytes, and sends it with a warning on request' {
        # -MaxSide 1024 resizes the 1920x1080 progressive photo; libjpeg-turbo decodes it, reading every scan.
        $prog = New-DamagedJpeg 'jpg_elephants_1920x1080_prog.jpg' 'prog.jpg' 300000 ([byte[]](1..200 | ForEach-Object { [byte](($_ * 37) % 255) }))
        $good = Join-Path $Corpus 'jpg_wood_2560x1920.jpg'
        $out = ConvertTo-VisionImage -LiteralPath $prog, $good -MaxSide 1024 -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Name | Should -Be 'jpg_wood_2560x1920.jpg'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $errs[0].ToString() | Should -BeLike '*prog.jpg*(libjpeg: *'
        $errs[0].ToString() | Should -Not -Match 'Magick|Exception|@ error'

        $partial = ConvertTo-VisionImage -LiteralPath $prog -MaxSide 1024 -AllowPartial -WarningVariable warns -WarningAction SilentlyContinue
        $partial.Action | Should -Be 'Reencode'
        $partial.Width | Should -Be 1024
        ($warns -join "`n") | Should -BeLike '*prog.jpg*is damaged*may be wrong*'
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
