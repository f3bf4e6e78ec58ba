using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// How many rows of a cut baseline JPEG are in the file: its one scan's Huffman codes walked (no pixels made) to
    /// where the data ends, counting the complete MCUs, as libjpeg decodes them before it fills the rest with the last
    /// block's flat colour. Only for a sequential Huffman JPEG whose scan holds every component (nearly all of them);
    /// -1 for anything else (progressive, arithmetic, a multi-scan sequential file), when the caller says it is not known.
    /// </summary>
    internal static class JpegMcuRows
    {
        /// <summary>The image rows (of the JPEG's height) whose every block is in the file, or -1 when it cannot be told.</summary>
        public static int CompleteRows(byte[] b)
        {
            if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8)
            {
                return -1;
            }
            var tables = new Huffman?[8]; // DC 0-3, AC 0-3
            int width = 0, height = 0, components = 0, restartInterval = 0, hMax = 1, vMax = 1;
            var ids = new int[4];
            var h = new int[4];
            var v = new int[4];
            int i = 2;
            while (i + 4 <= b.Length)
            {
                if (b[i] != 0xFF)
                {
                    return -1;
                }
                byte marker = b[i + 1];
                if (marker == 0xFF)
                {
                    i++;
                    continue;
                }
                if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
                {
                    i += 2; // standalone markers: no length follows
                    continue;
                }
                int length = (b[i + 2] << 8) | b[i + 3];
                int p = i + 4, end = i + 2 + length;
                if (length < 2 || end > b.Length)
                {
                    return -1;
                }
                switch (marker)
                {
                    case 0xC0:
                    case 0xC1:
                        if (length < 8)
                        {
                            return -1;
                        }
                        height = (b[p + 1] << 8) | b[p + 2];
                        width = (b[p + 3] << 8) | b[p + 4];
                        components = b[p + 5];
                        if (components is < 1 or > 4 || p + 6 + (3 * components) > end || width == 0 || height == 0)
                        {
                            return -1;
                        }
                        for (int c = 0; c < components; c++)
                        {
                            ids[c] = b[p + 6 + (3 * c)];
                            h[c] = b[p + 7 + (3 * c)] >> 4;
                            v[c] = b[p + 7 + (3 * c)] & 15;
                            if (h[c] is < 1 or > 4 || v[c] is < 1 or > 4)
                            {
                                return -1;
                            }
                            hMax = Math.Max(hMax, h[c]);
                            vMax = Math.Max(vMax, v[c]);
                        }
                        break;
                    case >= 0xC2 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC):
                        return -1; // progressive, lossless or arithmetic
                    case 0xC4:
                        for (int t = p; t < end;)
                        {
                            if (t + 17 > end)
                            {
                                return -1;
                            }
                            int cls = b[t] >> 4, id = b[t] & 15, count = 0;
                            for (int n = 1; n <= 16; n++)
                            {
                                count += b[t + n];
                            }
                            if (cls > 1 || id > 3 || t + 17 + count > end)
                            {
                                return -1;
                            }
                            tables[(cls * 4) + id] = new Huffman(b.AsSpan(t + 1, 16), b.AsSpan(t + 17, count));
                            t += 17 + count;
                        }
                        break;
                    case 0xDD when length >= 4:
                        restartInterval = (b[p] << 8) | b[p + 1];
                        break;
                    case 0xDA:
                        if (length < 3)
                        {
                            return -1;
                        }
                        int ns = b[p];
                        if (components == 0 || ns != components || p + 1 + (2 * ns) > end)
                        {
                            return -1;
                        }
                        var dc = new Huffman[ns];
                        var ac = new Huffman[ns];
                        for (int s = 0; s < ns; s++)
                        {
                            if (b[p + 1 + (2 * s)] != ids[s])
                            {
                                return -1;
                            }
                            int sel = b[p + 2 + (2 * s)];
                            Huffman? d = tables[(sel >> 4) & 3], a = tables[4 + (sel & 3)];
                            if (d is null || a is null)
                            {
                                return -1;
                            }
                            (dc[s], ac[s]) = (d, a);
                        }
                        long mcusAcross, mcusDown;
                        if (components == 1)
                        {
                            // One component: its MCU is one block, whatever its sampling factors say.
                            (mcusAcross, mcusDown, hMax, vMax, h[0], v[0]) = ((width + 7) / 8, (height + 7) / 8, 1, 1, 1, 1);
                        }
                        else
                        {
                            mcusAcross = (width + (8 * hMax) - 1) / (8 * hMax);
                            mcusDown = (height + (8 * vMax) - 1) / (8 * vMax);
                        }
                        long mcus = Walk(b, end, DataEnd(b), dc, ac, h, v, components, restartInterval, mcusAcross * mcusDown);
                        return (int)Math.Min(height, mcus / mcusAcross * 8 * vMax);
                }
                i = end;
            }
            return -1;
        }

        /// <summary>The fewest zero bytes at a file's end taken for padding rather than scan data.</summary>
        internal const int ZeroPadding = 16;

        /// <summary>
        /// Where the file's data ends: before a run of at least <see cref="ZeroPadding"/> zero bytes at its end (an
        /// interrupted download into a preallocated file, say). All-zero bits are valid Huffman codes, so the padding
        /// would otherwise count as picture; real scan data almost never holds so long a run of zeros.
        /// </summary>
        internal static int DataEnd(byte[] b)
        {
            int end = b.Length;
            while (end > 0 && b[end - 1] == 0)
            {
                end--;
            }
            return b.Length - end >= ZeroPadding ? end : b.Length;
        }

        /// <summary>The complete MCUs of the scan that starts at <paramref name="at"/> (its data ending by <paramref name="limit"/>), at most <paramref name="total"/>.</summary>
        private static long Walk(byte[] b, int at, int limit, Huffman[] dc, Huffman[] ac, int[] h, int[] v, int components, int restartInterval, long total)
        {
            var bits = new BitReader(b, at, limit);
            for (long mcu = 0; mcu < total; mcu++)
            {
                if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 && !bits.Restart())
                {
                    return mcu;
                }
                for (int c = 0; c < components; c++)
                {
                    for (int block = h[c] * v[c]; block > 0; block--)
                    {
                        if (!Block(ref bits, dc[c], ac[c]))
                        {
                            return mcu;
                        }
                    }
                }
            }
            return total;
        }

        /// <summary>Skips one block's codes: false when the data ends (or a code is invalid) first.</summary>
        private static bool Block(ref BitReader bits, Huffman dc, Huffman ac)
        {
            int s = dc.Decode(ref bits);
            if (s < 0 || s > 16 || !bits.Skip(s))
            {
                return false;
            }
            for (int k = 1; k < 64; k++)
            {
                int rs = ac.Decode(ref bits);
                if (rs < 0)
                {
                    return false;
                }
                int r = rs >> 4;
                s = rs & 15;
                if (s == 0)
                {
                    if (r != 15)
                    {
                        return true;
                    }
                    k += 15;
                    continue;
                }
                k += r;
                if (!bits.Skip(s))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>A Huffman table as canonical codes: the largest code of each length and where its symbols start.</summary>
        private sealed class Huffman
        {
            private readonly int[] _maxCode = new int[18];
            private readonly int[] _offset = new int[17];
            private readonly byte[] _symbols;

            public Huffman(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
            {
                _symbols = symbols.ToArray();
                int code = 0, k = 0;
                for (int length = 1; length <= 16; length++)
                {
                    _offset[length] = k - code;
                    code += counts[length - 1];
                    k += counts[length - 1];
                    _maxCode[length] = counts[length - 1] == 0 ? -1 : code - 1;
                    code <<= 1;
                }
                _maxCode[17] = int.MaxValue;
            }

            /// <summary>The next symbol, or -1 when the data ends or no code matches.</summary>
            public int Decode(ref BitReader bits)
            {
                int code = 0;
                for (int length = 1; length <= 16; length++)
                {
                    int bit = bits.Bit();
                    if (bit < 0)
                    {
                        return -1;
                    }
                    code = (code << 1) | bit;
                    if (code <= _maxCode[length])
                    {
                        int index = code + _offset[length];
                        return index >= 0 && index < _symbols.Length ? _symbols[index] : -1;
                    }
                }
                return -1;
            }
        }

        /// <summary>The scan's bits, without stuffed zero bytes; it ends at any marker but a restart marker it is asked past.</summary>
        private struct BitReader
        {
            private readonly byte[] _b;
            private int _at;
            private int _byte;
            private int _left;
            private readonly int _end;

            public BitReader(byte[] b, int at, int end)
            {
                _b = b;
                _end = end;
                _at = at;
                _byte = 0;
                _left = 0;
            }

            public int Bit()
            {
                if (_left == 0)
                {
                    if (_at >= _end)
                    {
                        return -1;
                    }
                    byte x = _b[_at];
                    if (x == 0xFF)
                    {
                        if (_at + 1 >= _end || _b[_at + 1] != 0x00)
                        {
                            return -1; // a marker (or the file's end): the scan's data ends here
                        }
                        _at++;
                    }
                    _at++;
                    _byte = x;
                    _left = 8;
                }
                _left--;
                return (_byte >> _left) & 1;
            }

            public bool Skip(int count)
            {
                for (; count > 0; count--)
                {
                    if (Bit() < 0)
                    {
                        return false;
                    }
                }
                return true;
            }

            /// <summary>Drops the rest of the byte and steps over the restart marker that must follow: false when none does.</summary>
            public bool Restart()
            {
                _left = 0;
                while (_at + 1 < _end && _b[_at] == 0xFF && _b[_at + 1] == 0xFF)
                {
                    _at++;
                }
                if (_at + 1 < _end && _b[_at] == 0xFF && _b[_at + 1] is >= 0xD0 and <= 0xD7)
                {
                    _at += 2;
                    return true;
                }
                return false;
            }
        }
    }
}
