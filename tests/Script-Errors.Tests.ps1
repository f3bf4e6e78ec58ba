# What an automation script sees when something goes wrong, in `pwsh -NonInteractive` against the local endpoint:
# the message a catch block logs ($_.Exception.Message) and the warning that says a run did nothing.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-scripterrors-key-never-printed-5b1d'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-scripterrors-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
        -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    $script:Photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'
    $script:NotAnImage = Join-Path $Work 'notes.txt'
    Set-Content -LiteralPath $NotAnImage -Value 'not an image'

    # The error a script's catch block gets from $Command under -ErrorAction Stop.
    function Get-CaughtError([scriptblock] $Command) {
        try { $null = & $Command; $null } catch { $_ }
    }
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A catch block that logs $_.Exception.Message' {
    It 'reads the same words as the error view for <Label>, naming what it is about' -ForEach @(
        @{ Label = 'a wait that timed out (BatchWaitTimedOut)'; Id = 'BatchWaitTimedOut'; Names = 'batch'
            Run = { param($b) Wait-VisionBatch -Id $b.Id -Timeout 1 -PollSeconds 0.2 -ErrorAction Stop } }
        @{ Label = 'a batch received before it finished (BatchNotFinished)'; Id = 'BatchNotFinished'; Names = 'batch'
            Run = { param($b) Receive-VisionBatch -Id $b.Id -ErrorAction Stop } }
        @{ Label = 'a batch with no local record (BatchRecordNotFound)'; Id = 'BatchRecordNotFound'; Names = 'batch_nolocalrecord42'
            Run = { param($b) Get-VisionBatch -Local -Id batch_nolocalrecord42 -ErrorAction Stop } }
        @{ Label = 'a URL given to Add-VisionFile (InvalidImageInput)'; Id = 'InvalidImageInput'; Names = 'https://example.com/a.png'
            Run = { param($b) Add-VisionFile -Image 'https://example.com/a.png' -ErrorAction Stop } }
        @{ Label = 'a request larger than a whole batch file (BatchRequestTooLarge)'; Id = 'BatchRequestTooLarge'; Names = 'jpg_gray_cat_512.jpg'
            Run = { param($b) Start-VisionBatch 'Big.' -Image $Photo -MaxBatchMB 0.01 -ErrorAction Stop } }
    ) {
        # A batch that runs for a while: each request takes 8 s at the endpoint.
        $batch = Start-VisionBatch 'Slow.' -Image $Photo -Model "fault:slow=8000:$([guid]::NewGuid().ToString('N'))" -WarningAction SilentlyContinue
        $caught = Get-CaughtError { & $Run $batch }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $caught.Exception.Message | Should -Be $caught.ErrorDetails.Message
        $expected = if ($Names -eq 'batch') { $batch.Id } else { $Names }
        $caught.Exception.Message | Should -BeLike "*$expected*"
        # Not the internal request id (img-000001) nor .NET's parameter name.
        $caught.Exception.Message | Should -Not -Match "'img-\d+'|\(Parameter '"
        $null = Stop-VisionBatch -Id $batch.Id -ErrorAction SilentlyContinue
    }

    It 'reads, for a request a cancelled batch never ran (BatchRequestNotRun), the file and why' {
        $files = 1..6 | ForEach-Object {
            $copy = Join-Path $Work "photo-$_.gif"
            Copy-Item -LiteralPath (Join-Path $Corpus 'gif_static_smile_48.gif') -Destination $copy
            $copy
        }
        # 10 s a request, 4 at a time at the endpoint: the last two start only 10 s in, time enough for the stop on a
        # loaded machine (with 3 s a slow Stop-VisionBatch could come after all six had started, leaving none not run).
        $batch = $files | Start-VisionBatch 'Slow.' -Model "fault:slow=10000:$([guid]::NewGuid().ToString('N'))" -WarningAction SilentlyContinue
        $null = $batch | Stop-VisionBatch | Wait-VisionBatch -PollSeconds 0.2 -Timeout 120
        $null = $batch | Receive-VisionBatch -ErrorVariable errs -ErrorAction SilentlyContinue
        $notRun = @($errs | Where-Object FullyQualifiedErrorId -like 'BatchRequestNotRun,*')
        $notRun.Count | Should -BeGreaterThan 0
        foreach ($e in $notRun) {
            $e.Exception.Message | Should -Be $e.ErrorDetails.Message
            $e.Exception.Message | Should -BeLike "'$($e.TargetObject)'*$($batch.Id)*"
        }
    }
}

Describe 'Images given, none of them usable' {
    It '<Command> says that nothing was <Done>, as Send-VisionChat and Add-AssistantImage do, and sends nothing' -ForEach @(
        @{ Command = 'Start-VisionBatch'; Route = 'batches'; Arguments = @('Read the total.'); Done = 'submitted' }
        @{ Command = 'Add-VisionFile'; Route = 'files'; Arguments = @(); Done = 'uploaded' }
    ) {
        $headers = @{ Authorization = "Bearer $Key" }
        $before = (Invoke-RestMethod "$($Endpoint.BaseUri)/$Route" -Headers $headers).data.Count
        $missing = Join-Path $Work 'no-such-photo.jpg'
        $out = $missing, $NotAnImage | & $Command @Arguments -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable w 3>$null
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be 2
        ($w -join "`n") | Should -BeLike "None of the images given could be used, so nothing was $Done*"
        (Invoke-RestMethod "$($Endpoint.BaseUri)/$Route" -Headers $headers).data.Count | Should -Be $before
    }

    It '<Command> does not say so when one image was usable' -ForEach @(
        @{ Command = 'Start-VisionBatch'; Arguments = @('Read the total.') }
        @{ Command = 'Add-VisionFile'; Arguments = @() }
    ) {
        $out = $NotAnImage, $Photo | & $Command @Arguments -ErrorAction SilentlyContinue -WarningVariable w 3>$null
        @($out).Count | Should -Be 1
        ($w -join "`n") | Should -Not -BeLike '*None of the images*'
    }
}

