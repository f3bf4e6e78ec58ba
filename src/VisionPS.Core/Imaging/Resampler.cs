using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
#if NET
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// A separable Lanczos-3 resampler for 8-bit RGBA (premultiplied or opaque) pixels: the kernel widens with the
    /// reduction, so it does not alias at any scale (Skia's cubic sampler alone aliases beyond about 2x, and is slow on
    /// the CPU). Fixed-point weights (14 bits), an 8-bit intermediate like Pillow's, rows spread over the cores,
    /// 128-bit vectors where the runtime has them.
    /// </summary>
    internal static unsafe class Resampler
    {
        private const int Bits = 14;
        private const int One = 1 << Bits;

        /// <summary>Per output coordinate: the first source index and the weights (summing to 1 &lt;&lt; 14).</summary>
        private sealed class Kernel
        {
            public int[] Start = Array.Empty<int>();
            public int Taps;
            public int[] Weights = Array.Empty<int>(); // [out * Taps + k]

            /// <summary>Pairs of 16-bit weights (tap 2p low, 2p+1 high) for pmaddwd; null when Taps is odd.</summary>
            public int[]? Pairs;

#if NET
            /// <summary>
            /// Per output, per group of four taps: the two weight pairs each repeated over a 128-bit lane (eight ints),
            /// ready to load as one 256-bit vector; null without AVX2.
            /// </summary>
            public int[]? Quads;
#endif
        }

        private static double Lanczos3(double x)
        {
            x = Math.Abs(x);
            if (x < 1e-9)
            {
                return 1;
            }
            if (x >= 3)
            {
                return 0;
            }
            double px = Math.PI * x;
            return 3 * Math.Sin(px) * Math.Sin(px / 3) / (px * px);
        }

        private static Kernel Build(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(1.0, scale);
            double support = 3.0 * filterScale;
            // A window from floor(c - s + 0.5) to floor(c + s + 0.5) holds at most floor(2s) + 1 source pixels; rounded
            // up to even, as taps go in pairs (more taps would only add zero weights).
            int taps = (int)Math.Floor(2 * support) + 1;
            taps += taps & 1;
            var k = new Kernel { Start = new int[outSize], Taps = taps, Weights = new int[outSize * taps] };
            var w = new double[taps];
            for (int o = 0; o < outSize; o++)
            {
                double center = (o + 0.5) * scale;
                int start = (int)Math.Floor(center - support + 0.5);
                start = Math.Max(0, Math.Min(start, inSize - 1));
                int end = Math.Min(inSize, (int)Math.Floor(center + support + 0.5));
                int n = Math.Min(taps, Math.Max(1, end - start));
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    w[i] = Lanczos3((start + i + 0.5 - center) / filterScale);
                    sum += w[i];
                }
                if (sum == 0)
                {
                    w[0] = sum = 1;
                }
                int total = 0, biggest = 0;
                for (int i = 0; i < taps; i++)
                {
                    int v = i < n ? (int)Math.Round(w[i] / sum * One) : 0;
                    k.Weights[(o * taps) + i] = v;
                    total += v;
                    if (i < n && v > k.Weights[(o * taps) + biggest])
                    {
                        biggest = i;
                    }
                }
                k.Weights[(o * taps) + biggest] += One - total; // exact unity gain: flat areas stay flat
                // Keep every tap inside the source: shift the window left at the right edge.
                if (start + taps > inSize)
                {
                    int shift = start + taps - inSize;
                    if (shift > start)
                    {
                        shift = start;
                    }
                    if (shift > 0)
                    {
                        for (int i = taps - 1; i >= shift; i--)
                        {
                            k.Weights[(o * taps) + i] = k.Weights[(o * taps) + i - shift];
                        }
                        for (int i = 0; i < shift; i++)
                        {
                            k.Weights[(o * taps) + i] = 0;
                        }
                        start -= shift;
                    }
                }
                k.Start[o] = start;
            }
            // Rows shorter than the tap count (tiny sources) must never read past the end.
            if (taps > inSize)
            {
                var small = new Kernel { Start = k.Start, Taps = inSize, Weights = new int[outSize * inSize] };
                for (int o = 0; o < outSize; o++)
                {
                    for (int i = 0; i < taps; i++)
                    {
                        int src = k.Start[o] + i;
                        if (src < inSize)
                        {
                            small.Weights[(o * inSize) + src] += k.Weights[(o * taps) + i];
                        }
                    }
                    small.Start[o] = 0;
                }
                return WithPairs(small);
            }
            return WithPairs(k);
        }

        private static Kernel WithPairs(Kernel k)
        {
            if (k.Taps % 2 != 0)
            {
                return k;
            }
            int outSize = k.Start.Length, half = k.Taps / 2;
            k.Pairs = new int[outSize * half];
            for (int o = 0; o < outSize; o++)
            {
                for (int p = 0; p < half; p++)
                {
                    int w0 = k.Weights[(o * k.Taps) + (2 * p)], w1 = k.Weights[(o * k.Taps) + (2 * p) + 1];
                    k.Pairs[(o * half) + p] = (w0 & 0xFFFF) | (w1 << 16);
                }
            }
#if NET
            if (Avx2.IsSupported)
            {
                int quads = half / 2;
                k.Quads = new int[outSize * quads * 8];
                for (int o = 0; o < outSize; o++)
                {
                    for (int q = 0; q < quads; q++)
                    {
                        int at = ((o * quads) + q) * 8;
                        for (int i = 0; i < 4; i++)
                        {
                            k.Quads[at + i] = k.Pairs[(o * half) + (2 * q)];
                            k.Quads[at + 4 + i] = k.Pairs[(o * half) + (2 * q) + 1];
                        }
                    }
                }
            }
#endif
            return k;
        }

        /// <summary>
        /// Resizes <paramref name="sw"/> x <paramref name="sh"/> RGBA pixels into <paramref name="dw"/> x <paramref name="dh"/>.
        /// With <paramref name="premultiplied"/>, colour is clamped to alpha so the result stays valid premultiplied.
        /// </summary>
        public static void Resize(byte* src, int sw, int sh, int srcStride, byte* dst, int dw, int dh, int dstStride, bool premultiplied)
        {
            Kernel kx = Build(sw, dw);
            Kernel ky = Build(sh, dh);
            int midStride = dw * 4;
            byte[] mid = System.Buffers.ArrayPool<byte>.Shared.Rent(checked(midStride * sh));
            try
            {
            fixed (byte* m = mid)
            {
                byte* mp = m;
                Parallel.For(0, Chunks(sh), c =>
                {
                    (int y0, int y1) = Range(c, sh);
                    for (int y = y0; y < y1; y++)
                    {
                        Horizontal(src + ((long)y * srcStride), mp + ((long)y * midStride), kx, dw);
                    }
                });
                Parallel.For(0, Chunks(dh), c =>
                {
                    (int y0, int y1) = Range(c, dh);
                    for (int y = y0; y < y1; y++)
                    {
                        byte* row = dst + ((long)y * dstStride);
                        Vertical(mp, midStride, row, midStride, ky, y);
                        if (premultiplied)
                        {
                            for (int x = 0; x < midStride; x += 4)
                            {
                                byte a = row[x + 3];
                                if (row[x] > a) { row[x] = a; }
                                if (row[x + 1] > a) { row[x + 1] = a; }
                                if (row[x + 2] > a) { row[x + 2] = a; }
                            }
                        }
                    }
                });
            }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(mid);
            }
        }

        private static int Chunks(int rows) => Math.Max(1, Math.Min(rows / 16, Environment.ProcessorCount * 4));

        private static (int, int) Range(int chunk, int rows)
        {
            int n = Chunks(rows);
            return ((int)((long)rows * chunk / n), (int)((long)rows * (chunk + 1) / n));
        }

        // Fully optimised from the first call: a short-lived process never reaches tier 1 on these loops.
