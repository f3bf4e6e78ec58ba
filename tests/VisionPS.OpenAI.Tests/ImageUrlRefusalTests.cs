using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The endpoint's Ollama-like mode: http(s) image URLs refused, data: URLs taken.</summary>
    public sealed class ImageUrlRefusalTests : EndpointTests
    {
        public ImageUrlRefusalTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AServerThatCannotFetchUrlsRefusesAnImageUrlButTakesTheSameImageInline()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 0);
            byte[] png = TestImages.Png(16, 16);
            var byUrl = new VisionRequest { Model = "fault:no-image-urls", Prompt = "x" };
            byUrl.Images.Add(VisionImageInput.FromUrl(Endpoint.Host.AddAsset("refused.png", png)));

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(byUrl));
            Assert.Equal(400, error.Status);
            Assert.Equal("invalid_image_url", error.Code);
            Assert.Equal("messages[0].content[1].image_url.url", error.Param);

            var inline = new VisionRequest { Model = "fault:no-image-urls", Prompt = "x" };
            inline.Images.Add(VisionImageInput.FromBytes(png, "image/png"));
            ChatAnswer result = await client.ChatAsync(inline);
            Assert.Equal(TestImages.Sha256(png), Answers.Parse(result).GetProperty("images")[0].GetProperty("sha256").GetString());
        }
        [Theory]
        [InlineData(null, false, true)]
        [InlineData("https://api.openai.com/v1", false, true)]
        [InlineData("https://myres.openai.azure.com/", false, true)]
        [InlineData("https://gateway.example.com/v1", true, true)]
        [InlineData("http://localhost:11434/v1", false, false)]   // Ollama
        [InlineData("http://127.0.0.1:1234/v1", false, false)]    // LM Studio
        [InlineData("https://generativelanguage.googleapis.com/v1beta/openai/", false, false)]
        public void OnlyOpenAIAndAzureFetchImageUrlsThemselves(string? baseUri, bool azure, bool fetches)
        {
            Assert.Equal(fetches, UrlImages.ServiceFetchesUrls(baseUri is null ? null : new Uri(baseUri), azure));
        }

        [Fact]
        public async Task DownloadsStayWithinTheFileBudget()
        {
            using var http = new HttpClient();
            byte[] png = TestImages.Png(64, 64);
            Uri url = Endpoint.Host.AddAsset("budget.png", png);
            Assert.Equal(png, await UrlImages.DownloadAsync(http, url, png.Length, CancellationToken.None));
            var tooBig = await Assert.ThrowsAsync<HttpRequestException>(() => UrlImages.DownloadAsync(http, url, png.Length - 1, CancellationToken.None));
            Assert.Contains("budget", tooBig.Message, StringComparison.Ordinal);
            var missing = await Assert.ThrowsAsync<HttpRequestException>(() => UrlImages.DownloadAsync(http, new Uri(Endpoint.Host.Root, "assets/none.png"), 1000, CancellationToken.None));
            Assert.Contains("404", missing.Message, StringComparison.Ordinal);
        }
    }
}
