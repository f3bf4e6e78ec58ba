using System;
using System.IO;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// An image could not be read or prepared. <see cref="Reason"/> says why; the message names the file, the format,
    /// what is wrong and what to do.
    /// </summary>
    public sealed class ImageProcessingException : Exception
    {
        public ImageProcessingException(ImageErrorReason reason, string sourceName, ImageFormat format, string message, Exception? inner = null)
            : base(message, inner)
        {
            Reason = reason;
            SourceName = sourceName;
            Format = format;
            Detail = message;
        }

        internal ImageProcessingException(ImageErrorReason reason, string sourceName, ImageFormat format, string message, string detail,
            Exception? inner)
            : base(message, inner)
        {
            Reason = reason;
            SourceName = sourceName;
            Format = format;
            Detail = detail;
        }

        /// <summary>Why the image failed.</summary>
        public ImageErrorReason Reason { get; }

        /// <summary>The file name or label the image came from.</summary>
        public string SourceName { get; }

        /// <summary>What is wrong, without the file name and advice (e.g. "CRC mismatch in chunk IDAT at byte 41").</summary>
        public string Detail { get; }

        /// <summary>The format recognised from the magic bytes (<see cref="ImageFormat.Unknown"/> if none).</summary>
        public ImageFormat Format { get; }

        internal static ImageProcessingException NotAnImage(string name, string what) =>
            new(ImageErrorReason.NotAnImage, name, ImageFormat.Unknown,
                $"'{name}' is not an image: {MessageText.Clause(what)}. Pass a PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC or AVIF image, or a PDF.", what, null);

        /// <summary>
        /// A file named .pdf that is no PDF (an HTML error page or an empty file saved as the download): "not an image,
        /// pass a PNG" would send its owner looking for the wrong thing.
        /// </summary>
        internal static ImageProcessingException NotAPdf(string name, string what) =>
            new(ImageErrorReason.NotAnImage, name, ImageFormat.Unknown,
                $"'{name}' is named .pdf but is not a PDF: {MessageText.Clause(what)}. Download or export the document again " +
                "(a download that failed often saves the server's error page under the file's name).", what, null);

        /// <summary>A file in a known image format VisionPS does not read (a PSD, a JPEG 2000): not "not an image".</summary>
        internal static ImageProcessingException NotReadHere(string name, string what) =>
            new(ImageErrorReason.UnsupportedFormat, name, ImageFormat.Unknown,
                $"'{name}' is {what}, a format VisionPS does not read. Export or convert it to PNG or JPEG first.", what, null);

        internal static ImageProcessingException Truncated(string name, ImageFormat format, string what) =>
            new(ImageErrorReason.Truncated, name, format,
                $"'{name}' ({FormatName(format)}) is truncated: {MessageText.Clause(what)}. Copy or download the file again.", what, null);

        internal static ImageProcessingException Unsupported(string name, ImageFormat format, string what) =>
            new(ImageErrorReason.UnsupportedFormat, name, format, $"'{name}' ({FormatName(format)}): {what}", what, null);

        internal static ImageProcessingException TooLarge(string name, ImageFormat format, string what) =>
            new(ImageErrorReason.TooLarge, name, format,
                $"'{name}' ({FormatName(format)}) is too large: {MessageText.Clause(what)}. Shrink or re-save the image at a smaller size " +
                "first (an image editor, or a camera's smaller setting); VisionPS refuses it before allocating any pixels.", what, null);

        /// <summary>
        /// An image whose size as sent is more than the output format holds (WebP: <paramref name="maxSide"/> = 16383 px a
        /// side): said before any pixels are decoded, with the formats that hold it and the -MaxSide that fits.
        /// </summary>
        internal static ImageProcessingException TooLargeForFormat(string name, ImageFormat format, int width, int height, string output, int maxSide, string others)
        {
            string what = $"it would be sent at {width}x{height} px, and {output} holds at most {maxSide} px a side";
            return new(ImageErrorReason.TooLarge, name, format,
                $"'{name}' ({FormatName(format)}) is too large for {output}: {what}. Use -Format {others}, which hold that size, or -MaxSide {maxSide} or less.", what, null);
        }

        /// <summary>
        /// A JPEG of more scans than <paramref name="limit"/>: each scan is a pass over every coefficient, so a small
        /// file of thousands of them keeps a decoder busy for minutes (a known way to attack decoders; libjpeg-turbo's
        /// djpeg has -maxscans for it). Cameras and editors write 1 to about 20.
        /// </summary>
        internal static ImageProcessingException TooManyScans(string name, int scans, int limit) =>
            new(ImageErrorReason.TooLarge, name, ImageFormat.Jpeg,
                $"'{name}' (JPEG) has {scans} scans, more than the {limit} VisionPS decodes: cameras and editors write 1 to about 20, " +
                "and a file of thousands takes minutes to decode, a known way to attack decoders. It was not sent; if you trust the file, " +
                "re-save it as a baseline JPEG or PNG first.",
                $"it has {scans} scans, more than the {limit} VisionPS decodes", null);

        internal static ImageProcessingException DecodeFailed(string name, ImageFormat format, string what, Exception? inner = null) =>
            new(ImageErrorReason.DecodeFailed, name, format,
                $"'{name}' ({FormatName(format)}) could not be decoded: {MessageText.Clause(what)}. The file is damaged or uses a variant no " +
                "decoder here supports; re-save it as PNG or JPEG.", what, inner);

        internal static ImageProcessingException Damaged(string name, ImageFormat format, string what) =>
            new(ImageErrorReason.Damaged, name, format, DamagedText(name, format, what, partDecodes: true, readOnly: false), what, null)
            {
                PartOfItDecodes = true,
            };

        /// <summary>Damage that leaves no row of pixels to send, so -AllowPartial is no way out and is not offered.</summary>
        internal static ImageProcessingException DamagedBeyondUse(string name, ImageFormat format, string what) =>
            new(ImageErrorReason.Damaged, name, format, DamagedText(name, format, what, partDecodes: false, readOnly: false), what, null);

        /// <summary>
        /// For <see cref="ImageErrorReason.Damaged"/>: whether -AllowPartial is offered, the part of the image that
        /// decodes then being sent (false when no part of it decodes).
        /// </summary>
        public bool PartOfItDecodes { get; private set; }

        /// <summary>
        /// This error as a command that only reads the file says it (Get-VisionImageInfo sends nothing): a damaged image
        /// is one ConvertTo-VisionImage and Send-VisionChat refuse, not one that "was not sent". The same reason, file,
        /// format, <see cref="Detail"/> and <see cref="Exception.Data"/>; any other error is returned as it is.
        /// </summary>
        public ImageProcessingException AsReadOnly()
        {
            if (Reason != ImageErrorReason.Damaged)
            {
                return this;
            }
            var read = new ImageProcessingException(Reason, SourceName, Format,
                DamagedText(SourceName, Format, Detail, PartOfItDecodes, readOnly: true), Detail, InnerException)
            {
                PartOfItDecodes = PartOfItDecodes,
            };
            foreach (System.Collections.DictionaryEntry entry in Data)
            {
                read.Data[entry.Key] = entry.Value;
            }
            return read;
        }

        private static string DamagedText(string name, ImageFormat format, string what, bool partDecodes, bool readOnly) =>
            $"'{name}' ({FormatName(format)}) is damaged: {MessageText.Clause(what)}. "
            + (readOnly ? "ConvertTo-VisionImage and Send-VisionChat refuse it" : "It was not sent")
            + (!partDecodes ? ", and no part of it decodes; copy or export the file again."
                : readOnly ? "; copy or export the file again, or give them -AllowPartial to send the part that decodes (re-encoded: " +
                  "with -AllowPartial here, WouldPassThrough is False)."
                : "; copy or export the file again, or allow partial images (-AllowPartial) to send the part that decodes.");

        /// <summary>
        /// <paramref name="ex"/>, thrown reading or preparing the one image <paramref name="name"/>, as that image's
        /// failure, or null when it must end the command instead (cancellation, out of memory). The errors a damaged,
        /// unreadable or unsupported file throws are returned as they are; anything else is a defect in the image core,
        /// returned as <see cref="ImageErrorReason.DecodeFailed"/> with it inside (for -Debug), so one bad file never
        /// ends a batch. Every command that reads many images catches with this.
        /// </summary>
        public static Exception? OfOneFile(Exception ex, string name)
        {
            // An ArgumentException is a path the system refuses (bad characters, a device name); an argument out of range
            // or null is a parser's slip on a hostile file, a defect like any other, never shown as .NET's own text.
            if (ex is ImageProcessingException || ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException
                || (ex is ArgumentException && ex is not ArgumentOutOfRangeException && ex is not ArgumentNullException) || ex is NotSupportedException)
            {
                return ex;
            }
            if (ex is OperationCanceledException || ex is OutOfMemoryException)
            {
                return null;
            }
            return DecodeFailed(name, ImageFormat.Unknown,
                "the image core failed on it unexpectedly (a defect in VisionPS: please report it with the file)", ex);
        }

        /// <summary>
        /// A PDF page's JPEG 2000 image (JPXDecode) that cannot be turned into an image. The format is named (it is not a
        /// file VisionPS recognises on its own) and the advice is the page's: a reader saves the page as PNG or JPEG.
        /// </summary>
        internal static ImageProcessingException Jpeg2000Page(ImageErrorReason reason, string name, string what, Exception? inner) =>
            new(reason, name, ImageFormat.Unknown, reason == ImageErrorReason.TooLarge
                ? $"'{name}' (JPEG 2000 in a PDF page) is too large: {MessageText.Clause(what)}. Open the PDF in a reader and save the page as a PNG or JPEG " +
                  "at a smaller size, then send that; VisionPS refuses it before allocating any pixels."
                : $"'{name}' (JPEG 2000 in a PDF page) cannot be decoded: {MessageText.Clause(what)}. Open the PDF in a reader and save the page as a PNG or " +
                  "JPEG (or print the PDF to a new PDF), then send that.", what, inner);

        internal static string FormatName(ImageFormat format) => format switch
        {
            ImageFormat.Unknown => "unknown format",
            ImageFormat.JpegXL => "JPEG XL",
            ImageFormat.Heif => "HEIC/HEIF",
            _ => format.ToString().ToUpperInvariant(),
        };
    }
}
