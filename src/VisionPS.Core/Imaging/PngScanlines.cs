using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// A PNG's scanlines as its inflated pixel stream delivers them (each interlace pass's, in order), unfiltered in place,
    /// for a check that needs the pixels themselves. Fed by <see cref="ImageIntegrity.PngPixelStream"/> while it proves
    /// the stream, so the pixels are read in the same pass as the proof, not by a second decode. A row whose filter byte
    /// is not 0 to 4 is left to the stream's own filter check, which names it.
    /// </summary>
    internal abstract class PngScanlines
    {
        private readonly List<(long RowBytes, long Rows, int Pass)> _passes = new();
        private byte[] _row = Array.Empty<byte>(), _previous = Array.Empty<byte>();
        private int _pass;
        private long _rowInPass;
        private int _filled;

        protected PngScanlines(ImageHeader header, int bitsPerPixel)
        {
            Header = header;
            // Filters work on whole bytes: the left neighbour of a byte is the same byte of the previous pixel, or the one
            // before it when a pixel is smaller than a byte.
            BytesPerPixel = Math.Max(1, bitsPerPixel / 8);
            if (!header.IsProgressive)
            {
                _passes.Add((1 + ((((long)header.Width * bitsPerPixel) + 7) / 8), header.Height, 0));
            }
            else
            {
                _passes.AddRange(ImageIntegrity.InterlacePasses(header, bitsPerPixel));
            }
            StartPass();
        }

        protected ImageHeader Header { get; }

        /// <summary>The bytes a filter steps back to reach a byte's left neighbour.</summary>
        protected int BytesPerPixel { get; }

        /// <summary>True once the check has its answer: the rows still to come are not unfiltered.</summary>
        protected bool Finished { get; set; }

        /// <summary>The interlace pass (1-7) of the row being checked, or 0 for an image that is not interlaced.</summary>
        protected int Pass => _passes[_pass].Pass;

        /// <summary>The row being checked within its pass, from 0.</summary>
        protected long RowInPass => _rowInPass;

        /// <summary>Checks one unfiltered row: its pixel bytes (without the filter byte) and how many pixels they hold.</summary>
        protected abstract string? Row(ReadOnlySpan<byte> pixels, long width);

        private void StartPass()
        {
            _rowInPass = 0;
            _filled = 0;
            if (_pass < _passes.Count)
            {
                // Each pass starts from a row of zeros: its first row's "up" neighbours are 0.
                int rowBytes = (int)_passes[_pass].RowBytes;
                _row = new byte[rowBytes];
                _previous = new byte[rowBytes];
            }
        }

        /// <summary>Takes the next <paramref name="count"/> inflated bytes: what is wrong, or null.</summary>
        public string? Feed(byte[] buffer, int count)
        {
            int at = 0;
            while (at < count && _pass < _passes.Count && !Finished)
            {
                int take = Math.Min(count - at, _row.Length - _filled);
                Buffer.BlockCopy(buffer, at, _row, _filled, take);
                _filled += take;
                at += take;
                if (_filled < _row.Length)
                {
                    break;
                }
                if (Unfilter(_row, _previous, BytesPerPixel) && Row(_row.AsSpan(1), PassWidth()) is string problem)
                {
                    return problem;
                }
                (_row, _previous) = (_previous, _row);
                _filled = 0;
                if (++_rowInPass == _passes[_pass].Rows)
                {
                    _pass++;
                    StartPass();
                }
            }
            return null;
        }

        /// <summary>Undoes a row's filter in place against the unfiltered row above it; false for an undefined filter.</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        internal static bool Unfilter(Span<byte> r, ReadOnlySpan<byte> up, int bpp)
        {
            up = up.Slice(0, r.Length);
            int first = Math.Min(r.Length, bpp + 1); // bytes 1..bpp have no left neighbour
            switch (r[0])
            {
                case 0:
                    break;
                case 1:
                    for (int i = first; i < r.Length; i++)
                    {
                        r[i] += r[i - bpp];
                    }
                    break;
                case 2:
                    for (int i = 1; i < r.Length; i++)
                    {
                        r[i] += up[i];
                    }
                    break;
                case 3:
                    for (int i = 1; i < first; i++)
                    {
                        r[i] += (byte)(up[i] >> 1);
                    }
                    for (int i = first; i < r.Length; i++)
                    {
                        r[i] += (byte)((r[i - bpp] + up[i]) >> 1);
                    }
                    break;
                case 4:
                    for (int i = 1; i < first; i++)
                    {
                        r[i] += up[i];
                    }
                    for (int i = first; i < r.Length; i++)
                    {
                        int a = r[i - bpp], b = up[i], c = up[i - bpp];
                        int pa = b - c, pb = a - c, pc = pa + pb;
                        pa = pa < 0 ? -pa : pa;
                        pb = pb < 0 ? -pb : pb;
                        pc = pc < 0 ? -pc : pc;
                        r[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                    }
                    break;
                default:
                    return false;
            }
            return true;
        }

        /// <summary>The pixels in a row of the current pass (the padding bits of its last byte are no pixels).</summary>
        private long PassWidth()
        {
            if (!Header.IsProgressive)
            {
                return Header.Width;
            }
            ReadOnlySpan<int> adam7 = stackalloc int[] { 0, 8, 4, 8, 0, 4, 2, 4, 0, 2, 1, 2, 0, 1 };
            int p = Pass - 1;
            return (Header.Width - adam7[p * 2] + adam7[(p * 2) + 1] - 1) / adam7[(p * 2) + 1];
        }

        /// <summary>Sample <paramref name="x"/> of a row of samples <paramref name="depth"/> bits each (1, 2, 4, 8 or 16).</summary>
        protected static int Sample(ReadOnlySpan<byte> pixels, long x, int depth)
        {
            if (depth == 8)
            {
                return pixels[(int)x];
            }
            if (depth == 16)
            {
                return (pixels[(int)(x * 2)] << 8) | pixels[(int)(x * 2) + 1];
            }
            long bit = x * depth;
            return (pixels[(int)(bit >> 3)] >> (8 - depth - (int)(bit & 7))) & ((1 << depth) - 1);
        }
    }

    /// <summary>
    /// A palette PNG whose PLTE chunk holds fewer colours than its bit depth can index: every pixel must name one
    /// of them. The PNG specification calls any other index an error; decoders disagree on what it shows (black,
    /// the last colour, or a refusal, as ImageMagick's), so such a file is damaged.
    /// </summary>
    internal sealed class PngPaletteIndices : PngScanlines
    {
        private readonly int _entries;

        private PngPaletteIndices(ImageHeader header, int entries)
            : base(header, header.BitDepth)
        {
            _entries = entries;
        }

        /// <summary>A checker for a palette PNG whose palette is short, or null when every index has a colour.</summary>
        public static PngPaletteIndices? For(byte[] b, ImageHeader header) =>
            ImageIntegrity.PngPaletteShort(b, header) ? new PngPaletteIndices(header, ImageIntegrity.PngPaletteEntries(b)) : null;

        protected override string? Row(ReadOnlySpan<byte> pixels, long width)
        {
            int index = FirstMissing(pixels, width);
            if (index < 0)
            {
                return null;
            }
            string where = Header.IsProgressive
                ? $"row {RowInPass + 1} of interlace pass {Pass}"
                : $"row {RowInPass + 1} of {Header.Height}";
            return $"its pixels name colour {index} of its palette (first in {where}), {ImageIntegrity.PaletteLacks} {_entries} {(_entries == 1 ? "colour" : "colours")}";
        }

        /// <summary>The first index in the row with no colour, or -1.</summary>
        private int FirstMissing(ReadOnlySpan<byte> pixels, long width)
        {
            int depth = Header.BitDepth;
            if (depth == 8)
            {
#if NET8_0_OR_GREATER
                int at = pixels.IndexOfAnyInRange((byte)_entries, (byte)255);
                return at < 0 ? -1 : pixels[at];
#else
                for (int i = 0; i < pixels.Length; i++)
                {
                    if (pixels[i] >= _entries)
                    {
                        return pixels[i];
                    }
                }
                return -1;
#endif
            }
            width = Math.Min((pixels.Length * 8L) / depth, width);
            for (long x = 0; x < width; x++)
            {
                int value = Sample(pixels, x, depth);
                if (value >= _entries)
                {
                    return value;
                }
            }
            return -1;
        }
    }

    /// <summary>
    /// Whether some pixel of a PNG that declares transparency (an alpha channel, or a tRNS chunk) is not fully opaque,
    /// judged from its samples as libpng gives them: an alpha sample below its maximum, a palette index whose tRNS
    /// entry is below 255, or a grey or RGB pixel equal to the tRNS colour key. Stops unfiltering at the first such pixel.
    /// </summary>
    internal sealed class PngAlphaScan : PngScanlines
    {
        private readonly ulong _alphaMask;
        private readonly bool[]? _translucentIndex;
        private readonly int[]? _key;

        private PngAlphaScan(ImageHeader header, int bitsPerPixel, ulong alphaMask, bool[]? translucentIndex, int[]? key)
            : base(header, bitsPerPixel)
        {
            _alphaMask = alphaMask;
            _translucentIndex = translucentIndex;
            _key = key;
        }

        /// <summary>True once a pixel that is not fully opaque has been read.</summary>
        public bool Translucent { get; private set; }

        /// <summary>
        /// A scan for a PNG of 8 bits or fewer that declares transparency, or null when its transparency is not one the
        /// scan reads as libpng does (no tRNS, a tRNS out of place, twice, longer than the palette or its bit depth can
        /// index, of the wrong length, or a colour key outside the bit depth): the caller then judges from decoded pixels.
        /// So is a 16-bit PNG (never passed through): a sample just below its maximum is opaque or not once a decoder
        /// narrows it to 8 bits, by that decoder's rounding. Reads chunk headers up to the first IDAT.
        /// </summary>
        public static PngAlphaScan? For(byte[] b, ImageHeader header)
        {
            int depth = header.BitDepth;
            // The alpha masks read the samples as little-endian 64-bit words.
            if (depth is not (1 or 2 or 4 or 8) || !BitConverter.IsLittleEndian)
            {
                return null;
            }
            switch (header.ColorType)
            {
                // The alpha bytes of the pixels each word holds (colour types 4 and 6 have 8 or 16 bits only).
                case ImageColorType.Rgba:
                    return new PngAlphaScan(header, 32, 0xFF000000FF000000UL, null, null);
                case ImageColorType.GrayAlpha:
                    return new PngAlphaScan(header, 16, 0xFF00FF00FF00FF00UL, null, null);
            }
            if (Transparency(b) is not (int offset, int length, int entries))
            {
                return null;
            }
            int max = (1 << depth) - 1;
            switch (header.ColorType)
            {
                case ImageColorType.Palette when length >= 1 && length <= Math.Min(entries, max + 1):
                    var translucent = new bool[max + 1];
                    for (int i = 0; i < length; i++)
                    {
                        translucent[i] = b[offset + i] < 255;
                    }
                    return new PngAlphaScan(header, depth, 0, translucent, null);
                case ImageColorType.Gray when length == 2:
                case ImageColorType.Rgb when length == 6:
                    var key = new int[length / 2];
                    for (int i = 0; i < key.Length; i++)
                    {
                        key[i] = (b[offset + (2 * i)] << 8) | b[offset + (2 * i) + 1];
                        if (key[i] > max)
                        {
                            return null;
                        }
                    }
                    return new PngAlphaScan(header, depth * key.Length, 0, null, key);
                default:
                    return null;
            }
        }

        /// <summary>
        /// The offset and length of the one tRNS chunk's data, when it comes after any PLTE and before the first IDAT, and
        /// the colours in the PLTE (0 without one).
        /// </summary>
        private static (int Offset, int Length, int Entries)? Transparency(byte[] b)
        {
            (int, int)? found = null;
            int entries = 0;
            for (long at = 8; at + 12 <= b.Length;)
            {
                long length = ContainerHeaders.U32(b, (int)at);
                ReadOnlySpan<byte> type = b.AsSpan((int)at + 4, 4);
                if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8) || at + 12 + length > b.Length)
                {
                    break;
                }
                if (type.SequenceEqual("tRNS"u8))
                {
                    if (found is not null || (b[25] == 3 && entries == 0))
                    {
                        return null;
                    }
                    found = ((int)at + 8, (int)length);
                }
                else if (type.SequenceEqual("PLTE"u8))
                {
                    if (found is not null || entries > 0)
                    {
                        return null;
                    }
                    entries = (int)Math.Min(256, length / 3);
                }
                at += 12 + length;
            }
            return found is (int offset, int size) ? (offset, size, entries) : null;
        }

        protected override string? Row(ReadOnlySpan<byte> pixels, long width)
        {
            Translucent = _translucentIndex is not null ? UsesTranslucentIndex(pixels, width)
                : _key is not null ? HasKeyColour(pixels, width)
                : AlphaBelowMax(pixels);
            Finished = Translucent;
            return null;
        }

        /// <summary>An alpha sample below its maximum: the row read as 64-bit words, the last few bytes padded opaque.</summary>
        private bool AlphaBelowMax(ReadOnlySpan<byte> pixels)
        {
            ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(pixels);
            ulong all = ulong.MaxValue;
            for (int i = 0; i < words.Length; i++)
            {
                all &= words[i];
            }
            Span<byte> tail = stackalloc byte[8];
            tail.Fill(0xFF);
            pixels.Slice(words.Length * 8).CopyTo(tail);
            all &= MemoryMarshal.Read<ulong>(tail);
            return (all & _alphaMask) != _alphaMask;
        }

        private bool UsesTranslucentIndex(ReadOnlySpan<byte> pixels, long width)
        {
            int depth = Header.BitDepth;
            for (long x = 0; x < width; x++)
            {
                if (_translucentIndex![Sample(pixels, x, depth)])
                {
                    return true;
                }
            }
            return false;
        }

        private bool HasKeyColour(ReadOnlySpan<byte> pixels, long width)
        {
            int depth = Header.BitDepth, channels = _key!.Length;
            for (long x = 0; x < width; x++)
            {
                int c = 0;
                while (c < channels && Sample(pixels, (x * channels) + c, depth) == _key[c])
                {
                    c++;
                }
                if (c == channels)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
