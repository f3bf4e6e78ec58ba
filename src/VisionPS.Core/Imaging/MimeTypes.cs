namespace VisionPS.Core.Imaging
{
    /// <summary>The one table of image MIME types: what a source format or a prepared encoding is sent as.</summary>
    internal static class MimeTypes
    {
        public const string Png = "image/png";
        public const string Jpeg = "image/jpeg";
        public const string WebP = "image/webp";
        public const string Gif = "image/gif";

        /// <summary>The MIME type of an encoding the preparer writes (Auto is never written; it reads as JPEG).</summary>
        public static string Of(PreparedFormat format) => format switch
        {
            PreparedFormat.Png => Png,
            PreparedFormat.WebP => WebP,
            _ => Jpeg,
        };

        /// <summary>The MIME type vision APIs accept a source format as unchanged, or null when it must be converted.</summary>
        public static string? Accepted(ImageFormat format) => format switch
        {
            ImageFormat.Png => Png,
            ImageFormat.Jpeg => Jpeg,
            ImageFormat.WebP => WebP,
            ImageFormat.Gif => Gif,
            _ => null,
        };
    }
}
