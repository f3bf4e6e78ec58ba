using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>The Files API: upload, read, delete, download.</summary>
    public sealed partial class VisionClient
    {
        /// <summary>Uploads an image (purpose vision by default), optionally deleted by the service after <paramref name="expiresAfter"/>.</summary>
        public async Task<VisionFile> UploadFileAsync(ReadOnlyMemory<byte> bytes, string fileName, string purpose = "vision", TimeSpan? expiresAfter = null, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            (BinaryData body, string contentType) = RequestBuilder.BuildUpload(bytes, fileName, purpose, expiresAfter);
            ClientResult result = await GuardAsync(() => _files.UploadFileAsync(BinaryContent.Create(body), contentType, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return ReadBody(result.GetRawResponse(), VisionFile.Parse);
        }

        /// <summary>Uploads an image read from a stream (read to its end; images are small enough to hold).</summary>
        public async Task<VisionFile> UploadFileAsync(Stream content, string fileName, string purpose = "vision", TimeSpan? expiresAfter = null, CancellationToken cancellationToken = default)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }
            using var buffer = new MemoryStream();
#if NET
            await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
#else
            await content.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
#endif
            return await UploadFileAsync(new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), fileName, purpose, expiresAfter, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Reads a stored file's metadata.</summary>
        public async Task<VisionFile> GetFileAsync(string fileId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(fileId, nameof(fileId));
            ClientResult result = await GuardAsync(() => _files.GetFileAsync(fileId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return ReadBody(result.GetRawResponse(), VisionFile.Parse);
        }

        /// <summary>Deletes a stored file; true when the service says it is deleted.</summary>
        public async Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(fileId, nameof(fileId));
            ClientResult result = await GuardAsync(() => _files.DeleteFileAsync(fileId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return IsDeleted(result.GetRawResponse());
        }

        /// <summary>Whether a delete's answer says <c>deleted: true</c>; an answer that cannot be read is an unreadable-answer error.</summary>
        private bool IsDeleted(PipelineResponse response)
        {
            try
            {
                using var doc = JsonDocument.Parse(response.Content.ToMemory());
                return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("deleted", out JsonElement deleted) && deleted.ValueKind == JsonValueKind.True;
            }
            catch (JsonException ex)
            {
                throw OpenAIRequestException.Unreadable(response.Status, ex.Message, response.Content.ToString(), null, _scrubber, ex);
            }
        }

        /// <summary>Downloads a stored file's content (a batch's output or error JSONL).</summary>
        public async Task<BinaryData> DownloadFileAsync(string fileId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(fileId, nameof(fileId));
            try
            {
                ClientResult result = await GuardAsync(() => _files.DownloadFileAsync(fileId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
                return result.GetRawResponse().Content;
            }
            catch (OpenAIRequestException ex) when (ex.InnerException is AnswerTooLargeException)
            {
                throw ex.WithHint($"The file {fileId} is too large to read into memory; download it directly (GET {UriText.Absolute(_resourceUri).TrimEnd('/')}/files/{fileId}/content, or from the platform's storage page) and read it in parts.");
            }
        }
    }
}
