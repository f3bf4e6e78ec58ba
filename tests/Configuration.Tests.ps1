# Configuration as a user meets it in `pwsh -NonInteractive`: a hand-edited or out-of-date settings.json, Azure OpenAI
# half set up, a key about to cross the network in clear text. Each case runs in a fresh session with its own settings.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-config-key-never-printed-71d2'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-config-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    $script:Photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'

    # A fresh `pwsh -NonInteractive` with its own VISIONPS_CONFIG holding $Settings (when given) as settings.json, its
    # own cache and no OPENAI_* variables; runs $Script and returns everything it wrote, warnings and errors included.
    # With -TimeoutSec, a session still running then is ended and 'TIMED OUT' returned (a read waiting for ever fails the test).
    function script:Invoke-Session([string] $Settings, [string] $Script, [int] $TimeoutSec = 0) {
        $root = Join-Path $Work ([guid]::NewGuid().ToString('N'))
        $config = Join-Path $root 'config'
        $null = New-Item -ItemType Directory -Path $config -Force
        if ($Settings) { Set-Content -LiteralPath (Join-Path $config 'settings.json') -Value $Settings }
        $file = Join-Path $root 'session.ps1'
        Set-Content -LiteralPath $file -Value ("Import-Module '$(Join-Path $RepoRoot 'VisionPS.psd1')'`n" + $Script)
        $start = New-PwshStartInfo $file @{ VISIONPS_CONFIG = $config; VISIONPS_CACHE = (Join-Path $root 'cache');
            VISIONPS_BATCHES = (Join-Path $root 'batches'); OPENAI_API_KEY = $null; OPENAI_BASE_URL = $null }
        $process = [System.Diagnostics.Process]::Start($start)
        $err = $process.StandardError.ReadToEndAsync()
        $out = $process.StandardOutput.ReadToEndAsync()
        if ($TimeoutSec -gt 0 -and -not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill($true)
            return 'TIMED OUT'
        }
        $process.WaitForExit()
        $out.Result + $err.Result
    }
}

AfterAll {
    if ($Endpoint) { $Endpoint.Stop() }
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A saved settings file with values Set-VisionDefault would refuse' {
    It 'skips each bad value with a warning naming it and the file, uses the rest, and the request still goes' {
        # Hand-edited: retries as a string, a timeout of 0, a proxy scheme no HTTP stack takes, a retry count past the limit.
        $settings = @{ BaseUri = $Endpoint.BaseUri; Model = 'gpt-4o'; MaxRetries = '5'; TimeoutSec = 0; Proxy = 'ftp://proxy.example:21' } | ConvertTo-Json
        $said = Invoke-Session $settings @"
`$d = Get-VisionDefault -WarningVariable w 3>`$null
'WARN:' + (`$w -join ' | ')
'SOURCES:' + (`$d.Sources -join '; ')
`$r = Send-VisionChat 'What is this?' '$Photo' -ApiKey '$Key' -WarningAction SilentlyContinue -ErrorAction Stop
'ANSWERED:' + [bool]`$r.Text
"@
        $said | Should -Match 'ANSWERED:True'
        $said | Should -Match 'MaxRetries: Built-in \(3\)'
        $said | Should -Match 'TimeoutSec: Built-in \(120\)'
        $said | Should -Match 'Model: Saved'
        $said | Should -Match 'BaseUri: Saved'
        $said | Should -Not -Match 'Proxy: Saved'
        $warn = ($said -split "`n" | Where-Object { $_ -like 'WARN:*' }) -join ' '
        foreach ($name in 'MaxRetries', 'TimeoutSec', 'Proxy') { $warn | Should -Match $name }
        $warn | Should -Match ([regex]::Escape('settings.json'))
        $warn | Should -Not -Match 'could not be read'
        $said | Should -Not -Match "Parameter 'value'|out of the range|System\.|cannot be converted"
        $said | Should -Not -Match $Key
    }

    It 'refuses a saved retry count or timeout beyond what -MaxRetries and -TimeoutSec take' {
        $said = Invoke-Session '{ "MaxRetries": 1000000, "TimeoutSec": 99999999 }' @"
`$d = Get-VisionDefault 3>&1
`$d | Where-Object { `$_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object { 'WARN:' + `$_ }
'SOURCES:' + ((`$d | Where-Object { `$_ -isnot [System.Management.Automation.WarningRecord] }).Sources -join '; ')
"@
        $said | Should -Match 'MaxRetries: Built-in \(3\)'
        $said | Should -Match 'TimeoutSec: Built-in \(120\)'
        $said | Should -Match 'WARN:.*MaxRetries.*0 to 20'
        $said | Should -Match 'WARN:.*TimeoutSec.*1 to 3600'
    }
}

