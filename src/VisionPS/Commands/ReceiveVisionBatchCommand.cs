using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Asking;
using VisionPS.Core.Batching;
using VisionPS.Core.Caching;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;


namespace VisionPS.Commands
{
    /// <summary>
    /// Gets the answers of finished batch jobs, each mapped back to its image.
    /// </summary>
    /// <remarks>
    /// Receive-VisionBatch downloads a finished batch's output and error files and emits one ChatResult per answered
    /// image, in the order the images were submitted: the same objects Send-VisionChat -PerImage emits (ImageSources,
    /// ImageSha256, the parsed Object for a -JsonSchema batch), with BatchId set. Each request that failed yields one
    /// ChatRequestFailed error naming its image and the service's message; each request the batch never ran
    /// (cancelled or expired first) yields one BatchRequestNotRun error; a batch that failed validation first yields
    /// one BatchFailed error with the service's reasons, each naming its input line and image. Answers cut short by the
    /// token limit, withheld by the content filter or refused are warned about, as Send-VisionChat does. The mapping comes from the local record
    /// written by Start-VisionBatch (Set-VisionDefault -BatchPath); without one, answers are still emitted with their
    /// custom_id as the image source. Answers also go into the local answer cache (unless -NoCache), so asking
    /// Send-VisionChat -PerImage the same question about the same image later costs nothing. A batch that has not
    /// finished yields one BatchNotFinished error: use Wait-VisionBatch first. Each batch and its files are fetched at
    /// -BaseUri when given, else at the endpoint it was created at (as Get-VisionBatch does: from its local record,
    /// with the key it was submitted with there), else at the current endpoint; -Verbose says which.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionBatch | Where-Object Status -eq 'completed' | Receive-VisionBatch | Export-Csv answers.csv</code>
    /// <para>Collects the answers of every completed batch into a CSV file, one row per image.</para>
    /// </example>
    /// <example>
    /// <code>Receive-VisionBatch -Id batch_abc123 -ErrorVariable failed | ForEach-Object { $_.Object.total }
    /// $failed | ForEach-Object TargetObject</code>
    /// <para>Reads structured answers, then lists the images whose requests failed.</para>
    /// </example>
    [Cmdlet(VerbsCommunications.Receive, "VisionBatch", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(ChatResult))]
    public sealed class ReceiveVisionBatchCommand : BatchCmdlet
    {
        /// <summary>Batch ids (batch_... or whatever id the service gave); VisionBatch objects bind by their Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [FromProperty("Id")]
        [ValidateBatchId]
        [ArgumentCompleter(typeof(BatchIdCompleter))]
        public string[] Id { get; set; } = Array.Empty<string>();

        /// <summary>Does not put the answers into the local answer cache.</summary>
        [Parameter]
        public SwitchParameter NoCache { get; set; }

        /// <summary>Whether this run has said that the answer cache cannot be written.</summary>
        private bool _cacheUnwritableTold;

        protected override void ProcessRecord() => Collect(Id);

        protected override void EndProcessing()
        {
            ResultCache? cache = NoCache ? null : VisionDefaults.Current.OpenCache();
            using BatchRoutes routes = OpenRoutes();
            RunAsync(async cancel =>
            {
                var progress = new ProgressRecord(4, "Receive-VisionBatch", "Receiving");
                for (int i = 0; i < Ids.Count; i++)
                {
                    progress.PercentComplete = i * 100 / Ids.Count;
                    await ReceiveAsync(routes.For(Ids[i]), Ids[i], cache, status =>
                    {
                        progress.StatusDescription = $"Batch {i + 1} of {Ids.Count} ({Ids[i]}): {status}";
                        EmitProgress(progress);
                    }, cancel).ConfigureAwait(false);
                }
                progress.RecordType = ProgressRecordType.Completed;
                progress.PercentComplete = 100;
                EmitProgress(progress);
            });
        }

