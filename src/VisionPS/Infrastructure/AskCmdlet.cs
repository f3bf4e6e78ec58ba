using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VisionPS.Core;
using VisionPS.Core.Asking;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A cmdlet that asks a model about images (Send-VisionChat, Start-VisionBatch): the question's parameters, shared
    /// so both ask alike, and the images collected from parameters and the pipeline.
    /// </summary>
    public abstract class AskCmdlet : ImageInputCmdlet
    {

        /// <summary>The question or instruction about the images.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Prompt { get; set; } = string.Empty;

        /// <summary>Images: VisionImage objects, paths (wildcards allowed), Get-ChildItem items or http(s) URLs.</summary>
        [Parameter(Position = 1)]
        [SupportsWildcards]
        [ValidateNotNull]
        public override object[] Image { get; set; } = Array.Empty<object>();

        /// <summary>Chat (Chat Completions, default) or Responses.</summary>
        [Parameter]
        public VisionApi Api { get; set; } = VisionApi.Chat;

        /// <summary>A system prompt (Chat) or instructions (Responses).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SystemPrompt { get; set; }

        /// <summary>The detail for every image: Auto, Low, High or Original; local images are sized for it.</summary>
        [Parameter]
        [PSDefaultValue(Help = "Set-VisionDefault -Detail, else Auto")]
        [Infrastructure.OneDetail]
        public ImageDetail Detail { get; set; } = ImageDetail.Auto;

        /// <summary>The answer's token limit.</summary>
        [Parameter]
        [ValidateRange(1, 1000000)]
        [PSDefaultValue(Help = "None: the model's own limit")]
        public int MaxTokens { get; set; }

        /// <summary>Sampling temperature, 0 to 2.</summary>
        [Parameter]
        [ValidateRange(0.0, 2.0)]
        [PSDefaultValue(Help = "None: the service's default")]
        public double Temperature { get; set; }

        /// <summary>Structured output: a JSON schema (JSON text or a hashtable); each answer is parsed into Object.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? JsonSchema { get; set; }

        /// <summary>The name of the -JsonSchema (default 'answer').</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
        public string JsonSchemaName { get; set; } = "answer";

        /// <summary>
        /// Downloads http(s) image URLs (within the file budget) and sends them inline even to OpenAI or Azure OpenAI.
        /// For every other endpoint (Ollama, LM Studio, llama.cpp, gateways) this is what happens anyway: they cannot fetch URLs.
        /// </summary>
        [Parameter]
        public SwitchParameter InlineImageUrl { get; set; }

        /// <summary>Whether image URLs are downloaded and sent inline: -InlineImageUrl, or a service that cannot fetch URLs.</summary>
        private protected bool InlineUrls => InlineImageUrl || !UrlImages.ServiceFetchesUrls(Connection.BaseUri, Connection.Azure is not null);

        /// <summary>
        /// Whether the service enforces strict Structured Outputs (OpenAI and Azure OpenAI, the same hosts that fetch image
        /// URLs); Ollama, LM Studio and vLLM take a loose schema and ignore strict.
        /// </summary>
        private protected bool EnforcesStrictSchemas => UrlImages.ServiceFetchesUrls(Connection.BaseUri, Connection.Azure is not null);

        /// <summary>The verbose line for a URL downloaded to be sent inline, saying why.</summary>
        private protected void DescribeInlined(string url, int bytes)
            => EmitVerbose($"{url}: downloaded ({bytes} bytes) and sent inline: {(InlineImageUrl ? "-InlineImageUrl" : $"{UriText.Shown(Connection.BaseUri)} is not OpenAI or Azure OpenAI, which fetch image URLs themselves")}.");

        private protected override ImageDetail CollectDetail => Detail;

        private protected override void ResolveImageOptions()
        {
            Detail = SessionModel.Detail(this, Detail);
            if (Api != VisionApi.Chat)
            {
                // Through Chat Completions -Detail Original is refused outright (RefuseOriginalThroughChat): the warning
                // would tell the user a second time.
                ModelRulesWarning.WarnIfNoOriginal(this, AskedModel, Detail);
            }
        }

        /// <summary>
        /// Refuses -Detail Original through Chat Completions (whose image detail is auto, low or high; original is taken
        /// by the Responses API only) before any image is read, prepared or sent: a terminating error (the parameters
        /// cannot work for any image), OriginalNeedsResponses. Only when the request carries an image: a PDF (a local one,
        /// or a URL naming a .pdf) has no detail, and a text-only question under a session default of Original goes
        /// through Chat as before.
        /// </summary>
        private protected void RefuseOriginalThroughChat()
        {
            if (Api != VisionApi.Chat || Detail != ImageDetail.Original || !Work.Any(w => !IsPdf(w)))
            {
                return;
            }
            string message = "-Detail Original is taken by the Responses API only (gpt-5.4 and later), not by Chat Completions (-Api Chat), so nothing was prepared or sent. "
                + "Add -Api Responses, or use -Detail High with Chat Completions.";
            ErrorRecord record = ErrorIds.Create(new ArgumentException(message), ErrorIds.OriginalNeedsResponses, ErrorCategory.InvalidArgument, Detail, message);
            record.ErrorDetails.RecommendedAction = "Add -Api Responses (the model must be gpt-5.4 or later), or use -Detail High.";
            ThrowTerminatingError(record);
        }

        // A PDF given: a local file that is one, or an http(s) URL whose path names a .pdf (it is not fetched to look).
        private static bool IsPdf(ImageWork work) => work.Ready is null
            ? work.Path is string path && Core.Documents.PdfDocumentCheck.IsPdfFile(path)
            : work.Ready.Url is Uri url && Core.Imaging.MimeTypes.FromFileName(url.AbsolutePath) == Core.Imaging.MimeTypes.Pdf;

        /// <summary>The question these parameters ask.</summary>
        private protected AskQuestion BuildQuestion(string? conversationId = null) => new AskQuestion
        {
            Api = Api,
            Model = AskedModel,
            Prompt = Prompt,
            SystemPrompt = SystemPrompt,
            MaxTokens = IsBound(nameof(MaxTokens)) ? MaxTokens : null,
            Temperature = IsBound(nameof(Temperature)) ? Temperature : null,
            JsonSchema = JsonSchema is null ? null : JsonConversion.Schema(this, JsonSchemaName, JsonSchema, EnforcesStrictSchemas, EmitVerbose),
            ConversationId = conversationId,
            Detail = Detail,
            Prepare = PrepareParameters.Build(AskedModel, Detail, GivenMaxSide, null, allowPartial: AllowPartial),
        };

        /// <summary>The images collected so far, as the pipeline takes them.</summary>
        private protected List<AskImage> AskImages() => Work.Select(ToAskImage).ToList();

        /// <summary>True when every image goes into one request (Send-VisionChat without -PerImage).</summary>
        private protected virtual bool OneRequest => false;

        private int _prepared;
        private long _preparedTokens;
        private bool _warnedTokens;
        private ProgressRecord? _prepareProgress;
        private DateTime _lastProgress = DateTime.MinValue;

        /// <summary>A verbose line per prepared image, Write-Progress while preparing, and the many-tokens warning.</summary>
        private protected void DescribePrepared(string source, PreparedImage prepared)
        {
            PrepareParameters.Report(new VisionImage(prepared, source, Detail, AskedModel), EmitVerbose, EmitWarning);
            _prepared++;
            _preparedTokens += prepared.EstimatedTokens;
            if (OneRequest && !_warnedTokens && Work.Count <= ImageInputs.ManyImages && _preparedTokens > ImageInputs.ManyTokens)
            {
                _warnedTokens = true;
                EmitWarning(ImageInputs.ManyImagesWarning(Work.Count, _preparedTokens));
            }
            if (Work.Count > 1 && DateTime.UtcNow - _lastProgress > TimeSpan.FromMilliseconds(200))
            {
                _lastProgress = DateTime.UtcNow;
                _prepareProgress ??= new ProgressRecord(7, MyInvocation.MyCommand.Name + ": preparing images", "Starting");
                _prepareProgress.StatusDescription = $"{_prepared} of {Work.Count}: {System.IO.Path.GetFileName(source)}";
                _prepareProgress.PercentComplete = Math.Min(100, _prepared * 100 / Work.Count);
                EmitProgress(_prepareProgress);
            }
        }

        /// <summary>Ends the preparation progress bar, if one was shown.</summary>
        private protected void CompletePrepareProgress()
        {
            if (_prepareProgress != null)
            {
                _prepareProgress.RecordType = ProgressRecordType.Completed;
                EmitProgress(_prepareProgress);
            }
        }

        private static AskImage ToAskImage(ImageWork work) => work.Ready switch
        {
            VisionImage { Prepared: PreparedImage prepared } ready => AskImage.FromPrepared(prepared, ready.Source),
            VisionImage { Url: Uri url } => AskImage.FromUrl(url),
            _ => work.Path is string path ? AskImage.FromFile(path)
                : work.Stream is System.IO.Stream stream ? AskImage.FromStream(stream, work.Source)
                : AskImage.FromBytes(work.Bytes!, work.Source),
        };
    }
}
