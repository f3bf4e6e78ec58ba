using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
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
    /// submitted. -WhatIf prepares the images and reports the batch files that would be sent, and sends nothing.
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
    [Cmdlet(VerbsLifecycle.Start, "VisionBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VisionBatch))]
    public sealed class StartVisionBatchCommand : VisionServiceCmdlet
    {
        private string _model = string.Empty;

        /// <summary>The question or instruction asked about every image.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Prompt { get; set; } = string.Empty;

        /// <summary>Images: VisionImage objects, paths (wildcards allowed), Get-ChildItem items or http(s) URLs.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNull]
        public object[] Image { get; set; } = Array.Empty<object>();

        /// <summary>Images from the pipeline: VisionImage objects, Get-ChildItem items, paths or URLs.</summary>
        [Parameter(ValueFromPipeline = true)]
        public object? InputObject { get; set; }

        /// <summary>Chat (Chat Completions, default) or Responses.</summary>
        [Parameter]
        public VisionApi Api { get; set; } = VisionApi.Chat;

        /// <summary>The model (default: Set-VisionDefault -Model, else gpt-4.1-mini).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Model { get; set; }

        /// <summary>A system prompt (Chat) or instructions (Responses).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SystemPrompt { get; set; }

        /// <summary>The detail for every image: Auto, Low, High or Original; local images are sized for it.</summary>
        [Parameter]
        public ImageDetail Detail { get; set; } = ImageDetail.Auto;

        /// <summary>The largest side, in pixels, of a local image as sent (default 2048, or what -Model looks at).</summary>
        [Parameter]
        [ValidateRange(16, 16384)]
        public int MaxSide { get; set; } = PrepareOptions.DefaultMaxSide;

        /// <summary>The answer's token limit.</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        public int MaxTokens { get; set; }

        /// <summary>Sampling temperature, 0 to 2.</summary>
        [Parameter]
        [ValidateRange(0.0, 2.0)]
        public double Temperature { get; set; }

        /// <summary>Structured output: a JSON schema (JSON text or a hashtable); answers are parsed into Object.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? JsonSchema { get; set; }

        /// <summary>The name of the -JsonSchema (default 'answer').</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
        public string JsonSchemaName { get; set; } = "answer";

        /// <summary>At most this many requests per batch (default and maximum 50,000).</summary>
        [Parameter]
        [ValidateRange(1, 50000)]
        public int MaxRequestsPerBatch { get; set; } = 50000;

        /// <summary>At most this many megabytes (10^6 bytes) of input per batch (default and maximum 199).</summary>
        [Parameter]
        [ValidateRange(0.01, 199.0)]
        public double MaxBatchMB { get; set; } = 199;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _model = Model ?? VisionDefaults.Current.Model ?? new VisionRequest().Model;
            foreach (object image in Image)
            {
                CollectImages(image, Detail, _model);
            }
        }

        protected override void ProcessRecord()
        {
            CollectImages(InputObject, Detail, _model);
        }

        protected override void EndProcessing()
        {
            VisionJsonSchema? schema = JsonSchema is null ? null : new VisionJsonSchema(JsonSchemaName, JsonConversion.FromPowerShell(JsonSchema));
            PrepareOptions options = PrepareParameters.Build(_model, Detail, MaxSide, null);
            ModelRulesWarning.WarnIfUnknown(this, options.Model);
            BatchStore store = VisionDefaults.Current.OpenBatchStore();
            var limits = new BatchLimits { MaxRequests = MaxRequestsPerBatch, MaxBytes = (long)(MaxBatchMB * 1_000_000) };
            using var client = new VisionClient(Connection);
            RunAsync(cancel => Task.Run(() => SubmitAsync(client, options, schema, store, limits, cancel), cancel));
        }

        private async Task SubmitAsync(VisionClient client, PrepareOptions options, VisionJsonSchema? schema, BatchStore store, BatchLimits limits, CancellationToken cancel)
        {
            BatchApi api = Api == VisionApi.Chat ? BatchApi.Chat : BatchApi.Responses;
            string submission = "sub_" + Guid.NewGuid().ToString("N").Substring(0, 16);
            var parts = new List<(BatchInputFile File, List<BatchRecordItem> Items)>();
            var pendingItems = new List<BatchRecordItem>();
            var byId = new Dictionary<string, BatchRecordItem>(StringComparer.Ordinal);
            int index = 0;
            using (var builder = new BatchInputBuilder(api, limits))
            {
                foreach ((ImageWork work, VisionImage? image, ErrorRecord? error) in ImageInputs.Prepare(Work, options, cancel))
                {
                    index++;
                    if (image is null)
                    {
                        EmitError(error!);
                        continue;
                    }
                    EmitVerbose(PrepareParameters.Describe(image));
                    string customId = "img-" + index.ToString("D6", CultureInfo.InvariantCulture);
                    var request = NewRequest(schema);
                    request.Images.Add(image.ToInput(Detail));
                    var item = new BatchRecordItem { CustomId = customId, Source = image.Source, Sha256 = image.Sha256 ?? string.Empty, EstimatedTokens = image.EstimatedTokens ?? 0 };
                    BatchInputFile? full;
                    try
                    {
                        full = builder.Add(new BatchItem(customId, request));
                    }
                    catch (ArgumentException ex)
                    {
                        EmitError(ErrorIds.Create(ex, ErrorIds.BatchRequestTooLarge, ErrorCategory.LimitsExceeded, image.Source,
                            $"'{image.Source}' cannot go into a batch: {ex.Message}"));
                        continue;
                    }
                    byId[customId] = item;
                    if (full is not null)
                    {
                        parts.Add((full, full.CustomIds.Select(id => byId[id]).ToList()));
                        // Submit each full file at once: memory holds one batch file, and a long run makes progress.
                        await SubmitPartAsync(client, store, parts.Count, null, submission, parts[parts.Count - 1], schema, cancel).ConfigureAwait(false);
                    }
                }
                if (builder.Finish() is BatchInputFile last)
                {
                    parts.Add((last, last.CustomIds.Select(id => byId[id]).ToList()));
                    await SubmitPartAsync(client, store, parts.Count, parts.Count, submission, parts[parts.Count - 1], schema, cancel).ConfigureAwait(false);
                }
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

        private async Task SubmitPartAsync(VisionClient client, BatchStore store, int part, int? parts, string submission,
            (BatchInputFile File, List<BatchRecordItem> Items) input, VisionJsonSchema? schema, CancellationToken cancel)
        {
            string what = $"batch part {part}: {input.Items.Count} {Api} request(s) to {_model}, {input.File.Jsonl.Length / 1e6:0.00} MB of JSONL, ~{input.Items.Sum(i => i.EstimatedTokens)} image tokens estimated";
            if (!await ShouldProcessAsync($"{client.Endpoint}: {what}", "Submit batch").ConfigureAwait(false))
            {
                return;
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["visionps_submission"] = submission,
                ["visionps_part"] = part.ToString(CultureInfo.InvariantCulture),
            };
            VisionBatchJob job;
            try
            {
                job = await client.SubmitBatchAsync(input.File, $"visionps-{submission}-{part}.jsonl", metadata, cancel).ConfigureAwait(false);
            }
            catch (OpenAIRequestException ex)
            {
                EmitError(ErrorIds.ForRequest(ex, ErrorIds.BatchRequestFailed, $"{what}: {string.Join(", ", input.Items.Take(3).Select(i => i.Source))}{(input.Items.Count > 3 ? ", ..." : "")}"));
                return;
            }
            var record = new BatchRecord
            {
                BatchId = job.Id,
                BaseUri = client.Endpoint.AbsoluteUri,
                Api = Api.ToString(),
                Model = _model,
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
            try
            {
                store.Save(record);
            }
            catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
            {
                EmitError(ErrorIds.Create(ex, ErrorIds.BatchRecordFailed, ErrorCategory.WriteError, job.Id,
                    $"Batch {job.Id} was submitted, but its local record could not be written to '{store.Root}': {ex.Message}. Its answers cannot be mapped back to their files."));
            }
            EmitVerbose($"Submitted {job.Id} ({what}); recorded in {store.Root}.");
            Emit(new VisionBatch(job, record));
        }

        private VisionRequest NewRequest(VisionJsonSchema? schema) => new VisionRequest
        {
            Model = _model,
            Prompt = Prompt,
            SystemPrompt = SystemPrompt,
            MaxTokens = IsBound(nameof(MaxTokens)) ? MaxTokens : null,
            Temperature = IsBound(nameof(Temperature)) ? Temperature : null,
            JsonSchema = schema,
        };
    }
}