        private async Task ReceiveAsync(BatchRoute route, string id, ResultCache? cache, Action<string> status, CancellationToken cancel)
        {
            status("reading its status");
            VisionClient client = route.Client; // the batch's output and error files are on the endpoint that ran it
            VisionBatch? batch = await FetchAsync(route, id, cancel).ConfigureAwait(false);
            if (batch is null)
            {
                return;
            }
            if (!batch.IsFinished)
            {
                string message = $"Batch {id} has not finished ({batch.Status}, {batch.Completed + batch.Failed} of {batch.Total} done); wait for it with Wait-VisionBatch.";
                EmitError(ErrorIds.Create(new InvalidOperationException(message), ErrorIds.BatchNotFinished, ErrorCategory.ResourceBusy, id, message));
                return;
            }
            BatchRecord? record = batch.Record;
            if (record is null && !HasRecordFile(id)) // an unreadable record was warned about when it was loaded
            {
                EmitWarning($"No local record of batch {id} in '{Store.Root}': answers carry their custom_id instead of their image.");
            }
            bool failed = batch.Status == "failed";
            if (failed)
            {
                // The service's reasons (errors.data: the input line and what is wrong with it), as Wait-VisionBatch gives them.
                EmitError(FailedError(batch));
            }
            bool json = record?.JsonSchema is not null;
            var outcomes = new List<BatchOutcome>();
            var unreadable = new List<string>();
            foreach (string? fileId in new[] { batch.OutputFileId, batch.ErrorFileId })
            {
                if (fileId is null)
                {
                    continue;
                }
                status($"downloading {fileId}");
                BinaryData content;
                try
                {
                    content = await client.DownloadFileAsync(fileId, cancel).ConfigureAwait(false);
                }
                catch (OpenAIRequestException ex)
                {
                    EmitError(RequestError(ex, route, $"{id} ({fileId})"));
                    continue;
                }
                status($"reading {fileId} ({content.ToMemory().Length / 1e6:0.00} MB)");
                outcomes.AddRange(client.ReadBatchOutput(content, json, (line, problem) =>
                {
                    unreadable.Add($"{fileId} line {line}");
                    string message = $"Batch {id}, file {fileId}, line {line} cannot be read ({problem}); the image it answers is unknown.";
                    EmitError(ErrorIds.Create(new InvalidOperationException(message), ErrorIds.BatchLineUnreadable, ErrorCategory.InvalidData, $"{id} ({fileId})", message));
                }));
            }
            AskQuestion? question = record is null ? null : BatchAnswers.QuestionOf(record);
            var remember = new AskPipeline(client, question ?? new AskQuestion()) { Cache = question is null ? null : cache };
            status($"matching {outcomes.Count} answer(s) to their images");
            foreach (BatchAnswer answer in BatchAnswers.Match(record, outcomes))
            {
                string source = answer.Source;
                if (answer.Outcome is null)
                {
                    string message = unreadable.Count > 0
                        ? $"'{source}': batch {id} has no readable answer for this request; it may be on an unreadable line ({string.Join(", ", unreadable)})."
                        : failed
                            ? $"'{source}': batch {id} failed before running this request (its reasons are in the BatchFailed error); mend them and submit it again."
                            : $"'{source}': batch {id} ended ({batch.Status}) without running this request; submit it again.";
                    EmitError(unreadable.Count > 0
                        ? ErrorIds.Create(new InvalidOperationException(message), ErrorIds.BatchLineUnreadable, ErrorCategory.InvalidData, source, message)
                        : ErrorIds.Create(new InvalidOperationException(message), ErrorIds.BatchRequestNotRun, ErrorCategory.OperationStopped, source, message));
                }
                else if (answer.Outcome.Error is OpenAIRequestException error)
                {
                    EmitError(error.IsUnreadable
                        ? ErrorIds.ForAnswer(error, ErrorIds.ChatRequestFailed, $"{source} (batch {id})", EmitDebug)
                        : ErrorIds.ForRequest(error, ErrorIds.ChatRequestFailed, source, $"'{source}' (batch {id}): {error.Message}"));
                }
                else
                {
                    ChatAnswer result = answer.Outcome.Result!;
                    var asked = new AskedImage(source, answer.Item?.Sha256 ?? string.Empty, answer.Item?.EstimatedTokens ?? 0);
                    try
                    {
                        // The key a live -PerImage request looks up: an answer paid for in a batch is never paid for again.
                        remember.Remember(new[] { asked }, result);
                    }
                    catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
                    {
                        if (!_cacheUnwritableTold)
                        {
                            _cacheUnwritableTold = true; // once, not once per answer of a batch of thousands
                            EmitWarning(ResultCache.UnwritableWarning(cache!.Root, ex));
                        }
                    }
                    foreach (string warning in AnswerWarnings.For(result, source))
                    {
                        EmitWarning(warning);
                    }
                    object? parsed = json ? ChatResult.Parse(result, source, EmitWarning) : null;
                    Emit(new ChatResult(result, new[] { source }, new[] { asked.Sha256 }, asked.EstimatedTokens, parsed, fromCache: false) { BatchId = id });
                }
            }
        }
    }
}
