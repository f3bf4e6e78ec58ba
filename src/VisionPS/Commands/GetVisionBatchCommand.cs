using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Gets the status of batch jobs submitted with Start-VisionBatch.
    /// </summary>
    /// <remarks>
    /// Get-VisionBatch asks the service for each batch's status and request counts and joins them with the local
    /// record Start-VisionBatch wrote (images, prompt, part of a split submission). With -Id, or VisionBatch objects
    /// piped in, it gets those batches; without, every batch recorded locally (Set-VisionDefault -BatchPath), newest
    /// first, except those recorded for another endpoint (-Verbose names them; -Local lists them too). -Local lists
    /// the local records without asking the service (status then reads 'unknown'). A batch the service does not know
    /// yields one BatchRequestFailed error; the others are still returned.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionBatch | Format-Table Id, Status, Completed, Failed, Total, Prompt</code>
    /// <para>Shows every batch submitted from this machine with its progress.</para>
    /// </example>
    /// <example>
    /// <code>Get-VisionBatch -Id batch_abc123</code>
    /// <para>Gets one batch's status and counts.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionBatch", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(VisionBatch))]
    public sealed class GetVisionBatchCommand : BatchCmdlet
    {
        /// <summary>Batch ids (batch_... or whatever id the service gave); VisionBatch objects bind by their Id. Without: every locally recorded batch.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [FromProperty("Id")]
        [ValidateBatchId]
        [ArgumentCompleter(typeof(BatchIdCompleter))]
        public string[]? Id { get; set; }

        /// <summary>Lists the local records only, without asking the service.</summary>
        [Parameter]
        public SwitchParameter Local { get; set; }

        private protected override bool SendsRequests => !Local;

        protected override void ProcessRecord() => Collect(Id);

        protected override void EndProcessing()
        {
            var unreadable = new List<string>();
            var records = Ids.Count == 0
                ? Store.List((id, file, problem) => { TellUnreadable(id, file, problem); unreadable.Add(id); }).ToList()
                : Ids.Select(id => LoadRecord(id) ?? new BatchRecord { BatchId = id }).ToList();
            if (!Local)
            {
                // A batch whose record cannot be read is still the user's batch: its id is the record's file name, so the service is asked about it.
                records.AddRange(unreadable.Select(id => new BatchRecord { BatchId = id }));
            }
            if (Local)
            {
                foreach (BatchRecord record in records)
                {
                    if (record.Items.Count == 0 && record.SubmittedAt == default)
                    {
                        if (HasRecordFile(record.BatchId))
                        {
                            continue; // there is a record, but it cannot be read: warned about when it was loaded
                        }
                        string message = $"No local record of batch '{record.BatchId}' in '{Store.Root}'.";
                        WriteError(ErrorIds.Create(new ItemNotFoundException(message), ErrorIds.BatchRecordNotFound, ErrorCategory.ObjectNotFound, record.BatchId, message));
                        continue;
                    }
                    WriteObject(new VisionBatch(new VisionBatchJob { Id = record.BatchId, Status = "unknown", Total = record.Items.Count, Model = record.Model }, record));
                }
                return;
            }
            using var client = new VisionClient(Connection);
            if (Ids.Count == 0)
            {
                // Every recorded batch: only those submitted to this endpoint are its to answer; another server's
                // batches would each be a 'No such batch' error here (and the key is not sent to their server).
                string here = client.Endpoint.AbsoluteUri.TrimEnd('/');
                var elsewhere = records.Where(r => r.BaseUri.Length > 0 && !string.Equals(r.BaseUri.TrimEnd('/'), here, StringComparison.OrdinalIgnoreCase)).ToList();
                if (elsewhere.Count > 0)
                {
                    records = records.Except(elsewhere).ToList();
                    WriteVerbose($"{elsewhere.Count} batch(es) recorded for another endpoint ({string.Join(", ", elsewhere.Select(r => r.BaseUri).Distinct(StringComparer.OrdinalIgnoreCase))}) "
                        + $"are not asked about at {here}: Get-VisionBatch -Local lists them; -BaseUri (or -Id) asks that endpoint.");
                }
            }
            RunAsync(async cancel =>
            {
                // All at once (each answer is small); the results are written in record order.
                foreach (Task<VisionBatch?> fetch in records.Select(r => FetchAsync(client, r.BatchId, cancel)).ToList())
                {
                    if (await fetch.ConfigureAwait(false) is VisionBatch batch)
                    {
                        Emit(batch);
                    }
                }
            });
        }
    }
}
