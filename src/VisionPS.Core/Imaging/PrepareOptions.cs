using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>The encoding a prepared image is sent in.</summary>
    public enum PreparedFormat
    {
        /// <summary>PNG when the image has transparency, JPEG otherwise.</summary>
        Auto = 0,
        Png,
        Jpeg,
        WebP,
    }

    /// <summary>What <see cref="ImagePreparer.Prepare(string, PrepareOptions?)"/> did with an image.</summary>
    public enum PrepareAction
    {
        /// <summary>The original bytes, unchanged.</summary>
        Pass = 0,

        /// <summary>Decoded, oriented, normalised to 8-bit sRGB, resized if needed and encoded again.</summary>
        Reencode,
    }

    /// <summary>How images are prepared. The defaults are what the bench harness uses without <c>--model</c>.</summary>
    public sealed class PrepareOptions
    {
        /// <summary>The default box: 2048 px.</summary>
        public const int DefaultMaxSide = 2048;

        /// <summary>The default byte cap: 5 MiB.</summary>
        public const long DefaultMaxBytes = 5L * 1024 * 1024;

        /// <summary>The largest side of the output, in pixels (after orientation).</summary>
        public int MaxSide
        {
            get => _maxSide;
            set
            {
                _maxSide = value;
                MaxSideIsSet = true;
            }
        }

        private int _maxSide = DefaultMaxSide;

        /// <summary>
        /// Whether <see cref="MaxSide"/> was given. When it was not, <see cref="Detail"/> is Original and <see cref="Model"/>
        /// is known, the model's own box applies instead of the 2048-px default: <c>-Detail Original</c> on gpt-5.4 looks
        /// at up to 6000 px. Other details (gpt-5.6's auto too) keep the default box.
        /// </summary>
        public bool MaxSideIsSet { get; private set; }

        /// <summary>The most bytes the prepared image may have; larger outputs are re-encoded smaller.</summary>
        public long MaxBytes { get; set; } = DefaultMaxBytes;

        /// <summary>The output encoding when the image is re-encoded.</summary>
        public PreparedFormat Format { get; set; } = PreparedFormat.Auto;

        /// <summary>JPEG and lossy WebP quality, 1-100 (the starting point when <see cref="AdaptiveQuality"/> applies).</summary>
        public int Quality { get; set; } = 85;

        /// <summary>
        /// Choose each JPEG's quality per image for outputs up to 1.6 megapixels (the sizes vision models look at): the
        /// lowest of 55-95 that keeps about 35 dB PSNR against the resized pixels, so smooth photos go smaller and
        /// detailed ones sharper. Off: <see cref="Quality"/> as given (as when the caller names a quality).
        /// </summary>
        public bool AdaptiveQuality { get; set; } = true;

        /// <summary>
        /// The model the image is for: it decides the size worth sending (see <see cref="ModelVision"/>) and the
        /// token estimate. Null: just the <see cref="MaxSide"/> box, and gpt-4o rules for the estimate.
        /// </summary>
        public string? Model { get; set; }

        /// <summary>How closely the model looks (<c>low</c> sends at most 512x512).</summary>
        public ImageDetail Detail { get; set; } = ImageDetail.Auto;

        /// <summary>Limits checked before any pixels are allocated.</summary>
        public ImageBudget Budget { get; set; } = new ImageBudget();

        /// <summary>Send the original bytes when the API accepts them as they are (see <see cref="ImagePreparer"/>).</summary>
        public bool AllowPassThrough { get; set; } = true;

        /// <summary>
        /// Send the part of a damaged file that decodes (with a warning saying how much is missing) instead of refusing
        /// it with <see cref="ImageErrorReason.Damaged"/>. A damaged file never passes through unchanged.
        /// </summary>
        public bool AllowPartial { get; set; }

        internal void Validate()
        {
            if (MaxSide < 16)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxSide), MaxSide, "MaxSide must be at least 16 pixels.");
            }
            if (MaxBytes < 1024)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "MaxBytes must be at least 1024 bytes.");
            }
            if (Quality < 1 || Quality > 100)
            {
                throw new ArgumentOutOfRangeException(nameof(Quality), Quality, "Quality must be between 1 and 100.");
            }
            if (Budget is null)
            {
                throw new ArgumentNullException(nameof(Budget));
            }
            Budget.Validate();
        }
    }
}
