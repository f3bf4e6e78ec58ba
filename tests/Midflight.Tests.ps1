# Failures in the middle of a multi-step command, in `pwsh -NonInteractive` against the local endpoint: the third of five
# uploads fails (a route fault that lets the first two pass: 'POST /v1/files' = '500x1@2'). What the user gets back, what
# is left on the service, and whether the error names the file.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-midflight-key-never-printed-7c2e'
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-midflight-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    $script:Images = @('jpg_gray_cat_512.jpg', 'png_wizard_1104x1468_rgba.png', 'gif_static_smile_48.gif', 'bmp_sdl_sample_23x42.bmp', 'd_jpg_444_wood.jpg') |
        ForEach-Object { Join-Path $Corpus $_ }

    # An endpoint whose third upload fails with $Fault (the others pass), set as the session's default, no retries.
    function Start-FailingUploads([string] $Fault = '500x1@2') { Start-FaultyEndpoint @{ 'POST /v1/files' = $Fault } }

    # An endpoint with these route faults, set as the session's default, no retries; -IdTail: how its ids end, by prefix.
    function Start-FaultyEndpoint([hashtable] $RouteFault, [hashtable] $IdTail = @{}) {
        $endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key -RouteFault $RouteFault -IdTail $IdTail
        Set-VisionDefault -Reset -BaseUri $endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
            -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work "batches-$([guid]::NewGuid().ToString('N'))") -MaxRetries 0
        $endpoint
    }

    # The line of a warning that starts with $Command, parsed as PowerShell: the statement's AST (and no parse errors).
    function Get-CommandLine([string] $Warning, [string] $Command) {
        $lines = @($Warning -split '\r?\n' | Where-Object { $_ -like "$Command *" })
        $lines.Count | Should -Be 1 -Because "the warning gives the command on a line of its own: $Warning"
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($lines[0], [ref]$tokens, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $ast.EndBlock.Statements.Count | Should -Be 1 -Because "the line is one command, nothing more: $($lines[0])"
        $ast.EndBlock.Statements[0]
    }

    # The ids of the files stored on the endpoint.
    function Get-StoredFileIds($Endpoint) {
        @((Invoke-RestMethod -Uri "$($Endpoint.BaseUri)/files" -Headers @{ Authorization = "Bearer $Key" }).data | ForEach-Object id | Sort-Object)
    }
}

