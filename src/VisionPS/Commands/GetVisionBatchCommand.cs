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
    /// Get-VisionBatch asks the current endpoint for each batch's status and request counts and joins them with the
    /// local record Start-VisionBatch wrote (images, prompt, part of a split submission). With -Id, or VisionBatch
    /// objects piped in, it gets those batches; without, every batch recorded locally (Set-VisionDefault -BatchPath),
    /// newest first. -Local lists the local records without asking the service (status then reads 'unknown'). A batch
    /// the endpoint does not know yields one BatchRequestFailed error; the others are still returned. Without -Id, a
    /// batch recorded for another endpoint that the current one does not know ('No such batch', after a change of
    /// endpoint) is left out instead: one warning says how many and which endpoint to ask (-BaseUri with that
    /// endpoint's -ApiKey), and -Verbose names each. The key is only ever sent to the current endpoint.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionBatch | Format-Table Id, Status, Completed, Failed, Total, Prompt</code>
    /// <para>Shows every batch submitted from this machine that the current endpoint knows, with its progress; a warning
    /// counts the batches of another endpoint that were left out.</para>
    /// </example>
    /// <example>
    /// <code>Get-VisionBatch -Id batch_abc123</code>
    /// <para>Gets one batch's status and counts.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionBatch", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(VisionBatch))]
    public sealed class GetVisionBatchCommand : BatchCmdlet
    {
        /// <summary>Batch ids (batch_... or whatever id the service gave); VisionBatch objects bind by their Id; each is asked about at the current endpoint. Without: every locally recorded batch, except those of another endpoint that the current one does not know (a warning counts them).</summary>
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
            // Every record is asked about at the current endpoint (the key goes nowhere else). The endpoint a batch was
            // recorded for is compared only to explain a 'No such batch' answer: the same server can be written
            // differently (localhost or 127.0.0.1, a gateway, Azure's /openai or /openai/v1), so the text alone
            // decides nothing. Without -Id, a batch recorded for another endpoint that this one does not know is
            // another server's batch: left out with a verbose note and one warning, not an error.
            string here = client.Endpoint.AbsoluteUri.TrimEnd('/');
            bool listing = Ids.Count == 0;
            var passedOver = new List<BatchRecord>();
            bool OtherServers(BatchRecord record, OpenAIRequestException ex)
            {
                if (!listing || ex.Status != 404 || record.BaseUri.Length == 0
                    || string.Equals(record.BaseUri.TrimEnd('/'), here, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
                lock (passedOver)
                {
                    passedOver.Add(record);
                }
                return true;
            }
            RunAsync(async cancel =>
            {
                // All at once (each answer is small); the results are written in record order.
                foreach (Task<VisionBatch?> fetch in records.Select(r => FetchAsync(client, r.BatchId, ex => OtherServers(r, ex), cancel)).ToList())
                {
                    if (await fetch.ConfigureAwait(false) is VisionBatch batch)
                    {
                        Emit(batch);
                    }
                }
            });
            if (passedOver.Count > 0)
            {
                var left = records.Where(passedOver.Contains).ToList(); // in record order
                foreach (BatchRecord record in left)
                {
                    WriteVerbose($"Batch {record.BatchId} was recorded for {record.BaseUri.TrimEnd('/')} and {here} does not know it (No such batch): left out. "
                        + $"Get-VisionBatch -BaseUri {record.BaseUri.TrimEnd('/')} -ApiKey <that endpoint's key> asks that endpoint; -Local lists it from its record.");
                }
                var endpoints = left.Select(r => r.BaseUri.TrimEnd('/')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                string count = left.Count == 1 ? "1 batch" : $"{left.Count} batches";
                WriteWarning($"{count} recorded for another endpoint ({string.Join(", ", endpoints)}) {(left.Count == 1 ? "is" : "are")} not known at {here} and left out: "
                    + string.Join("; ", endpoints.Select(e => $"Get-VisionBatch -BaseUri {e} -ApiKey <its key>")) + $" lists {(left.Count == 1 ? "it" : "them")} there, -Verbose names {(left.Count == 1 ? "it" : "them")} here.");
            }
        }
    }
}
