BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-batch-key-never-printed-0c7e'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-batch-$([guid]::NewGuid().ToString('N'))"
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
        -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Batch jobs as an admin runs them' {
    It 'submits a folder of photos, waits, and gets one answer per photo mapped back to its file' {
        $files = Get-ChildItem -LiteralPath $Corpus -Filter 'jpg_*.jpg' -File | Select-Object -First 5
        $batch = $files | Start-VisionBatch 'What is in this picture?' -Detail Low
        $batch.Status | Should -Be 'validating'
        $batch.ImageCount | Should -Be 5
        $results = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120 | Receive-VisionBatch
        $results.Count | Should -Be 5
        $results.ImageSources | Should -Be $files.FullName
        $results | ForEach-Object { $_.BatchId | Should -Be $batch.Id }
        $prepared = ConvertTo-VisionImage -LiteralPath $files[0].FullName -Detail Low
        ($results[0].Text | ConvertFrom-Json).images[0].sha256 | Should -Be $prepared.Sha256
    }

    It 'splits a large submission and finds every part again from the local records' {
        $files = Get-ChildItem -LiteralPath $Corpus -File | Where-Object Extension -in '.jpg', '.png' | Select-Object -First 7
        $parts = $files | Start-VisionBatch 'Split.' -Detail Low -MaxRequestsPerBatch 3
        $parts.Count | Should -Be 3
        ($parts.ImageCount | Measure-Object -Sum).Sum | Should -Be 7
        $listed = Get-VisionBatch | Where-Object SubmissionId -eq $parts[0].SubmissionId
        $listed.Id | Should -Be $parts.Id
        $null = $listed | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120
        (Get-VisionBatch -Id $parts.Id | Receive-VisionBatch).ImageSources | Should -Be $files.FullName
    }

    It 'reports a failed request by its file with a stable id, and the rest still arrives' {
        $paths = (Join-Path $Corpus 'gif_static_smile_48.gif'), (Join-Path $Corpus 'bad/text_file_named.png'), (Join-Path $Corpus 'jpg_gray_cat_512.jpg')
        $batch = $paths | Start-VisionBatch 'Describe.' -ErrorVariable prepareErrors -ErrorAction SilentlyContinue
        $prepareErrors.Count | Should -Be 1
        $prepareErrors[0].TargetObject | Should -Be $paths[1]
        $results = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120 | Receive-VisionBatch
        $results.Count | Should -Be 2
    }

    It 'shows what would be submitted with -WhatIf and submits nothing' {
        $before = @(Get-VisionBatch -Local).Count
        Start-VisionBatch 'Describe.' -Image (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -WhatIf | Should -BeNullOrEmpty
        @(Get-VisionBatch -Local).Count | Should -Be $before
    }

    It 'exports the batch objects to CSV as readable text (no .NET type names in any column)' {
        $batch = Get-Item -LiteralPath (Join-Path $Corpus 'jpg_gray_cat_512.jpg') | Start-VisionBatch 'Read.' -Detail Low
        $csv = Join-Path $Work 'batches.csv'
        $null = New-Item -ItemType Directory -Path $Work -Force
        $batch, (Get-VisionBatch -Local | Select-Object -First 1), ($batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120) | Export-Csv -LiteralPath $csv
        $rows = Import-Csv -LiteralPath $csv
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            foreach ($p in $row.PSObject.Properties) {
                $p.Value | Should -Not -Match '^(System|VisionPS)\.[\w.]+(\[\])?$' -Because "column $($p.Name) should hold text"
            }
        }
    }

    It 'never writes the key into the batch records' {
        Get-ChildItem -LiteralPath (Join-Path $Work 'batches') -File | Get-Content -Raw | Should -Not -Match ([regex]::Escape($Key))
    }
}

