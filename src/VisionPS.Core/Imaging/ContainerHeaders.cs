using System;
using System.Collections.Generic;
using System.IO;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Header fields Skia's codec does not expose (bit depth, stored colour type, ICC presence, progressive scan), read
    /// from PNG chunks and JPEG markers. Reads structure only, never pixel data.
    /// </summary>
    internal static class ContainerHeaders
    {
        /// <summary>PNG IHDR and the ancillary chunks before the first IDAT; null when the IHDR is not there.</summary>
        public static ImageHeader? Png(ReadOnlySpan<byte> b)
        {
            if (b.Length < 33 || !b.Slice(12, 4).SequenceEqual("IHDR"u8))
            {
                return null;
            }
            long w = U32(b, 16), h = U32(b, 20);
            int depth = b[24], type = b[25];
            var header = new ImageHeader(ImageFormat.Png, (int)Math.Min(w, int.MaxValue), (int)Math.Min(h, int.MaxValue), ExifOrientation.FromPng(b))
            {
                BitDepth = depth,
                IsProgressive = b[28] == 1,
                ColorType = type switch
                {
                    0 => ImageColorType.Gray,
                    2 => ImageColorType.Rgb,
                    3 => ImageColorType.Palette,
                    4 => ImageColorType.GrayAlpha,
                    6 => ImageColorType.Rgba,
                    _ => ImageColorType.Unknown,
                },
                HasAlpha = type is 4 or 6,
            };
            long at = 33;
            bool animated = false, defaultIsFrame = false, ended = false;
            int frameChunksBefore = 0; // fcTL and fdAT before the IDAT: more than one fcTL alone breaks the APNG rules
            long acTlFrames = 0; // as the acTL chunk says it (FrameCount is at least 1)
            while (at + 8 <= b.Length)
            {
                long length = U32(b, (int)at);
                ReadOnlySpan<byte> kind = b.Slice((int)at + 4, 4);
                if (kind.SequenceEqual("IDAT"u8))
                {
                    header.ApngDefaultImageHidden = animated && !defaultIsFrame;
                    if (animated)
                    {
                        ApngFramesHeld(b, at, defaultIsFrame ? 1 : 0, acTlFrames, header, frameChunksBefore <= 1);
                    }
                    ended = true;
                    break;
                }
                if (kind.SequenceEqual("IEND"u8))
                {
                    ended = true;
                    break;
                }
                animated |= kind.SequenceEqual("acTL"u8);
                defaultIsFrame |= kind.SequenceEqual("fcTL"u8);
                frameChunksBefore += kind.SequenceEqual("fcTL"u8) || kind.SequenceEqual("fdAT"u8) ? 1 : 0;
                if (kind.SequenceEqual("tRNS"u8))
                {
                    header.HasAlpha = true;
                }
                else if (kind.SequenceEqual("gAMA"u8) && at + 12 <= b.Length)
                {
                    header.PngGamma = (int)Math.Min(U32(b, (int)at + 8), int.MaxValue);
                }
                else if (kind.SequenceEqual("cICP"u8) && length == 4 && at + 12 <= b.Length)
                {
                    header.PngCicp = b.Slice((int)at + 8, 4).ToArray();
                }
                else if (kind.SequenceEqual("iCCP"u8))
                {
                    header.HasIccProfile = true;
                }
                else if (kind.SequenceEqual("acTL"u8) && at + 12 <= b.Length)
                {
                    acTlFrames = U32(b, (int)at + 8);
                    header.FrameCount = (int)Math.Max(1, Math.Min(acTlFrames, 100000));
                }
                at += 12 + length;
            }
            header.ApngFramesPastRead |= animated && !ended;
            return header;
        }

        [ThreadStatic]
        private static int t_apngWalks;

        /// <summary>How many APNG frame walks (<see cref="ApngFramesHeld"/>) this thread has made: one a prepare.</summary>
        internal static int ApngWalks => t_apngWalks;

        /// <summary>
        /// An APNG's frames as its fcTL chunks count them, from its IDAT on (<paramref name="frames"/>: those before it).
        /// The APNG specification makes acTL's count equal to them; when the chunks hold more than acTL declares, a
        /// viewer that follows them plays them all, and when a complete file holds fewer, frames are missing: either way
        /// the header counts what is there (and keeps the declared count, <paramref name="declared"/> as the acTL chunk
        /// says it, for the warning or the damage). <paramref name="framesCountable"/>: no frame data lies before the IDAT
        /// (the structure check refuses such a file by what is wrong with it), so frames missing can be told. Only chunk headers are read; a still PNG
        /// never comes here.
        /// </summary>
        private static void ApngFramesHeld(ReadOnlySpan<byte> b, long at, int frames, long declared, ImageHeader header, bool framesCountable)
        {
            t_apngWalks++;
            while (at + 8 <= b.Length && frames < 100000)
            {
                ReadOnlySpan<byte> kind = b.Slice((int)at + 4, 4);
                if (kind.SequenceEqual("IEND"u8))
                {
                    break;
                }
                if (kind.SequenceEqual("fcTL"u8))
                {
                    frames++;
                }
                at += 12 + U32(b, (int)at);
            }
            header.ApngFramesPastRead = at + 8 > b.Length;
            // Stopped by the cap, not at IEND: the frames past it are not counted, so none can be called missing.
            header.ApngFrameCapReached = frames >= 100000 && !header.ApngFramesPastRead && !b.Slice((int)at + 4, 4).SequenceEqual("IEND"u8);
            header.ApngNoFrames = frames == 0;
            if (frames > header.FrameCount || (framesCountable && !header.ApngFramesPastRead && !header.ApngFrameCapReached && frames < declared))
            {
                // More: a viewer plays them all. Fewer, with the walk at IEND: frames are missing (ApngFramesMissing).
                header.ApngDeclaredFrames = (int)Math.Min(declared, int.MaxValue);
                header.FrameCount = Math.Max(1, frames);
            }
        }

        /// <summary>
        /// JPEG frame header (SOFn) and APP segments (an ICC profile's may follow the frame header: the walk goes on to
        /// the first scan); null when no SOF lies within <paramref name="b"/>.
        /// </summary>
        public static ImageHeader? Jpeg(ReadOnlySpan<byte> b)
        {
            bool icc = false;
            ImageHeader? frame = null;
            int i = 2;
            while (JpegSegments.Next(b, ref i, out byte marker, out int start, out _))
            {
                if (marker == 0xE2 && start + 12 <= b.Length && b.Slice(start, 12).SequenceEqual("ICC_PROFILE\0"u8))
                {
                    icc = true;
                }
                else if (JpegSegments.IsFrameHeader(marker) && frame is null)
                {
                    if (start + 6 > b.Length)
                    {
                        return null;
                    }
                    int precision = b[start];
                    int height = (b[start + 1] << 8) | b[start + 2];
                    int width = (b[start + 3] << 8) | b[start + 4];
                    int components = b[start + 5];
                    frame = new ImageHeader(ImageFormat.Jpeg, width, height, ExifOrientation.FromJpeg(b))
                    {
                        BitDepth = precision,
                        IsProgressive = marker is 0xC2 or 0xC6 or 0xCA or 0xCE,
                        IsLosslessJpeg = marker is 0xC3 or 0xC7 or 0xCB or 0xCF,
                        IsArithmeticJpeg = marker is >= 0xC9 and <= 0xCF and not 0xCC,
                        ColorType = components switch
                        {
                            1 => ImageColorType.Gray,
                            3 => ImageColorType.YCbCr,
                            4 => ImageColorType.Cmyk,
                            _ => ImageColorType.Unknown,
                        },
                    };
                }
            }
            if (frame is not null)
            {
                frame.HasIccProfile = icc;
            }
            return frame; // null: scan data, or the end, before any frame header: not a usable JPEG
        }

        /// <summary>The ICC profile in a JPEG's APP2 'ICC_PROFILE' segments, joined in sequence order; null when there is none.</summary>
        public static byte[]? JpegIccProfile(ReadOnlySpan<byte> b) => JpegIccProfile(b, out _);

        /// <summary>
        /// The ICC profile in a JPEG's APP2 segments, as <see cref="JpegIccProfile(ReadOnlySpan{byte})"/>;
        /// <paramref name="whole"/> says whether its segments are numbered as the ICC specification says (each of
        /// 1..N exactly once, all saying N), as Skia's codec requires before it applies a profile.
        /// </summary>
        public static byte[]? JpegIccProfile(ReadOnlySpan<byte> b, out bool whole)
        {
            var parts = new SortedDictionary<int, byte[]>();
            int i = 2, count = -1, segments = 0;
            whole = true;
            while (JpegSegments.Next(b, ref i, out byte marker, out int start, out int length))
            {
                if (marker == 0xE2 && length > 14 && start + length <= b.Length && b.Slice(start, 12).SequenceEqual("ICC_PROFILE\0"u8))
                {
                    int sequence = b[start + 12], total = b[start + 13];
                    segments++;
                    whole &= sequence >= 1 && sequence <= total && (count < 0 || count == total) && !parts.ContainsKey(sequence);
                    count = total;
                    parts[sequence] = b.Slice(start + 14, length - 14).ToArray();
                }
            }
            if (parts.Count == 0)
            {
                return null;
            }
            whole &= segments == count;
            var icc = new System.IO.MemoryStream();
            foreach (byte[] part in parts.Values)
            {
                icc.Write(part, 0, part.Length);
            }
            return icc.ToArray();
        }

        /// <summary>The ICC profile in an extended WebP's 'ICCP' chunk; null when there is none.</summary>
        public static byte[]? WebPIccProfile(ReadOnlySpan<byte> b)
        {
            if (b.Length < 30 || !b.Slice(0, 4).SequenceEqual("RIFF"u8) || !b.Slice(8, 8).SequenceEqual("WEBPVP8X"u8))
            {
                return null;
            }
            long at = 12;
            for (int guard = 0; at + 8 <= b.Length && guard < 64; guard++)
            {
                long size = U32LE(b, (int)at + 4);
                if (at + 8 + size > b.Length)
                {
                    return null;
                }
                if (b.Slice((int)at, 4).SequenceEqual("ICCP"u8))
                {
                    return b.Slice((int)at + 8, (int)size).ToArray();
                }
                at += 8 + size + (size & 1);
            }
            return null;
        }

        /// <summary>
        /// Whether an ICC profile's A2B0 is a lut8/lut16 table ('mft1'/'mft2') with an XYZ connection space. Skia's skcms
        /// reads such a table's XYZ (1.0 encoded as 0x8000) at half its value, even when the profile also has matrix and
        /// curve tags: an image with such a profile comes out at half the light (13-14 dB from lcms); ImageMagick's lcms
        /// reads it as the ICC specification says.
        /// </summary>
        /// <summary>Whether an ICC profile's tag table lists a tag whose signature starts with <paramref name="prefix"/> ("A2B": a table-based transform).</summary>
        public static bool IccHasTag(byte[] icc, string prefix)
        {
            if (icc.Length < 132)
            {
                return false;
            }
            long count = Math.Min(U32(icc, 128), (icc.Length - 132) / 12);
            for (int t = 0; t < count; t++)
            {
                int at = 132 + (12 * t);
                if (System.Text.Encoding.ASCII.GetString(icc, at, 4).StartsWith(prefix, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }

        public static bool IccHasXyzLutA2B0(byte[] icc)
        {
            if (icc.Length < 132 || !icc.AsSpan(20, 4).SequenceEqual("XYZ "u8))
            {
                return false;
            }
            long count = Math.Min(U32(icc, 128), (icc.Length - 132) / 12);
            for (int t = 0; t < count; t++)
            {
                int at = 132 + (12 * t);
                if (icc.AsSpan(at, 4).SequenceEqual("A2B0"u8))
                {
                    long offset = U32(icc, at + 4);
                    return offset + 4 <= icc.Length
                        && (icc.AsSpan((int)offset, 4).SequenceEqual("mft1"u8) || icc.AsSpan((int)offset, 4).SequenceEqual("mft2"u8));
                }
            }
            return false;
        }

        /// <summary>
        /// The ICC profile in a PNG's iCCP chunk (before the first IDAT), inflated to at most <paramref name="maxBytes"/>;
        /// null when there is none or it cannot be read.
        /// </summary>
        public static byte[]? PngIccProfile(byte[] b, int maxBytes = 4 << 20)
        {
            long at = 8;
            while (at + 12 <= b.Length)
            {
                long length = U32(b, (int)at);
                ReadOnlySpan<byte> kind = b.AsSpan((int)at + 4, 4);
                if (kind.SequenceEqual("IDAT"u8) || kind.SequenceEqual("IEND"u8) || at + 12 + length > b.Length)
                {
                    return null;
                }
                if (kind.SequenceEqual("iCCP"u8))
                {
                    int start = (int)at + 8, end = start + (int)length;
                    int nul = Array.IndexOf(b, (byte)0, start, Math.Min(80, (int)length));
                    // Name, NUL, compression method 0, then a zlib stream: its 2-byte header, deflate data, Adler-32.
                    if (nul < 0 || nul + 4 > end || b[nul + 1] != 0)
                    {
                        return null;
                    }
                    try
                    {
                        using var z = new System.IO.Compression.DeflateStream(new System.IO.MemoryStream(b, nul + 4, end - nul - 4),
                            System.IO.Compression.CompressionMode.Decompress);
                        using var profile = new System.IO.MemoryStream();
                        byte[] buffer = new byte[16384];
                        for (int n; (n = z.Read(buffer, 0, buffer.Length)) > 0;)
                        {
                            if (profile.Length + n > maxBytes)
                            {
                                return null;
                            }
                            profile.Write(buffer, 0, n);
                        }
                        return profile.ToArray();
                    }
                    catch (System.IO.InvalidDataException)
                    {
                        return null;
                    }
                }
                at += 12 + length;
            }
            return null;
        }

        /// <summary>
        /// What is wrong with a 16- or 32-bit BI_BITFIELDS (or BI_ALPHABITFIELDS) BMP's colour masks, or null: each mask
        /// must be one run of set bits (the format requires it; Windows refuses others). Skia reads a broken mask anyway and
        /// prints a warning on the process's own standard error, past PowerShell's streams, so such a file never reaches it.
        /// The masks sit at the same offsets whether they follow a 40-byte header or are part of a V2 to V5 header.
        /// </summary>
        public static string? BmpMaskProblem(ReadOnlySpan<byte> b)
        {
            if (b.Length < 34)
            {
                return null;
            }
            long headerSize = U32LE(b, 14);
            int bpp = b[28] | (b[29] << 8);
            long compression = U32LE(b, 30);
            if (headerSize < 40 || compression is not (3 or 6) || bpp is not (16 or 32))
            {
                return null;
            }
            bool alpha = compression == 6 || headerSize >= 56;
            string[] names = { "red", "green", "blue", "alpha" };
            for (int i = 0; i < (alpha ? 4 : 3); i++)
            {
                if (b.Length < 58 + (4 * i))
                {
                    break;
                }
                uint mask = (uint)U32LE(b, 54 + (4 * i));
                if (mask == 0)
                {
                    continue;
                }
                while ((mask & 1) == 0)
                {
                    mask >>= 1;
                }
                if ((mask & (mask + 1)) != 0)
                {
                    return $"its {names[i]} bit mask (0x{(uint)U32LE(b, 54 + (4 * i)):X8}) is not one run of bits, which BMP requires, so its colours cannot be read";
                }
            }
            return null;
        }

        /// <summary>
        /// A BMP whose 56-byte BITMAPV3INFOHEADER (or a 40-byte header with BI_ALPHABITFIELDS) gives 16- or 32-bit
        /// pixels an alpha mask, or a 32-bit BI_RGB one with a 40-byte header whose fourth byte some pixel uses: Skia's
        /// codec reads the alpha mask only from V4/V5 headers and decodes these opaque. Many tools write alpha in a plain
        /// BI_RGB BMP's fourth byte; ImageMagick and Firefox read it as alpha when it is not all 0 (Chrome and Pillow drop it).
        /// </summary>
        public static bool BmpAlphaMaskSkiaIgnores(ReadOnlySpan<byte> b)
        {
            if (b.Length < 70)
            {
                return false;
            }
            long headerSize = U32LE(b, 14);
            int bpp = b[28] | (b[29] << 8);
            long compression = U32LE(b, 30);
            bool v3Bitfields = headerSize is >= 56 and < 108 && compression is 3 or 6;
            bool alphaBitfields = headerSize == 40 && compression == 6;
            if (headerSize == 40 && compression == 0 && bpp == 32)
            {
                return BmpFourthByteUsed(b);
            }
            return (v3Bitfields || alphaBitfields) && bpp is 16 or 32 && U32LE(b, 66) != 0;
        }

        /// <summary>
        /// A palette BMP (1 to 8 bits a pixel) whose pixel data starts before the end of a full-size palette: an OS/2 1.x
        /// BMP (12-byte BITMAPCOREHEADER, which has no colour count) or one whose 40-byte or larger header leaves the count
        /// 0, storing fewer colours than its bit depth can index. Skia then reads 2^bpp colours, finds the pixel offset
        /// inside them and refuses the whole file; ImageMagick, Pillow and browsers read the colours that are there.
        /// </summary>
        public static bool BmpPaletteSkiaRefuses(ReadOnlySpan<byte> b)
        {
            if (b.Length < 26)
            {
                return false;
            }
            long headerSize = U32LE(b, 14);
            long offset = U32LE(b, 10);
            int bpp, bytesPerColor;
            long colours;
            if (headerSize == 12)
            {
                bpp = b[24] | (b[25] << 8);
                (bytesPerColor, colours) = (3, 0);
            }
            else if (headerSize >= 40 && b.Length >= 50 && U32LE(b, 30) is 0 or 1 or 2)
            {
                bpp = b[28] | (b[29] << 8);
                (bytesPerColor, colours) = (4, U32LE(b, 46));
            }
            else
            {
                return false;
            }
            if (bpp is not (1 or 2 or 4 or 8))
            {
                return false;
            }
            long read = colours == 0 || colours > 1 << bpp ? 1 << bpp : colours;
            return offset - 14 - headerSize < read * bytesPerColor;
        }

        /// <summary>
        /// For a BMP <see cref="BmpPaletteSkiaRefuses"/> names: a copy with zeros after its end as far as a full 2^bpp
        /// palette would reach, so a reader of a count-less header does not run past the file's end when the pixels take
        /// fewer bytes than the colours missing; nothing inside moves (the pixel offset, a V5 header's profile offset, and
        /// what a full-palette reader takes for the missing colours stay as they are). The file itself when it is long enough.
        /// </summary>
        public static byte[] BmpWithFullPalette(byte[] b)
        {
            if (!BmpPaletteSkiaRefuses(b))
            {
                return b;
            }
            long headerSize = U32LE(b, 14);
            int bpp = headerSize == 12 ? b[24] | (b[25] << 8) : b[28] | (b[29] << 8);
            long paletteEnd = 14 + headerSize + ((1L << bpp) * (headerSize == 12 ? 3 : 4));
            if (paletteEnd <= b.Length || paletteEnd > int.MaxValue)
            {
                return b;
            }
            var padded = new byte[paletteEnd];
            Buffer.BlockCopy(b, 0, padded, 0, b.Length);
            // The file size field says the new length (ImageMagick checks it against the data).
            padded[2] = (byte)paletteEnd;
            padded[3] = (byte)(paletteEnd >> 8);
            padded[4] = (byte)(paletteEnd >> 16);
            padded[5] = (byte)(paletteEnd >> 24);
            return padded;
        }

        /// <summary>
        /// Whether a 32-bit BI_RGB BMP's fourth (reserved) bytes make some pixel translucent: some is not 0 (so the byte
        /// is used) and some is not 255 (all 255 is opaque, as Skia decodes it anyway).
        /// </summary>
        private static bool BmpFourthByteUsed(ReadOnlySpan<byte> b)
        {
            long offset = U32LE(b, 10);
            long width = (int)U32LE(b, 18), height = Math.Abs((long)(int)U32LE(b, 22));
            if (offset < 54 || offset >= b.Length || width <= 0)
            {
                return false;
            }
            long rowBytes = width * 4;
            long end = height <= (b.Length - offset) / rowBytes ? offset + (rowBytes * height) : b.Length;
            bool used = false, translucent = false;
            for (long i = offset + 3; i < end; i += 4)
            {
                byte a = b[(int)i];
                used |= a != 0;
                translucent |= a != 255;
                if (used && translucent)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// The ICC profile embedded in a BMP with a BITMAPV5HEADER whose colour space type is PROFILE_EMBEDDED ('MBED'):
        /// its offset (from the start of the info header) and size are in the header. Null when there is none.
        /// </summary>
        public static byte[]? BmpIccProfile(ReadOnlySpan<byte> b)
        {
            const long ProfileEmbedded = 0x4D424544;
            if (b.Length < 14 + 124 || U32LE(b, 14) < 124 || U32LE(b, 14 + 56) != ProfileEmbedded)
            {
                return null;
            }
            long offset = 14 + U32LE(b, 14 + 112), size = U32LE(b, 14 + 116);
            return size >= 132 && size <= MaxIccBytes && offset + size <= b.Length ? b.Slice((int)offset, (int)size).ToArray() : null;
        }

        /// <summary>
        /// The ICC profile a GIF carries in an ICCRGBG1012 application extension (its sub-blocks joined; ImageMagick and
        /// Photoshop write it), or null. Skia's GIF codec ignores it; colour-managed viewers convert with it.
        /// </summary>
        public static byte[]? GifIccProfile(ReadOnlySpan<byte> b) => GifIccProfile(b, out _);

        /// <summary>
        /// The ICC profile of a GIF's first frame: the last ICCRGBG1012 extension before it, as ImageMagick reads it (each
        /// one replaces the one before; one after the last frame belongs to no frame). Null when there is none or it is
        /// no profile, <paramref name="problem"/> then saying why when there is an extension: shorter than an ICC
        /// header (132 bytes), or over 4 MB (the most a BMP's is read at).
        /// </summary>
        public static byte[]? GifIccProfile(ReadOnlySpan<byte> b, out string? problem)
        {
            problem = null;
            if (b.Length < 13)
            {
                return null;
            }
            byte[]? found = null;
            int at = 13 + ((b[10] & 0x80) != 0 ? 3 << ((b[10] & 7) + 1) : 0);
            while (at + 1 < b.Length && b[at] == 0x21)
            {
                bool icc = b[at + 1] == 0xFF && at + 14 <= b.Length && b[at + 2] == 11 && b.Slice(at + 3, 11).SequenceEqual("ICCRGBG1012"u8);
                at += icc ? 14 : 2;
                long length = 0;
                var profile = icc ? new MemoryStream() : null;
                while (at < b.Length && b[at] != 0 && at + 1 + b[at] <= b.Length)
                {
                    length += b[at];
                    if (profile is not null && length <= MaxIccBytes)
                    {
                        profile.Write(b.Slice(at + 1, b[at]).ToArray(), 0, b[at]);
                    }
                    at += 1 + b[at];
                }
                at++;
                if (profile is not null)
                {
                    // A later extension replaces an earlier one, as in ImageMagick, whether or not it is a profile.
                    (found, problem) = length > MaxIccBytes ? (null, $"it is {length / 1048576.0:0.#} MB, more than the {MaxIccBytes >> 20} MB read")
                        : length < 132 ? (null, $"it is {length} bytes, shorter than a profile's own 132-byte header (it is cut short)")
                        : (profile.ToArray(), (string?)null);
                }
            }
            return found;
        }

        /// <summary>The largest ICC profile a BMP or GIF is read with.</summary>
        private const long MaxIccBytes = 4 << 20;

        /// <summary>A BMP that wraps a JPEG or PNG stream (BI_JPEG, BI_PNG: printer formats): no decoder here reads them.</summary>
        public static string? BmpEmbeddedStream(ReadOnlySpan<byte> b) =>
            b.Length >= 34 && U32LE(b, 14) >= 40 ? U32LE(b, 30) switch { 4 => "JPEG", 5 => "PNG", _ => null } : null;

        /// <summary>
        /// Whether the file visibly ends where its format says it should (JPEG EOI, PNG IEND, GIF trailer, RIFF size):
        /// a cheap check that keeps a truncated file from being passed through unchanged.
        /// </summary>
        public static bool LooksComplete(ImageFormat format, ReadOnlySpan<byte> b)
        {
            switch (format)
            {
                case ImageFormat.Jpeg:
                    // Some writers pad after EOI: look for it in the last few bytes.
                    ReadOnlySpan<byte> tail = b.Slice(Math.Max(0, b.Length - 64));
                    for (int i = tail.Length - 2; i >= 0; i--)
                    {
                        if (tail[i] == 0xFF && tail[i + 1] == 0xD9)
                        {
                            return true;
                        }
                    }
                    return false;
                case ImageFormat.Png:
                    return b.Length >= 12 && b.Slice(b.Length - 8, 4).SequenceEqual("IEND"u8);
                case ImageFormat.Gif:
                    return b.Length > 0 && b[b.Length - 1] == 0x3B;
                case ImageFormat.WebP:
                    return b.Length >= 12 && (U32LE(b, 4) + 8 + 1) / 2 * 2 <= b.Length + 1 && U32LE(b, 4) + 8 <= b.Length + 1;
                default:
                    return true;
            }
        }

        internal static long U32(ReadOnlySpan<byte> b, int at) =>
            ((long)b[at] << 24) | ((long)b[at + 1] << 16) | ((long)b[at + 2] << 8) | b[at + 3];

        internal static long U32LE(ReadOnlySpan<byte> b, int at) =>
            b[at] | ((long)b[at + 1] << 8) | ((long)b[at + 2] << 16) | ((long)b[at + 3] << 24);
    }
}
