using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The shared image corpus (tests/setup.sh builds it) through the transport and the endpoint.</summary>
    public sealed class CorpusTests : EndpointTests
    {
        private const long MaxFileBytes = 2 * 1024 * 1024;
        private readonly ITestOutputHelper _output;

        public CorpusTests(EndpointFixture endpoint, ITestOutputHelper output)
            : base(endpoint)
        {
            _output = output;
        }

        private IEnumerable<string>? Corpus(string sub = "")
        {
            string root = Environment.GetEnvironmentVariable("VISIONPS_CORPUS") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "visionps-corpus");
            string dir = Path.Combine(root, sub);
            if (!Directory.Exists(dir))
            {
                Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"the corpus {dir} is missing");
                _output.WriteLine($"corpus {dir} missing: not checked (tests/setup.sh builds it)");
                return null;
            }
            return Directory.GetFiles(dir).Where(f => new FileInfo(f).Length <= MaxFileBytes).OrderBy(f => f, StringComparer.Ordinal);
        }

        private static string? Mime(ImageFormat format) => format switch
        {
            ImageFormat.Png => "image/png",
            ImageFormat.Jpeg => "image/jpeg",
            ImageFormat.Gif => "image/gif",
            ImageFormat.WebP => "image/webp",
            _ => null,
        };

        [Fact]
        public async Task EveryAcceptedCorpusImageArrivesByteIdenticalAndAnimatedGifsAreRefused()
        {
            IEnumerable<string>? files = Corpus();
            if (files is null)
            {
                return;
            }
            using VisionClient client = Endpoint.Client();
            int sent = 0;
            foreach (string file in files)
            {
                byte[] bytes = await File.ReadAllBytesAsync(file);
                if (Mime(ImageProbe.Sniff(bytes)) is not string mime)
                {
                    continue;
                }
                var request = new VisionRequest { Model = "gpt-4.1-mini", Prompt = Path.GetFileName(file) };
                request.Images.Add(VisionImageInput.FromBytes(bytes, mime, ImageDetail.Low));
                sent++;
                if (Path.GetFileName(file).StartsWith("gif_anim", StringComparison.Ordinal))
                {
                    OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(request));
                    Assert.Equal(Hints.Unsupported, error.Hint);
                    continue;
                }
                ChatAnswer result = await client.ChatAsync(request);
                Assert.Equal(TestImages.Sha256(bytes), Answers.Image(result, 0).GetProperty("sha256").GetString());
            }
            _output.WriteLine($"{sent} corpus images sent");
            Assert.True(sent >= 10, $"only {sent} corpus images were sent");
        }

        [Fact]
        public async Task BrokenAndHostileFilesGetA400NeverAServerFailure()
        {
            IEnumerable<string>? files = Corpus("bad");
            if (files is null)
            {
                return;
            }
            using VisionClient client = Endpoint.Client(maxRetries: 0);
            foreach (string file in files)
            {
                byte[] bytes = await File.ReadAllBytesAsync(file);
                if (bytes.Length == 0)
                {
                    Assert.Throws<ArgumentException>(() => VisionImageInput.FromBytes(bytes, "image/png"));
                    continue;
                }
                var request = new VisionRequest { Model = "gpt-4o", Prompt = Path.GetFileName(file) };
                request.Images.Add(VisionImageInput.FromBytes(bytes, Mime(ImageProbe.Sniff(bytes)) ?? "image/png", ImageDetail.Low));
                try
                {
                    await client.ChatAsync(request);
                    _output.WriteLine($"{Path.GetFileName(file)}: accepted");
                }
                catch (OpenAIRequestException error)
                {
                    _output.WriteLine($"{Path.GetFileName(file)}: {error.Status} {error.Code}");
                    Assert.True(error.Status == 400, $"{Path.GetFileName(file)}: {error.Status} {error.Type} {error.ServerMessage}");
                    Assert.NotNull(error.Hint);
                }
            }
        }
    }
}
