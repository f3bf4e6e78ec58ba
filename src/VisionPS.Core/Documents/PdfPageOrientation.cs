using System;
using VisionPS.Core.Imaging;

namespace VisionPS.Core.Documents
{
    /// <summary>
    /// Gives a scanned page's embedded image the orientation a PDF reader shows it in. A reader draws the image's pixels
    /// as they are stored (it ignores an embedded JPEG's EXIF orientation) and turns the page by its <c>/Rotate</c>
    /// (ISO 32000-1, 7.7.3.3: degrees clockwise, a multiple of 90): a scan turned upright in a viewer and saved, or an
    /// img2pdf page turned by the photo's EXIF, has only <c>/Rotate</c> to say so. The image core turns an image by its
    /// EXIF orientation, so that is where the page's turn is written: a JPEG's orientation tags are set (an APP1 Exif
    /// segment is added when it has none), a PNG gets an eXIf chunk.
    /// </summary>
    internal static class PdfPageOrientation
    {
        /// <summary>The EXIF orientation (1, 6, 3, 8) that turns an image clockwise by <paramref name="degrees"/>.</summary>
        public static int FromRotate(int degrees) => (((degrees % 360) + 360) % 360) switch
        {
            90 => 6,
            180 => 3,
            270 => 8,
            _ => 1,
        };

        /// <summary>A copy of the JPEG whose EXIF orientation is <paramref name="orientation"/>.</summary>
        public static byte[] Jpeg(byte[] jpeg, int orientation)
        {
            byte[] copy = (byte[])jpeg.Clone();
            bool set = false;
            int i = 2;
            int insertAt = 2;
            while (JpegSegments.Next(copy, ref i, out byte marker, out int start, out int length))
            {
                if (marker == 0xE0 && insertAt == start - 4)
                {
                    insertAt = start + length; // after a JFIF APP0 that follows SOI
                }
                int end = (int)Math.Min(copy.Length, (long)start + length);
                if (marker == 0xE1 && end - start > 6 && copy.AsSpan(start, 6).SequenceEqual("Exif\0\0"u8))
                {
                    set |= SetInTiff(copy.AsSpan(start + 6, end - start - 6), orientation);
                }
            }
            if (set)
            {
                return copy;
            }
            byte[] tiff = ExifOrientation.MinimalTiff(orientation);
            int segment = 2 + 6 + tiff.Length; // length field, "Exif\0\0", TIFF block
            byte[] result = new byte[copy.Length + 2 + segment];
            Buffer.BlockCopy(copy, 0, result, 0, insertAt);
            int at = insertAt;
            result[at++] = 0xFF;
            result[at++] = 0xE1;
            result[at++] = (byte)(segment >> 8);
            result[at++] = (byte)segment;
            "Exif\0\0"u8.CopyTo(result.AsSpan(at));
            at += 6;
            Buffer.BlockCopy(tiff, 0, result, at, tiff.Length);
            at += tiff.Length;
            Buffer.BlockCopy(copy, insertAt, result, at, copy.Length - insertAt);
            return result;
        }

        /// <summary>A copy of the PNG with an eXIf chunk naming <paramref name="orientation"/> after its IHDR.</summary>
        public static byte[] Png(byte[] png, int orientation)
        {
            const int AfterHeader = 8 + 8 + 13 + 4; // signature, IHDR length and type, its 13 bytes, its CRC
            if (png.Length < AfterHeader || !png.AsSpan(12, 4).SequenceEqual("IHDR"u8))
            {
                return png;
            }
            byte[] tiff = ExifOrientation.MinimalTiff(orientation);
            byte[] chunk = new byte[12 + tiff.Length];
            chunk[0] = (byte)(tiff.Length >> 24);
            chunk[1] = (byte)(tiff.Length >> 16);
            chunk[2] = (byte)(tiff.Length >> 8);
            chunk[3] = (byte)tiff.Length;
            "eXIf"u8.CopyTo(chunk.AsSpan(4));
            Buffer.BlockCopy(tiff, 0, chunk, 8, tiff.Length);
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + tiff.Length));
            chunk[8 + tiff.Length] = (byte)(crc >> 24);
            chunk[9 + tiff.Length] = (byte)(crc >> 16);
            chunk[10 + tiff.Length] = (byte)(crc >> 8);
            chunk[11 + tiff.Length] = (byte)crc;
            byte[] result = new byte[png.Length + chunk.Length];
            Buffer.BlockCopy(png, 0, result, 0, AfterHeader);
            Buffer.BlockCopy(chunk, 0, result, AfterHeader, chunk.Length);
            Buffer.BlockCopy(png, AfterHeader, result, AfterHeader + chunk.Length, png.Length - AfterHeader);
            return result;
        }

        /// <summary>Sets the orientation tag of a TIFF-structured EXIF block's IFD0 in place; false when it has none.</summary>
        private static bool SetInTiff(Span<byte> tiff, int orientation)
        {
            if (tiff.Length < 8)
            {
                return false;
            }
            bool little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
            if (!little && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M'))
            {
                return false;
            }
            long ifd = U32(tiff, 4, little);
            if (ifd < 8 || ifd + 2 > tiff.Length)
            {
                return false;
            }
            int count = U16(tiff, (int)ifd, little);
            for (int n = 0; n < count; n++)
            {
                long entry = ifd + 2 + (12L * n);
                if (entry + 12 > tiff.Length)
                {
                    return false;
                }
                int e = (int)entry;
                if (U16(tiff, e, little) == 0x0112)
                {
                    // SHORT, or the LONG some cameras write: the value sits in the entry's first bytes either way.
                    int type = U16(tiff, e + 2, little);
                    int size = type == 3 ? 2 : 4;
                    for (int k = 0; k < 4; k++)
                    {
                        tiff[e + 8 + k] = 0;
                    }
                    int at = little ? e + 8 : e + 8 + size - 1;
                    tiff[at] = (byte)orientation;
                    return true;
                }
            }
            return false;
        }

        private static int U16(ReadOnlySpan<byte> b, int at, bool little) =>
            little ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];

        private static long U32(ReadOnlySpan<byte> b, int at, bool little) =>
            little
                ? (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24))
                : (uint)((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
    }
}
