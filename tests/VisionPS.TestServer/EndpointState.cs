using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;

namespace VisionPS.TestServer
{
    /// <summary>One request as it arrived (headers included: tests check what was and was not sent).</summary>
    public sealed record CapturedRequest(string Method, string Path, string Query, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public int Status { get; set; }

        /// <summary>When the request arrived at the endpoint's pipeline (before its body was read).</summary>
        public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;

        /// <summary>When the answer was written (or the request failed).</summary>
        public DateTimeOffset AnsweredAt { get; set; }

        public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
    }

    public sealed class StoredFile
    {
        public required string Id { get; init; }
        public required string FileName { get; init; }
        public required string Purpose { get; init; }
        public required byte[] Bytes { get; init; }
        public long CreatedAt { get; init; }
        public long? ExpiresAt { get; init; }

        public JsonObject ToJson() => new JsonObject
        {
            ["id"] = Id,
            ["object"] = "file",
            ["bytes"] = Bytes.LongLength,
            ["created_at"] = CreatedAt,
            ["expires_at"] = ExpiresAt,
            ["filename"] = FileName,
            ["purpose"] = Purpose,
            ["status"] = "processed",
            ["status_details"] = null,
        };
    }

    public sealed class ConversationState
    {
        public required string Id { get; init; }
        public long CreatedAt { get; init; }
        public List<JsonObject> Items { get; } = new List<JsonObject>();
    }

    public sealed class ThreadState
    {
        public required string Id { get; init; }
        public long CreatedAt { get; init; }
        public List<JsonObject> Messages { get; } = new List<JsonObject>();
        public Dictionary<string, JsonObject> Runs { get; } = new Dictionary<string, JsonObject>();
    }

    /// <summary>
    /// One batch of /v1/batches. A background task moves it through its statuses while requests read it: every field
    /// below the immutable ones is read and written under <see cref="Sync"/>, and <see cref="ToJson"/> is a snapshot.
    /// </summary>
    public sealed class BatchState
    {
        public required string Id { get; init; }
        public required string Endpoint { get; init; }
        public required string InputFileId { get; init; }
        public required string CompletionWindow { get; init; }
        public long CreatedAt { get; init; }
        public long ExpiresAt { get; init; }

        /// <summary>Creation order (newest first in lists; created_at has one-second resolution).</summary>
        public long Sequence { get; init; }

        public JsonObject? Metadata { get; init; }

        /// <summary>output_expires_after.seconds: the output and error files expire that long after they are written.</summary>
        public long? OutputExpiresAfter { get; init; }

        /// <summary>Cancelled by POST /v1/batches/{id}/cancel: the processor starts no further line.</summary>
        public CancellationTokenSource Cancellation { get; } = new CancellationTokenSource();

        public object Sync { get; } = new object();

        public string Status { get; set; } = "validating";
        public string? Model { get; set; }

        /// <summary>The BatchError objects of a failed validation (null otherwise).</summary>
        public JsonArray? Errors { get; set; }

        public string? OutputFileId { get; set; }
        public string? ErrorFileId { get; set; }
        public long? InProgressAt { get; set; }
        public long? FinalizingAt { get; set; }
        public long? CompletedAt { get; set; }
        public long? FailedAt { get; set; }
        public long? ExpiredAt { get; set; }
        public long? CancellingAt { get; set; }
        public long? CancelledAt { get; set; }
        public int Total { get; set; }
        public int Completed { get; set; }
        public int Failed { get; set; }
        public long InputTokens { get; set; }
        public long OutputTokens { get; set; }

        /// <summary>The Batch object (every field of the spec's Batch schema), taken under the lock.</summary>
        public JsonObject ToJson()
        {
            lock (Sync)
            {
                return new JsonObject
                {
                    ["id"] = Id,
                    ["object"] = "batch",
                    ["endpoint"] = Endpoint,
                    ["model"] = Model,
                    ["errors"] = Errors is null ? null : new JsonObject { ["object"] = "list", ["data"] = Errors.DeepClone() },
                    ["input_file_id"] = InputFileId,
                    ["completion_window"] = CompletionWindow,
                    ["status"] = Status,
                    ["output_file_id"] = OutputFileId,
                    ["error_file_id"] = ErrorFileId,
                    ["created_at"] = CreatedAt,
                    ["in_progress_at"] = InProgressAt,
                    ["expires_at"] = ExpiresAt,
                    ["finalizing_at"] = FinalizingAt,
                    ["completed_at"] = CompletedAt,
                    ["failed_at"] = FailedAt,
                    ["expired_at"] = ExpiredAt,
                    ["cancelling_at"] = CancellingAt,
                    ["cancelled_at"] = CancelledAt,
                    ["request_counts"] = new JsonObject { ["total"] = Total, ["completed"] = Completed, ["failed"] = Failed },
                    ["usage"] = new JsonObject
                    {
                        ["input_tokens"] = InputTokens,
                        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                        ["output_tokens"] = OutputTokens,
                        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                        ["total_tokens"] = InputTokens + OutputTokens,
                    },
                    ["metadata"] = Metadata?.DeepClone(),
                };
            }
        }
    }

