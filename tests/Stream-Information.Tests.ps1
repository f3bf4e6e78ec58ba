# Send-VisionChat -Stream writes the answer as Write-Host does (PowerShell 5+): through the information stream,
# tagged PSHOST, so the console shows it by default and a script can still silence (6>$null, -InformationAction
# Ignore), capture (-InformationVariable) or redirect (*>&1, 6>&1) it. Console behaviour is observed in a child
# `pwsh -NonInteractive`, whose host writes to its standard output.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-stream-key-never-printed-93c4'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-stream-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    Set-VisionDefault -Reset -BaseUri $Endpoint.BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) `
        -CachePath (Join-Path $Work 'cache') -BatchPath (Join-Path $Work 'batches') -MaxRetries 1
    $script:Photo = Get-Item -LiteralPath (Join-Path $Corpus 'jpg_gray_cat_512.jpg')

    # Runs $Body (script text, after the module is imported) in a child pwsh -NonInteractive; returns its stdout lines.
    function script:Invoke-ChildPwsh([string] $Body) {
        $file = Join-Path $Work "child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'
`$PSDefaultParameterValues['Send-VisionChat:BaseUri'] = '$($Endpoint.BaseUri)'
`$PSDefaultParameterValues['Send-VisionChat:ApiKey'] = '$Key'
`$photo = '$($Photo.FullName)'
$Body
"@
        $pwsh = Join-Path $PSHOME 'pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = 'pwsh' }
        $lines = & $pwsh -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0 -Because ($lines -join "`n")
        $lines
    }
}

