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

    /// <summary>Everything the endpoint remembers: files, conversations, threads, test assets, and every request received.</summary>
    public sealed class EndpointState
    {
        private long _nextId;

        public ConcurrentDictionary<string, StoredFile> Files { get; } = new ConcurrentDictionary<string, StoredFile>();
        public ConcurrentDictionary<string, ConversationState> Conversations { get; } = new ConcurrentDictionary<string, ConversationState>();
        public ConcurrentDictionary<string, ThreadState> Threads { get; } = new ConcurrentDictionary<string, ThreadState>();

        /// <summary>Images served at /assets/{name}: the only URLs this offline endpoint can "download".</summary>
        public ConcurrentDictionary<string, byte[]> Assets { get; } = new ConcurrentDictionary<string, byte[]>();

        public ConcurrentQueue<CapturedRequest> Requests { get; } = new ConcurrentQueue<CapturedRequest>();

        /// <summary>How often each fault spec has fired (a spec with xN fires N times, then the endpoint answers normally).</summary>
        public ConcurrentDictionary<string, int> FaultHits { get; } = new ConcurrentDictionary<string, int>();

        /// <summary>When set, requests must carry "Authorization: Bearer {ApiKey}" (or api-key: {ApiKey}).</summary>
        public string? ApiKey { get; set; }

        public string NewId(string prefix) => prefix + Interlocked.Increment(ref _nextId).ToString("x8") + Guid.NewGuid().ToString("N").Substring(0, 16);

        public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        public IReadOnlyList<CapturedRequest> RequestsTo(string pathSuffix) => Requests.Where(r => r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).ToList();
    }
}
