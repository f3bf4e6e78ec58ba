using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The transport's Batch API: input files, submission, status, cancel and output mapping, against the endpoint.</summary>
    public sealed class BatchClientTests : EndpointTests
    {
        public BatchClientTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private static VisionRequest Ask(string model, string prompt, params VisionImageInput[] images)
        {
            var request = new VisionRequest { Model = model, Prompt = prompt, MaxTokens = 300 };
            foreach (VisionImageInput image in images)
            {
                request.Images.Add(image);
            }
            return request;
        }

        private static string[] Lines(BatchInputFile file) => Encoding.UTF8.GetString(file.Jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        private static async Task<VisionBatchJob> WaitAsync(VisionClient client, string id)
        {
            DateTime end = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                VisionBatchJob job = await client.GetBatchAsync(id);
                if (job.IsFinished)
                {
                    return job;
                }
                Assert.True(DateTime.UtcNow < end, $"batch {id} still {job.Status}");
                await Task.Delay(30);
            }
        }

        [Theory]
        [InlineData(VisionApi.Chat)]
        [InlineData(VisionApi.Responses)]
        public async Task EveryLineIsAValidBatchRequestInputWhoseBodyIsWhatTheLiveSendSerializes(VisionApi api)
        {
            using var client = Endpoint.Client();
            byte[] jpeg = TestImages.Jpeg(64, 48), png = TestImages.Png(20, 30, 4);
            var items = new[]
            {
                new BatchItem("img-1", Ask("gpt-4.1-mini", "first", VisionImageInput.FromBytes(jpeg, "image/jpeg", ImageDetail.Low))),
                new BatchItem("img-2", Ask("gpt-4.1-mini", "second", VisionImageInput.FromBytes(png, "image/png", ImageDetail.High))),
                new BatchItem("img-3", new VisionRequest { Model = "gpt-4.1-mini", Prompt = "schema", SystemPrompt = "be brief", Temperature = 0.5, JsonSchema = new VisionJsonSchema("answer", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],\"additionalProperties\":false}") }),
            };

            BatchInputFile file = Assert.Single(BatchInputBuilder.Build(client, api, items));

            string[] lines = Lines(file);
            Assert.Equal(new[] { "img-1", "img-2", "img-3" }, file.CustomIds);
            Assert.Equal(3, lines.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                Assert.Empty(OpenApiContract.ValidateBatchLine(lines[i]));
                using JsonDocument line = JsonDocument.Parse(lines[i]);
                Assert.Equal(items[i].CustomId, line.RootElement.GetProperty("custom_id").GetString());
                Assert.Equal(BatchInputBuilder.UrlOf(api), line.RootElement.GetProperty("url").GetString());
                // The body is what a live send's gate sees, from the bytes it would send (the gate shortens only base64).
                string? live = null;
                SendGate gate = description => { live = description; return Task.FromResult(false); };
                await Assert.ThrowsAsync<RequestDeclinedException>(() => api == VisionApi.Chat ? client.ChatAsync(items[i].Request, default, gate) : client.RespondAsync(items[i].Request, default, gate));
                string body = RequestDescriber.ShortenDataUrls(System.Text.Json.Nodes.JsonNode.Parse(line.RootElement.GetProperty("body").GetRawText()))!.ToJsonString();
                Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(Assert.IsType<string>(live))!["body"]!.ToJsonString(), body);
            }
            Assert.Contains(Convert.ToBase64String(jpeg), lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("\"file_id\"", lines[0], StringComparison.Ordinal);
        }

        [Fact]
        public void LargeInputsAreSplitByRequestCountAndByBytesAndNoRequestIsLostOrRepeated()
        {
            byte[] jpeg = TestImages.Jpeg(200, 150);
            List<BatchItem> items = Enumerable.Range(1, 23).Select(i => new BatchItem("img-" + i, Ask("gpt-4.1-mini", "n" + i, VisionImageInput.FromBytes(jpeg, "image/jpeg", ImageDetail.Low)))).ToList();
            using var client = Endpoint.Client();
            int lineBytes;
            using (var one = new BatchInputBuilder(client, VisionApi.Chat))
            {
                lineBytes = one.Line(items[0]).Length;
            }

            IReadOnlyList<BatchInputFile> byCount = BatchInputBuilder.Build(client, VisionApi.Chat, items, new BatchLimits { MaxRequests = 10 });
            IReadOnlyList<BatchInputFile> byBytes = BatchInputBuilder.Build(client, VisionApi.Chat, items, new BatchLimits { MaxBytes = (lineBytes * 4) + 10 });

            Assert.Equal(new[] { 10, 10, 3 }, byCount.Select(f => f.CustomIds.Count));
            Assert.All(byBytes, f => Assert.True(f.Jsonl.Length <= (lineBytes * 4) + 10));
            Assert.Equal(6, byBytes.Count); // 4+4+4+4+4+3
            foreach (IReadOnlyList<BatchInputFile> files in new[] { byCount, byBytes })
            {
                Assert.Equal(items.Select(i => i.CustomId), files.SelectMany(f => f.CustomIds));
                Assert.Equal(items.Select(i => i.CustomId), files.SelectMany(Lines).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("custom_id").GetString()));
            }
        }

        [Fact]
        public void ARequestThatCannotGoIntoABatchIsRefusedWithItsId()
        {
            using var client = Endpoint.Client();
            using var builder = new BatchInputBuilder(client, VisionApi.Chat, new BatchLimits { MaxBytes = 2048 });
            byte[] big = TestImages.Jpeg(300, 300);
            ArgumentException tooBig = Assert.Throws<ArgumentException>(() => builder.Add(new BatchItem("big-one", Ask("gpt-4.1-mini", "x", VisionImageInput.FromBytes(big, "image/jpeg", ImageDetail.Low)))));
            Assert.Contains("big-one", tooBig.Message, StringComparison.Ordinal);

            builder.Add(new BatchItem("same", Ask("gpt-4.1-mini", "x")));
            Assert.Throws<ArgumentException>(() => builder.Add(new BatchItem("same", Ask("gpt-4.1-mini", "y"))));
            ArgumentException fileId = Assert.Throws<ArgumentException>(() => builder.Add(new BatchItem("file", Ask("gpt-4.1-mini", "x", VisionImageInput.FromFileId("file-abc", ImageDetail.Low)))));
            Assert.Contains("file id", fileId.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ABatchRoundTripMapsEveryAnswerAndEveryFailureToItsCustomId()
        {
            using VisionClient client = Endpoint.Client();
            byte[] jpeg = TestImages.Jpeg(90, 60), png = TestImages.Png(16, 16), webp = TestImages.Webp(40, 30);
            var items = new List<BatchItem>
            {
                new BatchItem("a", Ask("gpt-4.1-mini", "one", VisionImageInput.FromBytes(jpeg, "image/jpeg", ImageDetail.Low))),
                // A PNG labelled JPEG: the service rejects this line, the others still run.
                new BatchItem("b", Ask("gpt-4.1-mini", "two", VisionImageInput.FromBytes(png, "image/jpeg", ImageDetail.Low))),
                new BatchItem("c", Ask("gpt-4.1-mini", "three", VisionImageInput.FromBytes(webp, "image/webp", ImageDetail.High))),
            };
            BatchInputFile file = Assert.Single(BatchInputBuilder.Build(client, VisionApi.Chat, items));

            VisionBatchJob created = await client.SubmitBatchAsync(file, "round-trip.jsonl", new Dictionary<string, string> { ["purpose"] = "test" });
            VisionBatchJob done = await WaitAsync(client, created.Id);

            Assert.StartsWith("batch_", created.Id);
            Assert.Equal("/v1/chat/completions", created.Endpoint);
            Assert.Equal("test", created.Metadata["purpose"]);
            Assert.Equal(("completed", 3, 2, 1), (done.Status, done.Total, done.Completed, done.Failed));
            Assert.NotNull(done.OutputFileId);
            Assert.NotNull(done.ErrorFileId);
            Assert.True(done.InputTokens > 0 && done.OutputTokens > 0);
            var outcomes = new List<BatchOutcome>();
            foreach (string id in new[] { done.OutputFileId!, done.ErrorFileId! })
            {
                outcomes.AddRange(client.ReadBatchOutput(await client.DownloadFileAsync(id)));
            }
            Assert.Equal(new[] { "a", "b", "c" }, outcomes.Select(o => o.CustomId).OrderBy(c => c));
            BatchOutcome a = outcomes.Single(o => o.CustomId == "a"), b = outcomes.Single(o => o.CustomId == "b"), c = outcomes.Single(o => o.CustomId == "c");
            // A batch answer is the live answer: same deterministic text for the same body.
            ChatAnswer live = await client.ChatAsync(items[0].Request);
            Assert.Equal(live.Text, a.Result!.Text);
            Assert.Equal(("chat", "stop"), (a.Result.Api, a.Result.FinishReason));
            Assert.Equal(TestImages.Sha256(webp), Answers.Parse(c.Result!).GetProperty("images")[0].GetProperty("sha256").GetString());
            Assert.Null(b.Result);
            Assert.Equal(400, b.Error!.Status);
            Assert.Contains("image", b.Error.ServerMessage, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public async Task AResponsesBatchAnswersAsTheResponsesApiDoes()
        {
            using VisionClient client = Endpoint.Client();
            var request = Ask("gpt-4.1", "describe", VisionImageInput.FromBytes(TestImages.Png(12, 12, 4), "image/png", ImageDetail.Low));
            BatchInputFile file = Assert.Single(BatchInputBuilder.Build(client, VisionApi.Responses, new[] { new BatchItem("r1", request) }));

            VisionBatchJob done = await WaitAsync(client, (await client.SubmitBatchAsync(file, "responses.jsonl")).Id);

            BatchOutcome outcome = Assert.Single(client.ReadBatchOutput(await client.DownloadFileAsync(done.OutputFileId!)));
            ChatAnswer live = await client.RespondAsync(request);
            Assert.Equal(("responses", live.Text), (outcome.Result!.Api, outcome.Result.Text));
            Assert.StartsWith("resp_", outcome.Result.ResponseId);
        }

        [Fact]
        public async Task AnInvalidInputFailsTheBatchWithTheLineAndAFailedCreateLeavesNoFileBehind()
        {
            using VisionClient client = Endpoint.Client();
            var one = new BatchItem("x", Ask("gpt-4.1-mini", "one"));
            var other = new BatchItem("y", Ask("gpt-4o", "other model"));
            BatchInputFile mixed = Assert.Single(BatchInputBuilder.Build(client, VisionApi.Chat, new[] { one, other }));

            VisionBatchJob failed = await WaitAsync(client, (await client.SubmitBatchAsync(mixed, "mixed.jsonl")).Id);

            Assert.Equal("failed", failed.Status);
            BatchError error = Assert.Single(failed.Errors);
            Assert.Equal(2, error.Line);

            int files = Endpoint.Host.State.Files.Count;
            var tooMuchMetadata = Enumerable.Range(0, 17).ToDictionary(i => "k" + i, i => "v");
            await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitBatchAsync(mixed, "meta.jsonl", tooMuchMetadata));
            var longValue = new Dictionary<string, string> { ["k"] = new string('v', 600) };
            OpenAIRequestException refused = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.SubmitBatchAsync(mixed, "meta.jsonl", longValue));
            Assert.Equal(400, refused.Status);
            Assert.Equal(files, Endpoint.Host.State.Files.Count); // the uploaded input was deleted again
        }

        [Fact]
        public async Task CancelStopsABatchAndAnUnknownBatchIsA404()
        {
            using VisionClient client = Endpoint.Client();
            List<BatchItem> items = Enumerable.Range(1, 6).Select(i => new BatchItem("n" + i, Ask("gpt-4.1-mini", "slow " + i))).ToList();
            BatchInputFile file = Assert.Single(BatchInputBuilder.Build(client, VisionApi.Chat, items));
            VisionBatchJob created = await client.SubmitBatchAsync(file, "slow.jsonl", new Dictionary<string, string> { ["visionps_line_delay_ms"] = "300" });

            VisionBatchJob cancelling = await client.CancelBatchAsync(created.Id);
            VisionBatchJob done = await WaitAsync(client, created.Id);

            Assert.Equal("cancelling", cancelling.Status);
            Assert.Equal("cancelled", done.Status);
            Assert.True(done.Completed < 6, $"{done.Completed} lines ran after the cancel");
            OpenAIRequestException unknown = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.GetBatchAsync("batch_doesnotexist"));
            Assert.Equal(404, unknown.Status);
            await Assert.ThrowsAsync<OpenAIRequestException>(() => client.CancelBatchAsync(done.Id)); // finished: the service refuses
        }

        [Fact]
        public void OutputLinesThatCannotBeReadAreReportedWithTheirLineNumber()
        {
            using VisionClient client = Endpoint.Client();
            string jsonl = "{\"custom_id\":\"ok\",\"response\":{\"status_code\":500,\"request_id\":\"req_1\",\"body\":{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}},\"error\":null}\n"
                + "not json\n\n"
                + "{\"id\":\"x\"}\n"
                + "{\"custom_id\":\"gone\",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be executed before the completion window expired.\"}}\n";
            var problems = new List<int>();

            List<BatchOutcome> outcomes = client.ReadBatchOutput(BinaryData.FromString(jsonl), unreadable: (line, _) => problems.Add(line)).ToList();

            Assert.Equal(new[] { 2, 4 }, problems);
            Assert.Equal(new[] { "ok", "gone" }, outcomes.Select(o => o.CustomId));
            Assert.Equal((500, "boom"), (outcomes[0].Error!.Status, outcomes[0].Error!.ServerMessage));
            Assert.Equal("batch_expired", outcomes[1].Error!.Code);
        }

        [Fact]
        public async Task AFileTooLargeToReadNamesItselfAndHowToGetIt()
        {
            using VisionClient client = Endpoint.Client(maxRetries: 1);
            VisionFile file = await client.UploadFileAsync(new byte[] { 1, 2, 3 }, "declared-2gib.jsonl", "user_data");

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.DownloadFileAsync(file.Id));

            Assert.True(error.IsUnreadable, error.Message);
            Assert.Contains("1 GiB", error.Message, StringComparison.Ordinal);
            Assert.Contains($"The file {file.Id} is too large to read into memory", error.Hint, StringComparison.Ordinal);
            Assert.Contains($"/files/{file.Id}/content", error.Hint, StringComparison.Ordinal);
        }

        [Fact]
        public void AFailedResponseInTheBatchOutputIsScrubbedAndShortened()
        {
            using VisionClient client = Endpoint.Client();
            string Line(string id, string message)
                => "{\"custom_id\":\"" + id + "\",\"response\":{\"status_code\":200,\"request_id\":\"req_1\",\"body\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1764547200,\"status\":\"failed\","
                   + "\"error\":{\"code\":\"server_error\",\"message\":\"" + message + "\"},\"model\":\"m\",\"output\":[]}},\"error\":null}\n";
            string jsonl = Line("key", "Bad key " + Endpoint.ApiKey + ".") + Line("huge", new string('x', 1 << 20));

            List<BatchOutcome> outcomes = client.ReadBatchOutput(BinaryData.FromString(jsonl)).ToList();

            Assert.Equal(new[] { "key", "huge" }, outcomes.Select(o => o.CustomId));
            Assert.Contains("Bad key ", outcomes[0].Error!.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Endpoint.ApiKey, outcomes[0].Error!.ToString(), StringComparison.Ordinal);
            Assert.InRange(outcomes[1].Error!.Message.Length, 2000, 2300);
        }

        [Fact]
        public void AnAnswerIsNotLostToAnErrorLineForTheSameRequest()
        {
            // A service that lists a request in the output file and again in the error file: the paid answer is kept.
            var answered = new BatchOutcome("a", new ChatAnswer { Text = "a cat" }, null);
            var failed = new BatchOutcome("a", null, OpenAIRequestException.FromResponse(500, "{\"error\":{\"message\":\"boom\"}}", null, SecretScrubber.None, null));
            var later = new BatchOutcome("b", new ChatAnswer { Text = "second" }, null);
            var earlier = new BatchOutcome("b", new ChatAnswer { Text = "first" }, null);

            var matched = BatchAnswers.Match(null, new[] { answered, failed, earlier, later }).ToList();

            Assert.Equal(new[] { "a", "b" }, matched.Select(m => m.CustomId));
            Assert.Equal("a cat", matched[0].Outcome!.Result!.Text);
            Assert.Equal("second", matched[1].Outcome!.Result!.Text); // of two answers, the later
            Assert.Equal("boom", BatchAnswers.Match(null, new[] { failed }).Single().Outcome!.Error!.ServerMessage);
        }

        [Fact]
        public void WholeNumbersWrittenAsDecimalsDoNotLoseALineOrTheBatch()
        {
            // A service (or proxy) that writes 200.0 for 200: the answer on that line, and the batch's status, still read.
            using VisionClient client = Endpoint.Client();
            string completion = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764547200,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a cat\"},\"finish_reason\":\"stop\"}]}";
            string jsonl = "{\"custom_id\":\"a\",\"response\":{\"status_code\":200.0,\"request_id\":\"req_1\",\"body\":" + completion + "},\"error\":null}\n";
            var problems = new List<string>();

            BatchOutcome outcome = Assert.Single(client.ReadBatchOutput(BinaryData.FromString(jsonl), unreadable: (_, p) => problems.Add(p)));

            Assert.Empty(problems);
            Assert.Equal("a cat", outcome.Result!.Text);

            VisionBatchJob job = VisionBatchJob.Parse(BinaryData.FromString("{\"id\":\"batch_1\",\"status\":\"failed\",\"request_counts\":{\"total\":3.0,\"completed\":0,\"failed\":3},"
                + "\"errors\":{\"data\":[{\"code\":\"invalid_json_line\",\"message\":\"bad line\",\"param\":null,\"line\":2.0},{\"code\":\"x\",\"message\":\"odd line\",\"line\":2.5}]}}"));
            Assert.Equal(3, job.Total);
            Assert.Equal(new int?[] { 2, null }, job.Errors.Select(e => e.Line));
        }
    }
}
