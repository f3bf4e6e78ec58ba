namespace VisionPS.Core.Imaging
{
    /// <summary>How an image stores its colour, as its header declares it.</summary>
    public enum ImageColorType
    {
        /// <summary>The header does not say (or the format has no such notion).</summary>
        Unknown = 0,
        Gray,
        GrayAlpha,
        Rgb,
        Rgba,

        /// <summary>Indexed colour (PNG palette, GIF, palette BMP).</summary>
        Palette,

        /// <summary>YCbCr (JPEG, HEIC/AVIF).</summary>
        YCbCr,
        Cmyk,
    }
}
