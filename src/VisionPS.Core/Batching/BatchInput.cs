using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Batching
{
    /// <summary>The service's per-batch limits (the spec's CreateBatchRequest): 50,000 requests and 200 MB of input.</summary>
    public sealed class BatchLimits
    {
        /// <summary>At most this many requests per batch (default 50,000).</summary>
        public int MaxRequests { get; set; } = 50_000;

        /// <summary>At most this many bytes of JSONL per batch (default 200 MB less a 1 MB margin).</summary>
        public long MaxBytes { get; set; } = 199L * 1000 * 1000;
    }

    /// <summary>One request for a batch: its custom_id and the question.</summary>
    public sealed class BatchItem
    {
        /// <summary>Creates an item.</summary>
        public BatchItem(string customId, VisionRequest request)
        {
            if (string.IsNullOrEmpty(customId))
            {
                throw new ArgumentException("A custom_id is required.", nameof(customId));
            }
            CustomId = customId;
            Request = request ?? throw new ArgumentNullException(nameof(request));
        }

        /// <summary>The id that maps the answer back to this request.</summary>
        public string CustomId { get; }

        /// <summary>The question, its images inline (data URLs) or by http(s) URL.</summary>
        public VisionRequest Request { get; }
    }

    /// <summary>One batch input file: JSONL of BatchRequestInput lines within <see cref="BatchLimits"/>.</summary>
    public sealed class BatchInputFile
    {
        internal BatchInputFile(VisionApi api, byte[] jsonl, IReadOnlyList<string> customIds)
        {
            Api = api;
            Jsonl = jsonl;
            CustomIds = customIds;
        }

        /// <summary>The API every line goes to.</summary>
        public VisionApi Api { get; }

        /// <summary>The file's bytes (UTF-8 JSONL, one request per line).</summary>
        public byte[] Jsonl { get; }

        /// <summary>The custom_id of each line, in order.</summary>
        public IReadOnlyList<string> CustomIds { get; }
    }

    /// <summary>
    /// Writes batch input files: each request serialized exactly as the SDK sends it live (so a batch answer equals a
    /// live one), wrapped as {custom_id, method, url, body}, split into files that respect <see cref="BatchLimits"/>.
    /// Not thread-safe: one builder per batch.
    /// </summary>
    public sealed class BatchInputBuilder : IDisposable
    {
        private readonly BatchLimits _limits;
        private readonly VisionClient _client;
        private readonly HashSet<string> _ids = new HashSet<string>(StringComparer.Ordinal);
        private MemoryStream _current = new MemoryStream();
        private List<string> _currentIds = new List<string>();

        /// <summary>Creates a builder for <paramref name="api"/>; <paramref name="client"/> serializes each request as it would send it (nothing is sent).</summary>
        public BatchInputBuilder(VisionClient client, VisionApi api, BatchLimits? limits = null)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            Api = api;
            _limits = limits ?? new BatchLimits();
            if (_limits.MaxRequests < 1 || _limits.MaxBytes < 1024)
            {
                throw new ArgumentException("Batch limits need at least 1 request and 1 KB per file.", nameof(limits));
            }
        }

        /// <summary>The API every line goes to.</summary>
        public VisionApi Api { get; }

        /// <summary>The url of each line: /v1/chat/completions or /v1/responses.</summary>
        public static string UrlOf(VisionApi api) => api == VisionApi.Chat ? "/v1/chat/completions" : "/v1/responses";

        /// <summary>Serializes one line (with its newline).</summary>
        public byte[] Line(BatchItem item)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }
            if (item.Request.ConversationId is not null)
            {
                throw new ArgumentException("A batch request cannot continue a conversation.", nameof(item));
            }
            foreach (VisionImageInput image in item.Request.Images)
            {
                if (image.Source == VisionImageSource.FileId && Api == VisionApi.Chat)
                {
                    throw new ArgumentException($"'{item.CustomId}': Chat Completions cannot take an uploaded file id; use inline images or the Responses API.", nameof(item));
                }
            }
            string path = UrlOf(Api);
            byte[] body = _client.Serialize(item.Request, Api);
            using var buffer = new MemoryStream(body.Length + 128);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("custom_id", item.CustomId);
                writer.WriteString("method", "POST");
                writer.WriteString("url", path);
                writer.WritePropertyName("body");
                writer.WriteRawValue(body, skipInputValidation: true);
                writer.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            return buffer.ToArray();
        }

        /// <summary>
        /// Adds a request; returns the file it completed when this request did not fit in the current one (then this
        /// request starts the next file), else null. A request larger than a whole file is refused.
        /// </summary>
        public BatchInputFile? Add(BatchItem item)
        {
            if (item is null)
            {
                throw new ArgumentNullException(nameof(item));
            }
            if (_ids.Contains(item.CustomId))
            {
                throw new ArgumentException($"The custom_id '{item.CustomId}' is already in this batch.", nameof(item));
            }
            byte[] line = Line(item);
            if (line.Length > _limits.MaxBytes)
            {
                throw new ArgumentException($"'{item.CustomId}': one request of {line.Length:N0} bytes is larger than a whole batch file ({_limits.MaxBytes:N0} bytes).", nameof(item));
            }
            BatchInputFile? completed = null;
            if (_currentIds.Count > 0 && (_currentIds.Count >= _limits.MaxRequests || _current.Length + line.Length > _limits.MaxBytes))
            {
                completed = Complete();
            }
            _ids.Add(item.CustomId);
            _current.Write(line, 0, line.Length);
            _currentIds.Add(item.CustomId);
            return completed;
        }

        /// <summary>The last, partly filled file (null when nothing was added since the last file).</summary>
        public BatchInputFile? Finish() => _currentIds.Count == 0 ? null : Complete();

        /// <summary>Builds every file for <paramref name="items"/> at once.</summary>
        public static IReadOnlyList<BatchInputFile> Build(VisionClient client, VisionApi api, IEnumerable<BatchItem> items, BatchLimits? limits = null)
        {
            var files = new List<BatchInputFile>();
            using var builder = new BatchInputBuilder(client, api, limits);
            foreach (BatchItem item in items)
            {
                if (builder.Add(item) is BatchInputFile file)
                {
                    files.Add(file);
                }
            }
            if (builder.Finish() is BatchInputFile last)
            {
                files.Add(last);
            }
            return files;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            _current.Dispose();
        }

        private BatchInputFile Complete()
        {
            var file = new BatchInputFile(Api, _current.ToArray(), _currentIds);
            _current.Dispose();
            _current = new MemoryStream();
            _currentIds = new List<string>();
            return file;
        }
    }
}
