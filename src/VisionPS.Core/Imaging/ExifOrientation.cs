using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Reads the EXIF orientation tag (0x0112 in IFD0) from a JPEG's APP1 segment or a PNG's eXIf chunk. Skia's own
    /// reader misses it on some real camera files (the corpus's Panasonic photo) and in every PNG, so orientation comes
    /// from here.
    /// </summary>
    public static class ExifOrientation
    {
        /// <summary>
        /// Where a stored image's first rows are shown once <paramref name="orientation"/> is applied: the picture's
        /// "top" or "bottom" rows, or its "left" or "right" columns (EXIF: the 0th row is the visual top for 1 and 2,
        /// the bottom for 3 and 4, the left-hand side for 5 and 8, the right-hand side for 6 and 7).
        /// </summary>
        internal static (string Side, string Lines) FirstRowsShownAt(int orientation) => orientation switch
        {
            3 or 4 => ("bottom", "rows"),
            5 or 8 => ("left", "columns"),
            6 or 7 => ("right", "columns"),
            _ => ("top", "rows"),
        };

        /// <summary>
        /// "Only {rows} of {height} rows" as the picture is shown, for a cut file whose stored rows are counted: null for
        /// an upright picture (orientation 0, 1 or 2: its first stored rows are its top ones), else "Only the right 24 of
        /// its 48 columns (as the picture is shown, turned by {turnedBy})".
        /// </summary>
        internal static string? ShownPart(int orientation, int rows, int height, string turnedBy)
        {
            if (orientation is < 3 or > 8)
            {
                return null;
            }
            (string side, string lines) = FirstRowsShownAt(orientation);
            return $"Only the {side} {rows} of its {height} {lines} (as the picture is shown, turned by {turnedBy})";
        }

        /// <summary>The orientation 1..8 named by the JPEG's EXIF, or 0 when it has none (or it cannot be read).</summary>
        public static int FromJpeg(ReadOnlySpan<byte> jpeg)
        {
            if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
            {
                return 0;
            }
            int i = 2;
            while (JpegSegments.Next(jpeg, ref i, out byte marker, out int start, out int length))
            {
                int end = (int)Math.Min(jpeg.Length, (long)start + length);
                if (marker == 0xE1 && end - start > 6 && jpeg.Slice(start, 6).SequenceEqual("Exif\0\0"u8))
                {
                    int value = FromTiff(jpeg.Slice(start + 6, end - start - 6));
                    if (value != 0)
                    {
                        return value;
                    }
                }
            }
            return 0;
        }

        /// <summary>
        /// The orientation 1..8 named by a PNG's eXIf chunk before its pixel data, or 0. Browsers turn a PNG upright by it
        /// (Skia's codec here does not read it); one after the IDAT is read by none, so it is ignored here too.
        /// </summary>
        public static int FromPng(ReadOnlySpan<byte> png)
        {
            long at = 8;
            while (at + 8 <= png.Length)
            {
                long length = U32(png, (int)at, little: false);
                ReadOnlySpan<byte> type = png.Slice((int)at + 4, 4);
                if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8))
                {
                    return 0;
                }
                if (type.SequenceEqual("eXIf"u8))
                {
                    long end = Math.Min(png.Length, at + 8 + length);
                    return FromTiff(png.Slice((int)at + 8, (int)(end - at - 8)));
                }
                at += 12 + length;
            }
            return 0;
        }

        /// <summary>A big-endian TIFF block whose IFD0 holds only the orientation tag (SHORT): the smallest EXIF that names it.</summary>
        internal static byte[] MinimalTiff(int orientation) => new byte[]
        {
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // byte order, magic, IFD0 at 8
            0, 1,                                     // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, // 0x0112 Orientation, SHORT, count 1, value
            0, 0, 0, 0,                               // no next IFD
        };

        /// <summary>Orientation from a TIFF-structured EXIF block (byte-order mark, IFD0), or 0.</summary>
        public static int FromTiff(ReadOnlySpan<byte> tiff)
        {
            if (tiff.Length < 8)
            {
                return 0;
            }
            bool little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
            bool big = tiff[0] == (byte)'M' && tiff[1] == (byte)'M';
            if (!little && !big)
            {
                return 0;
            }
            long ifd = U32(tiff, 4, little);
            if (ifd < 8 || ifd + 2 > tiff.Length)
            {
                return 0;
            }
            int count = U16(tiff, (int)ifd, little);
            for (int n = 0; n < count; n++)
            {
                long entry = ifd + 2 + (12L * n);
                if (entry + 12 > tiff.Length)
                {
                    return 0;
                }
                int e = (int)entry;
                if (U16(tiff, e, little) == 0x0112)
                {
                    // SHORT per the standard; some cameras (the corpus's Panasonic) write LONG or SLONG.
                    int type = U16(tiff, e + 2, little);
                    long value = type == 3 ? U16(tiff, e + 8, little) : type is 4 or 9 ? U32(tiff, e + 8, little) : 0;
                    return value is >= 1 and <= 8 ? (int)value : 0;
                }
            }
            return 0;
        }

        private static int U16(ReadOnlySpan<byte> b, int at, bool little) =>
            little ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];

        private static long U32(ReadOnlySpan<byte> b, int at, bool little) =>
            little
                ? (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24))
                : (uint)((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
    }
}
