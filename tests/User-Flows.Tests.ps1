# User flows as a demanding PowerShell user runs them, in `pwsh -NonInteractive` against the local endpoint:
# parameters a script types the way PowerShell invites (bare numbers, provider paths), and what the module makes of them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-userflows-key-never-printed-3e8c'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-userflows-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
        -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    $script:Photo = Get-Item -LiteralPath (Join-Path $Corpus 'jpg_gray_cat_512.jpg')
    $script:Icon = Get-Item -LiteralPath (Join-Path $Corpus 'gif_static_smile_48.gif')

    # A fresh `pwsh -NonInteractive` whose saved settings are $Config/settings.json holding $Settings as it is (cut or
    # hand-edited): it imports the module and runs $Script. Returns everything it wrote, warnings and errors too.
    function script:Invoke-WithSavedSettings([string] $Config, [string] $Settings, [string] $Script) {
        $null = New-Item -ItemType Directory -Path $Config -Force
        Set-Content -LiteralPath (Join-Path $Config 'settings.json') -Value $Settings
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $prologue = "`$env:VISIONPS_CONFIG = '$Config'; Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'; "
        & $pwsh -NoProfile -NonInteractive -Command ($prologue + $Script) 2>&1 | Out-String
    }
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Set-Location -LiteralPath ([System.IO.Path]::GetTempPath())
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Time spans typed as bare numbers (PowerShell converts 30 to 30 ticks, 3 microseconds)' {
    It 'Clear-VisionCache -UnusedFor 30 is refused, saying how to write 30 days, and keeps every cached answer' {
        $null = Send-VisionChat 'Keep me.' -Image $Photo.FullName, $Icon.FullName -PerImage
        $before = (Get-VisionCache).Entries
        $before | Should -BeGreaterThan 0
        $err = $null
        try { Clear-VisionCache -UnusedFor 30 -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $err.Exception.Message | Should -Match 'ticks'
        $err.Exception.Message | Should -Match ([regex]::Escape('New-TimeSpan -Days'))
        (Get-VisionCache).Entries | Should -Be $before
        # A real time span still works.
        Clear-VisionCache -UnusedFor (New-TimeSpan -Days 1) -Confirm:$false -PassThru | Should -Be 0
    }

    It 'Set-VisionDefault -CacheExpiry 86400 (seconds meant) is refused instead of making every answer expire at once' {
        $err = $null
        try { Set-VisionDefault -CacheExpiry 86400 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $err.Exception.Message | Should -Match 'ticks'
        (Get-VisionDefault).CacheExpiry | Should -BeNullOrEmpty
        (Set-VisionDefault -CacheExpiry '2.00:00:00' -PassThru).CacheExpiry | Should -Be ([TimeSpan]::FromDays(2))
        Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey $Key -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    }

    It '<Command> -ExpiresAfter outside the Files API''s 1 hour to 30 days is a parameter error in words, before anything is uploaded' -ForEach @(
        @{ Command = 'Add-VisionFile'; Script = { param($p, $e) Add-VisionFile -Image $p -ExpiresAfter $e -ErrorAction Stop } }
        @{ Command = 'Add-AssistantImage'; Script = { param($p, $e) Add-AssistantImage -Image $p -Prompt 'x' -ExpiresAfter $e -ErrorAction Stop } }
    ) {
        foreach ($bad in @(3600, (New-TimeSpan -Minutes 30), (New-TimeSpan -Days 31))) {
            $err = $null
            try { & $Script $Icon.FullName $bad } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*' -Because "$bad"
            $err.Exception.Message | Should -Match '1 hour and 30 days'
            $err.Exception.Message | Should -Not -Match 'Actual value was|\(Parameter '
        }
        (Invoke-RestMethod "$($Endpoint.BaseUri)/files" -Headers @{ Authorization = "Bearer $Key" }).data.Count | Should -Be 0
    }
}

Describe 'Paths on a PowerShell drive that is not the file system (Env:, Function:)' {
    BeforeAll {
        # The process's own directory and the PowerShell location differ, as after any Set-Location.
        $script:ProcessDir = Join-Path $Work 'process-dir'
        $script:PsDir = Join-Path $Work 'ps-location'
        $null = New-Item -ItemType Directory -Path $ProcessDir, $PsDir
        $script:OldProcessDir = [Environment]::CurrentDirectory
        [Environment]::CurrentDirectory = $ProcessDir
        Push-Location -LiteralPath $PsDir
    }

    AfterAll {
        Pop-Location
        [Environment]::CurrentDirectory = $OldProcessDir
    }

    It 'Export-VisionImage to Env:/x.gif is an ImageExportFailed error naming the drive, and writes no file anywhere' {
        $out = ConvertTo-VisionImage -LiteralPath $Icon.FullName | Export-VisionImage -Path 'Env:/x.gif' -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageExportFailed,*'
        "$($errs[0])" | Should -Match ([regex]::Escape("'Env:/x.gif'"))
        "$($errs[0])" | Should -Match 'file system'
        Get-ChildItem -LiteralPath $ProcessDir, $PsDir -Recurse | Should -BeNullOrEmpty
    }

    It 'VisionImage.Save(''Function:/y.gif'') throws saying it is not a file-system path, and writes no file anywhere' {
        $image = ConvertTo-VisionImage -LiteralPath $Icon.FullName
        { $image.Save('Function:/y.gif') } | Should -Throw -ExpectedMessage '*Function:/y.gif*file system*'
        Get-ChildItem -LiteralPath $ProcessDir, $PsDir -Recurse | Should -BeNullOrEmpty
    }

    It 'Set-VisionDefault -<Parameter> Env:/visionps is an InvalidFolderSetting error, and the setting is unchanged' -ForEach @(
        @{ Parameter = 'CachePath' }, @{ Parameter = 'BatchPath' }
    ) {
        $before = (Get-VisionDefault).$Parameter
        $err = $null
        try { $p = @{ $Parameter = 'Env:/visionps' }; Set-VisionDefault @p -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidFolderSetting,*'
        "$err" | Should -Match 'file system'
        (Get-VisionDefault).$Parameter | Should -Be $before
    }

    It 'Set-VisionDefault -<Parameter> naming a file (not a folder) is an InvalidFolderSetting error naming it, and the setting is unchanged' -ForEach @(
        @{ Parameter = 'CachePath' }, @{ Parameter = 'BatchPath' }
    ) {
        # Taken, every -PerImage run then warned that the cache cannot be written, and Get-VisionCache showed 0 answers "in" the file.
        $file = Join-Path $Work "notes-$Parameter.txt"
        Set-Content -LiteralPath $file -Value 'not a folder'
        $before = (Get-VisionDefault).$Parameter
        $err = $null
        try { $p = @{ $Parameter = $file }; Set-VisionDefault @p -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidFolderSetting,*'
        "$err" | Should -Match ([regex]::Escape($file))
        "$err" | Should -Match 'is a file'
        (Get-VisionDefault).$Parameter | Should -Be $before
        Get-Content -LiteralPath $file | Should -Be 'not a folder'
    }

    It 'Set-VisionDefault -<Parameter> naming a link to a folder that does not exist says so (not "is a file"), and the setting is unchanged' -ForEach @(
        @{ Parameter = 'CachePath' }, @{ Parameter = 'BatchPath' }
    ) {
        # A dangling link was refused as "is a file": the user looked for a file and found none.
        $target = Join-Path $Work "gone-$Parameter"
        $link = Join-Path $Work "link-$Parameter"
        $null = [System.IO.File]::CreateSymbolicLink($link, $target)
        $before = (Get-VisionDefault).$Parameter
        $err = $null
        try { $p = @{ $Parameter = $link }; Set-VisionDefault @p -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidFolderSetting,*'
        "$err" | Should -Match "'$([regex]::Escape($link))' is a link to '$([regex]::Escape($target))', which does not exist"
        "$err" | Should -Not -Match 'is a file'
        (Get-VisionDefault).$Parameter | Should -Be $before
    }
}

Describe 'A -JsonSchema that is JSON but not an object' {
    It '<Command> -JsonSchema <Label> is InvalidJsonSchema in words, and nothing is sent' -ForEach @(
        @{ Command = 'Send-VisionChat'; Label = '5'; Schema = 5 }
        @{ Command = 'Send-VisionChat'; Label = '@(1, 2)'; Schema = @(1, 2) }
        @{ Command = 'Send-VisionChat'; Label = 'a JSON string'; Schema = '"total"' }
        @{ Command = 'Start-VisionBatch'; Label = '5'; Schema = 5 }
    ) {
        $err = $null
        # The fault model fails any request that reaches the endpoint: an error other than the schema's means something was sent.
        try { & $Command 'Read the total.' -Image $Icon.FullName -JsonSchema $Schema -Model 'fault:500:schema' -MaxRetries 0 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidJsonSchema,*'
        "$err" | Should -Match 'must be a JSON object'
        "$err" | Should -Not -Match '\(Parameter '
    }
}

Describe 'A batch record that cannot be read (a disk error, an editor, a sync tool)' {
    It 'Get-VisionBatch still lists the batch and warns naming the record file; Receive-VisionBatch says the record is unreadable, not missing' {
        $batch = Start-VisionBatch 'Caption.' -Image $Icon.FullName | Wait-VisionBatch
        $record = Join-Path (Get-VisionDefault).BatchPath "$($batch.Id).json"
        Test-Path -LiteralPath $record | Should -BeTrue
        Set-Content -LiteralPath $record -Value '{"BatchId": "broken'

        $listed = Get-VisionBatch -WarningVariable w 3>$null
        $listed.Id | Should -Contain $batch.Id
        ($listed | Where-Object Id -eq $batch.Id).Status | Should -Be 'completed'
        ($w -join "`n") | Should -Match ([regex]::Escape($record))
        ($w -join "`n") | Should -Match 'cannot be read'

        $null = Get-VisionBatch -Local -WarningVariable wl 3>$null
        ($wl -join "`n") | Should -Match ([regex]::Escape($record))

        $answers = Receive-VisionBatch -Id $batch.Id -WarningVariable wr 3>$null
        @($answers).Count | Should -Be 1
        ($wr -join "`n") | Should -Match ([regex]::Escape($record))
        ($wr -join "`n") | Should -Match 'cannot be read'
        ($wr -join "`n") | Should -Not -Match 'No local record'
    }
}

Describe 'Default views in an 80-column console' {
    It 'Add-VisionFile -ExpiresAfter shows one line per uploaded file, with its name and when it expires' {
        $files = Add-VisionFile -Image $Photo.FullName, $Icon.FullName -ExpiresAfter (New-TimeSpan -Days 1)
        try {
            $lines = ($files | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() }
            $lines.Count | Should -Be 4 -Because ($lines -join "`n")
            $expires = $files[0].ExpiresAt.LocalDateTime.ToString('yyyy-MM-dd HH:mm')
            $lines[2] | Should -Match "^$($files[0].Id) .*$expires .*$([regex]::Escape($Photo.Name))"
            $lines[3] | Should -Match ([regex]::Escape($Icon.Name))
        }
        finally {
            $files | Remove-VisionFile -Confirm:$false
        }
    }
}

Describe 'An API key read from a file or a variable with a line break' {
    BeforeAll {
        $script:OldEnvKey = $env:OPENAI_API_KEY
    }

    AfterAll {
        $env:OPENAI_API_KEY = $OldEnvKey
        Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey $Key -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    }

    It 'a key file read with Get-Content -Raw (its last line break included) is used as the key, by -ApiKey and Set-VisionDefault' {
        $file = Join-Path $Work 'key.txt'
        Set-Content -LiteralPath $file -Value $Key
        $k = Get-Content -LiteralPath $file -Raw
        $k | Should -Match "`n$"
        (Send-VisionChat 'Describe.' -Image $Icon.FullName -ApiKey $k -NoCache -MaxRetries 0).FinishReason | Should -Be 'stop'
        Set-VisionDefault -ApiKey $k
        (Send-VisionChat 'Describe.' -Image $Icon.FullName -NoCache -MaxRetries 0).FinishReason | Should -Be 'stop'
    }

    It 'OPENAI_API_KEY ending in a line break is used as the key' {
        Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 0
        $env:OPENAI_API_KEY = "$Key`r`n"
        (Send-VisionChat 'Describe.' -Image $Icon.FullName -NoCache).FinishReason | Should -Be 'stop'
    }

    It 'a key with a line break inside it (two lines pasted) is an InvalidApiKey error that does not show the key, and no header is sent with it' {
        $err = $null
        try { Send-VisionChat 'Describe.' -Image $Icon.FullName -ApiKey "$Key`r`nX-Injected: yes" -NoCache -MaxRetries 0 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidApiKey,*'
        "$err" | Should -Match 'line break'
        "$err" | Should -Match '-ApiKey'
        ($err | Out-String) + ($err.Exception | Out-String) + "$($err.TargetObject)" | Should -Not -Match ([regex]::Escape($Key))
    }
}

Describe 'A pipe that brings no image (Get-ChildItem found no files)' {
    It '<Command> sends nothing and says so, as Send-VisionChat and Add-AssistantImage do' -ForEach @(
        @{ Command = 'Start-VisionBatch'; Route = 'batches'; Arguments = @('Read the total.') }
        @{ Command = 'Add-VisionFile'; Route = 'files'; Arguments = @() }
    ) {
        $empty = Join-Path $Work "empty-$Command"
        $null = New-Item -ItemType Directory -Path $empty
        $headers = @{ Authorization = "Bearer $Key" }
        $before = (Invoke-RestMethod "$($Endpoint.BaseUri)/$Route" -Headers $headers).data.Count
        $out = Get-ChildItem -LiteralPath $empty -Filter '*.jpg' -File | & $Command @Arguments -WarningVariable w 3>$null
        $out | Should -BeNullOrEmpty
        ($w -join "`n") | Should -Match 'No image came down the pipeline'
        (Invoke-RestMethod "$($Endpoint.BaseUri)/$Route" -Headers $headers).data.Count | Should -Be $before
    }
}

Describe 'Send-VisionChat -PerImage -WhatIf over many images' {
    It 'describes each request naming its image, in the order the images were given' {
        # A large photo first: it takes longest to prepare, so the small ones are ready before it.
        $names = 'jpg_elephants_5640x3172_prog.jpg', 'gif_static_smile_48.gif', 'jpg_gray_cat_512.jpg', 'jpg_icc_profile_48.jpg', 'png_debian_logo_256_palette_trns.png'
        $paths = $names | ForEach-Object { Join-Path $Corpus $_ }
        $list = ($paths | ForEach-Object { "'$_'" }) -join ', '
        # What if: goes to the host, so a child pwsh shows it as a user sees it.
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $said = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'; $list | Send-VisionChat 'Describe.' -PerImage -WhatIf" 2>&1 | Out-String
        $targets = [regex]::Matches($said, 'image, ~\d+ image tokens estimated \(([^)]*)\):') | ForEach-Object { $_.Groups[1].Value }
        $targets | Should -Be $paths -Because $said.Substring(0, [Math]::Min(400, $said.Length))
    }
}

Describe 'Tab completion of batch ids' {
    It '<Command> -Id <Tab> offers the recorded batch ids, newest first, not file names' -ForEach @(
        @{ Command = 'Get-VisionBatch' }, @{ Command = 'Wait-VisionBatch' }, @{ Command = 'Receive-VisionBatch' }, @{ Command = 'Stop-VisionBatch' }
    ) {
        $older = Start-VisionBatch 'Older.' -Image $Icon.FullName
        $newer = Start-VisionBatch 'Newer.' -Image $Icon.FullName
        Push-Location -LiteralPath $Corpus # a folder of files the file-name completion would offer
        try {
            $line = "$Command -Id "
            $all = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            $all.CompletionText | Should -Contain $older.Id
            $all.CompletionText | Should -Not -Contain './jpg_gray_cat_512.jpg'
            [array]::IndexOf([string[]]$all.CompletionText, $newer.Id) | Should -BeLessThan ([array]::IndexOf([string[]]$all.CompletionText, $older.Id))
            $all[0].ToolTip | Should -Match 'Newer\.'
            $line = "$Command $($older.Id.Substring(0, $older.Id.Length - 3))"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @($older.Id)
        }
        finally {
            Pop-Location
        }
    }
}

Describe 'Export-VisionImage into a folder that does not exist' {
    It 'names the missing folder and how to create it, for <Label>' -ForEach @(
        @{ Label = 'a folder path ending in a separator'; Relative = 'no-such-folder/' }
        @{ Label = 'a file in a missing folder'; Relative = 'no-such-folder/icon.gif' }
    ) {
        Push-Location -LiteralPath $Work
        try {
            $out = ConvertTo-VisionImage -LiteralPath $Icon.FullName | Export-VisionImage -Path $Relative -ErrorVariable errs -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageExportFailed,*'
            "$($errs[0])" | Should -Match ([regex]::Escape("folder '$(Join-Path $Work 'no-such-folder')' does not exist"))
            "$($errs[0])" | Should -Match 'New-Item -ItemType Directory'
            "$($errs[0])" | Should -Not -Match 'Access to the path|Could not find a part'
        }
        finally {
            Pop-Location
        }
    }
}

Describe 'A file: URI given as text (a file manager''s "copy location")' {
    It '<Command> reads the file it names, as it does a [uri]' -ForEach @(
        @{ Command = 'Get-VisionImageInfo'; Script = { param($u) (Get-VisionImageInfo $u -ErrorAction Stop).Path } }
        @{ Command = 'ConvertTo-VisionImage'; Script = { param($u) (ConvertTo-VisionImage $u -ErrorAction Stop).Path } }
        @{ Command = 'Send-VisionChat'; Script = { param($u) (Send-VisionChat 'Describe.' -Image $u -ErrorAction Stop).ImagePath } }
    ) {
        $spaced = Join-Path $Work 'photo with space [1].jpg'
        Copy-Item -LiteralPath $Photo.FullName -Destination $spaced -Force
        $uri = [System.Uri]::new($spaced).AbsoluteUri
        $uri | Should -Match '^file:///.*%20'
        & $Script $uri | Should -Be $spaced
    }
}

Describe 'A malformed OPENAI_BASE_URL where a -BaseUri or session default overrides it' {
    BeforeAll {
        $script:OldBase = $env:OPENAI_BASE_URL
        $script:Recorded = Start-VisionBatch 'Recorded.' -Image $Icon.FullName
        $env:OPENAI_BASE_URL = 'localhost:11434/v1' # no scheme
    }

    AfterAll {
        $env:OPENAI_BASE_URL = $OldBase
        Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey $Key -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    }

    It 'is not read when the session default (Set-VisionDefault -BaseUri) or -BaseUri says where to go' {
        (Send-VisionChat 'Describe.' -Image $Icon.FullName -NoCache -ErrorAction Stop).FinishReason | Should -Be 'stop'
        (Send-VisionChat 'Describe.' -Image $Icon.FullName -NoCache -BaseUri $Endpoint.BaseUri -ErrorAction Stop).FinishReason | Should -Be 'stop'
        $null = Get-VisionBatch -ErrorAction Stop
    }

    It 'Get-VisionBatch -Local reads the local records without needing any endpoint' {
        Set-VisionDefault -Reset -ApiKey $Key -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches')
        (Get-VisionBatch -Local -ErrorAction Stop).Id | Should -Contain $Recorded.Id
    }

    It 'is an InvalidBaseUri error naming OPENAI_BASE_URL when it is the endpoint used' {
        Set-VisionDefault -Reset -ApiKey $Key -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches')
        $err = $null
        try { Send-VisionChat 'Describe.' -Image $Icon.FullName -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
        "$err" | Should -Match 'OPENAI_BASE_URL'
    }
}

Describe 'Saved settings that cannot be read (settings.json cut or hand-edited)' {
    It 'the first VisionPS command of the session warns that they are ignored, naming the file and the problem in words; later ones do not repeat it' {
        $config = Join-Path $Work 'broken-config'
        # A saved endpoint the user relies on (a local server); the file is cut short, so it cannot be read.
        $said = (Invoke-WithSavedSettings $config '{ "BaseUri": "http://127.0.0.1:11434/v1", "Model": "llava"' (
            "'first:'; Get-VisionImageInfo -LiteralPath '$($Icon.FullName)' 3>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.WarningRecord]) { 'WARNING: ' + `$_.Message } }; " +
            "'second:'; ConvertTo-VisionImage -LiteralPath '$($Icon.FullName)' 3>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.WarningRecord]) { 'WARNING: ' + `$_.Message } }"
        )) -split "`r?`n" | Where-Object { $_ }
        $first = $said[($said.IndexOf('first:') + 1)..($said.IndexOf('second:') - 1)] -join "`n"
        $first | Should -Match ([regex]::Escape((Join-Path $config 'settings.json')))
        $first | Should -Match 'not valid JSON'
        $first | Should -Match 'ignored'
        $first | Should -Not -Match 'BytePositionInLine|LineNumber: 0'
        $said[($said.IndexOf('second:') + 1)..($said.Count - 1)] -join "`n" | Should -Not -Match 'settings'
    }
}

Describe 'An output object given by position where its id or path goes (Wait-VisionBatch $batch)' {
    It 'a batch, a file, a conversation message or an image info given by position binds its Id, ConversationId or Path' {
        $batch = Start-VisionBatch 'Objects by position.' -Image $Icon.FullName
        $done = Wait-VisionBatch $batch -PollSeconds 0.1 -Timeout 60 -ErrorAction Stop
        $done.Id | Should -Be $batch.Id
        (Get-VisionBatch $batch -ErrorAction Stop).Id | Should -Be $batch.Id
        @(Receive-VisionBatch $batch -ErrorAction Stop).Count | Should -Be 1

        $file = Add-VisionFile $Icon.FullName
        Remove-VisionFile $file -Confirm:$false -ErrorAction Stop
        $headers = @{ Authorization = "Bearer $Key" }
        (Invoke-RestMethod "$($Endpoint.BaseUri)/files" -Headers $headers).data.id | Should -Not -Contain $file.Id

        $msg = Add-AssistantImage $Icon.FullName
        (Send-VisionChat 'And now?' -ConversationId $msg -ErrorAction Stop).ConversationId | Should -Be $msg.ConversationId
        (Add-AssistantImage $Icon.FullName $msg -ErrorAction Stop).ConversationId | Should -Be $msg.ConversationId

        $info = Get-VisionImageInfo $Icon.FullName
        (ConvertTo-VisionImage $info -ErrorAction Stop).Path | Should -Be $Icon.FullName
        (Get-VisionImageInfo $info -ErrorAction Stop).Path | Should -Be $Icon.FullName
        (Get-VisionImageInfo ([pscustomobject]@{ FullName = $Icon.FullName }) -ErrorAction Stop).Path | Should -Be $Icon.FullName
    }
    It 'a batch id that is no id is refused in words, not with a regular expression' {
        foreach ($command in 'Get-VisionBatch', 'Wait-VisionBatch', 'Receive-VisionBatch', 'Stop-VisionBatch') {
            $err = $null
            try { & $command -Id 'my batch' -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            "$err" | Should -Match "'my batch' is not a batch id"
            "$err" | Should -Not -Match '\^\['
        }
    }
    It 'a file name with wildcard characters, given through an object, is taken literally' {
        $odd = Join-Path $Work 'odd[1].gif'
        Copy-Item -LiteralPath $Icon.FullName -Destination $odd
        (ConvertTo-VisionImage ([pscustomobject]@{ LiteralPath = $odd }) -ErrorAction Stop).Path | Should -Be $odd
        (Get-VisionImageInfo (Get-VisionImageInfo -LiteralPath $odd) -ErrorAction Stop).Path | Should -Be $odd
        (Get-Item -LiteralPath $odd | Get-VisionImageInfo -ErrorAction Stop).Path | Should -Be $odd
    }
}

Describe 'An Add-AssistantImage message piped to Send-VisionChat ($msg | Send-VisionChat ...)' {
    It 'is an InvalidImageInput error that says how to continue the conversation, in plain English' {
        $msg = Add-AssistantImage $Icon.FullName
        $null = $msg | Send-VisionChat 'And now?' -ErrorVariable bad -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImageInput,*'
        "$($bad[0])" | Should -Match ([regex]::Escape('-ConversationId $msg.ConversationId'))
        "$($bad[0])" | Should -Not -Match 'a AssistantMessage'
        # Any other object still gets the list of what an image can be, with the right article.
        $null = [System.Collections.ArrayList]::new() | Send-VisionChat 'x' -ErrorVariable other -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $null = [pscustomobject]@{ Id = 1 } | Send-VisionChat 'x' -ErrorVariable other -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        "$($other[0])" | Should -Match '^Cannot use a PSCustomObject as an image'
    }
}

Describe 'Set-VisionDefault -Reset -Save on settings that cannot be read (the fix the warning itself advises)' {
    It 'deletes the file without first warning about it, and later commands do not warn about the deleted file either' {
        $config = Join-Path $Work 'broken-config-reset'
        $said = Invoke-WithSavedSettings $config '{ "Model": "llava"' (
            "Set-VisionDefault -Reset -Save 3>&1 | ForEach-Object { 'WARNING: ' + `$_ }; " +
            "`$null = Get-VisionImageInfo -LiteralPath '$($Icon.FullName)' 3>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.WarningRecord]) { 'WARNING: ' + `$_.Message } }; 'done'")
        $said | Should -Match 'done'
        $said | Should -Not -Match 'WARNING'
        Test-Path -LiteralPath (Join-Path $config 'settings.json') | Should -BeFalse
    }
}

Describe 'Add-AssistantImage photo.jpg (the image given first, without a name)' {
    It 'binds the photo to -Image and uploads it; a conversation id still binds by position after the images or beside a named -Image' {
        $headers = @{ Authorization = "Bearer $Key" }
        $before = (Invoke-RestMethod "$($Endpoint.BaseUri)/files" -Headers $headers).data.Count
        $m = Add-AssistantImage $Icon.FullName -Prompt 'This icon.' -ErrorAction Stop
        $m.ConversationId | Should -Match '^conv_'
        $m.FileIds.Count | Should -Be 1
        (Invoke-RestMethod "$($Endpoint.BaseUri)/files" -Headers $headers).data.Count | Should -Be ($before + 1)
        # A FileInfo given by position binds the same way.
        (Add-AssistantImage $Icon $m.ConversationId -ErrorAction Stop).ConversationId | Should -Be $m.ConversationId
        # The conversation given first by position, the image by name, as before.
        (Add-AssistantImage $m.ConversationId -Image $Icon.FullName -ErrorAction Stop).ConversationId | Should -Be $m.ConversationId
    }
    It 'two images given without a comma: a parameter error that says to separate them with commas, not a regular expression' {
        $err = $null
        try { Add-AssistantImage $Icon.FullName $Photo.FullName -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        "$err" | Should -Match ([regex]::Escape("'$($Photo.FullName)' is not a conversation id (conv_...)"))
        "$err" | Should -Match 'commas'
        "$err" | Should -Not -Match '\^\('
    }
}

Describe 'Add-AssistantImage help: the conversation given first or second, as its examples show' {
    It 'the example that continues a conversation by position runs as its help says, all in one conversation' {
        $example = @((Get-Help Add-AssistantImage -Examples).examples.example | Where-Object { $_.code -match '\$msg\.ConversationId -Prompt' })
        $example.Count | Should -Be 1
        ($example[0].remarks.Text -join ' ') | Should -Match 'first'
        $code = $example[0].code -replace 'receipt-back\.jpg', "'$($Photo.FullName)'" -replace 'receipt\.jpg', "'$($Icon.FullName)'"
        $out = @(& ([scriptblock]::Create($code + "`n`$msg")) -ErrorAction Stop)
        $out.Count | Should -Be 3
        @($out.ConversationId | Sort-Object -Unique).Count | Should -Be 1
        ($out | ForEach-Object { $_.FileIds.Count }) -join ',' | Should -Be '0,1,1'
    }
}
