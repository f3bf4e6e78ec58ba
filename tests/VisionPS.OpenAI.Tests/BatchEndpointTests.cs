using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// The endpoint's Batch API over raw HTTP: a JSONL input file is validated, run line by line through the live
    /// routes' handlers in the background, and answered in output and error files; cancel, retrieve and list.
    /// </summary>
    public sealed class BatchEndpointTests : EndpointTests
    {
        private const string Chat = "/v1/chat/completions";
        private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

        /// <summary>Every property of the spec's Batch schema.</summary>
        private static readonly string[] s_batchFields =
        {
            "id", "object", "endpoint", "model", "errors", "input_file_id", "completion_window", "status", "output_file_id", "error_file_id",
            "created_at", "in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at",
            "cancelled_at", "request_counts", "usage", "metadata",
        };

        public BatchEndpointTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AChatBatchAnswersEveryLineLikeTheLiveRouteWithBadImagesInTheErrorFile()
        {
            using HttpClient http = NewHttp();
            byte[] jpeg = TestImages.Jpeg(64, 48), png = TestImages.Png(40, 30, 7), webp = TestImages.Webp(33, 44), mislabelled = TestImages.Png(20, 20, 3);
            var requests = new List<(string CustomId, JsonObject Body, bool Fails)>
            {
                ("jpeg", ChatBody("gpt-4o", "first", DataUrl("image/jpeg", jpeg), "low"), false),
                ("png-bytes-labelled-jpeg", ChatBody("gpt-4o", "second", DataUrl("image/jpeg", mislabelled), "auto"), true),
                ("png", ChatBody("gpt-4o", "third", DataUrl("image/png", png), "high"), false),
                ("bmp", ChatBody("gpt-4o", "fourth", DataUrl("image/png", TestImages.Bmp()), "auto"), true),
                ("webp", ChatBody("gpt-4o", "fifth", DataUrl("image/webp", webp), "auto"), false),
            };
            foreach ((string customId, JsonObject body, _) in requests)
            {
                Assert.True(OpenApiContract.Validate("POST", "/chat/completions", body).Count == 0, customId + " is not a valid chat completions body");
            }
            string fileId = await UploadAsync(http, requests.Select(r => Line(r.CustomId, r.Body)));

            JsonObject created = await CreateAsync(http, fileId, Chat, new JsonObject { ["purpose"] = "images" });
            JsonObject done = await WaitAsync(http, (string)created["id"]!);

            foreach (string field in s_batchFields)
            {
                Assert.True(created.ContainsKey(field) && done.ContainsKey(field), "Batch field missing: " + field);
            }
            Assert.StartsWith("batch_", (string?)created["id"]);
            Assert.Equal(("batch", "validating", Chat, fileId, "24h"), ((string?)created["object"], (string?)created["status"], (string?)created["endpoint"], (string?)created["input_file_id"], (string?)created["completion_window"]));
            Assert.Null(created["model"]);
            Assert.Null(created["in_progress_at"]);
            Assert.Equal(Long(created["created_at"]) + 86400, Long(created["expires_at"]));
            Assert.Equal("images", (string?)created["metadata"]!["purpose"]);

            Assert.Equal("completed", (string?)done["status"]);
            Assert.Equal("gpt-4o", (string?)done["model"]);
            Assert.Null(done["errors"]);
            Assert.Equal((5L, 3L, 2L), Counts(done));
            long createdAt = Long(done["created_at"])!.Value;
            long inProgressAt = Long(done["in_progress_at"])!.Value, finalizingAt = Long(done["finalizing_at"])!.Value, completedAt = Long(done["completed_at"])!.Value;
            Assert.True(createdAt <= inProgressAt && inProgressAt <= finalizingAt && finalizingAt <= completedAt);
            Assert.True(done["failed_at"] is null && done["cancelling_at"] is null && done["cancelled_at"] is null && done["expired_at"] is null);

            List<JsonObject> output = await DownloadAsync(http, (string?)done["output_file_id"]);
            List<JsonObject> errors = await DownloadAsync(http, (string?)done["error_file_id"]);
            // Each request answered exactly once, in input order within each file.
            Assert.Equal(new[] { "jpeg", "png", "webp" }, output.Select(o => (string?)o["custom_id"]));
            Assert.Equal(new[] { "png-bytes-labelled-jpeg", "bmp" }, errors.Select(o => (string?)o["custom_id"]));
            Assert.All(output.Concat(errors), o =>
            {
                Assert.StartsWith("batch_req_", (string?)o["id"]);
                Assert.StartsWith("req_", (string?)o["response"]!["request_id"]);
                Assert.True(o.ContainsKey("error") && o["error"] is null);
            });
            var byId = output.Concat(errors).ToDictionary(o => (string)o["custom_id"]!);
            foreach ((string customId, JsonObject body, bool fails) in requests)
            {
                (int liveStatus, JsonObject live) = await SendAsync(http, HttpMethod.Post, "chat/completions", body.DeepClone(), raw: fails);
                JsonNode response = byId[customId]["response"]!;
                JsonNode answer = response["body"]!;
                Assert.Equal(liveStatus, (int)response["status_code"]!);
                if (fails)
                {
                    Assert.Equal(400, liveStatus);
                    Assert.Equal("messages[1].content[1].image_url.url", (string?)answer["error"]!["param"]);
                    Assert.True(JsonNode.DeepEquals(live["error"], answer["error"]), $"{customId}: {live["error"]} vs {answer["error"]}");
                }
                else
                {
                    Assert.Equal(200, liveStatus);
                    Assert.Equal("chat.completion", (string?)answer["object"]);
                    string text = (string)answer["choices"]![0]!["message"]!["content"]!;
                    Assert.Equal((string?)live["choices"]![0]!["message"]!["content"], text);
                    Assert.True(JsonNode.DeepEquals(live["usage"], answer["usage"]));
                }
            }
            Assert.Equal(TestImages.Sha256(jpeg), (string?)ImageOf(byId["jpeg"])["sha256"]);
            Assert.Equal(("png", "high", TestImages.Sha256(png)), ((string?)ImageOf(byId["png"])["format"], (string?)ImageOf(byId["png"])["detail"], (string?)ImageOf(byId["png"])["sha256"]));
            Assert.Equal(TestImages.Sha256(webp), (string?)ImageOf(byId["webp"])["sha256"]);
            Assert.Equal("invalid_image_format", (string?)byId["png-bytes-labelled-jpeg"]["response"]!["body"]!["error"]!["code"]);

            long prompt = output.Sum(o => Long(o["response"]!["body"]!["usage"]!["prompt_tokens"])!.Value);
            long completion = output.Sum(o => Long(o["response"]!["body"]!["usage"]!["completion_tokens"])!.Value);
            JsonNode usage = done["usage"]!;
            Assert.True(prompt > 0 && completion > 0);
            Assert.Equal((prompt, completion, prompt + completion), (Long(usage["input_tokens"]), Long(usage["output_tokens"]), Long(usage["total_tokens"])));
            Assert.Equal((0L, 0L), (Long(usage["input_tokens_details"]!["cached_tokens"]), Long(usage["output_tokens_details"]!["reasoning_tokens"])));

            (int fileStatus, JsonObject outputFile) = await SendAsync(http, HttpMethod.Get, "files/" + (string?)done["output_file_id"]);
            Assert.Equal((200, "batch_output", $"{done["id"]}_output.jsonl"), (fileStatus, (string?)outputFile["purpose"], (string?)outputFile["filename"]));
            (_, JsonObject errorFile) = await SendAsync(http, HttpMethod.Get, "files/" + (string?)done["error_file_id"]);
            Assert.Equal(("batch_output", $"{done["id"]}_error.jsonl"), ((string?)errorFile["purpose"], (string?)errorFile["filename"]));
        }

        [Fact]
        public async Task AResponsesBatchRunsThroughTheResponsesRoute()
        {
            using HttpClient http = NewHttp();
            byte[] jpeg = TestImages.Jpeg(50, 70, 9), png = TestImages.Png(16, 16, 2);
            var requests = new List<(string CustomId, JsonObject Body)>
            {
                ("r1", ResponsesBody("gpt-4.1", "one", DataUrl("image/jpeg", jpeg))),
                ("r2", ResponsesBody("gpt-4.1", "two", DataUrl("image/png", png))),
            };
            foreach ((string customId, JsonObject body) in requests)
            {
                Assert.True(OpenApiContract.Validate("POST", "/responses", body).Count == 0, customId + " is not a valid responses body");
            }
            string fileId = await UploadAsync(http, requests.Select(r => Line(r.CustomId, r.Body, "/v1/responses")));

            JsonObject created = await CreateAsync(http, fileId, "/v1/responses", expiresAfterSeconds: 7200);
            JsonObject done = await WaitAsync(http, (string)created["id"]!);

            Assert.Equal(("completed", "/v1/responses", "gpt-4.1"), ((string?)done["status"], (string?)done["endpoint"], (string?)done["model"]));
            Assert.Equal((2L, 2L, 0L), Counts(done));
            Assert.Null(done["error_file_id"]);
            List<JsonObject> output = await DownloadAsync(http, (string?)done["output_file_id"]);
            Assert.Equal(new[] { "r1", "r2" }, output.Select(o => (string?)o["custom_id"]));
            for (int i = 0; i < requests.Count; i++)
            {
                JsonNode answer = output[i]["response"]!["body"]!;
                (int liveStatus, JsonObject live) = await SendAsync(http, HttpMethod.Post, "responses", requests[i].Body.DeepClone());
                Assert.Equal((200, 200), (liveStatus, (int)output[i]["response"]!["status_code"]!));
                Assert.Equal("response", (string?)answer["object"]);
                string text = (string)answer["output"]![0]!["content"]![0]!["text"]!;
                Assert.Equal((string?)live["output"]![0]!["content"]![0]!["text"], text);
                Assert.Equal(TestImages.Sha256(i == 0 ? jpeg : png), (string?)JsonNode.Parse(text)!["images"]![0]!["sha256"]);
            }
            long input = output.Sum(o => Long(o["response"]!["body"]!["usage"]!["input_tokens"])!.Value);
            long outputTokens = output.Sum(o => Long(o["response"]!["body"]!["usage"]!["output_tokens"])!.Value);
            Assert.Equal((input, outputTokens, input + outputTokens), (Long(done["usage"]!["input_tokens"]), Long(done["usage"]!["output_tokens"]), Long(done["usage"]!["total_tokens"])));
            (_, JsonObject outputFile) = await SendAsync(http, HttpMethod.Get, "files/" + (string?)done["output_file_id"]);
            Assert.Equal((long?)7200, Long(outputFile["expires_at"]) - Long(outputFile["created_at"]));
        }

        [Theory]
        [InlineData("not-json", "invalid_json_line", 2, null)]
        [InlineData("duplicate-custom-id", "duplicate_custom_id", 3, "custom_id")]
        [InlineData("other-model", "model_mismatch", 2, "body.model")]
        [InlineData("wrong-url", "url_mismatch", 2, "url")]
        [InlineData("wrong-method", "invalid_method", 2, "method")]
        [InlineData("no-custom-id", "missing_required_parameter", 2, "custom_id")]
        [InlineData("no-model", "missing_required_parameter", 3, "body.model")]
        [InlineData("blank-lines-only", "empty_file", 0, null)]
        public async Task ABadInputFileFailsTheWholeBatchNamingTheLine(string defect, string code, int line, string? param)
        {
            using HttpClient http = NewHttp();
            string a = Line("a", TextBody("gpt-4o", "a")), b = Line("b", TextBody("gpt-4o", "b"));
            string[] lines = defect switch
            {
                "not-json" => new[] { a, "{\"custom_id\": \"b\", \"method\": \"POST\",", b },
                "duplicate-custom-id" => new[] { a, b, Line("a", TextBody("gpt-4o", "again")) },
                "other-model" => new[] { a, Line("b", TextBody("gpt-4.1", "b")) },
                "wrong-url" => new[] { a, Line("b", TextBody("gpt-4o", "b"), "/v1/responses") },
                "wrong-method" => new[] { a, Line("b", TextBody("gpt-4o", "b"), Chat, "GET") },
                "no-custom-id" => new[] { a, new JsonObject { ["method"] = "POST", ["url"] = Chat, ["body"] = TextBody("gpt-4o", "b") }.ToJsonString() },
                "no-model" => new[] { a, "", new JsonObject { ["custom_id"] = "c", ["method"] = "POST", ["url"] = Chat, ["body"] = new JsonObject { ["messages"] = new JsonArray() } }.ToJsonString() },
                "blank-lines-only" => new[] { "", "  ", "" },
                _ => throw new ArgumentOutOfRangeException(nameof(defect)),
            };
            string fileId = await UploadAsync(http, lines);

            JsonObject created = await CreateAsync(http, fileId);
            JsonObject failed = await WaitAsync(http, (string)created["id"]!);

            Assert.Equal("failed", (string?)failed["status"]);
            Assert.NotNull(Long(failed["failed_at"]));
            Assert.True(failed["in_progress_at"] is null && failed["completed_at"] is null && failed["output_file_id"] is null && failed["error_file_id"] is null);
            Assert.Equal((0L, 0L, 0L), Counts(failed));
            Assert.Equal("list", (string?)failed["errors"]!["object"]);
            JsonNode error = Assert.Single(failed["errors"]!["data"]!.AsArray())!;
            Assert.Equal(code, (string?)error["code"]);
            Assert.False(string.IsNullOrEmpty((string?)error["message"]));
            Assert.Equal(line == 0 ? null : line, (int?)error["line"]);
            Assert.Equal(param, (string?)error["param"]);
        }

        [Fact]
        public async Task EveryBadLineIsReportedWithItsLineNumber()
        {
            using HttpClient http = NewHttp();
            string fileId = await UploadAsync(http, new[]
            {
                Line("a", TextBody("gpt-4o", "a")),
                "not json at all",
                Line("a", TextBody("gpt-4o", "duplicate")),
                Line("b", TextBody("gpt-4o-mini", "other model")),
                Line("c", TextBody("gpt-4o", "fine")),
                "[1, 2]",
            });

            JsonObject failed = await WaitAsync(http, (string)(await CreateAsync(http, fileId))["id"]!);

            Assert.Equal("failed", (string?)failed["status"]);
            JsonArray data = failed["errors"]!["data"]!.AsArray();
            Assert.Equal(new[] { ("invalid_json_line", 2), ("duplicate_custom_id", 3), ("model_mismatch", 4), ("invalid_json_line", 6) }, data.Select(e => ((string)e!["code"]!, (int)e["line"]!)));
        }

        [Fact]
        public async Task MoreThan50000RequestsFailTheBatch()
        {
            using HttpClient http = NewHttp();
            string body = TextBody("gpt-4o", "x").ToJsonString();
            string fileId = await UploadAsync(http, Enumerable.Range(1, 50_001).Select(i => $"{{\"custom_id\":\"r{i}\",\"method\":\"POST\",\"url\":\"{Chat}\",\"body\":{body}}}"));

            JsonObject failed = await WaitAsync(http, (string)(await CreateAsync(http, fileId))["id"]!);

            Assert.Equal("failed", (string?)failed["status"]);
            JsonNode error = Assert.Single(failed["errors"]!["data"]!.AsArray())!;
            Assert.Equal("too_many_tasks", (string?)error["code"]);
            Assert.Null(error["line"]);
        }

        [Fact]
        public async Task ABatchInputFileMustBeJsonl()
        {
            using HttpClient http = NewHttp();

            (int status, JsonObject error) = await UploadRawAsync(http, Encoding.UTF8.GetBytes(Line("a", TextBody("gpt-4o", "a")) + "\n"), "requests.json", "batch");
            (int other, _) = await UploadRawAsync(http, Encoding.UTF8.GetBytes("{}"), "notes.json", "user_data");

            Assert.Equal(400, status);
            Assert.Equal("Invalid file format for Batch API. Must be .jsonl", (string?)error["error"]!["message"]);
            Assert.Equal("invalid_request_error", (string?)error["error"]!["type"]);
            Assert.Equal(200, other);
        }

        [Fact]
        public async Task CreatingABatchChecksItsParametersLikeTheService()
        {
            using HttpClient http = NewHttp();
            string fileId = await UploadAsync(http, new[] { Line("a", TextBody("gpt-4o", "a")) });
            (int visionStatus, JsonObject vision) = await UploadRawAsync(http, TestImages.Png(8, 8), "image.png", "vision");
            Assert.Equal(200, visionStatus);
            JsonObject Request(string input = "", string endpoint = Chat, string window = "24h")
                => new JsonObject { ["input_file_id"] = input.Length == 0 ? fileId : input, ["endpoint"] = endpoint, ["completion_window"] = window };
            var tooMany = new JsonObject();
            for (int i = 0; i < 17; i++)
            {
                tooMany["k" + i] = "v";
            }
            var cases = new List<(JsonObject Body, int Status, string? Param, string? Code, string Message)>
            {
                (new JsonObject { ["endpoint"] = Chat, ["completion_window"] = "24h" }, 400, "input_file_id", "missing_required_parameter", "Missing required parameter: 'input_file_id'."),
                (new JsonObject { ["input_file_id"] = fileId, ["completion_window"] = "24h" }, 400, "endpoint", "missing_required_parameter", "'endpoint'"),
                (new JsonObject { ["input_file_id"] = fileId, ["endpoint"] = Chat }, 400, "completion_window", "missing_required_parameter", "'completion_window'"),
                (Request(endpoint: "/v1/embeddings"), 400, "endpoint", "invalid_value", "'/v1/chat/completions' and '/v1/responses'"),
                (Request(endpoint: "/v1/nothing"), 400, "endpoint", "invalid_value", "Supported values are: '/v1/responses', '/v1/chat/completions'"),
                (Request(window: "48h"), 400, "completion_window", "invalid_value", "Supported values are: '24h'."),
                (Request(input: "file-doesnotexist"), 404, "input_file_id", null, "No such File object: file-doesnotexist"),
                (Request(input: (string)vision["id"]!), 400, "input_file_id", "invalid_value", "purpose 'vision'"),
                (With(Request(), "metadata", tooMany), 400, "metadata", "object_above_max_properties", "at most 16 properties"),
                (With(Request(), "metadata", new JsonObject { [new string('k', 65)] = "v" }), 400, "metadata", "string_above_max_length", "maximum length 64"),
                (With(Request(), "metadata", new JsonObject { ["k"] = new string('v', 513) }), 400, "metadata.k", "string_above_max_length", "maximum length 512"),
                (With(Request(), "metadata", new JsonObject { ["k"] = 5 }), 400, "metadata.k", "invalid_type", "expected a string"),
                (With(Request(), "output_expires_after", new JsonObject { ["anchor"] = "created_at", ["seconds"] = 60 }), 400, "output_expires_after.seconds", "integer_below_min_value", ">= 3600"),
            };

            foreach ((JsonObject body, int status, string? param, string? code, string message) in cases)
            {
                (int got, JsonObject answer) = await SendAsync(http, HttpMethod.Post, "batches", body, raw: true);
                JsonNode error = answer["error"]!;
                Assert.True(status == got, $"{body.ToJsonString()}: {got} {answer.ToJsonString()}");
                Assert.Equal((param, code), ((string?)error["param"], (string?)error["code"]));
                Assert.Contains(message, (string?)error["message"], StringComparison.Ordinal);
            }
            var sixteen = new JsonObject();
            for (int i = 0; i < 16; i++)
            {
                sixteen[new string('k', 60) + i.ToString("D2", CultureInfo.InvariantCulture)] = new string('v', 512);
            }
            (int ok, JsonObject accepted) = await SendAsync(http, HttpMethod.Post, "batches", With(Request(), "metadata", sixteen));
            Assert.Equal(200, ok);
            Assert.Equal(16, accepted["metadata"]!.AsObject().Count);
            await WaitAsync(http, (string)accepted["id"]!);
        }

        [Fact]
        public async Task CancellingMidWayKeepsThePartialResults()
        {
            using HttpClient http = NewHttp();
            const int total = 16;
            string fileId = await UploadAsync(http, Enumerable.Range(1, total).Select(i => Line($"line-{i:D2}", TextBody("gpt-4o", "request " + i))));
            JsonObject created = await CreateAsync(http, fileId, metadata: new JsonObject { ["visionps_line_delay_ms"] = "500" });
            string id = (string)created["id"]!;
            JsonObject running = await WaitAsync(http, id, b => Counts(b).Completed >= 1);
            Assert.Equal(("in_progress", "gpt-4o"), ((string?)running["status"], (string?)running["model"]));

            (int status, JsonObject cancelling) = await SendAsync(http, HttpMethod.Post, $"batches/{id}/cancel");
            JsonObject cancelled = await WaitAsync(http, id);

            Assert.Equal(200, status);
            Assert.Equal("cancelling", (string?)cancelling["status"]);
            Assert.NotNull(Long(cancelling["cancelling_at"]));
            Assert.Null(cancelling["cancelled_at"]);
            Assert.Equal("cancelled", (string?)cancelled["status"]);
            Assert.NotNull(Long(cancelled["cancelled_at"]));
            Assert.True(cancelled["completed_at"] is null && cancelled["finalizing_at"] is null && cancelled["failed_at"] is null);
            (long all, long completed, long failed) = Counts(cancelled);
            Assert.Equal(total, all);
            Assert.Equal(0, failed);
            Assert.InRange(completed, 1, total - 1);
            Assert.Null(cancelled["error_file_id"]);
            List<JsonObject> output = await DownloadAsync(http, (string?)cancelled["output_file_id"]);
            List<string> ids = output.Select(o => (string)o["custom_id"]!).ToList();
            Assert.Equal(completed, ids.Count);
            Assert.Equal(ids.Distinct().OrderBy(s => s, StringComparer.Ordinal), ids);
            Assert.All(output, o => Assert.Equal(200, (int)o["response"]!["status_code"]!));
            Assert.Equal(output.Sum(o => Long(o["response"]!["body"]!["usage"]!["prompt_tokens"])!.Value), Long(cancelled["usage"]!["input_tokens"]));
            // Nothing moves after the cancellation settled.
            await Task.Delay(700);
            (_, JsonObject later) = await SendAsync(http, HttpMethod.Get, "batches/" + id);
            Assert.Equal(Counts(cancelled), Counts(later));
        }

        [Fact]
        public async Task CancellingWhileValidatingEndsCancelledWithoutOutput()
        {
            using HttpClient http = NewHttp();
            string fileId = await UploadAsync(http, new[] { Line("a", TextBody("gpt-4o", "a")) });
            var clock = Stopwatch.StartNew();
            JsonObject created = await CreateAsync(http, fileId, metadata: new JsonObject { ["visionps_start_delay_ms"] = "30000" });
            string id = (string)created["id"]!;

            (int status, JsonObject cancelling) = await SendAsync(http, HttpMethod.Post, $"batches/{id}/cancel");
            (int again, JsonObject stillCancelling) = await SendAsync(http, HttpMethod.Post, $"batches/{id}/cancel");
            JsonObject cancelled = await WaitAsync(http, id);

            Assert.Equal((200, "cancelling"), (status, (string?)cancelling["status"]));
            // A second cancel while it is still cancelling answers the batch; once cancelled, it is refused.
            Assert.True(again == 200 ? (string?)stillCancelling["status"] == "cancelling" : again == 400 && (string?)stillCancelling["error"]!["message"] == "Cannot cancel a batch with status 'cancelled'.", stillCancelling.ToJsonString());
            Assert.Equal("cancelled", (string?)cancelled["status"]);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the start delay was not cut short by the cancellation");
            Assert.Equal((0L, 0L, 0L), Counts(cancelled));
            Assert.True(cancelled["in_progress_at"] is null && cancelled["output_file_id"] is null && cancelled["error_file_id"] is null && cancelled["model"] is null, cancelled.ToJsonString());
        }

        [Fact]
        public async Task AFinishedBatchCannotBeCancelledAndAnUnknownOneIsNotFound()
        {
            using HttpClient http = NewHttp();
            JsonObject completed = await WaitAsync(http, (string)(await CreateAsync(http, await UploadAsync(http, new[] { Line("a", TextBody("gpt-4o", "a")) })))["id"]!);
            JsonObject failed = await WaitAsync(http, (string)(await CreateAsync(http, await UploadAsync(http, new[] { "nope" })))["id"]!);

            (int completedStatus, JsonObject completedError) = await SendAsync(http, HttpMethod.Post, $"batches/{completed["id"]}/cancel");
            (int failedStatus, JsonObject failedError) = await SendAsync(http, HttpMethod.Post, $"batches/{failed["id"]}/cancel");
            (int getStatus, JsonObject getError) = await SendAsync(http, HttpMethod.Get, "batches/batch_doesnotexist");
            (int cancelStatus, JsonObject cancelError) = await SendAsync(http, HttpMethod.Post, "batches/batch_doesnotexist/cancel");

            Assert.Equal(("completed", "failed"), ((string?)completed["status"], (string?)failed["status"]));
            Assert.Equal((400, "Cannot cancel a batch with status 'completed'."), (completedStatus, (string?)completedError["error"]!["message"]));
            Assert.Equal((400, "Cannot cancel a batch with status 'failed'."), (failedStatus, (string?)failedError["error"]!["message"]));
            Assert.Equal((404, "No such batch: batch_doesnotexist"), (getStatus, (string?)getError["error"]!["message"]));
            Assert.Equal((404, "invalid_request_error"), (cancelStatus, (string?)cancelError["error"]!["type"]));
            (_, JsonObject still) = await SendAsync(http, HttpMethod.Get, $"batches/{completed["id"]}");
            Assert.Equal("completed", (string?)still["status"]);
        }

        [Fact]
        public async Task ListingIsNewestFirstWithACursorAndALimit()
        {
            using HttpClient http = NewHttp();
            string fileId = await UploadAsync(http, new[] { Line("a", TextBody("gpt-4o", "a")) });
            var ids = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                ids.Add((string)(await CreateAsync(http, fileId))["id"]!);
            }

            (int status, JsonObject page) = await SendAsync(http, HttpMethod.Get, "batches?limit=2");
            (_, JsonObject next) = await SendAsync(http, HttpMethod.Get, $"batches?limit=2&after={ids[1]}");
            (_, JsonObject all) = await SendAsync(http, HttpMethod.Get, "batches");
            (int zero, JsonObject zeroError) = await SendAsync(http, HttpMethod.Get, "batches?limit=0");
            (int over, JsonObject overError) = await SendAsync(http, HttpMethod.Get, "batches?limit=101");

            Assert.Equal(200, status);
            Assert.Equal("list", (string?)page["object"]);
            Assert.Equal(new[] { ids[2], ids[1] }, page["data"]!.AsArray().Select(b => (string?)b!["id"]));
            Assert.Equal((ids[2], ids[1], true), ((string?)page["first_id"], (string?)page["last_id"], (bool)page["has_more"]!));
            Assert.Equal(ids[0], (string?)next["data"]![0]!["id"]);
            Assert.Equal(ids[0], (string?)next["first_id"]);
            Assert.All(page["data"]!.AsArray(), b => Assert.Equal("batch", (string?)b!["object"]));
            JsonArray everything = all["data"]!.AsArray();
            Assert.InRange(everything.Count, 3, 20);
            Assert.Equal(new[] { ids[2], ids[1], ids[0] }, everything.Take(3).Select(b => (string?)b!["id"]));
            Assert.Equal((400, "integer_below_min_value"), (zero, (string?)zeroError["error"]!["code"]));
            Assert.Equal((400, "integer_above_max_value"), (over, (string?)overError["error"]!["code"]));
            foreach (string id in ids)
            {
                await WaitAsync(http, id);
            }
        }

        [Fact]
        public async Task WhenEveryLineFailsThereIsNoOutputFile()
        {
            using HttpClient http = NewHttp();
            string model = "fault:500:batch-every-line";
            string fileId = await UploadAsync(http, Enumerable.Range(1, 3).Select(i => Line("l" + i, TextBody(model, "x" + i))));

            JsonObject done = await WaitAsync(http, (string)(await CreateAsync(http, fileId))["id"]!);

            Assert.Equal(("completed", model), ((string?)done["status"], (string?)done["model"]));
            Assert.Equal((3L, 0L, 3L), Counts(done));
            Assert.Null(done["output_file_id"]);
            Assert.Equal((long?)0, Long(done["usage"]!["total_tokens"]));
            List<JsonObject> errors = await DownloadAsync(http, (string?)done["error_file_id"]);
            Assert.Equal(new[] { "l1", "l2", "l3" }, errors.Select(e => (string?)e["custom_id"]));
            Assert.All(errors, e =>
            {
                Assert.Equal(500, (int)e["response"]!["status_code"]!);
                Assert.Equal("server_error", (string?)e["response"]!["body"]!["error"]!["type"]);
            });
        }

        [Fact]
        public async Task ADroppedConnectionFailsOnlyItsLine()
        {
            using HttpClient http = NewHttp();
            // All lines share the model; the drop fires once (x1), on whichever line runs first.
            string model = "fault:dropx1:batch-drop";
            string fileId = await UploadAsync(http, Enumerable.Range(1, 3).Select(i => Line("d" + i, TextBody(model, "x" + i))));

            JsonObject done = await WaitAsync(http, (string)(await CreateAsync(http, fileId))["id"]!);

            Assert.Equal("completed", (string?)done["status"]);
            Assert.Equal((3L, 2L, 1L), Counts(done));
            JsonObject dropped = Assert.Single(await DownloadAsync(http, (string?)done["error_file_id"]));
            Assert.Equal(500, (int)dropped["response"]!["status_code"]!);
            List<JsonObject> output = await DownloadAsync(http, (string?)done["output_file_id"]);
            Assert.Equal(new[] { "d1", "d2", "d3" }, output.Append(dropped).Select(o => (string)o["custom_id"]!).OrderBy(s => s, StringComparer.Ordinal));
        }

        [Fact]
        public async Task StoppingTheEndpointDoesNotWaitForARunningBatch()
        {
            EndpointHost host = await EndpointHost.StartAsync();
            string id;
            BatchState batch;
            using (var http = new HttpClient { BaseAddress = new Uri(host.BaseUri + "/") })
            {
                string fileId = await UploadAsync(http, Enumerable.Range(1, 8).Select(i => Line("s" + i, TextBody("gpt-4o", "x" + i))));
                id = (string)(await CreateAsync(http, fileId, metadata: new JsonObject { ["visionps_line_delay_ms"] = "60000" }))["id"]!;
                await WaitAsync(http, id, b => (string?)b["status"] == "in_progress");
                batch = host.State.Batches[id];
            }
            var clock = Stopwatch.StartNew();

            await host.DisposeAsync();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed}");
            await Task.Delay(200);
            lock (batch.Sync)
            {
                // The processor stopped with the app: no line ran, nothing was finalized.
                Assert.Equal(("in_progress", 0, 0), (batch.Status, batch.Completed, batch.Failed));
            }
        }

        private HttpClient NewHttp()
        {
            var http = new HttpClient { BaseAddress = new Uri(Endpoint.Host.BaseUri + "/"), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Endpoint.ApiKey);
            return http;
        }

        private static string DataUrl(string mime, byte[] bytes) => $"data:{mime};base64,{Convert.ToBase64String(bytes)}";

        private static JsonObject TextBody(string model, string prompt) => new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };

        private static JsonObject ChatBody(string model, string prompt, string imageUrl, string detail) => new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Describe the image." },
                new JsonObject
                {
                    ["role"] = "user",
                    ["content"] = new JsonArray(
                        new JsonObject { ["type"] = "text", ["text"] = prompt },
                        new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = imageUrl, ["detail"] = detail } }),
                }),
        };

        private static JsonObject ResponsesBody(string model, string prompt, string imageUrl) => new JsonObject
        {
            ["model"] = model,
            ["instructions"] = "Describe the image.",
            ["input"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "input_text", ["text"] = prompt },
                    new JsonObject { ["type"] = "input_image", ["image_url"] = imageUrl, ["detail"] = "low" }),
            }),
        };

        private static string Line(string customId, JsonObject body, string url = Chat, string method = "POST")
            => new JsonObject { ["custom_id"] = customId, ["method"] = method, ["url"] = url, ["body"] = body.DeepClone() }.ToJsonString();

        private static JsonObject With(JsonObject obj, string name, JsonNode? value)
        {
            obj[name] = value;
            return obj;
        }

        /// <summary>The messages' first image as the endpoint's answer describes it.</summary>
        private static JsonNode ImageOf(JsonObject outputLine)
            => JsonNode.Parse((string)outputLine["response"]!["body"]!["choices"]![0]!["message"]!["content"]!)!["images"]![0]!;

        private static long? Long(JsonNode? node) => node?.GetValue<long>();

        private static (long Total, long Completed, long Failed) Counts(JsonObject batch)
        {
            JsonNode counts = batch["request_counts"]!;
            return (Long(counts["total"])!.Value, Long(counts["completed"])!.Value, Long(counts["failed"])!.Value);
        }

        /// <summary>Sends a request; raw marks a deliberately wrong body (not the transport's to answer for in the contract check).</summary>
        private static async Task<(int Status, JsonObject Json)> SendAsync(HttpClient http, HttpMethod method, string path, JsonNode? body = null, bool raw = false)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }
            if (raw)
            {
                request.Headers.Add("X-Raw-Test", "1");
            }
            using HttpResponseMessage response = await http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException("not a JSON object: " + text));
        }

        private static async Task<(int Status, JsonObject Json)> UploadRawAsync(HttpClient http, byte[] bytes, string fileName, string purpose)
        {
            // Quoted part names, as the transport writes them (the contract check reads name="...").
            using var form = new MultipartFormDataContent();
            var purposePart = new StringContent(purpose);
            purposePart.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"purpose\"" };
            form.Add(purposePart);
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = "\"" + fileName + "\"" };
            form.Add(file);
            using HttpResponseMessage response = await http.PostAsync("files", form);
            string text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, (JsonObject)JsonNode.Parse(text)!);
        }

        /// <summary>Uploads the lines as a batch input file (JSONL, purpose batch); returns its id.</summary>
        private static async Task<string> UploadAsync(HttpClient http, IEnumerable<string> lines)
        {
            (int status, JsonObject file) = await UploadRawAsync(http, Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"), "requests.jsonl", "batch");
            Assert.True(status == 200, file.ToJsonString());
            Assert.Equal("batch", (string?)file["purpose"]);
            return (string)file["id"]!;
        }

        private static async Task<JsonObject> CreateAsync(HttpClient http, string fileId, string endpoint = Chat, JsonObject? metadata = null, long? expiresAfterSeconds = null)
        {
            var body = new JsonObject { ["input_file_id"] = fileId, ["endpoint"] = endpoint, ["completion_window"] = "24h" };
            if (metadata is not null)
            {
                body["metadata"] = metadata;
            }
            if (expiresAfterSeconds is long seconds)
            {
                body["output_expires_after"] = new JsonObject { ["anchor"] = "created_at", ["seconds"] = seconds };
            }
            (int status, JsonObject batch) = await SendAsync(http, HttpMethod.Post, "batches", body);
            Assert.True(status == 200, batch.ToJsonString());
            Assert.Equal("validating", (string?)batch["status"]);
            return batch;
        }

        /// <summary>Polls GET /v1/batches/{id} every 50 ms until the batch is final (or <paramref name="until"/> holds).</summary>
        private static async Task<JsonObject> WaitAsync(HttpClient http, string id, Func<JsonObject, bool>? until = null)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                (int status, JsonObject batch) = await SendAsync(http, HttpMethod.Get, "batches/" + id);
                Assert.True(status == 200, batch.ToJsonString());
                bool done = until is null ? (string?)batch["status"] is "completed" or "failed" or "cancelled" or "expired" : until(batch);
                if (done)
                {
                    return batch;
                }
                Assert.True(clock.Elapsed < s_timeout, $"batch {id} is still {batch["status"]} after {s_timeout}");
                await Task.Delay(50);
            }
        }

        /// <summary>The JSONL lines of a file's content (none when there is no file).</summary>
        private static async Task<List<JsonObject>> DownloadAsync(HttpClient http, string? fileId)
        {
            if (fileId is null)
            {
                return new List<JsonObject>();
            }
            using HttpResponseMessage response = await http.GetAsync($"files/{fileId}/content");
            Assert.Equal(200, (int)response.StatusCode);
            string text = await response.Content.ReadAsStringAsync();
            Assert.EndsWith("\n", text, StringComparison.Ordinal);
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        }
    }
}
