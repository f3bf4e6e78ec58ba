using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Waits until batch jobs have finished, with progress.
    /// </summary>
    /// <remarks>
    /// Wait-VisionBatch polls each batch every -PollSeconds, shows a progress bar of the requests done across all
    /// batches, and returns each batch once it has finished (completed, failed, expired or cancelled), in the order
    /// they finish. A batch that fails validation is returned too, and also yields one BatchFailed error listing the
    /// service's reasons with their input lines. With -Timeout, the batches still running when it runs out yield one
    /// BatchWaitTimedOut error each and are not returned; without it, Wait-VisionBatch waits as long as the batches
    /// run (at most 24 hours). Ctrl+C stops the wait at once; the batches go on. Each batch is asked at -BaseUri when
    /// given, else at the endpoint it was created at (as Get-VisionBatch does: from its local record, with the key it
    /// was submitted with there), else at the current endpoint; -Verbose says which.
    /// </remarks>
    /// <example>
    /// <code>Get-ChildItem *.jpg | Start-VisionBatch 'Caption this photo.' | Wait-VisionBatch | Receive-VisionBatch</code>
    /// <para>Submits, waits for and receives a batch in one pipeline.</para>
    /// </example>
    /// <example>
    /// <code>Wait-VisionBatch -Id batch_abc123 -Timeout 600 -PollSeconds 30</code>
    /// <para>Waits up to ten minutes, asking every 30 seconds.</para>
    /// </example>
    [Cmdlet(VerbsLifecycle.Wait, "VisionBatch", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(VisionBatch))]
    public sealed class WaitVisionBatchCommand : BatchCmdlet
    {
        /// <summary>Batch ids (batch_... or whatever id the service gave); VisionBatch objects bind by their Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [FromProperty("Id")]
        [ValidateBatchId]
        [ArgumentCompleter(typeof(BatchIdCompleter))]
        public string[] Id { get; set; } = Array.Empty<string>();

        /// <summary>Seconds between two status checks of a batch (default 15).</summary>
        [Parameter]
        [ValidateRange(0.01, 3600.0)]
        public double PollSeconds { get; set; } = 15;

        /// <summary>Gives up after this many seconds (default: no limit).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        [PSDefaultValue(Help = "None: no limit")]
        public int Timeout { get; set; }

        protected override void ProcessRecord() => Collect(Id);

        protected override void EndProcessing()
        {
            using BatchRoutes routes = OpenRoutes();
            TimeSpan? limit = IsBound(nameof(Timeout)) ? TimeSpan.FromSeconds(Timeout) : null;
            RunAsync(async cancel =>
            {
                var clock = Stopwatch.StartNew();
                var waiting = new List<string>(Ids);
                var latest = new Dictionary<string, VisionBatch>(StringComparer.Ordinal);
                var progress = new ProgressRecord(3, "Wait-VisionBatch", "Waiting");
                while (waiting.Count > 0)
                {
                    foreach (string id in waiting.ToList())
                    {
                        VisionBatch? batch = await FetchAsync(routes.For(id), id, cancel).ConfigureAwait(false);
                        if (batch is null)
                        {
                            waiting.Remove(id); // error written: the service does not know it
                            continue;
                        }
                        latest[id] = batch;
                        if (batch.IsFinished)
                        {
                            waiting.Remove(id);
                            if (batch.Status == "failed")
                            {
                                EmitError(FailedError(batch));
                            }
                            Emit(batch);
                        }
                    }
                    int total = latest.Values.Sum(b => b.Total), done = latest.Values.Sum(b => b.Completed + b.Failed);
                    progress.StatusDescription = $"{done} of {total} requests done; {waiting.Count} of {Ids.Count} batch(es) running";
                    progress.PercentComplete = total == 0 ? 0 : Math.Min(100, done * 100 / total);
                    EmitProgress(progress);
                    if (waiting.Count == 0)
                    {
                        break;
                    }
                    if (limit is TimeSpan max && clock.Elapsed >= max)
                    {
                        foreach (string id in waiting)
                        {
                            string status = latest.TryGetValue(id, out VisionBatch? last) ? $"{last.Status}, {last.Completed + last.Failed} of {last.Total} done" : "unknown";
                            string message = $"Batch {id} had not finished after {Timeout} s ({status}); it goes on. Wait again or receive it later.";
                            EmitError(ErrorIds.Create(new TimeoutException(message), ErrorIds.BatchWaitTimedOut, ErrorCategory.OperationTimeout, id, message));
                        }
                        break;
                    }
                    TimeSpan pause = TimeSpan.FromSeconds(PollSeconds);
                    if (limit is TimeSpan cap && clock.Elapsed + pause > cap)
                    {
                        pause = cap - clock.Elapsed;
                    }
                    await Task.Delay(pause > TimeSpan.Zero ? pause : TimeSpan.Zero, cancel).ConfigureAwait(false);
                }
                progress.RecordType = ProgressRecordType.Completed;
                EmitProgress(progress);
            });
        }
    }
}
