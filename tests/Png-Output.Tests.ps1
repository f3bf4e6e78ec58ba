BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # ImageMagick is the independent reader (tests/setup.sh installs it); a missing one fails the test, never skips it.
    foreach ($tool in 'identify', 'convert', 'compare') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) { throw "$tool (ImageMagick) is missing: run tests/setup.sh." }
    }
    # ImageMagick's PSNR of two images (dB; 'inf' reads as a large number).
    function Get-Psnr([string] $A, [string] $B) {
        $text = (& compare -metric PSNR $A $B null: 2>&1 | Out-String).Trim()
        if ($text -match '^inf') { return 999 }
        [double]($text -split ' ')[0]
    }
}

Describe 'PNG output, as a user writes it out and another program reads it' {
    It 'writes an RGBA logo (resized), a 16-bit PNG and an animated GIF''s first frame as 8-bit PNGs that ImageMagick reads back' {
        $out = Join-Path $TestDrive 'for-the-model'
        $null = New-Item -ItemType Directory -Path $out
        $names = 'png_logo_2135x2048_rgba.png', 'png_julia_400_rgb16.png', 'gif_anim_party_660x666.gif'
        # The README's flow: Get-ChildItem | ConvertTo-VisionImage | Export-VisionImage FOLDER.
        $images = Get-ChildItem -LiteralPath ($names | ForEach-Object { Join-Path $Corpus $_ }) |
            ConvertTo-VisionImage -WarningAction SilentlyContinue
        $files = $images | Export-VisionImage $out
        @($files).Count | Should -Be 3
        $images | ForEach-Object { $_.MimeType | Should -Be 'image/png'; $_.Action | Should -Be 'Reencode' }

        $logo = $images | Where-Object Name -eq 'png_logo_2135x2048_rgba.png'
        $logoFile = Join-Path $out 'png_logo_2135x2048_rgba.png'
        (& identify -format '%m %wx%h %[channels] %z' $logoFile) | Should -Be "PNG $($logo.Width)x$($logo.Height) srgba 8"
        $logo.Width | Should -BeLessThan 2135
        # Against ImageMagick's own Lanczos resize of the source to the same size, alpha included.
        $reference = Join-Path $TestDrive 'logo-ref.png'
        & convert (Join-Path $Corpus 'png_logo_2135x2048_rgba.png') -filter Lanczos -resize "$($logo.Width)x$($logo.Height)!" $reference
        Get-Psnr $reference $logoFile | Should -BeGreaterThan 45

        # 16-bit and opaque: an 8-bit RGB PNG at the same size, the samples within rounding of ImageMagick's 16-to-8.
        $juliaFile = Join-Path $out 'png_julia_400_rgb16.png'
        (& identify -format '%m %wx%h %[channels] %z' $juliaFile) | Should -Be 'PNG 400x400 srgb 8'
        $juliaRef = Join-Path $TestDrive 'julia-ref.png'
        & convert (Join-Path $Corpus 'png_julia_400_rgb16.png') -depth 8 $juliaRef
        Get-Psnr $juliaRef $juliaFile | Should -BeGreaterThan 40

        # The animation's first frame, exactly. Every pixel of it is opaque (the GIF has a transparent index that frame 0
        # never uses), so the PNG has no alpha channel: alpha is judged from the pixels.
        $partyFile = Join-Path $out 'gif_anim_party_660x666.png'
        & convert (Join-Path $Corpus 'gif_anim_party_660x666.gif[0]') -format '%[opaque]' info: | Should -Be 'true'
        (& identify -format '%m %wx%h %[channels]' $partyFile) | Should -Be 'PNG 660x666 srgb'
        $frame = Join-Path $TestDrive 'party-frame0.png'
        & convert "$(Join-Path $Corpus 'gif_anim_party_660x666.gif')[0]" $frame
        (& compare -metric AE $frame $partyFile null: 2>&1 | Out-String).Trim() | Should -Be '0'

        # And VisionPS's own integrity checks accept what it wrote: each file now passes through unchanged.
        $files | ConvertTo-VisionImage | ForEach-Object Action | Should -Be @('Pass', 'Pass', 'Pass')
    }

    It 'warns when a file is named as one format and holds another, and writes it as asked' {
        Push-Location $TestDrive
        try {
            $logo = ConvertTo-VisionImage -LiteralPath (Join-Path $Corpus 'png_logo_2135x2048_rgba.png') -MaxSide 256
            $photo = ConvertTo-VisionImage -LiteralPath (Join-Path $Corpus 'jpg_wood_2560x1920.jpg') -MaxSide 256
            # The help's own example names the file .jpg; a transparent image is prepared as PNG.
            $file = $logo | Export-VisionImage 'logo.jpg' -WarningVariable named -WarningAction SilentlyContinue
            $file.Name | Should -Be 'logo.jpg'
            (& identify -format '%m' $file.FullName) | Should -Be 'PNG'
            @($named).Count | Should -Be 1
            $said = "$($named[0])"
            $said | Should -BeLike "*logo.jpg' is named as JPEG but holds PNG*"
            $said | Should -BeLike "*png_logo_2135x2048_rgba.png*"
            $said | Should -BeLike "*'logo.png'*-Format Jpeg*"

            # Names that agree, a .jpeg, and a name that is no image format: no warning.
            $null = $logo | Export-VisionImage 'logo.png' -WarningVariable agree
            $null = $photo | Export-VisionImage 'photo.JPEG' -WarningVariable agree2
            $null = $photo | Export-VisionImage 'photo.bin' -WarningVariable other
            @($agree).Count + @($agree2).Count + @($other).Count | Should -Be 0

            $said | Should -BeLike "*(any transparency is flattened onto white)*"
            # -WhatIf shows the mismatch before anything is written (What if: goes to the host: a child pwsh shows it).
            $pwsh = Join-Path $PSHOME 'pwsh'
            if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
            $source = Join-Path $Corpus 'png_logo_2135x2048_rgba.png'
            $preview = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'; ConvertTo-VisionImage -LiteralPath '$source' -MaxSide 64 | Export-VisionImage '$(Join-Path $TestDrive 'preview.jpg')' -WhatIf" 2>&1 | Out-String
            $preview | Should -Match 'What if: .*image/png .* to a file whose name says JPEG'
            Test-Path -LiteralPath (Join-Path $TestDrive 'preview.jpg') | Should -BeFalse

            # A photo written to .webp is JPEG inside: the warning names WebP and how to get it.
            $null = $photo | Export-VisionImage 'photo.webp' -WarningVariable webp -WarningAction SilentlyContinue
            "$($webp[0])" | Should -BeLike "*is named as WebP but holds JPEG*'photo.jpg'*-Format WebP*"
        }
        finally { Pop-Location }
    }
}

