using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>-Stream through the Responses API: its server-sent events, read by the SDK.</summary>
    public sealed class ResponsesStreamingTests : EndpointTests
    {
        public ResponsesStreamingTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AStreamedResponseGivesTheSameTextInPiecesAndTheUsageAtTheEnd()
        {
            using VisionClient client = Endpoint.Client();
            byte[] jpeg = TestImages.Jpeg(300, 200);
            VisionRequest Request()
            {
                var r = new VisionRequest { Model = "gpt-4.1-mini", Prompt = "Describe, streamed.", SystemPrompt = "be brief" };
                r.Images.Add(VisionImageInput.FromBytes(jpeg, "image/jpeg", ImageDetail.High));
                return r;
            }
            ChatAnswer whole = await client.RespondAsync(Request());
            var deltas = new List<string>();

            ChatAnswer streamed = await client.RespondStreamingAsync(Request(), deltas.Add);

            Assert.True(deltas.Count > 3, $"{deltas.Count} deltas");
            Assert.Equal(whole.Text, string.Concat(deltas));
            Assert.Equal(whole.Text, streamed.Text);
            Assert.Equal("responses", streamed.Api);
            Assert.Equal("stop", streamed.FinishReason);
            Assert.StartsWith("resp_", streamed.ResponseId);
            Assert.Equal(whole.PromptTokens, streamed.PromptTokens);
            Assert.Equal(whole.CompletionTokens, streamed.CompletionTokens);
            Assert.Equal(TestImages.Sha256(jpeg), Answers.Parse(streamed).GetProperty("images")[0].GetProperty("sha256").GetString());
            string body = Endpoint.Host.Requests.Last(r => r.Path.EndsWith("/responses", StringComparison.Ordinal)).BodyText;
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("stream").GetBoolean());
        }

        [Fact]
        public async Task AStreamCutShortByMaxTokensIsIncomplete()
        {
            using VisionClient client = Endpoint.Client();
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "long", MaxTokens = 16 };
            request.Images.Add(VisionImageInput.FromBytes(TestImages.Png(8, 8), "image/png"));

            ChatAnswer streamed = await client.RespondStreamingAsync(request, _ => { });

            Assert.Equal("length", streamed.FinishReason);
            Assert.Equal(16, streamed.CompletionTokens);
        }

        [Fact]
        public async Task AnErrorBeforeTheStreamIsTheUsualTypedError()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 0);
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "x" };
            request.Images.Add(VisionImageInput.FromFileId("file-nope"));

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.RespondStreamingAsync(request, _ => { }));

            Assert.Equal(400, error.Status);
            Assert.Equal("input[0].content[1].file_id", error.Param);
        }
    }
}
