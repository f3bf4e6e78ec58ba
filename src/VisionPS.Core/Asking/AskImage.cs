using System;
using System.IO;
using VisionPS.Core.Imaging;

namespace VisionPS.Core.Asking
{
    /// <summary>One image to ask about, as given: a file to prepare, bytes or a stream to prepare, an image already prepared, or a URL.</summary>
    public sealed class AskImage
    {
        private AskImage(string source)
        {
            Source = source;
        }

        /// <summary>Where the image came from (a path, a URL or a description of the bytes), for results and errors.</summary>
        public string Source { get; }

        /// <summary>A file to prepare.</summary>
        public string? Path { get; private set; }

        /// <summary>Bytes to prepare.</summary>
        public byte[]? Bytes { get; private set; }

        /// <summary>A stream to prepare (read within the image core's file budget).</summary>
        public Stream? Stream { get; private set; }

        /// <summary>An image prepared already (ConvertTo-VisionImage).</summary>
        public PreparedImage? Prepared { get; private set; }

        /// <summary>An http(s) URL the service downloads itself.</summary>
        public Uri? Url { get; private set; }

        /// <summary>A PDF file, checked (<see cref="Documents.PdfDocumentCheck"/>) and sent as it is.</summary>
        internal AskPdf? Pdf { get; set; }

        /// <summary>A file, prepared when asked about.</summary>
        public static AskImage FromFile(string path) => new AskImage(path ?? throw new ArgumentNullException(nameof(path))) { Path = path };

        /// <summary>Bytes, prepared when asked about.</summary>
        public static AskImage FromBytes(byte[] bytes, string source) => new AskImage(source) { Bytes = bytes ?? throw new ArgumentNullException(nameof(bytes)) };

        /// <summary>A stream, prepared when asked about.</summary>
        public static AskImage FromStream(Stream stream, string source) => new AskImage(source) { Stream = stream ?? throw new ArgumentNullException(nameof(stream)) };

        /// <summary>An image prepared already.</summary>
        public static AskImage FromPrepared(PreparedImage prepared, string source) => new AskImage(source) { Prepared = prepared ?? throw new ArgumentNullException(nameof(prepared)) };

        /// <summary>An http(s) URL, passed through.</summary>
        public static AskImage FromUrl(Uri url) => new AskImage((url ?? throw new ArgumentNullException(nameof(url))).AbsoluteUri) { Url = url };

        /// <inheritdoc/>
        public override string ToString() => Source;
    }

    /// <summary>A PDF as it goes into a request: its bytes, their SHA-256 and what the local check learned.</summary>
    internal sealed class AskPdf
    {
        private AskPdf(byte[] bytes, Documents.PdfDocumentInfo info)
        {
            Bytes = bytes;
            Info = info;
            using var sha = System.Security.Cryptography.SHA256.Create();
            Sha256 = Imaging.Hex.Lower(sha.ComputeHash(bytes));
        }

        public byte[] Bytes { get; }

        public Documents.PdfDocumentInfo Info { get; }

        public string Sha256 { get; }

        /// <summary>Reads and checks a PDF file; throws <see cref="Documents.PdfCheckException"/> naming it.</summary>
        public static AskPdf Check(string path)
        {
            (byte[] bytes, Documents.PdfDocumentInfo info) = Documents.PdfDocumentCheck.CheckFile(path);
            return new AskPdf(bytes, info);
        }
    }

    /// <summary>An image as it was asked about: its source, the SHA-256 of the bytes sent ("" for a URL) and its estimated tokens.</summary>
    public sealed class AskedImage
    {
        /// <summary>An image as asked about (or as recorded in a batch).</summary>
        public AskedImage(string source, string sha256, int estimatedTokens)
        {
            Source = source;
            Sha256 = sha256;
            EstimatedTokens = estimatedTokens;
        }

        /// <summary>Where the image came from.</summary>
        public string Source { get; }

        /// <summary>SHA-256 (hex) of the image's bytes as sent; empty for a URL.</summary>
        public string Sha256 { get; }

        /// <summary>VisionPS's estimate of the image's input tokens (0 for a URL).</summary>
        public int EstimatedTokens { get; }

        /// <summary>Whether it went as a PDF file (a Chat <c>file</c> part or a Responses <c>input_file</c>), not an image.</summary>
        public bool IsPdf { get; set; }
    }

    /// <summary>One image prepared for a request of its own (a batch line): the request, or why the image failed.</summary>
    public sealed class AskPrepared
    {
        internal AskPrepared(AskImage image, AskedImage? asked, OpenAI.VisionRequest? request, Exception? error)
        {
            Image = image;
            Asked = asked;
            Request = request;
            Error = error;
        }

        /// <summary>The image as given.</summary>
        public AskImage Image { get; }

        /// <summary>The image as it will be sent; null when it failed.</summary>
        public AskedImage? Asked { get; }

        /// <summary>The request about this image alone; null when it failed.</summary>
        public OpenAI.VisionRequest? Request { get; }

        /// <summary>Why the image could not be prepared.</summary>
        public Exception? Error { get; }
    }
}