AfterAll {
    Set-VisionDefault -Reset
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Send-VisionChat -Stream writes through the information stream, as Write-Host does' {
    It 'shows the answer on the console by default, on its own line, for Chat and Responses' {
        $out = Invoke-ChildPwsh @'
foreach ($api in 'Chat', 'Responses') {
    'BEFORE'
    $r = Send-VisionChat 'Describe.' -Image $photo -Stream -Api $api
    'AFTER'
    'TEXT=' + $r.Text
}
'@
        $text = @($out | Where-Object { $_ -like 'TEXT=*' } | ForEach-Object { $_.Substring(5) })
        $text.Count | Should -Be 2
        $text[0] | Should -BeLike '{"api":"chat*'
        $text[1] | Should -BeLike '{"api":"responses*'
        ($out -join "`n") | Should -BeExactly ("BEFORE`n$($text[0])`nAFTER`nTEXT=$($text[0])`nBEFORE`n$($text[1])`nAFTER`nTEXT=$($text[1])")
    }

    It 'is silenced by 6>$null and -InformationAction Ignore, and shows exactly when Write-Host would' {
        $out = Invoke-ChildPwsh @'
'A'
$null = Send-VisionChat 'Describe.' -Image $photo -Stream 6>$null
Write-Host 'host-6null' 6>$null
'B'
$null = Send-VisionChat 'Describe.' -Image $photo -Stream -InformationAction Ignore
Write-Host 'host-ignore' -InformationAction Ignore
'C'
$InformationPreference = 'Ignore'
$null = Send-VisionChat 'Describe.' -Image $photo -Stream
Write-Host 'host-pref-ignore'
$InformationPreference = 'SilentlyContinue'
'D'
$null = Send-VisionChat 'Describe.' -Image $photo -Stream -InformationAction SilentlyContinue
Write-Host 'host-silently' -InformationAction SilentlyContinue
'E'
'@
        $answers = @($out | Where-Object { $_ -like '{"api":*' })
        $out[0..3] | Should -BeExactly 'A', 'B', 'C', 'D'
        # -InformationAction SilentlyContinue does not hide host text (PowerShell's own rule for Write-Host); Ignore does.
        $answers.Count | Should -Be 1
        $out[4] | Should -BeLike '{"api":*'
        $out[5..6] | Should -BeExactly 'host-silently', 'E'
        $out.Count | Should -Be 7
    }

    It '-InformationVariable captures the deltas as host messages, and the result still holds the whole answer' {
        $r = Send-VisionChat 'Describe.' -Image $Photo.FullName -Stream -InformationVariable iv 6>$null
        $r.Text | Should -BeLike '{"api":"chat*'
        $iv.Count | Should -BeGreaterThan 2 -Because 'the test endpoint streams the answer in several pieces'
        foreach ($record in $iv) {
            $record | Should -BeOfType System.Management.Automation.InformationRecord
            $record.Tags | Should -Contain 'PSHOST'
            $record.MessageData | Should -BeOfType System.Management.Automation.HostInformationMessage
        }
        $deltas = @($iv | Where-Object { $_.MessageData.NoNewLine })
        -join $deltas.MessageData.Message | Should -BeExactly $r.Text
        # the line the text left open is ended once, by one host line with nothing on it
        $iv[-1].MessageData.NoNewLine | Should -BeFalse
        $iv[-1].MessageData.Message | Should -BeExactly ''
        @($iv | Where-Object { -not $_.MessageData.NoNewLine }).Count | Should -Be 1
    }

    It '*>&1 puts the streamed text in the output before the result' {
        $all = Send-VisionChat 'Describe.' -Image $Photo.FullName -Stream -Api Responses *>&1
        $result = @($all | Where-Object { $_ -is [VisionPS.ChatResult] })
        $result.Count | Should -Be 1
        $info = @($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
        -join ($info | Where-Object { $_.MessageData.NoNewLine }).MessageData.Message | Should -BeExactly $result[0].Text
        [array]::IndexOf($all, $result[0]) | Should -Be ($all.Count - 1) -Because 'the result comes after all of the streamed text'
    }

    It 'a stream that fails under -ErrorAction Stop ends its line in the information stream before the error' {
        $all = try { Send-VisionChat 'Describe.' -Image $Photo.FullName -Stream -MaxRetries 0 -Model fault:canned=stream-error -ErrorAction Stop *>&1 } catch { $_ }
        $info = @($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
        $info.MessageData.Message | Should -BeExactly 'a ca', ''
        $info[-1].MessageData.NoNewLine | Should -BeFalse
        $all[-1] | Should -BeOfType System.Management.Automation.ErrorRecord
        $all[-1].FullyQualifiedErrorId | Should -BeLike 'ChatRequestFailed,*'
    }

    It 'the table view says "(streamed above)" only when the text reached the console (not <How>)' -ForEach @(
        @{ How = 'silenced with 6>$null'; Redirect = '6>$null' }
        @{ How = 'silenced with -InformationAction Ignore'; Redirect = '-InformationAction Ignore' }
        @{ How = 'written to a file with 6>'; Redirect = '6>(Join-Path ([IO.Path]::GetTempPath()) "visionps-six-$PID.txt")' }
        @{ How = 'silenced with $InformationPreference = ''Ignore'''; Before = '$InformationPreference = ''Ignore'''; Redirect = '' }
    ) {
        $lines = Invoke-ChildPwsh @"
`$plain = Send-VisionChat 'Describe.' -Image `$photo -Stream -NoCache
"plain: streamed=`$(`$plain.Streamed) table=`$((`$plain | Format-Table | Out-String -Width 400) -match 'streamed above')"
$Before
`$r = Send-VisionChat 'Describe.' -Image `$photo -Stream -NoCache $Redirect
`$shown = (`$r | Format-Table | Out-String -Width 400) -match [regex]::Escape(`$r.Text.Substring(0, [Math]::Min(10, `$r.Text.Length)))
"silenced: streamed=`$(`$r.Streamed) text=`$(`$r.Text.Length -gt 0) shown=`$shown above=`$((`$r | Format-Table | Out-String -Width 400) -match 'streamed above')"
"@
        $lines | Should -Contain 'plain: streamed=True table=True' -Because ($lines -join "`n")
        $lines | Should -Contain 'silenced: streamed=False text=True shown=True above=False' -Because ($lines -join "`n")
    }

    It '-InformationAction Stop or Inquire (where no one can be asked) stops the streamed text, not the paid answer' {
        foreach ($action in 'Stop', 'Inquire') {
            $lines = Invoke-ChildPwsh @"
`$r = Send-VisionChat 'Describe.' -Image `$photo -Stream -NoCache -InformationAction $action
`$shown = (`$r | Out-String -Width 400) -match [regex]::Escape(`$r.Text.Substring(0, [Math]::Min(10, `$r.Text.Length)))
"count=`$(@(`$r).Count) streamed=`$(`$r.Streamed) text=`$(`$r.Text.Length -gt 0) shown=`$shown"
"@
            $lines | Should -Contain 'count=1 streamed=False text=True shown=True' -Because "-InformationAction $action, the answer not streamed is shown by its table view`n$($lines -join "`n")"
        }
    }
}
