# PDFs, the clipboard and servers that cannot fetch URLs, as users meet them: real pwsh, the local endpoint as a
# process (refusing image URLs as Ollama does), PDFs made here (a hand-written text PDF, img2pdf scans, qpdf
# encryption), and the X11 clipboard on a private Xvfb display filled with xclip.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-documents-key-7c1e'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key -RefuseImageUrls
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -MaxRetries 0
    $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-docs-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $Dir | Out-Null

    # A text PDF of N A4 pages, written object by object with a correct cross-reference table.
    function New-TextPdf([string] $Path, [int] $Pages) {
        $objects = [System.Collections.Generic.List[string]]::new()
        $kids = (1..$Pages | ForEach-Object { "$(2 + 2 * $_) 0 R" }) -join ' '
        $objects.Add('<< /Type /Catalog /Pages 2 0 R >>')
        $objects.Add("<< /Type /Pages /Kids [$kids] /Count $Pages >>")
        $objects.Add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>')
        foreach ($i in 1..$Pages) {
            $objects.Add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents $(3 + 2 * $i) 0 R /Resources << /Font << /F1 3 0 R >> >> >>")
            $text = "BT /F1 12 Tf 50 700 Td (Invoice page $i total 42.00) Tj ET"
            $objects.Add("<< /Length $($text.Length) >>`nstream`n$text`nendstream")
        }
        $sb = [System.Text.StringBuilder]::new("%PDF-1.4`n")
        $offsets = foreach ($n in 1..$objects.Count) {
            $sb.Length
            [void]$sb.Append("$n 0 obj`n$($objects[$n - 1])`nendobj`n")
        }
        $xref = $sb.Length
        [void]$sb.Append("xref`n0 $($objects.Count + 1)`n0000000000 65535 f `n")
        foreach ($o in $offsets) { [void]$sb.Append(('{0:D10} 00000 n ' -f $o) + "`n") }
        [void]$sb.Append("trailer`n<< /Size $($objects.Count + 1) /Root 1 0 R >>`nstartxref`n$xref`n%%EOF`n")
        [System.IO.File]::WriteAllText($Path, $sb.ToString(), [System.Text.Encoding]::ASCII)
        $Path
    }
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'PDFs' {
    It 'costs a PDF invoice before sending it, then asks about it as it is' {
        $invoice = New-TextPdf (Join-Path $Dir 'invoice.pdf') 3
        $info = Get-VisionImageInfo -LiteralPath $invoice -Model gpt-4.1
        $info.Format | Should -Be 'Pdf'
        $info.Pages | Should -Be 3
        $info.EstimatedTokens | Should -BeGreaterThan (3 * 700)
        $answer = (Send-VisionChat 'What is the total?' -Image $invoice).Text | ConvertFrom-Json
        $answer.files[0].filename | Should -Be 'invoice.pdf'
        $answer.files[0].pages | Should -Be 3
        $answer.files[0].sha256 | Should -Be (Get-FileHash -LiteralPath $invoice -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'names a PDF whose file name does not say so (a download saved as "GetDocument", one named .png) as a .pdf to the service' {
        $invoice = New-TextPdf (Join-Path $Dir 'named-right.pdf') 1
        $noExtension = Join-Path $Dir 'GetDocument'
        $asPng = Join-Path $Dir 'statement.png'
        Copy-Item -LiteralPath $invoice -Destination $noExtension
        Copy-Item -LiteralPath $invoice -Destination $asPng
        $answer = (Send-VisionChat 'Total?' -Image $noExtension, $asPng, $invoice).Text | ConvertFrom-Json
        $answer.files.filename | Should -Be 'GetDocument.pdf', 'statement.png.pdf', 'named-right.pdf'
        $answer = (Send-VisionChat 'Total?' -Image $asPng -Api Responses).Text | ConvertFrom-Json
        $answer.files[0].filename | Should -Be 'statement.png.pdf'

        $message = Add-AssistantImage -Image $noExtension, $asPng -Prompt 'Two statements.'
        $message.FileIds.Count | Should -Be 2
        $headers = @{ Authorization = "Bearer $Key" }
        $names = $message.FileIds | ForEach-Object { (Invoke-RestMethod -Uri "$($Endpoint.BaseUri)/files/$_" -Headers $headers).filename }
        $names | Should -Be 'GetDocument.pdf', 'statement.png.pdf'
        $message.FileIds | Remove-VisionFile -Confirm:$false
    }

    It 'refuses a PDF that needs a password with PdfEncrypted naming it, and sends one with permissions only' {
        $plain = New-TextPdf (Join-Path $Dir 'plain.pdf') 1
        $locked = Join-Path $Dir 'locked.pdf'
        $restricted = Join-Path $Dir 'restricted.pdf'
        & qpdf --encrypt user-pw owner-pw 256 -- $plain $locked
        $LASTEXITCODE | Should -Be 0
        & qpdf --encrypt '' owner-pw 128 --use-aes=y --print=none -- $plain $restricted
        $LASTEXITCODE | Should -Be 0
        $results = Get-ChildItem -LiteralPath $plain, $locked, $restricted | Send-VisionChat 'Total?' -PerImage -ErrorVariable errs -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 2
        @($results | ForEach-Object { ($_.Text | ConvertFrom-Json).files[0].filename }) | Should -Contain 'restricted.pdf'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfEncrypted,*'
        $errs[0].TargetObject | Should -Be $locked
        $errs[0].Exception.Message | Should -BeLike "*locked.pdf' is an encrypted PDF that needs a password*"
    }

    It 'refuses a PDF encrypted for certificate holders (/Adobe.PubSec) with PdfEncrypted, not as damaged' {
        $plain = New-TextPdf (Join-Path $Dir 'cert-plain.pdf') 1
        $sealed = Join-Path $Dir 'sealed.pdf'
        # The encryption dictionary goes in the trailer, after the cross-reference table: no offset moves.
        $text = [System.IO.File]::ReadAllText($plain).Replace('/Root 1 0 R >>', '/Root 1 0 R /Encrypt << /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 >> /ID [<AA><BB>] >>')
        [System.IO.File]::WriteAllText($sealed, $text, [System.Text.Encoding]::ASCII)
        $null = Get-VisionImageInfo -LiteralPath $sealed -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfEncrypted,*'
        "$($errs[0])" | Should -BeLike "*sealed.pdf' is encrypted for certificate holders*"
        "$($errs[0])" | Should -Not -BeLike '*damaged*'
    }

    It 'shows a page with a nonsense MediaBox at the PDF default size, with a warning naming the page' {
        $plain = New-TextPdf (Join-Path $Dir 'box-plain.pdf') 1
        $huge = Join-Path $Dir 'huge-box.pdf'
        # As long as the box it replaces: the cross-reference offsets stay right.
        [System.IO.File]::WriteAllText($huge, [System.IO.File]::ReadAllText($plain).Replace('[0 0 595 842]', '[0 0 1e30 84]'), [System.Text.Encoding]::ASCII)
        $info = Get-VisionImageInfo -LiteralPath $huge -WarningVariable warns -WarningAction SilentlyContinue
        $info.Width | Should -Be 1275
        $info.Height | Should -Be 1650
        @($warns).Count | Should -Be 1
        "$($warns[0])" | Should -BeLike "*huge-box.pdf' page 1 has an invalid page size (its MediaBox is 1E+30 x 84 pt); it is counted as 612 x 792 pt*"
    }

    It 'refuses a damaged PDF with PdfDamaged naming it, in words a user can act on (no parser internals)' {
        $broken = Join-Path $Dir 'broken.pdf'
        $plain = Join-Path $Dir 'broken-qpdf.pdf'
        [System.IO.File]::WriteAllText($broken, "%PDF-1.4`n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj`ntrailer<</Root 1 0 R/ID[<AA><BB>]>>`n%%EOF`n")
        $null = Get-VisionImageInfo -LiteralPath $broken -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfDamaged,*'
        $text = "$($errs[0].ErrorDetails.Message) $($errs[0].Exception.Message)"
        $text | Should -Match ([regex]::Escape("'$broken' is a damaged PDF"))
        $text | Should -Match 'save or print it as a new PDF'
        $text | Should -Not -Match 'UglyToad|Token'

        # A scan (img2pdf) whose trailer lost its /Root key: PdfPig's message goes on to dump the trailer's tokens.
        $scan = Join-Path $Dir 'rootless-scan.pdf'
        & img2pdf (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -o $scan
        $LASTEXITCODE | Should -Be 0
        $latin1 = [System.Text.Encoding]::Latin1
        [System.IO.File]::WriteAllText($scan, [System.IO.File]::ReadAllText($scan, $latin1).Replace('/Root ', '/Rxxt '), $latin1)
        $null = Send-VisionChat 'Total?' -Image $scan -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfDamaged,*'
        "$($errs[0])" | Should -BeLike "'$scan' is a damaged PDF that cannot be read (No root token was found in the trailer dictionary). *"
        "$($errs[0])" | Should -Not -MatchExactly 'UglyToad|Token\b|<Size'
    }

    It 'says a file named .pdf that is not a PDF (an HTML error page saved as a download, an empty file) is no PDF, in every cmdlet, and names PDF among what it takes' {
        $html = Join-Path $Dir 'statement-html.pdf'
        [System.IO.File]::WriteAllText($html, "<!DOCTYPE html><html><body>Session expired</body></html>")
        $empty = Join-Path $Dir 'empty-download.PDF'
        [System.IO.File]::WriteAllBytes($empty, [byte[]]@())
        foreach ($case in @(@{ Path = $html; What = 'its first bytes are not the %PDF- a PDF starts with' },
                            @{ Path = $empty; What = 'the file is empty' })) {
            $null = Get-VisionImageInfo -LiteralPath $case.Path -ErrorVariable e1 -ErrorAction SilentlyContinue
            $null = Send-VisionChat 'Total?' -Image $case.Path -WhatIf -ErrorVariable e2 -ErrorAction SilentlyContinue 3>$null 6>$null
            $null = ConvertTo-VisionImage -LiteralPath $case.Path -ErrorVariable e3 -ErrorAction SilentlyContinue
            foreach ($errs in $e1, $e2, $e3) {
                $errs.Count | Should -Be 1
                $errs[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedImageFormat,*'
                "$($errs[0])" | Should -BeLike "'$($case.Path)' is named .pdf but is not a PDF: $($case.What). *"
                "$($errs[0])" | Should -Not -BeLike '*is not an image*'
            }
        }
        # Any other file that is neither says PDF is taken too.
        $text = Join-Path $Dir 'notes.txt'
        [System.IO.File]::WriteAllText($text, 'just notes')
        $null = Get-VisionImageInfo -LiteralPath $text -ErrorVariable errs -ErrorAction SilentlyContinue
        "$($errs[0])" | Should -BeLike "'$text' is not an image: its first bytes match no image format. *HEIC or AVIF image, or a PDF*"
    }

    It 'refuses a scanned PDF cut short (an interrupted download) as PdfDamaged in every cmdlet, and sends the files beside it; a PDF padded after its end, or without its %%EOF, is whole' {
        $whole = Join-Path $Dir 'whole-scan.pdf'
        & img2pdf (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') (Join-Path $Corpus 'jpg_wood_2560x1920.jpg') -o $whole
        $LASTEXITCODE | Should -Be 0
        [byte[]] $bytes = [System.IO.File]::ReadAllBytes($whole)
        $cut = Join-Path $Dir 'cut-scan.pdf'
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..($bytes.Length * 3 / 4)])
        $photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'
        $invoice = New-TextPdf (Join-Path $Dir 'beside.pdf') 1

        $null = Get-VisionImageInfo -LiteralPath $cut -ErrorVariable infoErrs -ErrorAction SilentlyContinue
        $results = $photo, $cut, $invoice | Send-VisionChat 'Total?' -PerImage -ErrorVariable sendErrs -ErrorAction SilentlyContinue
        $batch = $photo, $cut, $invoice | Start-VisionBatch 'Total?' -ErrorVariable batchErrs -ErrorAction SilentlyContinue
        $message = $photo, $cut, $invoice | Add-AssistantImage -Prompt 'These.' -ErrorVariable attachErrs -ErrorAction SilentlyContinue
        foreach ($errs in $infoErrs, $sendErrs, $batchErrs, $attachErrs) {
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfDamaged,*'
            $errs[0].TargetObject | Should -Be $cut
            "$($errs[0])" | Should -BeLike "*'$cut' is damaged*truncated*"
        }
        $results.ImageSources | Should -Be $photo, $invoice
        $batch.ImageCount | Should -Be 2
        $message.ImageSources | Should -Be $photo, $invoice

        # Ends readers open are not "truncated": padding and an HTML page after %%EOF, or %%EOF lost with startxref kept.
        $padded = Join-Path $Dir 'padded-scan.pdf'
        Copy-Item -LiteralPath $whole -Destination $padded
        $fs = [System.IO.File]::Open($padded, 'Append')
        try {
            $fs.Write([byte[]]::new(2048), 0, 2048)
            $html = [System.Text.Encoding]::ASCII.GetBytes('<html><body>' + ('x' * 1500) + '</body></html>')
            $fs.Write($html, 0, $html.Length)
        }
        finally { $fs.Dispose() }
        $noEof = Join-Path $Dir 'no-eof-scan.pdf'
        Copy-Item -LiteralPath $whole -Destination $noEof
        $tail = [System.Text.Encoding]::ASCII.GetString($bytes, $bytes.Length - 64, 64)
        $fs = [System.IO.File]::Open($noEof, 'Open')
        try { $fs.SetLength($bytes.Length - 64 + $tail.LastIndexOf('%%EOF')) }
        finally { $fs.Dispose() }
        foreach ($ok in $padded, $noEof) {
            $pages = ConvertTo-VisionImage -LiteralPath $ok -ErrorVariable okErrs -ErrorAction SilentlyContinue
            $okErrs.Count | Should -Be 0
            @($pages).Count | Should -Be 2
        }
    }

    It 'says a server other than OpenAI refused the PDF (Ollama: 400 "invalid message format"; llama.cpp: 500 "unsupported content[].type"), naming the file and what to do instead' {
        $invoice = New-TextPdf (Join-Path $Dir 'ollama-invoice.pdf') 1
        foreach ($canned in 'ollama-no-files', 'llamacpp-no-files') {
            $out = Send-VisionChat 'Total?' -Image $invoice -Model "fault:canned=$canned" -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null
            $out | Should -BeNullOrEmpty
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfNotAccepted,*'
            "$($errs[0])" | Should -BeLike "*'$invoice'*does not take PDF files*ConvertTo-VisionImage*"
            "$($errs[0])" | Should -Match ([regex]::Escape(@{ 'ollama-no-files' = 'HTTP 400: invalid message format'; 'llamacpp-no-files' = 'HTTP 500: unsupported content[].type' }[$canned]))
        }
        # The same refusal of a request of images only is no PDF problem.
        $null = Send-VisionChat 'What is it?' -Image (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -Model 'fault:canned=ollama-no-files' -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ChatRequestFailed,*'
    }

    It 'says PdfNotAccepted when a server refuses the PDF Add-AssistantImage attaches to a conversation (<Canned>), and deletes the upload' -ForEach @(
        @{ Canned = 'ollama-no-files'; Said = 'HTTP 400: invalid message format' }
        @{ Canned = 'llamacpp-no-files'; Said = 'HTTP 500: unsupported content[].type' }
    ) {
        # The upload goes through; adding the message that carries it as an input_file is refused.
        $refusing = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key -RouteFault @{ 'POST /v1/conversations/{id}/items' = "canned=$Canned" }
        try {
            $invoice = New-TextPdf (Join-Path $Dir "attach-$Canned.pdf") 1
            $out = Add-AssistantImage -Image $invoice -BaseUri $refusing.BaseUri -MaxRetries 0 -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null
            $out | Should -BeNullOrEmpty
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PdfNotAccepted,*'
            "$($errs[0])" | Should -BeLike "*'$invoice'*does not take PDF files*ConvertTo-VisionImage*"
            "$($errs[0])" | Should -Match ([regex]::Escape($Said))
            "$($errs[0])" | Should -BeLike '*The 1 uploaded file(s) were deleted again.*'
            # The same refusal of a message of images only is no PDF problem.
            $null = Add-AssistantImage -Image (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -BaseUri $refusing.BaseUri -MaxRetries 0 -ErrorVariable errs2 -ErrorAction SilentlyContinue 3>$null
            $errs2.Count | Should -Be 1
            $errs2[0].FullyQualifiedErrorId | Should -BeLike 'AssistantImageFailed,*'
        }
        finally { $refusing.Stop() }
    }

    It 'carries the PdfNotAccepted message on the exception too (a catch block logs $_.Exception.Message), the server''s own error inside it' {
        $invoice = New-TextPdf (Join-Path $Dir 'caught-invoice.pdf') 1
        $err = $null
        try { Send-VisionChat 'Total?' -Image $invoice -Model 'fault:canned=ollama-no-files' -ErrorAction Stop 3>$null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'PdfNotAccepted,*'
        $err.Exception.Message | Should -Be "$err"
        $err.Exception.Message | Should -BeLike "*'$invoice'*does not take PDF files*"
        $err.Exception.InnerException.Message | Should -BeLike '*invalid message format*'
    }

    It 'does not blame the PDF for a failure that is not a refusal of file parts (a 500 after retries, a gateway 422, an unrelated 400)' {
        $invoice = New-TextPdf (Join-Path $Dir 'other-failure.pdf') 1
        foreach ($model in 'fault:500', 'fault:canned=gateway-422', 'fault:canned=huge-error') {
            $out = Send-VisionChat 'Total?' -Image $invoice -Model $model -MaxRetries 0 -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null
            $out | Should -BeNullOrEmpty
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ChatRequestFailed,*' -Because $model
            "$($errs[0])" | Should -Not -BeLike '*does not take PDF files*'
            $errs[0].ErrorDetails.RecommendedAction | Should -BeLike '*images only*ConvertTo-VisionImage*' -Because $model
        }
    }

    It '-WhatIf counts images and PDFs apart (<Command>)' -ForEach @(
        @{ Command = 'Send-VisionChat'; Run = "Send-VisionChat 'Total?' -Image IMAGES, PDF -WhatIf"; Says = '2 images and 1 PDF, ~\d+ image and PDF tokens estimated' }
        @{ Command = 'Send-VisionChat -PerImage'; Run = "Send-VisionChat 'Total?' -Image PDF -PerImage -NoCache -WhatIf"; Says = '1 PDF, ~\d+ image and PDF tokens estimated' }
        @{ Command = 'Start-VisionBatch'; Run = "Start-VisionBatch 'Total?' -Image IMAGES, PDF -WhatIf"; Says = '3 Chat requests \(2 images and 1 PDF\) to \S+, [\d.]+ MB of JSONL, ~\d+ image and PDF tokens estimated' }
        @{ Command = 'Add-AssistantImage -Confirm'; Run = "Add-AssistantImage -Image IMAGES, PDF -Confirm"; Says = 'Add a message with 2 images and 1 PDF' }
    ) {
        $invoice = New-TextPdf (Join-Path $Dir 'whatif-invoice.pdf') 1
        $images = "'$(Join-Path $Corpus 'jpg_gray_cat_512.jpg')', '$(Join-Path $Corpus 'gif_static_smile_48.gif')'"
        # What if: and the -Confirm question go to the host, so a child pwsh shows them as a user sees them; -Confirm is
        # answered Yes, each question in turn, on its standard input (the uploads go to the local endpoint, the message is added).
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $script = "Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'; Set-VisionDefault -BaseUri '$($Endpoint.BaseUri)' -ApiKey '$Key'; " + $Run.Replace('IMAGES', $images).Replace('PDF', "'$invoice'")
        # The -Confirm question is wrapped at the console's width, anywhere in a word: the lines are joined again.
        $said = (@('Y') * 6 | & $pwsh -NoProfile -Command $script 2>&1 | Out-String) -replace '\r?\n', ''
        $said | Should -Match $Says -Because $said
        $said | Should -Not -Match 'image\(s\)'
    }

    It 'turns a scanned PDF (img2pdf) into one prepared image per page' {
        $scan = Join-Path $Dir 'scan.pdf'
        & img2pdf (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -o $scan
        $LASTEXITCODE | Should -Be 0
        $pages = ConvertTo-VisionImage -LiteralPath $scan -Model gpt-4o
        $pages.Count | Should -Be 2
        $pages[0].Source | Should -Be "$scan#page=1"
        $pages[0].SourceWidth | Should -Be 1920
        $pages[1].SourceWidth | Should -Be 512
        # img2pdf keeps the JPEG as it is: the first page is the photo, byte for byte.
        (ConvertTo-VisionImage -LiteralPath (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') -Model gpt-4o).Sha256 | Should -Be $pages[0].Sha256
    }
}

Describe 'Scanned PDFs whose pages are turned' {
    It 'turns each page as a PDF reader shows it: the page''s /Rotate, not the embedded image''s own orientation' {
        # A scan turned upright in a viewer and saved (qpdf --rotate: /Rotate 90 on each page), a JPEG page and a PNG page.
        $scan = Join-Path $Dir 'scan-for-rotate.pdf'
        & img2pdf (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') (Join-Path $Corpus 'png_wizard_1104x1468_rgba.png') -o $scan 2>&1 | Out-Null  # it says it stores the alpha as a soft mask
        $LASTEXITCODE | Should -Be 0
        $turned = Join-Path $Dir 'scan-turned.pdf'
        & qpdf --rotate=+90 $scan $turned
        $LASTEXITCODE | Should -Be 0
        $plain = ConvertTo-VisionImage -LiteralPath $scan -Model gpt-4o
        "$($plain[0].Width)x$($plain[0].Height)" | Should -Be '1152x768'
        $pages = ConvertTo-VisionImage -LiteralPath $turned -Model gpt-4o
        $pages.Count | Should -Be 2
        "$($pages[0].Width)x$($pages[0].Height)" | Should -Be '768x1152'
        "$($pages[1].Width)x$($pages[1].Height)" | Should -Be "$($plain[1].Height)x$($plain[1].Width)"
        $plain[1].Width | Should -Not -Be $plain[1].Height
        $upsideDown = Join-Path $Dir 'scan-upside-down.pdf'
        & qpdf --rotate=+180 $scan $upsideDown
        $flipped = ConvertTo-VisionImage -LiteralPath $upsideDown -Model gpt-4o
        "$($flipped[0].Width)x$($flipped[0].Height)" | Should -Be '1152x768'
        $flipped[0].Sha256 | Should -Not -Be $plain[0].Sha256

        # img2pdf turns a phone photo by its EXIF orientation with /Rotate (readers ignore EXIF in a PDF): upright once.
        $phone = Join-Path $Corpus 'jpg_orient6_panasonic_640x428.jpg'
        $phoneScan = Join-Path $Dir 'phone-scan.pdf'
        & img2pdf $phone -o $phoneScan
        $page = ConvertTo-VisionImage -LiteralPath $phoneScan -Model gpt-4o
        $photo = ConvertTo-VisionImage -LiteralPath $phone -Model gpt-4o
        "$($page.Width)x$($page.Height)" | Should -Be "$($photo.Width)x$($photo.Height)"
        $page.Width | Should -BeLessThan $page.Height
    }
}

Describe 'A server that cannot fetch image URLs' {
    It 'gets the URL image downloaded and sent inline, and -Verbose says so' {
        $png = Get-Item -LiteralPath (Join-Path $Corpus 'png_wizard_1104x1468_rgba.png')
        # An ordinary web server for the image (the endpoint itself refuses image URLs).
        $port = Get-Random -Minimum 20000 -Maximum 60000
        $web = Start-Process python3 -ArgumentList '-m', 'http.server', $port, '--bind', '127.0.0.1', '--directory', $Corpus -PassThru -RedirectStandardError (Join-Path $Dir 'http.log') -RedirectStandardOutput (Join-Path $Dir 'http.out')
        try {
            $url = "http://127.0.0.1:$port/$($png.Name)"
            # Until it answers (a loaded machine can take many seconds to start Python; 5 s was too little once).
            $ready = $false
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not $ready -and [DateTime]::UtcNow -lt $deadline) {
                try { $null = Invoke-WebRequest -Uri $url -Method Head -TimeoutSec 5; $ready = $true } catch { Start-Sleep -Milliseconds 200 }
            }
            $ready | Should -BeTrue -Because 'the image web server must be up before the test can ask for its image'
            $all = Send-VisionChat 'Who is this?' -Image $url -Verbose 4>&1
        } finally {
            Stop-Process -Id $web.Id
        }
        $result = $all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose = ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        $image = ($result.Text | ConvertFrom-Json).images[0]
        $image.source | Should -Be 'data_url'
        # The same bytes as the file prepared for the same model (gpt-4.1-mini, the default).
        $image.sha256 | Should -Be (ConvertTo-VisionImage -LiteralPath $png.FullName -Model gpt-4.1-mini).Sha256
        $verbose | Should -BeLike "*$($png.Name): downloaded ($($png.Length) bytes) and sent inline*"
    }
}

Describe 'The X11 clipboard' {
    BeforeAll {
        $script:number = Get-Random -Minimum 100 -Maximum 900
        while (Test-Path "/tmp/.X$number-lock") { $number++ }
        $script:xvfb = Start-Process Xvfb -ArgumentList ":$number", '-screen', '0', '640x480x24', '-nolisten', 'tcp' -PassThru `
            -RedirectStandardOutput (Join-Path $Dir 'xvfb.out') -RedirectStandardError (Join-Path $Dir 'xvfb.err')
        for ($i = 0; $i -lt 100 -and -not (Test-Path "/tmp/.X11-unix/X$number"); $i++) { Start-Sleep -Milliseconds 100 }
        $script:savedDisplay = $env:DISPLAY
        $env:DISPLAY = ":$number"
    }
    AfterAll {
        $env:DISPLAY = $savedDisplay
        if ($xvfb -and -not $xvfb.HasExited) { Stop-Process -Id $xvfb.Id }
    }

    It 'reads a copied screenshot and asks about it' {
        $png = Join-Path $Corpus 'png_wizard_1104x1468_rgba.png'
        & bash -c "xclip -selection clipboard -t image/png -i < '$png' > /dev/null 2>&1"  # the forked owner must not hold our pipe
        $image = ConvertTo-VisionImage -FromClipboard
        $image.Source | Should -Be 'clipboard'
        $image.SourceWidth | Should -Be 1104
        $answer = ($image | Send-VisionChat 'What is on my screen?').Text | ConvertFrom-Json
        $answer.images[0].sha256 | Should -Be $image.Sha256
    }

    It 'says the clipboard cannot be reached, naming the display, when DISPLAY names no X server (a stale SSH forward)' {
        $gone = 6000..6999 | Where-Object { -not (Test-Path "/tmp/.X11-unix/X$_") -and -not (Test-Path "/tmp/.X$_-lock") } | Select-Object -First 1
        $env:DISPLAY = ":$gone"
        try {
            $out = ConvertTo-VisionImage -FromClipboard -ErrorVariable errs -ErrorAction SilentlyContinue
        }
        finally { $env:DISPLAY = ":$number" }
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ClipboardUnavailable,*'
        "$($errs[0])" | Should -BeLike "*X11 display ':$gone'*"
        "$($errs[0])" | Should -Not -BeLike '*copy one first*'
    }

    It 'says there is no image when the program that copied offers an image type but no bytes' {
        & bash -c "printf '' | xclip -selection clipboard -t image/png -i > /dev/null 2>&1"
        $out = ConvertTo-VisionImage -FromClipboard -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ClipboardHasNoImage,*'
        "$($errs[0])" | Should -BeLike '*image/png*no bytes*'
    }

    It 'says the clipboard holds copied files, naming them to pass by path, when a file manager copied an image file' {
        $png = Join-Path $Corpus 'png_wizard_1104x1468_rgba.png'
        $uri = 'file://' + $png  # the corpus path holds no character a URI must escape
        & bash -c "printf '$uri\r\n' | xclip -selection clipboard -t text/uri-list -i > /dev/null 2>&1"
        $out = ConvertTo-VisionImage -FromClipboard -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ClipboardHasNoImage,*'
        "$($errs[0])" | Should -BeLike "*copied files*-LiteralPath '$png'*"
    }

    It 'says there is no image when the clipboard holds text' {
        & bash -c "printf 'just text' | xclip -selection clipboard -i > /dev/null 2>&1"
        $out = ConvertTo-VisionImage -FromClipboard -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ClipboardHasNoImage,*'
        $errs[0].ToString() | Should -BeLike '*no image on the X11 clipboard*'
    }
}
