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
    /// first. -Local lists the local records without asking the service (status then reads 'unknown'). Each batch is
    /// asked at -BaseUri when given; else at the endpoint it was created at (from its record; -Verbose says "using the
    /// endpoint it was created at"), when the key in use is the one it was submitted with there (the record keeps a
    /// check value computed from the key, never the key); else at the current endpoint. A batch not found where it was
    /// asked yields one BatchRequestFailed error; the others are still returned. Without -Id, a batch recorded for
    /// another endpoint that could not be found where it was asked ('No such batch' after a change of endpoint and
    /// key, or its own endpoint has stopped) is left out instead: one warning says how many and which endpoint, and
    /// -Verbose names each. The key never goes to an endpoint it was not sent to at submission unless -BaseUri names it.
    /// Without -Id the batches are asked all at once, and a batch asked at the endpoint its record names (another than
    /// the current one) gets one try, without retries, of at most 10 s (-TimeoutSec when shorter): an endpoint that
    /// accepts connections and never answers holds the listing up about 10 s, one that has stopped not even that, and
    /// either way its batches are left out as above. Every other request (with -Id or -BaseUri, or at the current endpoint) gets the usual -TimeoutSec and
    /// -MaxRetries, and one that is not answered is an error.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionBatch | Format-Table Id, Status, Completed, Failed, Total, Prompt</code>
    /// <para>Shows every batch submitted from this machine, each asked where it was created, with its progress; a
    /// warning counts the batches of another endpoint that could not be found and were left out.</para>
    /// </example>
    /// <example>
    /// <code>Get-VisionBatch -Id batch_abc123</code>
    /// <para>Gets one batch's status and counts.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionBatch", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(VisionBatch))]
    public sealed class GetVisionBatchCommand : BatchCmdlet
    {
        /// <summary>Batch ids (batch_... or whatever id the service gave); VisionBatch objects bind by their Id; each is asked about at -BaseUri, else at the endpoint it was created at (with the key it was submitted with), else at the current endpoint. Without: every locally recorded batch, except those of another endpoint that could not be found (a warning counts them).</summary>
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
            bool listing = Ids.Count == 0;
            // Listing, a batch asked at the endpoint its record names gets one brief try: one that accepts connections and
            // never answers would otherwise hold the whole listing up for the session's timeout and retries.
            using BatchRoutes routes = OpenRoutes(brief: listing);
            // Each batch is asked about where its route says: -BaseUri; else the endpoint it was created at, when its
            // record says the key in use went there at submission (or none did); else this command's endpoint. Without
            // -Id, a batch that could not be found where it was asked is left out with a verbose note and one warning,
            // not an error: another server's batch this endpoint does not know (the endpoints are compared as text only
            // to explain this: the same server can be written differently, localhost or 127.0.0.1, a gateway, Azure's
            // /openai or /openai/v1), or one whose own endpoint does not know it or does not answer (a local server since
            // stopped). With -Id, each is an error.
            string here = routes.Default.Endpoint.AbsoluteUri.TrimEnd('/');
            var passedOver = new Dictionary<BatchRecord, OpenAIRequestException>();
            bool LeftOut(BatchRecord record, BatchRoute route, OpenAIRequestException ex)
            {
                if (!listing || record.BaseUri.Length == 0
                    || string.Equals(record.BaseUri.TrimEnd('/'), here, StringComparison.OrdinalIgnoreCase)
                    || !(ex.Status == 404 || (route.Own && ex.Status == 0)))
                {
                    return false;
                }
                lock (passedOver)
                {
                    passedOver[record] = ex;
                }
                return true;
            }
            var routed = records.Select(r => (Record: r, Route: routes.For(r.BatchId))).ToList(); // decided here, in record order
            RunAsync(async cancel =>
            {
                // All at once (each answer is small); the results are written in record order.
                foreach (Task<VisionBatch?> fetch in routed.Select(r => FetchAsync(r.Route, r.Record.BatchId, ex => LeftOut(r.Record, r.Route, ex), cancel)).ToList())
                {
                    if (await fetch.ConfigureAwait(false) is VisionBatch batch)
                    {
                        Emit(batch);
                    }
                }
            });
            if (passedOver.Count > 0)
            {
                var left = routed.Where(r => passedOver.ContainsKey(r.Record)).ToList(); // in record order
                // Messages name the endpoints without a user name or password written into them (the records keep them).
                string hereShown = UriText.Shown(here);
                foreach ((BatchRecord record, BatchRoute route) in left)
                {
                    string there = UriText.Shown(record.BaseUri.TrimEnd('/'));
                    WriteVerbose(route.Own
                        ? $"Batch {record.BatchId} was asked at {there}, the endpoint it was created at, which {(passedOver[record].Status == 404 ? "does not know it (No such batch)" : "did not answer")}: left out. -Local lists it from its record."
                        : $"Batch {record.BatchId} was recorded for {there} and {hereShown} does not know it (No such batch): left out. "
                            + $"Get-VisionBatch -BaseUri {there} -ApiKey <that endpoint's key> asks that endpoint; -Local lists it from its record.");
                }
                var notHere = left.Where(r => !r.Route.Own).Select(r => r.Record).ToList();
                if (notHere.Count > 0)
                {
                    var endpoints = notHere.Select(r => UriText.Shown(r.BaseUri.TrimEnd('/'))).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                    string count = notHere.Count == 1 ? "1 batch" : $"{notHere.Count} batches";
                    WriteWarning($"{count} recorded for another endpoint ({string.Join(", ", endpoints)}) {(notHere.Count == 1 ? "is" : "are")} not known at {hereShown} and left out: "
                        + string.Join("; ", endpoints.Select(e => $"Get-VisionBatch -BaseUri {e} -ApiKey <its key>")) + $" lists {(notHere.Count == 1 ? "it" : "them")} there, -Verbose names {(notHere.Count == 1 ? "it" : "them")} here.");
                }
                var gone = left.Where(r => r.Route.Own).Select(r => r.Record).ToList();
                if (gone.Count > 0)
                {
                    var endpoints = gone.Select(r => UriText.Shown(r.BaseUri.TrimEnd('/'))).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                    string count = gone.Count == 1 ? "1 batch" : $"{gone.Count} batches";
                    WriteWarning($"{count} recorded for another endpoint ({string.Join(", ", endpoints)}) could not be found there (it does not know {(gone.Count == 1 ? "it" : "them")}, or did not answer) and {(gone.Count == 1 ? "is" : "are")} left out; "
                        + $"-Verbose names {(gone.Count == 1 ? "it" : "them")}, -Local lists {(gone.Count == 1 ? "it" : "them")} from {(gone.Count == 1 ? "its record" : "their records")}.");
                }
            }
        }
    }
}
