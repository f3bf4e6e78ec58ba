# The README's main job, `bash tests/try.sh`, run as a newcomer runs it (output into a pipe, as CI and scripts see it).
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Try = Join-Path $RepoRoot 'tests/try.sh'
    # As a newcomer runs it: no key, no endpoint, no saved settings; standard error (set-up and build) kept for a failure.
    function script:Invoke-Try([string[]] $Arguments) {
        Invoke-WithCleanSettings {
            $errors = Join-Path $TestDrive 'try.err'
            $lines = & bash $Try @Arguments 2>$errors
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($lines -join "`n"); Errors = (Get-Content -LiteralPath $errors -Raw) }
        }
    }
}

Describe 'tests/try.sh, the main job' {
    It 'without a key: prepares the three images (the sideways one upright, the HEIC converted) and shows the request it would send' {
        $run = Invoke-Try @()
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Text | Should -Match '3 image\(s\) prepared for gpt-4\.1-mini: ~\d+ image tokens in all\.'
        $run.Text | Should -Match 'Reencode image/jpeg 428x640 +640x428'
        $run.Text | Should -Match 'd_heic_storm\.heic'
        $run.Text | Should -Match 'What if: Performing the operation "Send to gpt-4\.1-mini"'
        $run.Text | Should -Not -Match "`e" -Because 'into a pipe, the output is plain text'
    }

    It '--local: asks the local endpoint about each image and prints its answer and prompt tokens' {
        $run = Invoke-Try @('--local')
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $answers = @($run.Text -split "`n" | Where-Object { $_ -match '^\S+ \(\d+ prompt tokens, \d+ estimated for the image\): ' })
        $answers.Count | Should -Be 3
        $answers[0] | Should -Match '^jpg_orient6_panasonic_640x428\.jpg .*"width":428,"height":640'
        $run.Text | Should -Not -Match "`e"
    }

    It 'takes image paths with spaces, quotes and dollar signs as they are' {
        $folder = Join-Path $TestDrive 'my photos'
        $null = New-Item -ItemType Directory -Path $folder
        $odd = Join-Path $folder 'it''s $HOME (1).jpg'
        Copy-Item -LiteralPath (Join-Path $Corpus 'jpg_wood_2560x1920.jpg') -Destination $odd
        $run = Invoke-Try @($odd)
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Text | Should -Match '1 image\(s\) prepared for gpt-4\.1-mini'
        $run.Text | Should -Match ([regex]::Escape('Reencode image/jpeg'))
    }
}
