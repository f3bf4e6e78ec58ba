BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

# The help the build generates (src/Help.targets) from the cmdlets' XML docs, as Get-Help shows it in real PowerShell.
Describe 'Get-Help <cmdlet> -Full' -ForEach @(
    (Import-PowerShellDataFile (Join-Path (Split-Path -Parent $PSScriptRoot) 'VisionPS.psd1')).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
) {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name
    }

    It '<Name> has a synopsis of its own, not the generated syntax' {
        $help.Synopsis.Trim() | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$Name*"
    }

    It '<Name> has a description' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It '<Name> describes every parameter' {
        $described = @{}
        foreach ($p in $help.parameters.parameter) { $described[$p.name] = ($p.description.Text -join '').Trim() }
        $own = $command.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters }
        foreach ($p in $own) {
            $described[$p] | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
    }

    It '<Name> shows a default value for each parameter whose description names a default, not None' {
        foreach ($p in $help.parameters.parameter) {
            if (($p.description.Text -join ' ') -match '\(default: ') {
                "$($p.defaultValue)" | Should -Not -BeIn @('None', '') -Because "-$($p.name) says where its default comes from"
            }
        }
    }

    It '<Name> has at least two examples, each with code and an explanation' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'Help a user can find online and offline' -ForEach @(
    (Import-PowerShellDataFile (Join-Path (Split-Path -Parent $PSScriptRoot) 'VisionPS.psd1')).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
) {
    It '<Name> has the project README as its HelpUri, also its first related link' {
        $command = Get-Command -Name $Name
        $command.HelpUri | Should -Be 'https://github.com/visionps/VisionPS#readme'
        @((Get-Help -Name $Name -Full).relatedLinks.navigationLink)[0].uri | Should -Be $command.HelpUri
    }
}

Describe 'Get-Help -Online and about_VisionPS' {
    It 'Get-Help -Online opens the README in the browser' -Skip:(-not $IsLinux) {
        # .NET opens a URL on Linux with the first xdg-open on PATH: this one writes down what it was asked to open.
        $bin = Join-Path ([System.IO.Path]::GetTempPath()) "visionps-browser-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $bin
        $opened = Join-Path $bin 'opened.txt'
        Set-Content -LiteralPath (Join-Path $bin 'xdg-open') -Value "#!/bin/sh`nprintf '%s' `"`$1`" > '$opened'`n"
        chmod +x (Join-Path $bin 'xdg-open')
        $path = $env:PATH
        try {
            $env:PATH = "$bin$([System.IO.Path]::PathSeparator)$path"
            Get-Help -Name Send-VisionChat -Online
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path -LiteralPath $opened) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-Content -LiteralPath $opened -Raw | Should -Be 'https://github.com/visionps/VisionPS#readme'
        }
        finally {
            $env:PATH = $path
            Remove-Item -LiteralPath $bin -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'about_VisionPS explains defaults, the answer cache, batches, environment variables and troubleshooting' {
        $about = Get-Help -Name about_VisionPS | Out-String
        foreach ($section in 'DEFAULTS', 'THE ANSWER CACHE', 'BATCHES', 'ENVIRONMENT VARIABLES', 'TROUBLESHOOTING') {
            $about | Should -Match "(?m)^\s*$section\s*$"
        }
        foreach ($variable in 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'VISIONPS_CACHE', 'VISIONPS_BATCHES') {
            $about | Should -Match $variable
        }
    }
}
