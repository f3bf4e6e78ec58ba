namespace VisionPS.Core.Imaging
{
    /// <summary>An image container format, as recognised from its magic bytes (never the file name).</summary>
    public enum ImageFormat
    {
        /// <summary>Not a format VisionPS recognises (not an image, or an unknown one).</summary>
        Unknown = 0,
        Png,
        Jpeg,
        Gif,
        WebP,
        Bmp,
        Ico,
        Tiff,
        Heif,
        Avif,
        JpegXL,

        /// <summary>A vector drawing: recognised so the error can say so, never decoded.</summary>
        Svg,

        /// <summary>A document: recognised so the error can say so, never decoded.</summary>
        Pdf,
    }
}
