using System;
using System.Management.Automation;
using VisionPS.Core;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A cmdlet that sends images to the service (Send-VisionChat, Start-VisionBatch, Add-AssistantImage,
    /// Add-VisionFile): the image-input parameters they share, declared once, and the images collected from them.
    /// Each cmdlet declares its own -Image, whose position differs (after -Prompt, first, or by name only).
    /// </summary>
    public abstract class ImageInputCmdlet : VisionServiceCmdlet
    {
        private bool _imagesGiven;

        /// <summary>Images given by parameter; each cmdlet declares it with its own position.</summary>
        public abstract object[] Image { get; set; }

        /// <summary>Images from the pipeline, as -Image takes them.</summary>
        [Parameter(ValueFromPipeline = true)]
        [SupportsWildcards]
        public object? InputObject { get; set; }

        /// <summary>The model the images are sized for and sent to (default: Set-VisionDefault -Model, else gpt-4.1-mini).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [PSDefaultValue(Help = "Set-VisionDefault -Model, else gpt-4.1-mini")]
        [ValidateNotNullOrEmpty]
        public string? Model { get; set; }

        /// <summary>The largest side, in pixels, of a local image as sent (default 2048, or what -Model looks at).</summary>
        [Parameter]
        [ValidateRange(16, 16384)]
        public int MaxSide { get; set; } = Core.Imaging.PrepareOptions.DefaultMaxSide;

        /// <summary>-MaxSide when given (also through $PSDefaultParameterValues); null lets a known model's own box apply.</summary>
        private protected int? GivenMaxSide => MyInvocation.BoundParameters.ContainsKey(nameof(MaxSide)) ? MaxSide : null;

        /// <summary>
        /// Send the part of a damaged image that decodes, with a warning saying how much is missing, instead of
        /// refusing it with an ImageDamaged error. A damaged file is never sent unchanged.
        /// </summary>
        [Parameter]
        public SwitchParameter AllowPartial { get; set; }

        /// <summary>The model asked (resolved in BeginProcessing).</summary>
        private protected string AskedModel { get; private set; } = SessionModel.BuiltIn;

        /// <summary>Whether any image was given (even one that could not be used).</summary>
        private protected bool ImagesGiven => _imagesGiven;

        /// <summary>The detail images are collected with (after the session default is applied); Auto unless the cmdlet has -Detail.</summary>
        private protected virtual ImageDetail CollectDetail => ImageDetail.Auto;

        /// <summary>Called once the model is resolved, before any image is collected (e.g. to apply the session's -Detail).</summary>
        private protected virtual void ResolveImageOptions()
        {
        }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            AskedModel = SessionModel.Resolve(this, Model, !Core.OpenAI.VisionConnection.IsOpenAIOrAzure(Connection.BaseUri, Connection.Azure is not null));
            ResolveImageOptions();
            _imagesGiven = Image.Length > 0;
            foreach (object image in Image)
            {
                CollectImages(image, CollectDetail, AskedModel);
            }
        }

        /// <summary>
        /// Warns, and returns true, when no image was given at all: a pipe that brought none (Get-ChildItem found no
        /// files) or neither -Image nor a pipe; <paramref name="nothing"/> says what was therefore not done.
        /// </summary>
        private protected bool WarnWhenNoImage(string nothing)
        {
            if (ImagesGiven)
            {
                return false;
            }
            WriteWarning(MyInvocation.ExpectingInput
                ? $"No image came down the pipeline, so {nothing}. Check the command before the pipe (it found no files?)."
                : $"No image was given (-Image or the pipeline), so {nothing}.");
            return true;
        }

        protected override void ProcessRecord()
        {
            _imagesGiven |= InputObject != null;
            CollectImages(InputObject, CollectDetail, AskedModel);
        }
    }
}