Describe 'A batch that goes wrong, as an admin sees it' {
    It 'repeats the reasons of a failed batch, naming the image on each line' {
        $files = (Join-Path $Corpus 'gif_static_smile_48.gif'), (Join-Path $Corpus 'jpg_gray_cat_512.jpg')
        # The endpoint refuses this model on every line: the batch fails validation.
        $batch = $files | Start-VisionBatch 'Describe.' -Model "fault:unknown-model:$([guid]::NewGuid().ToString('N'))" -WarningAction SilentlyContinue
        $null = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120 -ErrorAction SilentlyContinue
        $results = $batch | Receive-VisionBatch -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -BeNullOrEmpty
        $failed = @($errs | Where-Object FullyQualifiedErrorId -like 'BatchFailed,*')
        $failed.Count | Should -Be 1
        "$($failed[0])" | Should -BeLike "*line 1 ('$($files[0])'): The model * does not exist or you do not have access to it*"
        "$($failed[0])" | Should -BeLike "*line 2 ('$($files[1])')*"
        @($errs | Where-Object FullyQualifiedErrorId -like 'BatchRequestNotRun,*').TargetObject | Should -Be $files
    }

    It 'warns about an answer cut short at the token limit' {
        $file = Join-Path $Corpus 'gif_static_smile_48.gif'
        $batch = Start-VisionBatch 'Describe.' -Image $file -Model "fault:canned=length:$([guid]::NewGuid().ToString('N'))" -WarningAction SilentlyContinue
        $null = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120
        $result = $batch | Receive-VisionBatch -NoCache -WarningVariable warns -WarningAction SilentlyContinue
        $result.FinishReason | Should -Be 'length'
        ($warns.Message -join "`n") | Should -BeLike "$file*: the answer is cut short*raise -MaxTokens*"
    }
}

