# Issue 16: VisionPS as a good PowerShell citizen, run as scripts run it (tests/run.sh runs Pester in
# `pwsh -NonInteractive`, where any prompt is an error).
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-citizen-key-never-printed-7d21'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-citizen-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
        -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    $script:Photo = Get-Item -LiteralPath (Join-Path $Corpus 'jpg_gray_cat_512.jpg')
    $script:Photos = Get-ChildItem -LiteralPath $Corpus -Filter 'jpg_*.jpg' -File | Select-Object -First 3
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Set-Location -LiteralPath ([System.IO.Path]::GetTempPath())
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-Debug in a non-interactive script shows and never asks' {
    It 'runs in a non-interactive PowerShell (the premise of these tests)' {
        [Environment]::GetCommandLineArgs() -contains '-NonInteractive' | Should -BeTrue -Because 'tests/run.sh starts Pester with pwsh -NonInteractive'
    }

    It 'ConvertTo-VisionImage -Debug writes its verbose lines and its image' {
        $out = ConvertTo-VisionImage -LiteralPath $Photo.FullName -Debug 4>&1 5>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'jpg_gray_cat_512\.jpg: '
        @($out | Where-Object { $_ -is [VisionPS.VisionImage] }).Count | Should -Be 1
    }

    It 'Send-VisionChat -Debug writes the request as debug and answers' {
        $out = Send-VisionChat 'Describe.' -Image $Photo.FullName -NoCache -Debug 4>&1 5>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message | Should -Match 'Chat request to'
        @($out | Where-Object { $_ -is [VisionPS.ChatResult] }).Count | Should -Be 1
    }

    It 'Send-VisionChat -Debug with a model VisionPS has no rules for warns and answers (the warning does not ask)' {
        $model = "visionps-unknown-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $out = Send-VisionChat 'Describe.' -Image $Photo.FullName -Model $model -NoCache -Debug 3>&1 4>&1 5>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message -join "`n" | Should -Match "no vision rules for model '$model'"
        @($out | Where-Object { $_ -is [VisionPS.ChatResult] }).Count | Should -Be 1
    }

    It 'Get-VisionImageInfo -Debug with an unknown model warns without asking, and -WarningAction still applies' {
        $model = "visionps-unknown-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $out = Get-VisionImageInfo -LiteralPath $Photo.FullName -Model $model -Debug 3>&1 4>$null 5>$null
        ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message -join "`n" | Should -Match "no vision rules for model '$model'"
        @($out | Where-Object { $_ -is [VisionPS.VisionImageInfo] }).Count | Should -Be 1
        $quiet = Get-VisionImageInfo -LiteralPath $Photo.FullName -Model "$model-2" -Debug -WarningAction SilentlyContinue 3>&1 4>$null 5>$null
        @($quiet | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Count | Should -Be 0
    }

    It 'Send-VisionChat -Stream ends the streamed answer with a line break, so what the script prints next starts on its own line' {
        $scriptFile = Join-Path $Work 'stream.ps1'
        Set-Content -LiteralPath $scriptFile -Value @"
Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'
foreach (`$api in 'Chat', 'Responses') {
    `$null = Send-VisionChat 'Describe.' -Image '$($Photo.FullName)' -Stream -Api `$api -BaseUri '$($Endpoint.BaseUri)' -ApiKey '$Key'
    'NEXT-LINE'
}
"@
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $out = & $pwsh -NoProfile -NonInteractive -File $scriptFile 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        @($out | Where-Object { $_ -eq 'NEXT-LINE' }).Count | Should -Be 2 -Because ($out -join "`n")
        @($out | Where-Object { $_ -like '{"api":"*' }).Count | Should -Be 2
    }

    It 'Get-VisionImageInfo and Start-VisionBatch -Debug do not stop the script' {
        { Get-VisionImageInfo -LiteralPath $Photo.FullName -Debug 5>$null 4>$null } | Should -Not -Throw
        $batch = Start-VisionBatch 'Read.' -Image $Photo.FullName -Detail Low -Debug 5>$null 4>$null
        $batch.Id | Should -Match '^batch_'
    }

    It 'warnings and errors under -Debug follow the caller''s preferences instead of asking' {
        # an unknown model warns, a missing file is an error: with -Debug bound PowerShell would make both Inquire
        $ErrorActionPreference = 'Continue'; $WarningPreference = 'Continue'
        $out = Send-VisionChat 'Describe.' -Image $Photo.FullName, (Join-Path $TestDrive 'nosuch.jpg') -Model 'fault:echo-key' -NoCache -Debug -Verbose -ErrorVariable errs 3>&1 4>$null 5>$null 2>$null
        ($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message -join "`n" | Should -Match 'fault:echo-key'
        $errs.FullyQualifiedErrorId | Should -Contain 'ImageNotFound,VisionPS.Commands.SendVisionChatCommand'
    }
}

Describe 'Objects chain: images bind by property name' {
    It 'Get-VisionImageInfo output pipes into Send-VisionChat' {
        $r = Get-VisionImageInfo -LiteralPath $Photo.FullName | Send-VisionChat 'Describe.' -NoCache
        $r.ImagePath | Should -Be $Photo.FullName
    }

    It 'Import-Csv rows with a Path column pipe into Get-VisionImageInfo, ConvertTo-VisionImage and Send-VisionChat' {
        $csv = Join-Path $Work 'files.csv'
        $Photos | Select-Object @{ n = 'Path'; e = { $_.FullName } } | Export-Csv -LiteralPath $csv
        (Import-Csv -LiteralPath $csv | Get-VisionImageInfo).Path | Should -Be $Photos.FullName
        (Import-Csv -LiteralPath $csv | ConvertTo-VisionImage).Path | Should -Be $Photos.FullName
        (Import-Csv -LiteralPath $csv | Send-VisionChat 'Describe.' -PerImage -NoCache).ImagePath | Should -Be $Photos.FullName
    }

    It 'objects with FullName, LiteralPath or PSPath bind too, and VisionImage pipes into Get-VisionImageInfo' {
        ([pscustomobject]@{ FullName = $Photo.FullName } | Get-VisionImageInfo).Name | Should -Be $Photo.Name
        ([pscustomobject]@{ LiteralPath = $Photo.FullName } | ConvertTo-VisionImage).Name | Should -Be $Photo.Name
        ([pscustomobject]@{ PSPath = $Photo.PSPath } | Send-VisionChat 'Describe.' -NoCache).ImageName | Should -Be $Photo.Name
        (ConvertTo-VisionImage -LiteralPath $Photo.FullName | Get-VisionImageInfo).Path | Should -Be $Photo.FullName
    }

    It 'an image URL where a file path goes is an ImageNotFound error saying what takes a URL, not that no drive is named https' {
        $url = 'https://example.invalid/photos/cat.jpg'
        $null = $url | ConvertTo-VisionImage -ErrorVariable convertErrs -ErrorAction SilentlyContinue
        $null = Get-VisionImageInfo $url -ErrorVariable infoErrs -ErrorAction SilentlyContinue
        foreach ($errs in $convertErrs, $infoErrs) {
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound,*'
            "$($errs[0])" | Should -BeLike "'$url' is a URL, not a file path. *"
            "$($errs[0])" | Should -Not -Match 'drive'
        }
        "$($convertErrs[0])" | Should -Match '-Uri'
        "$($infoErrs[0])" | Should -Match 'Send-VisionChat'
    }

    It 'an object without any path property is one InvalidImageInput error naming what to pass' {
        $null = [pscustomobject]@{ Name = 'x' } | Send-VisionChat 'Describe.' -WhatIf -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Match '^InvalidImageInput'
        $errs[0].Exception.Message | Should -Match 'Path, FullName, PSPath or LiteralPath'
    }
}

Describe 'An object that names no image file, given to the path cmdlets' {
    It 'Get-VisionImageInfo and ConvertTo-VisionImage refuse it as InvalidImageInput naming what to pass, not as a drive named after its text' {
        $row = [pscustomobject]@{ Name = 'x'; Text = 'hello: world' }
        $answer = Send-VisionChat 'Describe.' -Image $Photo.FullName
        foreach ($command in 'Get-VisionImageInfo', 'ConvertTo-VisionImage') {
            foreach ($given in $row, $answer) {
                $out = $given | & $command -ErrorVariable piped -ErrorAction SilentlyContinue
                $out2 = & $command $given, $Photo.FullName -ErrorVariable positional -ErrorAction SilentlyContinue
                @($out).Count | Should -Be 0
                @($out2).Count | Should -Be 1 -Because 'the good path given with it is still read'
                foreach ($errs in $piped, $positional) {
                    $errs.Count | Should -Be 1
                    $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImageInput,*'
                    "$($errs[0])" | Should -BeLike "Cannot use a $($given.GetType().Name) as an image. *"
                    "$($errs[0])" | Should -Match 'Path, FullName, PSPath or LiteralPath'
                    "$($errs[0])" | Should -Not -Match 'drive'
                    $errs[0].TargetObject | Should -Be $given
                }
            }
        }
    }

    It 'still reads a Uri object as the URL it is (the error says what takes a URL)' {
        $null = Get-VisionImageInfo ([uri]'https://example.invalid/cat.jpg') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ImageNotFound,*'
        "$($errs[0])" | Should -BeLike "'https://example.invalid/cat.jpg' is a URL, not a file path.*"
    }
}

Describe 'Objects that name a file or URL in their own way still bind as before (not refused as InvalidImageInput)' {
    It 'a Path property holding a PathInfo (Resolve-Path), piped to Get-VisionImageInfo' {
        $out = [pscustomobject]@{ Path = (Resolve-Path -LiteralPath $Photo.FullName) } | Get-VisionImageInfo -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0
        @($out).Count | Should -Be 1
        $out.Path | Should -Be $Photo.FullName
    }

    It 'a Uri property holding a [uri], piped to ConvertTo-VisionImage, binds -Uri' {
        $out = [pscustomobject]@{ Uri = [uri]'https://example.invalid/a.png' } | ConvertTo-VisionImage -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0
        @($out).Count | Should -Be 1
        "$($out.Url)$($out.Uri)$($out.Source)" | Should -Match 'example\.invalid/a\.png'
    }

    It 'a URL nothing answers at (-Download) says it could not connect, in words, and the next image still comes' {
        # .NET's own text is only 'An error occurred while sending the request.'
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $url = "http://127.0.0.1:$port/a.png"
        $out = ConvertTo-VisionImage -Uri $url, "$($Endpoint.BaseUri -replace '/v1/?$', '')/missing-never-there.png" -Download -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 0
        $errs.Count | Should -Be 2
        "$($errs[0])" | Should -BeLike "*'$url'*could not connect to the server: Connection refused*"
        "$($errs[0])" | Should -Not -BeLike '*An error occurred while sending the request*'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'Image*,VisionPS.Commands.ConvertToVisionImageCommand'
        "$($errs[1])" | Should -BeLike '*missing-never-there.png*404*'
    }

    It 'a StringBuilder holding a path, by position and piped' {
        $text = [Text.StringBuilder]::new($Photo.FullName)
        foreach ($out in (Get-VisionImageInfo $text -ErrorVariable e1 -ErrorAction SilentlyContinue), ($text | Get-VisionImageInfo -ErrorVariable e2 -ErrorAction SilentlyContinue)) {
            @($out).Count | Should -Be 1
            $out.Path | Should -Be $Photo.FullName
        }
        $e1.Count + $e2.Count | Should -Be 0
    }

    It 'a PowerShell class instance whose ToString() returns a path' {
        $holder = & ([scriptblock]::Create('param($p) class VisionPSTestPathHolder { [string] $P; [string] ToString() { return $this.P } }; $h = [VisionPSTestPathHolder]::new(); $h.P = $p; $h')) $Photo.FullName
        "$holder" | Should -Be $Photo.FullName
        $out = Get-VisionImageInfo $holder -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0
        $out.Path | Should -Be $Photo.FullName
    }

    It 'a pscustomobject with a ScriptMethod ToString returning a path' {
        $row = [pscustomobject]@{ Name = 'x' }
        $row | Add-Member -MemberType ScriptMethod -Name ToString -Value { $script:Photo.FullName } -Force
        "$row" | Should -Be $Photo.FullName
        foreach ($out in (Get-VisionImageInfo $row -ErrorVariable e1 -ErrorAction SilentlyContinue), ($row | Get-VisionImageInfo -ErrorVariable e2 -ErrorAction SilentlyContinue)) {
            @($out).Count | Should -Be 1
            $out.Path | Should -Be $Photo.FullName
        }
        $e1.Count + $e2.Count | Should -Be 0
    }
}

Describe 'Results export without losing which file a row is about' {
    It 'Export-Csv of -PerImage results has the file name, path, hash and answer as plain text' {
        $results = $Photos | Send-VisionChat 'What is in this picture?' -PerImage -NoCache
        $csv = Join-Path $Work 'answers.csv'
        $results | Export-Csv -LiteralPath $csv
        Get-Content -LiteralPath $csv -Raw | Should -Not -Match 'System\.'
        $rows = Import-Csv -LiteralPath $csv
        $rows.ImagePath | Should -Be $Photos.FullName
        $rows.ImageName | Should -Be $Photos.Name
        $rows.ImageSources | Should -Be $Photos.FullName
        $rows[0].ImageSha256 | Should -Be $results[0].ImageSha256[0]
        $rows[0].Text | Should -Be $results[0].Text
        $rows[0].FromCache | Should -Be 'False'
    }

    It 'one request with several images names them all, joined by "; "' {
        $r = Send-VisionChat 'Compare.' -Image $Photos.FullName -NoCache
        $r.ImageCount | Should -Be 3
        $r.ImageName | Should -Be ($Photos.Name -join '; ')
        ($r | ConvertTo-Csv | ConvertFrom-Csv).ImagePath | Should -Be ($Photos.FullName -join '; ')
        ($r | ConvertTo-Json -Depth 3 | ConvertFrom-Json).ImageSources | Should -Be $Photos.FullName
    }

    It 'a -JsonSchema answer is both an object and one line of JSON, and exports as JSON' {
        $schema = @{ type = 'object'; properties = @{ prompt = @{ type = 'string' } }; required = @('prompt'); additionalProperties = $false }
        $r = Send-VisionChat 'Read it.' -Image $Photo.FullName -JsonSchema $schema -NoCache
        $r.Object.prompt | Should -Not -BeNullOrEmpty
        $r.Json | Should -Not -Match "`n"
        ($r.Json | ConvertFrom-Json).prompt | Should -Be $r.Object.prompt
        $row = $r | ConvertTo-Csv | ConvertFrom-Csv
        ($row.Object | ConvertFrom-Json).prompt | Should -Be $r.Object.prompt
        $row.Json | Should -Be $r.Json
    }

    It 'Export-Csv of images, infos and batch results keeps the file' {
        $image = ConvertTo-VisionImage -LiteralPath $Photo.FullName
        $row = $image | ConvertTo-Csv | ConvertFrom-Csv
        $row.Path | Should -Be $Photo.FullName
        $row.Name | Should -Be $Photo.Name
        ($image | ConvertTo-Csv) -join "`n" | Should -Not -Match 'System\.Collections'
        ($Photo | Get-VisionImageInfo | ConvertTo-Csv | ConvertFrom-Csv).Name | Should -Be $Photo.Name

        $batch = $Photos | Start-VisionBatch 'Read the total.' -Detail Low
        $csv = Join-Path $Work 'totals.csv'
        $batch | Wait-VisionBatch -PollSeconds 0.1 -Timeout 120 | Receive-VisionBatch | Export-Csv -LiteralPath $csv
        Get-Content -LiteralPath $csv -Raw | Should -Not -Match 'System\.'
        (Import-Csv -LiteralPath $csv).ImagePath | Should -Be $Photos.FullName
    }
}

Describe 'Every output object reads as words in a string ("$obj", Write-Host, -f), not as its .NET type name' {
    It '<Name> says what it is' -ForEach @(
        @{ Name = 'Get-VisionImageInfo'; Make = { Get-VisionImageInfo -LiteralPath $Photo.FullName }; Says = 'jpg_gray_cat_512\.jpg Jpeg 512x512 \d+ bytes' }
        @{ Name = 'Add-AssistantImage'; Make = { Add-AssistantImage -Image $Photo.FullName }; Says = '^conv_\S+ msg_\S+ \(1 image\(s\) attached, 1 uploaded\)$' }
        @{ Name = 'Get-VisionModel'; Make = { Get-VisionModel gpt-4o }; Says = '^gpt-4o: tiles' }
        @{ Name = 'Get-VisionCache'; Make = { Get-VisionCache }; Says = '^\d+ answer\(s\), [\d.]+ of \d+ MB' }
    ) {
        $out = & $Make
        $text = "$out"
        $text | Should -Not -Match '^VisionPS\.'
        $text | Should -Match $Says
    }
}

Describe 'The VisionImage table of a URL image (ConvertTo-VisionImage -Uri without -Download)' {
    It 'leaves the size and bytes it does not know empty instead of showing 0x0 and 0' {
        $row = (ConvertTo-VisionImage -Uri 'https://example.com/chart.png' | Out-String -Width 120) -split "`r?`n" | Where-Object { $_ -match 'example\.com' }
        $row | Should -Not -BeNullOrEmpty
        $row | Should -Not -Match '\b0x0\b'
        $row | Should -Not -Match '\s0\s'
        # A local image still shows both.
        ConvertTo-VisionImage -LiteralPath $Photo.FullName | Out-String -Width 120 | Should -Match '512x512\s+512x512\s+\d+'
    }
}

Describe 'Relative paths are PowerShell paths' {
    It 'VisionImage.Save writes a relative path under the current PowerShell location' {
        $folder = Join-Path $Work 'saved'
        $null = New-Item -ItemType Directory -Path $folder
        $image = ConvertTo-VisionImage -LiteralPath $Photo.FullName
        Push-Location -LiteralPath $folder
        try {
            $written = $image.Save('cat.jpg')
        }
        finally {
            Pop-Location
        }
        $written | Should -Be (Join-Path $folder 'cat.jpg')
        [System.IO.File]::ReadAllBytes($written).Length | Should -Be $image.Length
    }

    It 'Export-VisionImage writes to a relative path or into a folder under the current location' {
        $folder = Join-Path $Work 'exported'
        $null = New-Item -ItemType Directory -Path $folder
        Push-Location -LiteralPath $folder
        try {
            $one = ConvertTo-VisionImage -LiteralPath (Join-Path $Corpus 'd_heic_storm.heic') | Export-VisionImage 'storm.jpg'
            $null = New-Item -ItemType Directory -Path 'many'
            $many = $Photos | ConvertTo-VisionImage | Export-VisionImage 'many'
            $null = ConvertTo-VisionImage -LiteralPath $Photo.FullName | Export-VisionImage 'storm.jpg' -NoClobber -ErrorVariable clobber -ErrorAction SilentlyContinue
            $null = ConvertTo-VisionImage -LiteralPath $Photo.FullName | Export-VisionImage (Join-Path 'no-such-folder' 'storm.jpg') -ErrorVariable missing -ErrorAction SilentlyContinue
        }
        finally {
            Pop-Location
        }
        $one.FullName | Should -Be (Join-Path $folder 'storm.jpg')
        [System.IO.File]::ReadAllBytes($one.FullName)[0..2] | Should -Be 0xFF, 0xD8, 0xFF
        $many.Name | Should -Be ($Photos | ForEach-Object { [System.IO.Path]::ChangeExtension($_.Name, '.jpg') })
        $many | ForEach-Object { $_.DirectoryName | Should -Be (Join-Path $folder 'many') }
        $clobber[0].FullyQualifiedErrorId | Should -Match '^ImageExportFailed'
        # .NET's own reason ends with a period: the message does not add a second one before its advice.
        $missing[0].FullyQualifiedErrorId | Should -Match '^ImageExportFailed'
        $missing[0].ToString() | Should -Match "the folder '[^']*no-such-folder' does not exist\. Create it first"
        $missing[0].ToString() | Should -Not -Match '\.\.'
        $clobber[0].ToString() | Should -Match '-NoClobber was given\. Give another -Path'
    }

    It 'Export-VisionImage into a path whose parent is a file (not a folder) says so plainly, without advising to create the folder' {
        $folder = Join-Path $Work 'exported-under-file'
        $null = New-Item -ItemType Directory -Path $folder
        $notes = Join-Path $folder 'notes.txt'
        Set-Content -LiteralPath $notes -Value 'keep me'
        $image = ConvertTo-VisionImage -LiteralPath $Photo.FullName
        $null = $image | Export-VisionImage (Join-Path $notes 'cat.jpg') -ErrorVariable direct -ErrorAction SilentlyContinue
        $null = $image | Export-VisionImage (Join-Path $notes 'sub' 'cat.jpg') -ErrorVariable deeper -ErrorAction SilentlyContinue
        foreach ($err in $direct[0], $deeper[0]) {
            $err.FullyQualifiedErrorId | Should -BeLike 'ImageExportFailed,*'
            "$err" | Should -Match "'$([regex]::Escape($notes))' is a file, not a folder"
            "$err" | Should -Not -Match 'New-Item|does not exist'
        }
        Get-Content -LiteralPath $notes | Should -Be 'keep me'
    }

    It 'Export-VisionImage writes file items as Get-Item does: the table shows their mode, owner and size, and PSPath binds' {
        $folder = Join-Path $Work 'exported-items'
        $null = New-Item -ItemType Directory -Path $folder
        $written = ConvertTo-VisionImage -LiteralPath $Photo.FullName | Export-VisionImage (Join-Path $folder 'cat.jpg')
        $written | Should -BeOfType System.IO.FileInfo
        $written.PSPath | Should -Be (Get-Item -LiteralPath $written.FullName).PSPath
        $table = $written | Format-Table | Out-String -Width 120
        $table | Should -Be (Get-Item -LiteralPath $written.FullName | Format-Table | Out-String -Width 120)
        $table | Should -Match ([regex]::Escape("$($written.Length) cat.jpg"))
        $written | Remove-Item
        Test-Path -LiteralPath (Join-Path $folder 'cat.jpg') | Should -BeFalse
    }

    It 'Export-VisionImage never lets one image of a run replace another: PDF pages get their own files, a second image for one file is an error' {
        $folder = Join-Path $Work 'exported-pages'
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'pages')
        $scan = Join-Path $folder 'scan.pdf'
        & img2pdf (Join-Path $Corpus 'jpg_wizard_265x352_prog.jpg') (Join-Path $Corpus 'jpg_gray_cat_512.jpg') -o $scan
        $LASTEXITCODE | Should -Be 0
        Push-Location -LiteralPath $folder
        try {
            $pages = ConvertTo-VisionImage -LiteralPath $scan | Export-VisionImage 'pages'
            $one = $Photos | Select-Object -First 2 | ConvertTo-VisionImage -MaxSide 64 | Export-VisionImage 'one.jpg' -ErrorVariable clash -ErrorAction SilentlyContinue
        }
        finally {
            Pop-Location
        }
        $pages.Name | Should -Be 'scan-page1.jpg', 'scan-page2.jpg'
        ([System.IO.File]::ReadAllBytes($pages[0].FullName)).Length | Should -Not -Be ([System.IO.File]::ReadAllBytes($pages[1].FullName)).Length
        @($one).Count | Should -Be 1
        $clash.Count | Should -Be 1
        $clash[0].FullyQualifiedErrorId | Should -BeLike 'ImageExportFailed,*'
        $clash[0].ErrorDetails.Message | Should -BeLike "*$((@($Photos)[1]).Name)*already written*"
        $first = ConvertTo-VisionImage -LiteralPath (@($Photos)[0]).FullName -MaxSide 64
        (Get-FileHash -LiteralPath (Join-Path $folder 'one.jpg')).Hash | Should -Be $first.Sha256.ToUpperInvariant()
    }
}

Describe 'Keys and settings' {
    BeforeAll {
        $script:OldConfig = $env:VISIONPS_CONFIG
        $env:VISIONPS_CONFIG = Join-Path $Work 'config'
        $script:Manifest = Join-Path $RepoRoot 'VisionPS.psd1'
        # A new runspace is a new session: it reads the saved settings when it first uses VisionPS.
        function script:NewSession([string] $Script) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$Manifest' -ErrorAction Stop; $Script")
                $ps.Invoke()
            }
            finally {
                $ps.Dispose()
            }
        }
    }

    AfterAll {
        $env:VISIONPS_CONFIG = $OldConfig
        Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey $Key -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    }

    It '-ApiKey takes the plain string a vault or pipeline gives' {
        $d = Set-VisionDefault -ApiKey $Key -PassThru
        $d.ApiKeySource | Should -Be 'Session'
        (Send-VisionChat 'Describe.' -Image $Photo.FullName -NoCache).FinishReason | Should -Be 'stop'
    }

    It 'Set-VisionDefault -Save keeps the settings for later sessions and never writes the key' {
        Set-VisionDefault -Model gpt-4o -Detail Low -MaxRetries 5 -BatchPath (Join-Path $Work 'saved-batches') -ApiKey 'sk-save-test-secret-never-on-disk' -Save -WarningVariable w 3>$null
        $w | Should -Match 'never writes it to disk'
        $file = Join-Path $env:VISIONPS_CONFIG 'settings.json'
        $text = Get-Content -LiteralPath $file -Raw
        $text | Should -Not -Match 'sk-save-test'
        ($text | ConvertFrom-Json).Model | Should -Be 'gpt-4o'

        $later = NewSession 'Get-VisionDefault'
        $later.Model | Should -Be 'gpt-4o'
        $later.MaxRetries | Should -Be 5
        $later.BatchPath | Should -Be (Join-Path $Work 'saved-batches')
        $later.SettingsFile | Should -Be $file
        $later.Sources | Should -Contain 'Model: Saved'
        $later.Sources | Should -Contain 'TimeoutSec: Built-in (120)'
        $later.ApiKeySource | Should -Not -Be 'Session'
        # A saved model is the model every cmdlet sizes for.
        $info = NewSession "Get-VisionImageInfo -LiteralPath '$($Photo.FullName)'"
        $info.Model | Should -Be 'gpt-4o'
        "$($info.Detail)" | Should -Be 'Low'
        $later.Sources | Should -Contain 'Detail: Saved'

        Set-VisionDefault -Reset -Save
        Test-Path -LiteralPath $file | Should -BeFalse
        (NewSession 'Get-VisionDefault').Sources | Should -Contain 'Model: Built-in (gpt-4.1-mini)'
    }

    It 'A saved model with spaces around it (a hand-edited settings file) is used trimmed; one with a space inside is reported' {
        $file = Join-Path $env:VISIONPS_CONFIG 'settings.json'
        $null = New-Item -ItemType Directory -Force -Path $env:VISIONPS_CONFIG
        Set-Content -LiteralPath $file -Value '{ "Model": "  gpt-4o\t" }' -Encoding utf8
        $info = NewSession "Get-VisionImageInfo -LiteralPath '$($Photo.FullName)'"
        $info.Model | Should -Be 'gpt-4o'
        (NewSession 'Get-VisionDefault').Model | Should -Be 'gpt-4o'

        # A space inside may be a compatible server's model name, so it loads; it is refused where it would go to
        # OpenAI (the saved endpoint here), in the user's words and without .NET's "(Parameter ...)" suffix.
        Set-Content -LiteralPath $file -Value '{ "Model": "gpt 4o" }' -Encoding utf8
        (NewSession 'Get-VisionDefault').Model | Should -Be 'gpt 4o'
        $said = NewSession "try { Get-VisionImageInfo -LiteralPath '$($Photo.FullName)' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $said[0] | Should -Be 'InvalidModelName,VisionPS.Commands.GetVisionImageInfoCommand'
        $said[1] | Should -Match "saved in settings\.json\) 'gpt 4o' holds a space at position 4"
        $said[1] | Should -Not -Match 'Parameter'

        # A blank saved model costs only the model: the other saved settings are used, with a warning naming the file.
        Set-Content -LiteralPath $file -Value '{ "Model": "  ", "MaxRetries": 7 }' -Encoding utf8
        $said = NewSession 'Get-VisionDefault -WarningVariable w 3>$null; $w'
        "$said" | Should -Match ([regex]::Escape("The saved Model in '$file' is not used"))
        "$said" | Should -Match 'Model is blank: give a model name such as gpt-4o\)'
        "$said" | Should -Not -Match 'Parameter'
        $defaults = NewSession 'Get-VisionDefault 3>$null'
        $defaults.MaxRetries | Should -Be 7
        $defaults.Sources | Should -Contain 'MaxRetries: Saved'
        Remove-Item -LiteralPath $file
    }

    It 'Set-VisionDefault -WhatIf says what it would set and save, and changes nothing' {
        $file = Join-Path $env:VISIONPS_CONFIG 'settings.json'
        Set-VisionDefault -Reset -Save
        $before = Get-VisionDefault
        # What if: goes to the host, so a child pwsh shows it as a user sees it.
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $said = & $pwsh -NoProfile -NonInteractive -Command "`$env:VISIONPS_CONFIG = '$($env:VISIONPS_CONFIG)'; Import-Module '$Manifest'; Set-VisionDefault -Model gpt-4o -MaxRetries 7 -Save -WhatIf; Set-VisionDefault -Reset -Model gpt-4o -Save -WhatIf" 2>&1 | Out-String
        $said | Should -Match 'What if: .*set Model, MaxRetries; save Model, MaxRetries to the settings file'
        # -Reset -Save with a setting replaces the whole file: the text says so.
        $said | Should -Match 'What if: .*clear every default; set Model; replace the settings file with Model alone'
        $said | Should -Match ([regex]::Escape($file))

        Set-VisionDefault -Model gpt-4o -MaxRetries 7 -Save -WhatIf
        Test-Path -LiteralPath $file | Should -BeFalse
        $now = Get-VisionDefault
        $now.Model | Should -Be $before.Model
        $now.MaxRetries | Should -Be $before.MaxRetries
        # A bad value is still an error under -WhatIf, and nothing is half set.
        { Set-VisionDefault -Model other -Proxy 'ftp://proxy.example' -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidProxy,VisionPS.Commands.SetVisionDefaultCommand'
        (Get-VisionDefault).Model | Should -Be $before.Model
        # -Confirm:$false and no -WhatIf: it does set and save.
        Set-VisionDefault -Model gpt-4o -Save -Confirm:$false
        (Get-VisionDefault).Model | Should -Be 'gpt-4o'
        Test-Path -LiteralPath $file | Should -BeTrue
        Set-VisionDefault -Reset -Save -WhatIf
        Test-Path -LiteralPath $file | Should -BeTrue
        Set-VisionDefault -Reset -Save
        Test-Path -LiteralPath $file | Should -BeFalse
    }

    It 'Get-VisionDefault shows an endpoint from OPENAI_BASE_URL, and says so' {
        $old = $env:OPENAI_BASE_URL
        $env:OPENAI_BASE_URL = 'http://127.0.0.1:9/v1'
        try {
            $d = NewSession 'Get-VisionDefault'
            $d.BaseUri | Should -Be ([uri]'http://127.0.0.1:9/v1')
            $d.Sources | Should -Contain 'BaseUri: Environment (OPENAI_BASE_URL)'
        }
        finally {
            $env:OPENAI_BASE_URL = $old
        }
    }
}