Describe 'The Get-VisionImageInfo help example that collects errors with -ErrorVariable' {
    It 'runs as written and prints an error id that its explanation names' {
        $example = (Get-Help Get-VisionImageInfo -Full).examples.example | Where-Object code -like '*-ErrorVariable failed*'
        $example | Should -Not -BeNullOrEmpty
        $folder = Join-Path $Work 'help-example'
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'upload') -Force
        Copy-Item -LiteralPath (Join-Path $Corpus 'jpg_icc_profile_48.jpg') -Destination (Join-Path $folder 'upload/photo[1].jpg')
        Set-Content -LiteralPath (Join-Path $folder 'upload/notes.txt') -Value 'Call the bank on Monday.'
        Push-Location -LiteralPath $folder
        try { $out = @(& ([scriptblock]::Create($example.code))) }
        finally { Pop-Location }
        $info = @($out | Where-Object { $_ -isnot [string] })
        $info.Name | Should -Be 'photo[1].jpg'
        $line = @($out | Where-Object { $_ -is [string] })
        $line.Count | Should -Be 1
        $line[0] | Should -BeLike '*notes.txt: *'
        $id = ($line[0] -split ': ')[-1].Split(',')[0]
        ($example.remarks | Out-String) | Should -Match "\b$id\b"
    }
}

Describe 'Get-VisionBatch after the endpoint changed (batches recorded on two servers)' {
    BeforeEach {
        # Each case on its own batch records, so the batches of other cases are not counted.
        $script:Records = Join-Path $Work "batches-$([guid]::NewGuid().ToString('N'))"
        Set-VisionDefault -BaseUri $Endpoint.BaseUri -BatchPath $Records
    }
    AfterEach {
        Set-VisionDefault -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BatchPath (Join-Path $Work 'batches')
    }

    It 'asks the current endpoint about a batch submitted with another key, leaves it out with one warning, and the help example runs' {
        # The other server has a key of its own: the first server's batches are not asked there with it (the key goes
        # only where it went at submission), so they are asked at the current endpoint, which does not know them.
        $otherKey = 'sk-pester-scripterrors-other-key-never-printed-9d'
        $other = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $otherKey
        try {
            $here = Start-VisionBatch 'Here.' -Image $Photo
            Set-VisionDefault -BaseUri $other.BaseUri -ApiKey (ConvertTo-SecureString $otherKey -AsPlainText -Force)
            $there = Start-VisionBatch 'There.' -Image $Photo
            $null = $there | Wait-VisionBatch -PollSeconds 0.2 -Timeout 60
            $listed = Get-VisionBatch -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue -Verbose 4>&1
            $batches = @($listed | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $errs | Should -BeNullOrEmpty
            $batches.Id | Should -Contain $there.Id
            $batches.Id | Should -Not -Contain $here.Id
            # Not only under -Verbose: one warning, how many and how to see them.
            $w.Count | Should -Be 1
            $first = $Endpoint.BaseUri.AbsoluteUri.TrimEnd('/')
            "$w" | Should -BeLike "*1 batch*-BaseUri $first*"
            # -Verbose names the batch and the endpoint it was recorded for.
            $verbose = $listed | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            $verbose | Should -BeLike "*$($here.Id)*$first*"
            $verbose | Should -Not -BeLike '*-Id) asks that endpoint*'
            # The Receive-VisionBatch help example, as written, after the change of endpoint.
            $example = (Get-Help Receive-VisionBatch -Full).examples.example | Where-Object code -like 'Get-VisionBatch |*'
            $code = $example.code -replace '\s*\|\s*Export-Csv.*$', ''
            $received = & ([scriptblock]::Create($code)) 2>&1 3>$null
            @($received | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
            @($received).Count | Should -Be 1
            # Named by id, it is asked about at the current endpoint too, and not knowing it is an error that says
            # how to ask where it was created.
            Get-VisionBatch -Id $here.Id -ErrorAction SilentlyContinue -ErrorVariable named | Should -BeNullOrEmpty
            $named.Count | Should -Be 1
            "$named" | Should -BeLike "*-BaseUri $first -ApiKey*"
        }
        finally {
            $other.Stop()
        }
    }

    It 'finds a batch recorded for the same server under another name (localhost for 127.0.0.1)' {
        $batch = Start-VisionBatch 'Here.' -Image $Photo
        Set-VisionDefault -BaseUri ($Endpoint.BaseUri.AbsoluteUri -replace '127\.0\.0\.1', 'localhost')
        $found = Get-VisionBatch -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue
        $errs | Should -BeNullOrEmpty
        $w | Should -BeNullOrEmpty
        @($found).Id | Should -Be $batch.Id
    }

    It 'still reports a batch recorded for the current endpoint that the endpoint does not know' {
        $batch = Start-VisionBatch 'Here.' -Image $Photo
        # A record of this endpoint for a batch it never had (its server's state was lost, say).
        $gone = 'batch_gonefromtheserver42'
        (Get-Content -Raw -LiteralPath (Join-Path $Records "$($batch.Id).json")).Replace($batch.Id, $gone) |
            Set-Content -LiteralPath (Join-Path $Records "$gone.json") -NoNewline
        $found = Get-VisionBatch -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable w -WarningAction SilentlyContinue
        @($found).Id | Should -Be $batch.Id
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'BatchRequestFailed,*'
        "$($errs[0])" | Should -BeLike "*$gone*"
        $w | Should -BeNullOrEmpty
    }
}
