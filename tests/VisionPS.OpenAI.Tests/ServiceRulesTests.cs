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

        private async Task<OpenAIRequestException> ChatFails(VisionImageInput image, string model = "gpt-4o", TimeSpan? timeout = null)
        {
            using VisionClient client = Endpoint.Client(timeout: timeout);
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
            // A 28 MB body: 30 s per try was too little once at load 60 (three tries timed out, no answer to check).
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(big, "image/png"), timeout: TimeSpan.FromMinutes(5));
            Assert.Equal("image_too_large", error.Code);
            Assert.Equal(Hints.TooLarge, error.Hint);
        }

        /// <summary>A PNG padded to <paramref name="length"/> bytes (it still decodes: the padding follows its end).</summary>
        private static byte[] PaddedPng(int length)
        {
            byte[] bytes = new byte[length];
            TestImages.Png().CopyTo(bytes, 0);
            return bytes;
        }

        [Fact]
        public async Task AnImageOf16MBIsRefusedAsItsDataUrlIsMoreThan20MB()
        {
            // 16,000,000 bytes are a 21,333,358-character data URL: the service counts what the request carries.
            OpenAIRequestException error = await ChatFails(VisionImageInput.FromBytes(PaddedPng(16_000_000), "image/png"), timeout: TimeSpan.FromMinutes(5));
            Assert.Equal("image_too_large", error.Code);
            Assert.Contains("21333358", error.ServerMessage, StringComparison.Ordinal);
            Assert.Equal(Hints.TooLarge, error.Hint);
        }

        [Fact]
        public async Task EightImagesOf40MBAndAPdfAreCountedAsTheDataUrlsTheRequestCarries()
        {
            using VisionClient client = Endpoint.Client(timeout: TimeSpan.FromMinutes(5));
            var request = new VisionRequest { Model = "gpt-4o", Prompt = "rules" };
            for (int i = 0; i < 8; i++)
            {
                request.Images.Add(VisionImageInput.FromBytes(PaddedPng(5_070_000), "image/png")); // 40.6 MB; 54.1 MB as data URLs
            }
            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(request));
            Assert.Equal("image_too_large", error.Code);
            Assert.Equal(Hints.TooLarge, error.Hint);

            // Seven fit (47.3 MB as data URLs); an inline PDF beside them counts in the same total.
            request.Images.RemoveAt(7);
            byte[] pdf = VisionPS.TestServer.SamplePdfs.Text(1);
            byte[] padded = new byte[2_500_000];
            pdf.CopyTo(padded, 0); // what follows %%EOF is padding a reader ignores
            request.Images.Add(VisionImageInput.FromPdf(padded, "padded.pdf"));
            error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(request));
            Assert.Equal("image_too_large", error.Code);
            request.Images.RemoveAt(7);
            Assert.NotNull(await client.ChatAsync(request));
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

        private async Task<(int Status, JsonElement Body)> PostAsync(string path, string body)
        {
            using var http = new HttpClient();
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint.Host.BaseUri + path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Endpoint.ApiKey);
            HttpResponseMessage response = await http.SendAsync(post);
            return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        private static string ChatWithFormat(string jsonSchema) =>
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Read it.\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":" + jsonSchema + "}}";

        private static string ResponsesWithFormat(string jsonSchema) =>
            "{\"model\":\"gpt-4o\",\"input\":\"Read it.\",\"text\":{\"format\":" + jsonSchema.Insert(1, "\"type\":\"json_schema\",") + "}}";

        /// <summary>
        /// A strict json_schema is held to Structured Outputs' rules, with the service's 400: the root an object, every
        /// object additionalProperties false and every property required, no keyword strict mode refuses, a name of
        /// a-z, A-Z, 0-9, _ and - of at most 64 characters. Without strict the schema is taken as it is.
        /// </summary>
        [Theory]
        [InlineData("{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}", "Invalid schema for response_format 'answer': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'.")]
        [InlineData("{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"]}}", "Invalid schema for response_format 'answer': In context=(), 'additionalProperties' is required to be supplied and to be false.")]
        [InlineData("{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"number\"}},\"required\":[\"a\"],\"additionalProperties\":false}}", "Invalid schema for response_format 'answer': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.")]
        [InlineData("{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":true}},\"required\":[\"o\"],\"additionalProperties\":false}}", "Invalid schema for response_format 'answer': In context=('properties', 'o'), 'additionalProperties' is required to be supplied and to be false.")]
        [InlineData("{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"allOf\":[{\"minItems\":1}]}},\"required\":[\"t\"],\"additionalProperties\":false}}", "Invalid schema for response_format 'answer': In context=('properties', 't'), 'allOf' is not permitted.")]
        [InlineData("{\"name\":\"my answer\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}}", "string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.")]
        [InlineData("{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}}", "string too long. Expected a string with maximum length 64, but got a string with length 65 instead.")]
        public async Task AStrictSchemaTheServiceWouldRefuseIsA400InItsWordsOnBothApis(string format, string message)
        {
            foreach ((string path, string body) in new[] { ("/chat/completions", ChatWithFormat(format)), ("/responses", ResponsesWithFormat(format)) })
            {
                (int status, JsonElement answer) = await PostAsync(path, body);
                Assert.Equal(400, status);
                JsonElement error = answer.GetProperty("error");
                Assert.EndsWith(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
                Assert.StartsWith(path == "/responses" ? "text.format" : "response_format", error.GetProperty("param").GetString(), StringComparison.Ordinal);
            }
        }

        /// <summary>Keywords the current Structured Outputs guide does not list as unsupported are taken in strict mode.</summary>
        [Theory]
        [InlineData("\"t\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,\"contains\":{\"type\":\"string\"}}")]
        [InlineData("\"t\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false,\"minProperties\":0,\"propertyNames\":{\"pattern\":\"^a$\"}}")]
        public async Task AStrictSchemaWithKeywordsTheGuideAllowsIsTakenOnBothApis(string property)
        {
            string format = "{\"name\":\"answer\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{" + property + "},\"required\":[\"t\"],\"additionalProperties\":false}}";
            Assert.Equal(200, (await PostAsync("/chat/completions", ChatWithFormat(format))).Item1);
            Assert.Equal(200, (await PostAsync("/responses", ResponsesWithFormat(format))).Item1);
        }

        /// <summary>With a json_schema the answer is JSON that matches it (types, required properties, enums, arrays, $defs).</summary>
        [Fact]
        public async Task TheAnswerToAJsonSchemaRequestMatchesTheSchema()
        {
            const string format = "{\"name\":\"receipt\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{"
                + "\"prompt\":{\"type\":\"string\"},\"total\":{\"type\":\"number\"},\"count\":{\"type\":\"integer\"},\"paid\":{\"type\":\"boolean\"},"
                + "\"currency\":{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\"]},\"note\":{\"type\":[\"string\",\"null\"]},"
                + "\"shop\":{\"$ref\":\"#/$defs/shop\"},\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                + "\"required\":[\"prompt\",\"total\",\"count\",\"paid\",\"currency\",\"note\",\"shop\",\"lines\"],\"additionalProperties\":false,"
                + "\"$defs\":{\"shop\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"],\"additionalProperties\":false}}}}";
            (int status, JsonElement chat) = await PostAsync("/chat/completions", ChatWithFormat(format));
            Assert.Equal(200, status);
            (int rstatus, JsonElement responses) = await PostAsync("/responses", ResponsesWithFormat(format));
            Assert.Equal(200, rstatus);
            foreach (string text in new[]
            {
                chat.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!,
                responses.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!,
            })
            {
                JsonElement answer = JsonDocument.Parse(text).RootElement;
                Assert.Equal(new[] { "prompt", "total", "count", "paid", "currency", "note", "shop", "lines" }, System.Linq.Enumerable.Select(answer.EnumerateObject(), p => p.Name));
                Assert.Equal("Read it.", answer.GetProperty("prompt").GetString());
                Assert.Equal(JsonValueKind.Number, answer.GetProperty("total").ValueKind);
                Assert.True(answer.GetProperty("count").TryGetInt64(out _));
                Assert.Equal(JsonValueKind.False, answer.GetProperty("paid").ValueKind);
                Assert.Equal("EUR", answer.GetProperty("currency").GetString());
                Assert.Equal(JsonValueKind.String, answer.GetProperty("shop").GetProperty("name").ValueKind);
                Assert.Equal(JsonValueKind.Array, answer.GetProperty("lines").ValueKind);
            }
        }
    }
}