    /// <summary>Everything the endpoint remembers: files, conversations, threads, test assets, and every request received.</summary>
    public sealed class EndpointState
    {
        private long _nextId;

        public ConcurrentDictionary<string, StoredFile> Files { get; } = new ConcurrentDictionary<string, StoredFile>();
        public ConcurrentDictionary<string, ConversationState> Conversations { get; } = new ConcurrentDictionary<string, ConversationState>();
        public ConcurrentDictionary<string, ThreadState> Threads { get; } = new ConcurrentDictionary<string, ThreadState>();
        public ConcurrentDictionary<string, BatchState> Batches { get; } = new ConcurrentDictionary<string, BatchState>();

        /// <summary>
        /// Refuse http(s) image URLs as Ollama's OpenAI-compatible API does (ollama#6753, #4474): only data: URLs (and file
        /// ids) are taken. Set by --refuse-image-urls, or per request by the fault kind no-image-urls.
        /// </summary>
        public bool RefuseImageUrls { get; set; }

        /// <summary>
        /// Take any json_schema and ignore strict, as Ollama, LM Studio and vLLM do: the strict Structured Outputs rules
        /// are not enforced.
        /// </summary>
        public bool LooseSchemas { get; set; }

        /// <summary>Images served at /assets/{name}: the only URLs this offline endpoint can "download".</summary>
        public ConcurrentDictionary<string, byte[]> Assets { get; } = new ConcurrentDictionary<string, byte[]>();

        public ConcurrentQueue<CapturedRequest> Requests { get; } = new ConcurrentQueue<CapturedRequest>();

        /// <summary>How often each fault spec has fired (a spec with xN fires N times, then the endpoint answers normally).</summary>
        public ConcurrentDictionary<string, int> FaultHits { get; } = new ConcurrentDictionary<string, int>();

        /// <summary>The token buckets of rate=N faults, by spec.</summary>
        public ConcurrentDictionary<string, TokenBucket> RateLimits { get; } = new ConcurrentDictionary<string, TokenBucket>();

        /// <summary>
        /// Faults for every request to a route, for requests a client cannot give a fault header or model (a cleanup
        /// DELETE of a file, a batch's creation): "METHOD TEMPLATE" (e.g. "DELETE /v1/files/{id}", "POST /v1/batches")
        /// to a fault SPEC, applied before the route's handler when the request names no fault of its own. Set in
        /// process, or by --route-fault METHOD-TEMPLATE SPEC.
        /// </summary>
        public ConcurrentDictionary<string, string> RouteFaults { get; } = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>How many requests a rate=N fault has refused with 429.</summary>
        public int RateLimited;

        /// <summary>When set, requests must carry "Authorization: Bearer {ApiKey}" (or api-key: {ApiKey}).</summary>
        public string? ApiKey { get; set; }

        public string NewId(string prefix) => prefix + Interlocked.Increment(ref _nextId).ToString("x8") + Guid.NewGuid().ToString("N").Substring(0, 16)
            + (IdTails.TryGetValue(prefix, out string? tail) ? tail : string.Empty);

        /// <summary>
        /// Text the ids this endpoint makes with a prefix end with (--id-tail PREFIX TEXT): "batch_" to "; Write-Host PWNED #"
        /// gives batch ids such as "batch_...; Write-Host PWNED #", for tests that the module never prints an id from the
        /// service into a command where it would run as code.
        /// </summary>
        public ConcurrentDictionary<string, string> IdTails { get; } = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        public IReadOnlyList<CapturedRequest> RequestsTo(string pathSuffix) => Requests.Where(r => r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).ToList();
    }
}