Describe 'Azure OpenAI half set up' {
    It 'an Azure endpoint without a deployment is an error before anything is sent, not a request (with the key) to api.openai.com' {
        $azure = $Endpoint.BaseUri -replace '/v1/?$', ''
        $said = Invoke-Session $null @"
Set-VisionDefault -AzureEndpoint '$azure' -ApiKey '$Key'
foreach (`$whatIf in `$true, `$false) {
    try { `$r = Send-VisionChat 'What is this?' '$Photo' -MaxRetries 0 -TimeoutSec 5 -WhatIf:`$whatIf -ErrorAction Stop 6>&1 | Out-String; 'SENT:' + `$r }
    catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message }
}
"@
        $said | Should -Not -Match 'api\.openai\.com'
        ([regex]::Matches($said, 'ID:IncompleteAzureSettings,VisionPS\.Commands\.SendVisionChatCommand')).Count | Should -Be 2
        $said | Should -Match 'MSG:.*AzureDeployment'
        $said | Should -Not -Match $Key
    }
}

Describe 'A key about to cross the network in clear text' {
    It 'warns when the key would go over http:// to another computer, and not for http:// on this one' {
        $said = Invoke-Session $null @"
try { Send-VisionChat 'What is this?' '$Photo' -BaseUri http://vision.example.invalid/v1 -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 5 -ErrorAction Stop 3>&1 | ForEach-Object { 'OUT:' + `$_ } }
catch { 'ID:' + `$_.FullyQualifiedErrorId }
Send-VisionChat 'What is this?' '$Photo' -BaseUri '$($Endpoint.BaseUri)' -ApiKey '$Key' 3>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.WarningRecord]) { 'LOCALWARN:' + `$_ } else { 'LOCALANSWER:' + [bool]`$_.Text } }
"@
        $warn = ($said -split "`n" | Where-Object { $_ -like 'OUT:*' }) -join ' '
        $warn | Should -Match 'http://vision\.example\.invalid'
        $warn | Should -Match 'unencrypted|clear text'
        $said | Should -Match 'ID:ChatRequestFailed'
        $said | Should -Match 'LOCALANSWER:True'
        $said | Should -Not -Match 'LOCALWARN:'
        $said | Should -Not -Match $Key
    }
}

Describe 'A proxy that refuses' {
    It 'the error names the proxy (without its password) as what to check, and never the key' {
        $said = Invoke-Session $null @"
Set-VisionDefault -Proxy 'http://proxyuser:proxy-pass-9x@127.0.0.1:9'
try { Send-VisionChat 'What is this?' '$Photo' -BaseUri https://vision.example.invalid/v1 -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 10 -ErrorAction Stop }
catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message; 'FIX:' + `$_.ErrorDetails.RecommendedAction }
"@
        $said | Should -Match 'ID:ChatRequestFailed'
        $said | Should -Match 'MSG:.*proxy http://127\.0\.0\.1:9'
        $said | Should -Not -Match 'proxy-pass-9x'
        $said | Should -Not -Match $Key
    }
}

Describe 'A folder where settings.json should be' {
    It 'is reported as unreadable settings, not passed over in silence' {
        $said = Invoke-Session $null @"
`$file = Join-Path `$env:VISIONPS_CONFIG 'settings.json'
`$null = New-Item -ItemType Directory -Path `$file
`$null = Get-VisionDefault -WarningVariable w 3>`$null
'WARN:' + (`$w -join ' | ')
"@
        $said | Should -Match "WARN:.*settings\.json.*folder"
    }
}

Describe 'A FIFO where settings.json or models.json should be' {
    It 'is reported as a file that cannot be read, at once: the session does not wait for a writer' -Skip:$IsWindows {
        # Opening a FIFO waits until a program writes to it: the settings (and every command sizing an image) hung.
        $said = Invoke-Session $null -TimeoutSec 90 @"
`$file = Join-Path `$env:VISIONPS_CONFIG 'settings.json'
& mkfifo `$file
`$env:VISIONPS_MODELS = Join-Path `$env:VISIONPS_CONFIG 'models.json'
& mkfifo `$env:VISIONPS_MODELS
`$null = Get-VisionDefault -WarningVariable w 3>`$null
'WARN:' + (`$w -join ' | ')
`$info = Get-VisionImageInfo -LiteralPath '$Photo' -Model gpt-4o -WarningVariable m 3>`$null
'MODELS:' + (`$m -join ' | ')
'WIDTH:' + `$info.Width
"@
        $said | Should -Not -Be 'TIMED OUT'
        $said | Should -Match "WARN:.*settings\.json' could not be read \('[^']*settings\.json' is not a regular file"
        $said | Should -Match "MODELS:.*models\.json' is not a regular file"
        $said | Should -Match 'WIDTH:512'
    }
}
