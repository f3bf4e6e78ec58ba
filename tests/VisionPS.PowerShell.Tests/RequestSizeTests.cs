using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using SkiaSharp;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Requests the service would refuse for their size or shape are refused here, before anything is prepared or
    /// sent: more than 50 MB of images in one request, -Detail Original through Chat Completions, and an image too
    /// large for the format asked for (WebP: 16383 px a side).
    /// </summary>
    public sealed class RequestSizeTests : LocalEndpointTests
    {
        public RequestSizeTests()
            : base("sk-visionps-test-sizes-NEVER-PRINT-71d2", "sizes")
        {
        }

        /// <summary>A PNG of random opaque pixels (3 bytes a pixel as PNG: noise does not compress).</summary>
        private string NoisePng(string name, int width, int height, int seed)
        {
            var random = new Random(seed);
            byte[] pixels = new byte[width * height * 4];
            random.NextBytes(pixels);
            for (int i = 3; i < pixels.Length; i += 4)
            {
                pixels[i] = 255;
            }
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            string path = Path.Combine(Work, name);
            File.WriteAllBytes(path, data.ToArray());
            return path;
        }

        /// <summary>A one-colour PNG (small on disk and in memory, but as wide as asked).</summary>
        private string FlatPng(string name, int width, int height)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            bitmap.Erase(new SKColor(40, 120, 200));
            using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            string path = Path.Combine(Work, name);
            File.WriteAllBytes(path, data.ToArray());
            return path;
        }

        /// <summary>A PNG cut off part way (preparing it writes ImageDamaged).</summary>
        private string CutPng()
        {
            string path = Path.Combine(Work, "cut_wizard.png");
            byte[] whole = File.ReadAllBytes(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));
            File.WriteAllBytes(path, whole.AsSpan(0, whole.Length * 2 / 5).ToArray());
            return path;
        }

        [Fact]
        public void OneRequestWithMoreThan50MBOfImagesIsRefusedBeforeSendingNamingTheFilesTheTotalAndTheWayOut()
        {
            using var ps = Session();
            // Eleven 1300x1300 noise PNGs of about 5.07 MB each pass through unchanged with -Detail Original: 55.8 MB.
            string[] files = Enumerable.Range(0, 11).Select(i => NoisePng($"noise{i:D2}.png", 1300, 1300, i)).ToArray();
            long total = files.Sum(f => new FileInfo(f).Length);
            Assert.True(total > 50_000_000 && files.All(f => new FileInfo(f).Length <= 5L * 1024 * 1024), $"test images: {total} bytes");
            int before = Host.Requests.Count;

            var results = ps.Run("$args | Send-VisionChat 'Compare these.' -Api Responses -Model gpt-5.4 -Detail Original -Verbose", files.Cast<object>().ToArray());

            Assert.Empty(results);
            Assert.Equal(before, Host.Requests.Count); // nothing sent, nothing paid
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("RequestTooLarge,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            string message = error.ErrorDetails.Message;
            Assert.Equal(message, error.Exception.Message);
            Assert.All(files, f => Assert.Contains(f, message, StringComparison.Ordinal));
            Assert.Contains($"{total / 1e6:0.##} MB", message, StringComparison.Ordinal);
            Assert.Contains("at most 50 MB", message, StringComparison.Ordinal);
            Assert.Contains("-PerImage", message, StringComparison.Ordinal);
            Assert.Contains("-MaxSide", message, StringComparison.Ordinal);
            Assert.Contains("-Detail", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
            // Each image was prepared (the verbose lines say so) before the request was judged.
            Assert.Equal(files.Length, ps.Verbose.Count(v => v.Contains("passed through", StringComparison.Ordinal)));
        }

        [Fact]
        public void PerImageAnImageOver50MBFailsAloneAndTheOthersAreAnsweredAndSoIsABatch()
        {
            using var ps = Session();
            // 4100x4100 noise: a 50.4 MB PNG, kept whole for gpt-5.6's original detail (16,641 patches).
            string big = NoisePng("big.png", 4100, 4100, 7);
            Assert.True(new FileInfo(big).Length > 50_000_000);
            string cat = Paths.CorpusFile("jpg_gray_cat_512.jpg"), smile = Paths.CorpusFile("gif_static_smile_48.gif");
            ps.Run("$global:big = ConvertTo-VisionImage -LiteralPath $args[0] -MaxBytes 60000000 -Model gpt-5.6 -Detail Original", big);
            Assert.Empty(ps.Errors);
            int before = Host.Requests.Count;

            var results = ps.Run("$args[0], $global:big, $args[1] | Send-VisionChat 'Describe.' -PerImage -NoCache", cat, smile);

            Assert.True(results.Count == 2, string.Join(Environment.NewLine, ps.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            Assert.Equal(new[] { cat, smile }, results.Select(r => ((System.Collections.Generic.IReadOnlyList<string>)r.Properties["ImageSources"].Value)[0]));
            Assert.Equal(before + 2, Host.Requests.Count); // the big one was not sent
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("RequestTooLarge,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Contains(big, error.ErrorDetails.Message, StringComparison.Ordinal);
            Assert.Contains("at most 50 MB", error.ErrorDetails.Message, StringComparison.Ordinal);
            Assert.Equal(big, error.TargetObject);

            // A batch judges each request alike: the big image gets the same error, the others are submitted.
            before = Host.Requests.Count;
            var batches = ps.Run("$args[0], $global:big, $args[1] | Start-VisionBatch 'Describe.'", cat, smile);
            ErrorRecord batchError = Assert.Single(ps.Errors);
            Assert.Equal("RequestTooLarge,VisionPS.Commands.StartVisionBatchCommand", batchError.FullyQualifiedErrorId);
            Assert.Contains(big, batchError.ErrorDetails.Message, StringComparison.Ordinal);
            PSObject batch = Assert.Single(batches);
            Assert.Equal(2, (int)batch.Properties["ImageCount"].Value);
        }

        [Theory]
        [InlineData("")]
        [InlineData(" -PerImage")]
        public void DetailOriginalThroughChatIsRefusedBeforeAnyImageIsPrepared(string perImage)
        {
            using var ps = Session();
            // A damaged file: preparing it would write ImageDamaged; refused first, nothing is decoded.
            string cut = CutPng();
            int before = Host.Requests.Count;

            Assert.Empty(ps.Run($"try {{ Send-VisionChat 'Describe.' -Image $args -Model gpt-5.4 -Detail Original -Verbose{perImage} }} catch {{ $global:refused = $_ }}",
                Paths.CorpusFile("jpg_gray_cat_512.jpg"), cut));

            var error = (ErrorRecord)ps.Run("$global:refused")[0].BaseObject;
            Assert.Equal("ChatRequestFailed,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Contains("-Api Responses", error.ToString(), StringComparison.Ordinal);
            Assert.Empty(ps.Errors); // no ImageDamaged: nothing was prepared
            Assert.DoesNotContain(ps.Verbose, v => v.Contains("jpg_gray_cat_512.jpg:", StringComparison.Ordinal));
            Assert.Equal(before, Host.Requests.Count);

            // Through Responses the same images go (the damaged one refused as damaged); a text-only chat with a
            // session default of Original still goes through Chat.
            ps.Run($"Send-VisionChat 'Describe.' -Image $args -Model gpt-5.4 -Detail Original -Api Responses -NoCache{perImage}", Paths.CorpusFile("jpg_gray_cat_512.jpg"), cut);
            Assert.Equal("ImageDamaged", Assert.Single(ps.Errors).FullyQualifiedErrorId.Split(',')[0]);
            ps.Run("Set-VisionDefault -Detail Original");
            Assert.Single(ps.Run("Send-VisionChat 'Just text.' -Model gpt-5.4"));
            Assert.Empty(ps.Errors);
        }

        [Fact]
        public void StartVisionBatchRefusesDetailOriginalThroughChatAsBatchRequestFailedBeforePreparing()
        {
            using var ps = Session();
            string cut = CutPng();
            int before = Host.Requests.Count;

            Assert.Empty(ps.Run("try { $args | Start-VisionBatch 'Describe.' -Model gpt-5.4 -Detail Original } catch { $global:refused = $_ }", cut, Paths.CorpusFile("jpg_gray_cat_512.jpg")));

            var error = (ErrorRecord)ps.Run("$global:refused")[0].BaseObject;
            Assert.Equal("BatchRequestFailed,VisionPS.Commands.StartVisionBatchCommand", error.FullyQualifiedErrorId);
            Assert.Contains("-Api Responses", error.ToString(), StringComparison.Ordinal);
            Assert.Empty(ps.Errors); // no ImageDamaged: nothing was prepared
            Assert.Equal(before, Host.Requests.Count);
        }

        [Fact]
        public void AnImageWiderThanWebPTakesIsRefusedAsWebPNamingTheSizeTheLimitAndTheWayOut()
        {
            const string format = "WebP";
            const int width = 16400;
            const string limit = "16383";
            using var ps = Session();
            // gpt-5.6's original detail keeps a side of up to 65,535 px; a thin strip stays small in memory.
            string wide = FlatPng("wide.png", width, 16);

            var images = ps.Run($"ConvertTo-VisionImage -LiteralPath $args[0] -Model gpt-5.6 -Detail Original -Format {format}", wide);

            Assert.Empty(images);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("ImageTooLarge,VisionPS.Commands.ConvertToVisionImageCommand", error.FullyQualifiedErrorId);
            string message = error.ErrorDetails.Message;
            Assert.Contains(wide, message, StringComparison.Ordinal);
            Assert.Contains($"{width}x16", message, StringComparison.Ordinal);
            Assert.True(message.Contains(limit, StringComparison.Ordinal), message);
            Assert.Contains("-MaxSide", message, StringComparison.Ordinal);
            Assert.DoesNotContain("encoder failed", message, StringComparison.Ordinal);

            // The way out works: PNG keeps the size, -MaxSide fits the format.
            PSObject png = Assert.Single(ps.Run("ConvertTo-VisionImage -LiteralPath $args[0] -Model gpt-5.6 -Detail Original -Format Png", wide));
            Assert.Equal(width, (int)png.Properties["Width"].Value);
            PSObject fitted = Assert.Single(ps.Run($"ConvertTo-VisionImage -LiteralPath $args[0] -Model gpt-5.6 -Detail Original -Format {format} -MaxSide 16000", wide));
            Assert.Equal(16000, (int)fitted.Properties["Width"].Value);
            Assert.Empty(ps.Errors);
        }
    }
}
