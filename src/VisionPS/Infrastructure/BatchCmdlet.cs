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
            return ErrorIds.Create(new InvalidOperationException(text), ErrorIds.BatchFailed, ErrorCategory.InvalidData, batch.Id, $"Batch {batch.Id} failed: {text}");
        }

        /// <summary>The batch from the service, with its local record; null when it failed (error written).</summary>
        private protected async Task<VisionBatch?> FetchAsync(VisionClient client, string id, CancellationToken cancel)
        {
            try
            {
                VisionBatchJob job = await client.GetBatchAsync(id, cancel).ConfigureAwait(false);
                return new VisionBatch(job, Store.TryLoad(id));
            }
            catch (OpenAIRequestException ex)
            {
                EmitError(ErrorIds.ForRequest(ex, ErrorIds.BatchRequestFailed, id));
                return null;
            }
        }
    }
}
