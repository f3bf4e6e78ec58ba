using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Reads the one JPEG XL header field the colour conversion needs and Magick.NET does not expose: whether the
    /// image is XYB-coded (ISO/IEC 18181-1, ImageMetadata.xyb_encoded). libjxl without a colour engine hands an
    /// XYB-coded image over as linear light but labels it with the original's ICC profile.
    /// </summary>
    internal static class JxlHeader
    {
        /// <summary>
        /// Whether the image is XYB-coded with an ICC colour encoding (ColourEncoding.want_icc): libjxl without a colour
        /// engine then hands it over as linear light. True or false when the header says; null when it cannot be read
        /// here (an intrinsic size, a preview, non-default extra channels).
        /// </summary>
        public static bool? IsXybWithIcc(byte[] data)
        {
            int start = CodestreamStart(data, out int end);
            if (start < 0)
            {
                return null;
            }
            try
            {
                // Within the codestream's own box: a first 'jxlp' part shorter than the headers gives no verdict.
                var r = new BitReader(data, start + 2, end);
                // SizeHeader
                if (r.Bit())
                {
                    r.Bits(5);
                    if (r.Bits(3) == 0)
                    {
                        r.Bits(5);
                    }
                }
                else
                {
                    r.U32(0, 9, 0, 13, 0, 18, 0, 30);
                    if (r.Bits(3) == 0)
                    {
                        r.U32(0, 9, 0, 13, 0, 18, 0, 30);
                    }
                }
                // ImageMetadata
                if (r.Bit())
                {
                    return false; // all_default: XYB, but sRGB by enum
                }
                if (r.Bit())
                {
                    r.Bits(3); // orientation
                    if (r.Bit())
                    {
                        return null; // intrinsic size
                    }
                    if (r.Bit())
                    {
                        return null; // preview
                    }
                    if (r.Bit())
                    {
                        // AnimationHeader: tps_numerator, tps_denominator, num_loops, have_timecodes.
                        r.Dist(new[] { (100, 0), (1000, 0), (1, 10), (1, 30) });
                        r.Dist(new[] { (1, 0), (1, 8), (1, 10), (1, 30) });
                        r.Dist(new[] { (0, 0), (0, 3), (0, 16), (0, 32) });
                        r.Bit();
                    }
                }
                // BitDepth
                if (r.Bit())
                {
                    r.Dist(new[] { (32, 0), (16, 0), (24, 0), (1, 6) });
                    r.Bits(4);
                }
                else
                {
                    r.Dist(new[] { (8, 0), (10, 0), (12, 0), (1, 6) });
                }
                r.Bit(); // modular_16_bit_buffers
                long extra = r.Dist(new[] { (0, 0), (1, 0), (2, 4), (1, 12) });
                for (long i = 0; i < extra; i++)
                {
                    if (!r.Bit())
                    {
                        return null; // a non-default extra channel (named, spot colour, CFA...)
                    }
                }
                bool xyb = r.Bit();
                // ColourEncoding: all_default, then want_icc.
                return xyb && !r.Bit() && r.Bit();
            }
            catch (IndexOutOfRangeException)
            {
                return null;
            }
        }

        /// <summary>
        /// Where the codestream (FF 0A) starts: at 0, or inside a 'jxlc'/'jxlp' box of the container; -1 if not found.
        /// <paramref name="end"/> is where its bytes end (the box's end, or the file's).
        /// </summary>
        private static int CodestreamStart(byte[] b, out int end)
        {
            end = b.Length;
            if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0x0A)
            {
                return 0;
            }
            // The container is ISO BMFF: the same top-level box walk as HEIF's.
            foreach (HeifBoxes.Box box in HeifBoxes.TopLevel(b, out _))
            {
                if (box.Type != "jxlc" && box.Type != "jxlp")
                {
                    continue;
                }
                long payload = box.Offset + (ContainerHeaders.U32(b, box.Offset) == 1 ? 16 : 8) + (box.Type == "jxlp" ? 4 : 0);
                if (payload + 2 <= b.Length && b[payload] == 0xFF && b[payload + 1] == 0x0A)
                {
                    end = (int)Math.Min(b.Length, box.Offset + box.Length);
                    return (int)payload;
                }
            }
            return -1;
        }

        private sealed class BitReader
        {
            private readonly byte[] _b;
            private readonly long _endBit;
            private long _bit;

            public BitReader(byte[] b, int byteOffset, int endByte)
            {
                _b = b;
                _bit = (long)byteOffset * 8;
                _endBit = (long)Math.Min(endByte, b.Length) * 8;
            }

            public bool Bit() => Bits(1) == 1;

            public long Bits(int n)
            {
                long v = 0;
                for (int i = 0; i < n; i++, _bit++)
                {
                    if (_bit >= _endBit)
                    {
                        throw new IndexOutOfRangeException("The header runs past the end of its box.");
                    }
                    v |= (long)((_b[_bit >> 3] >> (int)(_bit & 7)) & 1) << i;
                }
                return v;
            }

            /// <summary>U32 with four (offset, bits) distributions: bits 0 means the offset alone.</summary>
            public long Dist((int Offset, int Bits)[] d)
            {
                (int offset, int bits) = d[(int)Bits(2)];
                return offset + (bits == 0 ? 0 : Bits(bits));
            }

            public long U32(int o0, int b0, int o1, int b1, int o2, int b2, int o3, int b3) =>
                Dist(new[] { (o0 + 1, b0), (o1 + 1, b1), (o2 + 1, b2), (o3 + 1, b3) });
        }
    }
}
