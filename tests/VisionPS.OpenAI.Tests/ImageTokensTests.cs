using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The endpoint's usage follows the documented image token formulas (shared/openai/README.md).</summary>
    public sealed class ImageTokensTests
    {
        [Fact]
        public void PatchBudgetWorkedExampleGives1452Patches() => Assert.Equal(1452, ImageTokens.Patches(1800, 2400, 1536, 2048));

        [Fact]
        public void PatchModelsMultiplyPatchesByTheirFactor()
        {
            Assert.Equal((int)System.Math.Ceiling(1452 * 1.62), ImageTokens.Count("gpt-4.1-mini", 1800, 2400, "high"));
            Assert.Equal((int)System.Math.Ceiling(1452 * 2.46), ImageTokens.Count("gpt-5-nano", 1800, 2400, "auto"));
            Assert.Equal((int)System.Math.Ceiling(4 * 1.72), ImageTokens.Count("o4-mini", 64, 64, "high"));
        }

        [Theory]
        // 300 patches x 1.62 is 486 exactly; in doubles it is 486.00000000000006, which a bare ceiling billed as 487
        // while VisionPS estimated (and the documented formula gives) 486.
        [InlineData("gpt-4.1-mini", 640, 480, "high", 486)]
        [InlineData("gpt-5-mini", 640, 480, "auto", 486)]
        [InlineData("gpt-4.1-nano", 640, 480, "high", 738)]
        public void PatchTokensAreNotRaisedByFloatingPointNoise(string model, int width, int height, string detail, int tokens)
            => Assert.Equal(tokens, ImageTokens.Count(model, width, height, detail));

        [Theory]
        [InlineData("gpt-4o", 1024, 1024, "high", 765)]
        [InlineData("gpt-4o", 2048, 4096, "high", 1105)]
        [InlineData("gpt-4o", 4096, 8192, "low", 85)]
        [InlineData("gpt-5", 1024, 1024, "high", 630)]
        [InlineData("o3", 512, 512, "high", 225)]
        [InlineData("gpt-4o-mini", 512, 512, "high", 8500)]
        public void TileModelsCountBasePlusTiles(string model, int width, int height, string detail, int tokens)
            => Assert.Equal(tokens, ImageTokens.Count(model, width, height, detail));
    }
}
