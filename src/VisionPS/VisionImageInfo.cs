using VisionPS.Core;
using VisionPS.Core.Imaging;

namespace VisionPS
{
    /// <summary>What Get-VisionImageInfo reports for one file: from its header, and for a file that may be sent as it is, preparing's own verdict.</summary>
    public sealed class VisionImageInfo
    {
        internal VisionImageInfo(string path, ImageHeader header, PrepareOptions options, bool wouldPassThrough)
        {
            Path = path;
            Format = header.Format.ToString();
            Width = header.Width;
            Height = header.Height;
            Orientation = header.Orientation;
            DisplayWidth = header.DisplayWidth;
            DisplayHeight = header.DisplayHeight;
            HasAlpha = header.HasAlpha;
            FrameCount = header.FrameCount;
            IsAnimated = header.IsAnimated;
            Pages = header.Format == ImageFormat.Tiff ? header.FrameCount : null;
            Bytes = header.ByteLength;
            Model = options.Model;
            Detail = options.Detail;
            (TargetWidth, TargetHeight) = ImagePreparer.TargetSize(header.DisplayWidth, header.DisplayHeight, options);
            WouldPassThrough = wouldPassThrough;
            EstimatedTokens = TokenEstimator.Estimate(options.Model, options.Detail, TargetWidth, TargetHeight);
        }

        internal VisionImageInfo(string path, Core.Documents.PdfDocumentInfo pdf, PrepareOptions options)
        {
            Path = path;
            Format = "Pdf";
            // A page's size at the 150 dpi the cost estimate assumes (PdfDocumentCheck.EstimateTokens).
            Width = DisplayWidth = TargetWidth = (int)System.Math.Round(pdf.PageWidthPoints * 150 / 72);
            Height = DisplayHeight = TargetHeight = (int)System.Math.Round(pdf.PageHeightPoints * 150 / 72);
            Orientation = 1;
            FrameCount = 1;
            Bytes = pdf.Bytes;
            Pages = pdf.Pages;
            ScannedPages = pdf.ScannedPages;
            Model = options.Model;
            Detail = options.Detail;
            WouldPassThrough = true;
            EstimatedTokens = Core.Documents.PdfDocumentCheck.EstimateTokens(pdf, options.Model);
        }

        /// <summary>Full path of the file.</summary>
        public string Path { get; }

        /// <summary>The file name.</summary>
        public string Name => System.IO.Path.GetFileName(Path);

        /// <summary>Container format from the file's magic bytes (never its extension).</summary>
        public string Format { get; }

        /// <summary>Stored width in pixels.</summary>
        public int Width { get; }

        /// <summary>Stored height in pixels.</summary>
        public int Height { get; }

        /// <summary>EXIF orientation 1..8; 1 is upright.</summary>
        public int Orientation { get; }

        /// <summary>Width as shown, after the orientation.</summary>
        public int DisplayWidth { get; }

        /// <summary>Height as shown, after the orientation.</summary>
        public int DisplayHeight { get; }

        /// <summary>Whether the image has an alpha channel or transparency.</summary>
        public bool HasAlpha { get; }

        /// <summary>Frames, or a multi-page TIFF's pages (more than 1: only the first is sent).</summary>
        public int FrameCount { get; }

        /// <summary>Whether the image is animated (a TIFF's pages are no animation).</summary>
        public bool IsAnimated { get; }

        /// <summary>File size in bytes.</summary>
        public long Bytes { get; }

        /// <summary>
        /// Whether ConvertTo-VisionImage and Send-VisionChat, with the same -Model, -Detail and -MaxSide, send the file
        /// unchanged (true) or re-encode it (false): preparing's own verdict, which for a file the header allows reads
        /// it whole (its colour profile, its integrity, and whether a pixel uses the transparency it declares).
        /// </summary>
        public bool WouldPassThrough { get; }

        /// <summary>Width it would be sent at.</summary>
        public int TargetWidth { get; }

        /// <summary>Height it would be sent at.</summary>
        public int TargetHeight { get; }

        /// <summary>PDFs and TIFFs: the number of pages (null for other images).</summary>
        public int? Pages { get; }

        /// <summary>PDFs: pages that are one scanned image and no text, which ConvertTo-VisionImage can turn into images (null for images).</summary>
        public int? ScannedPages { get; }

        /// <summary>Estimated image tokens for Model and Detail (PDFs: every page's image and text, an estimate).</summary>
        public int EstimatedTokens { get; }

        /// <summary>The model the estimate is for (null: the default rules).</summary>
        public string? Model { get; }

        /// <summary>The detail the estimate is for.</summary>
        public ImageDetail Detail { get; }

        /// <summary>"name Format WxH N bytes", as a VisionImage reads: what a string of it ("$info", Write-Host) shows.</summary>
        public override string ToString() => $"{Name} {Format} {Width}x{Height} {Bytes} bytes";
    }
}
