using System;
using System.IO;
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
    public sealed class ResponsesAndFilesTests : EndpointTests
    {
        public ResponsesAndFilesTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task ResponsesTakeBytesUrlsAndFileIdsAsInputImages()
        {
            using VisionClient client = Endpoint.Client();
            byte[] jpeg = TestImages.Jpeg(90, 60), png = TestImages.Png(12, 12, 4), webp = TestImages.Webp(33, 44);
            VisionFile file = await client.UploadFileAsync(webp, "photo.webp");
            var request = new VisionRequest { Model = "gpt-5.4", Prompt = "three ways", SystemPrompt = "instructions here", MaxTokens = 4000 };
            request.Images.Add(VisionImageInput.FromBytes(jpeg, "image/jpeg", ImageDetail.Original));
            request.Images.Add(VisionImageInput.FromUrl(Endpoint.Host.AddAsset("r.png", png), ImageDetail.Low));
            request.Images.Add(VisionImageInput.FromFileId(file.Id, ImageDetail.High));

            ChatAnswer result = await client.RespondAsync(request);

            Assert.Equal("responses", result.Api);
            Assert.Equal("stop", result.FinishReason);
            Assert.StartsWith("resp_", result.ResponseId);
            JsonElement answer = Answers.Parse(result);
            Assert.Equal("instructions here", answer.GetProperty("system").GetString());
            JsonElement[] images = answer.GetProperty("images").EnumerateArray().ToArray();
            Assert.Equal(("data_url", TestImages.Sha256(jpeg), "original"), (images[0].GetProperty("source").GetString(), images[0].GetProperty("sha256").GetString(), images[0].GetProperty("detail").GetString()));
            Assert.Equal(("url", TestImages.Sha256(png)), (images[1].GetProperty("source").GetString(), images[1].GetProperty("sha256").GetString()));
            Assert.Equal(("file", TestImages.Sha256(webp), file.Id), (images[2].GetProperty("source").GetString(), images[2].GetProperty("sha256").GetString(), images[2].GetProperty("file_id").GetString()));
            Assert.True(result.PromptTokens > 0 && result.TotalTokens == result.PromptTokens + result.CompletionTokens);
        }

        [Fact]
        public async Task AResponseContinuesAConversationServerSide()
        {
            using VisionClient client = Endpoint.Client();
            string conversation = await client.CreateConversationAsync();
            VisionFile file = await client.UploadFileAsync(TestImages.Png(8, 8), "first.png");
            string item = await client.AddConversationItemAsync(conversation, "look at this", new[] { VisionImageInput.FromFileId(file.Id, ImageDetail.Low) });
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "and now?", ConversationId = conversation };

            ChatAnswer result = await client.RespondAsync(request);

            Assert.StartsWith("msg_", item);
            Assert.Equal(conversation, result.ConversationId);
            ConversationState state = Endpoint.Host.State.Conversations[conversation];
            Assert.Equal(3, state.Items.Count);
            Assert.Equal(file.Id, (string?)state.Items[0]["content"]![1]!["file_id"]);
            Assert.Equal("assistant", (string?)state.Items[2]["role"]);
        }

        [Fact]
        public async Task AnUnknownFileIdIsRejectedWithTheParamNamed()
        {
            using VisionClient client = Endpoint.Client();
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "x" };
            request.Images.Add(VisionImageInput.FromFileId("file-doesnotexist"));

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.RespondAsync(request));

            Assert.Equal(400, error.Status);
            Assert.Equal("invalid_request_error", error.Type);
            Assert.Equal("input[0].content[1].file_id", error.Param);
            Assert.Contains("file-doesnotexist", error.ServerMessage);
            Assert.False(error.IsRetryable);
        }

        [Fact]
        public async Task FilesUploadWithExpiryAndCanBeReadAndDeleted()
        {
            using VisionClient client = Endpoint.Client();
            byte[] png = TestImages.Png(30, 20);

            VisionFile uploaded = await client.UploadFileAsync(new MemoryStream(png), "ünïcode name.png", expiresAfter: TimeSpan.FromHours(2));
            VisionFile read = await client.GetFileAsync(uploaded.Id);
            bool deleted = await client.DeleteFileAsync(uploaded.Id);
            OpenAIRequestException gone = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.GetFileAsync(uploaded.Id));

            Assert.Equal(png.Length, uploaded.Bytes);
            Assert.Equal("vision", uploaded.Purpose);
            Assert.Equal("ünïcode name.png", read.FileName);
            Assert.Equal(TimeSpan.FromHours(2), read.ExpiresAt - read.CreatedAt);
            Assert.True(deleted);
            Assert.Equal(404, gone.Status);
            Assert.Throws<ArgumentOutOfRangeException>(() => client.UploadFileAsync(png, "x.png", expiresAfter: TimeSpan.FromMinutes(5)).GetAwaiter().GetResult());
        }

        [Fact]
        public async Task AVisionUploadThatIsNotAnImageIsRefusedByTheService()
        {
            using VisionClient client = Endpoint.Client();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.UploadFileAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "notes.png"));

            Assert.Equal(400, error.Status);
            Assert.Equal(Hints.Unsupported, error.Hint);
        }

        [Fact]
        public async Task ResponseDescriptionShowsInputImagesWithoutTheBulk()
        {
            using VisionClient client = Endpoint.Client();
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "what if", ConversationId = "conv_123" };
            request.Images.Add(VisionImageInput.FromBytes(TestImages.Png(200, 200), "image/png"));

            string description = client.DescribeResponseRequest(request);

            JsonElement body = JsonDocument.Parse(description).RootElement.GetProperty("body");
            Assert.Equal("conv_123", body.GetProperty("conversation").ValueKind == JsonValueKind.Object ? body.GetProperty("conversation").GetProperty("id").GetString() : body.GetProperty("conversation").GetString());
            Assert.Equal("input_image", body.GetProperty("input")[0].GetProperty("content")[1].GetProperty("type").GetString());
            Assert.Contains("base64 chars, sha256", description);
            Assert.Empty(OpenApiContract.Validate("POST", "/responses", System.Text.Json.Nodes.JsonNode.Parse(body.GetRawText())!));
        }

        [Theory]
        [InlineData("{\"object\":\"file\",\"bytes\":10,\"filename\":\"a.png\",\"purpose\":\"vision\"}")]
        [InlineData("{\"id\":\"\",\"object\":\"file\"}")]
        [InlineData("{\"id\":null,\"object\":\"file\"}")]
        [InlineData("[]")]
        public void AFileAnswerWithoutAnIdIsUnreadableNotAFileWithNoId(string json)
        {
            // Add-VisionFile emitted such a file, and Add-AssistantImage or Start-VisionBatch then used the empty id.
            FormatException error = Assert.Throws<FormatException>(() => VisionFile.Parse(BinaryData.FromString(json)));
            Assert.Contains("no id", error.Message, StringComparison.Ordinal);
        }
    }
}
