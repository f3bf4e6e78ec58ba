using System;

namespace VisionPS.Core.OpenAI
{
    /// <summary>How an image travels in a request.</summary>
    public enum VisionImageSource
    {
        /// <summary>The image's bytes, sent inline as a base64 data URL.</summary>
        Bytes,

        /// <summary>An http(s) URL the service downloads itself.</summary>
        Url,

        /// <summary>A file uploaded before with purpose <c>vision</c>.</summary>
        FileId,
    }

    /// <summary>One image of a request: bytes with their MIME type, an http(s) URL, or an uploaded file's id.</summary>
    public sealed class VisionImageInput
    {
        private VisionImageInput(VisionImageSource source, ImageDetail detail)
        {
            Source = source;
            Detail = detail;
        }

        /// <summary>How the image travels.</summary>
        public VisionImageSource Source { get; }

        /// <summary>The <c>detail</c> sent with the image.</summary>
        public ImageDetail Detail { get; }

        /// <summary>The image bytes (Source = Bytes).</summary>
        public ReadOnlyMemory<byte> Bytes { get; private set; }

        /// <summary>The MIME type of <see cref="Bytes"/>, e.g. image/png.</summary>
        public string? MimeType { get; private set; }

        /// <summary>The URL (Source = Url).</summary>
        public Uri? Url { get; private set; }

        /// <summary>The uploaded file's id (Source = FileId).</summary>
        public string? FileId { get; private set; }

        /// <summary>An image sent inline as a data URL.</summary>
        public static VisionImageInput FromBytes(ReadOnlyMemory<byte> bytes, string mimeType, ImageDetail detail = ImageDetail.Auto)
        {
            if (bytes.IsEmpty)
            {
                throw new ArgumentException("The image has no bytes.", nameof(bytes));
            }
            if (string.IsNullOrWhiteSpace(mimeType) || !mimeType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || mimeType.IndexOfAny(new[] { ';', ',', ' ' }) >= 0)
            {
                throw new ArgumentException($"'{mimeType}' is not an image MIME type such as image/png or image/jpeg.", nameof(mimeType));
            }
            return new VisionImageInput(VisionImageSource.Bytes, detail) { Bytes = bytes, MimeType = mimeType.ToLowerInvariant() };
        }

        /// <summary>An image the service downloads from an http(s) URL, passed through untouched.</summary>
        public static VisionImageInput FromUrl(Uri url, ImageDetail detail = ImageDetail.Auto)
        {
            if (url is null)
            {
                throw new ArgumentNullException(nameof(url));
            }
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"Only http(s) URLs are passed to the service; for a local image or a data: URL use FromBytes (got scheme '{(url.IsAbsoluteUri ? url.Scheme : "relative")}').", nameof(url));
            }
            return new VisionImageInput(VisionImageSource.Url, detail) { Url = url };
        }

        /// <summary>An image uploaded before (purpose vision), referenced by its file id.</summary>
        public static VisionImageInput FromFileId(string fileId, ImageDetail detail = ImageDetail.Auto)
        {
            if (string.IsNullOrWhiteSpace(fileId))
            {
                throw new ArgumentException("A file id such as file-abc123 is required.", nameof(fileId));
            }
            return new VisionImageInput(VisionImageSource.FileId, detail) { FileId = fileId.Trim() };
        }

        /// <inheritdoc/>
        public override string ToString() => Source switch
        {
            VisionImageSource.Bytes => $"{MimeType}, {Bytes.Length} bytes, detail {Detail}",
            VisionImageSource.Url => $"{Url}, detail {Detail}",
            _ => $"{FileId}, detail {Detail}",
        };
    }
}
