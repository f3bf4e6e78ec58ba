using System.Management.Automation;
using System.Threading.Tasks;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Cancels batch jobs.
    /// </summary>
    /// <remarks>
    /// Stop-VisionBatch asks the service to cancel each batch and returns it, usually in status 'cancelling': the
    /// service finishes the requests in flight, then the batch becomes 'cancelled' and its output file holds the
    /// answers that were completed (Receive-VisionBatch still maps them back to their images, and reports the others
    /// as not run). Cancelling a batch that has already finished is an error from the service (BatchRequestFailed).
    /// Each batch is cancelled at -BaseUri when given, else at the endpoint it was created at (as Get-VisionBatch does:
    /// from its local record, with the key it was submitted with there), else at the current endpoint; -WhatIf and
    /// -Confirm name that endpoint (scheme://host, with :port when it is not the scheme's own) for each batch.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionBatch | Where-Object Status -eq 'in_progress' | Stop-VisionBatch</code>
    /// <para>Cancels every batch of this machine that is still running.</para>
    /// </example>
    /// <example>
    /// <code>Stop-VisionBatch batch_abc123 | Wait-VisionBatch | Receive-VisionBatch</code>
    /// <para>Cancels one batch, waits until the service has stopped it, then collects the answers it completed.</para>
    /// </example>
    [Cmdlet(VerbsLifecycle.Stop, "VisionBatch", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VisionBatch))]
    public sealed class StopVisionBatchCommand : BatchCmdlet
    {
        /// <summary>Batch ids (batch_... or whatever id the service gave); VisionBatch objects bind by their Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [FromProperty("Id")]
        [ValidateBatchId]
        [ArgumentCompleter(typeof(BatchIdCompleter))]
        public string[] Id { get; set; } = System.Array.Empty<string>();

        protected override void ProcessRecord() => Collect(Id);

        protected override void EndProcessing()
        {
            using BatchRoutes routes = OpenRoutes();
            RunAsync(async cancel =>
            {
                foreach (string id in Ids)
                {
                    // Where the cancel goes is decided first, so -WhatIf and -Confirm name that endpoint (scheme://host[:port]:
                    // never its path, a user name or password written into it, nor the key).
                    BatchRoute route = routes.For(id);
                    if (!await ShouldProcessAsync($"{id} at {UriText.Address(route.Client.Endpoint)}", "Cancel batch").ConfigureAwait(false))
                    {
                        continue;
                    }
                    try
                    {
                        VisionBatchJob job = await route.Client.CancelBatchAsync(id, cancel).ConfigureAwait(false);
                        Emit(new VisionBatch(job, LoadRecord(id)));
                    }
                    catch (OpenAIRequestException ex)
                    {
                        EmitError(RequestError(ex, route, id));
                    }
                }
            });
        }
    }
}