Describe "A new session's first image" {
    It 'is a PNG with an sRGB ICC profile (GIMP''s) that <Command> takes in a fresh pwsh, without taking the session down' -ForEach @(
        @{ Command = 'ConvertTo-VisionImage'; Script = "(ConvertTo-VisionImage -LiteralPath 'PNG').Action"; Expect = '^Pass$' }
        @{ Command = 'Send-VisionChat -WhatIf'; Script = "Send-VisionChat 'Describe.' -Image 'PNG' -WhatIf"; Expect = '1 image, ~1013 image tokens' }
    ) {
        # The first image of a process is the case: SkiaSharp shares one wrapper per native colour space, and
        # disposing an sRGB profile's space once freed the one the pass-through check was still reading (a
        # segmentation fault of pwsh itself). Every later image of a session had the shared wrapper pinned.
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $png = Join-Path $Corpus 'png_emerald_glow_800_rgba.png'
        (& identify -format '%[profile:icc]' $png 2>$null) | Should -Match 'sRGB'   # the file has its sRGB iCCP
        # No saved model or detail may change the sizes (a resize would never reach the colour-space check).
        $out = Invoke-WithCleanSettings {
            & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'; $($Script.Replace('PNG', $png))" 2>&1 | Out-String
        }
        $LASTEXITCODE | Should -Be 0 -Because "$Command on the first image of a session must not crash pwsh ($out)"
        $out.Trim() | Should -Match $Expect
    }
}
