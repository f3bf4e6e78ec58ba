using System;
#if NET
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
#endif

namespace VisionPS.Core.Imaging
{
    /// <summary>Row conversions into opaque 8-bit RGBA, for pixels another decoder hands over packed.</summary>
    internal static class PixelRows
    {
#if NET
        // Four RGB pixels (12 bytes) to four RGBA pixels; index 0x80 gives 0 (pshufb, tbl), then OR-ed to 255.
        private static readonly Vector128<byte> s_rgbShuffle = Vector128.Create((byte)0, 1, 2, 0x80, 3, 4, 5, 0x80, 6, 7, 8, 0x80, 9, 10, 11, 0x80);
        private static readonly Vector128<byte> s_opaque = Vector128.Create(0xFF000000u).AsByte();
#endif

        /// <summary>Packed RGB to RGBA with alpha 255 (optimised at once: it runs per row, too briefly for the tiered JIT to promote it soon).</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        public static unsafe void RgbToRgba(byte* src, byte* dst, int width)
        {
            int x = 0;
#if NET
            // Each step reads 16 bytes and uses 12: stop while the read stays inside the row.
            if (Ssse3.IsSupported)
            {
                for (; x + 6 <= width; x += 4)
                {
                    (Ssse3.Shuffle(Vector128.Load(src + (x * 3)), s_rgbShuffle) | s_opaque).Store(dst + (x * 4));
                }
            }
            else if (AdvSimd.Arm64.IsSupported)
            {
                for (; x + 6 <= width; x += 4)
                {
                    (AdvSimd.Arm64.VectorTableLookup(Vector128.Load(src + (x * 3)), s_rgbShuffle) | s_opaque).Store(dst + (x * 4));
                }
            }
#endif
            for (; x < width; x++)
            {
                dst[x * 4] = src[x * 3];
                dst[(x * 4) + 1] = src[(x * 3) + 1];
                dst[(x * 4) + 2] = src[(x * 3) + 2];
                dst[(x * 4) + 3] = 255;
            }
        }

        /// <summary>Grey, one sample every <paramref name="stride"/> bytes, to RGBA with alpha 255.</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        public static unsafe void GrayToRgba(byte* src, int stride, byte* dst, int width)
        {
            uint* d = (uint*)dst;
            for (int x = 0; x < width; x++)
            {
                uint g = src[x * stride];
                d[x] = g | (g << 8) | (g << 16) | 0xFF000000u;
            }
        }
    }
}
