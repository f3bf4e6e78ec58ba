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
