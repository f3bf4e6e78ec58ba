using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>Recognises a container format from the first bytes of a file (never its name).</summary>
    internal static class FormatSniffer
    {
        public static ImageFormat Sniff(ReadOnlySpan<byte> b)
        {
            if (b.Length >= 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G')
            {
                return ImageFormat.Png;
            }
            if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8)
            {
                return ImageFormat.Jpeg;
            }
            if (b.Length >= 6 && b[0] == (byte)'G' && b[1] == (byte)'I' && b[2] == (byte)'F' && b[3] == (byte)'8')
            {
                return ImageFormat.Gif;
            }
            if (b.Length >= 12 && b.Slice(0, 4).SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8))
            {
                return ImageFormat.WebP;
            }
            if (b.Length >= 14 && b[0] == (byte)'B' && b[1] == (byte)'M')
            {
                return ImageFormat.Bmp;
            }
            if (b.Length >= 6 && b[0] == 0 && b[1] == 0 && (b[2] == 1 || b[2] == 2) && b[3] == 0 && (b[4] | b[5]) != 0)
            {
                return ImageFormat.Ico;
            }
            if (b.Length >= 4 && ((b[0] == (byte)'I' && b[1] == (byte)'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0)
                || (b[0] == (byte)'M' && b[1] == (byte)'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43))))
            {
                return ImageFormat.Tiff;
            }
            if (b.Length >= 12 && b.Slice(4, 4).SequenceEqual("ftyp"u8))
            {
                return IsoBrand(b);
            }
            if ((b.Length >= 2 && b[0] == 0xFF && b[1] == 0x0A)
                || (b.Length >= 12 && b.Slice(0, 12).SequenceEqual(new byte[] { 0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A })))
            {
                return ImageFormat.JpegXL;
            }
            if (b.Length >= 5 && b.Slice(0, 5).SequenceEqual("%PDF-"u8))
            {
                return ImageFormat.Pdf;
            }
            if (b.Length >= 16 && b.Slice(12, 4).SequenceEqual("IHDR"u8))
            {
                // A PNG whose signature is damaged (a flipped bit, a text-mode transfer) still has its IHDR where a PNG
                // has it: it is named a PNG, so the damage can be reported as such rather than "not an image".
                return ImageFormat.Png;
            }
            if (Documents.PdfDocumentCheck.LooksLikePdf(b))
            {
                // %PDF- after up to 1024 bytes of junk (a download's preamble): readers and qpdf --check take it, and
                // local files are checked so (PdfDocumentCheck.IsPdfFile); at byte 0 it was found above.
                return ImageFormat.Pdf;
            }
            return LooksLikeSvg(b) ? ImageFormat.Svg : ImageFormat.Unknown;
        }

        /// <summary>
        /// What a file VisionPS does not read is, from its magic bytes, when it is a well-known image (or image-holding)
        /// format: "a Photoshop document (PSD)"; null otherwise. Only for saying what it is: none of these is decoded.
        /// </summary>
        public static string? OtherFormat(ReadOnlySpan<byte> b)
        {
            if (At(b, 0, "8BPS"u8))
            {
                return "a Photoshop document (PSD)";
            }
            if (At(b, 0, new byte[] { 0, 0, 0, 0x0C, (byte)'j', (byte)'P', 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A }) || At(b, 0, new byte[] { 0xFF, 0x4F, 0xFF, 0x51 }))
            {
                return "a JPEG 2000 image";
            }
            if (At(b, 0, "gimp xcf"u8))
            {
                return "a GIMP document (XCF)";
            }
            if (At(b, 0, new byte[] { 0x76, 0x2F, 0x31, 0x01 }))
            {
                return "an OpenEXR image";
            }
            if (At(b, 0, "DDS "u8))
            {
                return "a DirectDraw texture (DDS)";
            }
            if (At(b, 0, "qoif"u8))
            {
                return "a QOI image";
            }
            if (At(b, 0, "icns"u8))
            {
                return "a macOS icon (ICNS)";
            }
            if (At(b, 128, "DICM"u8))
            {
                return "a DICOM medical image";
            }
            if (At(b, 0, "%!PS"u8) || At(b, 0, new byte[] { 0xC5, 0xD0, 0xD3, 0xC6 }))
            {
                return "a PostScript or EPS document";
            }
            if (At(b, 0, "IIRO"u8) || At(b, 0, "IIRS"u8) || At(b, 0, "MMOR"u8) || At(b, 0, new byte[] { (byte)'I', (byte)'I', (byte)'U', 0 })
                || At(b, 0, "FUJIFILMCCD-RAW"u8) || At(b, 4, "ftypcrx "u8))
            {
                return "a camera raw file";
            }
            if (b.Length >= 3 && b[0] == (byte)'P' && b[1] is >= (byte)'1' and <= (byte)'7' && b[2] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                return "a Netpbm image (PBM, PGM, PPM or PAM)";
            }
            return null;
        }

        private static bool At(ReadOnlySpan<byte> b, int offset, ReadOnlySpan<byte> magic) =>
            b.Length >= offset + magic.Length && b.Slice(offset, magic.Length).SequenceEqual(magic);

        private static ImageFormat IsoBrand(ReadOnlySpan<byte> b)
        {
            long boxSize = ((long)b[0] << 24) | ((long)b[1] << 16) | ((long)b[2] << 8) | b[3];
            int end = (int)Math.Min(b.Length, Math.Max(16, Math.Min(boxSize, 256)));
            bool heif = false;
            if (b.Slice(8, 4).SequenceEqual("mif3"u8))
            {
                // The compact 'mini' form (HEIF amendment 2, brand mif3) keeps the codec brand in the minor-version field
                // and often lists no compatible brands at all.
                return b.Length >= 16 && b.Slice(12, 4).SequenceEqual("avif"u8) ? ImageFormat.Avif : ImageFormat.Heif;
            }
            // The major brand at 8, then compatible brands from 16: AVIF wins if any brand says so.
            for (int at = 8; at + 4 <= end; at += at == 8 ? 8 : 4)
            {
                ReadOnlySpan<byte> brand = b.Slice(at, 4);
                if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8))
                {
                    return ImageFormat.Avif;
                }
                if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("heim"u8)
                    || brand.SequenceEqual("heis"u8) || brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8)
                    || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("mif2"u8) || brand.SequenceEqual("msf1"u8))
                {
                    heif = true;
                }
            }
            return heif ? ImageFormat.Heif : ImageFormat.Unknown;
        }

        private static bool LooksLikeSvg(ReadOnlySpan<byte> b)
        {
            int n = Math.Min(b.Length, 4096);
            int i = 0;
            if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
            {
                i = 3;
            }
            while (i < n && (b[i] == (byte)' ' || b[i] == (byte)'\t' || b[i] == (byte)'\r' || b[i] == (byte)'\n'))
            {
                i++;
            }
            if (i >= n || b[i] != (byte)'<')
            {
                return false;
            }
            return b.Slice(i, n - i).IndexOf("<svg"u8) >= 0;
        }
    }
}
