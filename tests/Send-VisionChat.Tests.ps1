BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-key-never-printed-51b2'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Cache = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-cache-$([guid]::NewGuid().ToString('N'))"
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -CachePath $Cache -MaxRetries 1
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Cache -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Send-VisionChat as an admin uses it' {
    It 'answers once per photo piped from Get-ChildItem, each about the bytes it was sent' {
        $files = Get-ChildItem -LiteralPath $Corpus -Filter 'jpg_*.jpg' -File | Select-Object -First 4
        $results = $files | Send-VisionChat 'What is in this picture?' -PerImage
        $results.Count | Should -Be 4
        for ($i = 0; $i -lt 4; $i++) {
            # Send-VisionChat sizes images for its model (default gpt-4.1-mini), so prepare for the same model.
            $prepared = ConvertTo-VisionImage -LiteralPath $files[$i].FullName -Model gpt-4.1-mini
            $answer = $results[$i].Text | ConvertFrom-Json
            $answer.images[0].sha256 | Should -Be $prepared.Sha256
            $results[$i].ImageSources | Should -Be $files[$i].FullName
        }
    }

    It 'sends a sideways phone photo upright and a HEIC photo as JPEG' {
        $r = Send-VisionChat 'Describe.' -Image (Join-Path $Corpus 'jpg_orient6_panasonic_640x428.jpg'), (Join-Path $Corpus 'd_heic_storm.heic')
        $images = ($r.Text | ConvertFrom-Json).images
        "$($images[0].width)x$($images[0].height)" | Should -Be '428x640'
        $images[1].format | Should -Be 'jpeg'
    }

    It 'keeps going past a bad file and reports it with a stable id' {
        $paths = (Join-Path $Corpus 'gif_static_smile_48.gif'), (Join-Path $Corpus 'bad/text_file_named.png'), (Join-Path $Corpus 'jpg_gray_cat_512.jpg')
        $results = $paths | Send-VisionChat 'Describe.' -PerImage -ErrorVariable errs -ErrorAction SilentlyContinue
        $results.Count | Should -Be 2
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedImageFormat,*'
        $errs[0].TargetObject | Should -BeLike '*text_file_named.png'
    }

    It 'sends nothing when the pipe brings no image (Get-ChildItem found no files), and says so; a text-only question without a pipe is still asked' {
        $empty = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-empty-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $empty
        try {
            # The fault model fails any request that reaches the endpoint: an error here means something was sent.
            $r = Get-ChildItem -LiteralPath $empty -Filter '*.jpg' -File | Send-VisionChat 'What is in this picture?' -Model 'fault:500:empty-pipe' -MaxRetries 0 -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns 3>$null
            $r | Should -BeNullOrEmpty
            $errs.Count | Should -Be 0
            ($warns.Message -join "`n") | Should -Match 'No image came down the pipeline, so nothing was sent'
            $perImage = @() | Send-VisionChat 'Describe.' -PerImage -Model 'fault:500:empty-pipe' -MaxRetries 0 -ErrorVariable errs2 -ErrorAction SilentlyContinue -WarningVariable warns2 3>$null
            $perImage | Should -BeNullOrEmpty
            $errs2.Count | Should -Be 0
            ($warns2.Message -join "`n") | Should -Match 'No image came down the pipeline'
        }
        finally {
            Remove-Item -LiteralPath $empty -Recurse -Force
        }
        (Send-VisionChat 'Say hello.').ImageCount | Should -Be 0
    }

    It 'refuses a -BaseUri without a scheme as InvalidBaseUri, saying what to add and nothing about .NET parameter names' {
        $err = $null
        try { Send-VisionChat 'Describe.' -Image (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -BaseUri 'localhost:11434/v1' -ErrorAction Stop }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
        $text = "$($err.ErrorDetails.Message) $($err.Exception.Message)"
        $text | Should -Match ([regex]::Escape("not 'localhost:11434/v1'. Add the scheme (http://"))
        $text | Should -Not -Match "Parameter 'value'"
    }

    It 'answers a re-run from the cache' {
        $photo = Join-Path $Corpus 'jpg_wizard_265x352_prog.jpg'
        $null = Send-VisionChat 'Cache test.' -Image $photo -PerImage
        (Send-VisionChat 'Cache test.' -Image $photo -PerImage).FromCache | Should -BeTrue
    }

    It 'a cached answer costs no request and took no time: Duration zero, the tokens of the answer it keeps' {
        $photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'
        # slow=300: the request the first run pays for takes at least 300 ms; the model is part of the answer's key.
        $model = "fault:slow=300:cache-duration-$([guid]::NewGuid().ToString('N'))"
        $first = Send-VisionChat 'Cache duration test.' -Image $photo -PerImage -Model $model 3>$null
        $first.FromCache | Should -BeFalse
        $first.Duration | Should -BeGreaterOrEqual ([timespan]::FromMilliseconds(300))
        $out = Send-VisionChat 'Cache duration test.' -Image $photo -PerImage -Model $model -Verbose 4>&1 3>$null
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^POST ' }).Count | Should -Be 0
        $again = @($out | Where-Object { $_ -is [VisionPS.ChatResult] })
        $again.Count | Should -Be 1
        $again[0].FromCache | Should -BeTrue
        $again[0].Duration | Should -Be ([timespan]::Zero)
        $again[0].Text | Should -Be $first.Text
        $again[0].PromptTokens | Should -Be $first.PromptTokens
        $again[0].CompletionTokens | Should -Be $first.CompletionTokens
    }

    It 'is not answered from the cache after models.json changes how the model sizes images: the image goes at its new size' {
        $photo = Join-Path $Corpus 'jpg_storm_1920x1280.jpg'
        $models = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-models-$([guid]::NewGuid().ToString('N')).json"
        $saved = $env:VISIONPS_MODELS
        try {
            # A model VisionPS has no rules for is sent at up to the 2048-px box: 1920x1280.
            $model = "llava-cache-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            $first = Send-VisionChat 'Rules test.' -Image $photo -PerImage -Model $model 3>$null
            (($first.Text | ConvertFrom-Json).images[0].width) | Should -Be 1920
            # Now the user's models.json says what it looks at: a 336-px box.
            Set-Content -LiteralPath $models -Value ('{ "models": [ { "name": "' + $model + '", "family": "patch", "patchSize": 14, "patchBudget": 576, "maxSide": 336, "source": "test" } ] }')
            $env:VISIONPS_MODELS = $models
            $expected = ConvertTo-VisionImage -LiteralPath $photo -Model $model
            $expected.Width | Should -Be 336
            $again = Send-VisionChat 'Rules test.' -Image $photo -PerImage -Model $model
            $again.FromCache | Should -BeFalse
            $again.ImageSha256 | Should -Be $expected.Sha256
            (($again.Text | ConvertFrom-Json).images[0].width) | Should -Be 336
            (Send-VisionChat 'Rules test.' -Image $photo -PerImage -Model $model).FromCache | Should -BeTrue
        }
        finally {
            $env:VISIONPS_MODELS = $saved
            Remove-Item -LiteralPath $models -ErrorAction SilentlyContinue
        }
    }

    It 'answers past a damaged cache entry (a creation time out of range, an entry that cannot be read) and puts a good one in its place' {
        # A cache of its own: entries picked by time could be an earlier test's, written in the same seconds.
        $photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'
        $own = $null
        try {
            $own = New-OwnCache -Prompt 'Damaged cache test.' -Image $photo
            $entries = $own.Entries
            # Past any date; and the last second of 9999, which the expiry carries past the last date.
            foreach ($created in '99999999999999', '253402300799') {
                foreach ($e in $entries) {
                    $json = [System.IO.File]::ReadAllText($e.FullName)
                    $json | Should -Match '"Created":\d+'
                    [System.IO.File]::WriteAllText($e.FullName, ($json -replace '"Created":\d+', "`"Created`":$created"))
                }
                $r = Send-VisionChat 'Damaged cache test.' -Image $photo -PerImage -ErrorVariable errs -ErrorAction SilentlyContinue
                $errs.Count | Should -Be 0
                $r.FromCache | Should -BeFalse
                (Send-VisionChat 'Damaged cache test.' -Image $photo -PerImage).FromCache | Should -BeTrue
            }

            # An empty folder in an entry's place: a miss, removed, and the answer written in its place (every run warned
            # that the cache cannot be written, for ever).
            foreach ($e in $entries) {
                Remove-Item -LiteralPath $e.FullName
                $null = New-Item -ItemType Directory -Path $e.FullName
            }
            $r = Send-VisionChat 'Damaged cache test.' -Image $photo -PerImage -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns 3>$null
            $errs.Count | Should -Be 0
            $warns.Count | Should -Be 0
            $r.FromCache | Should -BeFalse
            ($r.Text | ConvertFrom-Json).images.Count | Should -Be 1
            (Send-VisionChat 'Damaged cache test.' -Image $photo -PerImage).FromCache | Should -BeTrue

            # An entry it cannot read (here a folder with something in it; a file of another user's, mode 600, alike): a miss.
            foreach ($e in $entries) {
                Remove-Item -LiteralPath $e.FullName
                $null = New-Item -ItemType Directory -Path $e.FullName
                Set-Content -LiteralPath (Join-Path $e.FullName 'keep.txt') -Value 'the user''s'
            }
            $r = Send-VisionChat 'Damaged cache test.' -Image $photo -PerImage -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns 3>$null
            $errs.Count | Should -Be 0
            $r.FromCache | Should -BeFalse
            ($r.Text | ConvertFrom-Json).images.Count | Should -Be 1
            # Nor can a new entry go where the folder is: said once, as for a full disk, naming the folder; it is kept.
            @($warns | Where-Object { "$_" -like "The answer cache at '$($own.Path)' cannot be written*" }).Count | Should -Be 1
            "$warns" | Should -Match "is a folder, not empty, where an answer belongs; move or delete that folder"
            foreach ($e in $entries) { Get-Content -LiteralPath (Join-Path $e.FullName 'keep.txt') | Should -Be 'the user''s' }
            Get-VisionCache | Should -Not -BeNullOrEmpty
            Clear-VisionCache -ErrorVariable clearErrs -ErrorAction SilentlyContinue
            $clearErrs.Count | Should -Be 0
        }
        finally {
            Set-VisionDefault -CachePath $Cache
            if ($own) { Remove-Item -LiteralPath $own.Path -Recurse -Force -ErrorAction SilentlyContinue }
        }
    }

    It 'answers at once past a FIFO or a link to a device in an entry''s place, which it removes (a FIFO hung the run)' -Skip:$IsWindows {
        $photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'
        $own = $null
        $releaser = $null
        try {
            $own = New-OwnCache -Prompt 'FIFO cache test.' -Image $photo
            $entries = $own.Entries
            foreach ($kind in 'fifo', 'link') {
                foreach ($e in $entries) {
                    Remove-Item -LiteralPath $e.FullName
                    if ($kind -eq 'fifo') { & mkfifo $e.FullName } else { $null = [System.IO.File]::CreateSymbolicLink($e.FullName, '/dev/zero') }
                }
                # A safety net, so a regression fails rather than hangs the suite: after 60 s, open each FIFO for writing
                # (read-write never waits), which releases a read waiting for a writer.
                $start = [System.Diagnostics.ProcessStartInfo]::new('bash')
                foreach ($a in @('-c', 'sleep 60; while :; do for f in "$@"; do [ -p "$f" ] && { exec 3<>"$f"; exec 3>&-; }; done; sleep 1; done', 'release') + @($entries.FullName)) { $start.ArgumentList.Add($a) }
                $releaser = [System.Diagnostics.Process]::Start($start)
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $r = Send-VisionChat 'FIFO cache test.' -Image $photo -PerImage -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns 3>$null
                $clock.Stop()
                $releaser.Kill()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 45 -Because "a $kind in an entry's place is a miss at once (a run takes about a second)"
                $errs.Count | Should -Be 0
                $warns.Count | Should -Be 0
                $r.FromCache | Should -BeFalse
                ($r.Text | ConvertFrom-Json).images.Count | Should -Be 1
                foreach ($e in $entries) { (Get-Item -LiteralPath $e.FullName).LinkType | Should -BeNullOrEmpty; (Get-Item -LiteralPath $e.FullName).Length | Should -BeGreaterThan 0 }
                (Send-VisionChat 'FIFO cache test.' -Image $photo -PerImage).FromCache | Should -BeTrue
            }
        }
        finally {
            if ($releaser -and -not $releaser.HasExited) { $releaser.Kill() }
            Set-VisionDefault -CachePath $Cache
            if ($own) { Remove-Item -LiteralPath $own.Path -Recurse -Force -ErrorAction SilentlyContinue }
        }
    }

    It 'keeps the answer cache within -CacheMaxMB and its expiry across many small runs, not only within one large run' {
        $small = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-small-cache-$([guid]::NewGuid().ToString('N'))"
        try {
            Set-VisionDefault -CachePath $small -CacheMaxMB 1
            # What earlier runs left: 1.5 MiB of entries used an hour ago, and one not used for 40 days (expiry: 30).
            $old = Join-Path $small 'v1/00'
            $null = New-Item -ItemType Directory -Path $old -Force
            $created = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
            foreach ($i in 1..24) {
                $file = Join-Path $old ('{0:x64}.json' -f $i)
                $entry = @{ Key = '{0:x64}' -f $i; Created = $created; Sha256 = '0' * 64; Payload = 'x' * 65536 } | ConvertTo-Json -Compress
                [System.IO.File]::WriteAllText($file, $entry)
                [System.IO.File]::SetLastWriteTimeUtc($file, [datetime]::UtcNow.AddHours(-1).AddSeconds($i))
            }
            $stale = Join-Path $old ('{0:x64}.json' -f 999)
            [System.IO.File]::WriteAllText($stale, '{}')
            [System.IO.File]::SetLastWriteTimeUtc($stale, [datetime]::UtcNow.AddDays(-40))
            (Get-VisionCache).Bytes | Should -BeGreaterThan 1MB

            $r = Send-VisionChat 'Small run.' -Image (Join-Path $Corpus 'gif_static_smile_48.gif') -PerImage
            $r.FromCache | Should -BeFalse
            (Get-VisionCache).Bytes | Should -BeLessOrEqual 1MB
            Test-Path -LiteralPath $stale | Should -BeFalse
            # The least recently used went first: the newest of the earlier entries are still there.
            Test-Path -LiteralPath (Join-Path $old ('{0:x64}.json' -f 24)) | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $old ('{0:x64}.json' -f 1)) | Should -BeFalse
            (Send-VisionChat 'Small run.' -Image (Join-Path $Corpus 'gif_static_smile_48.gif') -PerImage).FromCache | Should -BeTrue
        }
        finally {
            Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -CachePath $Cache -MaxRetries 1
            Remove-Item -LiteralPath $small -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'sends nothing with -WhatIf' {
        Send-VisionChat 'Describe.' -Image (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') -WhatIf | Should -BeNullOrEmpty
    }

    It 'Add-AssistantImage creates no conversation when the pipe brings no image, and says so' {
        $msg = @() | Add-AssistantImage -Prompt 'These invoices.' -WarningVariable warns 3>$null
        $msg | Should -BeNullOrEmpty
        ($warns.Message -join "`n") | Should -Match 'No image came down the pipeline, so nothing was uploaded or attached'
    }

    It 'attaches uploaded images to a new conversation and continues it' {
        $msg = Get-ChildItem -LiteralPath $Corpus -Filter 'gif_static_*.gif' | Add-AssistantImage -Prompt 'Remember these.'
        $msg.ConversationId | Should -BeLike 'conv_*'
        $msg.FileIds.Count | Should -Be 2
        (Send-VisionChat 'What did I show you?' -ConversationId $msg.ConversationId).Api | Should -Be 'responses'
        $msg.FileIds | Remove-VisionFile -Confirm:$false
    }

    It 'reads an answer that never ends only to its limit and sends it once: one ResponseUnreadable error, and the next request is answered' {
        $image = Join-Path $Corpus 'gif_static_smile_48.gif'
        $out = Send-VisionChat 'Describe.' -Image $image -Model 'fault:endless:pester' -MaxRetries 3 -Verbose -ErrorAction SilentlyContinue -ErrorVariable errs 4>&1
        $tries = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^POST .*/chat/completions: HTTP 200' })
        $tries.Count | Should -Be 1
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ResponseUnreadable,*'
        $errs[0].Exception.Message | Should -Match 'larger than the 128 MiB VisionPS reads'
        $errs[0].Exception.Message | Should -Not -Match 'System\.|Stream was too long'
        (Send-VisionChat 'Describe.' -Image $image).Text | Should -Match 'Describe'
    }

    It 'warns when the answer is cut short at the token limit' {
        $image = Join-Path $Corpus 'gif_static_smile_48.gif'
        $r = Send-VisionChat 'Describe this picture in many words.' -Image $image -MaxTokens 2 -WarningVariable warns 3>$null
        $r.FinishReason | Should -Be 'length'
        @($warns | Where-Object { "$_" -match 'cut short: it reached the token limit \(FinishReason length\); raise -MaxTokens' }).Count | Should -Be 1
        $full = Send-VisionChat 'Describe this picture in many words.' -Image $image -WarningVariable warns2 3>$null
        $full.FinishReason | Should -Be 'stop'
        $warns2 | Should -BeNullOrEmpty
    }

    It 'never prints the key' {
        $out = Send-VisionChat 'Describe.' -Image (Join-Path $Corpus 'gif_static_smile_48.gif') -Model 'fault:echo-key' -Verbose -Debug -ErrorAction SilentlyContinue -ErrorVariable errs *>&1 | Out-String
        ($out + ($errs | Out-String)) | Should -Not -Match ([regex]::Escape($Key))
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ChatRequestFailed,*'
    }

    It 'never shows the key a service repeats in a successful answer (<Name>), and warns that it did' -ForEach @(
        @{ Name = 'text, as JSON, cached'; Model = 'canned=answer-key'; Extra = @{ PerImage = $true; JsonSchema = @{ type = 'object'; properties = @{ said = @{ type = 'string' } } } } }
        @{ Name = 'JSON with \u escapes, its model and id too, cached'; Model = 'canned=answer-key-escaped'; Extra = @{ PerImage = $true; JsonSchema = @{ type = 'object'; properties = @{ said = @{ type = 'string' } } } } }
        @{ Name = 'refusal'; Model = 'canned=refusal-key'; Extra = @{} }
        @{ Name = 'stream split across chunks'; Model = 'canned=stream-answer-key'; Extra = @{ Stream = $true } }
        @{ Name = 'Responses'; Model = 'canned=responses-answer-key'; Extra = @{ Api = 'Responses' } }
    ) {
        $image = Join-Path $Corpus 'gif_static_smile_48.gif'
        $model = "fault:$($Model):$([guid]::NewGuid().ToString('N'))"
        $all = Send-VisionChat 'Describe.' -Image $image -Model $model @Extra -Verbose -Debug -ErrorVariable errs *>&1
        $results = @($all | Where-Object { $_ -is [VisionPS.ChatResult] })
        $results.Count | Should -Be 1
        # The streamed text as the console shows it: each piece is its own information record (on its own line in Out-String).
        $streamed = ($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | ForEach-Object { "$($_.MessageData)" }) -join ''
        $shown = ($all | Out-String -Width 400) + $streamed + ($results | Format-List * | Out-String -Width 400) + ($results | ConvertTo-Json -Depth 5) + ($errs | Out-String) + $results[0].Json + $results[0].Object.said
        # The cache is a file too; and a \uXXXX escape (of any depth) is the character to a JSON reader.
        $shown += (Get-ChildItem -LiteralPath $Cache -Recurse -File -ErrorAction SilentlyContinue | ForEach-Object { [System.IO.File]::ReadAllText($_.FullName) }) -join "`n"
        $read = [regex]::Replace($shown, '\\+u([0-9a-fA-F]{4})', { param($m) [string][char][Convert]::ToInt32($m.Groups[1].Value, 16) })
        foreach ($text in $shown, $read) {
            $text | Should -Not -Match ([regex]::Escape($Key))
            $text | Should -Not -Match ([regex]::Escape($Key.Substring(6, $Key.Length - 10)))
        }
        ($results[0].Text + $results[0].Refusal) | Should -Match '\[redacted\]'
        @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] -and $_.Message -match 'repeated the API key' }).Count | Should -Be 1
    }
}

Describe 'Send-VisionChat -PerImage with -ErrorAction Stop' {
    BeforeAll {
        # An endpoint whose image URLs answer after 3 s: the other images' requests are under way when one URL fails
        # (400 ms was not always enough on a loaded machine to prepare and send them; then they were never sent).
        $script:SlowAssets = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key -RouteFault @{ 'GET /assets/{name}' = 'slow=3000' }
    }

    AfterAll {
        if ($SlowAssets) { $SlowAssets.Stop() }
    }

    It 'still outputs the answers already paid for, then stops at the error' {
        $missing = [uri]::new($SlowAssets.BaseUri, '/assets/missing.png').AbsoluteUri
        $files = (Join-Path $Corpus 'gif_static_smile_48.gif'), (Join-Path $Corpus 'jpg_gray_cat_512.jpg')
        $got = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try {
            @($missing) + $files |
                Send-VisionChat 'Paid for.' -BaseUri $SlowAssets.BaseUri -PerImage -ThrottleLimit 3 -NoCache -MaxRetries 0 -Model "fault:slow=6000:$([guid]::NewGuid().ToString('N'))" -ErrorAction Stop |
                ForEach-Object { $got.Add($_) }
        }
        catch {
            $err = $_
        }
        $err | Should -Not -BeNullOrEmpty
        "$err" | Should -BeLike "*missing.png*"
        $err.FullyQualifiedErrorId | Should -BeLike '*,VisionPS.Commands.SendVisionChatCommand'
        $got.Count | Should -Be 2
        $got.ImageSources | Should -Be $files
    }
}

Describe 'Send-VisionChat -PerImage -ErrorAction Inquire where nothing can be asked' {
    It 'in pwsh -NonInteractive stops at the failed image as -ErrorAction Stop would, without hanging, and every paid answer comes out' {
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $manifest = Join-Path $PSScriptRoot '..' 'VisionPS.psd1'
        $cache = Join-Path $Cache "inquire-$([guid]::NewGuid().ToString('N'))"
        $files = @((Join-Path $Corpus 'jpg_gray_cat_512.jpg'), (Join-Path $Corpus 'bad/bad_ihdr_crc.png'), (Join-Path $Corpus 'gif_static_smile_48.gif'), (Join-Path $Corpus 'jpg_storm_1920x1280.jpg'))
        $script = @"
Import-Module '$manifest'
Set-VisionDefault -Reset -BaseUri '$($Endpoint.BaseUri)' -ApiKey '$Key' -CachePath '$cache' -MaxRetries 0
`$files = '$($files -join "','")'
`$got = [System.Collections.Generic.List[object]]::new()
try { `$files | Send-VisionChat 'Inquire.' -PerImage -ThrottleLimit 2 -ErrorAction Inquire -WarningVariable w 3>`$null | ForEach-Object { `$got.Add(`$_) } } catch { 'ERROR ' + `$_.FullyQualifiedErrorId }
'WARNING ' + (`$w -join ' ')
'ANSWERS ' + `$got.Count
'PAID ' + @(`$files | Send-VisionChat 'Inquire.' -PerImage -ErrorAction SilentlyContinue | Where-Object FromCache).Count
"@
        $job = Start-Job { param($p, $s) & $p -NoProfile -NonInteractive -Command $s 2>&1 | Out-String } -ArgumentList $pwsh, $script
        $done = $job | Wait-Job -Timeout 120
        $done | Should -Not -BeNullOrEmpty -Because 'the run must not hang waiting for a prompt nobody can answer'
        $said = Receive-Job $job
        Remove-Job $job -Force
        $said | Should -Match 'ERROR ImageDamaged,VisionPS.Commands.SendVisionChatCommand'
        $said | Should -Not -Match 'NonInteractive mode'
        $said | Should -Match 'cannot ask in this session'
        $answers = [int]([regex]::Match($said, 'ANSWERS (\d+)').Groups[1].Value)
        $paid = [int]([regex]::Match($said, 'PAID (\d+)').Groups[1].Value)
        $answers | Should -BeGreaterThan 0
        $answers | Should -Be $paid
    }
}
