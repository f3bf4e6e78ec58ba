using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    public sealed class StreamingTests : EndpointTests
    {
        public StreamingTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private static VisionRequest Request(string model, string prompt)
        {
            var request = new VisionRequest { Model = model, Prompt = prompt };
            request.Images.Add(VisionImageInput.FromBytes(TestImages.Png(40, 40), "image/png", ImageDetail.Low));
            return request;
        }

        [Fact]
        public async Task DeltasArriveInOrderAndTheFinalResultCarriesUsageFromTheLastChunk()
        {
            using VisionClient client = Endpoint.Client();
            ChatAnswer whole = await client.ChatAsync(Request("gpt-4o", "stream me"));
            var deltas = new List<string>();

            ChatAnswer streamed = await client.ChatStreamingAsync(Request("gpt-4o", "stream me"), deltas.Add);

            Assert.True(deltas.Count > 3, "the answer comes in several deltas");
            Assert.Equal(whole.Text, string.Concat(deltas));
            Assert.Equal(whole.Text, streamed.Text);
            Assert.Equal(whole.PromptTokens, streamed.PromptTokens);
            Assert.Equal(whole.CompletionTokens, streamed.CompletionTokens);
            Assert.Equal(whole.TotalTokens, streamed.TotalTokens);
            Assert.True(streamed.TotalTokens > 0);
            Assert.Equal("stop", streamed.FinishReason);
            Assert.Equal("gpt-4o", streamed.Model);
            string wire = Endpoint.Host.Requests[^1].BodyText;
            JsonElement body = JsonDocument.Parse(wire).RootElement;
            Assert.True(body.GetProperty("stream").GetBoolean());
            Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        }

        [Fact]
        public async Task TheAsyncStreamYieldsDeltasAndThenTheResult()
        {
            using VisionClient client = Endpoint.Client();
            ChatStream stream = client.StreamChat(Request("gpt-4o", "async stream"));
            var text = new StringBuilder();

            await foreach (string delta in stream)
            {
                text.Append(delta);
            }

            Assert.Equal(text.ToString(), stream.Result.Text);
            Assert.Equal(1, JsonDocument.Parse(stream.Result.Text).RootElement.GetProperty("image_count").GetInt32());
        }

        [Fact]
        public async Task CancellingMidStreamStopsAtOnce()
        {
            using VisionClient client = Endpoint.Client();
            using var cancel = new CancellationTokenSource();
            var deltas = 0;
            var sinceCancel = new Stopwatch();

            // The next chunk would come 30 s later: only a cancelled read ends the call sooner (10 s leaves a loaded
            // machine room; a 5 s trickle with a 1 s bound left it none).
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ChatStreamingAsync(Request("fault:trickle=30000", "cancel me"), _ =>
            {
                if (++deltas == 1)
                {
                    cancel.Cancel();
                    sinceCancel.Start();
                }
            }, cancel.Token));

            Assert.Equal(1, deltas);
            Assert.True(sinceCancel.Elapsed < TimeSpan.FromSeconds(10), $"took {sinceCancel.Elapsed} after the cancel");
        }

        [Fact]
        public async Task ADroppedConnectionMidStreamIsATypedRetryableError()
        {
            using VisionClient client = Endpoint.Client();
            var deltas = new List<string>();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatStreamingAsync(Request("fault:drop", "drop me"), deltas.Add));

            Assert.Equal(0, error.Status);
            Assert.Equal("connection_error", error.Type);
            Assert.True(error.IsRetryable);
            Assert.NotNull(error.Hint);
            Assert.Single(deltas);
            // The text streamed before the drop (paid for) travels with the error, and the message says the stream broke
            // off rather than only blaming the connection (the connection worked: the answer had started).
            Assert.Equal(string.Concat(deltas), error.PartialText);
            Assert.Contains($"broke off after {deltas[0].Length} characters", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ADroppedConnectionBeforeTheAnswerIsRetried()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 2);
            string model = "fault:dropx1:" + Guid.NewGuid().ToString("N");

            ChatAnswer result = await client.ChatAsync(Request(model, "drop once"));

            Assert.Equal(2, Endpoint.Host.State.FaultHits[model.Substring(6)]);
            Assert.Equal("stop", result.FinishReason);
        }
    }
}
