using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A cmdlet about existing batches: ids from -Id or piped VisionBatch objects (by property name), collected
    /// on the pipeline thread, then worked on together in EndProcessing.
    /// </summary>
    public abstract class BatchCmdlet : VisionServiceCmdlet
    {
        /// <summary>The ids given so far, in input order, without repeats.</summary>
        private protected List<string> Ids { get; } = new List<string>();

        /// <summary>The local batch records.</summary>
        private protected BatchStore Store { get; private set; } = null!;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            Store = VisionDefaults.Current.OpenBatchStore();
        }

        /// <summary>Adds ids (called from ProcessRecord).</summary>
        private protected void Collect(IEnumerable<string>? ids)
        {
            if (ids is null)
            {
                return;
            }
            foreach (string id in ids)
            {
                if (!Ids.Contains(id))
                {
                    Ids.Add(id);
                }
            }
        }

        /// <summary>
        /// The BatchFailed error of a batch that failed (validation): the service's reasons (at most 10), each naming its
        /// input line and, from the local record, the image on that line.
        /// </summary>
        private protected static ErrorRecord FailedError(VisionBatch batch)
        {
            var reasons = new List<string>();
            foreach (BatchError error in batch.Errors)
            {
                if (reasons.Count == 10)
                {
                    reasons.Add($"and {batch.Errors.Count - 10} more");
                    break;
                }
                string? image = error.Line is int line && batch.Record is BatchRecord record && line >= 1 && line <= record.Items.Count
                    ? record.Items[line - 1].Source
                    : null;
                reasons.Add(error.Line is int at
                    ? $"line {at}{(image is null ? string.Empty : $" ('{image}')")}: {error.Message}"
                    : error.Message);
            }
            string text = reasons.Count == 0 ? "no reason given" : string.Join("; ", reasons);
            string message = $"Batch {batch.Id} failed: {text}";
            return ErrorIds.Create(new InvalidOperationException(message), ErrorIds.BatchFailed, ErrorCategory.InvalidData, batch.Id, message);
        }

        private readonly HashSet<string> _toldUnreadable = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>
        /// The local record of a batch, or null. A record file that exists but cannot be read is a warning naming it
        /// (once per batch and command): the batch's answers can no longer be mapped back to their images.
        /// </summary>
        private protected BatchRecord? LoadRecord(string id)
        {
            BatchRecord? record = Store.TryLoad(id, out string? problem);
            if (problem is not null)
            {
                TellUnreadable(id, Store.RecordPath(id), problem);
            }
            return record;
        }

        /// <summary>Whether the record file of a batch exists (readable or not).</summary>
        private protected bool HasRecordFile(string id)
        {
            try
            {
                return System.IO.File.Exists(Store.RecordPath(id));
            }
            catch (ArgumentException)
            {
                return false; // not a batch id a record file can be named after
            }
        }

        /// <summary>Warns, once per batch, that its record file cannot be read.</summary>
        private protected void TellUnreadable(string id, string file, string problem)
        {
            lock (_toldUnreadable)
            {
                if (!_toldUnreadable.Add(id))
                {
                    return;
                }
            }
            EmitWarning($"The local record of batch {id} ('{file}') cannot be read: {problem}. Its answers cannot be mapped back to their images "
                + "(they carry their custom_id instead); restore the file from a backup, or delete it to stop this warning.");
        }

        /// <summary>The batch from the service, with its local record; null when it failed (error written).</summary>
        private protected Task<VisionBatch?> FetchAsync(VisionClient client, string id, CancellationToken cancel) => FetchAsync(client, id, null, cancel);

        /// <summary>
        /// The batch from the service, with its local record; null when it failed. A failure <paramref name="passOver"/>
        /// takes (returns true for) is no error: the caller has said what it means.
        /// </summary>
        private protected async Task<VisionBatch?> FetchAsync(VisionClient client, string id, Func<OpenAIRequestException, bool>? passOver, CancellationToken cancel)
        {
            try
            {
                VisionBatchJob job = await client.GetBatchAsync(id, cancel).ConfigureAwait(false);
                return new VisionBatch(job, LoadRecord(id));
            }
            catch (OpenAIRequestException ex)
            {
                if (passOver is not null && passOver(ex))
                {
                    return null;
                }
                EmitError(ErrorIds.ForRequest(ex, ErrorIds.BatchRequestFailed, id));
                return null;
            }
        }
    }
}
