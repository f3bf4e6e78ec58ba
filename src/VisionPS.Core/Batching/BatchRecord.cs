using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionPS.Core.Batching
{
    /// <summary>
    /// What VisionPS remembers locally about a batch it submitted: where it went, what was asked, and which image each
    /// custom_id stands for, so its answers can be mapped back to their files later, from another session.
    /// </summary>
    public sealed class BatchRecord
    {
        /// <summary>The batch's id.</summary>
        public string BatchId { get; set; } = string.Empty;

        /// <summary>The service's base URI (no credential).</summary>
        public string BaseUri { get; set; } = string.Empty;

        /// <summary>
        /// The api-version of an Azure OpenAI batch (its <see cref="BaseUri"/> is then the resource's /openai); null for
        /// OpenAI or a compatible server, and in records written before VisionPS kept it.
        /// </summary>
        public string? AzureApiVersion { get; set; }

        /// <summary>
        /// <see cref="OpenAI.VisionConnection.EndpointKeyCheck"/> of the key the batch was submitted with, for its
        /// <see cref="BaseUri"/> (empty: submitted without a key; null: a record written before VisionPS kept it). Never the key.
        /// </summary>
        public string? KeyCheck { get; set; }

        /// <summary>chat or responses.</summary>
        public string Api { get; set; } = "chat";

        /// <summary>The model asked.</summary>
        public string Model { get; set; } = string.Empty;

        /// <summary>The prompt.</summary>
        public string Prompt { get; set; } = string.Empty;

        /// <summary>The system prompt, if any.</summary>
        public string? SystemPrompt { get; set; }

        /// <summary>The detail asked for every image.</summary>
        public string Detail { get; set; } = "Auto";

        /// <summary>The answer's token limit, if any.</summary>
        public int? MaxTokens { get; set; }

        /// <summary>The temperature, if any.</summary>
        public double? Temperature { get; set; }

        /// <summary>The name and JSON text of the structured-output schema, if one was asked for.</summary>
        public string? JsonSchemaName { get; set; }

        /// <summary>The structured-output schema's JSON text.</summary>
        public string? JsonSchema { get; set; }

        /// <summary>1-based part of a submission split to respect the per-batch limits.</summary>
        public int Part { get; set; } = 1;

        /// <summary>How many parts the submission has.</summary>
        public int Parts { get; set; } = 1;

        /// <summary>The id shared by every part of one submission.</summary>
        public string SubmissionId { get; set; } = string.Empty;

        /// <summary>When the batch was submitted.</summary>
        public DateTimeOffset SubmittedAt { get; set; }

        /// <summary>One entry per request, in input order.</summary>
        public List<BatchRecordItem> Items { get; set; } = new List<BatchRecordItem>();

        /// <summary>The entry for a custom_id, if any.</summary>
        public BatchRecordItem? Find(string customId)
        {
            _byId ??= Items.GroupBy(i => i.CustomId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            return _byId.TryGetValue(customId, out BatchRecordItem? item) ? item : null;
        }

        [JsonIgnore]
        private Dictionary<string, BatchRecordItem>? _byId;
    }

    /// <summary>One request of a batch: its custom_id and the image it asks about.</summary>
    public sealed class BatchRecordItem
    {
        /// <summary>The request's custom_id.</summary>
        public string CustomId { get; set; } = string.Empty;

        /// <summary>The image's source (path or URL) as given.</summary>
        public string Source { get; set; } = string.Empty;

        /// <summary>SHA-256 of the bytes sent (empty for a URL).</summary>
        public string Sha256 { get; set; } = string.Empty;

        /// <summary>The estimated image tokens.</summary>
        public int EstimatedTokens { get; set; }
    }

    /// <summary>What the Tab completion of a batch id shows of a record, read without its requests.</summary>
    public sealed class BatchRecordHead
    {
        /// <summary>The batch's id (its record file's name).</summary>
        public string BatchId { get; set; } = string.Empty;

        /// <summary>The model asked.</summary>
        public string Model { get; set; } = string.Empty;

        /// <summary>The prompt.</summary>
        public string Prompt { get; set; } = string.Empty;

        /// <summary>1-based part of a split submission.</summary>
        public int Part { get; set; } = 1;

        /// <summary>How many parts the submission has.</summary>
        public int Parts { get; set; } = 1;

        /// <summary>The id shared by every part of one submission.</summary>
        public string SubmissionId { get; set; } = string.Empty;

        /// <summary>When the batch was submitted.</summary>
        public DateTimeOffset SubmittedAt { get; set; }

        /// <summary>How many requests (images) the batch has; null when the record is too large to count them while typing.</summary>
        public int? ItemCount { get; set; }
    }

    /// <summary>
    /// The local folder of <see cref="BatchRecord"/>s, one JSON file per batch, written atomically (temporary file,
    /// then rename) so a crash never leaves a half-written record.
    /// </summary>
    public sealed class BatchStore
    {
        private static readonly JsonSerializerOptions s_options = new JsonSerializerOptions { WriteIndented = false };

        /// <summary>Opens (without creating) the store at <paramref name="root"/>.</summary>
        public BatchStore(string root)
        {
            if (string.IsNullOrWhiteSpace(root))
            {
                throw new ArgumentException("A folder is required.", nameof(root));
            }
            Root = Path.GetFullPath(root);
        }

        /// <summary>The folder.</summary>
        public string Root { get; }

        /// <summary>
        /// The default folder per OS: <c>VISIONPS_BATCHES</c> if set; else Windows <c>%LOCALAPPDATA%\VisionPS\Batches</c>,
        /// macOS <c>~/Library/Application Support/VisionPS/Batches</c>, Linux <c>$XDG_DATA_HOME/VisionPS/batches</c> or
        /// <c>~/.local/share/VisionPS/batches</c>. Records are state, not cache: clearing the answer cache keeps them.
        /// </summary>
        public static string DefaultRoot() => LocalFiles.UserFolder(UserFolderKind.Data, "Batches", "VISIONPS_BATCHES");

        /// <summary>Saves (or replaces) a record.</summary>
        public void Save(BatchRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }
            string path = PathOf(record.BatchId);
            Directory.CreateDirectory(Root);
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(record, s_options);
            LocalFiles.WriteAtomic(path, bytes);
        }

        /// <summary>The record of a batch, or null when there is none (or it cannot be read).</summary>
        public BatchRecord? TryLoad(string batchId) => TryLoad(batchId, out _);

        /// <summary>
        /// The record of a batch, or null when there is none or it cannot be read; then <paramref name="problem"/>
        /// says in words why a record file that exists cannot be read (null when there is no file).
        /// </summary>
        public BatchRecord? TryLoad(string batchId, out string? problem)
        {
            problem = null;
            string path = PathOf(batchId);
            if (!File.Exists(path))
            {
                return null;
            }
            byte[] bytes = Array.Empty<byte>();
            try
            {
                // Checked before it is opened: opening a FIFO (or a device) named like a record would wait for a writer.
                if (new FileInfo(path).Length == 0)
                {
                    problem = "it is empty (or not a regular file)";
                    return null;
                }
                bytes = File.ReadAllBytes(path);
                int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0; // a UTF-8 BOM (an editor's)
                BatchRecord? record = JsonSerializer.Deserialize<BatchRecord>(new ReadOnlySpan<byte>(bytes, start, bytes.Length - start), s_options);
                if (record is null)
                {
                    problem = "it holds no record";
                    return null;
                }
                // The file name is the batch id: a record that names no batch, or another one (copied, or written by
                // someone else into a shared folder), is not the record of this batch.
                if (string.IsNullOrEmpty(record.BatchId))
                {
                    problem = "it names no batch id";
                    return null;
                }
                if (!string.Equals(record.BatchId, batchId, StringComparison.OrdinalIgnoreCase))
                {
                    problem = $"it is the record of batch '{record.BatchId}', not of the batch its file name says";
                    return null;
                }
                return Normalized(record);
            }
            catch (JsonException ex)
            {
                problem = IsJson(bytes) ? NotARecord(ex.Path)
                    : ex.LineNumber is long line
                        ? $"it is not valid JSON at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}"
                        : "it is not a batch record VisionPS can read";
                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = MessageText.Clause(ex.Message);
                return null;
            }
        }

        /// <summary>Whether <paramref name="bytes"/> are JSON at all (a UTF-8 BOM allowed).</summary>
        private static bool IsJson(byte[] bytes)
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            try
            {
                var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(bytes, start, bytes.Length - start));
                bool any = false;
                while (reader.Read())
                {
                    any = true;
                }
                return any;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>Why JSON that the serializer refused is no batch record, from where it stopped ($ or $.Items[0].Sha256).</summary>
        private static string NotARecord(string? where)
        {
            string field = (where ?? "$").TrimStart('$').TrimStart('.');
            return field.Length == 0
                ? "it is JSON but not a batch record (a record is one JSON object with BatchId, Prompt, Items...)"
                : $"it is JSON but not a batch record: its '{field}' is not of the kind a record holds";
        }

        /// <summary>A record whose fields written as null (by hand, by another tool) read as empty, as a missing field does.</summary>
        private static BatchRecord Normalized(BatchRecord record)
        {
            record.BaseUri ??= string.Empty;
            record.Api ??= "chat";
            record.Model ??= string.Empty;
            record.Prompt ??= string.Empty;
            record.Detail ??= "Auto";
            record.SubmissionId ??= string.Empty;
            record.Items = (record.Items ?? new List<BatchRecordItem>()).Where(i => i is not null).ToList();
            foreach (BatchRecordItem item in record.Items)
            {
                item.CustomId ??= string.Empty;
                item.Source ??= string.Empty;
                item.Sha256 ??= string.Empty;
            }
            return record;
        }

        /// <summary>
        /// The head of every record whose file name (its batch id) <paramref name="wanted"/> accepts, newest submission
        /// first, for the Tab completion of a batch id: quick, whatever the folder holds. A record file is read whole
        /// only up to <see cref="HeadReadLimit"/> bytes (its requests are counted); of a larger one only the head is read
        /// (no count); an empty file or one that is not a regular file (a FIFO would wait for a writer) is passed over,
        /// as is any file that is not a record of the batch its name says. Never throws for a file's content.
        /// </summary>
        public IReadOnlyList<BatchRecordHead> ListHeads(Func<string, bool> wanted)
        {
            if (wanted is null)
            {
                throw new ArgumentNullException(nameof(wanted));
            }
            if (!Directory.Exists(Root))
            {
                return Array.Empty<BatchRecordHead>();
            }
            var heads = new List<BatchRecordHead>();
            foreach (string file in Directory.EnumerateFiles(Root, "*.json"))
            {
                string id = Path.GetFileNameWithoutExtension(file);
                if (Path.GetFileName(file).StartsWith(".", StringComparison.Ordinal) || !wanted(id))
                {
                    continue;
                }
                if (ReadHead(file, id) is BatchRecordHead head)
                {
                    heads.Add(head);
                }
            }
            return heads
                .GroupBy(h => string.IsNullOrEmpty(h.SubmissionId) ? h.BatchId : h.SubmissionId, StringComparer.Ordinal)
                .OrderByDescending(g => g.Min(h => h.SubmittedAt))
                .SelectMany(g => g.OrderBy(h => h.Part))
                .ToList();
        }

        /// <summary>The size up to which <see cref="ListHeads"/> reads a record whole (and counts its requests).</summary>
        public const int HeadReadLimit = 1024 * 1024;

        /// <summary>What <see cref="ListHeads"/> reads of a record larger than <see cref="HeadReadLimit"/>.</summary>
        private const int HeadBytes = 64 * 1024;

        private static BatchRecordHead? ReadHead(string file, string id)
        {
            byte[] bytes;
            int read = 0;
            bool whole;
            try
            {
                long length = new FileInfo(file).Length;
                if (length == 0)
                {
                    return null; // empty, or not a regular file: opening a FIFO would wait for a writer
                }
                whole = length <= HeadReadLimit;
                bytes = new byte[whole ? (int)length : HeadBytes];
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
                int n;
                while (read < bytes.Length && (n = stream.Read(bytes, read, bytes.Length - read)) > 0)
                {
                    read += n;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            int start = read >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0; // a UTF-8 BOM (an editor's)
            try
            {
                return ParseHead(new Utf8JsonReader(new ReadOnlySpan<byte>(bytes, start, read - start), isFinalBlock: whole, state: default), id, whole);
            }
            catch (JsonException)
            {
                return null;
            }
            catch (InvalidOperationException)
            {
                return null; // a value of the wrong type for its field
            }
        }

        private static BatchRecordHead? ParseHead(Utf8JsonReader reader, string id, bool whole)
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            var head = new BatchRecordHead();
            bool counted = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string? name = reader.GetString();
                if (!reader.Read())
                {
                    break; // the end of what was read
                }
                JsonTokenType type = reader.TokenType;
                switch (name)
                {
                    case nameof(BatchRecord.BatchId):
                        head.BatchId = type == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty;
                        continue;
                    case nameof(BatchRecord.Model):
                        head.Model = type == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty;
                        continue;
                    case nameof(BatchRecord.Prompt):
                        head.Prompt = type == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty;
                        continue;
                    case nameof(BatchRecord.SubmissionId):
                        head.SubmissionId = type == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty;
                        continue;
                    case nameof(BatchRecord.Part) when type == JsonTokenType.Number && reader.TryGetInt32(out int part):
                        head.Part = part;
                        continue;
                    case nameof(BatchRecord.Parts) when type == JsonTokenType.Number && reader.TryGetInt32(out int parts):
                        head.Parts = parts;
                        continue;
                    case nameof(BatchRecord.SubmittedAt) when type == JsonTokenType.String && reader.TryGetDateTimeOffset(out DateTimeOffset at):
                        head.SubmittedAt = at;
                        continue;
                    case nameof(BatchRecord.Items) when type == JsonTokenType.StartArray:
                        int count = 0;
                        bool complete = false;
                        while (reader.Read())
                        {
                            if (reader.TokenType == JsonTokenType.EndArray)
                            {
                                complete = true;
                                break;
                            }
                            count++;
                            if ((reader.TokenType == JsonTokenType.StartObject || reader.TokenType == JsonTokenType.StartArray) && !reader.TrySkip())
                            {
                                break;
                            }
                        }
                        if (!complete)
                        {
                            return Accepted(head, id); // the rest of a large record was not read
                        }
                        head.ItemCount = count;
                        counted = true;
                        continue;
                }
                if ((type == JsonTokenType.StartObject || type == JsonTokenType.StartArray) && !reader.TrySkip())
                {
                    break;
                }
            }
            if (whole && !counted)
            {
                head.ItemCount = 0; // a whole record without requests
            }
            return Accepted(head, id);
        }

        /// <summary>The head when it is the record of the batch its file name says.</summary>
        private static BatchRecordHead? Accepted(BatchRecordHead head, string id)
            => string.Equals(head.BatchId, id, StringComparison.Ordinal) ? head : null;

        /// <summary>The file that holds (or would hold) the record of a batch.</summary>
        public string RecordPath(string batchId) => PathOf(batchId);

        /// <summary>Every readable record: newest submission first, its parts in order.</summary>
        public IReadOnlyList<BatchRecord> List() => List(null);

        /// <summary>
        /// Every readable record: newest submission first, its parts in order. Each record file that cannot be read is
        /// told to <paramref name="unreadable"/> (batch id, file, problem in words) instead of being passed over silently.
        /// </summary>
        public IReadOnlyList<BatchRecord> List(Action<string, string, string>? unreadable)
        {
            if (!Directory.Exists(Root))
            {
                return Array.Empty<BatchRecord>();
            }
            var records = new List<BatchRecord>();
            // Any id the service gives (not only batch_...); temporary files start with a dot.
            foreach (string file in Directory.EnumerateFiles(Root, "*.json"))
            {
                if (Path.GetFileName(file).StartsWith(".", StringComparison.Ordinal))
                {
                    continue;
                }
                string id = Path.GetFileNameWithoutExtension(file);
                if (TryLoad(id, out string? problem) is BatchRecord record)
                {
                    records.Add(record);
                }
                else if (problem is not null)
                {
                    unreadable?.Invoke(id, file, problem);
                }
            }
            // Newest submission first; the parts of one submission in part order.
            return records
                .GroupBy(r => string.IsNullOrEmpty(r.SubmissionId) ? r.BatchId : r.SubmissionId, StringComparer.Ordinal)
                .OrderByDescending(g => g.Min(r => r.SubmittedAt))
                .SelectMany(g => g.OrderBy(r => r.Part))
                .ToList();
        }

        /// <summary>Forgets a batch; true when there was a record.</summary>
        public bool Remove(string batchId)
        {
            string path = PathOf(batchId);
            if (!File.Exists(path))
            {
                return false;
            }
            File.Delete(path);
            return true;
        }

        private string PathOf(string batchId)
        {
            if (string.IsNullOrEmpty(batchId) || batchId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || batchId.Contains("..") || batchId.IndexOfAny(new[] { '/', '\\' }) >= 0)
            {
                throw new ArgumentException($"'{batchId}' is not a valid batch id.", nameof(batchId));
            }
            return Path.Combine(Root, batchId + ".json");
        }
    }
}