Describe 'A batch created at another endpoint (-BaseUri on Start-VisionBatch only)' {
    BeforeAll {
        # A second server with the same key: the session default stays on the first one, which knows none of its batches.
        $script:Other = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
        $script:OtherUri = $Other.BaseUri.AbsoluteUri.TrimEnd('/')
        $script:Cat = Join-Path $Corpus 'jpg_gray_cat_512.jpg'

        # Runs $Command in a new `pwsh -NonInteractive` whose only endpoint is the default one (OPENAI_BASE_URL, the
        # key from OPENAI_API_KEY) on this session's batch records; returns what it wrote to the console (errors too).
        function script:Invoke-NewSession([string] $Command) {
            $saved = @{ OPENAI_API_KEY = $env:OPENAI_API_KEY; OPENAI_BASE_URL = $env:OPENAI_BASE_URL; VISIONPS_BATCHES = $env:VISIONPS_BATCHES; VISIONPS_CONFIG = $env:VISIONPS_CONFIG }
            try {
                $env:OPENAI_API_KEY = $Key
                $env:OPENAI_BASE_URL = $Endpoint.BaseUri.AbsoluteUri
                $env:VISIONPS_BATCHES = (Get-VisionDefault).BatchPath
                $env:VISIONPS_CONFIG = Join-Path $Work "config-$([guid]::NewGuid().ToString('N'))"
                $manifest = Join-Path (Split-Path $PSScriptRoot) 'VisionPS.psd1'
                & pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; $Command" 2>&1
            }
            finally {
                foreach ($name in $saved.Keys) { Set-Item -Path "env:$name" -Value $saved[$name] }
            }
        }
    }
    AfterAll {
        if ($Other) { $Other.Stop() }
    }

    It 'is waited for and received at the endpoint it was created at, and -Verbose says so' {
        $batch = Start-VisionBatch 'Where?' -Image $Cat -Detail Low -BaseUri $Other.BaseUri
        $out = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120 -ErrorVariable errs -Verbose 4>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) |
            Should -BeLike "*Batch $($batch.Id): using the endpoint it was created at, $OtherUri*"
        $results = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Receive-VisionBatch -NoCache -ErrorVariable +errs)
        $errs | Should -BeNullOrEmpty
        $results.Count | Should -Be 1
        $results[0].BatchId | Should -Be $batch.Id
        $results[0].ImageSources | Should -Be $Cat
        # The whole pipeline, as the user types it.
        $again = Start-VisionBatch 'Where again?' -Image $Cat -Detail Low -BaseUri $Other.BaseUri | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120 | Receive-VisionBatch -NoCache
        $again.ImageSources | Should -Be $Cat
        # Get-VisionBatch, by id and listing every record, asks each batch where it was created: no error, no warning.
        (Get-VisionBatch -Id $batch.Id -ErrorVariable getErrs).Status | Should -Be 'completed'
        $getErrs | Should -BeNullOrEmpty
        $listed = Get-VisionBatch -WarningVariable w -ErrorVariable listErrs
        ($listed | Where-Object Id -eq $batch.Id).Status | Should -Be 'completed'
        $w | Should -BeNullOrEmpty
        $listErrs | Should -BeNullOrEmpty
        # -BaseUri on the command still wins: the default server does not know the batch.
        Get-VisionBatch -Id $batch.Id -BaseUri $Endpoint.BaseUri -ErrorAction SilentlyContinue -ErrorVariable explicit | Should -BeNullOrEmpty
        $explicit[0].FullyQualifiedErrorId | Should -BeLike 'BatchRequestFailed,*'
        # Stop-VisionBatch goes there too (cancelling a finished batch is the service's error, from that endpoint).
        Stop-VisionBatch -Id $batch.Id -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable stopErrs | Out-Null
        "$stopErrs" | Should -BeLike "*$OtherUri*"
        "$stopErrs" | Should -Not -BeLike '*No such batch*'
    }

    It 'is received in a new session, whose only endpoint is the default one' {
        $batch = Start-VisionBatch 'Later?' -Image $Cat -Detail Low -BaseUri $Other.BaseUri
        $null = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120
        $text = Invoke-NewSession "Receive-VisionBatch -Id $($batch.Id) -NoCache -ErrorAction Continue 2>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.ErrorRecord]) { 'ERROR: ' + `$_ } else { 'RESULT: ' + `$_.ImageSources[0] } }"
        ($text -join "`n") | Should -Be "RESULT: $Cat"
    }

    It 'never shows a user name or password written into its endpoint: not in -WhatIf, verbose or error text' {
        # The reviewer's repro: the record keeps the address as given, user name and password included; a "'" (legal in
        # userinfo, kept by .NET as typed) or a space in the password must not leave any of it behind either.
        foreach ($password in 'pw-s3cret-pester', "pa'Zq7SECRET1", 'my Zq7SECRET2') {
            $secretUri = $Other.BaseUri.AbsoluteUri -replace '://', "://alice-pester:$password@"
            $batch = Start-VisionBatch 'Who?' -Image $Cat -Detail Low -BaseUri $secretUri
            $null = $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120
            # A console session as the user has it: -WhatIf lines, VERBOSE: and DEBUG: lines and errors all on the screen.
            $text = Invoke-NewSession ("`$id = '$($batch.Id)'; `$uri = '$($secretUri.Replace("'", "''"))'; " +
                "`$null = Get-VisionBatch -Id `$id -Verbose; `$null = Wait-VisionBatch -Id `$id -Timeout 60 -Verbose; `$null = Receive-VisionBatch -Id `$id -NoCache -Verbose; " +
                "Stop-VisionBatch `$id -WhatIf -Verbose; Stop-VisionBatch `$id -Confirm:`$false -Verbose; " +
                "Start-VisionBatch 'Who?' -Image '$Cat' -Detail Low -BaseUri `$uri -WhatIf -Verbose; " +
                "Send-VisionChat 'Who?' -Image '$Cat' -BaseUri `$uri -WhatIf -Verbose -Debug -NoCache")
            $all = $text -join "`n"
            $all | Should -BeLike "*VERBOSE: Batch $($batch.Id): using the endpoint it was created at, $OtherUri.*"
            $all | Should -BeLike "*What if: Performing the operation `"Cancel batch`" on target `"$($batch.Id) at $($Other.BaseUri.GetLeftPart('Authority'))`"*"
            $all | Should -BeLike "*was asked at $OtherUri, the endpoint it was created at*"
            $all | Should -BeLike "*What if: *Submit batch*$OtherUri*"
            $all | Should -BeLike "*Chat request to $OtherUri*"
            $all | Should -Not -Match 'alice-pester|pw-s3cret-pester|Zq7SECRET'
            $all | Should -Not -Match $Key
        }
    }

    It 'sends no key to the recorded endpoint that did not go there at submission (another key, or an edited record)' {
        $keyed = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey 'sk-pester-other-key-never-printed-77'
        try {
            $batch = Start-VisionBatch 'Other key.' -Image $Cat -Detail Low -BaseUri $keyed.BaseUri -ApiKey 'sk-pester-other-key-never-printed-77'
            $keyedUri = $keyed.BaseUri.AbsoluteUri.TrimEnd('/')
            # The session's key is not the one the batch was submitted with: it is asked at the session's endpoint, which
            # does not know it, and the error says how to ask where it was created.
            $out = Get-VisionBatch -Id $batch.Id -ErrorAction SilentlyContinue -ErrorVariable errs -Verbose 4>&1
            $verbose = $out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            $verbose | Should -Not -BeLike "*GET $keyedUri*"
            $errs.Count | Should -Be 1
            "$errs" | Should -BeLike "*created at $keyedUri*not the one it was submitted with*-BaseUri $keyedUri -ApiKey*"
            "$errs" | Should -Not -BeLike '*sk-pester*'
            # With that endpoint and its key, as the error says, it is found.
            (Get-VisionBatch -Id $batch.Id -BaseUri $keyed.BaseUri -ApiKey 'sk-pester-other-key-never-printed-77').Id | Should -Be $batch.Id
            # A record edited to name another endpoint than the one its batch (and key) went to: no request goes there.
            $mine = Start-VisionBatch 'Mine.' -Image $Cat -Detail Low
            $file = Join-Path (Get-VisionDefault).BatchPath "$($mine.Id).json"
            $text = Get-Content -LiteralPath $file -Raw
            $text | Should -BeLike "*`"BaseUri`":`"$($Endpoint.BaseUri.AbsoluteUri.TrimEnd('/'))`"*"
            $text.Replace("`"BaseUri`":`"$($Endpoint.BaseUri.AbsoluteUri.TrimEnd('/'))`"", "`"BaseUri`":`"$keyedUri`"") | Set-Content -LiteralPath $file -NoNewline
            $out = Get-VisionBatch -Id $mine.Id -ErrorVariable editedErrs -Verbose 4>&1
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -Not -BeLike "*GET $keyedUri*"
            ($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Id | Should -Be $mine.Id
            $editedErrs | Should -BeNullOrEmpty
        }
        finally {
            $keyed.Stop()
        }
    }

    It 'leaves out of the listing, with one warning, a batch whose endpoint has stopped' {
        # On batch records of its own, so the batches of the other cases are not counted.
        $records = (Get-VisionDefault).BatchPath
        Set-VisionDefault -BatchPath (Join-Path $Work "batches-$([guid]::NewGuid().ToString('N'))")
        $gone = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
        try {
            $batch = Start-VisionBatch 'Gone.' -Image $Cat -Detail Low -BaseUri $gone.BaseUri
            $here = Start-VisionBatch 'Here.' -Image $Cat -Detail Low
        }
        finally {
            $gone.Stop()
        }
        $listed = Get-VisionBatch -ErrorVariable errs -WarningVariable w -WarningAction SilentlyContinue -MaxRetries 0
        $errs | Should -BeNullOrEmpty
        $listed.Id | Should -Not -Contain $batch.Id
        $w.Count | Should -Be 1
        "$w" | Should -BeLike "*1 batch recorded for another endpoint ($($gone.BaseUri.AbsoluteUri.TrimEnd('/'))) could not be found there*"
        $listed.Id | Should -Contain $here.Id
        # Named, it is an error.
        Get-VisionBatch -Id $batch.Id -MaxRetries 0 -ErrorAction SilentlyContinue -ErrorVariable named | Should -BeNullOrEmpty
        $named.Count | Should -Be 1
        Set-VisionDefault -BatchPath $records
    }
}
