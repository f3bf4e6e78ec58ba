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

    # An endpoint with these route faults, set as the session's default, no retries.
    function Start-FaultyEndpoint([hashtable] $RouteFault) {
        $endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key -RouteFault $RouteFault
        Set-VisionDefault -Reset -BaseUri $endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
            -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 0
        $endpoint
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
            $running = $shell.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            while ((Get-StoredFileIds $endpoint).Count -lt 2 -and -not $running.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 1500 # the third upload is under way (it stalls for 30 s)
            $running.IsCompleted | Should -BeFalse
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15 # never the 30 s the stalled upload takes

            $stored = Get-StoredFileIds $endpoint
            $stored.Count | Should -Be 2
            $warning = @($shell.Streams.Warning | Where-Object { "$_" -like '*Remove-VisionFile*' })
            $warning.Count | Should -Be 1
            "$($warning[0])" | Should -BeLike "*Remove-VisionFile $($stored -join ', ')*"
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
            while ((& $chats) -lt 2 -and -not $running.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
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
