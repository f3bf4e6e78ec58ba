using System;
using System.Text.Json;

namespace VisionPS.Core.OpenAI
{
    /// <summary>A file stored by the service (Files API).</summary>
    public sealed class VisionFile
    {
        /// <summary>The file id, e.g. file-abc123.</summary>
        public string Id { get; set; } = string.Empty;

        /// <summary>The file name given at upload.</summary>
        public string? FileName { get; set; }

        /// <summary>Size in bytes.</summary>
        public long Bytes { get; set; }

        /// <summary>The purpose, e.g. vision.</summary>
        public string? Purpose { get; set; }

        /// <summary>The service's status for the file (uploaded, processed, error), where it reports one.</summary>
        public string? Status { get; set; }

        /// <summary>When it was uploaded.</summary>
        public DateTimeOffset CreatedAt { get; set; }

        /// <summary>When the service deletes it, if an expiry was set.</summary>
        public DateTimeOffset? ExpiresAt { get; set; }

        internal static VisionFile Parse(BinaryData json)
        {
            using var doc = JsonDocument.Parse(json.ToMemory());
            JsonElement e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("id", out JsonElement id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
            {
                // Without its id a file can be neither attached, nor batched, nor deleted.
                throw new FormatException("the service's file object has no id");
            }
            var file = new VisionFile
            {
                Id = id.GetString()!,
                FileName = e.TryGetProperty("filename", out JsonElement name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
                Bytes = ServiceTime.Count(e, "bytes") ?? 0,
                Purpose = e.TryGetProperty("purpose", out JsonElement purpose) && purpose.ValueKind == JsonValueKind.String ? purpose.GetString() : null,
                Status = e.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.String ? status.GetString() : null,
            };
            if (ServiceTime.Read(e, "created_at") is DateTimeOffset created)
            {
                file.CreatedAt = created;
            }
            file.ExpiresAt = ServiceTime.Read(e, "expires_at");
            return file;
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Id} {FileName} ({Bytes} bytes, {Purpose})";
    }
}