#if NET
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        private static void Horizontal(byte* src, byte* dst, Kernel k, int dw)
        {
            int taps = k.Taps;
#if NET
            if (k.Quads is not null)
            {
                HorizontalAvx2(src, dst, k, dw);
                return;
            }
            if (Ssse3.IsSupported && k.Pairs is not null)
            {
                HorizontalPairs(src, dst, k, dw);
                return;
            }
#endif
            fixed (int* weights = k.Weights)
            fixed (int* starts = k.Start)
            {
                for (int x = 0; x < dw; x++)
                {
                    byte* s = src + (starts[x] * 4);
                    int* w = weights + (x * taps);
#if NET
                    if (Vector128.IsHardwareAccelerated)
                    {
                        Vector128<int> acc = Vector128.Create(1 << (Bits - 1));
                        for (int i = 0; i < taps; i++)
                        {
                            Vector128<int> px = Vector128.WidenLower(Vector128.WidenLower(
                                Vector128.CreateScalarUnsafe(*(uint*)(s + (i * 4))).AsByte())).AsInt32();
                            acc += px * Vector128.Create(w[i]);
                        }
                        acc = Vector128.ShiftRightArithmetic(acc, Bits);
                        acc = Vector128.Min(Vector128.Max(acc, Vector128<int>.Zero), Vector128.Create(255));
                        *(uint*)(dst + (x * 4)) = (uint)(acc.GetElement(0) | (acc.GetElement(1) << 8) | (acc.GetElement(2) << 16) | (acc.GetElement(3) << 24));
                        continue;
                    }
#endif
                    PlainPixel(s, w, taps, dst + (x * 4));
                }
            }
        }

        private static void PlainPixel(byte* s, int* w, int taps, byte* d)
        {
            int r = 1 << (Bits - 1), g = r, b = r, a = r;
            for (int i = 0; i < taps; i++)
            {
                byte* p = s + (i * 4);
                int wi = w[i];
                r += p[0] * wi;
                g += p[1] * wi;
                b += p[2] * wi;
                a += p[3] * wi;
            }
            d[0] = Clamp(r >> Bits);
            d[1] = Clamp(g >> Bits);
            d[2] = Clamp(b >> Bits);
            d[3] = Clamp(a >> Bits);
        }

        /// <summary>
        /// For tests: one RGBA row of <paramref name="sw"/> pixels resampled to <paramref name="dw"/> by the horizontal
        /// pass this machine uses and by plain integer code, which must agree byte for byte.
        /// </summary>
        internal static (byte[] Used, byte[] Plain) HorizontalBothWays(byte[] row, int sw, int dw)
        {
            if (row.Length < sw * 4)
            {
                throw new ArgumentException("The row is shorter than its width.", nameof(row));
            }
            Kernel k = Build(sw, dw);
            byte[] used = new byte[dw * 4], plain = new byte[dw * 4];
            fixed (byte* s = row)
            fixed (byte* u = used)
            fixed (byte* p = plain)
            fixed (int* weights = k.Weights)
            {
                Horizontal(s, u, k, dw);
                for (int x = 0; x < dw; x++)
                {
                    PlainPixel(s + (k.Start[x] * 4), weights + (x * k.Taps), k.Taps, p + (x * 4));
                }
            }
            return (used, plain);
        }

