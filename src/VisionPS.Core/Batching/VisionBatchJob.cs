using System;
using System.Collections.Generic;
using System.Text.Json;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Batching
{
    /// <summary>A batch as the service reports it (the spec's Batch object).</summary>
    public sealed class VisionBatchJob
    {
        /// <summary>batch_...</summary>
        public string Id { get; set; } = string.Empty;

        /// <summary>validating, failed, in_progress, finalizing, completed, expired, cancelling or cancelled.</summary>
        public string Status { get; set; } = string.Empty;

        /// <summary>The endpoint of every request: /v1/chat/completions or /v1/responses.</summary>
        public string Endpoint { get; set; } = string.Empty;

        /// <summary>The model, once the service knows it.</summary>
        public string? Model { get; set; }

        /// <summary>The uploaded JSONL input.</summary>
        public string? InputFileId { get; set; }

        /// <summary>The answers of the requests that succeeded (JSONL), once there is one.</summary>
        public string? OutputFileId { get; set; }

        /// <summary>The failed requests (JSONL), when any failed.</summary>
        public string? ErrorFileId { get; set; }

        /// <summary>Requests in the batch.</summary>
        public int Total { get; set; }

        /// <summary>Requests answered.</summary>
        public int Completed { get; set; }

        /// <summary>Requests failed.</summary>
        public int Failed { get; set; }

        /// <summary>Input tokens used so far (when the service reports usage).</summary>
        public long InputTokens { get; set; }

        /// <summary>Output tokens used so far.</summary>
        public long OutputTokens { get; set; }

        /// <summary>When the batch was created.</summary>
        public DateTimeOffset? CreatedAt { get; set; }

        /// <summary>When the batch reached a final status (completed, failed, expired or cancelled).</summary>
        public DateTimeOffset? EndedAt { get; set; }

        /// <summary>When the service gives up on the batch (24 hours after creation).</summary>
        public DateTimeOffset? ExpiresAt { get; set; }

        /// <summary>Why validation failed: one entry per problem, with the 1-based input line when there is one.</summary>
        public IReadOnlyList<BatchError> Errors { get; set; } = Array.Empty<BatchError>();

        /// <summary>The batch's metadata.</summary>
        public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();

        /// <summary>True once the status can no longer change.</summary>
        public bool IsFinished => IsFinal(Status);

        /// <summary>Whether <paramref name="status"/> is final.</summary>
        public static bool IsFinal(string status) => status is "completed" or "failed" or "expired" or "cancelled";

        /// <summary>Reads the service's Batch JSON.</summary>
        public static VisionBatchJob Parse(BinaryData json)
        {
            using JsonDocument doc = JsonDocument.Parse(json.ToMemory());
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Str(root, "id") is not string id)
            {
                throw new FormatException("The service's answer is not a batch object.");
            }
            var job = new VisionBatchJob
            {
                Id = id,
                Status = Str(root, "status") ?? string.Empty,
                Endpoint = Str(root, "endpoint") ?? string.Empty,
                Model = Str(root, "model"),
                InputFileId = Str(root, "input_file_id"),
                OutputFileId = Str(root, "output_file_id"),
                ErrorFileId = Str(root, "error_file_id"),
                CreatedAt = Time(root, "created_at"),
                ExpiresAt = Time(root, "expires_at"),
                EndedAt = Time(root, "completed_at") ?? Time(root, "failed_at") ?? Time(root, "cancelled_at") ?? Time(root, "expired_at"),
            };
            if (root.TryGetProperty("request_counts", out JsonElement counts) && counts.ValueKind == JsonValueKind.Object)
            {
                job.Total = Count(counts, "total");
                job.Completed = Count(counts, "completed");
                job.Failed = Count(counts, "failed");
            }
            if (root.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
            {
                job.InputTokens = Tokens(usage, "input_tokens");
                job.OutputTokens = Tokens(usage, "output_tokens");
            }
            if (root.TryGetProperty("errors", out JsonElement errors) && errors.ValueKind == JsonValueKind.Object
                && errors.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Array)
            {
                var list = new List<BatchError>();
                foreach (JsonElement e in data.EnumerateArray())
                {
                    list.Add(new BatchError(Str(e, "code"), Str(e, "message") ?? string.Empty, Str(e, "param"),
                        e.TryGetProperty("line", out JsonElement line) ? WholeNumber(line) : null));
                }
                job.Errors = list;
            }
            if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object)
            {
                var map = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonProperty p in metadata.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        map[p.Name] = p.Value.GetString()!;
                    }
                }
                job.Metadata = map;
            }
            return job;
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Id} {Status} {Completed + Failed}/{Total}";

        private static string? Str(JsonElement obj, string name)
            => obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        /// <summary>A request count: a negative one (a miscounting service or gateway) is no count, 0.</summary>
        private static int Count(JsonElement obj, string name)
            => obj.TryGetProperty(name, out JsonElement v) && WholeNumber(v) is int n && n > 0 ? n : 0;

        /// <summary>A token count, which passes what an int holds in a large batch (billions); negative is none, 0.</summary>
        private static long Tokens(JsonElement obj, string name)
            => obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) && n > 0 ? n : 0;

        /// <summary>A JSON number that is a whole int (200, 200.0, 2e2), else null: an odd number is not a reason to lose the rest.</summary>
        internal static int? WholeNumber(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                return null;
            }
            if (value.TryGetInt32(out int n))
            {
                return n;
            }
            return value.TryGetDouble(out double d) && d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue ? (int)d : null;
        }

        private static DateTimeOffset? Time(JsonElement obj, string name) => ServiceTime.Read(obj, name);
    }

    /// <summary>One reason a batch failed validation.</summary>
    public sealed class BatchError
    {
        /// <summary>Creates an error.</summary>
        public BatchError(string? code, string message, string? param, int? line)
        {
            Code = code;
            Message = message;
            Param = param;
            Line = line;
        }

        /// <summary>The service's error code.</summary>
        public string? Code { get; }

        /// <summary>The service's message.</summary>
        public string Message { get; }

        /// <summary>The parameter concerned.</summary>
        public string? Param { get; }

        /// <summary>The 1-based line of the input file, when the problem is in one line.</summary>
        public int? Line { get; }

        /// <inheritdoc/>
        public override string ToString() => Line is int line ? $"line {line}: {Message}" : Message;
    }
}