AfterAll {
    Set-VisionDefault -Reset
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The third of five uploads fails' {
    It '<Command>: the error names the file that failed and why; the other four are <Done>, nothing is left over' -ForEach @(
        @{ Command = 'Add-AssistantImage'; Done = 'attached'; Fault = '500x1@2'; Why = 'HTTP 500' }
        @{ Command = 'Add-AssistantImage'; Done = 'attached'; Fault = '413x1@2'; Why = 'HTTP 413' }
        @{ Command = 'Add-VisionFile'; Done = 'uploaded'; Fault = '500x1@2'; Why = 'HTTP 500' }
    ) {
        $endpoint = Start-FailingUploads $Fault
        try {
            $extra = if ($Command -eq 'Add-AssistantImage') { @{ Prompt = 'Five images.' } } else { @{} }
            $out = @(& $Command -Image $Images @extra -ErrorVariable errs -ErrorAction SilentlyContinue)

            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageUploadFailed,*'
            $errs[0].TargetObject | Should -Be $Images[2]
            # What the user reads (the error view, a catch block's "$_") names the file, not only the server's words.
            "$($errs[0])" | Should -BeLike "*'$($Images[2])'*$Why*"
            "$($errs[0])" | Should -Not -Match 'Exception'
            "$($errs[0])" | Should -Not -BeLike "*$Key*"

            $ids = if ($Command -eq 'Add-AssistantImage') {
                $out.Count | Should -Be 1
                $out[0].ImageSources | Should -Be @($Images[0], $Images[1], $Images[3], $Images[4])
                $out[0].FileIds
            }
            else {
                $out.Count | Should -Be 4
                $out.Id
            }
            # Every file on the service is one the user got back: no orphan.
            @($ids | Sort-Object) | Should -Be (Get-StoredFileIds $endpoint)
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'Add-VisionFile ends before its last upload' {
    # A script that keeps the output ($files = ...) gets nothing back when the run ends part way: the files uploaded
    # before are on the service (billed as storage), and only a warning can tell their ids.
    It 'at -ErrorAction Stop on the third upload: a warning names the two files uploaded before and how to remove them' {
        $endpoint = Start-FailingUploads '500x1@2'
        try {
            $files = $null; $caught = $null
            try { $files = Add-VisionFile -Image $Images -ErrorAction Stop -WarningVariable warned 3>$null } catch { $caught = $_ }

            $caught.FullyQualifiedErrorId | Should -BeLike 'ImageUploadFailed,*'
            $files | Should -BeNullOrEmpty
            $stored = Get-StoredFileIds $endpoint
            $stored.Count | Should -Be 2
            $warning = @($warned | Where-Object { "$_" -like '*Remove-VisionFile*' })
            $warning.Count | Should -Be 1
            foreach ($id in $stored) { "$($warning[0])" | Should -BeLike "*$id*" }
            "$($warning[0])" | Should -BeLike "*$(Split-Path -Leaf $Images[0])*"
            "$($warning[0])" | Should -BeLike "*Remove-VisionFile $($stored -join ', ')*"
            "$($warning[0])" | Should -Not -BeLike "*$Key*"
            # The third upload failed: none was under way at the stop.
            "$($warning[0])" | Should -Not -BeLike '*under way*'
        }
        finally { $endpoint.Stop() }
    }

    It 'at a stop (Ctrl+C) while the third upload stalls: it stops within seconds, and a warning names the two files uploaded before' {
        $endpoint = Start-FailingUploads 'slow=30000x1@2'
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            $null = $shell.AddScript({
                param($manifest, $uri, $key, $images)
                Import-Module $manifest
                Add-VisionFile -Image $images -BaseUri $uri -ApiKey $key -MaxRetries 0
            }).AddArgument((Join-Path $RepoRoot 'VisionPS.psd1')).AddArgument("$($endpoint.BaseUri)").AddArgument($Key).AddArgument($Images)
            $log = [uri]::new($endpoint.BaseUri, '/test/requests')
            $uploads = { @((Invoke-RestMethod -Uri $log) | ForEach-Object { $_ } | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/files' }).Count }
            $running = $shell.BeginInvoke()
            # Stopped once two files are stored and the server has the third upload (it stalls for 30 s there): it is under
            # way. (Two files stored and a 1.5 s pause did not say so on a loaded machine: the third could still be being
            # prepared.)
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            while (((Get-StoredFileIds $endpoint).Count -lt 2 -or (& $uploads) -lt 3) -and -not $running.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            & $uploads | Should -Be 3
            $running.IsCompleted | Should -BeFalse
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15 # never the 30 s the stalled upload takes

            $stored = Get-StoredFileIds $endpoint
            $stored.Count | Should -Be 2
            $warning = @($shell.Streams.Warning | Where-Object { "$_" -like '*Remove-VisionFile*' })
            $warning.Count | Should -Be 1
            "$($warning[0])" | Should -BeLike "*Remove-VisionFile $($stored -join ', ')*"
            # The third upload was under way at the stop: the service may store it too.
            "$($warning[0])" | Should -BeLike '*upload under way*'
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
            $endpoint.Stop()
        }
    }
}

Describe 'Start-VisionBatch ends before its last part' {
    # Part 1 is created (it runs, and is billed); part 2's creation fails under -ErrorAction Stop, so $batches = ... gets
    # nothing: unless the user is told, a second try submits (and pays for) part 1 again.
    It 'at -ErrorAction Stop on part 2: part 1''s record is kept, and a warning names the batch already submitted' {
        $endpoint = Start-FaultyEndpoint @{ 'POST /v1/batches' = '500x1@1' }
        try {
            $batches = $null; $caught = $null
            try { $batches = $Images[0..2] | Start-VisionBatch 'What is it?' -Detail Low -MaxRequestsPerBatch 1 -ErrorAction Stop -WarningVariable warned 3>$null } catch { $caught = $_ }

            $caught.FullyQualifiedErrorId | Should -BeLike 'BatchRequestFailed,*'
            $batches | Should -BeNullOrEmpty
            $submitted = @(Get-VisionBatch -Local)
            $submitted.Count | Should -Be 1
            $submitted[0].Part | Should -Be 1
            $warning = @($warned | Where-Object { "$_" -like "*$($submitted[0].Id)*" })
            $warning.Count | Should -Be 1
            "$($warning[0])" | Should -BeLike '*Receive-VisionBatch*'
            "$($warning[0])" | Should -BeLike "*$(Split-Path -Leaf $Images[0])*"
            # The batch is there to wait for and receive.
            @($submitted[0] | Wait-VisionBatch -PollSeconds 0.2 -Timeout 120 | Receive-VisionBatch).ImageName | Should -Be (Split-Path -Leaf $Images[0])
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'Send-VisionChat -PerImage: the second of three requests fails' {
    It 'its ChatRequestFailed error names the image, as the other two answers go on' {
        $endpoint = Start-FaultyEndpoint @{}
        try {
            $out = @($Images[0..2] | Send-VisionChat 'What is it?' -PerImage -ThrottleLimit 1 -NoCache -Model "fault:500x1@1:$([guid]::NewGuid().ToString('N'))" -ErrorVariable errs -ErrorAction SilentlyContinue 3>$null)

            $out.Count | Should -Be 2
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ChatRequestFailed,*'
            $errs[0].TargetObject | Should -Be $Images[1]
            "$($errs[0])" | Should -BeLike "*'$($Images[1])'*HTTP 500*"
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'Send-VisionChat -PerImage stopped (Ctrl+C) with requests under way' {
    It 'stops within seconds and sends nothing more afterwards (the endpoint''s request log)' {
        $endpoint = Start-FaultyEndpoint @{}
        $log = [uri]::new($endpoint.BaseUri, '/test/requests')
        $chats = { @((Invoke-RestMethod -Uri $log) | ForEach-Object { $_ } | Where-Object path -eq '/v1/chat/completions').Count }
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            $many = 1..16 | ForEach-Object { $Images[$_ % 5] }
            $null = $shell.AddScript({
                param($manifest, $uri, $key, $images, $model)
                Import-Module $manifest
                $images | Send-VisionChat 'What is it?' -PerImage -ThrottleLimit 4 -NoCache -Model $model -BaseUri $uri -ApiKey $key -MaxRetries 0 3>$null
            }).AddArgument((Join-Path $RepoRoot 'VisionPS.psd1')).AddArgument("$($endpoint.BaseUri)").AddArgument($Key).AddArgument($many).AddArgument("fault:slow=5000:$([guid]::NewGuid().ToString('N'))")
            $running = $shell.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            # Stopped once the server has all four requests of the -ThrottleLimit (each held 5 s there): no other is on its
            # way then. (Stopping at two let a third and fourth, sent alongside them, reach the server's log after the
            # count at the stop, on a loaded machine, as if sent after it.)
            while ((& $chats) -lt 4 -and -not $running.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $running.IsCompleted | Should -BeFalse
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
            $atStop = & $chats
            $atStop | Should -BeLessThan 16
            Start-Sleep -Seconds 6 # longer than a request takes (5 s): one still running in the background would show
            & $chats | Should -Be $atStop
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
            $endpoint.Stop()
        }
    }
}

Describe 'A run that the next command ends early (Select-Object -First 1) or that runs to its end' {
    # Select-Object -First 1 stops the commands before it once it has its object: a normal end, not a failure. The user
    # has the object; a warning that offers to remove (or cancel) it would undo what they just got.
    It 'Add-VisionFile | Select-Object -First 1: no warning, and no upload but the one the user got' {
        $endpoint = Start-FaultyEndpoint @{}
        try {
            $first = Add-VisionFile -Image $Images[0..2] -WarningVariable warned 3>$null | Select-Object -First 1

            $first.Id | Should -Not -BeNullOrEmpty
            $warned | Should -BeNullOrEmpty
            Get-StoredFileIds $endpoint | Should -Be @($first.Id)
        }
        finally { $endpoint.Stop() }
    }

    It 'Start-VisionBatch -MaxRequestsPerBatch 1 | Select-Object -First 1: no warning, and no batch but the one the user got' {
        $endpoint = Start-FaultyEndpoint @{}
        try {
            $first = $Images[0..2] | Start-VisionBatch 'What is it?' -Detail Low -MaxRequestsPerBatch 1 -WarningVariable warned 3>$null | Select-Object -First 1

            $first.Id | Should -Not -BeNullOrEmpty
            $warned | Should -BeNullOrEmpty
            @(Get-VisionBatch -Local).Id | Should -Be @($first.Id)
        }
        finally { $endpoint.Stop() }
    }

    It '<Command> run to its end: no warning' -ForEach @(
        @{ Command = 'Add-VisionFile'; Run = { Add-VisionFile -Image $Images[0..1] -WarningVariable w 3>$null; $w } }
        @{ Command = 'Start-VisionBatch'; Run = { $Images[0..1] | Start-VisionBatch 'What is it?' -Detail Low -MaxRequestsPerBatch 1 -WarningVariable w 3>$null; $w } }
    ) {
        $endpoint = Start-FaultyEndpoint @{}
        try {
            $out = @(& $Run)
            @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }) | Should -BeNullOrEmpty
            @($out | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] }).Count | Should -Be 2
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'An id from the service in a command to copy' {
    # A service (or a proxy in front of it) answers an id the module then prints in a command the user pastes: it must
    # stay one argument, never run as code of its own.
    BeforeAll { $script:Tail = "$([char]0x2019)'; Write-Host PWNED #" }

    It 'Add-VisionFile stopped after two uploads: Remove-VisionFile gets exactly the two ids' {
        $endpoint = Start-FaultyEndpoint @{ 'POST /v1/files' = '500x1@2' } -IdTail @{ 'file-' = $Tail }
        try {
            try { $null = Add-VisionFile -Image $Images -ErrorAction Stop -WarningVariable warned 3>$null } catch { }
            $stored = @(Get-StoredFileIds $endpoint)
            $stored.Count | Should -Be 2
            $stored | ForEach-Object { $_ | Should -BeLike "*$Tail" }

            $command = (Get-CommandLine "$(@($warned)[0])" 'Remove-VisionFile').PipelineElements
            $command.Count | Should -Be 1
            @($command[0].CommandElements[1].SafeGetValue()) | Sort-Object | Should -Be $stored
        }
        finally { $endpoint.Stop() }
    }

    It 'Start-VisionBatch stopped after part 1: Wait-VisionBatch gets exactly its id' {
        $endpoint = Start-FaultyEndpoint @{ 'POST /v1/batches' = '500x1@1' } -IdTail @{ 'batch_' = $Tail }
        try {
            try { $null = $Images[0..2] | Start-VisionBatch 'What is it?' -Detail Low -MaxRequestsPerBatch 1 -ErrorAction Stop -WarningVariable warned 3>$null } catch { }
            $submitted = @((Invoke-RestMethod -Uri "$($endpoint.BaseUri)/batches" -Headers @{ Authorization = "Bearer $Key" }).data.id)
            $submitted.Count | Should -Be 1
            $submitted[0] | Should -BeLike "*$Tail"

            $pipeline = (Get-CommandLine "$(@($warned)[0])" 'Wait-VisionBatch').PipelineElements
            $pipeline.Count | Should -Be 2
            $pipeline[1].GetCommandName() | Should -Be 'Receive-VisionBatch'
            $pipeline[0].CommandElements[1].SafeGetValue() | Should -Be $submitted[0]
        }
        finally { $endpoint.Stop() }
    }

    It 'Add-AssistantImage stopped, its uploads not deleted: Remove-VisionFile gets exactly the two ids' {
        $endpoint = Start-FaultyEndpoint @{ 'POST /v1/files' = '500x1@2'; 'DELETE /v1/files/{id}' = '500' } -IdTail @{ 'file-' = $Tail }
        try {
            try { $null = Add-AssistantImage -Image $Images -Prompt 'Five images.' -ErrorAction Stop -WarningVariable warned 3>$null } catch { }
            $stored = @(Get-StoredFileIds $endpoint)
            $stored.Count | Should -Be 2

            $line = "$(@($warned)[0])" -replace '^.*remove them with: ', ''
            $command = (Get-CommandLine $line 'Remove-VisionFile').PipelineElements
            $command.Count | Should -Be 1
            @($command[0].CommandElements[1].SafeGetValue()) | Sort-Object | Should -Be $stored
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'Start-VisionBatch whose record cannot be written' {
    It 'at -ErrorAction Stop: the warning gives the batch id and does not say it is recorded' {
        $endpoint = Start-FaultyEndpoint @{}
        try {
            $blocker = Join-Path $Work "not-a-folder-$([guid]::NewGuid().ToString('N'))"
            Set-Content -LiteralPath $blocker -Value 'a file where the records folder would be'
            Set-VisionDefault -BatchPath (Join-Path $blocker 'batches')
            $caught = $null
            try { $null = $Images[0..2] | Start-VisionBatch 'What is it?' -Detail Low -MaxRequestsPerBatch 1 -ErrorAction Stop -WarningVariable warned 3>$null } catch { $caught = $_ }

            $caught.FullyQualifiedErrorId | Should -BeLike 'BatchRecordFailed,*'
            $id = $caught.TargetObject
            $warning = @($warned | Where-Object { "$_" -like "*$id*" })
            $warning.Count | Should -Be 1
            "$($warning[0])" | Should -Not -BeLike '*are recorded*'
            "$($warning[0])" | Should -BeLike '*not recorded*'
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'Send-VisionChat -PerImage -ErrorAction Stop: a second request fails as well' {
    It 'its warning names the image once' {
        $endpoint = Start-FaultyEndpoint @{}
        try {
            $caught = $null
            # Each fails after 6 s: the second is sent before the first fails (1.5 s was not always enough on a loaded
            # machine to prepare the 1104x1468 PNG; then it was never sent, and nothing failed as well).
            try { $null = $Images[0..1] | Send-VisionChat 'What is it?' -PerImage -ThrottleLimit 2 -NoCache -Model "fault:slow=6000+500x2:$([guid]::NewGuid().ToString('N'))" -ErrorAction Stop -WarningVariable warned 3>$null } catch { $caught = $_ }

            $caught.FullyQualifiedErrorId | Should -BeLike 'ChatRequestFailed,*'
            $other = @($Images[0..1] | Where-Object { $_ -ne $caught.TargetObject })[0]
            $warning = @($warned | Where-Object { "$_" -like '*failed as well*' })
            $warning.Count | Should -Be 1
            ([regex]::Matches("$($warning[0])", [regex]::Escape($other))).Count | Should -Be 1
        }
        finally { $endpoint.Stop() }
    }
}

Describe 'Add-AssistantImage -ErrorAction Stop: the third of five uploads fails' {
    It 'the error says the run stops with no message added, not that the image is left out of one' {
        $endpoint = Start-FailingUploads '500x1@2'
        try {
            $caught = $null
            try { $null = Add-AssistantImage -Image $Images -Prompt 'Five images.' -ErrorAction Stop 3>$null } catch { $caught = $_ }

            $caught.FullyQualifiedErrorId | Should -BeLike 'ImageUploadFailed,*'
            "$caught" | Should -Not -BeLike '*left out of the message*'
            "$caught" | Should -BeLike '*no message is added*'
            Get-StoredFileIds $endpoint | Should -BeNullOrEmpty
        }
        finally { $endpoint.Stop() }
    }
}
