using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;

namespace VisionPS.Bench
{
    /// <summary>
    /// chat --base-uri URL [--api chat|responses] [--model M] [--detail D] [--stream] [--system TEXT] [--max-tokens N]
    ///      [--repeat N] [--describe] --prompt TEXT FILE_OR_URL...
    /// Asks a model about images through the transport and prints the answer as one JSON object (errors likewise,
    /// exit 1). With --repeat N it times N requests after a warm-up and prints per-request median/p95, next to a raw
    /// HttpClient posting an equivalent body, so the transport's own overhead shows. The key comes from OPENAI_API_KEY.
    /// </summary>
    internal static class ChatVerb
    {
        private static readonly JsonSerializerOptions s_json = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static async Task<int> RunAsync(string[] args)
        {
            Options options;
            try
            {
                options = Options.Parse(args);
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine("chat: " + ex.Message);
                return 2;
            }
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            try
            {
                VisionConnection connection = VisionConnection.FromEnvironment();
                if (options.BaseUri is not null)
                {
                    connection.BaseUri = VisionConnection.ParseBaseUri(options.BaseUri, "--base-uri");
                }
                using var client = new VisionClient(connection);
                VisionRequest request = BuildRequest(options);
                if (options.Repeat > 0)
                {
                    return await BenchmarkAsync(client, connection, request, options, cancel.Token);
                }
                ChatAnswer result = options.Api == "responses"
                    ? await client.RespondAsync(request, cancel.Token)
                    : options.Stream
                        ? await client.ChatStreamingAsync(request, delta => Console.Error.Write(delta), cancel.Token)
                        : await client.ChatAsync(request, cancel.Token);
                if (options.Stream)
                {
                    Console.Error.WriteLine();
                }
                Console.WriteLine(ToJson(result).ToJsonString(s_json));
                return 0;
            }
            catch (OpenAIRequestException ex)
            {
                var error = new JsonObject
                {
                    ["error"] = new JsonObject
                    {
                        ["status"] = ex.Status,
                        ["type"] = ex.Type,
                        ["code"] = ex.Code,
                        ["param"] = ex.Param,
                        ["message"] = ex.ServerMessage,
                        ["hint"] = ex.Hint,
                        ["retryable"] = ex.IsRetryable,
                    },
                };
                Console.WriteLine(error.ToJsonString(s_json));
                return 1;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
            {
                Console.Error.WriteLine("chat: " + ex.Message);
                return 2;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("chat: cancelled");
                return 130;
            }
        }

        private static VisionRequest BuildRequest(Options options)
        {
            var request = new VisionRequest { Model = options.Model, Prompt = options.Prompt, SystemPrompt = options.System, MaxTokens = options.MaxTokens };
            foreach (string item in options.Inputs)
            {
                if (item.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || item.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    request.Images.Add(VisionImageInput.FromUrl(new Uri(item), options.Detail));
                    continue;
                }
                if (item.StartsWith("file-", StringComparison.Ordinal) && !File.Exists(item))
                {
                    request.Images.Add(VisionImageInput.FromFileId(item, options.Detail));
                    continue;
                }
                // Prepared exactly as the cmdlets do: oriented, converted, sized for the model and detail.
                PreparedImage prepared = ImagePreparer.Prepare(item, new PrepareOptions { Model = options.Model, Detail = options.Detail });
                request.Images.Add(VisionImageInput.FromBytes(prepared.Bytes, prepared.MimeType, options.Detail));
            }
            return request;
        }

        private static JsonObject ToJson(ChatAnswer result)
        {
            JsonNode? parsed = null;
            if (result.Json is not null || result.Text.StartsWith("{", StringComparison.Ordinal))
            {
                try
                {
                    parsed = JsonNode.Parse(result.Json ?? result.Text);
                }
                catch (JsonException)
                {
                }
            }
            return new JsonObject
            {
                ["api"] = result.Api,
                ["model"] = result.Model,
                ["text"] = result.Text,
                ["json"] = parsed,
                ["finish_reason"] = result.FinishReason,
                ["prompt_tokens"] = result.PromptTokens,
                ["completion_tokens"] = result.CompletionTokens,
                ["total_tokens"] = result.TotalTokens,
                ["duration_ms"] = Math.Round(result.Duration.TotalMilliseconds, 2),
                ["response_id"] = result.ResponseId,
                ["conversation_id"] = result.ConversationId,
            };
        }

        /// <summary>Times the transport against a raw HttpClient posting an equivalent body to the same endpoint.</summary>
        private static async Task<int> BenchmarkAsync(VisionClient client, VisionConnection connection, VisionRequest request, Options options, CancellationToken cancellationToken)
        {
            const int warmup = 5;
            var transport = new List<double>();
            int described = 0;
            SendGate? gate = options.Describe ? description => { described += description.Length > 0 ? 1 : 0; return Task.FromResult(true); } : null;
            long allocatedBefore = 0;
            for (int i = 0; i < warmup + options.Repeat; i++)
            {
                if (i == warmup)
                {
                    allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                }
                long start = Stopwatch.GetTimestamp();
                if (options.Api == "responses")
                {
                    await client.RespondAsync(request, cancellationToken);
                }
                else if (options.Stream)
                {
                    await client.ChatStreamingAsync(request, _ => { }, cancellationToken);
                }
                else
                {
                    await client.ChatAsync(request, cancellationToken, gate);
                }
                if (i >= warmup)
                {
                    transport.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            long transportAllocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / options.Repeat;

            string body = RawBody(request, options);
            string url = connection.BaseUri.AbsoluteUri.TrimEnd('/') + (options.Api == "responses" ? "/responses" : "/chat/completions");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            string? key = Environment.GetEnvironmentVariable(VisionConnection.ApiKeyVariable);
            var raw = new List<double>();
            for (int i = 0; i < warmup + options.Repeat; i++)
            {
                if (i == warmup)
                {
                    allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                }
                long start = Stopwatch.GetTimestamp();
                using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                if (!string.IsNullOrEmpty(key))
                {
                    post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                }
                using HttpResponseMessage response = await http.SendAsync(post, options.Stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken);
                byte[] answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                response.EnsureSuccessStatusCode();
                using (JsonDocument.Parse(options.Stream ? "{}"u8.ToArray() : answer))
                {
                }
                if (i >= warmup)
                {
                    raw.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            long rawAllocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / options.Repeat;
            var report = new JsonObject
            {
                ["api"] = options.Api,
                ["stream"] = options.Stream,
                ["described_requests"] = described,
                ["images"] = request.Images.Count,
                ["request_bytes"] = Encoding.UTF8.GetByteCount(body),
                ["repeat"] = options.Repeat,
                ["transport_ms"] = Stats(transport),
                ["raw_http_ms"] = Stats(raw),
                ["overhead_median_ms"] = Math.Round(Percentile(transport, 0.5) - Percentile(raw, 0.5), 3),
                ["overhead_p95_ms"] = Math.Round(Percentile(transport, 0.95) - Percentile(raw, 0.95), 3),
                ["transport_allocated_bytes_per_request"] = transportAllocated,
                ["raw_http_allocated_bytes_per_request"] = rawAllocated,
            };
            Console.WriteLine(report.ToJsonString(s_json));
            return 0;
        }

        private static JsonObject Stats(List<double> samples) => new JsonObject
        {
            ["median"] = Math.Round(Percentile(samples, 0.5), 3),
            ["p95"] = Math.Round(Percentile(samples, 0.95), 3),
            ["min"] = Math.Round(samples.Min(), 3),
            ["max"] = Math.Round(samples.Max(), 3),
        };

        private static double Percentile(List<double> samples, double p)
        {
            double[] sorted = samples.OrderBy(x => x).ToArray();
            double rank = p * (sorted.Length - 1);
            int low = (int)Math.Floor(rank), high = (int)Math.Ceiling(rank);
            return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
        }

        /// <summary>The same request written by hand, the baseline the transport's cost is measured against.</summary>
        private static string RawBody(VisionRequest request, Options options)
        {
            static string Detail(ImageDetail d) => d.ToString().ToLowerInvariant();
            static string Url(VisionImageInput i) => i.Source == VisionImageSource.Url ? i.Url!.AbsoluteUri : "data:" + i.MimeType + ";base64," + Convert.ToBase64String(i.Bytes.Span);
            if (options.Api == "responses")
            {
                var content = new JsonArray { new JsonObject { ["type"] = "input_text", ["text"] = request.Prompt } };
                foreach (VisionImageInput image in request.Images)
                {
                    content.Add(image.Source == VisionImageSource.FileId
                        ? new JsonObject { ["type"] = "input_image", ["file_id"] = image.FileId, ["detail"] = Detail(image.Detail) }
                        : new JsonObject { ["type"] = "input_image", ["image_url"] = Url(image), ["detail"] = Detail(image.Detail) });
                }
                return new JsonObject { ["model"] = request.Model, ["input"] = new JsonArray { new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = content } } }.ToJsonString();
            }
            var parts = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = request.Prompt } };
            foreach (VisionImageInput image in request.Images)
            {
                parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = Url(image), ["detail"] = Detail(image.Detail) } });
            }
            var body = new JsonObject { ["model"] = request.Model, ["messages"] = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = parts } } };
            if (options.Stream)
            {
                body["stream"] = true;
                body["stream_options"] = new JsonObject { ["include_usage"] = true };
            }
            return body.ToJsonString();
        }

        private sealed class Options
        {
            public string? BaseUri { get; private set; }
            public string Api { get; private set; } = "chat";
            public string Model { get; private set; } = "gpt-4.1-mini";
            public ImageDetail Detail { get; private set; } = ImageDetail.Auto;
            public bool Stream { get; private set; }

            /// <summary>--describe: each request is described (as for -WhatIf/-Confirm/-Debug) from its bytes before it is sent.</summary>
            public bool Describe { get; private set; }
            public string? Prompt { get; private set; }
            public string? System { get; private set; }
            public int? MaxTokens { get; private set; }
            public int Repeat { get; private set; }
            public List<string> Inputs { get; } = new List<string>();

            public static Options Parse(string[] args)
            {
                var o = new Options();
                for (int i = 0; i < args.Length; i++)
                {
                    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                    switch (args[i])
                    {
                        case "--base-uri":
                            o.BaseUri = Value();
                            break;
                        case "--api":
                            o.Api = Value();
                            if (o.Api is not ("chat" or "responses"))
                            {
                                throw new ArgumentException("--api is chat or responses.");
                            }
                            break;
                        case "--model":
                            o.Model = Value();
                            break;
                        case "--detail":
                            o.Detail = Enum.TryParse(Value(), ignoreCase: true, out ImageDetail d) ? d : throw new ArgumentException("--detail is auto, low, high or original.");
                            break;
                        case "--describe":
                            o.Describe = true;
                            break;
                        case "--stream":
                            o.Stream = true;
                            break;
                        case "--prompt":
                            o.Prompt = Value();
                            break;
                        case "--system":
                            o.System = Value();
                            break;
                        case "--max-tokens":
                            o.MaxTokens = int.Parse(Value(), CultureInfo.InvariantCulture);
                            break;
                        case "--repeat":
                            o.Repeat = int.Parse(Value(), CultureInfo.InvariantCulture);
                            break;
                        default:
                            if (args[i].StartsWith("--", StringComparison.Ordinal))
                            {
                                throw new ArgumentException($"unknown option {args[i]}.");
                            }
                            o.Inputs.Add(args[i]);
                            break;
                    }
                }
                if (string.IsNullOrEmpty(o.Prompt))
                {
                    throw new ArgumentException("--prompt TEXT is required.");
                }
                if (o.Stream && o.Api == "responses")
                {
                    throw new ArgumentException("--stream works with --api chat.");
                }
                return o;
            }
        }
    }
}
