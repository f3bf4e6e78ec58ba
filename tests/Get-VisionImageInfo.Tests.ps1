BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Get-VisionImageInfo' {
    It 'reads every JPEG in a folder piped from Get-ChildItem' {
        $files = Get-ChildItem -LiteralPath $Corpus -Filter 'jpg_*.jpg' -File
        $info = $files | Get-VisionImageInfo
        $info.Count | Should -Be $files.Count
        $info.Format | Sort-Object -Unique | Should -Be 'Jpeg'
        ($info | Where-Object Path -like '*jpg_storm_1920x1280.jpg').Width | Should -Be 1920
    }

    It 'reports the EXIF orientation of a sideways phone photo' {
        (Get-VisionImageInfo -LiteralPath (Join-Path $Corpus 'jpg_orient6_panasonic_640x428.jpg')).Orientation | Should -Be 6
    }

    It 'writes ImageNotFound for a missing file and still returns the others' {
        $paths = (Join-Path $Corpus 'jpg_storm_1920x1280.jpg'), (Join-Path $Corpus 'missing.jpg'), (Join-Path $Corpus 'gif_static_smile_48.gif')
        $out = Get-VisionImageInfo -LiteralPath $paths -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.Format | Should -Be @('Jpeg', 'Gif')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound,*'
        $errs[0].ToString() | Should -BeLike '*missing.jpg*'
    }

    It 'sizes -Detail Original by the model''s own box, not the 2048-px default' {
        # gpt-5.4 original: 10000 patches in a 6000-px box, so 2820x1586 (89 x 50 patches) is looked at whole.
        $file = Join-Path $Corpus 'd_png_rgb_elephants_2820.png'
        $info = Get-VisionImageInfo -LiteralPath $file -Model gpt-5.4 -Detail Original
        "$($info.TargetWidth)x$($info.TargetHeight)" | Should -Be '2820x1586'
        $info.EstimatedTokens | Should -Be (89 * 50)
        $image = ConvertTo-VisionImage -LiteralPath $file -Model gpt-5.4 -Detail Original
        "$($image.Width)x$($image.Height)" | Should -Be '2820x1586'
        # A -MaxSide that is given still bounds it.
        $capped = Get-VisionImageInfo -LiteralPath $file -Model gpt-5.4 -Detail Original -MaxSide 2048
        "$($capped.TargetWidth)x$($capped.TargetHeight)" | Should -Be '2048x1152'
    }

    It 'keeps gpt-5.6 with no -Detail (auto) in the 2048-px default box; only -Detail Original lifts it' {
        $file = Join-Path $Corpus 'd_png_rgb_elephants_2820.png'
        $info = Get-VisionImageInfo -LiteralPath $file -Model gpt-5.6
        "$($info.TargetWidth)x$($info.TargetHeight)" | Should -Be '2048x1152'
        # gpt-5.6 patches of 32 px: 64 x 36.
        $info.EstimatedTokens | Should -Be (64 * 36)
        $image = ConvertTo-VisionImage -LiteralPath $file -Model gpt-5.6
        "$($image.Width)x$($image.Height)" | Should -Be '2048x1152'
        $original = Get-VisionImageInfo -LiteralPath $file -Model gpt-5.6 -Detail Original
        "$($original.TargetWidth)x$($original.TargetHeight)" | Should -Be '2820x1586'
    }

    It 'warns that -Detail Original on a model without it is costed as High and refused by the service' {
        # gpt-4o has no detail 'original' (gpt-5.4 and later): its estimate is High's, and OpenAI answers 400 to the
        # request; the cost shown must not look like the cost of a request that can be made.
        # Once per command, however many images come down the pipeline.
        $file = Join-Path $Corpus 'jpg_storm_1920x1280.jpg'
        $three = 'jpg_storm_1920x1280.jpg', 'd_png_rgb_elephants_2820.png', 'png_wizard_1104x1468_rgba.png' | ForEach-Object { Get-Item -LiteralPath (Join-Path $Corpus $_) }
        $out = $three | Get-VisionImageInfo -Model gpt-4o -Detail Original 3>&1
        $info = $out | Where-Object { $_ -is [VisionPS.VisionImageInfo] }
        @($info).Count | Should -Be 3
        $info[0].EstimatedTokens | Should -Be (Get-VisionImageInfo -LiteralPath $file -Model gpt-4o -Detail High).EstimatedTokens
        $warnings = @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match "gpt-4o.*no detail 'original'.*High"
        $sent = Invoke-WithCleanSettings {
            $env:OPENAI_API_KEY = 'sk-test-whatif'
            $three | Send-VisionChat 'x' -Model gpt-4.1-mini -Detail Original -Api Responses -BaseUri 'http://127.0.0.1:9/v1' -WhatIf 3>&1 6>$null
        }
        $warnings = @($sent | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match "gpt-4.1-mini.*no detail 'original'"
        # Through Chat Completions the request is refused outright (OriginalNeedsResponses, nothing sent): told once, not also warned.
        $chat = Invoke-WithCleanSettings {
            $env:OPENAI_API_KEY = 'sk-test-whatif'
            try { $three | Send-VisionChat 'x' -Model gpt-4.1-mini -Detail Original -Api Chat -BaseUri 'http://127.0.0.1:9/v1' 3>&1 6>$null } catch { $_ }
        }
        @($chat | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).FullyQualifiedErrorId | Should -BeLike 'OriginalNeedsResponses,*'
        @($chat | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Count | Should -Be 0
        $converted = ConvertTo-VisionImage -LiteralPath $file -Model o4-mini -Detail Original 3>&1
        (@($converted | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message -join "`n") | Should -Match "o4-mini.*no detail 'original'"
        # A model that has it gets no such warning.
        $has = Get-VisionImageInfo -LiteralPath $file -Model gpt-5.4 -Detail Original 3>&1
        @($has | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Count | Should -Be 0
    }

    It 'says how an image for an unknown model is sized: the MaxSide box, costed as gpt-4o' {
        $model = "visionps-unknown-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $out = Get-VisionImageInfo -LiteralPath (Join-Path $Corpus 'd_png_rgb_elephants_2820.png') -Model $model 3>&1
        $info = $out | Where-Object { $_ -is [VisionPS.VisionImageInfo] }
        "$($info.TargetWidth)x$($info.TargetHeight)" | Should -Be '2048x1152'
        # gpt-4o looks at 1365x768: 3 x 2 tiles, 85 + 6 * 170.
        $info.EstimatedTokens | Should -Be 1105
        $warning = ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message -join "`n"
        $warning | Should -Match 'costed with the rules of gpt-4o'
        $warning | Should -Match 'MaxSide box \(default 2048 px\)'
        $warning | Should -Not -Match 'sized and costed'
    }

    It 'says WouldPassThrough exactly when ConvertTo-VisionImage sends the file as it is, and refuses a damaged one as it does' {
        # What the header allows is not the verdict: an RGBA PNG no pixel of which is transparent is re-encoded, and so
        # is a palette whose transparent entry no pixel uses; a damaged file is refused. Get-VisionImageInfo said True.
        $dir = Join-Path $TestDrive 'verdict'
        New-Item -ItemType Directory -Path $dir | Out-Null
        $opaque = Join-Path $dir 'opaque.png'
        & convert -size 64x48 'gradient:red-blue' PNG32:$opaque
        $translucent = Join-Path $dir 'translucent.png'
        & convert -size 64x48 'gradient:red-blue' -alpha set -channel A -evaluate set 50% +channel PNG32:$translucent
        # A palette of red and a transparent blue (tRNS), every pixel red.
        $rows = [IO.MemoryStream]::new()
        $z = [IO.Compression.ZLibStream]::new($rows, [IO.Compression.CompressionLevel]::Optimal, $true)
        $row = [byte[]]::new(1 + 64)
        for ($x = 1; $x -le 64; $x++) { $row[$x] = 1 }
        for ($y = 0; $y -lt 48; $y++) { $z.Write($row, 0, $row.Length) }
        $z.Dispose()
        [byte[]] $png = [byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        $png += New-PngChunk 'IHDR' ((Get-BigEndian 64) + (Get-BigEndian 48) + [byte[]](8, 3, 0, 0, 0))
        $png += New-PngChunk 'PLTE' ([byte[]](0, 0, 255, 255, 0, 0))
        $png += New-PngChunk 'tRNS' ([byte[]](0))
        $png += New-PngChunk 'IDAT' $rows.ToArray()
        $png += New-PngChunk 'IEND' ([byte[]]@())
        $palette = Join-Path $dir 'palette.png'
        [IO.File]::WriteAllBytes($palette, $png)
        # The translucent PNG with its IDAT's CRC flipped, and a JPEG cut to two thirds.
        [byte[]] $b = [IO.File]::ReadAllBytes($translucent)
        $at = [Text.Encoding]::ASCII.GetString($b).IndexOf('IDAT')
        $b[$at + 4 + (($b[$at - 2] -shl 8) -bor $b[$at - 1])] = $b[$at + 4 + (($b[$at - 2] -shl 8) -bor $b[$at - 1])] -bxor 0xFF
        $badCrc = Join-Path $dir 'bad-crc.png'
        [IO.File]::WriteAllBytes($badCrc, $b)
        $jpeg = Join-Path $dir 'whole.jpg'
        & convert -size 64x48 'plasma:fractal' -quality 90 $jpeg
        [byte[]] $j = [IO.File]::ReadAllBytes($jpeg)
        $cut = Join-Path $dir 'cut.jpg'
        [IO.File]::WriteAllBytes($cut, $j[0..([int]($j.Length * 2 / 3))])

        $expected = [ordered]@{ $opaque = 'Reencode'; $translucent = 'Pass'; $palette = 'Reencode'; $jpeg = 'Pass'; $badCrc = 'ImageDamaged'; $cut = 'ImageDamaged' }
        foreach ($file in $expected.Keys) {
            $info = Get-VisionImageInfo -LiteralPath $file -ErrorVariable infoErrors -ErrorAction SilentlyContinue
            $image = ConvertTo-VisionImage -LiteralPath $file -ErrorVariable convertErrors -ErrorAction SilentlyContinue
            $did = if ($image) { $image.Action } else { $convertErrors[0].FullyQualifiedErrorId -replace ',.*' }
            $did | Should -Be $expected[$file] -Because "ConvertTo-VisionImage's outcome for $file"
            if ($image) {
                $infoErrors.Count | Should -Be 0 -Because $file
                $info.WouldPassThrough | Should -Be ($image.Action -eq 'Pass') -Because "WouldPassThrough for $file"
            }
            else {
                $info | Should -BeNullOrEmpty -Because $file
                $infoErrors.Count | Should -Be 1 -Because $file
                # The same id, target and named problem as ConvertTo-VisionImage's error; but this cmdlet sends
                # nothing, so its text says what preparing does with the file, not that it "was not sent".
                $infoErrors[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
                $infoErrors[0].TargetObject | Should -Be $file
                $infoErrors[0].Exception.Detail | Should -Be $convertErrors[0].Exception.Detail
                "$($infoErrors[0])" | Should -BeLike "*is damaged: $($convertErrors[0].Exception.Detail)*"
                "$($convertErrors[0])" | Should -Match 'It was not sent'
                "$($infoErrors[0])" | Should -Not -Match 'not sent'
                $infoErrors[0].Exception.Message | Should -Not -Match 'not sent'
                "$($infoErrors[0])" | Should -Match 'ConvertTo-VisionImage and Send-VisionChat refuse it'
                $infoErrors[0].ErrorDetails.RecommendedAction | Should -Match '-AllowPartial'
                # -AllowPartial here too: ConvertTo-VisionImage then re-encodes the part that decodes, so it is no
                # pass-through, and Get-VisionImageInfo says so instead of an error.
                $partial = ConvertTo-VisionImage -LiteralPath $file -AllowPartial -WarningAction SilentlyContinue
                $partial.Action | Should -Be 'Reencode' -Because "ConvertTo-VisionImage -AllowPartial on $file"
                $info = Get-VisionImageInfo -LiteralPath $file -AllowPartial -ErrorVariable partialErrors -ErrorAction SilentlyContinue
                $partialErrors.Count | Should -Be 0 -Because "-AllowPartial on $file"
                $info.WouldPassThrough | Should -BeFalse -Because "-AllowPartial on $file"
            }
        }
    }

    It 'checks a file its header allows for damage before it finds it is re-encoded, as preparing does (a gamma 1.0 PNG)' {
        # The help says damage needing a decode is not looked for only in a file the header rules out; one it allows
        # is checked whole first, so a gamma 1.0 PNG (re-encoded whole) cut to two thirds is ImageDamaged in both.
        $dir = Join-Path $TestDrive 'gamma'
        New-Item -ItemType Directory -Path $dir | Out-Null
        $plain = Join-Path $dir 'plain.png'
        & convert -size 64x48 'plasma:fractal' PNG24:$plain
        [byte[]] $b = [IO.File]::ReadAllBytes($plain)
        [byte[]] $png = $b[0..32] + (New-PngChunk 'gAMA' (Get-BigEndian 100000)) + $b[33..($b.Length - 1)]
        $whole = Join-Path $dir 'gamma1.png'
        [IO.File]::WriteAllBytes($whole, $png)
        $cut = Join-Path $dir 'gamma1-cut.png'
        [IO.File]::WriteAllBytes($cut, $png[0..([int]($png.Length * 2 / 3))])

        (ConvertTo-VisionImage -LiteralPath $whole).Action | Should -Be 'Reencode'
        (Get-VisionImageInfo -LiteralPath $whole).WouldPassThrough | Should -BeFalse
        $null = ConvertTo-VisionImage -LiteralPath $cut -ErrorVariable convertErrors -ErrorAction SilentlyContinue
        $info = Get-VisionImageInfo -LiteralPath $cut -ErrorVariable infoErrors -ErrorAction SilentlyContinue
        $convertErrors[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $info | Should -BeNullOrEmpty
        $infoErrors[0].FullyQualifiedErrorId | Should -BeLike 'ImageDamaged,*'
        $infoErrors[0].Exception.Detail | Should -Be $convertErrors[0].Exception.Detail
        (Get-VisionImageInfo -LiteralPath $cut -AllowPartial).WouldPassThrough | Should -BeFalse
    }

    It 'formats as a table a person can read' {
        $text = Get-VisionImageInfo -LiteralPath (Join-Path $Corpus 'png_wizard_1104x1468_rgba.png') | Out-String
        $text | Should -Match 'Format\s+Width\s+Height'
        $text | Should -Match 'Png\s+1104\s+1468'
    }
}
