using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// Every answer the spec allows (and a gateway's error) is read into a correct answer or one typed, non-terminating
    /// error: never a raw .NET exception. The endpoint sends each shape by name (fault canned=NAME).
    /// </summary>
    public sealed class ResponseShapesTests : EndpointTests
    {
        public ResponseShapesTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private static VisionRequest Request(string canned)
        {
            var request = new VisionRequest { Model = "fault:canned=" + canned, Prompt = "What is this?" };
            request.Images.Add(VisionImageInput.FromBytes(TestImages.Png(16, 16), "image/png", ImageDetail.Low));
            return request;
        }

        /// <summary>The answer, or the unreadable-answer error; any other exception fails the test.</summary>
        private static async Task<(ChatAnswer? Answer, OpenAIRequestException? Error)> AskAsync(Func<Task<ChatAnswer>> ask)
        {
            try
            {
                return (await ask(), null);
            }
            catch (OpenAIRequestException ex)
            {
                return (null, ex);
            }
        }

        [Fact]
        public async Task ChatWithNoChoicesIsAnUnreadableAnswerWithItsRawBody()
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request("empty-choices")));
            Assert.Null(answer);
            Assert.True(error!.IsUnreadable);
            Assert.Equal(200, error.Status);
            Assert.False(error.IsRetryable);
            Assert.Contains("\"choices\":[]", error.RawBody, StringComparison.Ordinal);
            Assert.Contains("the answer has no choices", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("audio-not-base64")]
        [InlineData("bad-annotation-url")]
        [InlineData("unknown-tool-call")]
        public async Task OddChatShapesAreReadOrReportedAsUnreadable(string canned)
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request(canned)));
            if (error is not null)
            {
                Assert.True(error.IsUnreadable, error.Message);
                Assert.Contains("chatcmpl-canned", error.RawBody, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("chatcmpl-canned", answer!.ResponseId);
                Assert.Equal(canned == "unknown-tool-call" ? string.Empty : "a cat", answer.Text);
            }
        }

        [Theory]
        [InlineData("content-object", "an object")]
        [InlineData("content-number", "a number")]
        public async Task AMessageContentThatIsNeitherTextNorPartsIsUnreadableNotAnEmptyAnswer(string canned, string kind)
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request(canned)));
            Assert.Null(answer);
            Assert.True(error!.IsUnreadable, error.Message);
            Assert.Contains($"the answer's message content is {kind}, not text", error.Message, StringComparison.Ordinal);
            Assert.Contains("chatcmpl-canned", error.RawBody, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AChoiceWithoutAMessageIsUnreadableInWordsNotANullReference()
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request("message-null")));
            Assert.Null(answer);
            Assert.True(error!.IsUnreadable, error.Message);
            Assert.Contains("the answer's first choice has no message", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Object reference", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task UsageBelowZeroIsNoUsageNotANegativeCount()
        {
            using VisionClient client = Endpoint.Client();
            ChatAnswer answer = await client.ChatAsync(Request("usage-negative"));
            Assert.Equal("a cat", answer.Text);
            Assert.Equal((0, 0, 0), (answer.PromptTokens, answer.CompletionTokens, answer.TotalTokens));
        }

        [Fact]
        public async Task AnAnswerThatIsNotJsonIsUnreadable()
        {
            using VisionClient client = Endpoint.Client();
            (_, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request("not-json")));
            Assert.True(error!.IsUnreadable);
            Assert.Contains("Bad gateway", error.RawBody, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AChatRefusalReachesTheAnswer()
        {
            using VisionClient client = Endpoint.Client();
            ChatAnswer answer = await client.ChatAsync(Request("refusal"));
            Assert.Equal("I can't help with identifying people in images.", answer.Refusal);
            Assert.Equal(string.Empty, answer.Text);
        }

        [Fact]
        public async Task AResponsesRefusalReachesTheAnswer()
        {
            using VisionClient client = Endpoint.Client();
            ChatAnswer answer = await client.RespondAsync(Request("responses-refusal"));
            Assert.Equal("I can't help with that.", answer.Refusal);
        }

        [Theory]
        [InlineData("responses-failed", "The response failed: The model could not finish the answer.")]
        [InlineData("responses-cancelled", "The response was cancelled")]
        [InlineData("responses-queued", "The response is not finished (status queued)")]
        public async Task AResponseThatDidNotSucceedIsAnErrorNotAnEmptyAnswer(string canned, string expected)
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.RespondAsync(Request(canned)));
            Assert.Null(answer);
            Assert.Equal(200, error!.Status);
            Assert.False(error.IsUnreadable);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Contains("resp_canned", error.Hint, StringComparison.Ordinal);
            if (canned == "responses-failed")
            {
                Assert.Equal("server_error", error.Code);
            }
        }

        [Theory]
        [InlineData("responses-reasoning-only", "status incomplete: max_output_tokens", "-MaxTokens")]
        [InlineData("responses-reasoning-completed", "status completed", "again")]
        public async Task AResponseWithOnlyReasoningAndNoMessageIsAnErrorNotAnEmptyAnswer(string canned, string status, string advice)
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.RespondAsync(Request(canned)));
            Assert.True(answer is null, $"an answer with text '{answer?.Text}' and FinishReason {answer?.FinishReason}");
            Assert.Equal(200, error!.Status);
            Assert.False(error.IsUnreadable);
            Assert.Equal("no_answer", error.Code);
            Assert.Contains("no answer message, only the model's reasoning", error.Message, StringComparison.Ordinal);
            Assert.Contains(status, error.Message, StringComparison.Ordinal);
            Assert.Contains(advice, error.Hint, StringComparison.Ordinal);
            Assert.Contains("resp_canned", error.Hint, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AStreamedResponseWithOnlyReasoningIsTheSameErrorNotAnEmptyAnswer()
        {
            using VisionClient client = Endpoint.Client();
            var deltas = new List<string>();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.RespondStreamingAsync(Request("responses-stream-reasoning-only"), deltas.Add));
            Assert.True(answer is null, $"an answer with text '{answer?.Text}' and FinishReason {answer?.FinishReason}");
            Assert.Empty(deltas);
            Assert.Equal("no_answer", error!.Code);
            Assert.Contains("status incomplete: max_output_tokens", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AFailedResponseWithAMessageOfMegabytesIsCutToAFewLines()
        {
            using VisionClient client = Endpoint.Client();
            (_, OpenAIRequestException? error) = await AskAsync(() => client.RespondAsync(Request("responses-failed-huge")));
            Assert.Equal("response_failed", error!.Type);
            Assert.StartsWith("The response failed: xxxx", error.ServerMessage, StringComparison.Ordinal);
            Assert.EndsWith("characters in all)", error.ServerMessage, StringComparison.Ordinal);
            Assert.InRange(error.Message.Length, 2000, 2300);
        }

        [Fact]
        public async Task AFailedResponseThatEchoesTheKeyDoesNotShowIt()
        {
            using VisionClient client = Endpoint.Client();
            (_, OpenAIRequestException? error) = await AskAsync(() => client.RespondAsync(Request("responses-failed-key")));
            Assert.Contains("The response failed: Bad key ", error!.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Endpoint.ApiKey, error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Endpoint.ApiKey.Substring(0, 20), error.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public async Task AFractionalCreatedAtIsReadOrReportedAsUnreadable()
        {
            using VisionClient client = Endpoint.Client();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.RespondAsync(Request("fractional-created-at")));
            if (error is not null)
            {
                Assert.True(error.IsUnreadable, error.Message);
                Assert.Contains("1764547200.25", error.RawBody, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("a cat", answer!.Text);
            }
        }

        [Fact]
        public async Task AGatewayErrorThatIsNotOpenAIsShapeIsShownTrimmed()
        {
            using VisionClient client = Endpoint.Client();
            (_, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request("gateway-422")));
            Assert.Equal(422, error!.Status);
            Assert.False(error.IsUnreadable);
            Assert.Contains("field required", error.ServerMessage, StringComparison.Ordinal);
            Assert.Contains("unknown model", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("no error message", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AStreamThatBreaksOffWithAnErrorEventIsThatErrorNotAShortAnswer()
        {
            using VisionClient client = Endpoint.Client();
            var deltas = new List<string>();
            (ChatAnswer? answer, OpenAIRequestException? error) = await AskAsync(() => client.ChatStreamingAsync(Request("stream-error"), deltas.Add));
            Assert.Null(answer);
            Assert.Equal("a ca", string.Concat(deltas));
            Assert.Equal(200, error!.Status);
            Assert.Equal("server_error", error.Type);
            Assert.Contains("broke off with an error from the service: The server had an error while processing your request. Sorry about that!", error.Message, StringComparison.Ordinal);
            Assert.Contains("incomplete", error.Hint, StringComparison.Ordinal);
            Assert.Equal("a ca", error.PartialText);
        }

        [Fact]
        public async Task AStreamThatEndsWithoutAFinishReasonKeepsItsTextMarkedIncomplete()
        {
            using VisionClient client = Endpoint.Client();
            var deltas = new List<string>();
            ChatAnswer answer = await client.ChatStreamingAsync(Request("stream-cut"), deltas.Add);
            Assert.Equal("a ca", string.Concat(deltas));
            Assert.Equal("a ca", answer.Text);
            Assert.Equal(ChatAnswer.Incomplete, answer.FinishReason);
        }

        [Fact]
        public async Task AStreamWhoseChunksAllSayErrorNullIsAnAnswer()
        {
            using VisionClient client = Endpoint.Client();
            ChatAnswer answer = await client.ChatStreamingAsync(Request("stream-error-null"), _ => { });
            Assert.Equal("a cat", answer.Text);
            Assert.Equal("stop", answer.FinishReason);
        }

        [Fact]
        public async Task AnErrorMessageOfMegabytesIsCutToAFewLines()
        {
            using VisionClient client = Endpoint.Client();
            (_, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request("huge-error")));
            Assert.Equal(400, error!.Status);
            Assert.True("invalid_request_error" == error.Type, error.Message);
            Assert.StartsWith("xxxx", error.ServerMessage, StringComparison.Ordinal);
            Assert.EndsWith("(cut: 3,145,728 characters in all)", error.ServerMessage, StringComparison.Ordinal);
            Assert.InRange(error.Message.Length, 2000, 2300);
        }

        [Fact]
        public async Task AnErrorAnswerOverFourMiBIsNotReadWhole()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 2);
            (_, OpenAIRequestException? error) = await AskAsync(() => client.ChatAsync(Request("too-large-error")));
            Assert.Equal(400, error!.Status);
            Assert.True(error.IsUnreadable, error.Message);
            Assert.Contains("4 MiB", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AStreamedRequestAnsweredWithPlainJsonIsReadAsJson()
        {
            using VisionClient client = Endpoint.Client();
            var deltas = new List<string>();
            ChatAnswer answer = await client.ChatStreamingAsync(Request("json-for-stream"), deltas.Add);
            Assert.Equal("a plain JSON answer", answer.Text);
            Assert.Equal("a plain JSON answer", string.Concat(deltas));
            Assert.Equal(12, answer.TotalTokens);
        }
    }
}
