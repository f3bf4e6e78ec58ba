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

    It '<Name> has at least two examples, each with code and an explanation' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }
}
