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

        /// <summary>Random opaque pixels, encoded (noise does not compress: about 3 bytes a pixel as PNG).</summary>
        private static byte[] Noise(int width, int height, int seed, SKEncodedImageFormat format)
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
            using SKData data = bitmap.Encode(format, 100);
            return data.ToArray();
        }

        /// <summary>A noise PNG file in <see cref="LocalEndpointTests.Work"/>.</summary>
        private string NoisePng(string name, int width, int height, int seed)
        {
            string path = Path.Combine(Work, name);
            File.WriteAllBytes(path, Noise(width, height, seed, SKEncodedImageFormat.Png));
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

        [Fact]
        public void OneRequestWithMoreThan50MBOfImagesIsRefusedBeforeSendingNamingTheFilesTheTotalAndTheWayOut()
        {
            using var ps = Session();
            // Eleven 1300x1300 noise PNGs of about 5.07 MB each pass through unchanged with -Detail Original: 55.8 MB (74.4 MB as data URLs).
            string[] files = Enumerable.Range(0, 11).Select(i => NoisePng($"noise{i:D2}.png", 1300, 1300, i)).ToArray();
            long total = files.Sum(f => DataUrl(f, "image/png"));
            Assert.True(total > 50_000_000 && files.All(f => new FileInfo(f).Length <= 5L * 1024 * 1024), $"test images: {total} bytes as data URLs");
            int before = Host.Requests.Count;

            var results = ps.Run("$args | Send-VisionChat 'Compare these.' -Api Responses -Model gpt-5.4 -Detail Original -Verbose", files.Cast<object>().ToArray());

            ErrorRecord error = RefusedBeforeSending(ps, results, before);
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

        /// <summary>What an inline input is in the request body: its base64 data URL (4 characters per 3 bytes, and the prefix).</summary>
        private static long DataUrl(string path, string mime) => $"data:{mime};base64,".Length + (4 * ((new FileInfo(path).Length + 2) / 3));

        /// <summary>The one error of a request refused for its size before anything was sent: no answer, no request.</summary>
        private ErrorRecord RefusedBeforeSending(PowerShellSession ps, System.Collections.ObjectModel.Collection<PSObject> results, int before)
        {
            Assert.Empty(results);
            Assert.Equal(before, Host.Requests.Count); // nothing sent, nothing paid
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("RequestTooLarge,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            return error;
        }

        [Fact]
        public void EightImagesOf40MBAreMoreThan50MBAsTheirDataUrlsAndAreRefusedBeforeSending()
        {
            using var ps = Session();
            // Eight 1300x1300 noise PNGs of about 5.07 MB each pass through unchanged with -Detail Original: 40.6 MB,
            // which go as base64 data URLs of 54.1 MB.
            string[] files = Enumerable.Range(0, 8).Select(i => NoisePng($"noise{i:D2}.png", 1300, 1300, 100 + i)).ToArray();
            long raw = files.Sum(f => new FileInfo(f).Length), sent = files.Sum(f => DataUrl(f, "image/png"));
            Assert.True(raw < 45_000_000 && sent > 50_000_000, $"test images: {raw} bytes, {sent} as data URLs");
            int before = Host.Requests.Count;

            var results = ps.Run("$args | Send-VisionChat 'Compare these.' -Api Responses -Model gpt-5.4 -Detail Original", files.Cast<object>().ToArray());

            ErrorRecord error = RefusedBeforeSending(ps, results, before);
            string message = error.ErrorDetails.Message;
            Assert.All(files, f => Assert.Contains(f, message, StringComparison.Ordinal));
            Assert.Contains($"{sent / 1e6:0.##} MB together as sent", message, StringComparison.Ordinal);
            Assert.Contains("base64", message, StringComparison.Ordinal);
            Assert.Contains("at most 50 MB", message, StringComparison.Ordinal);
        }

        [Fact]
        public void APdfSentInlineCountsWithTheImagesOfItsRequest()
        {
            using var ps = Session();
            // Seven noise PNGs (35.5 MB; 47.3 MB as data URLs) fit; a scanned PDF of a few MB beside them does not.
            string[] files = Enumerable.Range(0, 7).Select(i => NoisePng($"noise{i:D2}.png", 1300, 1300, 200 + i)).ToArray();
            string pdf = Path.Combine(Work, "scan.pdf");
            File.WriteAllBytes(pdf, VisionPS.TestServer.SamplePdfs.ScanOfJpegs(Noise(1500, 1500, 9, SKEncodedImageFormat.Jpeg)));
            long images = files.Sum(f => DataUrl(f, "image/png")), sent = images + DataUrl(pdf, "application/pdf");
            long raw = files.Sum(f => new FileInfo(f).Length) + new FileInfo(pdf).Length;
            Assert.True(images < 50_000_000 && sent > 50_000_000 && raw < 50_000_000, $"test inputs: images {images}, with the PDF {sent} as data URLs, {raw} bytes");
            int before = Host.Requests.Count;

            var results = ps.Run("$args | Send-VisionChat 'Compare these.' -Api Responses -Model gpt-5.4 -Detail Original", files.Append(pdf).Cast<object>().ToArray());

            ErrorRecord error = RefusedBeforeSending(ps, results, before);
            Assert.Contains(pdf, error.ErrorDetails.Message, StringComparison.Ordinal);
            Assert.Contains("7 images and 1 PDF", error.ErrorDetails.Message, StringComparison.Ordinal);
            Assert.Contains($"{sent / 1e6:0.##} MB together", error.ErrorDetails.Message, StringComparison.Ordinal);

            // Without the PDF the images go.
            Assert.Single(ps.Run("$args | Send-VisionChat 'Compare these.' -Api Responses -Model gpt-5.4 -Detail Original -NoCache", files.Cast<object>().ToArray()));
            Assert.Empty(ps.Errors);
        }

        [Fact]
        public void AddAssistantImageRefusesImagesOver50MBBeforeUploadingAnyAndCountsUploadsByTheirBytes()
        {
            using var ps = Session();
            // Eleven noise PNGs of 5.07 MB (55.8 MB) with -Detail Original: the service would refuse the message.
            string[] files = Enumerable.Range(0, 11).Select(i => NoisePng($"noise{i:D2}.png", 1300, 1300, 300 + i)).ToArray();
            long total = files.Sum(f => new FileInfo(f).Length);
            Assert.True(total > 50_000_000, $"test images: {total} bytes");
            int before = Host.Requests.Count;

            var results = ps.Run("$args | Add-AssistantImage -Prompt 'Compare these.' -Model gpt-5.4 -Detail Original", files.Cast<object>().ToArray());

            Assert.Empty(results);
            Assert.Empty(Host.Requests.Skip(before)); // no upload, no conversation
            Assert.Empty(Host.State.Files);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("RequestTooLarge,VisionPS.Commands.AddAssistantImageCommand", error.FullyQualifiedErrorId);
            string message = error.ErrorDetails.Message;
            Assert.All(files, f => Assert.Contains(f, message, StringComparison.Ordinal));
            Assert.Contains($"{total / 1e6:0.##} MB together", message, StringComparison.Ordinal);
            Assert.Contains("nothing was uploaded", message, StringComparison.Ordinal);

            // Nine (45.6 MB) are uploaded and attached: an image attached by file id counts by its bytes, not as base64.
            PSObject attached = Assert.Single(ps.Run("$args | Add-AssistantImage -Prompt 'Compare these.' -Model gpt-5.4 -Detail Original", files.Take(9).Cast<object>().ToArray()));
            Assert.Empty(ps.Errors);
            Assert.Equal(9, ((System.Collections.ICollection)attached.Properties["FileIds"].Value).Count);
        }

        [Fact]
        public void PerImageAnImageOver20MBAsSentFailsAloneAndTheOthersAreAnsweredAndSoIsABatch()
        {
            using var ps = Session();
            // 2400x2400 noise: a 17.3 MB PNG, kept whole for gpt-5.6's original detail, which goes as a 23 MB data URL:
            // more than the 20 MB an image the service takes.
            string big = NoisePng("big.png", 2400, 2400, 7);
            Assert.True(new FileInfo(big).Length < 20_000_000 && DataUrl(big, "image/png") > 20_000_000);
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
            Assert.Contains($"is {DataUrl(big, "image/png") / 1e6:0.##} MB as sent", error.ErrorDetails.Message, StringComparison.Ordinal);
            Assert.Contains("at most 20 MB an image", error.ErrorDetails.Message, StringComparison.Ordinal);
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
            Assert.Equal("OriginalNeedsResponses,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
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
        public void APdfGivenByUrlIsNoImageForTheRefusalOfDetailOriginalThroughChat()
        {
            using var ps = Session();
            Uri pdf = Host.AddAsset("invoice.pdf", VisionPS.TestServer.SamplePdfs.Text(1));

            // As a local PDF, a PDF URL has no detail: -Detail Original does not stop the request before it is tried.
            ps.Run("try { Send-VisionChat 'Total?' -Image $args[0] -Model gpt-5.4 -Detail Original -NoCache } catch { $global:refused = $_ }", pdf.AbsoluteUri);
            string[] original = ps.Errors.Select(e => e.FullyQualifiedErrorId).ToArray();
            Assert.False(ps.Run<bool>("$null -ne $global:refused").Single(), "refused: " + ps.Run("\"$global:refused\"").Single());
            ps.Run("Send-VisionChat 'Total?' -Image $args[0] -Model gpt-5.4 -Detail High -NoCache", pdf.AbsoluteUri);
            Assert.Equal(ps.Errors.Select(e => e.FullyQualifiedErrorId), original);
        }

        [Fact]
        public void StartVisionBatchRefusesDetailOriginalThroughChatBeforePreparing()
        {
            using var ps = Session();
            string cut = CutPng();
            int before = Host.Requests.Count;

            Assert.Empty(ps.Run("try { $args | Start-VisionBatch 'Describe.' -Model gpt-5.4 -Detail Original } catch { $global:refused = $_ }", cut, Paths.CorpusFile("jpg_gray_cat_512.jpg")));

            var error = (ErrorRecord)ps.Run("$global:refused")[0].BaseObject;
            Assert.Equal("OriginalNeedsResponses,VisionPS.Commands.StartVisionBatchCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
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