#if NET
        /// <summary>Two taps per pmaddwd: interleave two pixels' channels as 16-bit, multiply-add with a weight pair.</summary>
        // Fully optimised from the first call: a short-lived process never reaches tier 1 on these loops.
#if NET
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        private static void HorizontalPairs(byte* src, byte* dst, Kernel k, int dw)
        {
            int half = k.Taps / 2;
            Vector128<byte> mask = Vector128.Create((byte)0, 0x80, 4, 0x80, 1, 0x80, 5, 0x80, 2, 0x80, 6, 0x80, 3, 0x80, 7, 0x80);
            Vector128<int> round = Vector128.Create(1 << (Bits - 1));
            Vector128<int> max = Vector128.Create(255);
            fixed (int* pairs = k.Pairs)
            fixed (int* starts = k.Start)
            {
                for (int x = 0; x < dw; x++)
                {
                    byte* s = src + (starts[x] * 4);
                    int* w = pairs + (x * half);
                    Vector128<int> acc = round;
                    for (int p = 0; p < half; p++)
                    {
                        Vector128<byte> two = Vector128.CreateScalarUnsafe(*(ulong*)(s + (p * 8))).AsByte();
                        Vector128<short> interleaved = Ssse3.Shuffle(two, mask).AsInt16();
                        acc = Sse2.Add(acc, Sse2.MultiplyAddAdjacent(interleaved, Vector128.Create(w[p]).AsInt16()));
                    }
                    acc = Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(acc, Bits), Vector128<int>.Zero), max);
                    Vector128<short> s16 = Sse2.PackSignedSaturate(acc, acc);
                    Vector128<byte> b8 = Sse2.PackUnsignedSaturate(s16, s16);
                    *(uint*)(dst + (x * 4)) = b8.AsUInt32().ToScalar();
                }
            }
        }
