BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:savedXdg = $env:XDG_CONFIG_HOME
    $script:savedModels = $env:VISIONPS_MODELS
    $env:VISIONPS_MODELS = $null
    $script:config = Join-Path ([IO.Path]::GetTempPath()) ("visionps-config-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path (Join-Path $config 'VisionPS') -Force | Out-Null
    $env:XDG_CONFIG_HOME = $config
    $script:userFile = Join-Path $config 'VisionPS/models.json'
}

AfterAll {
    $env:XDG_CONFIG_HOME = $savedXdg
    $env:VISIONPS_MODELS = $savedModels
    Remove-Item -LiteralPath $config -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-VisionModel and the model rules file' {
    It 'shows the built-in gpt-5.6 rules: auto means original, no patch budget' {
        $r = Get-VisionModel gpt-5.6-luna
        $r.Rules | Should -Be 'gpt-5.6'
        $r.AutoMeansOriginal | Should -BeTrue
        $r.OriginalPatchBudget | Should -Be 0
        $r.Origin | Should -Be 'built-in'
    }

    It 'reads a model added in $XDG_CONFIG_HOME/VisionPS/models.json, and a replaced gpt-4o' {
        Set-Content -LiteralPath $userFile -Value @'
{ "models": [
  { "name": "qwen2.5-vl", "family": "patch", "patchSize": 28, "patchBudget": 1280, "maxSide": 1792, "source": "my notes" },
  { "name": "gpt-4o", "family": "tile", "baseTokens": 90, "tileTokens": 180 }
] }
'@
        $q = Get-VisionModel qwen2.5-vl-7b
        $q.Known | Should -BeTrue
        $q.Origin | Should -Be $userFile
        (Get-VisionModel gpt-4o).BaseTokens | Should -Be 90
        (Get-VisionImageInfo -LiteralPath (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') -Model gpt-4o -Detail Low).EstimatedTokens | Should -Be 90
        Get-VisionImageInfo -LiteralPath (Join-Path $Corpus 'jpg_storm_1920x1280.jpg') -Model qwen2.5-vl-7b -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        $w.Count | Should -Be 0
    }

    It 'warns once for an unknown model, naming the rules used in its place' {
        Remove-Item -LiteralPath $userFile -ErrorAction SilentlyContinue
        $files = Get-ChildItem -LiteralPath $Corpus -Filter 'png_*.png' -File | Select-Object -First 3
        $info = $files | Get-VisionImageInfo -Model mystery-vlm -WarningVariable w -WarningAction SilentlyContinue
        $info.Count | Should -Be 3
        $w.Count | Should -Be 1
        $w[0].Message | Should -BeLike "*'mystery-vlm'*gpt-4o: tiles*"
        (Get-VisionModel mystery-vlm).Known | Should -BeFalse
    }

    It 'warns about a broken user file, naming it, and keeps the built-in rules' {
        Set-Content -LiteralPath $userFile -Value '{ "models": [ { "name": "x", "family": "hexagon" } ] }'
        $r = Get-VisionModel gpt-4o -WarningVariable w -WarningAction SilentlyContinue
        $r.BaseTokens | Should -Be 85
        $w.Count | Should -Be 1
        $w[0].Message | Should -BeLike "*$userFile*hexagon*"
        Remove-Item -LiteralPath $userFile
    }
}
