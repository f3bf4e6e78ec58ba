using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Caching;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;
using CoreChatResult = VisionPS.Core.OpenAI.ChatResult;

namespace VisionPS.Commands
{
    /// <summary>The -Api values of Send-VisionChat.</summary>
    public enum VisionApi
    {
        Chat,
        Responses,
    }

    /// <summary>
    /// Asks a vision model about images and returns its answer.
    /// </summary>
    /// <remarks>
    /// Send-VisionChat sends a prompt with images to an OpenAI-style vision model through Chat Completions (default)
    /// or the Responses API, and emits a ChatResult with the answer, the token usage and the images it was about.
    /// Images come from -Image or the pipeline: VisionImage objects from ConvertTo-VisionImage, Get-ChildItem items,
    /// paths, or http(s) URLs (passed through untouched); files are prepared on the fly exactly as ConvertTo-VisionImage
    /// does. By default every piped image goes into one request, sent when the pipeline ends; -PerImage sends one
    /// request per image, up to -ThrottleLimit at a time, emitting one result per image in input order, and keeps
    /// answers in the local answer cache so a re-run never pays twice (-NoCache turns that off). -JsonSchema asks for
    /// structured output and parses it into Object. -Stream writes the answer to the host as it arrives. -WhatIf shows
    /// the request that would be sent, base64 shortened, with its estimated image tokens, and sends nothing. The
    /// connection comes from the parameters, then Set-VisionDefault, then OPENAI_API_KEY and OPENAI_BASE_URL. Rate
    /// limits (429) and server errors are retried with back-off; a failed request yields one ChatRequestFailed error
    /// with the server's message and advice, and the rest of the batch goes on. Ctrl+C stops at once.
    /// </remarks>
    /// <example>
    /// <code>Get-ChildItem *.jpg | Send-VisionChat 'What is in this picture?' -PerImage | Format-Table ImageSources, Text</code>
    /// <para>Asks about every JPEG separately, four at a time, and lists each answer next to its file.</para>
    /// </example>
    /// <example>
    /// <code>Send-VisionChat 'Which of these two photos is sharper?' -Image before.jpg, after.jpg -Model gpt-4.1</code>
    /// <para>Sends both photos in one request and returns one answer.</para>
    /// </example>
    /// <example>
    /// <code>$schema = @{ type = 'object'; properties = @{ total = @{ type = 'number' }; currency = @{ type = 'string' } }; required = 'total', 'currency'; additionalProperties = $false }
    /// Get-ChildItem receipts/*.heic | Send-VisionChat 'Read the receipt total.' -PerImage -JsonSchema $schema | ForEach-Object { $_.Object.total }</code>
    /// <para>Reads the total of every receipt photo as structured data.</para>
    /// </example>
    /// <example>
    /// <code>Send-VisionChat 'Describe this diagram.' -Image diagram.png -WhatIf</code>
    /// <para>Shows the request that would be sent and its estimated image tokens, without sending it.</para>
    /// </example>
    [Cmdlet(VerbsCommunications.Send, "VisionChat", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ChatResult))]
    public sealed class SendVisionChatCommand : VisionServiceCmdlet
    {
        private string _model = string.Empty;

        /// <summary>The question or instruction about the images.</summary>
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

        /// <summary>Sends one request per image instead of one request with all images.</summary>
        [Parameter]
        public SwitchParameter PerImage { get; set; }

        /// <summary>With -PerImage: how many requests run at once (default 4).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

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

        /// <summary>Structured output: a JSON schema (JSON text or a hashtable); the answer is parsed into Object.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? JsonSchema { get; set; }

        /// <summary>The name of the -JsonSchema (default 'answer').</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
        public string JsonSchemaName { get; set; } = "answer";

        /// <summary>Writes the answer to the host as it arrives (Chat API); the result object is still emitted.</summary>
        [Parameter]
        public SwitchParameter Stream { get; set; }

        /// <summary>Continues a server-side conversation (conv_...); implies -Api Responses.</summary>
        [Parameter]
        [ValidatePattern("^conv_[A-Za-z0-9_-]+$")]
        public string? ConversationId { get; set; }

        /// <summary>With -PerImage: always ask the service, never the local answer cache.</summary>
        [Parameter]
        public SwitchParameter NoCache { get; set; }





        protected override void BeginProcessing()
        {
            if (ConversationId != null)
            {
                if (IsBound(nameof(Api)) && Api == VisionApi.Chat)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ConversationId continues a Responses conversation; it cannot be used with -Api Chat."),
                        "ConversationNeedsResponses", ErrorCategory.InvalidArgument, ConversationId));
                }
                Api = VisionApi.Responses;
            }
            if (Stream && (Api == VisionApi.Responses || PerImage))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Stream works with one Chat request at a time: not with -Api Responses, -ConversationId or -PerImage."),
                    "StreamNotSupported", ErrorCategory.InvalidArgument, null));
            }
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
            ResultCache? cache = PerImage && !NoCache && ConversationId is null ? VisionDefaults.Current.OpenCache() : null;
            using var client = new VisionClient(Connection);
            RunAsync(cancel => Task.Run(() => PerImage
                ? SendEachAsync(client, options, schema, cache, cancel)
                : SendAllAsync(client, options, schema, cancel), cancel));
        }

        private async Task SendAllAsync(VisionClient client, PrepareOptions options, VisionJsonSchema? schema, CancellationToken cancel)
        {
            var images = new List<VisionImage>();
            foreach ((ImageWork _, VisionImage? image, ErrorRecord? error) in ImageInputs.Prepare(Work, options, cancel))
            {
                if (image is null)
                {
                    EmitError(error!);
                    continue;
                }
                EmitVerbose(PrepareParameters.Describe(image));
                images.Add(image);
            }
            if (Work.Count > 0 && images.Count == 0)
            {
                return; // every image failed (errors written); a text-only question is not what was asked
            }
            ChatResult? result = await SendOneAsync(client, images, schema, null, cancel).ConfigureAwait(false);
            if (result != null)
            {
                Emit(result);
            }
        }

        private async Task SendEachAsync(VisionClient client, PrepareOptions options, VisionJsonSchema? schema, ResultCache? cache, CancellationToken cancel)
        {
            using var throttle = new SemaphoreSlim(ThrottleLimit);
            var pending = new Queue<Task<Action>>();
            var progress = new ProgressRecord(2, "Send-VisionChat", "Sending");
            int done = 0;

            void Flush(bool wait)
            {
                while (pending.Count > 0 && (wait || pending.Peek().IsCompleted))
                {
                    pending.Dequeue().GetAwaiter().GetResult()();
                    done++;
                    progress.StatusDescription = $"{done} of {Work.Count} answered";
                    progress.PercentComplete = Math.Min(100, done * 100 / Math.Max(1, Work.Count));
                    EmitProgress(progress);
                }
            }

            foreach ((ImageWork work, VisionImage? image, ErrorRecord? error) in ImageInputs.Prepare(Work, options, cancel))
            {
                if (image is null)
                {
                    pending.Enqueue(Task.FromResult<Action>(() => EmitError(error!)));
                }
                else
                {
                    EmitVerbose(PrepareParameters.Describe(image));
                    await throttle.WaitAsync(cancel).ConfigureAwait(false);
                    pending.Enqueue(SendAndRelease(client, image, schema, cache, throttle, cancel));
                }
                Flush(wait: false);
            }
            foreach (Task<Action> task in pending)
            {
                await task.ConfigureAwait(false);
            }
            Flush(wait: true);
            progress.RecordType = ProgressRecordType.Completed;
            EmitProgress(progress);
        }

        private async Task<Action> SendAndRelease(VisionClient client, VisionImage image, VisionJsonSchema? schema, ResultCache? cache,
            SemaphoreSlim throttle, CancellationToken cancel)
        {
            try
            {
                ChatResult? result = await SendOneAsync(client, new List<VisionImage> { image }, schema, cache, cancel).ConfigureAwait(false);
                return result is null ? () => { } : () => Emit(result);
            }
            finally
            {
                throttle.Release();
            }
        }

        /// <summary>Sends one request (or answers it from the cache); null when skipped or failed (error written).</summary>
        private async Task<ChatResult?> SendOneAsync(VisionClient client, IReadOnlyList<VisionImage> images, VisionJsonSchema? schema,
            ResultCache? cache, CancellationToken cancel)
        {
            var request = new VisionRequest
            {
                Model = _model,
                Prompt = Prompt,
                SystemPrompt = SystemPrompt,
                MaxTokens = IsBound(nameof(MaxTokens)) ? MaxTokens : null,
                Temperature = IsBound(nameof(Temperature)) ? Temperature : null,
                JsonSchema = schema,
                ConversationId = ConversationId,
            };
            foreach (VisionImage image in images)
            {
                request.Images.Add(image.ToInput(Detail));
            }
            string[] sources = images.Select(i => i.Source).ToArray();
            string[] hashes = images.Select(i => i.Sha256 ?? string.Empty).ToArray();
            int estimated = images.Sum(i => i.EstimatedTokens ?? 0);
            string target = string.Join(", ", sources.Length == 0 ? new[] { "(no images)" } : sources);

            string? key = cache is null ? null : CacheKey(client, request, images);
            if (key != null && cache!.TryGet(key) is string cached)
            {
                CoreChatResult? hit = JsonSerializer.Deserialize<CoreChatResult>(cached);
                if (hit != null)
                {
                    EmitVerbose($"{target}: answered from the cache ({cache.Root}).");
                    return Wrap(hit, sources, hashes, estimated, fromCache: true);
                }
            }

            string body = Api == VisionApi.Chat ? client.DescribeChatRequest(request, Stream) : client.DescribeResponseRequest(request);
            EmitDebug($"{Api} request to {client.Endpoint}: {body}");
            string description = $"{Api} request to {client.Endpoint} with {images.Count} image(s), ~{estimated} image tokens estimated:{Environment.NewLine}{body}";
            if (!await ShouldProcessAsync(description, $"Send to {_model}").ConfigureAwait(false))
            {
                return null;
            }
            try
            {
                CoreChatResult result;
                if (Stream)
                {
                    ChatStream stream = client.StreamChat(request, cancel);
                    await foreach (string delta in stream.WithCancellation(cancel).ConfigureAwait(false))
                    {
                        EmitHost(delta);
                    }
                    EmitHost(Environment.NewLine);
                    result = stream.Result;
                }
                else
                {
                    result = Api == VisionApi.Chat
                        ? await client.ChatAsync(request, cancel).ConfigureAwait(false)
                        : await client.RespondAsync(request, cancel).ConfigureAwait(false);
                }
                if (key != null)
                {
                    cache!.Set(key, JsonSerializer.Serialize(result));
                }
                return Wrap(result, sources, hashes, estimated, fromCache: false);
            }
            catch (OpenAIRequestException ex)
            {
                EmitError(ErrorIds.ForRequest(ex, ErrorIds.ChatRequestFailed, target));
                return null;
            }
        }

        private ChatResult Wrap(CoreChatResult result, string[] sources, string[] hashes, int estimated, bool fromCache)
        {
            object? parsed = null;
            if (JsonSchema != null && result.Json is string json)
            {
                try
                {
                    parsed = JsonConversion.ToPowerShell(json);
                }
                catch (JsonException ex)
                {
                    EmitWarning($"The answer is not valid JSON ({ex.Message}); see Text.");
                }
            }
            return new ChatResult(result, sources, hashes, estimated, parsed, fromCache);
        }

        private string CacheKey(VisionClient client, VisionRequest request, IReadOnlyList<VisionImage> images)
            => AnswerCacheKey.Compute(client.Endpoint, Api, request, Detail, images.Select(i => i.Sha256 ?? i.Source));
    }
}