#endif

        // Fully optimised from the first call: a short-lived process never reaches tier 1 on these loops.
#if NET
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        private static void Vertical(byte* mid, int midStride, byte* dst, int width, Kernel k, int y)
        {
            int taps = k.Taps;
            int start = k.Start[y];
#if NET
            if (Avx2.IsSupported && k.Pairs is not null)
            {
                VerticalAvx2(mid, midStride, dst, width, k, y);
                return;
            }
#endif
            fixed (int* wAll = k.Weights)
            {
                int* w = wAll + (y * taps);
                int x = 0;
#if NET
                if (Vector128.IsHardwareAccelerated)
                {
                    Vector128<int> round = Vector128.Create(1 << (Bits - 1));
                    for (; x + 16 <= width; x += 16)
                    {
                        Vector128<int> a0 = round, a1 = round, a2 = round, a3 = round;
                        for (int i = 0; i < taps; i++)
                        {
                            Vector128<byte> v = Vector128.Load(mid + ((long)(start + i) * midStride) + x);
                            Vector128<ushort> lo = Vector128.WidenLower(v), hi = Vector128.WidenUpper(v);
                            Vector128<int> wi = Vector128.Create(w[i]);
                            a0 += Vector128.WidenLower(lo).AsInt32() * wi;
                            a1 += Vector128.WidenUpper(lo).AsInt32() * wi;
                            a2 += Vector128.WidenLower(hi).AsInt32() * wi;
                            a3 += Vector128.WidenUpper(hi).AsInt32() * wi;
                        }
                        Vector128<int> zero = Vector128<int>.Zero, max = Vector128.Create(255);
                        a0 = Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(a0, Bits), zero), max);
                        a1 = Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(a1, Bits), zero), max);
                        a2 = Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(a2, Bits), zero), max);
                        a3 = Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(a3, Bits), zero), max);
                        Vector128<ushort> s0 = Vector128.Narrow(a0.AsUInt32(), a1.AsUInt32());
                        Vector128<ushort> s1 = Vector128.Narrow(a2.AsUInt32(), a3.AsUInt32());
                        Vector128.Narrow(s0, s1).Store(dst + x);
                    }
                }
#endif
                for (; x < width; x++)
                {
                    int acc = 1 << (Bits - 1);
                    for (int i = 0; i < taps; i++)
                    {
                        acc += mid[((long)(start + i) * midStride) + x] * w[i];
                    }
                    dst[x] = Clamp(acc >> Bits);
                }
            }
        }

