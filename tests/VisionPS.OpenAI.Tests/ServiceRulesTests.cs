using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The endpoint enforces the real service's rules, and each failure reaches the caller typed, with a hint.</summary>
    public sealed class ServiceRulesTests : EndpointTests
    {
        public ServiceRulesTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private async Task<OpenAIRequestException> ChatFails(VisionImageInput image, string model = "gpt-4o")
        {
            using VisionClient client = Endpoint.Client();
            var request = new VisionRequest { Model = model, Prompt = "rules" };
            request.Images.Add(image);
            return await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(request));
        }

        [Fact]
        public async Task BytesThatAreNotTheClaimedTypeAreRejected()
        {
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(TestImages.Jpeg(), "image/png"));
            Assert.Equal(400, error.Status);
            Assert.Equal("invalid_image_format", error.Code);
            Assert.Equal("messages[0].content[1].image_url.url", error.Param);
            Assert.Equal(Hints.Unsupported, error.Hint);
        }

        [Fact]
        public async Task AnAnimatedGifIsRejected()
        {
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(TestImages.AnimatedGif(), "image/gif"));
            Assert.Contains("animated", error.ServerMessage);
            Assert.Equal(Hints.Unsupported, error.Hint);
        }

        [Fact]
        public async Task AFormatTheServiceDoesNotTakeIsRejected()
        {
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(TestImages.Bmp(), "image/bmp"));
            Assert.Equal("invalid_image_format", error.Code);
        }

        [Fact]
        public async Task CorruptImageBytesAreRejected()
        {
            byte[] png = TestImages.Png(64, 64);
            byte[] truncated = png.AsSpan(0, png.Length / 2).ToArray();
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(truncated, "image/png"));
            Assert.Equal("image_parse_error", error.Code);
            Assert.Equal(Hints.Unsupported, error.Hint);
        }

        [Fact]
        public async Task AUrlTheServiceCannotDownloadSuggestsSendingTheFile()
        {
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromUrl(new Uri("https://images.example.invalid/cat.png")));
            Assert.Equal("invalid_image_url", error.Code);
            Assert.Equal(Hints.CouldNotDownload, error.Hint);
        }

        [Fact]
        public async Task AnImageOverTwentyMegabytesIsRejected()
        {
            byte[] big = new byte[21 * 1024 * 1024];
            TestImages.Png().CopyTo(big, 0);
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(big, "image/png"));
            Assert.Equal("image_too_large", error.Code);
            Assert.Equal(Hints.TooLarge, error.Hint);
        }

        [Fact]
        public async Task DetailOriginalIsRefusedForChatAndTakenByResponsesOnModelsThatHaveIt()
        {
            using VisionClient client = Endpoint.Client();
            int before = Endpoint.Host.Requests.Count;
            var chat = new VisionRequest { Model = "gpt-5.4", Prompt = "original" };
            chat.Images.Add(VisionImageInput.FromBytes(TestImages.Png(), "image/png", ImageDetail.Original));
            OpenAIRequestException refused = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(chat));
            Assert.Equal(before, Endpoint.Host.Requests.Count);
            Assert.Equal(Hints.OriginalNeedsResponses, refused.Hint);

            var old = new VisionRequest { Model = "gpt-4o", Prompt = "original" };
            old.Images.Add(VisionImageInput.FromBytes(TestImages.Png(), "image/png", ImageDetail.Original));
            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.RespondAsync(old));
            Assert.Equal("input[0].content[1].detail", error.Param);

            Assert.Equal("original", Answers.Image(await client.RespondAsync(chat), 0).GetProperty("detail").GetString());
        }

        [Theory]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.invalid/a.png\"}}]}]}", "messages[0].content[0].type")]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,@@@@\"}}]}]}", "messages[0].content[0].image_url.url")]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:text/plain;base64,aGVsbG8=\"}}]}]}", "messages[0].content[0].image_url.url")]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.invalid/a.png\",\"detail\":\"medium\"}}]}]}", "messages[0].content[0].image_url.detail")]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", "messages[0].content[0].image_url")]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[]}", "messages")]
        [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "model")]
        [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":{\"include_usage\":true}}", "stream_options")]
        public async Task MalformedChatBodiesGetTheServiceErrorShapeNamingTheParam(string body, string param)
        {
            using var http = new HttpClient();
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint.Host.BaseUri + "/chat/completions")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Endpoint.ApiKey);
            post.Headers.Add("X-Raw-Test", "1");

            HttpResponseMessage response = await http.SendAsync(post);
            JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal(param, error.GetProperty("param").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.True(error.TryGetProperty("code", out _));
        }
    }
}