Describe "The README's Use examples, copied as they are" {
    It 'run against the local endpoint and do what they say' {
        $readme = Get-Content -LiteralPath (Join-Path $RepoRoot 'README.md') -Raw
        $use = [regex]::Match($readme, '(?s)## Use\s*```powershell\r?\n(.*?)```').Groups[1].Value
        $use | Should -Match 'Send-VisionChat'

        # A folder as a user has one: photos here, a HEIC, invoices, receipts, and ~/Pictures.
        $folder = Join-Path $Work 'readme'
        $home2 = Join-Path $Work 'readme-home'
        $null = New-Item -ItemType Directory -Path $folder, (Join-Path $home2 'Pictures'), (Join-Path $folder 'receipts/2026')
        Copy-Item -LiteralPath $Photos.FullName -Destination $folder
        Copy-Item -LiteralPath $Photos[0].FullName -Destination (Join-Path $home2 'Pictures')
        Copy-Item -LiteralPath (Join-Path $Corpus 'd_heic_storm.heic') -Destination (Join-Path $folder 'IMG_0042.HEIC')
        Copy-Item -LiteralPath (Join-Path $Corpus 'png_wizard_1104x1468_rgba.png') -Destination (Join-Path $folder 'invoice-2026-11.png')
        Copy-Item -LiteralPath $Photos[1].FullName -Destination (Join-Path $folder 'receipts/2026/r1.jpg')
        Copy-Item -LiteralPath (Join-Path $Corpus 'd_heic_storm.heic') -Destination (Join-Path $folder 'receipts/r2.heic')

        # The child session: the endpoint from OPENAI_BASE_URL, Read-Host answering the key (a script has no one to
        # ask), HOME pointing at the folder above, and the README's lines exactly as written.
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'
function Read-Host { param([switch] `$AsSecureString, [string] `$Prompt) ConvertTo-SecureString '$Key' -AsPlainText -Force }
Set-Location -LiteralPath '$folder'
$use
`$r = Import-Csv totals.csv
"rows=`$(`$r.Count)"
"files=`$((`$r.ImageName | Sort-Object) -join ',')"
"$('$')(`$m.ConversationId)"
"@
        $scriptFile = Join-Path $Work 'readme.ps1'
        Set-Content -LiteralPath $scriptFile -Value $script
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $oldHome, $oldBase, $oldCache, $oldBatches = $env:HOME, $env:OPENAI_BASE_URL, $env:VISIONPS_CACHE, $env:VISIONPS_BATCHES
        try {
            $env:HOME = $home2
            $env:OPENAI_BASE_URL = $Endpoint.BaseUri
            $env:VISIONPS_CACHE = Join-Path $Work 'readme-cache'
            $env:VISIONPS_BATCHES = Join-Path $Work 'readme-batches'
            $out = & $pwsh -NoProfile -NonInteractive -File $scriptFile 2>&1 | ForEach-Object { "$_" }
            $exit = $LASTEXITCODE
        }
        finally {
            $env:HOME, $env:OPENAI_BASE_URL, $env:VISIONPS_CACHE, $env:VISIONPS_BATCHES = $oldHome, $oldBase, $oldCache, $oldBatches
        }
        $exit | Should -Be 0 -Because ($out -join "`n")
        $out | Should -Contain 'rows=2'
        $out | Should -Contain 'files=r1.jpg,r2.heic'
        ($out | Where-Object { $_ -like 'conv_*' }) | Should -Not -BeNullOrEmpty
        ($out | Where-Object { $_ -like 'data:image/jpeg;base64,*' }) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Readable, visible, explained' {
    It 'warns before one request carries more than 10 images, naming -PerImage' {
        $many = Get-ChildItem -LiteralPath $Corpus -File | Where-Object Extension -eq '.jpg' | Select-Object -First 11
        $many.Count | Should -Be 11
        $null = $many | Send-VisionChat 'All of them.' -WarningVariable w 3>$null
        $w.Count | Should -Be 1
        "$w" | Should -Match '^One request will carry 11 images\..* add -PerImage\.$'
        $null = $Photos | Send-VisionChat 'A few.' -WarningVariable quiet 3>$null
        $quiet.Count | Should -Be 0
        $null = $many | Send-VisionChat 'Each.' -PerImage -NoCache -WarningVariable perImage 3>$null
        $perImage.Count | Should -Be 0
    }

    It 'a streamed answer silenced (6>$null) is not said to be "streamed above": the table view shows it' {
        # Stream-Information.Tests.ps1 checks a streamed answer shown on the console is not printed again.
        $r = Send-VisionChat 'Stream it.' -Image $Photo.FullName -Stream 6>$null
        $r.Streamed | Should -BeFalse
        $r.Text | Should -Match 'image_count'
        $table = $r | Format-Table | Out-String -Width 300
        $table | Should -Not -Match '\(streamed above\)'
        $table | Should -Match 'image_count'
        ((Send-VisionChat 'Not streamed.' -Image $Photo.FullName -NoCache) | Format-Table | Out-String -Width 200) | Should -Match 'image_count'
    }

    It 'every output type has a table view, and an assistant message fits 80 columns' {
        foreach ($type in 'VisionPS.VisionImageInfo', 'VisionPS.VisionImage', 'VisionPS.ChatResult', 'VisionPS.AssistantMessage',
            'VisionPS.VisionBatch', 'VisionPS.VisionDefaults', 'VisionPS.Core.Caching.ResultCacheStatistics', 'VisionPS.Core.OpenAI.VisionFile') {
            $views = (Get-FormatData -TypeName $type).FormatViewDefinition
            $views.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] } | Should -Not -BeNullOrEmpty -Because $type
        }
        $m = $Photos | Add-AssistantImage -Prompt 'These.'
        $lines = ($m | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() }
        $lines.Count | Should -Be 3 -Because ($lines -join "`n")
        $lines[2] | Should -Match "^Conversation +conv_\S+ +3 $([regex]::Escape($Photos[0].Name.Substring(0, 12)))"
        ((Get-VisionDefault | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() }).Count | Should -Be 3
    }
}
