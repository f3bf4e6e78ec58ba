namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The one table of MIME types: what a source format or a prepared encoding is sent as, what an uploaded file's
    /// name says it is, and the file extension a prepared image is saved or uploaded under.
    /// </summary>
    public static class MimeTypes
    {
        /// <summary>PNG.</summary>
        public const string Png = "image/png";
        /// <summary>JPEG.</summary>
        public const string Jpeg = "image/jpeg";
        /// <summary>WebP.</summary>
        public const string WebP = "image/webp";
        /// <summary>GIF.</summary>
        public const string Gif = "image/gif";
        /// <summary>PDF.</summary>
        public const string Pdf = "application/pdf";

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

        /// <summary>The MIME type an uploaded file's name says (multipart Content-Type); octet-stream when unknown.</summary>
        public static string FromFileName(string name) => System.IO.Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".png" => Png,
            ".jpg" or ".jpeg" => Jpeg,
            ".webp" => WebP,
            ".gif" => Gif,
            ".pdf" => Pdf,
            _ => "application/octet-stream",
        };

        /// <summary>The file extension (with its dot) of a prepared image's MIME type; JPEG's for anything else.</summary>
        public static string Extension(string? mimeType) => mimeType switch
        {
            Png => ".png",
            WebP => ".webp",
            Gif => ".gif",
            _ => ".jpg",
        };
    }
}
