BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # The zlib stream of a solid 40x30 RGB picture.
    function script:Get-SolidRgb([byte] $R, [byte] $G, [byte] $B) {
        $row = [byte[]]::new(1 + 40 * 3)
        for ($x = 0; $x -lt 40; $x++) { $row[1 + 3 * $x] = $R; $row[2 + 3 * $x] = $G; $row[3 + 3 * $x] = $B }
        $ms = [IO.MemoryStream]::new()
        $z = [IO.Compression.ZLibStream]::new($ms, [IO.Compression.CompressionLevel]::Optimal, $true)
        for ($y = 0; $y -lt 30; $y++) { $z.Write($row, 0, $row.Length) }
        $z.Dispose()
        $ms.ToArray()
    }

    # An animated PNG: a red default image that is its first frame, then a green and a blue frame.
    function script:New-Apng([string] $Path) {
        $fctl = { param([uint32] $Sequence) (Get-BigEndian $Sequence) + (Get-BigEndian 40) + (Get-BigEndian 30) + (Get-BigEndian 0) + (Get-BigEndian 0) + [byte[]](0, 1, 0, 10, 0, 0) }
        [byte[]] $png = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        $png += New-PngChunk 'IHDR' ((Get-BigEndian 40) + (Get-BigEndian 30) + [byte[]](8, 2, 0, 0, 0))
        $png += New-PngChunk 'acTL' ((Get-BigEndian 3) + (Get-BigEndian 0))
        $png += New-PngChunk 'fcTL' (& $fctl 0)
        $png += New-PngChunk 'IDAT' (Get-SolidRgb 200 0 0)
        $png += New-PngChunk 'fcTL' (& $fctl 1)
        $png += New-PngChunk 'fdAT' ((Get-BigEndian 2) + (Get-SolidRgb 0 200 0))
        $png += New-PngChunk 'fcTL' (& $fctl 3)
        $png += New-PngChunk 'fdAT' ((Get-BigEndian 4) + (Get-SolidRgb 0 0 200))
        $png += New-PngChunk 'IEND' ([byte[]]@())
        [IO.File]::WriteAllBytes($Path, $png)
    }

    $script:Tiff = Join-Path $TestDrive 'scan.tif'
    $script:Apng = Join-Path $TestDrive 'anim.png'
    $script:Jxl = Join-Path $TestDrive 'broken.jxl'
    $script:Good = Join-Path $Corpus 'jpg_storm_1920x1280.jpg'
    & convert -size 64x48 'xc:red' 'xc:green' 'xc:blue' $Tiff
    New-Apng $Apng
    $source = Join-Path $TestDrive 'source.png'
    $whole = Join-Path $TestDrive 'whole.jxl'
    & convert -size 96x64 'gradient:red-blue' $source
    & cjxl $source $whole -d 1 *> $null
    [byte[]] $b = [IO.File]::ReadAllBytes($whole)
    # Cut to 60% of its bytes: libjxl stops inside the image data.
    [IO.File]::WriteAllBytes($Jxl, $b[0..([int]($b.Length * 0.6) - 1)])
}

Describe 'A batch of multi-page, animated and damaged files, as a user sends them' {
    It 'sends the first page of a TIFF and the first frame of an APNG with a warning each, refuses the damaged JPEG XL by name, and still prepares the rest' {
        Test-Path -LiteralPath $Tiff | Should -BeTrue
        (Get-Item -LiteralPath $Jxl).Length | Should -BeGreaterThan 100

        $out = ConvertTo-VisionImage -LiteralPath $Tiff, $Jxl, $Apng, $Good -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue

        # Three images out, in input order; the damaged one is an error, not a stop.
        @($out).Count | Should -Be 3
        @($out | ForEach-Object Name) | Should -Be @('scan.tif', 'anim.png', 'jpg_storm_1920x1280.jpg')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $errs[0].TargetObject | Should -BeLike '*broken.jxl'
        "$($errs[0])" | Should -BeLike "*'*broken.jxl'*"
        "$($errs[0])" | Should -Not -Match 'UnableTo|Magick|Exception|@ (error|warning)'

        $text = $warns -join "`n"
        $text | Should -BeLike "*scan.tif*is a TIFF of 3 pages; only its first page is sent*"
        $text | Should -BeLike "*anim.png*is an animation of 3 frames*only the first frame is sent*"
        @($warns).Count | Should -Be 2

        # An animation is re-encoded (never its bytes, which carry every frame); the TIFF at its page's own size.
        ($out | Where-Object Name -EQ 'anim.png').Action | Should -Be 'Reencode'
        ($out | Where-Object Name -EQ 'scan.tif').Width | Should -Be 64
    }

    It 'counts the pages of a multi-page TIFF in Get-VisionImageInfo' {
        $info = Get-VisionImageInfo -LiteralPath $Tiff
        $info.FrameCount | Should -Be 3
        $info.Pages | Should -Be 3
        $info.IsAnimated | Should -BeFalse
        (Get-VisionImageInfo -LiteralPath $Apng).FrameCount | Should -Be 3
    }

    It 'does not offer -AllowPartial for a damaged file no part of which decodes' {
        # A JPEG damaged beyond any decode: the message says no part decodes, so the recommendation must not send the
        # user to -AllowPartial (it said "add -AllowPartial to send the part that decodes"; Get-VisionImageInfo's
        # ImageDamaged comes from the same record builder).
        $file = Join-Path $Corpus 'bad/real_gdk_CVE-2017-2862.jpg'
        $null = ConvertTo-VisionImage -LiteralPath $file -AllowPartial -ErrorVariable convertErrors -ErrorAction SilentlyContinue
        $e = $convertErrors[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        "$e" | Should -Match 'no part of it decodes'
        "$e" | Should -Not -Match 'AllowPartial'
        $e.ErrorDetails.RecommendedAction | Should -Not -Match 'AllowPartial'
        $e.ErrorDetails.RecommendedAction | Should -Match 'Copy or export the file again'
    }
}
