using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Limits checked before any pixel memory is allocated: declared dimensions alone never allocate.
    /// Defaults: files up to 256 MiB; images declaring up to 1 gigapixel, as long as what is actually decoded
    /// (after JPEG/WebP shrink-on-load) is at most 100 megapixels (400 MB of RGBA).
    /// A progressive JPEG counts at full size (its decoder buffers every coefficient whatever the scale).
    /// </summary>
    public sealed class ImageBudget
    {
        /// <summary>Default file-size limit: 256 MiB.</summary>
        public const long DefaultMaxFileBytes = 256L * 1024 * 1024;

        /// <summary>Default limit on declared width x height: 1 gigapixel.</summary>
        public const long DefaultMaxSourcePixels = 1_000_000_000;

        /// <summary>Default limit on decoded width x height: 100 megapixels.</summary>
        public const long DefaultMaxDecodedPixels = 100_000_000;

        /// <summary>The largest file read, in bytes.</summary>
        public long MaxFileBytes { get; set; } = DefaultMaxFileBytes;

        /// <summary>The largest width x height a header may declare (a 200 MP camera JPEG fits by default).</summary>
        public long MaxSourcePixels { get; set; } = DefaultMaxSourcePixels;

        /// <summary>The most pixels decoded into memory for one image (after shrink-on-load).</summary>
        public long MaxDecodedPixels { get; set; } = DefaultMaxDecodedPixels;

        /// <summary>The largest width or height a header may declare, whatever the pixel count.</summary>
        public int MaxDimension { get; set; } = 65000;

        /// <summary>A copy with the same limits.</summary>
        public ImageBudget Clone() => (ImageBudget)MemberwiseClone();

        internal void Validate()
        {
            if (MaxFileBytes <= 0 || MaxSourcePixels <= 0 || MaxDecodedPixels <= 0 || MaxDimension <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(ImageBudget), "Every image budget limit must be positive.");
            }
        }
    }
}
