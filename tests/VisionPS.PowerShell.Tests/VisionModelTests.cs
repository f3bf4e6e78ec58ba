using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    public class VisionModelTests
    {
        [Fact]
        public void GetVisionModelSaysWhichRulesApplyAndWhereTheyComeFrom()
        {
            using var ps = new PowerShellSession();
            var rules = ps.Run("Get-VisionModel -Model gpt-5.6-terra, gpt-4o-2024-08-06, llava-unknown-x1");
            Assert.Empty(ps.Errors);
            Assert.Equal(3, rules.Count);
            Assert.Equal("VisionPS.VisionModelRules", rules[0].TypeNames[0]);
            Assert.Equal("gpt-5.6", rules[0].Properties["Rules"].Value);
            Assert.Equal(true, rules[0].Properties["AutoMeansOriginal"].Value);
            Assert.Equal(30000, rules[0].Properties["OriginalPatchLimit"].Value);
            Assert.Equal(0, rules[0].Properties["OriginalPatchBudget"].Value);
            Assert.Contains("agenthub/pull/194", (string)rules[0].Properties["Source"].Value, StringComparison.Ordinal);
            Assert.Equal("gpt-4o", rules[1].Properties["Rules"].Value);
            Assert.Equal(true, rules[1].Properties["Known"].Value);
            Assert.Equal(85, rules[1].Properties["BaseTokens"].Value);
            Assert.Equal(false, rules[2].Properties["Known"].Value);
            Assert.Equal("gpt-4o", rules[2].Properties["Rules"].Value);

            var all = ps.Run("Get-VisionModel");
            Assert.Contains(all, r => (string)r.Properties["Model"].Value == "gpt-5.6");
            Assert.True(all.Count >= 18);
        }

        [Fact]
        public void AnUnknownModelGivesOneWarningNamingTheRulesUsedInItsPlace()
        {
            using var ps = new PowerShellSession();
            var infos = ps.Run("Get-VisionImageInfo -LiteralPath $args -Model warn-test-vlm-7b -Detail High",
                Paths.CorpusFile("jpg_storm_1920x1280.jpg"), Paths.CorpusFile("gif_static_smile_48.gif"));
            Assert.Equal(2, infos.Count);
            string warning = Assert.Single(ps.Warnings);
            Assert.Contains("'warn-test-vlm-7b'", warning, StringComparison.Ordinal);
            Assert.Contains("gpt-4o: tiles, 85 + 170 per 512-px tile", warning, StringComparison.Ordinal);
            Assert.Contains("Get-VisionModel", warning, StringComparison.Ordinal);
            // 1920x1280 -> 1152x768 on gpt-4o's rules: 3 x 2 tiles.
            Assert.Equal(85 + (6 * 170), infos[0].Properties["EstimatedTokens"].Value);

            ps.Run("Get-VisionImageInfo -LiteralPath $args[0] -Model gpt-4.1-mini", Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            Assert.Empty(ps.Warnings);
        }

        [Fact]
        public void AModelAddedInTheUsersFileIsUsedWithNoNewRelease()
        {
            // A name no other test uses, so tests running in parallel see the same rules for every other model.
            string file = Path.Combine(Path.GetTempPath(), $"visionps-models-{Guid.NewGuid():N}.json");
            File.WriteAllText(file, """
                { "models": [ { "name": "ps-test-local-vlm", "family": "patch", "patchSize": 14, "patchBudget": 576,
                                "maxSide": 336, "multiplier": 1, "source": "measured on my server" } ] }
                """);
            string? before = Environment.GetEnvironmentVariable("VISIONPS_MODELS");
            try
            {
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", file);
                using var ps = new PowerShellSession();
                PSObject rules = ps.Run("Get-VisionModel ps-test-local-vlm-q4").Single();
                Assert.Equal(true, rules.Properties["Known"].Value);
                Assert.Equal(file, rules.Properties["Origin"].Value);
                Assert.Equal("measured on my server", rules.Properties["Source"].Value);
                PSObject info = ps.Run("Get-VisionImageInfo -LiteralPath $args[0] -Model ps-test-local-vlm-q4",
                    Paths.CorpusFile("jpg_storm_1920x1280.jpg")).Single();
                Assert.Empty(ps.Warnings);
                Assert.Equal(336, info.Properties["TargetWidth"].Value);
                Assert.Equal(224, info.Properties["TargetHeight"].Value);
                Assert.Equal(24 * 16, info.Properties["EstimatedTokens"].Value);
            }
            finally
            {
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", before);
                File.Delete(file);
            }
        }
    }
}
