using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>Every body the transport sends is valid against the official OpenAPI document; wrong bodies are not.</summary>
    public sealed class ContractTests : EndpointTests
    {
        public ContractTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task EveryRequestKindTheTransportSendsMatchesItsSchemaInTheSpec()
        {
            using VisionClient client = Endpoint.Client();
            byte[] png = TestImages.Png(24, 24);
            Uri url = Endpoint.Host.AddAsset("contract.png", png);
            VisionFile file = await client.UploadFileAsync(png, "contract.png", expiresAfter: TimeSpan.FromDays(1));
            var full = new VisionRequest
            {
                Model = "gpt-4o",
                Prompt = "contract",
                SystemPrompt = "system",
                MaxTokens = 500,
                Temperature = 0.5,
                JsonSchema = new VisionJsonSchema("shape", "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"),
            };
            full.Images.Add(VisionImageInput.FromBytes(png, "image/png", ImageDetail.High));
            full.Images.Add(VisionImageInput.FromUrl(url, ImageDetail.Low));
            await client.ChatAsync(full);
            await client.ChatStreamingAsync(full, _ => { });
            full.Images.Add(VisionImageInput.FromFileId(file.Id, ImageDetail.Auto));
            string conversation = await client.CreateConversationAsync();
            full.ConversationId = conversation;
            await client.RespondAsync(full);
            await client.AddConversationItemAsync(conversation, "more", new[] { VisionImageInput.FromFileId(file.Id), VisionImageInput.FromBytes(png, "image/png") });
            string thread = await client.CreateThreadAsync();
            await client.AddThreadMessageAsync(thread, "thread", new[] { VisionImageInput.FromFileId(file.Id, ImageDetail.Low), VisionImageInput.FromUrl(url) });

            var checkedOps = new HashSet<string>();
            foreach (CapturedRequest request in Endpoint.Host.Requests.Where(Endpoint.IsTransportBody))
            {
                IReadOnlyList<string> errors = OpenApiContract.Validate(request);
                Assert.True(errors.Count == 0, $"{request.Method} {request.Path}:\n{string.Join("\n", errors)}\n{request.BodyText.Substring(0, Math.Min(2000, request.BodyText.Length))}");
                checkedOps.Add(OpenApiContract.SchemaNameFor(request.Method, request.Path.Substring(3)));
            }
            Assert.Superset(new HashSet<string> { "CreateChatCompletionRequest", "CreateResponse", "CreateFileRequest", "CreateConversationBody", "CreateThreadRequest", "CreateMessageRequest" }, checkedOps);
        }

        [Theory]
        [InlineData("/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"detail\":\"high\"}}]}]}")]
        [InlineData("/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}")]
        [InlineData("/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://a.example/x.png\",\"detail\":\"ultra\"}}]}]}")]
        [InlineData("/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")]
        [InlineData("/responses", "{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"https://a.example/x.png\",\"detail\":\"ultra\"}]}]}")]
        [InlineData("/threads/thread_1/messages", "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://a.example/x.png\"}}],\"image\":\"extra\"}")]
        [InlineData("/threads/thread_1/messages", "{\"role\":\"system\",\"content\":\"hi\"}")]
        public void ADeliberatelyWrongBodyFailsTheContract(string path, string body)
        {
            IReadOnlyList<string> errors = OpenApiContract.Validate("POST", path, JsonNode.Parse(body)!);
            Assert.NotEmpty(errors);
        }

        [Fact]
        public void TheSameBodyRightPassesTheContract()
        {
            Assert.Empty(OpenApiContract.Validate("POST", "/chat/completions", JsonNode.Parse("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://a.example/x.png\",\"detail\":\"high\"}}]}]}")!));
        }
    }
}
