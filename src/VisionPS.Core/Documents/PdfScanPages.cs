using System;
using System.Collections.Generic;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Tokens;
using VisionPS.Core.Imaging;

namespace VisionPS.Core.Documents
{
    /// <summary>One page of a scanned PDF, as an image the image core prepared, or why it could not be.</summary>
    public sealed class PdfPageImage
    {
        internal PdfPageImage(int page, string source, PreparedImage? image, Exception? error)
        {
            Page = page;
            Source = source;
            Image = image;
            Error = error;
        }

        /// <summary>Page number, from 1.</summary>
        public int Page { get; }

        /// <summary>The name used for the page: <c>file.pdf#page=N</c>.</summary>
        public string Source { get; }

        /// <summary>The prepared image, or null.</summary>
        public PreparedImage? Image { get; }

        /// <summary>Why the page could not be turned into an image, or null.</summary>
        public Exception? Error { get; }
    }

    /// <summary>
    /// Turns a scanned PDF (each page one embedded image and no text) into prepared images, one per page, for servers
    /// and APIs that take images only. The embedded bytes are decoded by the image core (JPEG as it is stored; other
    /// encodings through PdfPig's PNG conversion; JPEG 2000 through ImageMagick's OpenJPEG, to PNG). Every page is
    /// turned by its /Rotate, its own or the one it inherits from the Pages tree. Pages are not rendered: a page with text or several images is an error.
    /// </summary>
    public static class PdfScanPages
    {
        /// <summary>Checks the PDF (<see cref="PdfDocumentCheck"/>) and yields one result per page, in order.</summary>
        public static IEnumerable<PdfPageImage> Extract(byte[] data, string name, PrepareOptions options)
        {
            PdfDocumentCheck.Check(data, name);
            using PdfDocument document = PdfDocument.Open(data, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            for (int i = 1; i <= document.NumberOfPages; i++)
            {
                yield return Page(document, i, name, options);
            }
        }

        private static PdfPageImage Page(PdfDocument document, int number, string name, PrepareOptions options)
        {
            string source = $"{name}#page={number}";
            try
            {
                Page page = document.GetPage(number);
                var images = new List<IPdfImage>(page.GetImages());
                if (images.Count != 1 || page.Letters.Count != 0)
                {
                    return new PdfPageImage(number, source, null, new PdfCheckException(source, PdfProblem.NotAScan,
                        $"Page {number} of '{name}' is not a scan (it has {images.Count} images and {page.Letters.Count} characters of text): "
                        + "VisionPS turns only pages that are one embedded image into images. Send the PDF itself instead."));
                }
                IPdfImage image = images[0];
                // A reader turns the page by its /Rotate and ignores an embedded JPEG's EXIF orientation: so is it sent.
                int turn = PdfPageOrientation.FromRotate(page.Rotation.Value);
                byte[] bytes = IsJpeg(image) ? RawJpeg(image, turn)
                    : image.TryGetPng(out byte[]? png) && png is not null ? (turn == 1 ? png : PdfPageOrientation.Png(png, turn))
                    : IsJpeg2000(image) ? Jpeg2000(image, turn, number, name, options)
                    : throw new PdfCheckException(source, PdfProblem.Damaged,
                        $"Page {number} of '{name}' holds an image in an encoding VisionPS cannot decode ({Filters(image)}).");
                return new PdfPageImage(number, source, ImagePreparer.Prepare(bytes, source, options), null);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException || ex is OperationCanceledException))
            {
                return new PdfPageImage(number, source, null, ex);
            }
        }

        /// <summary>
        /// The page's JPEG as stored, with the page's turn as its EXIF orientation in place of its own, which a reader
        /// ignores: on an unturned page a JPEG whose EXIF says to turn it gets orientation 1 (one without such a tag is
        /// sent as stored).
        /// </summary>
        private static byte[] RawJpeg(IPdfImage image, int turn)
        {
            byte[] raw = image.RawMemory.ToArray();
            return turn == 1 && ExifOrientation.FromJpeg(raw) is 0 or 1 ? raw : PdfPageOrientation.Jpeg(raw, turn);
        }

        /// <summary>
        /// The page's JPEG 2000 as a PNG turned by the page's /Rotate: the image core reads no JPEG 2000 file (it refuses
        /// one given alone), so the scan is decoded here, losslessly, and the turn is written as the PNG's eXIf orientation
        /// like any other page's.
        /// </summary>
        private static byte[] Jpeg2000(IPdfImage image, int turn, int number, string name, PrepareOptions options)
        {
            string source = $"{name}#page={number}";
            byte[] png;
            try
            {
                png = MagickCodec.Jpeg2000ToPng(image.RawMemory.ToArray(), source, options.Budget);
            }
            catch (ImageProcessingException ex) when (ex.Reason != ImageErrorReason.TooLarge)
            {
                throw new PdfCheckException(source, PdfProblem.Damaged,
                    $"Page {number} of '{name}' holds a JPEG 2000 image that cannot be decoded: {MessageText.Clause(ex.Detail)}.", ex);
            }
            return turn == 1 ? png : PdfPageOrientation.Png(png, turn);
        }

        private static bool IsJpeg(IPdfImage image) => Filters(image).Contains("DCTDecode") || Filters(image).Contains("/DCT");

        private static bool IsJpeg2000(IPdfImage image) => Filters(image).Contains("JPXDecode");

        private static string Filters(IPdfImage image)
        {
            if (image.ImageDictionary.TryGet(NameToken.Filter, out IToken? filter))
            {
                return filter switch
                {
                    NameToken n => n.Data,
                    ArrayToken a => string.Join(",", a.Data),
                    _ => filter.ToString() ?? string.Empty,
                };
            }
            return "no filter";
        }
    }
}
