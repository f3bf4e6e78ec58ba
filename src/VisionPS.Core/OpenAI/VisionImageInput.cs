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

    /// <summary>
    /// One input of a request: an image (bytes with their MIME type, an http(s) URL, or an uploaded file's id), or a PDF
    /// document (<see cref="IsDocument"/>: bytes with a file name, or an uploaded file's id), which goes as a Chat
    /// <c>file</c> part or a Responses <c>input_file</c>.
    /// </summary>
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

        /// <summary>Whether this is a PDF document rather than an image.</summary>
        public bool IsDocument { get; private set; }

        /// <summary>The document's file name (sent as <c>filename</c> with its bytes).</summary>
        public string? FileName { get; private set; }

        /// <summary>A PDF sent inline (<c>file_data</c> as a <c>data:application/pdf;base64,</c> URL, with its file name).</summary>
        public static VisionImageInput FromPdf(ReadOnlyMemory<byte> bytes, string fileName)
        {
            if (bytes.IsEmpty)
            {
                throw new ArgumentException("The PDF has no bytes.", nameof(bytes));
            }
            if (!Documents.PdfDocumentCheck.LooksLikePdf(bytes.Span))
            {
                throw new ArgumentException($"'{fileName}' is not a PDF (it does not start with %PDF-).", nameof(bytes));
            }
            if (string.IsNullOrWhiteSpace(fileName))
            {
                throw new ArgumentException("A PDF needs a file name.", nameof(fileName));
            }
            return new VisionImageInput(VisionImageSource.Bytes, ImageDetail.Auto)
            {
                Bytes = bytes,
                MimeType = Documents.PdfLimits.MimeType,
                IsDocument = true,
                FileName = Documents.PdfLimits.SentFileName(fileName),
            };
        }

        /// <summary>A PDF uploaded before (purpose <c>user_data</c>), referenced by its file id.</summary>
        public static VisionImageInput FromPdfFileId(string fileId)
        {
            VisionImageInput input = FromFileId(fileId);
            input.IsDocument = true;
            return input;
        }

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
        public override string ToString() => IsDocument
            ? (Source == VisionImageSource.FileId ? $"PDF {FileId}" : $"PDF {FileName}, {Bytes.Length} bytes")
            : Source switch
        {
            VisionImageSource.Bytes => $"{MimeType}, {Bytes.Length} bytes, detail {Detail}",
            VisionImageSource.Url => $"{Url}, detail {Detail}",
            _ => $"{FileId}, detail {Detail}",
        };
    }
}
