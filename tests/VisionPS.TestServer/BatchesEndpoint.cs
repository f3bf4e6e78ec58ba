using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace VisionPS.TestServer
{
    /// <summary>
    /// /v1/batches: create, retrieve, list, cancel. A batch is processed in the background as the service does:
    /// validating (the JSONL input file checked line by line; any bad line fails the whole batch), in_progress (each
    /// line run through the live route's own handler, so its checks and deterministic answer are the same),
    /// finalizing (output and error files stored), completed; or cancelling, then cancelled with the partial results.
    /// </summary>
    internal static class BatchesEndpoint
    {
        /// <summary>A batch input file holds at most 200 MB.</summary>
        internal const long MaxInputBytes = 200L * 1000 * 1000;

        /// <summary>A batch input file holds at most 50,000 requests.</summary>
        internal const int MaxRequests = 50_000;

        /// <summary>Test hook: metadata key whose integer value (ms) the processor waits before each line.</summary>
        internal const string LineDelayKey = "visionps_line_delay_ms";

        /// <summary>Test hook: metadata key whose integer value (ms) the processor waits before validating.</summary>
        internal const string StartDelayKey = "visionps_start_delay_ms";

        private const int MaxReportedErrors = 100;
        private const int Parallelism = 4;
        private const int MaxHookMillis = 600_000;

        private static readonly string[] s_endpoints = { "/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/moderations", "/v1/images/generations", "/v1/images/edits", "/v1/videos" };
        private static long s_sequence;

        internal static async Task CreateAsync(HttpContext context, EndpointState state, byte[] body, CancellationToken stopping)
        {
            JsonObject request = Json.ParseBody(body);
            string inputFileId = Json.ReqString(request, "input_file_id", "input_file_id");
            string endpoint = Json.ReqString(request, "endpoint", "endpoint");
            string window = Json.ReqString(request, "completion_window", "completion_window");
            if (Array.IndexOf(s_endpoints, endpoint) < 0)
            {
                throw ApiError.Invalid("endpoint", $"Invalid value: '{endpoint}'. Supported values are: {string.Join(", ", s_endpoints.Take(s_endpoints.Length - 1).Select(e => $"'{e}'"))}, and '{s_endpoints[^1]}'.");
            }
            if (endpoint is not ("/v1/chat/completions" or "/v1/responses"))
            {
                throw ApiError.Invalid("endpoint", $"Invalid value: '{endpoint}'. This endpoint processes batches for '/v1/chat/completions' and '/v1/responses' only.");
            }
            if (window != "24h")
            {
                throw ApiError.Invalid("completion_window", $"Invalid value: '{window}'. Supported values are: '24h'.");
            }
            JsonObject? metadata = Metadata(request["metadata"]);
            long? outputExpiresAfter = ExpiresAfter(request["output_expires_after"]);
            int lineDelay = Hook(metadata, LineDelayKey);
            int startDelay = Hook(metadata, StartDelayKey);
            if (!state.Files.TryGetValue(inputFileId, out StoredFile? file))
            {
                throw new ApiError(404, $"No such File object: {inputFileId}", param: "input_file_id", code: null);
            }
            if (file.Purpose != "batch")
            {
                throw ApiError.Invalid("input_file_id", $"Invalid 'input_file_id': file {inputFileId} has purpose '{file.Purpose}'; a batch's input file must be uploaded with purpose 'batch'.");
            }
            long now = EndpointState.Now;
            var batch = new BatchState
            {
                Id = state.NewId("batch_"),
                Endpoint = endpoint,
                InputFileId = inputFileId,
                CompletionWindow = window,
                CreatedAt = now,
                ExpiresAt = now + 86400,
                Sequence = Interlocked.Increment(ref s_sequence),
                Metadata = metadata,
                OutputExpiresAfter = outputExpiresAfter,
            };
            state.Batches[batch.Id] = batch;
            // The answer shows the batch as created (validating), whatever the processor does meanwhile.
            JsonObject created = batch.ToJson();
            byte[] input = file.Bytes;
            _ = Task.Run(() => ProcessAsync(state, batch, input, lineDelay, startDelay, stopping));
            await Http.WriteJsonAsync(context, 200, created);
        }

        internal static Task GetAsync(HttpContext context, EndpointState state, string id)
            => Http.WriteJsonAsync(context, 200, Find(state, id).ToJson());

        internal static Task ListAsync(HttpContext context, EndpointState state)
        {
            int limit = 20;
            string limitText = context.Request.Query["limit"].ToString();
            if (limitText.Length > 0)
            {
                if (!long.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                {
                    throw ApiError.WrongType("limit", "an integer", "a string");
                }
                if (l < 1)
                {
                    throw ApiError.Invalid("limit", $"Invalid 'limit': integer below minimum value. Expected a value >= 1, but got {l} instead.", "integer_below_min_value");
                }
                if (l > 100)
                {
                    throw ApiError.Invalid("limit", $"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got {l} instead.", "integer_above_max_value");
                }
                limit = (int)l;
            }
            List<BatchState> all = state.Batches.Values.OrderByDescending(b => b.Sequence).ToList();
            string after = context.Request.Query["after"].ToString();
            int start = 0;
            if (after.Length > 0)
            {
                // An unknown cursor lists nothing.
                int at = all.FindIndex(b => b.Id == after);
                start = at < 0 ? all.Count : at + 1;
            }
            List<BatchState> page = all.Skip(start).Take(limit).ToList();
            return Http.WriteJsonAsync(context, 200, new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(page.Select(b => (JsonNode)b.ToJson()).ToArray()),
                ["first_id"] = page.Count > 0 ? page[0].Id : null,
                ["last_id"] = page.Count > 0 ? page[^1].Id : null,
                ["has_more"] = start + page.Count < all.Count,
            });
        }

        internal static async Task CancelAsync(HttpContext context, EndpointState state, string id)
        {
            BatchState batch = Find(state, id);
            JsonObject answer;
            bool cancel = false;
            lock (batch.Sync)
            {
                switch (batch.Status)
                {
                    case "validating":
                    case "in_progress":
                        batch.Status = "cancelling";
                        batch.CancellingAt = EndpointState.Now;
                        cancel = true;
                        break;
                    case "cancelling":
                        break;
                    default:
                        throw new ApiError(400, $"Cannot cancel a batch with status '{batch.Status}'.", param: null, code: null);
                }
                answer = batch.ToJson();
            }
            if (cancel)
            {
                // Callbacks run on the thread pool: the processor never advances on this request's thread.
                await batch.Cancellation.CancelAsync();
            }
            await Http.WriteJsonAsync(context, 200, answer);
        }

        private static BatchState Find(EndpointState state, string id)
            => state.Batches.TryGetValue(id, out BatchState? batch) ? batch : throw ApiError.NotFound("batch", id);

        private static JsonObject? Metadata(JsonNode? node)
        {
            if (node is null)
            {
                return null;
            }
            if (node is not JsonObject metadata)
            {
                throw ApiError.WrongType("metadata", "an object", Json.Kind(node));
            }
            if (metadata.Count > 16)
            {
                throw ApiError.Invalid("metadata", $"Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with {metadata.Count} properties instead.", "object_above_max_properties");
            }
            foreach (KeyValuePair<string, JsonNode?> pair in metadata)
            {
                if (pair.Key.Length > 64)
                {
                    throw ApiError.Invalid("metadata", $"Invalid 'metadata': string too long. Expected a string with maximum length 64, but got a string with length {pair.Key.Length} instead.", "string_above_max_length");
                }
                string param = "metadata." + pair.Key;
                string value = Json.OptString(metadata, pair.Key, param) ?? throw ApiError.WrongType(param, "a string", "null");
                if (value.Length > 512)
                {
                    throw ApiError.Invalid(param, $"Invalid '{param}': string too long. Expected a string with maximum length 512, but got a string with length {value.Length} instead.", "string_above_max_length");
                }
            }
            return (JsonObject)metadata.DeepClone();
        }

        private static long? ExpiresAfter(JsonNode? node)
        {
            if (node is null)
            {
                return null;
            }
            if (node is not JsonObject policy)
            {
                throw ApiError.WrongType("output_expires_after", "an object", Json.Kind(node));
            }
            string anchor = Json.ReqString(policy, "anchor", "output_expires_after.anchor");
            if (anchor != "created_at")
            {
                throw ApiError.Invalid("output_expires_after.anchor", $"Invalid value: '{anchor}'. Supported values are: 'created_at'.");
            }
            long seconds = Json.OptInteger(policy, "seconds", "output_expires_after.seconds") ?? throw ApiError.MissingParam("output_expires_after.seconds");
            if (seconds < 3600)
            {
                throw ApiError.Invalid("output_expires_after.seconds", $"Invalid 'output_expires_after.seconds': integer below minimum value. Expected a value >= 3600, but got {seconds} instead.", "integer_below_min_value");
            }
            if (seconds > 2592000)
            {
                throw ApiError.Invalid("output_expires_after.seconds", $"Invalid 'output_expires_after.seconds': integer above maximum value. Expected a value <= 2592000, but got {seconds} instead.", "integer_above_max_value");
            }
            return seconds;
        }

        /// <summary>A test hook's milliseconds from the metadata (0 when absent).</summary>
        private static int Hook(JsonObject? metadata, string key)
        {
            if (metadata?[key] is not JsonNode node)
            {
                return 0;
            }
            string text = node.GetValue<string>();
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int millis) || millis > MaxHookMillis)
            {
                throw ApiError.Invalid("metadata." + key, $"Invalid 'metadata.{key}': expected a whole number of milliseconds from 0 to {MaxHookMillis}, but got '{text}'.");
            }
            return millis;
        }

        /// <summary>validating, in_progress, finalizing, completed (or failed, or cancelled). Stops when the app stops.</summary>
        private static async Task ProcessAsync(EndpointState state, BatchState batch, byte[] input, int lineDelay, int startDelay, CancellationToken stopping)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(batch.Cancellation.Token, stopping);
            try
            {
                if (startDelay > 0)
                {
                    try
                    {
                        await Task.Delay(startDelay, stop.Token);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                    }
                }
                stopping.ThrowIfCancellationRequested();
                List<BatchLine> lines = Validate(input, batch.Endpoint, out JsonArray errors, out string? model);
                bool cancelled;
                lock (batch.Sync)
                {
                    cancelled = batch.Status == "cancelling";
                    if (errors.Count > 0 && !cancelled)
                    {
                        batch.Status = "failed";
                        batch.FailedAt = EndpointState.Now;
                        batch.Errors = errors;
                        return;
                    }
                    if (!cancelled)
                    {
                        batch.Status = "in_progress";
                        batch.InProgressAt = EndpointState.Now;
                        batch.Total = lines.Count;
                        batch.Model = model;
                    }
                }
                var results = new LineResult?[lines.Count];
                if (!cancelled)
                {
                    int next = -1;
                    async Task Worker()
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            int i = Interlocked.Increment(ref next);
                            if (i >= lines.Count)
                            {
                                return;
                            }
                            if (lineDelay > 0)
                            {
                                try
                                {
                                    await Task.Delay(lineDelay, stop.Token);
                                }
                                catch (OperationCanceledException)
                                {
                                    return;
                                }
                            }
                            if (stop.IsCancellationRequested)
                            {
                                return;
                            }
                            LineResult result = await ExecuteAsync(state, batch.Endpoint, lines[i], stopping);
                            results[i] = result;
                            lock (batch.Sync)
                            {
                                if (result.Succeeded)
                                {
                                    batch.Completed++;
                                    batch.InputTokens += result.InputTokens;
                                    batch.OutputTokens += result.OutputTokens;
                                }
                                else
                                {
                                    batch.Failed++;
                                }
                            }
                        }
                    }
                    await Task.WhenAll(Enumerable.Range(0, Math.Min(Parallelism, lines.Count)).Select(_ => Task.Run(Worker)));
                }
                stopping.ThrowIfCancellationRequested();
                lock (batch.Sync)
                {
                    cancelled = batch.Status == "cancelling";
                    if (!cancelled)
                    {
                        batch.Status = "finalizing";
                        batch.FinalizingAt = EndpointState.Now;
                    }
                }
                string? outputId = Store(state, batch, "output", results.Where(r => r is { Succeeded: true }).Select(r => r!.Line).ToList());
                string? errorId = Store(state, batch, "error", results.Where(r => r is { Succeeded: false }).Select(r => r!.Line).ToList());
                lock (batch.Sync)
                {
                    batch.OutputFileId = outputId;
                    batch.ErrorFileId = errorId;
                    if (cancelled)
                    {
                        batch.Status = "cancelled";
                        batch.CancelledAt = EndpointState.Now;
                    }
                    else
                    {
                        batch.Status = "completed";
                        batch.CompletedAt = EndpointState.Now;
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The endpoint is stopping: the batch stays as it was.
            }
            catch (Exception ex)
            {
                lock (batch.Sync)
                {
                    batch.Status = "failed";
                    batch.FailedAt = EndpointState.Now;
                    batch.Errors = new JsonArray(Error("server_error", "The batch could not be processed: " + ex.Message, null, null));
                }
            }
        }

        /// <summary>The output or error file (JSONL, input order), or null when it would be empty.</summary>
        private static string? Store(EndpointState state, BatchState batch, string kind, List<string> lines)
        {
            if (lines.Count == 0)
            {
                return null;
            }
            long now = EndpointState.Now;
            var file = new StoredFile
            {
                Id = state.NewId("file-"),
                FileName = $"{batch.Id}_{kind}.jsonl",
                Purpose = "batch_output",
                Bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))),
                CreatedAt = now,
                ExpiresAt = batch.OutputExpiresAfter is long seconds ? now + seconds : null,
            };
            state.Files[file.Id] = file;
            return file.Id;
        }

        private static JsonObject Error(string code, string message, string? param, int? line) => new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["param"] = param,
            ["line"] = line,
        };

        /// <summary>
        /// The input file's requests, one per non-empty line: each a JSON object with a unique string custom_id,
        /// method POST, url equal to the batch's endpoint and an object body with a string model, the same in every
        /// line. Errors name the 1-based line (at most <see cref="MaxReportedErrors"/> are reported).
        /// </summary>
        private static List<BatchLine> Validate(byte[] input, string endpoint, out JsonArray errors, out string? model)
        {
            var lines = new List<BatchLine>();
            var found = new JsonArray();
            errors = found;
            model = null;
            void Report(string code, string message, string? param, int? line)
            {
                if (found.Count < MaxReportedErrors)
                {
                    found.Add(Error(code, message, param, line));
                }
            }
            if (input.LongLength > MaxInputBytes)
            {
                Report("file_too_large", $"The batch input file is {input.LongLength} bytes; it can be at most 200 MB ({MaxInputBytes} bytes).", null, null);
                return lines;
            }
            var customIds = new Dictionary<string, int>(StringComparer.Ordinal);
            int start = input.Length >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF ? 3 : 0;
            int number = 0, requests = 0;
            while (start < input.Length)
            {
                int end = Array.IndexOf(input, (byte)'\n', start);
                if (end < 0)
                {
                    end = input.Length;
                }
                number++;
                ReadOnlySpan<byte> raw = input.AsSpan(start, end - start).Trim(" \t\r"u8);
                start = end + 1;
                if (raw.IsEmpty)
                {
                    continue;
                }
                requests++;
                if (requests > MaxRequests)
                {
                    continue;
                }
                JsonNode? node;
                try
                {
                    node = JsonNode.Parse(raw);
                }
                catch (JsonException)
                {
                    Report("invalid_json_line", "This line is not parseable as valid JSON.", null, number);
                    continue;
                }
                if (node is not JsonObject line)
                {
                    Report("invalid_json_line", $"This line is {Json.Kind(node)}, not a JSON object.", null, number);
                    continue;
                }
                if (!Field(line, "custom_id", number, Report, out string? customId)
                    || !Field(line, "method", number, Report, out string? method)
                    || !Field(line, "url", number, Report, out string? url))
                {
                    continue;
                }
                if (customIds.TryGetValue(customId, out int first))
                {
                    Report("duplicate_custom_id", $"The custom_id '{customId}' is also used on line {first}. The custom_id of each request in a batch must be unique.", "custom_id", number);
                    continue;
                }
                customIds[customId] = number;
                if (method != "POST")
                {
                    Report("invalid_method", $"Invalid value: '{method}'. The Batch API only supports 'POST' requests.", "method", number);
                    continue;
                }
                if (url != endpoint)
                {
                    Report("url_mismatch", $"The url '{url}' of this request does not match the batch's endpoint '{endpoint}'.", "url", number);
                    continue;
                }
                if (line["body"] is not JsonObject body)
                {
                    if (line["body"] is null)
                    {
                        Report("missing_required_parameter", "Missing required parameter: 'body'.", "body", number);
                    }
                    else
                    {
                        Report("invalid_type", $"Invalid type for 'body': expected an object, but got {Json.Kind(line["body"])} instead.", "body", number);
                    }
                    continue;
                }
                if (!Field(body, "model", number, Report, out string? lineModel, "body."))
                {
                    continue;
                }
                if (model is null)
                {
                    model = lineModel;
                }
                else if (lineModel != model)
                {
                    Report("model_mismatch", $"The model '{lineModel}' of this request does not match the model '{model}' of the batch's other requests. A batch input file can use one model only.", "body.model", number);
                    continue;
                }
                if (lineModel.StartsWith("fault:", StringComparison.Ordinal) && Fault.Parse(lineModel.Substring("fault:".Length)).Find("unknown-model") is not null)
                {
                    // fault:unknown-model: the batch fails validation, naming each line (as for a model the key cannot use).
                    Report("model_not_found", $"The model '{lineModel}' does not exist or you do not have access to it.", "body.model", number);
                    continue;
                }
                bool stream = body["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.True;
                lines.Add(new BatchLine(customId, Encoding.UTF8.GetBytes(body.ToJsonString(Http.Options)), stream));
            }
            if (requests > MaxRequests)
            {
                Report("too_many_tasks", $"The batch input file has {requests} requests; a batch can hold at most {MaxRequests:N0}.", null, null);
            }
            else if (requests == 0)
            {
                Report("empty_file", "The batch input file is empty: it must hold one request per line.", null, null);
            }
            return lines;
        }

        /// <summary>A required string field of a line (or of its body, with <paramref name="prefix"/>).</summary>
        private static bool Field(JsonObject obj, string name, int line, Action<string, string, string?, int?> report, [NotNullWhen(true)] out string? value, string prefix = "")
        {
            JsonNode? node = obj[name];
            value = null;
            if (node is null)
            {
                report("missing_required_parameter", $"Missing required parameter: '{prefix}{name}'.", prefix + name, line);
                return false;
            }
            if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                report("invalid_type", $"Invalid type for '{prefix}{name}': expected a string, but got {Json.Kind(node)} instead.", prefix + name, line);
                return false;
            }
            value = v.GetValue<string>();
            return true;
        }

        /// <summary>
        /// Runs one line through the live route's handler on a synthetic request and turns the answer into a
        /// BatchRequestOutput line: status 200 goes to the output file, anything else to the error file.
        /// </summary>
        private static async Task<LineResult> ExecuteAsync(EndpointState state, string url, BatchLine line, CancellationToken stopping)
        {
            var lifetime = new LineLifetime { RequestAborted = stopping };
            var context = new DefaultHttpContext();
            context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
            context.TraceIdentifier = Guid.NewGuid().ToString("N");
            context.Request.Method = "POST";
            context.Request.Scheme = "http";
            context.Request.Path = url;
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = line.Body.Length;
            context.Request.Body = new MemoryStream(line.Body, writable: false);
            var response = new MemoryStream();
            context.Response.Body = response;
            try
            {
                if (line.Stream)
                {
                    throw ApiError.Invalid("stream", "Invalid 'stream': streaming is not supported for requests in a batch.");
                }
                if (url == "/v1/responses")
                {
                    await ResponsesEndpoint.HandleAsync(context, state, line.Body);
                }
                else
                {
                    await ChatCompletionsEndpoint.HandleAsync(context, state, line.Body);
                }
            }
            catch (ApiError error)
            {
                response.SetLength(0);
                await Http.WriteJsonAsync(context, error.Status, error.ToJson());
            }
            catch (Exception) when (!stopping.IsCancellationRequested)
            {
                // A dropped connection (fault:drop) or a handler failure: the service reports a server error.
                lifetime.Abort();
            }
            int status = context.Response.StatusCode;
            string requestId = context.Response.Headers["x-request-id"].ToString();
            if (requestId.Length == 0)
            {
                requestId = "req_" + context.TraceIdentifier;
            }
            JsonNode? answer = null;
            if (!lifetime.Aborted && response.Length > 0)
            {
                try
                {
                    answer = JsonNode.Parse(response.ToArray());
                }
                catch (JsonException)
                {
                    answer = null;
                }
            }
            if (answer is null)
            {
                status = 500;
                answer = new ApiError(500, "The server had an error while processing your request. Sorry about that!", "server_error", null, null).ToJson();
            }
            bool succeeded = status == 200;
            JsonNode? usage = succeeded ? answer["usage"] : null;
            bool responses = url == "/v1/responses";
            var output = new JsonObject
            {
                ["id"] = state.NewId("batch_req_"),
                ["custom_id"] = line.CustomId,
                ["response"] = new JsonObject { ["status_code"] = status, ["request_id"] = requestId, ["body"] = answer },
                ["error"] = null,
            };
            return new LineResult(
                output.ToJsonString(Http.Options),
                succeeded,
                Tokens(usage, responses ? "input_tokens" : "prompt_tokens"),
                Tokens(usage, responses ? "output_tokens" : "completion_tokens"));
        }

        private static long Tokens(JsonNode? usage, string name) => usage?[name] is JsonValue v && v.TryGetValue(out long n) ? n : 0;

        private sealed record BatchLine(string CustomId, byte[] Body, bool Stream);

        private sealed record LineResult(string Line, bool Succeeded, long InputTokens, long OutputTokens);

        /// <summary>The synthetic request's lifetime: Abort (fault:drop) is recorded instead of resetting a connection.</summary>
        private sealed class LineLifetime : IHttpRequestLifetimeFeature
        {
            public CancellationToken RequestAborted { get; set; }

            public bool Aborted { get; private set; }

            public void Abort() => Aborted = true;
        }
    }
}
