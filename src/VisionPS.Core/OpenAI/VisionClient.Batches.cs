using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Assistants;
using OpenAI.Batch;
using OpenAI.Chat;
using OpenAI.Conversations;
using OpenAI.Files;
using OpenAI.Responses;
using VisionPS.Core.Batching;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>The Batch API: submit a JSONL input, create, read, cancel, and read the output.</summary>
    public sealed partial class VisionClient
    {
        /// <summary>
        /// Uploads a batch input file (purpose batch) and creates the batch (completion window 24h). When creating fails,
        /// the uploaded input is deleted again (best effort) so no orphan file is left behind.
        /// </summary>
        public async Task<VisionBatchJob> SubmitBatchAsync(BatchInputFile file, string fileName, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            if (file is null)
            {
                throw new ArgumentNullException(nameof(file));
            }
            if (string.IsNullOrEmpty(fileName) || !fileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("A batch input file name must end in .jsonl.", nameof(fileName));
            }
            VisionFile input = await UploadFileAsync(file.Jsonl, fileName, "batch", null, cancellationToken).ConfigureAwait(false);
            try
            {
                return await CreateBatchAsync(input.Id, file.Api, metadata, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                try
                {
                    await DeleteFileAsync(input.Id, CancellationToken.None).ConfigureAwait(false);
                }
                catch (OpenAIRequestException)
                {
                    // The creation error is the one that matters.
                }
                throw;
            }
        }

        /// <summary>Creates a batch from an uploaded JSONL file (purpose batch).</summary>
        public async Task<VisionBatchJob> CreateBatchAsync(string inputFileId, VisionApi api, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(inputFileId, nameof(inputFileId));
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
            CreateBatchOperation operation = await GuardAsync(() => _batches.CreateBatchAsync(BinaryContent.Create(body), waitUntilCompleted: false, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionBatchJob.Parse(operation.GetRawResponse().Content);
        }

        /// <summary>Reads a batch's status and counts.</summary>
        public async Task<VisionBatchJob> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(batchId, nameof(batchId));
            ClientResult result = await GuardAsync(() => _batches.GetBatchAsync(batchId, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionBatchJob.Parse(result.GetRawResponse().Content);
        }

        /// <summary>Asks the service to cancel a batch; answers the batch as it is then (usually cancelling).</summary>
        public async Task<VisionBatchJob> CancelBatchAsync(string batchId, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(batchId, nameof(batchId));
            CreateBatchOperation operation = await GuardAsync(() => CreateBatchOperation.RehydrateAsync(_batches, batchId, cancellationToken), cancellationToken).ConfigureAwait(false);
            ClientResult result = await GuardAsync(() => operation.CancelAsync(Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return VisionBatchJob.Parse(result.GetRawResponse().Content);
        }

        /// <summary>
        /// Reads a batch output or error file (see <see cref="BatchOutputReader"/>): each line's answer, or its failure,
        /// or (through <paramref name="unreadable"/>) the number of a line that names no request.
        /// </summary>
        public IEnumerable<BatchOutcome> ReadBatchOutput(BinaryData jsonl, bool json = false, Action<int, string>? unreadable = null)
            => new BatchOutputReader(_scrubber).Read(jsonl, json, unreadable);
    }
}
