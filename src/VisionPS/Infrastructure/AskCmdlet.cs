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
    public abstract class AskCmdlet : VisionServiceCmdlet
    {
        private bool _imagesGiven;

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

        /// <summary>Structured output: a JSON schema (JSON text or a hashtable); each answer is parsed into Object.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? JsonSchema { get; set; }

        /// <summary>The name of the -JsonSchema (default 'answer').</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
        public string JsonSchemaName { get; set; } = "answer";

        /// <summary>The model asked (resolved in BeginProcessing).</summary>
        private protected string AskedModel { get; private set; } = string.Empty;

        /// <summary>Whether any image was given (even one that could not be used).</summary>
        private protected bool ImagesGiven => _imagesGiven;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            AskedModel = Model ?? VisionDefaults.Current.Model ?? new VisionRequest().Model;
            ModelRulesWarning.WarnIfUnknown(this, AskedModel);
            _imagesGiven = Image.Length > 0;
            foreach (object image in Image)
            {
                CollectImages(image, Detail, AskedModel);
            }
        }

        protected override void ProcessRecord()
        {
            _imagesGiven |= InputObject != null;
            CollectImages(InputObject, Detail, AskedModel);
        }

        /// <summary>The question these parameters ask.</summary>
        private protected AskQuestion BuildQuestion(string? conversationId = null) => new AskQuestion
        {
            Api = Api,
            Model = AskedModel,
            Prompt = Prompt,
            SystemPrompt = SystemPrompt,
            MaxTokens = IsBound(nameof(MaxTokens)) ? MaxTokens : null,
            Temperature = IsBound(nameof(Temperature)) ? Temperature : null,
            JsonSchema = JsonSchema is null ? null : new VisionJsonSchema(JsonSchemaName, JsonConversion.FromPowerShell(JsonSchema)),
            ConversationId = conversationId,
            Detail = Detail,
            Prepare = PrepareParameters.Build(AskedModel, Detail, MaxSide, null),
        };

        /// <summary>The images collected so far, as the pipeline takes them.</summary>
        private protected List<AskImage> AskImages() => Work.Select(ToAskImage).ToList();

        /// <summary>A verbose line per prepared image.</summary>
        private protected void DescribePrepared(string source, PreparedImage prepared)
            => EmitVerbose(PrepareParameters.Describe(new VisionImage(prepared, source, Detail, AskedModel)));

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
