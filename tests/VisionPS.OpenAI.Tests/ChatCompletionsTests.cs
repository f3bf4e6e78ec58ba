using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    public sealed class ChatCompletionsTests : EndpointTests
    {
        public ChatCompletionsTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task EachImageArrivesByteIdenticalWithItsFormatSizeAndDetail()
        {
            byte[] png = TestImages.Png(64, 48), jpeg = TestImages.Jpeg(100, 30), webp = TestImages.Webp(17, 9), gif = TestImages.Gif();
            var request = new VisionRequest { Model = "gpt-4o", Prompt = "round trip", SystemPrompt = "be exact" };
            request.Images.Add(VisionImageInput.FromBytes(png, "image/png", ImageDetail.High));
            request.Images.Add(VisionImageInput.FromBytes(jpeg, "image/jpeg", ImageDetail.Low));
            request.Images.Add(VisionImageInput.FromBytes(webp, "image/webp", ImageDetail.Auto));
            request.Images.Add(VisionImageInput.FromBytes(gif, "image/gif"));
            using VisionClient client = Endpoint.Client();

            ChatAnswer result = await client.ChatAsync(request);

            JsonElement answer = Answers.Parse(result);
            Assert.Equal("round trip", answer.GetProperty("prompt").GetString());
            Assert.Equal("be exact", answer.GetProperty("system").GetString());
            (byte[] Bytes, string Format, int W, int H, string Detail)[] expected =
            {
                (png, "png", 64, 48, "high"), (jpeg, "jpeg", 100, 30, "low"), (webp, "webp", 17, 9, "auto"), (gif, "gif", 1, 1, "auto"),
            };
            for (int i = 0; i < expected.Length; i++)
            {
                JsonElement image = answer.GetProperty("images")[i];
                Assert.Equal(TestImages.Sha256(expected[i].Bytes), image.GetProperty("sha256").GetString());
                Assert.Equal(expected[i].Format, image.GetProperty("format").GetString());
                Assert.Equal(expected[i].W, image.GetProperty("width").GetInt32());
                Assert.Equal(expected[i].H, image.GetProperty("height").GetInt32());
                Assert.Equal(expected[i].Detail, image.GetProperty("detail").GetString());
                Assert.Equal("data_url", image.GetProperty("source").GetString());
            }
            Assert.Equal("stop", result.FinishReason);
            Assert.Equal("gpt-4o", result.Model);
            Assert.StartsWith("chatcmpl-", result.ResponseId);
            Assert.True(result.Duration > TimeSpan.Zero);
            Assert.Equal(result.PromptTokens + result.CompletionTokens, result.TotalTokens);
            // gpt-4o: 64x48 high = 85 + 1 tile * 170; low = 85; auto (treated as high) 85 + 170, twice.
            int imageTokens = answer.GetProperty("images").EnumerateArray().Sum(i => i.GetProperty("tokens").GetInt32());
            Assert.Equal(255 + 85 + 255 + 255, imageTokens);
        }

        [Fact]
        public async Task AnHttpUrlIsPassedThroughUntouchedAndDownloadedByTheService()
        {
            byte[] png = TestImages.Png(20, 10, seed: 3);
            Uri url = Endpoint.Host.AddAsset("pass-through.png", png);
            var request = new VisionRequest { Model = "gpt-4.1-mini", Prompt = "url" };
            request.Images.Add(VisionImageInput.FromUrl(url, ImageDetail.Low));
            using VisionClient client = Endpoint.Client();

            ChatAnswer result = await client.ChatAsync(request);

            JsonElement image = Answers.Image(result, 0);
            Assert.Equal("url", image.GetProperty("source").GetString());
            Assert.Equal(url.AbsoluteUri, image.GetProperty("url").GetString());
            Assert.Equal(TestImages.Sha256(png), image.GetProperty("sha256").GetString());
        }

        [Fact]
        public async Task AJsonSchemaRequestReturnsTheRawJsonAndSendsTheStrictSchema()
        {
            var request = new VisionRequest
            {
                Model = "gpt-4o",
                Prompt = "json please",
                JsonSchema = new VisionJsonSchema("answer", "{\"type\":\"object\",\"properties\":{\"api\":{\"type\":\"string\"}},\"required\":[\"api\"],\"additionalProperties\":false}"),
            };
            using VisionClient client = Endpoint.Client();

            ChatAnswer result = await client.ChatAsync(request);

            Assert.NotNull(result.Json);
            Assert.Equal("chat", JsonDocument.Parse(result.Json!).RootElement.GetProperty("api").GetString());
            CapturedRequest sent = Endpoint.Host.Requests.Last(r => r.BodyText.Contains("json please"));
            JsonElement format = JsonDocument.Parse(sent.Body).RootElement.GetProperty("response_format");
            Assert.Equal("json_schema", format.GetProperty("type").GetString());
            Assert.True(format.GetProperty("json_schema").GetProperty("strict").GetBoolean());
            Assert.Equal("answer", format.GetProperty("json_schema").GetProperty("name").GetString());
        }

        [Fact]
        public async Task MaxTokensAndTemperatureAreSentAndALengthStopIsReported()
        {
            var request = new VisionRequest { Model = "gpt-4o", Prompt = "short", MaxTokens = 5, Temperature = 0.25 };
            using VisionClient client = Endpoint.Client();

            ChatAnswer result = await client.ChatAsync(request);

            Assert.Equal("length", result.FinishReason);
            Assert.Equal(5, result.CompletionTokens);
            JsonElement sent = JsonDocument.Parse(Endpoint.Host.Requests.Last(r => r.BodyText.Contains("\"short\"")).Body).RootElement;
            Assert.Equal(5, sent.GetProperty("max_completion_tokens").GetInt32());
            Assert.Equal(0.25, sent.GetProperty("temperature").GetDouble(), 3);
        }

        [Fact]
        public async Task AFileIdIsRefusedForChatCompletionsBeforeAnythingIsSent()
        {
            int before = Endpoint.Host.Requests.Count;
            var request = new VisionRequest { Model = "gpt-4o", Prompt = "file" };
            request.Images.Add(VisionImageInput.FromFileId("file-abc"));
            using VisionClient client = Endpoint.Client();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(request));

            Assert.Contains("Responses API", error.Hint);
            Assert.Equal(before, Endpoint.Host.Requests.Count);
        }

        [Fact]
        public async Task TheDescriptionIsTheWireBodyWithBase64ShortenedAndNoKey()
        {
            byte[] png = TestImages.Png(300, 200, seed: 9);
            var request = new VisionRequest { Model = "gpt-4o", Prompt = "describe me", MaxTokens = 50 };
            request.Images.Add(VisionImageInput.FromBytes(png, "image/png", ImageDetail.High));
            using VisionClient client = Endpoint.Client();

            string description = client.DescribeChatRequest(request);
            await client.ChatAsync(request);

            JsonElement described = JsonDocument.Parse(description).RootElement;
            Assert.Equal(Endpoint.Host.BaseUri.AbsoluteUri.TrimEnd('/') + "/chat/completions", described.GetProperty("url").GetString());
            string wire = Endpoint.Host.Requests.Last(r => r.BodyText.Contains("describe me")).BodyText;
            string shortened = RequestDescriberAccess.Shorten(wire);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(shortened), System.Text.Json.Nodes.JsonNode.Parse(described.GetProperty("body").GetRawText())), "description != wire body");
            Assert.Contains("sha256 " + TestImages.Sha256(png), description);
            Assert.True(description.Length < 2000, "base64 must be shortened");
            Assert.DoesNotContain(Endpoint.ApiKey, description);
        }

        [Fact]
        public void ARequestWithoutPromptAndImagesIsRejectedLocally()
        {
            using VisionClient client = Endpoint.Client();
            Assert.Throws<ArgumentException>(() => client.DescribeChatRequest(new VisionRequest { Model = "gpt-4o" }));
            Assert.Throws<ArgumentException>(() => VisionImageInput.FromUrl(new Uri("file:///etc/passwd")));
            Assert.Throws<ArgumentException>(() => VisionImageInput.FromBytes(new byte[] { 1 }, "text/plain"));
        }
    }

    internal static class RequestDescriberAccess
    {
        internal static string Shorten(string json) => RequestDescriber.ShortenDataUrls(System.Text.Json.Nodes.JsonNode.Parse(json))!.ToJsonString();
    }
}
