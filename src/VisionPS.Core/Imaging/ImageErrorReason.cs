namespace VisionPS.Core.Imaging
{
    /// <summary>Why an image could not be read or prepared.</summary>
    public enum ImageErrorReason
    {
        /// <summary>The bytes are not an image (text, an empty file, an unknown format).</summary>
        NotAnImage = 0,

        /// <summary>The file ends before the image's header or first pixels.</summary>
        Truncated,

        /// <summary>A known format VisionPS does not decode (SVG, PDF) or no installed decoder handles.</summary>
        UnsupportedFormat,

        /// <summary>The declared size or the file exceeds the <see cref="ImageBudget"/>; nothing was allocated for it.</summary>
        TooLarge,

        /// <summary>The decoder rejected the data (corrupt image).</summary>
        DecodeFailed,

        /// <summary>
        /// The file is damaged: a checksum mismatch, a truncated or corrupt pixel stream, a size field that lies. It is
        /// refused unless <see cref="PrepareOptions.AllowPartial"/> asks for the part that decodes.
        /// </summary>
        Damaged,
    }
}
