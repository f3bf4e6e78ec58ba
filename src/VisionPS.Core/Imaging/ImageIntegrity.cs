using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
#if NET
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Checks that a file is whole before its bytes are trusted: PNG chunk lengths and CRCs, the complete zlib stream
    /// (with its Adler-32) up to IEND; a WebP's RIFF size; a GIF's block structure and LZW code sizes; a JPEG's EOI.
    /// Each check returns what is wrong in words a user can act on, or null when the file is intact.
    /// </summary>
    internal static class ImageIntegrity
    {
        /// <summary>
        /// The structural checks, cheap enough to run on every file: every PNG chunk's length and CRC and the IEND,
        /// the RIFF size of a WebP, the blocks of a GIF, the EOI of a JPEG, the strips or tiles of a TIFF's picture,
        /// the item data of a HEIF/AVIF. <paramref name="jpegEnd"/> is a JPEG's
        /// <see cref="JpegMarkers.EndOfImage(ReadOnlySpan{byte})"/> when the caller has walked it already (one walk a file);
        /// <paramref name="pngHeader"/> a PNG's <see cref="ContainerHeaders.Png"/>, likewise.
        /// </summary>
        public static string? CheckStructure(ImageFormat format, byte[] data, int? jpegEnd = null, ImageHeader? pngHeader = null) => format switch
        {
            ImageFormat.Png => PngStructure(data, pngHeader),
            ImageFormat.WebP => WebPContainer(data),
            ImageFormat.Gif => GifBlocks(data),
            ImageFormat.Bmp => BmpPixelOffset(data),
            ImageFormat.Ico => IcoDirectory(data),
            ImageFormat.Tiff => TiffPixelData(data),
            ImageFormat.Heif or ImageFormat.Avif => HeifBoxes.ItemDataPastEnd(data, out _),
            // Data after the EOI (a motion photo's video, a vendor trailer) is no damage: look for the EOI the segments lead to.
            ImageFormat.Jpeg => ContainerHeaders.LooksComplete(ImageFormat.Jpeg, data) || (jpegEnd ?? JpegMarkers.EndOfImage(data)) > 0
                ? null : JpegTruncated,
            _ => null,
        };

        /// <summary>What <see cref="CheckStructure"/> says of a JPEG that ends before its EOI marker.</summary>
        public const string JpegTruncated = "the file ends before the JPEG's end-of-image marker (it is truncated)";

        /// <summary>
        /// The bytes of an intact file that make up the image: up to a PNG's IEND chunk, a JPEG's EOI marker, a GIF's
        /// trailer or the end of a WebP's RIFF. Anything after it (padding, another file appended, a phone's motion-photo video,
        /// the gain map of an Ultra HDR JPEG or the second image of a multi-picture one) is no part of the
        /// image and is not sent; decoders ignore it. The whole file when nothing follows the end. <paramref name="jpegEnd"/>
        /// is a JPEG's end when the caller has walked its segments already.
        /// </summary>
        public static byte[] WithoutTrailingData(ImageFormat format, byte[] data, int? jpegEnd = null)
        {
            int end = format switch
            {
                ImageFormat.Png => PngEnd(data),
                // Walked even when the file ends in FF D9: a second JPEG appended (an Ultra HDR gain map, an MPF image) ends so too.
                ImageFormat.Jpeg => jpegEnd ?? JpegMarkers.EndOfImage(data),
                ImageFormat.Gif => GifEnd(data),
                ImageFormat.WebP => data.Length >= 8 ? (int)Math.Min(int.MaxValue, U32LE(data, 4) + 8) : -1,
                _ => -1,
            };
            if (format == ImageFormat.Gif && end < 0 && GifBlocks(data) is null)
            {
                // Whole but for its trailer (GifBlocks accepts that): the trailer is added, so what is sent is a whole GIF.
                byte[] closed = new byte[data.Length + 1];
                data.CopyTo(closed, 0);
                closed[data.Length] = 0x3B;
                return closed;
            }
            return end > 0 && end < data.Length ? data.AsSpan(0, end).ToArray() : data;
        }

        /// <summary>The offset just past a PNG's IEND chunk, or -1.</summary>
        private static int PngEnd(byte[] b)
        {
            long at = 8;
            while (at + 12 <= b.Length)
            {
                long length = ContainerHeaders.U32(b, (int)at);
                if (b[(int)at + 4] == 'I' && b[(int)at + 5] == 'E' && b[(int)at + 6] == 'N' && b[(int)at + 7] == 'D')
                {
                    return (int)Math.Min(b.Length, at + 12 + length);
                }
                at += 12 + length;
            }
            return -1;
        }

        /// <summary>The offset just past a GIF's trailer, or -1.</summary>
        private static int GifEnd(byte[] b)
        {
            if (b.Length < 13)
            {
                return -1;
            }
            int at = 13 + ((b[10] & 0x80) != 0 ? 3 << ((b[10] & 7) + 1) : 0);
            while (at < b.Length)
            {
                switch (b[at])
                {
                    case 0x3B:
                        return at + 1;
                    case 0x21:
                        at += 2;
                        break;
                    case 0x2C:
                        if (at + 10 > b.Length)
                        {
                            return -1;
                        }
                        byte flags = b[at + 9];
                        at += 10 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0) + 1;
                        break;
                    default:
                        return -1;
                }
                if (!SkipSubBlocks(b, ref at))
                {
                    return -1;
                }
            }
            return -1;
        }

        private static ReadOnlySpan<byte> PngSignature => new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

        /// <summary>
        /// A PNG's 8-byte signature and its IHDR chunk (length, CRC, size, colour type, bit depth, methods), read from the
        /// first 33 bytes: what is wrong, or null. A file too short to hold them is left to the truncation checks.
        /// </summary>
        public static string? PngHeader(ReadOnlySpan<byte> b)
        {
            if (b.Length < 8)
            {
                return null;
            }
            if (!b.Slice(0, 8).SequenceEqual(PngSignature))
            {
                string found = Hex.Spaced(b.Slice(0, 8));
                // 0d 0a 1a 0a exists to catch text-mode transfers, which add or drop CR/LF bytes.
                bool lineEnds = b.Slice(0, 4).SequenceEqual(PngSignature.Slice(0, 4)) && !b.Slice(4, 4).SequenceEqual(PngSignature.Slice(4, 4));
                return $"its 8-byte PNG signature is damaged (it reads {found} instead of 89 50 4e 47 0d 0a 1a 0a)" +
                    (lineEnds ? "; its line-ending bytes were changed, as a text-mode transfer does" : string.Empty);
            }
            if (b.Length < 16)
            {
                return null;
            }
            if (!b.Slice(12, 4).SequenceEqual("IHDR"u8))
            {
                return $"its first chunk is '{ChunkType(b, 12)}', not the IHDR header chunk a PNG must start with";
            }
            long length = ContainerHeaders.U32(b, 8);
            if (length != 13)
            {
                return $"its IHDR chunk says it holds {length} bytes; it must hold 13";
            }
            if (b.Length < 33)
            {
                return null;
            }
            uint stored = (uint)ContainerHeaders.U32(b, 29);
            uint actual = System.IO.Hashing.Crc32.HashToUInt32(b.Slice(12, 17));
            if (stored != actual)
            {
                return $"CRC mismatch in chunk IHDR at byte 8 (stored {stored:x8}, computed {actual:x8})";
            }
            long width = ContainerHeaders.U32(b, 16), height = ContainerHeaders.U32(b, 20);
            int depth = b[24], type = b[25];
            if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            {
                return $"its IHDR declares a {width}x{height} image";
            }
            bool depthOk = type switch
            {
                0 => depth is 1 or 2 or 4 or 8 or 16,
                3 => depth is 1 or 2 or 4 or 8,
                2 or 4 or 6 => depth is 8 or 16,
                _ => true,
            };
            if (type is not (0 or 2 or 3 or 4 or 6))
            {
                return $"its IHDR names colour type {type}, which PNG does not define";
            }
            if (!depthOk)
            {
                return $"its IHDR names bit depth {depth} for colour type {type}, which PNG does not allow";
            }
            if (b[26] != 0 || b[27] != 0 || b[28] > 1)
            {
                return $"its IHDR names an unknown compression, filter or interlace method ({b[26]}, {b[27]}, {b[28]})";
            }
            return null;
        }

        /// <summary>The chunk walk; a file cut inside its pixel data says after which row it ends.</summary>
        private static string? PngStructure(byte[] data, ImageHeader? header)
        {
            string? problem = PngChunks(data, out List<(int Offset, int Length)> idat);
            if (problem is null || !problem.EndsWith(Truncation, StringComparison.Ordinal) || idat.Count == 0)
            {
                return problem;
            }
            header ??= ContainerHeaders.Png(data);
            if (header is null)
            {
                return problem;
            }
            long expected = PngRawBytes(header, out long stride);
            if (expected <= 0)
            {
                return problem;
            }
            long inflated = InflateExact(data, header, idat, expected, out _);
            if (header.IsProgressive)
            {
                return inflated < expected ? $"the file ends after {Percent(inflated, expected)}% of its interlaced pixel data" : problem;
            }
            long rows = inflated / stride;
            return rows < header.Height ? $"the file ends after row {rows} of {header.Height}" : problem;
        }

        /// <summary>
        /// How much of a PNG's pixel data its zlib stream yields, read as far as it goes (a damaged file's): 0 to 1, or -1
        /// when it cannot be told. For an interlaced image what is missing is spread over the whole picture.
        /// </summary>
        internal static double PngPixelShare(byte[] data, ImageHeader header)
        {
            PngChunks(data, out List<(int Offset, int Length)> idat, checkCrc: false);
            long expected = PngRawBytes(header, out _);
            return expected <= 0 || idat.Count == 0 ? -1 : (double)InflateExact(data, header, idat, expected, out _) / expected;
        }

        /// <summary>A share of the pixel data in whole percent, never rounded up to 100 while some is missing.</summary>
        private static long Percent(long part, long whole) => part * 100 / whole;

        /// <summary>
        /// The exact number of bytes (at most <paramref name="expected"/>) a zlib stream inflates to before it ends or
        /// turns corrupt (<paramref name="corrupt"/>): on damage the stream is read again, a byte at a time from where the
        /// first read failed, since an inflater that throws gives nothing of the read it threw in. Only for damaged files.
        /// </summary>
        private static long InflateExact(byte[] b, ImageHeader header, List<(int Offset, int Length)> idat, long expected, out bool corrupt)
        {
            long total = InflatePass(b, header, idat, expected, long.MaxValue, out corrupt);
            return corrupt ? InflatePass(b, header, idat, expected, total, out corrupt) : total;
        }

        /// <summary>One read of the stream; a row with a bad filter byte ends what counts as decoded (libpng stops there).</summary>
        private static long InflatePass(byte[] b, ImageHeader header, List<(int Offset, int Length)> idat, long expected, long exactFrom,
            out bool corrupt)
        {
            corrupt = false;
            var stream = new SegmentStream(b, idat);
            if (stream.Length <= 2)
            {
                return 0;
            }
            stream.ReadByte();
            stream.ReadByte();
            byte[] buffer = new byte[65536];
            long total = 0;
            var filters = new FilterBytes(header);
            try
            {
                using var inflater = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true);
                while (total < expected)
                {
                    long want = total < exactFrom ? Math.Min(buffer.Length, exactFrom - total) : 1;
                    int n = inflater.Read(buffer, 0, (int)Math.Min(want, expected - total));
                    if (n <= 0)
                    {
                        break;
                    }
                    if (filters.Check(buffer, total, n) is not null)
                    {
                        corrupt = true;
                        return filters.BadRowAt;
                    }
                    total += n;
                }
            }
            catch (InvalidDataException)
            {
                corrupt = true;
            }
            return total;
        }

        private const string Truncation = "(it is truncated)";

        private const string PixelDataEnds = "the pixel data ends";

        private const string EndsBeforePixels = "the file ends before any pixel data (no IDAT chunk)";

        /// <summary>
        /// Whether a PNG's chunks are intact but the file stops before its pixel data: a truncated file (reason
        /// <see cref="ImageErrorReason.Truncated"/>), not a damaged one.
        /// </summary>
        public static bool EndsCleanlyBeforePixels(byte[] data) =>
            PngHeader(data) is null && PngChunks(data, out _) == EndsBeforePixels;

        /// <summary>
        /// Walks a PNG's chunks, checking each length and (unless <paramref name="checkCrc"/> is false, for a file already proven) its CRC; <paramref name="idat"/> gets the IDAT payloads in order.
        /// </summary>
        public static string? PngChunks(byte[] b, out List<(int Offset, int Length)> idat, bool checkCrc = true)
        {
            idat = new List<(int, int)>();
            long at = 8;
            bool idatEnded = false, palette = false;
            int index = 0;
            while (true)
            {
                if (at + 8 > b.Length)
                {
                    return idat.Count == 0
                        ? EndsBeforePixels
                        : $"the file ends after {b.Length} bytes without an IEND chunk {Truncation}";
                }
                long length = ContainerHeaders.U32(b, (int)at);
                string type = ChunkType(b, (int)at + 4);
                if (!IsChunkType(b, (int)at + 4))
                {
                    return $"chunk {index + 1} at byte {at} has no valid type; the previous chunk's size field is wrong or the data is damaged";
                }
                if (type == "IHDR" && index > 0)
                {
                    // libpng refuses it ("IHDR: out of place"): which of the two sizes is the picture's?
                    return $"it has a second IHDR chunk at byte {at}; a PNG has one header, its first chunk";
                }
                if (type == "PLTE" && b.Length > 25 && b[25] == 3)
                {
                    // libpng refuses a palette image's PLTE that is not whole colours ("invalid") or comes twice ("duplicate").
                    if (palette)
                    {
                        return $"it has a second PLTE chunk at byte {at}; a palette image has one palette";
                    }
                    if (length == 0 || length % 3 != 0 || length > 768)
                    {
                        return $"its PLTE chunk at byte {at} holds {length} bytes, which is no palette (1 to 256 colours of 3 bytes each)";
                    }
                }
                palette |= type == "PLTE";
                if (type == "IDAT" && idat.Count == 0 && !palette && b.Length > 25 && b[25] == 3)
                {
                    // libpng refuses it ("Missing PLTE before IDAT"): no decoder can give its pixels a colour.
                    return $"it is a palette image without a palette: no PLTE chunk comes before its pixel data (IDAT at byte {at})";
                }
                if (type == "IDAT" && length <= int.MaxValue && at + 12 + length > b.Length && at + 8 < b.Length)
                {
                    // Cut inside the pixel data: keep what is there, so the caller can say after which row it ends.
                    idat.Add(((int)at + 8, b.Length - (int)at - 8));
                    return $"the file ends inside chunk IDAT at byte {at} {Truncation}";
                }
                if (length > int.MaxValue || at + 12 + length > b.Length)
                {
                    return $"chunk {type} at byte {at} says it holds {length} bytes but only {Math.Max(0, b.Length - at - 12)} remain " +
                        "(its size field lies or the file is truncated)";
                }
                if (checkCrc)
                {
                    uint stored = (uint)ContainerHeaders.U32(b, (int)(at + 8 + length));
                    uint actual = System.IO.Hashing.Crc32.HashToUInt32(b.AsSpan((int)at + 4, (int)length + 4));
                    if (stored != actual)
                    {
                        return $"CRC mismatch in chunk {type} at byte {at} (stored {stored:x8}, computed {actual:x8})";
                    }
                }
                if (type == "IDAT")
                {
                    if (idatEnded)
                    {
                        return $"an IDAT chunk at byte {at} follows other chunks after the pixel data";
                    }
                    idat.Add(((int)at + 8, (int)length));
                }
                else if (idat.Count > 0)
                {
                    idatEnded = true;
                }
                if (type == "IEND")
                {
                    return idat.Count == 0 ? "the file has no pixel data (no IDAT chunk before IEND)" : null;
                }
                at += 12 + length;
                index++;
            }
        }

        /// <summary>
        /// An APNG's frames held in fdAT chunks (every frame but a default image that is one), each proven as the IDAT's
        /// stream is: its fcTL region inside the canvas, its zlib stream whole with its Adler-32, its filter bytes valid.
        /// Only the default image is sent, but a file is whole only when every frame decodes (browsers and libpng's APNG
        /// reader stop at a broken one), as a GIF's LZW walk and an animated WebP's frame decodes prove theirs. Inflating
        /// costs as a decode does: the frames together get at most <paramref name="maxPixels"/>, and
        /// <paramref name="firstUnchecked"/> is the first frame left past it (0 when all were checked). What is wrong, or null.
        /// </summary>
        public static string? ApngFrames(byte[] b, ImageHeader header, long maxPixels, out int firstUnchecked)
        {
            firstUnchecked = 0;
            int frame = 0;
            long width = 0, height = 0, pixels = 0;
            bool beforeIdat = true;
            var fdat = new List<(int Offset, int Length)>();
            byte[] buffer = new byte[65536]; // one for every frame: a file of many tiny frames costs little each
            for (long at = 8; at + 12 <= b.Length;)
            {
                long length = ContainerHeaders.U32(b, (int)at);
                if (at + 12 + length > b.Length)
                {
                    return null; // the chunk walk reports it
                }
                string type = ChunkType(b, (int)at + 4);
                if (type is "fcTL" or "IEND" && frame > 0 && fdat.Count > 0)
                {
                    // Every frame whose data is inflated is charged, at least MinFrameCost pixels (a frame's fixed cost:
                    // its inflater and filter walk), whatever its size or place; only the IDAT's frame is free.
                    pixels += Math.Max(width * height, MinFrameCost);
                    if (pixels > maxPixels)
                    {
                        firstUnchecked = frame;
                        return null;
                    }
                    var frameHeader = new ImageHeader(ImageFormat.Png, (int)width, (int)height, 1)
                    {
                        ColorType = header.ColorType,
                        BitDepth = header.BitDepth,
                        IsProgressive = header.IsProgressive,
                    };
                    if (PngPixelStream(b, frameHeader, fdat, out _, buffer) is string problem)
                    {
                        return $"in animation frame {frame}, {problem.Replace("IDAT", "fdAT")}";
                    }
                    fdat.Clear();
                }
                if (type == "fcTL" && length >= 26)
                {
                    if (frame >= MaxApngFrames)
                    {
                        // FrameCount stops here too: the warning's "frames X to N" names the frames left.
                        firstUnchecked = frame + 1;
                        return null;
                    }
                    frame++;
                    int p = (int)at + 8;
                    width = ContainerHeaders.U32(b, p + 4);
                    height = ContainerHeaders.U32(b, p + 8);
                    long x = ContainerHeaders.U32(b, p + 12), y = ContainerHeaders.U32(b, p + 16);
                    if (width == 0 || height == 0 || x + width > header.Width || y + height > header.Height)
                    {
                        return $"animation frame {frame} ({width}x{height} at {x},{y}) lies outside its {header.Width}x{header.Height} canvas";
                    }
                }
                else if (type == "fdAT" && beforeIdat)
                {
                    // The APNG specification puts every fdAT after the IDAT; libpng's APNG reader refuses one before it.
                    return $"an fdAT chunk (animation frame data) at byte {at} comes before the image's IDAT chunk, which the APNG specification forbids";
                }
                else if (type == "fdAT" && length > 4 && frame > 0)
                {
                    fdat.Add(((int)at + 12, (int)length - 4));
                }
                else if (type == "IEND")
                {
                    return null;
                }
                beforeIdat &= type != "IDAT";
                at += 12 + length;
            }
            return null;
        }

        /// <summary>The fewest pixels an APNG frame with fdAT data is charged against the decode budget.</summary>
        internal const long MinFrameCost = 16384;

        /// <summary>The most APNG frames walked, as <see cref="ContainerHeaders"/> caps an acTL's frame count.</summary>
        internal const int MaxApngFrames = 100000;

        /// <summary>
        /// The type of the first critical chunk (upper-case first letter) that is not IHDR, PLTE, IDAT or IEND, or null.
        /// The PNG specification tells a decoder that meets one not to show the image; libpng refuses it.
        /// </summary>
        public static string? PngUnknownCriticalChunk(byte[] b)
        {
            for (long at = 8; at + 12 <= b.Length; at += 12 + ContainerHeaders.U32(b, (int)at))
            {
                string type = ChunkType(b, (int)at + 4);
                if (type is "IEND")
                {
                    return null;
                }
                if (b[(int)at + 4] is >= (byte)'A' and <= (byte)'Z' && type is not ("IHDR" or "PLTE" or "IDAT"))
                {
                    return type;
                }
            }
            return null;
        }

        /// <summary>
        /// Inflates a PNG's whole zlib stream (the IDAT payloads from <see cref="PngChunks"/>) and checks its header,
        /// its Adler-32 and that it holds exactly the bytes the IHDR calls for. <paramref name="rows"/> gets the number
        /// of complete rows the stream holds (for a non-interlaced image), or -1. <paramref name="pixels"/>, when given,
        /// reads the unfiltered rows in the same pass (a PNG's transparency, judged from its pixels, costs no second decode).
        /// </summary>
        public static string? PngPixelStream(byte[] b, ImageHeader header, List<(int Offset, int Length)> idat, out int rows, byte[]? buffer = null,
            PngScanlines? pixels = null)
        {
            rows = -1;
            long expected = PngRawBytes(header, out long stride);
            if (expected <= 0)
            {
                return "its IHDR names an unknown colour type or bit depth";
            }
            var stream = new SegmentStream(b, idat);
            if (stream.Length < 6)
            {
                return "the zlib stream is too short to hold any pixels";
            }
            int cmf = stream.ReadByte(), flg = stream.ReadByte();
            if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0 || (flg & 0x20) != 0)
            {
                return "the zlib stream's header is corrupt";
            }
            stream.Limit = stream.Length - 4; // the Adler-32 trailer
            uint adler = 1;
            long total = 0;
            buffer ??= new byte[65536];
            string? problem = null;
            var filters = new FilterBytes(header);
            PngPaletteIndices? indices = PngPaletteIndices.For(b, header);
            try
            {
                using var inflater = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true);
                while (total < expected)
                {
                    int n = inflater.Read(buffer, 0, (int)Math.Min(buffer.Length, expected - total));
                    if (n <= 0)
                    {
                        break;
                    }
                    if (filters.Check(buffer, total, n) is string filter)
                    {
                        return filter;
                    }
                    if ((indices?.Feed(buffer, n) ?? pixels?.Feed(buffer, n)) is string index)
                    {
                        return index;
                    }
                    adler = Adler32.Update(adler, buffer, n);
                    total += n;
                }
                if (total == expected && inflater.Read(buffer, 0, 1) > 0)
                {
                    // More data than the IHDR calls for: decoders ignore it, but the checksum cannot be checked within bounds.
                    return null;
                }
            }
            catch (InvalidDataException)
            {
                problem = "the deflate stream inside its IDAT chunks is corrupt";
            }
            if (problem is not null || total < expected)
            {
                // Count exactly what the whole stream (its last four bytes too) yields: a failed read gives nothing of
                // itself, and the bytes held back for the checksum may be pixel data when the checksum is missing.
                total = InflateExact(b, header, idat, expected, out bool corrupt);
                if (!corrupt && total >= expected)
                {
                    return problem is not null
                        ? "the deflate stream inside its IDAT chunks is corrupt after all of its pixel data"
                        : "the zlib stream ends without its complete Adler-32 checksum (all of the pixel data is there)";
                }
                problem = corrupt ? "the deflate stream inside its IDAT chunks is corrupt" : PixelDataEnds;
            }
            if (!header.IsProgressive && stride > 0)
            {
                rows = (int)Math.Min(header.Height, total / stride);
            }
            if (problem is not null)
            {
                return rows >= 0 ? $"{problem} after row {rows} of {header.Height}"
                    : problem == PixelDataEnds ? $"the zlib stream ends after {Percent(total, expected)}% of its interlaced pixel data"
                    : $"{problem} after {Percent(total, expected)}% of its interlaced pixel data";
            }
            uint stored = (uint)((b[stream.TrailerOffset(0)] << 24) | (b[stream.TrailerOffset(1)] << 16)
                | (b[stream.TrailerOffset(2)] << 8) | b[stream.TrailerOffset(3)]);
            return stored == adler || ChecksumBeforeExtraData(b, idat, adler, expected) ? null
                : $"the zlib stream's Adler-32 checksum does not match (stored {stored:x8}, computed {adler:x8})";
        }

        /// <summary>
        /// Whether the pixel data's <paramref name="adler"/> is stored earlier in the IDAT data than its last four bytes,
        /// right where the deflate stream ends: bytes follow the zlib stream (libpng's benign "extra compressed data";
        /// browsers show the image). Only asked when the last four bytes do not match. A place where those four bytes
        /// merely occur (chance, in a damaged stream) is not it: the deflate data before it must inflate to exactly
        /// <paramref name="expected"/> bytes and end there. Reads the IDAT payloads in place.
        /// </summary>
        private static bool ChecksumBeforeExtraData(byte[] b, List<(int Offset, int Length)> idat, uint adler, long expected)
        {
            byte[] checksum = { (byte)(adler >> 24), (byte)(adler >> 16), (byte)(adler >> 8), (byte)adler };
            int tried = 0;
            long start = 0;
            byte[] seam = new byte[6];
            for (int s = 0; s < idat.Count && tried < 4; s++)
            {
                (int offset, int length) = idat[s];
                ReadOnlySpan<byte> piece = b.AsSpan(offset, length);
                // Four bytes may straddle this piece's start: the last three of the stream so far and its first three.
                if (s > 0 && start >= 3)
                {
                    int k = 0;
                    for (long j = start - 3; j < start; j++)
                    {
                        seam[k++] = ByteAt(b, idat, j);
                    }
                    for (int j = 0; j < 3; j++)
                    {
                        seam[k++] = j < length ? piece[j] : (byte)0;
                    }
                    int at = seam.AsSpan(0, 3 + Math.Min(3, length)).IndexOf(checksum);
                    if (at >= 0 && start - 3 + at >= 2 && tried++ < 4 && DeflateEndsAt(b, idat, start - 3 + at, expected))
                    {
                        return true;
                    }
                }
                for (int from = 0; tried < 4;)
                {
                    int at = piece.Slice(from).IndexOf(checksum);
                    if (at < 0)
                    {
                        break;
                    }
                    long logical = start + from + at;
                    if (logical >= 2 && tried++ < 4 && DeflateEndsAt(b, idat, logical, expected))
                    {
                        return true;
                    }
                    from += at + 1;
                }
                start += length;
            }
            return false;
        }

        private static byte ByteAt(byte[] b, List<(int Offset, int Length)> idat, long logical)
        {
            foreach ((int offset, int length) in idat)
            {
                if (logical < length)
                {
                    return b[offset + (int)logical];
                }
                logical -= length;
            }
            return 0;
        }

        /// <summary>Whether the zlib stream's deflate data, cut at <paramref name="end"/>, inflates to exactly <paramref name="expected"/> bytes and ends.</summary>
        private static bool DeflateEndsAt(byte[] b, List<(int Offset, int Length)> idat, long end, long expected)
        {
            var stream = new SegmentStream(b, idat) { Limit = end };
            stream.ReadByte();
            stream.ReadByte();
            byte[] buffer = new byte[65536];
            long total = 0;
            try
            {
                using var inflater = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true);
                int n;
                while ((n = inflater.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                    if (total > expected)
                    {
                        return false;
                    }
                }
            }
            catch (InvalidDataException)
            {
                return false;
            }
            return total == expected;
        }

        /// <summary>
        /// Each scanline's first byte names its filter (0 to 4): libpng refuses the image at any other value, so such a
        /// byte is damage even when the zlib stream is whole. Walks the rows (each interlace pass's, in order) as the
        /// inflated bytes arrive.
        /// </summary>
        private sealed class FilterBytes
        {
            private readonly ImageHeader _header;
            private readonly List<(long RowBytes, long Rows, int Pass)> _passes = new();
            private int _pass;
            private long _rowInPass;
            private long _next;

            public FilterBytes(ImageHeader header)
            {
                _header = header;
                PngRawBytes(header, out long stride);
                if (!header.IsProgressive)
                {
                    _passes.Add((stride, header.Height, 0));
                    return;
                }
                _passes.AddRange(InterlacePasses(header, BitsPerPixel(header)));
            }

            /// <summary>The stream offset of the row whose filter byte is bad, or -1.</summary>
            public long BadRowAt { get; private set; } = -1;

            /// <summary>Checks the filter bytes among the <paramref name="count"/> bytes that start at stream offset <paramref name="offset"/>.</summary>
            public string? Check(byte[] buffer, long offset, int count)
            {
                while (_pass < _passes.Count && _next < offset + count)
                {
                    byte filter = buffer[_next - offset];
                    if (filter > 4)
                    {
                        BadRowAt = _next;
                        return _header.IsProgressive
                            ? $"its pixel data is corrupt: row {_rowInPass} of interlace pass {_passes[_pass].Pass} has filter type {filter}, which PNG does not define"
                            : $"its pixel data is corrupt: after row {_rowInPass} of {_header.Height}, the next row has filter type {filter}, which PNG does not define";
                    }
                    _next += _passes[_pass].RowBytes;
                    if (++_rowInPass == _passes[_pass].Rows)
                    {
                        _pass++;
                        _rowInPass = 0;
                    }
                }
                return null;
            }
        }

        /// <summary>What <see cref="PngPixelStream"/> says of pixels naming colours a short palette lacks, after the first such index.</summary>
        public const string PaletteLacks = "but its PLTE chunk holds only";

        /// <summary>
        /// The number of colours in a PNG's PLTE chunk (the one before its pixel data), or -1 when it has none. Reads
        /// chunk headers only, up to the first IDAT.
        /// </summary>
        internal static int PngPaletteEntries(byte[] b)
        {
            long at = 8;
            while (at + 8 <= b.Length)
            {
                long length = ContainerHeaders.U32(b, (int)at);
                string type = ChunkType(b, (int)at + 4);
                if (type == "PLTE")
                {
                    return (int)Math.Min(int.MaxValue, length / 3);
                }
                if (type is "IDAT" or "IEND")
                {
                    return -1;
                }
                at += 12 + length;
            }
            return -1;
        }

        /// <summary>
        /// Whether a palette PNG's pixels can name a colour its PLTE chunk lacks (fewer entries than its bit depth can
        /// index), so that only its pixels tell whether it is whole.
        /// </summary>
        internal static bool PngPaletteShort(byte[] b, ImageHeader header) =>
            header.ColorType == ImageColorType.Palette && header.BitDepth is >= 1 and <= 8
            && PngPaletteEntries(b) is int entries and >= 0 && entries < (1 << header.BitDepth);

        internal static long BitsPerPixel(ImageHeader header) => header.BitDepth * (long)(header.ColorType switch
        {
            ImageColorType.GrayAlpha => 2,
            ImageColorType.Rgb => 3,
            ImageColorType.Rgba => 4,
            _ => 1,
        });

        /// <summary>The bytes a PNG's filtered scanlines take, from its IHDR; <paramref name="stride"/> is one row (with its filter byte).</summary>
        internal static long PngRawBytes(ImageHeader header, out long stride)
        {
            int channels = header.ColorType switch
            {
                ImageColorType.Gray or ImageColorType.Palette => 1,
                ImageColorType.GrayAlpha => 2,
                ImageColorType.Rgb => 3,
                ImageColorType.Rgba => 4,
                _ => 0,
            };
            int depth = header.BitDepth;
            stride = 0;
            if (channels == 0 || depth is not (1 or 2 or 4 or 8 or 16))
            {
                return 0;
            }
            long bpp = (long)channels * depth;
            stride = 1 + ((((long)header.Width * bpp) + 7) / 8);
            if (!header.IsProgressive)
            {
                return header.Height * stride;
            }
            long total = 0;
            foreach ((long rowBytes, long rows, int _) in InterlacePasses(header, bpp))
            {
                total += rows * rowBytes;
            }
            return total;
        }

        /// <summary>Adam7: per pass, the first column and row, then the column and row steps.</summary>
        private static readonly int[] s_adam7 = { 0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2 };

        /// <summary>
        /// The scanlines of an interlaced (Adam7) PNG at <paramref name="bitsPerPixel"/>, pass by pass: the bytes of one row
        /// with its filter byte, the rows, and the pass (1-7); a pass with no pixels is left out, as PNG leaves it out.
        /// </summary>
        internal static IEnumerable<(long RowBytes, long Rows, int Pass)> InterlacePasses(ImageHeader header, long bitsPerPixel)
        {
            for (int p = 0; p < 28; p += 4)
            {
                long pw = ((long)header.Width - s_adam7[p] + s_adam7[p + 2] - 1) / s_adam7[p + 2];
                long ph = ((long)header.Height - s_adam7[p + 1] + s_adam7[p + 3] - 1) / s_adam7[p + 3];
                if (pw > 0 && ph > 0)
                {
                    yield return (1 + (((pw * bitsPerPixel) + 7) / 8), ph, (p / 4) + 1);
                }
            }
        }

        /// <summary>
        /// A TIFF whose first image directory (IFD) lies past the end of the file (writers often put it last, so a cut
        /// file loses it): what is wrong, or null. Only asked when the decoder has failed.
        /// </summary>
        public static string? TiffDirectory(byte[] b)
        {
            if (b.Length < 8)
            {
                return null;
            }
            bool little = b[0] == 'I';
            int version = little ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3];
            ulong ifd;
            if (version == 43)
            {
                // BigTIFF: the first directory's offset is 64-bit, at byte 8.
                if (b.Length < 16)
                {
                    return null;
                }
                ulong high = little ? (ulong)U32LE(b, 12) : (ulong)ContainerHeaders.U32(b, 8);
                ulong low = little ? (ulong)U32LE(b, 8) : (ulong)ContainerHeaders.U32(b, 12);
                ifd = (high << 32) | low;
            }
            else
            {
                ifd = (ulong)(little ? U32LE(b, 4) : ContainerHeaders.U32(b, 4));
            }
            return ifd >= (ulong)b.Length - 1
                ? $"its first image directory (IFD) is at byte {ifd}, past the end of the {b.Length}-byte file (it is truncated or the offset is damaged)"
                : null;
        }

        /// <summary>
        /// A TIFF whose picture (the one sent: <see cref="TiffPicture"/>) has strips or tiles that run past the end of the file: what is wrong,
        /// or null (also when its directory cannot be read: <see cref="TiffDirectory"/> and the decoder say that).
        /// libtiff fails on a cut strip, but ImageMagick decodes a tiled image past its missing tiles without a word and
        /// leaves them black, so the check is made before decoding.
        /// </summary>
        public static string? TiffPixelData(byte[] b)
        {
            if (TiffPixelExtents(b) is not (long[] offsets, long[] counts, bool tiled))
            {
                return null;
            }
            int cut = -1, missing = 0;
            long end = 0;
            for (int i = 0; i < offsets.Length; i++)
            {
                long last = offsets[i] + counts[i];
                if (counts[i] > 0 && last > b.Length)
                {
                    missing++;
                    if (cut < 0)
                    {
                        cut = i;
                        end = last;
                    }
                }
            }
            if (cut < 0)
            {
                return null;
            }
            string unit = tiled ? "tile" : "strip";
            string which = offsets.Length == 1 ? $"its one {unit} of pixel data runs" : $"{missing} of its {offsets.Length} {unit}s of pixel data run";
            return $"{which} past the end of the {b.Length}-byte file ({unit} {cut + 1} ends at byte {end}; the file is truncated)";
        }

        /// <summary>
        /// Whether the picture directory is tiled (TileOffsets) with JPEG compression (7) of CMYK (photometric 5, 4
        /// samples of 8 bits): ImageMagick reads such a file strip by strip (the way it converts CMYK JPEG data) and
        /// libtiff refuses ("Can not read scanlines from a tiled image").
        /// </summary>
        internal static bool TiffTiledCmykJpeg(byte[] b)
        {
            Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffPictureTags(b, 259, 262, 277, 324);
            long One(int tag) => tags!.TryGetValue(tag, out var v) && v.Values.Length == 1 ? v.Values[0] : -1;
            return tags is not null && tags.ContainsKey(324) && One(259) == 7 && One(262) == 5 && One(277) == 4;
        }

        /// <summary>
        /// The picture directory's strip (or tile) offsets and byte counts, classic or BigTIFF, in either byte order; null
        /// when they cannot be read (a directory past the end, odd field types, more entries than the file can hold).
        /// </summary>
        internal static (long[] Offsets, long[] Counts, bool Tiled)? TiffPixelExtents(byte[] b)
        {
            Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffPictureTags(b, 256, 257, 258, 259, 273, 277, 278, 279, 284, 324, 325);
            if (tags is null)
            {
                return null;
            }
            bool tiled = tags.ContainsKey(324) && tags.ContainsKey(325);
            return tags.TryGetValue(tiled ? 324 : 273, out var offsets) && tags.TryGetValue(tiled ? 325 : 279, out var counts)
                && offsets.Values.Length == counts.Values.Length
                ? (offsets.Values, tiled ? counts.Values : TiffStripBytesRead(tags, counts.Values), tiled) : null;
        }

        /// <summary>
        /// The bytes of each strip that libtiff reads: of an uncompressed image (Compression 1), no more than the strip's
        /// rows take (the last strip holds the rows left), however many its StripByteCounts says (Pillow writes a lone
        /// strip's count 4096 too high, some writers give the last strip a full strip's count); of a compressed one,
        /// its byte count.
        /// </summary>
        private static long[] TiffStripBytesRead(Dictionary<int, (long EntryAt, long[] Values)> tags, long[] counts)
        {
            long One(int tag, long otherwise) => tags.TryGetValue(tag, out var f) && f.Values.Length >= 1 ? f.Values[0] : otherwise;
            if (One(259, 1) != 1 || !tags.TryGetValue(256, out var width) || width.Values.Length != 1
                || !tags.TryGetValue(257, out var length) || length.Values.Length != 1 || width.Values[0] <= 0 || length.Values[0] <= 0)
            {
                return counts;
            }
            bool planes = One(284, 1) == 2;
            long samples = Math.Max(1, Math.Min(One(277, 1), 65535));
            long[] bits = tags.TryGetValue(258, out var b) && b.Values.Length >= 1 ? b.Values : new long[] { 1 };
            long bitsPerPixel = 0;
            for (int s = 0; s < (planes ? 1 : samples); s++)
            {
                bitsPerPixel += Math.Max(1, Math.Min(bits[Math.Min(s, bits.Length - 1)], 64));
            }
            long rows = length.Values[0];
            long perStrip = Math.Max(1, Math.Min(One(278, rows), rows));
            long rowBytes = ((Math.Min(width.Values[0], uint.MaxValue) * bitsPerPixel) + 7) / 8;
            long stripsPerPlane = (rows + perStrip - 1) / perStrip;
            long[] read = new long[counts.Length];
            for (int i = 0; i < counts.Length; i++)
            {
                long first = (planes ? i % stripsPerPlane : i) * perStrip;
                long held = Math.Max(0, Math.Min(rows - first, perStrip));
                long needed = held > long.MaxValue / rowBytes ? long.MaxValue : held * rowBytes;
                read[i] = Math.Min(counts[i], needed);
            }
            return read;
        }

        /// <summary>
        /// How many rows of a strip-organised TIFF's picture lie in the strips before the first one the end of the
        /// file cuts (what libtiff decodes of it); -1 when it is not of that shape (tiled, planes stored apart, no cut).
        /// </summary>
        internal static int TiffWholeRows(byte[] b, out int height)
        {
            height = 0;
            Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffPictureTags(b, 256, 257, 258, 259, 273, 277, 278, 279, 284, 324);
            if (tags is null || tags.ContainsKey(324) || !tags.TryGetValue(257, out var length) || length.Values.Length != 1
                || !tags.TryGetValue(273, out var offsets) || !tags.TryGetValue(279, out var written)
                || offsets.Values.Length != written.Values.Length
                || (tags.TryGetValue(284, out var planar) && planar.Values.Length == 1 && planar.Values[0] == 2))
            {
                return -1;
            }
            long rows = length.Values[0];
            height = (int)Math.Min(rows, int.MaxValue);
            long perStrip = tags.TryGetValue(278, out var rps) && rps.Values.Length == 1 && rps.Values[0] > 0 ? Math.Min(rps.Values[0], rows) : rows;
            long[] counts = TiffStripBytesRead(tags, written.Values);
            for (int i = 0; i < offsets.Values.Length; i++)
            {
                if (counts[i] > 0 && offsets.Values[i] + counts[i] > b.Length)
                {
                    // An uncompressed image in a single strip: libtiff reads it in pieces of rows, so the rows that
                    // are there decode (a strip among several is read whole, and fails).
                    long whole = 0;
                    if (offsets.Values.Length == 1 && tags.TryGetValue(259, out var compression) && compression.Values.Length == 1 && compression.Values[0] == 1
                        && tags.TryGetValue(256, out var width) && width.Values.Length == 1 && tags.TryGetValue(258, out var bits)
                        && offsets.Values[i] < b.Length)
                    {
                        long bitsPerPixel = 0;
                        foreach (long v in bits.Values)
                        {
                            bitsPerPixel += Math.Min(v, 64);
                        }
                        long rowBytes = ((width.Values[0] * bitsPerPixel) + 7) / 8;
                        whole = rowBytes > 0 ? Math.Min(perStrip, (b.Length - offsets.Values[i]) / rowBytes) : 0;
                    }
                    return (int)Math.Min(rows, Math.Min(int.MaxValue, (i * perStrip) + whole));
                }
            }
            return -1;
        }

        /// <summary>
        /// A copy of a TIFF whose uncompressed strips' byte counts that overstate and so run past the end of the file
        /// are lowered to the bytes their rows take (<see cref="TiffStripBytesRead"/>), or null when there are none:
        /// libtiff reading from memory fails on a strip whose count runs past the end, though its rows are all there.
        /// </summary>
        internal static byte[]? TiffWithStripCountsRead(byte[] b)
        {
            Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffPictureTags(b, 256, 257, 258, 259, 273, 277, 278, 279, 284, 324);
            if (tags is null || tags.ContainsKey(324) || !tags.TryGetValue(273, out var offsets) || !tags.TryGetValue(279, out var written)
                || offsets.Values.Length != written.Values.Length)
            {
                return null;
            }
            long[] read = TiffStripBytesRead(tags, written.Values);
            bool little = b[0] == 'I';
            bool big = (little ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3]) == 43;
            long at = written.EntryAt;
            int type = (int)TiffRead(b, at + 2, 2);
            int size = type switch { 3 => 2, 4 => 4, 16 => 8, _ => 0 };
            int inline = big ? 8 : 4;
            long n = written.Values.Length;
            long where = n * size <= inline ? at + 4 + inline : (long)TiffRead(b, at + 4 + inline, inline);
            byte[]? copy = null;
            for (int i = 0; i < read.Length && size > 0; i++)
            {
                if (read[i] < written.Values[i] && offsets.Values[i] + written.Values[i] > b.Length && offsets.Values[i] + read[i] <= b.Length)
                {
                    copy ??= (byte[])b.Clone();
                    long value = where + ((long)i * size);
                    for (int k = 0; k < size; k++)
                    {
                        copy[value + (little ? k : size - 1 - k)] = (byte)(read[i] >> (8 * k));
                    }
                }
            }
            return copy;
        }

        /// <summary>
        /// A copy of a TIFF whose picture declares only its first <paramref name="rows"/> rows (its ImageLength
        /// changed in place), so that libtiff decodes the strips that are there; null when the field cannot be changed.
        /// </summary>
        internal static byte[]? TiffWithRows(byte[] b, int rows)
        {
            Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffPictureTags(b, 257);
            if (rows <= 0 || tags is null || !tags.TryGetValue(257, out var length) || length.Values.Length != 1)
            {
                return null;
            }
            bool little = b[0] == 'I';
            bool big = (little ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3]) == 43;
            long at = length.EntryAt;
            int type = little ? b[at + 2] | (b[at + 3] << 8) : (b[at + 2] << 8) | b[at + 3];
            int size = type == 3 ? 2 : type == 4 ? 4 : 0;
            if (size == 0)
            {
                return null;
            }
            byte[] copy = (byte[])b.Clone();
            long value = at + 4 + (big ? 8 : 4);
            for (int k = 0; k < size; k++)
            {
                copy[value + (little ? k : size - 1 - k)] = (byte)(rows >> (8 * k));
            }
            return copy;
        }

        /// <summary>
        /// The values of some fields of a TIFF's first directory (BYTE, ASCII, SHORT, LONG or LONG8 ones, an ASCII
        /// field as its bytes; a field of another type is left out), with where each entry sits; null when the directory cannot be read.
        /// </summary>
        private static Dictionary<int, (long EntryAt, long[] Values)>? TiffTags(byte[] b, params int[] wanted) =>
            b.Length < 16 || TiffDirectory(b) is not null ? null : TiffTagsAt(b, TiffRead(b, b[2] == 43 || b[3] == 43 ? 8 : 4, b[2] == 43 || b[3] == 43 ? 8 : 4), out _, out _, int.MaxValue, wanted);

        /// <summary>The orientation tag (274) of the TIFF's picture directory, 1 to 8, or 0 when it has none.</summary>
        internal static int TiffOrientation(byte[] b) =>
            TiffPictureTags(b, 274) is { } tags && tags.TryGetValue(274, out var o) && o.Values.Length == 1 && o.Values[0] is >= 1 and <= 8
                ? (int)o.Values[0] : 0;

        /// <summary>
        /// As <see cref="TiffTags"/>, for the directory of the picture ImageMagick is asked for (<see cref="TiffPicture"/>):
        /// the first one that is no reduced-size preview or transparency mask.
        /// </summary>
        private static Dictionary<int, (long EntryAt, long[] Values)>? TiffPictureTags(byte[] b, params int[] wanted) =>
            TiffPicture(b) is (int index, ulong ifd) && index > 0 ? TiffTagsAt(b, ifd, out _, out _, int.MaxValue, wanted) : TiffTags(b, wanted);

        /// <summary>An unsigned value of a TIFF in its byte order.</summary>
        private static ulong TiffRead(byte[] b, long at, int size)
        {
            bool little = b[0] == 'I';
            ulong v = 0;
            for (int k = 0; k < size; k++)
            {
                v |= (ulong)b[at + (little ? k : size - 1 - k)] << (8 * k);
            }
            return v;
        }

        /// <summary>
        /// As <see cref="TiffTags"/>, for the directory at <paramref name="ifd"/>; <paramref name="next"/> is the next
        /// directory's offset (0 for none), <paramref name="visited"/> how many entries were read. Entries are sorted by
        /// tag, so reading stops at the first past <paramref name="upTo"/>.
        /// </summary>
        private static Dictionary<int, (long EntryAt, long[] Values)>? TiffTagsAt(byte[] b, ulong ifd, out ulong next, out long visited, int upTo,
            params int[] wanted)
        {
            next = 0;
            visited = 0;
            bool little = b[0] == 'I';
            bool big = (little ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3]) == 43;
            ulong Read(long at, int size) => TiffRead(b, at, size);
            int countSize = big ? 8 : 2, entrySize = big ? 20 : 12, inline = big ? 8 : 4;
            // Offsets are checked as lengths left after them: a BigTIFF offset near 2^64 would wrap a sum.
            if (ifd >= (ulong)b.Length || (ulong)countSize > (ulong)b.Length - ifd)
            {
                return null;
            }
            ulong entries = Read((long)ifd, countSize);
            if (entries > (ulong)(b.Length / entrySize) || (entries * (ulong)entrySize) > (ulong)b.Length - ifd - (ulong)countSize)
            {
                return null;
            }
            var found = new Dictionary<int, (long EntryAt, long[] Values)>();
            for (ulong e = 0; e < entries; e++)
            {
                long at = (long)ifd + countSize + ((long)e * entrySize);
                int tag = (int)Read(at, 2), type = (int)Read(at + 2, 2);
                visited++;
                if (tag > upTo)
                {
                    break;
                }
                if (Array.IndexOf(wanted, tag) < 0 || found.ContainsKey(tag))
                {
                    continue;
                }
                int size = type switch { 1 or 2 or 7 => 1, 3 => 2, 4 or 13 => 4, 16 or 18 => 8, _ => 0 };
                ulong n = Read(at + 4, big ? 8 : 4);
                if (size == 0 || n == 0 || n > (ulong)(b.Length / size))
                {
                    continue;
                }
                ulong where = n * (ulong)size <= (ulong)inline ? (ulong)(at + 4 + (big ? 8 : 4)) : Read(at + 4 + (big ? 8 : 4), inline);
                if (where > (ulong)b.Length || n * (ulong)size > (ulong)b.Length - where)
                {
                    return null;
                }
                long[] values = new long[n];
                for (ulong k = 0; k < n; k++)
                {
                    values[k] = (long)Math.Min(Read((long)where + (long)(k * (ulong)size), size), long.MaxValue / 2);
                }
                found[tag] = (at, values);
            }
            long link = (long)ifd + countSize + ((long)entries * entrySize);
            next = link + (big ? 8 : 4) <= b.Length ? Read(link, big ? 8 : 4) : 0;
            return found;
        }

        /// <summary>
        /// The pages of a TIFF: its chain of image directories, not counting reduced-size previews or transparency masks
        /// (NewSubfileType bits 0 and 2); at most 10,000 are walked, and a chain that loops ends where it loops.
        /// </summary>
        internal static int TiffPageCount(byte[] b)
        {
            int pages = 0;
            foreach ((ulong _, long kind) in TiffChain(b))
            {
                if ((kind & 5) == 0)
                {
                    pages++;
                }
            }
            return Math.Max(1, pages);
        }

        /// <summary>
        /// The picture of a TIFF: the first directory of its chain that is no reduced-size preview or transparency mask
        /// (NewSubfileType bits 0 and 2 clear; some writers put a small preview first), as its index in the chain (what
        /// ImageMagick is asked to read) and its offset; null when there is none.
        /// </summary>
        internal static (int Index, ulong Ifd)? TiffPicture(byte[] b)
        {
            int index = 0;
            foreach ((ulong ifd, long kind) in TiffChain(b))
            {
                if ((kind & 5) == 0)
                {
                    return (index, ifd);
                }
                index++;
            }
            return null;
        }

        /// <summary>
        /// A copy of a TIFF whose first directory is a reduced-size preview or a transparency mask, with its header
        /// pointing at the picture's directory instead (the pages after it stay chained), or null when the first
        /// directory is the picture.
        /// </summary>
        internal static byte[]? TiffFromPicture(byte[] b)
        {
            if (TiffPicture(b) is not (int index, ulong ifd) || index == 0)
            {
                return null;
            }
            bool little = b[0] == 'I';
            int size = b[2] == 43 || b[3] == 43 ? 8 : 4;
            byte[] copy = (byte[])b.Clone();
            for (int k = 0; k < size; k++)
            {
                copy[size + (little ? k : size - 1 - k)] = (byte)(ifd >> (8 * k));
            }
            return copy;
        }

        /// <summary>
        /// The directories of a TIFF's chain, in order, with their NewSubfileType (0 when they have none): at most
        /// 10,000 directories and 100,000 entries read in all (each directory's only up to NewSubfileType, as they are
        /// sorted by tag); a chain that loops ends where it loops.
        /// </summary>
        private static IEnumerable<(ulong Ifd, long Kind)> TiffChain(byte[] b)
        {
            if (b.Length < 16 || TiffDirectory(b) is not null)
            {
                yield break;
            }
            bool big = b[2] == 43 || b[3] == 43;
            ulong ifd = TiffRead(b, big ? 8 : 4, big ? 8 : 4);
            var seen = new HashSet<ulong>();
            long read = 0;
            while (ifd != 0 && ifd < (ulong)b.Length && seen.Count < 10000 && read < 100_000 && seen.Add(ifd))
            {
                Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffTagsAt(b, ifd, out ulong next, out long visited, 254, 254);
                if (tags is null)
                {
                    yield break;
                }
                read += visited;
                yield return (ifd, tags.TryGetValue(254, out var kind) && kind.Values.Length == 1 ? kind.Values[0] : 0);
                ifd = next;
            }
        }

        /// <summary>
        /// What kind of camera raw file a TIFF-shaped file is (DNG, Canon CR2, or one whose first image is a preview of
        /// raw data kept in a sub-image: NEF, ARW, PEF and the like), or null. ImageMagick here reads such a file as a
        /// plain TIFF: its small preview, or the sensor's undeveloped mosaic, would be sent as the picture.
        /// </summary>
        internal static string? TiffCameraRaw(byte[] b)
        {
            Dictionary<int, (long EntryAt, long[] Values)>? tags = TiffTags(b, 254, 262, 271, 330, 50706);
            if (tags is null)
            {
                return null;
            }
            // A CR2's header: its first directory at byte 16, and "CR" with major version 2 at byte 8 (bytes that in
            // a plain TIFF may be the first pixels), and its camera maker Canon.
            if (b[0] == 'I' && b[4] == 16 && b[5] == 0 && b[6] == 0 && b[7] == 0 && b[8] == 'C' && b[9] == 'R' && b[10] == 2
                && tags.TryGetValue(271, out var make) && make.Values.Length >= 5
                && make.Values[0] == 'C' && make.Values[1] == 'a' && make.Values[2] == 'n' && make.Values[3] == 'o' && make.Values[4] == 'n')
            {
                return "a Canon CR2 camera raw file";
            }
            if (tags.ContainsKey(50706))
            {
                return "a DNG camera raw file";
            }
            if (tags.TryGetValue(262, out var photometric) && photometric.Values.Length == 1 && photometric.Values[0] is 32803 or 34892)
            {
                return "a camera raw file (its image is the sensor's undeveloped data)";
            }
            if (tags.ContainsKey(330) && tags.TryGetValue(254, out var kind) && kind.Values.Length == 1 && (kind.Values[0] & 1) != 0)
            {
                return "a camera raw file (its first image is a small preview; the picture itself is kept as raw sensor data)";
            }
            return null;
        }

        /// <summary>
        /// An ICO/CUR directory (6-byte header, 16 bytes an image): each image's data must lie inside the file. What is
        /// wrong, or null (a file too short for its directory is left to the decoder's truncation verdict).
        /// </summary>
        public static string? IcoDirectory(byte[] b)
        {
            if (b.Length < 6)
            {
                return null;
            }
            int count = b[4] | (b[5] << 8);
            if (count == 0)
            {
                return "its icon directory lists no images";
            }
            if (6L + (16L * count) > b.Length)
            {
                return $"its icon directory lists {count} images, but the file ends after {b.Length} bytes, inside the directory (it is truncated or the count lies)";
            }
            for (int i = 0; i < count; i++)
            {
                int at = 6 + (16 * i);
                long size = U32LE(b, at + 8), offset = U32LE(b, at + 12);
                if (offset + size > b.Length)
                {
                    int w = b[at] == 0 ? 256 : b[at], h = b[at + 1] == 0 ? 256 : b[at + 1];
                    return offset >= b.Length
                        ? $"image {i + 1} of {count} in its icon directory ({w}x{h}) starts at byte {offset}, past the end of the {b.Length}-byte file (the directory lies or the file is truncated)"
                        : $"image {i + 1} of {count} in its icon directory ({w}x{h}) runs to byte {offset + size}, past the end of the {b.Length}-byte file (it is truncated or the directory lies)";
                }
            }
            return null;
        }

        /// <summary>A BMP whose pixel data offset lies at or past the end of the file: what is wrong, or null.</summary>
        public static string? BmpPixelOffset(byte[] b)
        {
            if (b.Length < 14)
            {
                return null;
            }
            long offset = U32LE(b, 10);
            return offset >= b.Length
                ? $"its header says the pixel data starts at byte {offset}, past the end of the {b.Length}-byte file (it is truncated or the offset is damaged)"
                : null;
        }

        /// <summary>
        /// How many of a cut BMP's rows are in the file, in the order it stores them (<paramref name="bottomUp"/>: from the
        /// picture's bottom, as a positive height says): whole rows for uncompressed pixels, or the row an RLE4/RLE8 stream
        /// reaches before its data runs out (rows a delta escape jumps over are left blank by design, so they count as
        /// there). For an RLE stream that leaves its row (a delta or an absolute run past the row's end, where decoders
        /// stop), the rows before that one, with <paramref name="rleProblem"/> saying what is wrong. -1 when the file is not
        /// cut short of its rows (it is whole, or corrupt in another way) or cannot be read.
        /// </summary>
        public static int BmpRowsInFile(byte[] b, out int height, out bool bottomUp, out string? rleProblem)
        {
            height = 0;
            bottomUp = true;
            rleProblem = null;
            if (b.Length < 54 || U32LE(b, 14) < 40)
            {
                return -1;
            }
            long offset = U32LE(b, 10);
            long width = (int)U32LE(b, 18);
            int declared = (int)U32LE(b, 22);
            bottomUp = declared > 0;
            long rows = Math.Abs((long)declared);
            int bpp = b[28] | (b[29] << 8);
            long compression = U32LE(b, 30);
            if (offset >= b.Length || width <= 0 || rows == 0 || rows > int.MaxValue)
            {
                return -1;
            }
            height = (int)rows;
            long reached;
            if (compression is 0 or 3 or 6 && bpp is 1 or 4 or 8 or 16 or 24 or 32)
            {
                long stride = ((width * bpp) + 31) / 32 * 4;
                reached = (b.Length - offset) / stride;
            }
            else if ((compression == 1 && bpp == 8) || (compression == 2 && bpp == 4))
            {
                reached = RleRowsReached(b, (int)offset, compression == 1, width, rows, out rleProblem);
            }
            else
            {
                return -1;
            }
            return reached < rows ? (int)reached : -1;
        }

        /// <summary>
        /// A copy of a BMP cut short of its rows (<see cref="BmpRowsInFile"/> says at least <paramref name="rows"/>) that
        /// declares only the first <paramref name="rows"/> whole rows it stores, in the order it stores them (its height field, file size and image size changed, the
        /// part row dropped), so that ImageMagick, which refuses a BMP shorter than its header says, reads them. An RLE
        /// one (<paramref name="rle"/>) keeps its stream and declares that many rows, in its own order (from the bottom up
        /// unless its height is negative). Null when the file is no such BMP.
        /// </summary>
        internal static byte[]? BmpWithRows(byte[] b, int rows, bool rle = false)
        {
            if (rows <= 0 || BmpRowsInFile(b, out _, out bool bottomUp, out _) is int there && there < rows)
            {
                return null;
            }
            if (rle && U32LE(b, 30) is 1 or 2)
            {
                byte[] stream = (byte[])b.Clone();
                BitConverter.GetBytes(bottomUp ? rows : -rows).CopyTo(stream, 22);
                return stream;
            }
            if (U32LE(b, 30) is not (0 or 3 or 6))
            {
                return null;
            }
            long offset = U32LE(b, 10);
            long width = (int)U32LE(b, 18);
            int bpp = b[28] | (b[29] << 8);
            long stride = ((width * bpp) + 31) / 32 * 4;
            byte[] copy = new byte[offset + (rows * stride)];
            Array.Copy(b, copy, copy.Length);
            BitConverter.GetBytes(copy.Length).CopyTo(copy, 2);
            BitConverter.GetBytes(bottomUp ? rows : -rows).CopyTo(copy, 22);
            BitConverter.GetBytes((int)(rows * stride)).CopyTo(copy, 34);
            return copy;
        }

        /// <summary>
        /// The row an RLE8/RLE4 stream reaches before its data ends (<paramref name="rows"/> at its end-of-bitmap), or
        /// before it leaves its row (<paramref name="problem"/> says how): a delta escape or an absolute run that goes
        /// past the row's end, where Skia and ImageMagick stop. An encoded run past the end is cut off by decoders alike.
        /// </summary>
        private static long RleRowsReached(byte[] b, int at, bool rle8, long width, long rows, out string? problem)
        {
            problem = null;
            long x = 0, y = 0;
            while (at + 1 < b.Length && y < rows)
            {
                int count = b[at], code = b[at + 1];
                at += 2;
                if (count > 0)
                {
                    x = Math.Min(x + count, width); // an encoded run: decoders cut it off at the row's end
                    continue;
                }
                if (code == 0)
                {
                    x = 0; // end of line
                    y++;
                }
                else if (code == 1)
                {
                    return rows; // end of bitmap
                }
                else if (code == 2)
                {
                    if (at + 1 >= b.Length)
                    {
                        break;
                    }
                    // delta: right by b[at], up by b[at + 1]
                    if (x + b[at] > width)
                    {
                        problem = $"a delta escape in row {y + 1} (counted from the bottom) jumps {b[at]} pixels right from column {x}, past the end of the {width}-pixel row";
                        return y;
                    }
                    x += b[at];
                    y += b[at + 1];
                    at += 2;
                }
                else
                {
                    // An absolute run of 'code' pixels, padded to a 16-bit boundary.
                    if (x + code > width)
                    {
                        problem = $"an absolute run of {code} pixels in row {y + 1} (counted from the bottom) starts at column {x}, past the end of the {width}-pixel row";
                        return y;
                    }
                    int bytes = rle8 ? code : (code + 1) / 2;
                    bytes += bytes & 1;
                    if (at + bytes > b.Length)
                    {
                        break;
                    }
                    at += bytes;
                    x += code;
                }
            }
            return Math.Min(y, rows);
        }

        /// <summary>A WebP's RIFF size must fit the file, and its first chunk must too.</summary>
        public static string? WebPContainer(byte[] b)
        {
            if (b.Length < 20)
            {
                return "the file ends inside its RIFF header";
            }
            long riff = U32LE(b, 4);
            if (riff + 8 > b.Length)
            {
                return $"its RIFF size field says {riff + 8} bytes but the file has {b.Length} (the size field lies or the file is truncated)";
            }
            long chunk = U32LE(b, 16);
            string fourcc = System.Text.Encoding.ASCII.GetString(b, 12, 4);
            if (chunk + 20 > riff + 8)
            {
                return $"its {fourcc.Trim()} chunk says {chunk} bytes but only {riff + 8 - 20} remain";
            }
            if (fourcc == "VP8L" && (chunk < 5 || b.Length < 25))
            {
                return $"its VP8L (lossless) chunk holds {chunk} bytes, too few for its header";
            }
            if (fourcc == "VP8L" && b[20] != 0x2F)
            {
                return $"its VP8L (lossless) header is damaged: the signature byte is {b[20]:x2}, not 2f";
            }
            if (fourcc == "VP8 " && b.Length >= 26 && !(b[23] == 0x9D && b[24] == 0x01 && b[25] == 0x2A))
            {
                return $"its VP8 (lossy) frame header is damaged: the start code is {b[23]:x2} {b[24]:x2} {b[25]:x2}, not 9d 01 2a";
            }
            return WebPChunks(b, 12, riff + 8, top: true);
        }

        /// <summary>
        /// Walks the chunks from <paramref name="at"/> to <paramref name="end"/> (the RIFF's, or an ANMF frame's): each
        /// must have a type and fit; a VP8X canvas must match a still image's bitstream and hold every animation frame.
        /// </summary>
        private static string? WebPChunks(byte[] b, long at, long end, bool top)
        {
            long canvasWidth = 0, canvasHeight = 0;
            int frames = 0;
            for (int index = 1; at + 8 <= end; index++)
            {
                if (!IsFourCC(b, (int)at))
                {
                    return $"chunk {index} at byte {at} has no valid type; the previous chunk's size field is wrong or the data is damaged";
                }
                string fourcc = System.Text.Encoding.ASCII.GetString(b, (int)at, 4);
                long size = U32LE(b, (int)at + 4);
                int p = (int)at + 8;
                if (p + size > end)
                {
                    return $"its {fourcc.Trim()} chunk at byte {at} says {size} bytes but only {end - p} remain " +
                        "(its size field lies or the file is truncated)";
                }
                if ((size & 1) == 1 && p + size + 1 > end)
                {
                    // RIFF pads an odd-sized chunk to an even length; libwebp's demuxer (which Skia, Pillow and browsers use) refuses it without.
                    return $"its {fourcc.Trim()} chunk at byte {at} holds an odd number of bytes ({size}) and lacks the padding byte RIFF requires after it " +
                        "(the file is one byte short: cut, or written wrong)";
                }
                (long w, long h) = fourcc switch
                {
                    "VP8 " when size >= 10 => ((b[p + 6] | (b[p + 7] << 8)) & 0x3FFFL, (b[p + 8] | (b[p + 9] << 8)) & 0x3FFFL),
                    "VP8L" when size >= 5 => (1 + (b[p + 1] | ((b[p + 2] & 0x3F) << 8)),
                        1 + ((b[p + 2] >> 6) | (b[p + 3] << 2) | ((b[p + 4] & 0x0F) << 10))),
                    _ => (0L, 0L),
                };
                if (top && fourcc == "VP8X" && size >= 10)
                {
                    canvasWidth = 1 + U24LE(b, p + 4);
                    canvasHeight = 1 + U24LE(b, p + 7);
                }
                else if (top && canvasWidth > 0 && w > 0 && (w != canvasWidth || h != canvasHeight))
                {
                    return $"its VP8X header says the canvas is {canvasWidth}x{canvasHeight} but its {fourcc.Trim()} image is {w}x{h}";
                }
                else if (top && fourcc == "ANMF" && size >= 16)
                {
                    frames++;
                    long x = 2 * U24LE(b, p), y = 2 * U24LE(b, p + 3);
                    long fw = 1 + U24LE(b, p + 6), fh = 1 + U24LE(b, p + 9);
                    if (canvasWidth > 0 && (x + fw > canvasWidth || y + fh > canvasHeight))
                    {
                        return $"animation frame {frames} ({fw}x{fh} at {x},{y}) lies outside its {canvasWidth}x{canvasHeight} canvas";
                    }
                    if (WebPChunks(b, p + 16, p + size, top: false) is string inFrame)
                    {
                        return $"in animation frame {frames}, {inFrame}";
                    }
                }
                at = p + size + (size & 1);
            }
            return null;
        }

        private static long U24LE(byte[] b, int at) => b[at] | ((long)b[at + 1] << 8) | ((long)b[at + 2] << 16);

        private static bool IsFourCC(byte[] b, int at)
        {
            for (int i = 0; i < 4; i++)
            {
                if (b[at + i] is < 0x20 or > 0x7E)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>A GIF's blocks up to its trailer: frame sizes, LZW code sizes, sub-block lengths.</summary>
        public static string? GifBlocks(byte[] b)
        {
            if (b.Length < 13)
            {
                return "the file ends inside its header";
            }
            if (!b.AsSpan(0, 6).SequenceEqual("GIF87a"u8) && !b.AsSpan(0, 6).SequenceEqual("GIF89a"u8))
            {
                return $"its 6-byte GIF signature reads '{ChunkType(b, 0)}{(char)b[4]}{(char)b[5]}', not GIF87a or GIF89a";
            }
            int at = 13;
            if ((b[10] & 0x80) != 0)
            {
                at += 3 << ((b[10] & 7) + 1);
            }
            int frames = 0;
            while (true)
            {
                if (at >= b.Length)
                {
                    // Every block is whole and only the one-byte trailer is missing (ImageMagick, Pillow and browsers
                    // read such a file): no pixel is lost, so it is no damage. A cut inside a block is found above.
                    return frames == 0 ? "the file ends before its first frame" : null;
                }
                byte kind = b[at];
                if (kind == 0x3B)
                {
                    return frames == 0 ? "it contains no frame" : null;
                }
                if (kind == 0x21)
                {
                    at += 2;
                    if (!SkipSubBlocks(b, ref at))
                    {
                        return $"the file ends inside an extension block after frame {frames} (it is truncated)";
                    }
                    continue;
                }
                if (kind != 0x2C)
                {
                    return $"unexpected byte {kind:x2} at offset {at} where a GIF block should start (after frame {frames})";
                }
                if (at + 10 > b.Length)
                {
                    return $"the file ends inside frame {frames + 1}'s descriptor";
                }
                int w = b[at + 5] | (b[at + 6] << 8), h = b[at + 7] | (b[at + 8] << 8);
                byte flags = b[at + 9];
                frames++;
                if (w == 0 || h == 0)
                {
                    return $"frame {frames} is {w}x{h} pixels";
                }
                at += 10;
                if ((flags & 0x80) != 0)
                {
                    at += 3 << ((flags & 7) + 1);
                }
                if (at >= b.Length)
                {
                    return $"the file ends before frame {frames}'s pixel data";
                }
                int codeSize = b[at];
                if (codeSize < 2 || codeSize > 8)
                {
                    return $"frame {frames}'s LZW stream declares a code size of {codeSize} bits (GIF allows 2 to 8): the LZW stream is corrupt";
                }
                at++;
                int dataStart = at;
                if (!SkipSubBlocks(b, ref at))
                {
                    return $"the file ends inside frame {frames}'s LZW data (it is truncated)";
                }
                string? lzw = GifLzwPixels(b, dataStart, codeSize, (long)w * h);
                if (lzw is not null)
                {
                    return $"frame {frames}'s {lzw}";
                }
            }
        }

        /// <summary>
        /// How much of a damaged GIF's first frame (the one sent) its LZW data yields, read as far as it goes: 0 to 1, or
        /// -1 when the frame cannot be found; <paramref name="interlaced"/> and <paramref name="height"/> describe that frame.
        /// </summary>
        internal static double GifFirstFrameShare(byte[] b, out bool interlaced, out int height)
        {
            interlaced = false;
            height = 0;
            if (b.Length < 13)
            {
                return -1;
            }
            int at = 13 + ((b[10] & 0x80) != 0 ? 3 << ((b[10] & 7) + 1) : 0);
            while (at < b.Length && b[at] == 0x21)
            {
                at += 2;
                if (!SkipSubBlocks(b, ref at))
                {
                    return -1;
                }
            }
            if (at + 10 > b.Length || b[at] != 0x2C)
            {
                return -1;
            }
            int w = b[at + 5] | (b[at + 6] << 8);
            height = b[at + 7] | (b[at + 8] << 8);
            byte flags = b[at + 9];
            interlaced = (flags & 0x40) != 0;
            at += 10 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0);
            long pixels = (long)w * height;
            if (at + 1 >= b.Length || pixels == 0 || b[at] is < 2 or > 8)
            {
                return pixels == 0 ? -1 : 0;
            }
            GifLzwPixels(b, at + 1, b[at], pixels, out long decoded);
            return (double)decoded / pixels;
        }

        /// <summary>
        /// Walks a GIF frame's LZW codes (without writing pixels) and checks that they are valid and produce the
        /// frame's <paramref name="pixels"/>; data after the frame is full is ignored, as browsers do.
        /// </summary>
        private static string? GifLzwPixels(byte[] b, int at, int minCodeSize, long pixels) =>
            GifLzwPixels(b, at, minCodeSize, pixels, out _);

        /// <summary>As above; <paramref name="decoded"/> gets the pixels the codes yield before they end or go wrong
        /// (the data may also be cut short by the end of the file).</summary>
        private static string? GifLzwPixels(byte[] b, int at, int minCodeSize, long pixels, out long decoded)
        {
            int clear = 1 << minCodeSize, end = clear + 1;
            int next = clear + 2, codeSize = minCodeSize + 1, prev = -1;
            Span<ushort> lengths = stackalloc ushort[4096];
            long output = 0;
            int blockEnd = at, pos = at;
            uint bits = 0;
            int bitCount = 0;
            decoded = 0;
            while (output < pixels)
            {
                decoded = output;
                while (bitCount < codeSize)
                {
                    if (pos >= blockEnd)
                    {
                        int n = blockEnd < b.Length ? b[blockEnd] : 0;
                        if (n == 0)
                        {
                            return $"LZW data ends after {output} of its {pixels} pixels";
                        }
                        pos = blockEnd + 1;
                        blockEnd = pos + n;
                    }
                    if (pos >= b.Length)
                    {
                        // Only for a file cut inside the data (GifFirstFrameShare); GifBlocks walks the sub-blocks first.
                        return $"LZW data ends after {output} of its {pixels} pixels";
                    }
                    bits |= (uint)b[pos++] << bitCount;
                    bitCount += 8;
                }
                int code = (int)(bits & ((1u << codeSize) - 1));
                bits >>= codeSize;
                bitCount -= codeSize;
                if (code == clear)
                {
                    next = clear + 2;
                    codeSize = minCodeSize + 1;
                    prev = -1;
                    continue;
                }
                if (code == end)
                {
                    return $"LZW data ends after {output} of its {pixels} pixels";
                }
                int length;
                if (code < clear)
                {
                    length = 1;
                }
                else if (prev >= 0 && code < next)
                {
                    length = lengths[code];
                }
                else if (prev >= 0 && code == next)
                {
                    length = (prev < clear ? 1 : lengths[prev]) + 1;
                }
                else
                {
                    return $"LZW stream is corrupt: code {code} at pixel {output} of {pixels} is not in its table";
                }
                if (prev >= 0 && next < 4096)
                {
                    lengths[next] = (ushort)Math.Min(ushort.MaxValue, (prev < clear ? 1 : lengths[prev]) + 1);
                    next++;
                    if (next == 1 << codeSize && codeSize < 12)
                    {
                        codeSize++;
                    }
                }
                output += length;
                prev = code;
            }
            decoded = pixels;
            return null;
        }

        private static bool SkipSubBlocks(byte[] b, ref int at)
        {
            while (at < b.Length)
            {
                int n = b[at];
                at += 1 + n;
                if (n == 0)
                {
                    return at <= b.Length;
                }
            }
            return false;
        }

        private static bool IsChunkType(byte[] b, int at)
        {
            for (int i = 0; i < 4; i++)
            {
                byte c = b[at + i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                {
                    return false;
                }
            }
            return true;
        }

        private static string ChunkType(byte[] b, int at) => ChunkType(b.AsSpan(), at);

        private static string ChunkType(ReadOnlySpan<byte> b, int at)
        {
            var chars = new char[4];
            for (int i = 0; i < 4; i++)
            {
                byte c = b[at + i];
                chars[i] = c is >= 0x20 and < 0x7F ? (char)c : '?';
            }
            return new string(chars);
        }

        private static long U32LE(byte[] b, int at) =>
            b[at] | ((long)b[at + 1] << 8) | ((long)b[at + 2] << 16) | ((long)b[at + 3] << 24);

        /// <summary>The IDAT payloads read as one stream, without copying them together.</summary>
        private sealed class SegmentStream : Stream
        {
            private readonly byte[] _data;
            private readonly List<(int Offset, int Length)> _segments;
            private long _position;
            private int _segment;
            private long _segmentStart;

            public SegmentStream(byte[] data, List<(int Offset, int Length)> segments)
            {
                _data = data;
                _segments = segments;
                long total = 0;
                foreach ((int _, int length) in segments)
                {
                    total += length;
                }
                Length = total;
                Limit = total;
            }

            public override long Length { get; }

            public long Limit { get; set; }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Position
            {
                get => _position;
                set => throw new NotSupportedException();
            }

            /// <summary>The file offset of byte <paramref name="i"/> of the last four (the trailer).</summary>
            public int TrailerOffset(int i)
            {
                long logical = Length - 4 + i;
                long start = 0;
                foreach ((int offset, int length) in _segments)
                {
                    if (logical < start + length)
                    {
                        return offset + (int)(logical - start);
                    }
                    start += length;
                }
                throw new InvalidOperationException();
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int done = 0;
                while (done < count && _position < Limit)
                {
                    (int segOffset, int segLength) = _segments[_segment];
                    long inSegment = _position - _segmentStart;
                    if (inSegment >= segLength)
                    {
                        _segmentStart += segLength;
                        _segment++;
                        continue;
                    }
                    int n = (int)Math.Min(Math.Min(count - done, segLength - inSegment), Limit - _position);
                    Buffer.BlockCopy(_data, segOffset + (int)inSegment, buffer, offset + done, n);
                    done += n;
                    _position += n;
                }
                return done;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }

    /// <summary>Adler-32 (RFC 1950), the zlib stream's checksum.</summary>
    internal static class Adler32
    {
        /// <summary>The most bytes whose sums cannot overflow 32 bits before the modulo.</summary>
        private const int MaxRun = 5552;

        /// <summary>Continues <paramref name="adler"/> (1 for an empty stream) over the first <paramref name="count"/> bytes.</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        public static uint Update(uint adler, byte[] data, int count)
        {
            uint a = adler & 0xFFFF, s = adler >> 16;
            int i = 0;
            while (i < count)
            {
                int end = i + Math.Min(count - i, MaxRun);
#if NET
                if (Avx2.IsSupported)
                {
                    // Whole 32-byte blocks of the run at once; the bytes after the last block go below.
                    int blocks = (end - i) / 32;
                    (a, s) = Blocks(a, s, data, i, blocks);
                    i += blocks * 32;
                }
#endif
                for (; i < end; i++)
                {
                    a += data[i];
                    s += a;
                }
                a %= 65521;
                s %= 65521;
            }
            return (s << 16) | a;
        }

#if NET
        /// <summary>
        /// <paramref name="blocks"/> 32-byte blocks (at most <see cref="MaxRun"/> bytes): per block, a gains the bytes'
        /// sum and s gains 32 times a before the block plus each byte weighted 32 down to 1 (vpsadbw and
        /// vpmaddubsw/vpmaddwd in eight 32-bit lanes, added up at the end). The sums are those of the byte loop.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private static unsafe (uint A, uint S) Blocks(uint a, uint s, byte[] data, int start, int blocks)
        {
            if (blocks == 0)
            {
                return (a, s);
            }
            var weights = Vector256.Create(
                (sbyte)32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
            var ones = Vector256.Create((short)1);
            var byteSums = Vector256<uint>.Zero;   // the blocks' byte sums, per lane
            var before = Vector256<uint>.Zero;     // those sums as they stood before each block
            var weighted = Vector256<uint>.Zero;
            fixed (byte* p0 = &data[start])
            {
                byte* p = p0;
                for (int b = 0; b < blocks; b++, p += 32)
                {
                    var v = Vector256.Load(p);
                    before = Avx2.Add(before, byteSums);
                    byteSums = Avx2.Add(byteSums,
                        Avx2.SumAbsoluteDifferences(v, Vector256<byte>.Zero).AsUInt32());
                    var pairs = Avx2.MultiplyAddAdjacent(v, weights);
                    weighted = Avx2.Add(weighted,
                        Avx2.MultiplyAddAdjacent(pairs, ones).AsUInt32());
                }
            }
            uint sum = Vector256.Sum(byteSums);
            s += (uint)blocks * 32 * a + (Vector256.Sum(before) * 32) + Vector256.Sum(weighted);
            a += sum;
            return (a, s);
        }
#endif
    }
}