#if NET
        /// <summary>
        /// Four taps per step: two pixel pairs widened to 16 bits in the two 128-bit lanes, channels interleaved
        /// (R0 R1 G0 G1 ...), one vpmaddwd with the lanes' weight pairs. Four outputs at a time share the end: their
        /// lanes are added pairwise, shifted, saturated to bytes (which is the clamp to 0..255) and stored as 16 bytes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void HorizontalAvx2(byte* src, byte* dst, Kernel k, int dw)
        {
            int half = k.Taps / 2;
            int quads = half / 2;
            bool oddPair = (half & 1) != 0;
            // Within each lane, 16-bit channels of two pixels [R0 G0 B0 A0 R1 G1 B1 A1] -> [R0 R1 G0 G1 B0 B1 A0 A1].
            Vector256<byte> interleave = Vector256.Create(
                (byte)0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15,
                0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
            Vector128<byte> mask = Vector128.Create((byte)0, 0x80, 4, 0x80, 1, 0x80, 5, 0x80, 2, 0x80, 6, 0x80, 3, 0x80, 7, 0x80);
            Vector256<int> round = Vector256.Create(1 << (Bits - 1));
            // After the packs, output n's four bytes sit in dword n / 2 + 4 * (n % 2): gather them in order.
            Vector256<int> order = Vector256.Create(0, 4, 1, 5, 0, 0, 0, 0);
            fixed (int* pairs = k.Pairs)
            fixed (int* quadWeights = k.Quads)
            fixed (int* starts = k.Start)
            {
                int x = 0;
                for (; x + 4 <= dw; x += 4)
                {
                    Vector256<int> a0 = Taps(src + (starts[x] * 4), quadWeights + (x * quads * 8), quads, interleave);
                    Vector256<int> a1 = Taps(src + (starts[x + 1] * 4), quadWeights + ((x + 1) * quads * 8), quads, interleave);
                    Vector256<int> a2 = Taps(src + (starts[x + 2] * 4), quadWeights + ((x + 2) * quads * 8), quads, interleave);
                    Vector256<int> a3 = Taps(src + (starts[x + 3] * 4), quadWeights + ((x + 3) * quads * 8), quads, interleave);
                    // [sum x | sum x+1] and [sum x+2 | sum x+3], each sum the two lanes of its accumulator.
                    Vector256<int> s01 = Avx2.Add(Avx2.Permute2x128(a0, a1, 0x20), Avx2.Permute2x128(a0, a1, 0x31));
                    Vector256<int> s23 = Avx2.Add(Avx2.Permute2x128(a2, a3, 0x20), Avx2.Permute2x128(a2, a3, 0x31));
                    if (oddPair)
                    {
                        int p = half - 1;
                        s01 = Avx2.Add(s01, Vector256.Create(
                            LastPair(src + (starts[x] * 4), pairs + (x * half), p, mask),
                            LastPair(src + (starts[x + 1] * 4), pairs + ((x + 1) * half), p, mask)));
                        s23 = Avx2.Add(s23, Vector256.Create(
                            LastPair(src + (starts[x + 2] * 4), pairs + ((x + 2) * half), p, mask),
                            LastPair(src + (starts[x + 3] * 4), pairs + ((x + 3) * half), p, mask)));
                    }
                    s01 = Avx2.ShiftRightArithmetic(Avx2.Add(s01, round), Bits);
                    s23 = Avx2.ShiftRightArithmetic(Avx2.Add(s23, round), Bits);
                    // Signed then unsigned saturation is exactly the clamp to 0..255.
                    Vector256<short> words = Avx2.PackSignedSaturate(s01, s23);
                    Vector256<byte> bytes = Avx2.PackUnsignedSaturate(words, words);
                    Avx2.PermuteVar8x32(bytes.AsInt32(), order).GetLower().Store((int*)(dst + (x * 4)));
                }
                for (; x < dw; x++)
                {
                    byte* s = src + (starts[x] * 4);
                    Vector256<int> acc8 = Taps(s, quadWeights + (x * quads * 8), quads, interleave);
                    Vector128<int> acc = Sse2.Add(round.GetLower(), Sse2.Add(acc8.GetLower(), acc8.GetUpper()));
                    if (oddPair)
                    {
                        acc = Sse2.Add(acc, LastPair(s, pairs + (x * half), half - 1, mask));
                    }
                    Vector128<short> s16 = Sse2.PackSignedSaturate(Vector128.ShiftRightArithmetic(acc, Bits), Vector128<int>.Zero);
                    *(uint*)(dst + (x * 4)) = Sse2.PackUnsignedSaturate(s16, s16).AsUInt32().ToScalar();
                }
            }
        }

        /// <summary>One output's taps in groups of four: per 128-bit lane, partial sums of each channel.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Taps(byte* s, int* wq, int quads, Vector256<byte> interleave)
        {
            Vector256<int> acc8 = Vector256<int>.Zero;
            for (int q = 0; q < quads; q++)
            {
                Vector256<short> px = Avx2.ConvertToVector256Int16(Vector128.Load(s + (q * 16)));
                px = Avx2.Shuffle(px.AsByte(), interleave).AsInt16();
                acc8 = Avx2.Add(acc8, Avx2.MultiplyAddAdjacent(px, Vector256.Load(wq + (q * 8)).AsInt16()));
            }
            return acc8;
        }

        /// <summary>The taps' last pair when their number of pairs is odd: two pixels times one weight pair.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> LastPair(byte* s, int* w, int p, Vector128<byte> mask)
        {
            Vector128<byte> two = Vector128.CreateScalarUnsafe(*(ulong*)(s + (p * 8))).AsByte();
            return Sse2.MultiplyAddAdjacent(Ssse3.Shuffle(two, mask).AsInt16(), Vector128.Create(w[p]).AsInt16());
        }

        /// <summary>
        /// Two source rows per step: their bytes interleaved and widened to 16 bits, one vpmaddwd with the rows'
        /// weight pair gives 32-bit sums; 32 bytes of the output row per iteration.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void VerticalAvx2(byte* mid, int midStride, byte* dst, int width, Kernel k, int y)
        {
            int half = k.Taps / 2;
            int start = k.Start[y];
            fixed (int* pairAll = k.Pairs)
            {
                int* w = pairAll + (y * half);
                Vector256<int> round = Vector256.Create(1 << (Bits - 1));
                Vector256<byte> zero = Vector256<byte>.Zero;
                int x = 0;
                for (; x + 32 <= width; x += 32)
                {
                    Vector256<int> a0 = round, a1 = round, a2 = round, a3 = round;
                    byte* col = mid + ((long)start * midStride) + x;
                    for (int p = 0; p < half; p++, col += 2L * midStride)
                    {
                        Vector256<byte> r0 = Vector256.Load(col), r1 = Vector256.Load(col + midStride);
                        Vector256<short> wp = Vector256.Create(w[p]).AsInt16();
                        Vector256<byte> lo = Avx2.UnpackLow(r0, r1), hi = Avx2.UnpackHigh(r0, r1);
                        a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(lo, zero).AsInt16(), wp));
                        a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(lo, zero).AsInt16(), wp));
                        a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(hi, zero).AsInt16(), wp));
                        a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(hi, zero).AsInt16(), wp));
                    }
                    Vector256<short> s01 = Avx2.PackSignedSaturate(Avx2.ShiftRightArithmetic(a0, Bits), Avx2.ShiftRightArithmetic(a1, Bits));
                    Vector256<short> s23 = Avx2.PackSignedSaturate(Avx2.ShiftRightArithmetic(a2, Bits), Avx2.ShiftRightArithmetic(a3, Bits));
                    Avx2.PackUnsignedSaturate(s01, s23).Store(dst + x);
                }
                for (; x < width; x++)
                {
                    int acc = 1 << (Bits - 1);
                    for (int i = 0; i < k.Taps; i++)
                    {
                        acc += mid[((long)(start + i) * midStride) + x] * k.Weights[(y * k.Taps) + i];
                    }
                    dst[x] = Clamp(acc >> Bits);
                }
            }
        }
#endif

        private static byte Clamp(int v) => v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }
}
