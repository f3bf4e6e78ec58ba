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
