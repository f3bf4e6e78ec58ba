namespace VisionPS.Core.Documents
{
    /// <summary>What a local check learned about a PDF that can be sent.</summary>
    public sealed class PdfDocumentInfo
    {
        internal PdfDocumentInfo(string name, long bytes, int pages, string version, int scannedPages, long textCharacters,
            double pageWidthPoints, double pageHeightPoints)
        {
            Name = name;
            Bytes = bytes;
            Pages = pages;
            Version = version;
            ScannedPages = scannedPages;
            TextCharacters = textCharacters;
            PageWidthPoints = pageWidthPoints;
            PageHeightPoints = pageHeightPoints;
        }

        /// <summary>The file or source name.</summary>
        public string Name { get; }

        /// <summary>Size of the file.</summary>
        public long Bytes { get; }

        /// <summary>Number of pages.</summary>
        public int Pages { get; }

        /// <summary>The PDF version from the header (e.g. 1.7).</summary>
        public string Version { get; }

        /// <summary>Pages that are one embedded image and no text (scans), which ConvertTo-VisionImage can turn into images.</summary>
        public int ScannedPages { get; }

        /// <summary>Characters of extractable text over all pages.</summary>
        public long TextCharacters { get; }

        /// <summary>Width of the first page, in points (1/72 inch).</summary>
        public double PageWidthPoints { get; }

        /// <summary>Height of the first page, in points (1/72 inch).</summary>
        public double PageHeightPoints { get; }

        /// <summary>What the check found that the reader should know (a page with an invalid size, counted at the default).</summary>
        public System.Collections.Generic.IReadOnlyList<string> Warnings { get; internal set; } = System.Array.Empty<string>();

        /// <summary>Each page's width and height in points, in order (pages need not share a size).</summary>
        public System.Collections.Generic.IReadOnlyList<(double Width, double Height)> PageSizesPoints { get; internal set; }
            = System.Array.Empty<(double, double)>();
    }
}
