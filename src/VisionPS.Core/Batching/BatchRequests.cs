using System;
using System.ClientModel;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenAI.Batch;
using VisionPS.Core.OpenAI;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.Batching
{
    /// <summary>
    /// The Batch API through a <see cref="VisionClient"/>: submit a JSONL input, create, read, cancel, and read the output.
    /// (Batching builds on the transport; the transport knows nothing of batches.)
    /// </summary>
    public static class BatchRequests
    {
        /// <summary>
        /// Uploads a batch input file (purpose batch) and creates the batch (completion window 24h). When creating fails
        /// or is cancelled, the uploaded input is deleted again so no orphan file is left behind: within the cleanup's
        /// own budget (<see cref="VisionClient.CleanupBudget"/>), so a stalled service never holds up a stop; when it
        /// could not be deleted, <paramref name="inputLeft"/> hears which file is left and why, before the creation's
        /// error (or the cancellation) is thrown.
        /// </summary>
        public static async Task<VisionBatchJob> SubmitBatchAsync(this VisionClient client, BatchInputFile file, string fileName, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default, Action<FileLeft>? inputLeft = null)
        {
            client.ThrowIfDisposed();
            if (file is null)
            {
                throw new ArgumentNullException(nameof(file));
            }
            if (string.IsNullOrEmpty(fileName) || !fileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("A batch input file name must end in .jsonl.", nameof(fileName));
            }
            VisionFile input = await client.UploadFileAsync(file.Jsonl, fileName, "batch", null, cancellationToken).ConfigureAwait(false);
            try
            {
                return await client.CreateBatchAsync(input.Id, file.Api, metadata, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The creation error (or the stop) is the one that matters; a file left behind is only reported.
                foreach (FileLeft left in await client.DeleteUnusedFilesAsync(new[] { input.Id }).ConfigureAwait(false))
                {
                    inputLeft?.Invoke(left);
                }
                throw;
            }
        }

        /// <summary>Creates a batch from an uploaded JSONL file (purpose batch).</summary>
        public static async Task<VisionBatchJob> CreateBatchAsync(this VisionClient client, string inputFileId, VisionApi api, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
        {
            client.ThrowIfDisposed();
            VisionClient.RequireId(inputFileId, nameof(inputFileId));
            if (metadata is not null && metadata.Count > 16)
            {
                throw new ArgumentException("A batch takes at most 16 metadata pairs.", nameof(metadata));
            }
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("input_file_id", inputFileId);
                writer.WriteString("endpoint", BatchInputBuilder.UrlOf(api));
                writer.WriteString("completion_window", "24h");
                if (metadata is not null && metadata.Count > 0)
                {
                    writer.WriteStartObject("metadata");
                    foreach (KeyValuePair<string, string> pair in metadata)
                    {
                        writer.WriteString(pair.Key, pair.Value);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            BinaryData body = BinaryData.FromBytes(buffer.ToArray());
            CreateBatchOperation operation = await client.GuardAsync(() => client.Batches.CreateBatchAsync(BinaryContent.Create(body), waitUntilCompleted: false, VisionClient.Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return client.ReadBody(operation.GetRawResponse(), VisionBatchJob.Parse);
        }

        /// <summary>Reads a batch's status and counts.</summary>
        public static async Task<VisionBatchJob> GetBatchAsync(this VisionClient client, string batchId, CancellationToken cancellationToken = default)
        {
            client.ThrowIfDisposed();
            VisionClient.RequireId(batchId, nameof(batchId));
            ClientResult result = await client.GuardAsync(() => client.Batches.GetBatchAsync(batchId, VisionClient.Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return client.ReadBody(result.GetRawResponse(), VisionBatchJob.Parse);
        }

        /// <summary>Asks the service to cancel a batch; answers the batch as it is then (usually cancelling).</summary>
        public static async Task<VisionBatchJob> CancelBatchAsync(this VisionClient client, string batchId, CancellationToken cancellationToken = default)
        {
            client.ThrowIfDisposed();
            VisionClient.RequireId(batchId, nameof(batchId));
            CreateBatchOperation operation = await client.GuardAsync(() => CreateBatchOperation.RehydrateAsync(client.Batches, batchId, cancellationToken), cancellationToken).ConfigureAwait(false);
            ClientResult result = await client.GuardAsync(() => operation.CancelAsync(VisionClient.Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return client.ReadBody(result.GetRawResponse(), VisionBatchJob.Parse);
        }

        /// <summary>
        /// Reads a batch output or error file (see <see cref="BatchOutputReader"/>): each line's answer, or its failure,
        /// or (through <paramref name="unreadable"/>) the number of a line that names no request.
        /// </summary>
        public static IEnumerable<BatchOutcome> ReadBatchOutput(this VisionClient client, BinaryData jsonl, bool json = false, Action<int, string>? unreadable = null)
            => new BatchOutputReader(client.Scrubber).Read(jsonl, json, unreadable);
    }
}
