using System;
using System.Collections.Generic;
using System.IO;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;

namespace VisionPS
{
    /// <summary>
    /// An image ready for a vision model (ConvertTo-VisionImage's output): either prepared bytes (passed through or
    /// re-encoded) or an http(s) URL passed through for the service to download.
    /// </summary>
    public sealed class VisionImage
    {
        private readonly PreparedImage? _prepared;

        internal VisionImage(PreparedImage prepared, string source, ImageDetail detail, string? model, bool fromFile = false)
        {
            _prepared = prepared;
            Source = source;
            Path = fromFile ? source : null;
            Detail = detail;
            Model = model;
        }

        internal VisionImage(Uri url, ImageDetail detail, string? model)
        {
            Url = url;
            Source = url.AbsoluteUri;
            Detail = detail;
            Model = model;
        }

        /// <summary>Where the image came from: a file path, a URL, or a description of the input bytes.</summary>
        public string Source { get; }

        /// <summary>The full path of the file it was prepared from (null for a URL, bytes or a stream); pipes to Get-VisionImageInfo.</summary>
        public string? Path { get; }

        /// <summary>The file name (or the URL, or the description of the input bytes).</summary>
        public string Name => ChatResult.FileName(Source);

        /// <summary>The URL, for an image the service downloads itself; null for prepared bytes.</summary>
        public Uri? Url { get; }

        /// <summary>Pass (original bytes), Reencode (decoded and re-encoded), or Url (passed through).</summary>
        public string Action => _prepared is null ? "Url" : _prepared.Action.ToString();

        /// <summary>MIME type of the bytes that will be sent (null for a URL).</summary>
        public string? MimeType => _prepared?.MimeType;

        /// <summary>Width in pixels of what will be sent (0 for a URL: unknown until the service fetches it).</summary>
        public int Width => _prepared?.Width ?? 0;

        /// <summary>Height in pixels of what will be sent.</summary>
        public int Height => _prepared?.Height ?? 0;

        /// <summary>Width of the source image as stored.</summary>
        public int SourceWidth => _prepared?.SourceWidth ?? 0;

        /// <summary>Height of the source image as stored.</summary>
        public int SourceHeight => _prepared?.SourceHeight ?? 0;

        /// <summary>Format of the source image, from its bytes.</summary>
        public string? SourceFormat => _prepared?.SourceFormat.ToString();

        /// <summary>The EXIF orientation that was applied (1 = none was needed).</summary>
        public int OrientationApplied => _prepared?.OrientationApplied ?? 1;

        /// <summary>Size in bytes of what will be sent.</summary>
        public long Length => _prepared?.Bytes.LongLength ?? 0;

        /// <summary>The detail level it is meant for.</summary>
        public ImageDetail Detail { get; }

        /// <summary>The model it was sized and estimated for (null: the default rules).</summary>
        public string? Model { get; }

        /// <summary>Estimated input tokens for the model and detail (null for a URL).</summary>
        public int? EstimatedTokens => _prepared?.EstimatedTokens;

        /// <summary>SHA-256 (hex) of the bytes that will be sent.</summary>
        public string? Sha256 => _prepared?.Sha256;

        /// <summary>What happened on the way (first frame of an animation, truncated file, ...).</summary>
        public StringList Warnings => _warnings ??= new StringList(_prepared?.Warnings ?? Array.Empty<string>());

        private StringList? _warnings;

        internal PreparedImage? Prepared => _prepared;

        /// <summary>The file extension of what will be sent (.jpg, .png, .webp or .gif).</summary>
        internal string FileExtension => Core.Imaging.MimeTypes.Extension(MimeType);

        /// <summary>The session state of the PowerShell that made it: where a relative path given to Save goes.</summary>
        internal System.Management.Automation.SessionState? Session { get; set; }

        /// <summary>The image's bytes (a copy).</summary>
        public byte[] GetBytes() => (byte[])(_prepared?.Bytes ?? throw new InvalidOperationException($"'{Source}' is a URL; it has no local bytes.")).Clone();

        /// <summary>The data: URL of the bytes (data:&lt;mime&gt;;base64,...).</summary>
        public string ToDataUrl() => (_prepared ?? throw new InvalidOperationException($"'{Source}' is a URL; use it as it is.")).ToDataUrl();

        /// <summary>
        /// Writes the prepared bytes to <paramref name="path"/> and returns its full path. A relative path is taken
        /// from the current PowerShell location ($PWD), as every path in PowerShell is.
        /// </summary>
        public string Save(string path)
        {
            byte[] bytes = _prepared?.Bytes ?? throw new InvalidOperationException($"'{Source}' is a URL; it has no local bytes.");
            string full = Infrastructure.PowerShellLocation.Resolve(path, Session);
            File.WriteAllBytes(full, bytes);
            return full;
        }

        /// <summary>How the image travels in a request.</summary>
        internal VisionImageInput ToInput(ImageDetail? detail = null) => _prepared is null
            ? VisionImageInput.FromUrl(Url!, detail ?? Detail)
            : VisionImageInput.FromBytes(_prepared.Bytes, _prepared.MimeType, detail ?? Detail);

        public override string ToString() => _prepared is null
            ? Source
            : $"{System.IO.Path.GetFileName(Source)} {MimeType} {Width}x{Height} {Length} bytes";
    }
}
