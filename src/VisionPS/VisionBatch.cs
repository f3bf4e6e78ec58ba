using System;
using System.Collections.Generic;
using VisionPS.Core.Batching;

namespace VisionPS
{
    /// <summary>
    /// A batch job submitted by Start-VisionBatch: the service's status and counts, plus what VisionPS recorded
    /// locally (the images, the question). Pipe it to Wait-VisionBatch, Receive-VisionBatch or Stop-VisionBatch.
    /// </summary>
    public sealed class VisionBatch
    {
        internal VisionBatch(VisionBatchJob job, BatchRecord? record)
        {
            Job = job;
            Record = record;
        }

        internal VisionBatchJob Job { get; }

        internal BatchRecord? Record { get; }

        /// <summary>The batch id (batch_...).</summary>
        public string Id => Job.Id;

        /// <summary>validating, in_progress, finalizing, completed, failed, expired, cancelling or cancelled.</summary>
        public string Status => Job.Status;

        /// <summary>Requests in the batch.</summary>
        public int Total => Job.Total;

        /// <summary>Requests answered.</summary>
        public int Completed => Job.Completed;

        /// <summary>Requests failed.</summary>
        public int Failed => Job.Failed;

        /// <summary>True once the status can no longer change.</summary>
        public bool IsFinished => Job.IsFinished;

        /// <summary>Chat or Responses.</summary>
        public string Api => Record?.Api ?? (Job.Endpoint == "/v1/responses" ? "Responses" : "Chat");

        /// <summary>The model.</summary>
        public string? Model => Job.Model ?? Record?.Model;

        /// <summary>The question asked of every image (from the local record).</summary>
        public string? Prompt => Record?.Prompt;

        /// <summary>How many images the local record maps (0 when this session has no record of the batch).</summary>
        public int ImageCount => Record?.Items.Count ?? 0;

        /// <summary>This batch's part of a submission split to respect the per-batch limits (1-based).</summary>
        public int Part => Record?.Part ?? 1;

        /// <summary>How many batches the submission was split into.</summary>
        public int Parts => Record?.Parts ?? 1;

        /// <summary>The id shared by every part of one Start-VisionBatch call.</summary>
        public string? SubmissionId => Record?.SubmissionId;

        /// <summary>When the batch was created.</summary>
        public DateTimeOffset? CreatedAt => Job.CreatedAt;

        /// <summary>When it reached a final status.</summary>
        public DateTimeOffset? EndedAt => Job.EndedAt;

        /// <summary>When the service gives up on it.</summary>
        public DateTimeOffset? ExpiresAt => Job.ExpiresAt;

        /// <summary>The uploaded input JSONL.</summary>
        public string? InputFileId => Job.InputFileId;

        /// <summary>The answers JSONL, once there is one.</summary>
        public string? OutputFileId => Job.OutputFileId;

        /// <summary>The failed requests JSONL, when any failed.</summary>
        public string? ErrorFileId => Job.ErrorFileId;

        /// <summary>Input tokens used, when the service reports them.</summary>
        public long InputTokens => Job.InputTokens;

        /// <summary>Output tokens used.</summary>
        public long OutputTokens => Job.OutputTokens;

        /// <summary>Why validation failed (a failed batch): each problem with its input line.</summary>
        public BatchErrorList Errors => new BatchErrorList(Job.Errors);

        /// <summary>The service the batch lives on.</summary>
        public string? BaseUri => Record?.BaseUri;

        /// <inheritdoc/>
        public override string ToString() => $"{Id} {Status} {Completed + Failed}/{Total}";
    }
}
