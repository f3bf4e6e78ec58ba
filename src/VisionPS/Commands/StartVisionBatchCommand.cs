using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Asking;
using VisionPS.Core.Batching;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Submits images and a prompt as OpenAI Batch jobs: one request per image, answered within 24 hours at the
    /// Batch API's lower price.
    /// </summary>
    /// <remarks>
    /// Start-VisionBatch prepares every image exactly as Send-VisionChat -PerImage does (resized for -Detail, upright,
    /// re-encoded when needed), writes one Chat Completions (or -Api Responses) request per image into a JSONL batch
    /// input file with the image inline as a data URL and a custom_id per image, uploads it with purpose batch and
    /// creates the batch. Inputs larger than one batch allows (50,000 requests or 200 MB, or the smaller
    /// -MaxRequestsPerBatch and -MaxBatchMB) are split into several batches, submitted as each fills up, so memory
    /// holds one batch file at most. Every batch is recorded locally (Set-VisionDefault -BatchPath; default per OS)
    /// with the image behind each custom_id, so Receive-VisionBatch can map every answer back to its file later, even
    /// from another session. An image that cannot be prepared yields one error naming the file; the others are still
    /// submitted; so does an image the service would refuse for its size (RequestTooLarge: more than 20 MB as its base64
    /// data URL, 4/3 of its bytes), and a request too large for a batch file (BatchRequestTooLarge). -Detail Original
    /// with -Api Chat stops the command (a terminating error, OriginalNeedsResponses) before any image is read. -WhatIf prepares the images and reports the batch files that would be sent, and sends nothing.
    /// <para>http(s) image URLs are handled as Send-VisionChat handles them: passed through to OpenAI and Azure OpenAI,
    /// which download them; for every other endpoint (or with -InlineImageUrl) downloaded here, within the file budget,
    /// prepared and put into the batch inline. -Verbose names each URL sent inline.</para>
    /// <para>A PDF is one request of its own, sent as it is (a Chat 'file' part or a Responses 'input_file'), after the
    /// same local check as Send-VisionChat (PdfEncrypted, PdfTooManyPages, PdfTooLarge, PdfDamaged name the file).</para>
    /// <para>When a batch cannot be created, or the command is stopped while it is, its uploaded input file is deleted
    /// again within a few seconds; one that could not be deleted is named in the error (or a warning) with the
    /// Remove-VisionFile command that removes it.</para>
    /// <para>A run that does not get to its end (Ctrl+C, -ErrorAction Stop at a later part's error) hands a variable
    /// ($batches = Start-VisionBatch ...) none of its output, so a warning names the batches already created: they run
    /// on, are recorded (the warning says which could not be), and can be waited for and received. A command after it that
    /// wants no more (| Select-Object -First 1) ends it normally: the next part is submitted only once the last was taken.</para>
    /// </remarks>
    /// <example>
    /// <code>Get-ChildItem receipts/*.jpg | Start-VisionBatch 'Read the receipt total.' -Detail Low</code>
    /// <para>Submits one request per receipt photo as a batch job and returns the batch (or batches) created.</para>
    /// </example>
    /// <example>
    /// <code>$batch = Get-ChildItem photos -Recurse -Include *.heic | Start-VisionBatch 'Describe the photo in one sentence.'
    /// $batch | Wait-VisionBatch | Receive-VisionBatch | Select-Object ImageSources, Text</code>
    /// <para>Submits every HEIC photo, waits for the batch with a progress bar, then lists each answer next to its file.</para>
    /// </example>
    [Cmdlet(VerbsLifecycle.Start, "VisionBatch", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VisionBatch))]
    public sealed class StartVisionBatchCommand : AskCmdlet
    {
        /// <summary>At most this many requests per batch (default and maximum 50,000).</summary>
        [Parameter]
        [ValidateRange(1, 50000)]
        public int MaxRequestsPerBatch { get; set; } = 50000;

        /// <summary>At most this many megabytes (10^6 bytes) of input per batch (default and maximum 199).</summary>
        [Parameter]
        [ValidateRange(0.01, 199.0)]
        public double MaxBatchMB { get; set; } = 199;

        protected override void EndProcessing()
        {
            if (WarnWhenNoImage("no batch was submitted"))
            {
                return;
            }
            RefuseOriginalThroughChat();
            AskQuestion question = BuildQuestion();
            BatchStore store = VisionDefaults.Current.OpenBatchStore();
            var limits = new BatchLimits { MaxRequests = MaxRequestsPerBatch, MaxBytes = (long)(MaxBatchMB * 1_000_000) };
            using var client = new VisionClient(Connection);
            var pipeline = new AskPipeline(client, question)
            {
                OnPrepared = DescribePrepared,
                // As Send-VisionChat: a service that cannot fetch image URLs gets the images themselves.
                InlineUrls = InlineUrls,
                UrlTimeout = Connection.Timeout,
                OnInlined = DescribeInlined,
            };
            List<AskImage> images = AskImages();
            RunAsync(cancel => Task.Run(() => SubmitAsync(client, pipeline, images, question.JsonSchema, store, limits, cancel), cancel), SubmittedBeforeTheEnd);
            CompletePrepareProgress();
        }

        // What the local records say of a batch created here whose record could not be written.
        private const string NotRecorded = "not recorded: its answers cannot be mapped back to their files";

        /// <summary>The warning for a run that ended early after creating batches: they run on (and are billed); how to get their answers.</summary>
        private static string? SubmittedBeforeTheEnd(IReadOnlyList<Created> batches)
        {
            if (batches.Count == 0)
            {
                return null;
            }
            string ids = CommandText.Arguments(batches.Select(b => b.Id));
            bool allRecorded = !batches.Any(b => b.About.EndsWith(NotRecorded, StringComparison.Ordinal));
            return $"Start-VisionBatch did not run to its end (stopped, or ended by an error), and the {batches.Count} batch(es) it had created run on"
                + (allRecorded ? " and are recorded" : string.Empty) + ": "
                + string.Join("; ", batches.Select(b => $"{b.Id} ({b.About})"))
                + $". Submit again only the images not in them. Get their answers with:{Environment.NewLine}Wait-VisionBatch {ids} | Receive-VisionBatch"
                + $"{Environment.NewLine}or cancel them with:{Environment.NewLine}Stop-VisionBatch {ids}";
        }

        private async Task SubmitAsync(VisionClient client, AskPipeline pipeline, List<AskImage> images, VisionJsonSchema? schema, BatchStore store, BatchLimits limits, CancellationToken cancel)
        {
            VisionApi api = Api;
            string submission = "sub_" + Guid.NewGuid().ToString("N").Substring(0, 16);
            var parts = new List<(BatchInputFile File, List<BatchRecordItem> Items)>();
            var pendingItems = new List<BatchRecordItem>();
            var byId = new Dictionary<string, BatchRecordItem>(StringComparer.Ordinal);
            var pdfIds = new HashSet<string>(StringComparer.Ordinal);
            int index = 0;
            using (var builder = new BatchInputBuilder(client, api, limits))
            {
                await foreach (AskPrepared prepared in pipeline.PrepareEachAsync(images, cancel).ConfigureAwait(false))
                {
                    index++;
                    if (prepared.Asked is not AskedImage image)
                    {
                        EmitError(ImageInputs.ForFailure(prepared.Error!, prepared.Image.Source));
                        continue;
                    }
                    string customId = "img-" + index.ToString("D6", CultureInfo.InvariantCulture);
                    var item = new BatchRecordItem { CustomId = customId, Source = image.Source, Sha256 = image.Sha256, EstimatedTokens = image.EstimatedTokens };
                    if (image.IsPdf)
                    {
                        pdfIds.Add(customId); // named as a PDF, not an image, by -WhatIf and -Confirm
                    }
                    BatchInputFile? full;
                    try
                    {
                        full = builder.Add(new BatchItem(customId, prepared.Request!));
                    }
                    catch (ArgumentException ex)
                    {
                        // The builder's words name the request's custom_id and the parameter; the user's are the file's.
                        string tooLarge = $"'{image.Source}' cannot go into a batch: {BatchLimitText(ex, customId)}";
                        EmitError(ErrorIds.Create(new InvalidOperationException(tooLarge, ex), ErrorIds.BatchRequestTooLarge, ErrorCategory.LimitsExceeded, image.Source, tooLarge));
                        continue;
                    }
                    byId[customId] = item;
                    if (full is not null)
                    {
                        parts.Add((full, full.CustomIds.Select(id => byId[id]).ToList()));
                        // Submit each full file at once: memory holds one batch file, and a long run makes progress.
                        await SubmitPartAsync(client, store, parts.Count, null, submission, parts[parts.Count - 1], schema, pdfIds, cancel).ConfigureAwait(false);
                    }
                }
                if (builder.Finish() is BatchInputFile last)
                {
                    parts.Add((last, last.CustomIds.Select(id => byId[id]).ToList()));
                    await SubmitPartAsync(client, store, parts.Count, parts.Count, submission, parts[parts.Count - 1], schema, pdfIds, cancel).ConfigureAwait(false);
                }
            }
            if (parts.Count == 0)
            {
                // Images were given (else EndProcessing warned already), and each has had its error.
                EmitWarning("None of the images given could be used, so nothing was submitted (see the errors above).");
                return;
            }
            if (parts.Count > 1)
            {
                // The part count is known only now: the records of the earlier parts learn it.
                foreach (BatchRecord record in store.List().Where(r => r.SubmissionId == submission))
                {
                    record.Parts = parts.Count;
                    store.Save(record);
                }
            }
        }

        /// <summary>
        /// The batch builder's refusal in the user's words: without the request's custom_id in front (the message names
        /// the file instead) and without .NET's parameter-name suffix.
        /// </summary>
        private static string BatchLimitText(ArgumentException ex, string customId)
        {
            string text = Core.MessageText.WithoutParamName(ex);
            string prefix = $"'{customId}': ";
            return text.StartsWith(prefix, StringComparison.Ordinal) ? text.Substring(prefix.Length) : text;
        }

        private async Task SubmitPartAsync(VisionClient client, BatchStore store, int part, int? parts, string submission,
            (BatchInputFile File, List<BatchRecordItem> Items) input, VisionJsonSchema? schema, ISet<string> pdfIds, CancellationToken cancel)
        {
            int pdfs = input.Items.Count(i => pdfIds.Contains(i.CustomId));
            string what = $"batch part {part}: {input.Items.Count} {Api} request{(input.Items.Count == 1 ? "" : "s")} ({Core.MessageText.ImagesAndPdfs(input.Items.Count - pdfs, pdfs)}) to {AskedModel}, "
                + $"{input.File.Jsonl.Length / 1e6:0.00} MB of JSONL, ~{input.Items.Sum(i => i.EstimatedTokens)} {Core.MessageText.InputTokens(pdfs)} estimated";
            if (!await ShouldProcessAsync($"{UriText.Shown(client.Endpoint)}: {what}", "Submit batch").ConfigureAwait(false))
            {
                return;
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["visionps_submission"] = submission,
                ["visionps_part"] = part.ToString(CultureInfo.InvariantCulture),
            };
            VisionBatchJob job;
            FileLeft? inputLeft = null;
            try
            {
                job = await client.SubmitBatchAsync(input.File, $"visionps-{submission}-{part}.jsonl", metadata, cancel, left => inputLeft = left).ConfigureAwait(false);
            }
            catch (OpenAIRequestException ex)
            {
                ErrorRecord failed = ErrorIds.ForRequest(ex, ErrorIds.BatchRequestFailed, $"{what}: {string.Join(", ", input.Items.Take(3).Select(i => i.Source))}{(input.Items.Count > 3 ? ", ..." : "")}");
                if (inputLeft is not null)
                {
                    failed.ErrorDetails = new ErrorDetails(failed.ErrorDetails.Message + " " + InputLeftText(inputLeft))
                    {
                        RecommendedAction = failed.ErrorDetails.RecommendedAction,
                    };
                    if (cancel.IsCancellationRequested)
                    {
                        // Ctrl+C during the cleanup: the error is dropped with the stop; the file left is still named.
                        WarnAtEnd($"Start-VisionBatch could not create {what.Substring(0, what.IndexOf(':'))}. {InputLeftText(inputLeft)}");
                    }
                }
                EmitError(failed);
                return;
            }
            catch (Exception) when (inputLeft is not null)
            {
                // Stopped while the batch was being created (Ctrl+C, -ErrorAction Stop at another error): the input
                // file could not be deleted within the cleanup's budget; nothing else may be written now.
                WarnAtEnd($"Start-VisionBatch stopped while {what.Substring(0, what.IndexOf(':'))} was being created. {InputLeftText(inputLeft)}");
                throw;
            }
            var record = new BatchRecord
            {
                BatchId = job.Id,
                BaseUri = client.Endpoint.AbsoluteUri,
                AzureApiVersion = Connection.Azure?.ApiVersion,
                KeyCheck = Connection.EndpointKeyCheck(client.Endpoint.AbsoluteUri, Connection.Azure?.ApiVersion),
                Api = Api.ToString(),
                Model = AskedModel,
                Prompt = Prompt,
                SystemPrompt = SystemPrompt,
                Detail = Detail.ToString(),
                MaxTokens = IsBound(nameof(MaxTokens)) ? MaxTokens : null,
                Temperature = IsBound(nameof(Temperature)) ? Temperature : null,
                JsonSchemaName = schema?.Name,
                JsonSchema = schema?.SchemaJson,
                Part = part,
                Parts = parts ?? part,
                SubmissionId = submission,
                SubmittedAt = DateTimeOffset.UtcNow,
                Items = input.Items,
            };
            string holds = $"part {part}: {input.Items.Count} request(s): {string.Join(", ", input.Items.Take(3).Select(i => ChatResult.FileName(i.Source)))}{(input.Items.Count > 3 ? ", ..." : "")}";
            Exception? unrecorded = null;
            try
            {
                store.Save(record);
            }
            catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
            {
                unrecorded = ex;
            }
            // Noted before the error below, which may end the run (-ErrorAction Stop): the batch runs on all the same.
            Created created = NoteCreated(job.Id, unrecorded is null ? holds : $"{holds}; {NotRecorded}");
            if (unrecorded is not null)
            {
                EmitError(ErrorIds.Create(unrecorded, ErrorIds.BatchRecordFailed, ErrorCategory.WriteError, job.Id,
                    $"Batch {job.Id} was submitted, but its local record could not be written to '{store.Root}': {MessageText.Sentence(unrecorded.Message)} Its answers cannot be mapped back to their files."));
            }
            else
            {
                EmitVerbose($"Submitted {job.Id} ({what}); recorded in {store.Root}.");
            }
            Emit(created, new VisionBatch(job, record));
            // The next part (billed) is submitted only once the commands after this one took the batch: when they want no
            // more (| Select-Object -First 1), the run ends here, with no batch created that nobody gets.
            await WrittenAsync().ConfigureAwait(false);
        }

        private static string InputLeftText(FileLeft left)
            => $"Its uploaded input file could not be deleted again and is left on the service: {FileLeft.Describe(new[] { left })}; remove it with: Remove-VisionFile {CommandText.Argument(left.Id)}";
    }
}
