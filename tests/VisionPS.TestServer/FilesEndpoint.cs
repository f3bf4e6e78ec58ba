using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    /// <summary>/v1/files: multipart upload, list, get, delete, content.</summary>
    internal static class FilesEndpoint
    {
        private static readonly string[] s_purposes = { "assistants", "batch", "fine-tune", "vision", "user_data", "evals" };

        internal static async Task UploadAsync(HttpContext context, EndpointState state)
        {
            if (!context.Request.HasFormContentType)
            {
                throw new ApiError(400, "Invalid request: expected multipart/form-data with 'file' and 'purpose'.", code: null);
            }
            IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
            string purpose = form["purpose"].ToString();
            if (string.IsNullOrEmpty(purpose))
            {
                throw ApiError.MissingParam("purpose");
            }
            if (Array.IndexOf(s_purposes, purpose) < 0)
            {
                throw ApiError.Invalid("purpose", $"Invalid value: '{purpose}'. Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', 'user_data', and 'evals'.");
            }
            IFormFile? file = form.Files.GetFile("file");
            if (file is null)
            {
                throw ApiError.MissingParam("file");
            }
            if (purpose == "batch")
            {
                // The Batch API takes JSONL input files of at most 200 MB.
                if (!file.FileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ApiError(400, "Invalid file format for Batch API. Must be .jsonl", param: null, code: null);
                }
                if (file.Length > BatchesEndpoint.MaxInputBytes)
                {
                    throw new ApiError(400, $"File is too large for the Batch API: {file.Length} bytes; a batch input file can be at most 200 MB ({BatchesEndpoint.MaxInputBytes} bytes).", param: "file", code: null);
                }
            }
            byte[] bytes;
            using (var buffer = new MemoryStream())
            {
                await file.CopyToAsync(buffer, context.RequestAborted);
                bytes = buffer.ToArray();
            }
            if (bytes.Length == 0)
            {
                throw ApiError.Invalid("file", "The file is empty.");
            }
            long now = EndpointState.Now;
            long? expiresAt = null;
            string anchor = form["expires_after[anchor]"].ToString();
            string seconds = form["expires_after[seconds]"].ToString();
            if (anchor.Length > 0 || seconds.Length > 0)
            {
                if (anchor != "created_at")
                {
                    throw ApiError.Invalid("expires_after.anchor", $"Invalid value: '{anchor}'. Supported values are: 'created_at'.");
                }
                if (!long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out long s) || s < 3600 || s > 2592000)
                {
                    throw ApiError.Invalid("expires_after.seconds", $"Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000, but got '{seconds}'.");
                }
                expiresAt = now + s;
            }
            if (purpose == "vision")
            {
                // Vision files must be images the models accept, like inline images.
                ImageInspector.Inspect(bytes, null, "file");
            }
            var stored = new StoredFile { Id = state.NewId("file-"), FileName = file.FileName, Purpose = purpose, Bytes = bytes, CreatedAt = now, ExpiresAt = expiresAt };
            state.Files[stored.Id] = stored;
            await Http.WriteJsonAsync(context, 200, stored.ToJson());
        }

        internal static Task ListAsync(HttpContext context, EndpointState state)
        {
            var data = new JsonArray(state.Files.Values.OrderBy(f => f.CreatedAt).Select(f => (JsonNode)f.ToJson()).ToArray());
            return Http.WriteJsonAsync(context, 200, new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = false });
        }

        internal static Task GetAsync(HttpContext context, EndpointState state, string id)
            => Http.WriteJsonAsync(context, 200, Find(state, id).ToJson());

        internal static async Task DeleteAsync(HttpContext context, EndpointState state, string id)
        {
            StoredFile stored = Find(state, id);
            // A canned answer replaces the real one and deletes nothing: by header (X-VisionPS-Fault: canned=NAME), or for
            // a file uploaded with a name starting "canned=NAME." (a client cannot set headers on a delete).
            string? byName = stored.FileName.StartsWith("canned=", StringComparison.Ordinal) ? stored.FileName.Substring(0, stored.FileName.IndexOf('.') is int dot && dot > 0 ? dot : stored.FileName.Length) : null;
            if (byName is not null)
            {
                await CannedAnswers.WriteAsync(context, byName.Substring("canned=".Length));
                return;
            }
            if (Fault.From(context, null) is Fault fault && await fault.ApplyBeforeAnswerAsync(context, state, "files", streaming: false))
            {
                return;
            }
            state.Files.TryRemove(id, out _);
            await Http.WriteJsonAsync(context, 200, new JsonObject { ["id"] = id, ["object"] = "file", ["deleted"] = true });
        }

        internal static async Task ContentAsync(HttpContext context, EndpointState state, string id)
        {
            StoredFile file = Find(state, id);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/octet-stream";
            if (file.FileName.StartsWith("declared-2gib.", StringComparison.Ordinal))
            {
                // A file too large to read into memory: its content declares 2 GiB; the client stops at the header.
                context.Response.ContentLength = 2L << 30;
                await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); // until the client hangs up
                }
                catch (OperationCanceledException)
                {
                }
                context.Abort();
                return;
            }
            await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted);
        }

        private static StoredFile Find(EndpointState state, string id)
            => state.Files.TryGetValue(id, out StoredFile? file) ? file : throw ApiError.NotFound("File object", id);
    }
}
