# Configuration as a user meets it in `pwsh -NonInteractive`: a hand-edited or out-of-date settings.json, Azure OpenAI
# half set up, a key about to cross the network in clear text. Each case runs in a fresh session with its own settings.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Key = 'sk-pester-config-key-never-printed-71d2'
    $script:Endpoint = & (Join-Path $PSScriptRoot 'VisionPS.TestServer/Start-TestEndpoint.ps1') -ApiKey $Key
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-pester-config-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Work
    $script:Photo = Join-Path $Corpus 'jpg_gray_cat_512.jpg'

    # A proxy on this computer that answers every request (a CONNECT included) with 407 Proxy Authentication Required.
    function script:Start-Refusing407Proxy {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $shell = [powershell]::Create()
        $null = $shell.AddScript({
            param($listener)
            while ($true) {
                try { $client = $listener.AcceptTcpClient() } catch { break }
                try {
                    $stream = $client.GetStream(); $stream.ReadTimeout = 10000
                    $buffer = [byte[]]::new(8192); $seen = ''
                    while ($seen -notmatch "`r`n`r`n") {
                        $n = $stream.Read($buffer, 0, $buffer.Length); if ($n -le 0) { break }
                        $seen += [Text.Encoding]::ASCII.GetString($buffer, 0, $n)
                    }
                    $reply = [Text.Encoding]::ASCII.GetBytes("HTTP/1.1 407 Proxy Authentication Required`r`nProxy-Authenticate: Basic realm=`"visionps`"`r`nContent-Length: 0`r`nConnection: close`r`n`r`n")
                    $stream.Write($reply, 0, $reply.Length); $stream.Flush()
                } catch { } finally { $client.Close() }
            }
        }).AddArgument($listener)
        $null = $shell.BeginInvoke()
        [pscustomobject]@{ Port = $listener.LocalEndpoint.Port; Listener = $listener; Shell = $shell }
    }
    function script:Stop-Refusing407Proxy($proxy) { $proxy.Listener.Stop(); $proxy.Shell.Stop(); $proxy.Shell.Dispose() }

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
    It 'the error names the proxy as what to check, and never the key' {
        $said = Invoke-Session $null @"
Set-VisionDefault -Proxy 'http://proxyuser:proxy-pass-9x@127.0.0.1:9'
try { Send-VisionChat 'What is this?' '$Photo' -BaseUri https://vision.example.invalid/v1 -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 10 -ErrorAction Stop }
catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message; 'FIX:' + `$_.ErrorDetails.RecommendedAction }
"@
        $said | Should -Match 'ID:ChatRequestFailed'
        $said | Should -Match 'MSG:.*proxy http://127\.0\.0\.1:9'
        $said | Should -Not -Match $Key
    }

    It 'a proxy answering 407 is named without its user name or password (plain, percent-encoded or with a space; long or short) anywhere in the error' {
        $proxy = Start-Refusing407Proxy
        try {
            $said = Invoke-Session $null @"
foreach (`$userInfo in 'proxyuser:proxy-pass-9x', 'pu%3Ax:p%40w7', 'pu-sp:spaced pass-Zq8') {
    Set-VisionDefault -Proxy "http://`$userInfo@127.0.0.1:$($proxy.Port)"
    try { Send-VisionChat 'What is this?' '$Photo' -BaseUri https://vision.example.invalid/v1 -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 20 -ErrorAction Stop }
    catch {
        'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message
        'ALL:' + ((`$_ | Format-List * -Force | Out-String) + `$_.Exception.ToString() + `$_.ErrorDetails.RecommendedAction) -replace '\s+', ' '
    }
}
"@
        } finally { Stop-Refusing407Proxy $proxy }
        ([regex]::Matches($said, 'ID:ChatRequestFailed')).Count | Should -Be 3
        ([regex]::Matches($said, "MSG:.*407.*proxy http://127\.0\.0\.1:$($proxy.Port)")).Count | Should -Be 3
        $said | Should -Not -Match "'\.`"|\.`""
        foreach ($secret in 'proxy-pass-9x', 'proxyuser', 'p%40w7', 'p@w7', 'pu%3Ax', 'pu:x', 'pu-sp', 'spaced', 'Zq8', $Key) { $said | Should -Not -Match ([regex]::Escape($secret)) }
    }

    It 'a proxy or saved proxy VisionPS cannot use is refused without showing its password' {
        $said = Invoke-Session '{ "Proxy": "ftp://saveduser:saved''pass-5w@proxy.example:21" }' @"
`$null = Get-VisionDefault -WarningVariable w 3>`$null
'WARN:' + (`$w -join ' | ')
try { Set-VisionDefault -Proxy 'ftp://givenuser:given''pass-3q@proxy.example:21' -ErrorAction Stop } catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message }
"@
        $said | Should -Match 'WARN:.*Proxy.*ftp://proxy\.example:21'
        $said | Should -Match 'ID:InvalidProxy'
        $said | Should -Match 'MSG:.*ftp://proxy\.example:21'
        foreach ($secret in 'pass-5w', 'saveduser', 'pass-3q', 'givenuser') { $said | Should -Not -Match $secret } # a ' in the password too
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

Describe 'Passwords in configured addresses' {
    It 'the clear-text warning names scheme://host:port of the base URI, never the user name or password in it' {
        $said = Invoke-Session $null @"
try { Send-VisionChat 'What is this?' '$Photo' -BaseUri 'http://baseuser:base-pass-8k@vision.example.invalid:8080/v1' -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 5 -ErrorAction Stop 3>&1 | ForEach-Object { 'OUT:' + `$_ } }
catch { 'ID:' + `$_.FullyQualifiedErrorId; 'ALL:' + (`$_ | Out-String) }
"@
        $said | Should -Match 'OUT:.*http://vision\.example\.invalid:8080'
        foreach ($secret in 'base-pass-8k', 'baseuser', $Key) { $said | Should -Not -Match $secret }
    }

    It 'the half-set Azure error names the endpoint without the user name or password in it' {
        $said = Invoke-Session $null @"
Set-VisionDefault -AzureEndpoint 'https://azureuser:azure-pass-4r@contoso.openai.azure.com'
try { Send-VisionChat 'What is this?' '$Photo' -ApiKey '$Key' -ErrorAction Stop } catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message }
"@
        $said | Should -Match 'ID:IncompleteAzureSettings'
        $said | Should -Match 'MSG:.*https://contoso\.openai\.azure\.com'
        foreach ($secret in 'azure-pass-4r', 'azureuser') { $said | Should -Not -Match $secret }
    }
}

Describe 'An Azure endpoint without https://' {
    It 'Set-VisionDefault refuses it with a VisionPS error, and no later command fails with .NET''s relative-URI message' {
        $said = Invoke-Session $null @"
try { Set-VisionDefault -AzureEndpoint contoso.openai.azure.com -AzureDeployment gpt4o -ErrorAction Stop; 'SET:ok' } catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message }
foreach (`$whatIf in `$true, `$false) {
    try { `$null = Send-VisionChat 'What is this?' '$Photo' -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 5 -WhatIf:`$whatIf -ErrorAction Stop 6>&1 } catch { 'SENDID:' + `$_.FullyQualifiedErrorId; 'SENDMSG:' + `$_.Exception.Message }
}
"@
        $said | Should -Match 'ID:InvalidBaseUri,VisionPS\.Commands\.SetVisionDefaultCommand'
        $said | Should -Match 'MSG:.*-AzureEndpoint.*contoso\.openai\.azure\.com.*https://'
        $said | Should -Not -Match 'SET:ok'
        $said | Should -Not -Match 'relative URI|InvalidOperationException|System\.'
    }
}

Describe 'Azure OpenAI half set up in the saved settings' {
    It 'advises clearing the saved value (Set-VisionDefault -Reset -Save), not only -Reset, which the next session undoes' {
        $azure = $Endpoint.BaseUri -replace '/v1/?$', ''
        $said = Invoke-Session "{ `"AzureEndpoint`": `"$azure`" }" @"
try { Send-VisionChat 'What is this?' '$Photo' -ApiKey '$Key' -ErrorAction Stop } catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message }
"@
        $said | Should -Match 'ID:IncompleteAzureSettings'
        $said | Should -Match 'MSG:.*saved.*Set-VisionDefault -Reset -Save'
        $said | Should -Match ([regex]::Escape('settings.json'))
    }

    It 'with a saved BaseUri beside a half Azure setting, the error names both: either could be the one meant' {
        $said = Invoke-Session '{ "AzureDeployment": "gpt4o-prod", "BaseUri": "http://localhost:11434/v1" }' @"
try { Send-VisionChat 'What is this?' '$Photo' -ApiKey '$Key' -ErrorAction Stop } catch { 'ID:' + `$_.FullyQualifiedErrorId; 'MSG:' + `$_.Exception.Message }
"@
        $said | Should -Match 'ID:IncompleteAzureSettings'
        $said | Should -Match 'MSG:.*http://localhost:11434/v1'
        $said | Should -Match 'MSG:.*gpt4o-prod'
        $said | Should -Match 'MSG:.*-BaseUri'
    }
}

Describe 'A folder where settings.json should be, when saving' {
    It '-Reset -Save and -Model x -Save are VisionPS errors naming the folder, and the load warning stays' {
        $said = Invoke-Session $null @"
`$file = Join-Path `$env:VISIONPS_CONFIG 'settings.json'
`$null = New-Item -ItemType Directory -Path `$file
try { Set-VisionDefault -Reset -Save -Verbose -ErrorAction Stop 4>&1 | ForEach-Object { 'VERBOSE:' + `$_ } } catch { 'RESETID:' + `$_.FullyQualifiedErrorId; 'RESETMSG:' + `$_.Exception.Message }
`$null = Get-VisionDefault -WarningVariable w 3>`$null
'WARN:' + (`$w -join ' | ')
try { Set-VisionDefault -Model gpt-4o -Save -ErrorAction Stop } catch { 'MODELID:' + `$_.FullyQualifiedErrorId; 'MODELMSG:' + `$_.Exception.Message }
'STILL:' + (Test-Path -LiteralPath `$file -PathType Container)
"@
        $said | Should -Not -Match 'Deleted the saved settings'
        $said | Should -Match 'RESETID:SettingsSaveFailed'
        $said | Should -Match 'RESETMSG:.*settings\.json.*folder'
        $said | Should -Match 'WARN:.*settings\.json.*folder'
        $said | Should -Match 'MODELID:SettingsSaveFailed'
        $said | Should -Match 'MODELMSG:.*settings\.json.*folder'
        $said | Should -Not -Match 'Is a directory'
        $said | Should -Match 'STILL:True'
    }
}

Describe 'Loopback names' {
    It 'localhost. and NAME.localhost are this computer: no clear-text warning' {
        $port = ([uri]$Endpoint.BaseUri).Port
        $said = Invoke-Session $null @"
foreach (`$uri in 'http://localhost.:$port/v1', 'http://vision.localhost:$port/v1', 'http://LOCALHOST:$port/v1') {
    try { Send-VisionChat 'What is this?' '$Photo' -BaseUri `$uri -ApiKey '$Key' -MaxRetries 0 -TimeoutSec 10 -ErrorAction Stop 3>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.WarningRecord]) { 'WARN:' + `$_ } else { 'DONE:' + `$uri } } }
    catch { 'FAILED:' + `$uri }
}
"@
        $said | Should -Not -Match 'WARN:'
        ([regex]::Matches($said, '(DONE|FAILED):')).Count | Should -Be 3
    }
}

Describe 'Saved values checked as Set-VisionDefault checks them' {
    It 'a flags-style Detail, a cache cap under 1 MiB and a folder with a NUL character are skipped with a warning' {
        $said = Invoke-Session '{ "Model": "gpt-4o", "Detail": "Low, High", "CacheMaxBytes": 1, "CachePath": "\u0000", "BatchPath": "a\u0000b" }' @"
`$d = Get-VisionDefault -WarningVariable w 3>`$null
'WARN:' + (`$w -join ' | ')
'SOURCES:' + (`$d.Sources -join '; ')
'DETAIL:' + `$d.Detail
"@
        $said | Should -Match 'Detail: Built-in'
        $said | Should -Match 'CachePath: (Built-in|Environment)'
        $said | Should -Match 'BatchPath: (Built-in|Environment)'
        $said | Should -Not -Match 'CacheMaxBytes: Saved'
        $said | Should -Match 'Model: Saved'
        $warn = ($said -split "`n" | Where-Object { $_ -like 'WARN:*' }) -join ' '
        foreach ($name in 'Detail', 'CacheMaxBytes', 'CachePath', 'BatchPath') { $warn | Should -Match $name }
    }

    It '-Detail takes one name, as the saved Detail does: "Low, High" is refused, not read as Original' {
        $said = Invoke-Session $null @"
try { Set-VisionDefault -Detail 'Low, High' -ErrorAction Stop; 'SET:' + (Get-VisionDefault).Detail } catch { 'SETID:' + `$_.FullyQualifiedErrorId; 'SETMSG:' + `$_.Exception.Message }
try { `$null = Send-VisionChat 'What is this?' '$Photo' -Detail 'low,high' -ApiKey '$Key' -WhatIf -ErrorAction Stop 6>&1; 'SENT' } catch { 'SENDID:' + `$_.FullyQualifiedErrorId }
Set-VisionDefault -Detail high; 'ONE:' + (Get-VisionDefault).Detail
"@
        $said | Should -Not -Match 'SET:'
        $said | Should -Match 'SETID:ParameterArgumentTransformationError,VisionPS\.Commands\.SetVisionDefaultCommand'
        $said | Should -Match 'SETMSG:.*Low, High.*Auto, Low, High or Original'
        $said | Should -Match 'SENDID:ParameterArgumentTransformationError,VisionPS\.Commands\.SendVisionChatCommand'
        $said | Should -Match 'ONE:High'
    }

    It 'a value fixed with Set-VisionDefault ... -Save is no longer named as not used in this session' {
        $said = Invoke-Session '{ "MaxRetries": "5", "TimeoutSec": 0 }' @"
`$null = Get-VisionDefault -WarningVariable w1 3>`$null
'WARN1:' + (`$w1 -join ' | ')
Set-VisionDefault -MaxRetries 5 -Save 3>`$null
`$null = Get-VisionDefault -WarningVariable w2 3>`$null
'WARN2:' + (`$w2 -join ' | ')
Set-VisionDefault -TimeoutSec 30 -Save 3>`$null
`$null = Get-VisionDefault -WarningVariable w3 3>`$null
'WARN3:' + (`$w3 -join ' | ')
"@
        $said | Should -Match 'WARN1:.*MaxRetries.*TimeoutSec'
        $line2 = ($said -split "`n" | Where-Object { $_ -like 'WARN2:*' })
        $line2 | Should -Match 'TimeoutSec'
        $line2 | Should -Not -Match 'MaxRetries'
        ($said -split "`n" | Where-Object { $_ -like 'WARN3:*' }).Trim() | Should -Be 'WARN3:'
    }
}
