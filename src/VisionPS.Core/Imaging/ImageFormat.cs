namespace VisionPS.Core.Imaging
{
    /// <summary>An image container format, as recognised from its magic bytes (never the file name).</summary>
    public enum ImageFormat
    {
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
        Svg,
        Pdf,
    }
}
