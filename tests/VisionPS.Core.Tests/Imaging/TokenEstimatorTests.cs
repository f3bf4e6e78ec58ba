using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class TokenEstimatorTests
    {
        [Fact]
        public void PatchBudgetScalesTheReadmeExampleTo1056x1408And1452Patches()
        {
            Assert.Equal((1056, 1408), ModelVision.FitPatchBudget(1800, 2400, 1536));
            Assert.Equal(1452, ModelVision.Patches(1056, 1408));
            // 1452 patches x 1.62 = 2352.24, charged as whole tokens.
            Assert.Equal(2353, TokenEstimator.Estimate("gpt-4.1-mini", ImageDetail.High, 1800, 2400));
            Assert.Equal((1056, 1408), ModelVision.Find("gpt-4.1-mini")!.TargetSize(1800, 2400, ImageDetail.High));
        }

        [Fact]
        public void SmallImagesOnPatchModelsCountWholePatchesTimesTheMultiplier()
        {
            // 100x100 -> 4x4 = 16 patches.
            Assert.Equal(26, TokenEstimator.Estimate("gpt-4.1-mini", ImageDetail.Auto, 100, 100));   // 25.92
            Assert.Equal(40, TokenEstimator.Estimate("gpt-5-nano", ImageDetail.Auto, 100, 100));     // 39.36
            Assert.Equal(28, TokenEstimator.Estimate("o4-mini", ImageDetail.Auto, 100, 100));        // 27.52
            Assert.Equal(16, TokenEstimator.Estimate("gpt-5.2", ImageDetail.Auto, 100, 100));
        }

        [Theory]
        [InlineData("gpt-4o", 1024, 1024, ImageDetail.High, 765)]      // 768x768 -> 2x2 tiles: 85 + 4 x 170
        [InlineData("gpt-4o", 2048, 4096, ImageDetail.High, 1105)]     // 1024x2048 -> 768x1536 -> 2x3 tiles
        [InlineData("gpt-4o", 4096, 8192, ImageDetail.Low, 85)]
        [InlineData("gpt-4.1", 512, 512, ImageDetail.Auto, 255)]       // 1 tile
        [InlineData("gpt-5", 1024, 1024, ImageDetail.High, 630)]       // 70 + 4 x 140
        [InlineData("o1", 1024, 1024, ImageDetail.High, 675)]          // 75 + 4 x 150
        [InlineData("gpt-4o-mini", 1024, 1024, ImageDetail.High, 25501)] // 2833 + 4 x 5667
        [InlineData("gpt-4o-2024-08-06", 1024, 1024, ImageDetail.High, 765)]
        [InlineData(null, 1024, 1024, ImageDetail.High, 765)]          // default: gpt-4o rules
        public void TileModelsCountBasePlus512PxTiles(string? model, int w, int h, ImageDetail detail, int tokens)
        {
            Assert.Equal(tokens, TokenEstimator.Estimate(model, detail, w, h));
        }

        [Theory]
        [InlineData("gpt-5.4-mini", VisionFamily.Patch, 1.62)]
        [InlineData("GPT-4.1-NANO", VisionFamily.Patch, 2.46)]
        [InlineData("gpt-5-mini-2025-08-07", VisionFamily.Patch, 1.62)]
        [InlineData("openai/o4-mini", VisionFamily.Patch, 1.72)]
        [InlineData("gpt-5.4", VisionFamily.Patch, 1.0)]
        [InlineData("gpt-5-chat-latest", VisionFamily.Tile, 1.0)]
        [InlineData("o3", VisionFamily.Tile, 1.0)]
        public void ModelNamesResolveLongestPrefixFirst(string model, VisionFamily family, double multiplier)
        {
            ModelVision vision = ModelVision.Find(model)!;
            Assert.Equal(family, vision.Family);
            Assert.Equal(multiplier, vision.PatchMultiplier);
        }

        [Fact]
        public void UnknownModelsHaveNoRules()
        {
            Assert.Null(ModelVision.Find("llava-13b"));
            Assert.Null(ModelVision.Find(""));
            Assert.Null(ModelVision.Find("gpt-5.1x"));
        }

        [Fact]
        public void TargetSizeIsWhatTheModelLooksAt()
        {
            ModelVision gpt4o = ModelVision.Find("gpt-4o")!;
            Assert.Equal((1024, 768), gpt4o.TargetSize(4000, 3000, ImageDetail.High));
            Assert.Equal((512, 384), gpt4o.TargetSize(4000, 3000, ImageDetail.Low));
            Assert.Equal((300, 200), gpt4o.TargetSize(300, 200, ImageDetail.High));
            // gpt-5.4 high: 2500 patches; original: 6000 px box and 10000 patches.
            ModelVision g54 = ModelVision.Find("gpt-5.4")!;
            (int w, int h) = g54.TargetSize(4000, 3000, ImageDetail.High);
            Assert.True(ModelVision.Patches(w, h) <= 2500 && ModelVision.Patches(w, h) > 2300, $"{w}x{h}");
            (w, h) = g54.TargetSize(8000, 6000, ImageDetail.Original);
            Assert.True(ModelVision.Patches(w, h) <= 10000 && w <= 6000, $"{w}x{h}");
            // original is not a thing on gpt-4.1-mini: high rules apply.
            Assert.Equal((1056, 1408), ModelVision.Find("gpt-4.1-mini")!.TargetSize(1800, 2400, ImageDetail.Original));
        }

        [Fact]
        public void PreparedImagesAreSizedForTheModel()
        {
            var options = new PrepareOptions { Model = "gpt-4o" };
            Assert.Equal((1024, 768), ImagePreparer.TargetSize(4000, 3000, options));
            options.Detail = ImageDetail.Low;
            Assert.Equal((512, 384), ImagePreparer.TargetSize(4000, 3000, options));
            Assert.Equal((2048, 1536), ImagePreparer.TargetSize(4000, 3000, new PrepareOptions()));
            Assert.Equal((512, 384), ImagePreparer.TargetSize(4000, 3000, new PrepareOptions { Detail = ImageDetail.Low }));
            Assert.Equal((1056, 1408), ImagePreparer.TargetSize(1800, 2400, new PrepareOptions { Model = "gpt-5-mini" }));
        }

        [Fact]
        public void DetailOriginalIsNotCutToTheDefault2048Box()
        {
            // gpt-5.4 original: 10000 patches in a 6000-px box; 5000x5000 -> 3200x3200 (sqrt(1024*10000/25e6) = 0.64).
            var original = new PrepareOptions { Model = "gpt-5.4", Detail = ImageDetail.Original };
            Assert.Equal((3200, 3200), ImagePreparer.TargetSize(5000, 5000, original));
            Assert.Equal((6000, 1), ImagePreparer.TargetSize(10000, 1, original));
            Assert.Equal(10000, TokenEstimator.Estimate("gpt-5.4", ImageDetail.Original, 3200, 3200));
            // gpt-5.6 auto acts as original at the API, but only an explicit -Detail Original lifts the 2048-px default:
            // a folder of photos sent with no -Detail stays in the default box (not 5000x5000, 24,400 tokens each).
            Assert.Equal((2048, 2048), ImagePreparer.TargetSize(5000, 5000, new PrepareOptions { Model = "gpt-5.6" }));
            Assert.Equal((1600, 1600), ImagePreparer.TargetSize(5000, 5000, new PrepareOptions { Model = "gpt-5.6", Detail = ImageDetail.High }));
            Assert.Equal((5000, 5000), ImagePreparer.TargetSize(5000, 5000, new PrepareOptions { Model = "gpt-5.6", Detail = ImageDetail.Original }));
            // High is unchanged, and a MaxSide that is given still bounds original.
            Assert.Equal((1600, 1600), ImagePreparer.TargetSize(5000, 5000, new PrepareOptions { Model = "gpt-5.4", Detail = ImageDetail.High }));
            Assert.Equal((2048, 2048), ImagePreparer.TargetSize(5000, 5000, new PrepareOptions { Model = "gpt-5.4", Detail = ImageDetail.Original, MaxSide = 2048 }));
            // No model: the 2048-px default box.
            Assert.Equal((2048, 2048), ImagePreparer.TargetSize(5000, 5000, new PrepareOptions { Detail = ImageDetail.Original }));
        }
    }
}
