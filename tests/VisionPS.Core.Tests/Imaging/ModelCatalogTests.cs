using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    [Collection("VISIONPS_MODELS environment")] // the variable is the process's: tests that set it take turns
    public class ModelCatalogTests
    {
        private static readonly string s_builtIn = ModelCatalog.BuiltInJson();

        [Fact]
        public void TheShippedFileHoldsEveryModelWithASource()
        {
            ModelCatalog catalog = ModelCatalog.Parse(s_builtIn, null);
            string[] expected =
            {
                "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4.5", "gpt-4o", "gpt-4o-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano",
                "gpt-5.2", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.5", "gpt-5.6", "o1", "o3", "o4-mini",
            };
            Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), catalog.Models.Select(m => m.Name));
            Assert.All(catalog.Models, m => Assert.False(string.IsNullOrWhiteSpace(m.Source), m.Name));
            Assert.All(catalog.Models, m => Assert.Equal("built-in", m.Origin));
            Assert.Equal("gpt-4o", catalog.Default.Name);
            Assert.Null(catalog.UserFileError);
        }

        [Fact]
        public void Gpt56AutoMeansOriginalWithNoPatchBudget()
        {
            ModelVision g56 = ModelCatalog.Parse(s_builtIn, null).Find("gpt-5.6-terra")!;
            Assert.Equal("gpt-5.6", g56.Name);
            Assert.True(g56.AutoMeansOriginal);
            Assert.Equal(0, g56.OriginalPatchBudget);
            // auto keeps a 4000x3000 photo as it is: 125 x 94 = 11750 patches, no 2500 or 10000 budget.
            Assert.Equal((4000, 3000), g56.TargetSize(4000, 3000, ImageDetail.Auto));
            Assert.Equal(11750, g56.EstimateTokens(4000, 3000, ImageDetail.Auto));
            Assert.Equal((4000, 3000), g56.TargetSize(4000, 3000, ImageDetail.Original));
            // high: 2048 px and 2500 patches.
            (int w, int h) = g56.TargetSize(4000, 3000, ImageDetail.High);
            Assert.True(w <= 2048 && ModelVision.Patches(w, h) <= 2500 && ModelVision.Patches(w, h) > 2300, $"{w}x{h}");
            // Over the 30,000-patch limit the service refuses the image: VisionPS shrinks it to fit instead.
            (w, h) = g56.TargetSize(12000, 9000, ImageDetail.Auto);
            Assert.True(ModelVision.Patches(w, h) <= 30000 && ModelVision.Patches(w, h) > 29000, $"{w}x{h}");
            // gpt-5.5 keeps its budgets: auto is high there.
            ModelVision g55 = ModelCatalog.Parse(s_builtIn, null).Find("gpt-5.5")!;
            Assert.False(g55.AutoMeansOriginal);
            Assert.Equal(g55.TargetSize(4000, 3000, ImageDetail.High), g55.TargetSize(4000, 3000, ImageDetail.Auto));
        }

        [Fact]
        public void UserEntriesAddModelsAndReplaceBuiltInOnesByName()
        {
            string user = """
                {
                  // comments are allowed
                  "models": [
                    { "name": "llava", "family": "patch", "patchSize": 14, "patchBudget": 576, "maxSide": 336, "multiplier": 1, "source": "mine" },
                    { "name": "GPT-4O", "family": "tile", "baseTokens": 100, "tileTokens": 200 }
                  ]
                }
                """;
            ModelCatalog catalog = ModelCatalog.Parse(s_builtIn, user, "/home/me/.config/VisionPS/models.json");
            Assert.Null(catalog.UserFileError);
            Assert.Equal("/home/me/.config/VisionPS/models.json", catalog.UserFile);
            Assert.Same(catalog.Find("llava-1.6"), catalog.Find("llava:13b")); // Ollama tags
            ModelVision llava = catalog.Find("llava-1.6")!;
            Assert.Equal("/home/me/.config/VisionPS/models.json", llava.Origin);
            Assert.Equal((336, 252), llava.TargetSize(1600, 1200, ImageDetail.High));
            Assert.Equal(24 * 18, llava.EstimateTokens(1600, 1200, ImageDetail.High)); // ceil(336/14) x ceil(252/14)
            Assert.Equal(100 + (4 * 200), catalog.Find("gpt-4o-2024-08-06")!.EstimateTokens(1024, 1024, ImageDetail.High));
            Assert.Equal(100 + (4 * 200), catalog.Default.EstimateTokens(1024, 1024, ImageDetail.High));
            Assert.Equal(85 + (4 * 170), catalog.Find("gpt-4.1")!.EstimateTokens(1024, 1024, ImageDetail.High)); // untouched
        }

        [Theory]
        [InlineData("{ not json", "is not valid JSON")]
        [InlineData("""{ "models": [ { "family": "tile" } ] }""", "models[0] needs a 'name'")]
        [InlineData("""{ "models": [ { "name": "x", "family": "hexagon" } ] }""", "family 'hexagon' is unknown")]
        [InlineData("""{ "models": [ { "name": "x", "family": "tile", "baseTokens": 85 } ] }""", "model 'x' needs 'tileTokens'")]
        [InlineData("""{ "models": [ { "name": "x", "family": "patch", "patchBudget": -3 } ] }""", "'patchBudget' must be a whole number above 0")]
        [InlineData("""{ "default": "nothing-like-it" }""", "the default model 'nothing-like-it' has no entry")]
        public void ABadUserFileIsReportedByNameAndTheBuiltInRulesApply(string user, string message)
        {
            ModelCatalog catalog = ModelCatalog.Parse(s_builtIn, user, "/tmp/bad-models.json");
            Assert.NotNull(catalog.UserFileError);
            Assert.Contains(message, catalog.UserFileError, StringComparison.Ordinal);
            Assert.Contains("/tmp/bad-models.json", catalog.UserFileError, StringComparison.Ordinal);
            Assert.Null(catalog.UserFile);
            Assert.Equal(18, catalog.Models.Count);
        }

        [Fact]
        public void AFileThatIsNotJsonSaysWhereInPlainWords()
        {
            ModelCatalog catalog = ModelCatalog.Parse(s_builtIn, "{ not json", "/tmp/bad-models.json");
            Assert.StartsWith("The model rules file '/tmp/bad-models.json' is not valid JSON at line 1, position 3;", catalog.UserFileError, StringComparison.Ordinal);
            Assert.DoesNotContain("BytePositionInLine", catalog.UserFileError, StringComparison.Ordinal);
        }

        [Fact]
        public void VisionPsModelsNamesTheUserFileAndChangesAreReadWithoutARestart()
        {
            // Adds a name no other test uses, so tests running in parallel see the same rules for every other model.
            string file = Path.Combine(Path.GetTempPath(), $"visionps-models-{Guid.NewGuid():N}.json");
            string? before = Environment.GetEnvironmentVariable("VISIONPS_MODELS");
            try
            {
                File.WriteAllText(file, """{ "models": [ { "name": "catalog-test-model", "family": "tile", "baseTokens": 1, "tileTokens": 2 } ] }""");
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", file);
                Assert.Equal(file, ModelCatalog.UserFilePath());
                Assert.Equal(1 + (4 * 2), TokenEstimator.Estimate("catalog-test-model", ImageDetail.High, 1024, 1024));
                File.WriteAllText(file, """{ "models": [ { "name": "catalog-test-model", "family": "tile", "baseTokens": 10, "tileTokens": 20, "source": "edited" } ] }""");
                File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
                Assert.Equal(10 + (4 * 20), TokenEstimator.Estimate("catalog-test-model", ImageDetail.High, 1024, 1024));
            }
            finally
            {
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", before);
                File.Delete(file);
            }
            Assert.Null(ModelVision.Find("catalog-test-model"));
        }

        /// <summary>
        /// A FIFO named as the user's models.json (VISIONPS_MODELS) hung every command that sizes an image: its length is 0,
        /// which passed the size check, and reading it waited for a writer. It is now reported, and the built-in rules apply.
        /// </summary>
        [Fact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // FIFOs are made by mkfifo (the suite runs on Linux)
        public void AFifoAsTheUserFileIsReportedWithoutWaitingForAWriter()
        {
            string dir = Path.Combine(Path.GetTempPath(), $"visionps-models-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dir);
            string fifo = Path.Combine(dir, "models.json");
            Caching.Fifo.Make(fifo);
            string? before = Environment.GetEnvironmentVariable("VISIONPS_MODELS");
            try
            {
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", fifo);
                ModelCatalog catalog = Caching.Fifo.Within(() => ModelCatalog.Current, fifo);
                Assert.StartsWith($"The model rules file '{fifo}' is not a regular file", catalog.UserFileError, StringComparison.Ordinal);
                Assert.NotNull(catalog.Find("gpt-4o"));
            }
            finally
            {
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", before);
                Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void TheShippedFileIsPlainJsonWithNoComments()
        {
            // The module's own file must stay readable by any JSON tool (comments live in "$comment").
            using JsonDocument doc = JsonDocument.Parse(s_builtIn);
            Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("models").ValueKind);
        }
    }
}
