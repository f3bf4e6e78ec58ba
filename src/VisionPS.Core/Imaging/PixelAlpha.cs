using System;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Whether decoded pixels really use their alpha channel. Decoders report an alpha channel for 32-bit BMPs,
    /// palettes with a transparent entry, HEIC/AVIF/WebP/PNG/TIFF alpha planes and GIF frames even when every pixel
    /// is opaque; such images are sent as opaque (JPEG), not as a PNG many times larger.
    /// </summary>
    internal static class PixelAlpha
    {
        /// <summary>True when some pixel of an RGBA8888 bitmap has alpha below 255.</summary>
        public static unsafe bool AnyTranslucent(SKBitmap bitmap)
        {
            if (bitmap.AlphaType == SKAlphaType.Opaque)
            {
                return false;
            }
            byte* row = (byte*)bitmap.GetPixels();
            int width = bitmap.Width, height = bitmap.Height, rowBytes = bitmap.RowBytes;
            for (int y = 0; y < height; y++, row += rowBytes)
            {
                if (AnyTranslucent(row, width))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>True when some pixel of <paramref name="count"/> RGBA8888 pixels at <paramref name="p"/> has alpha below 255.</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        public static unsafe bool AnyTranslucent(byte* p, long count)
        {
            // Alpha is the top byte of each little-endian 32-bit pixel: AND eight pixels' alpha together per step.
            const ulong alphaMask = 0xFF000000FF000000UL;
            ulong* q = (ulong*)p;
            long pairs = count / 2;
            long i = 0;
            for (; i + 4 <= pairs; i += 4)
            {
                if ((q[i] & q[i + 1] & q[i + 2] & q[i + 3] & alphaMask) != alphaMask)
                {
                    return true;
                }
            }
            for (; i < pairs; i++)
            {
                if ((q[i] & alphaMask) != alphaMask)
                {
                    return true;
                }
            }
            return (count & 1) != 0 && p[(count * 4) - 1] != 255;
        }

        /// <summary>True when every pixel of an RGBA8888 bitmap has alpha 0.</summary>
        public static unsafe bool AllTransparent(SKBitmap bitmap)
        {
            byte* row = (byte*)bitmap.GetPixels();
            int width = bitmap.Width, height = bitmap.Height, rowBytes = bitmap.RowBytes;
            for (int y = 0; y < height; y++, row += rowBytes)
            {
                for (int x = 3; x < width * 4; x += 4)
                {
                    if (row[x] != 0)
                    {
                        return false;
                    }
                }
            }
            return true;
        }

        /// <summary>Sets every alpha byte of an RGBA8888 bitmap with straight (unpremultiplied) colour to 255.</summary>
        public static unsafe void MakeOpaque(SKBitmap bitmap)
        {
            byte* row = (byte*)bitmap.GetPixels();
            int width = bitmap.Width, height = bitmap.Height, rowBytes = bitmap.RowBytes;
            for (int y = 0; y < height; y++, row += rowBytes)
            {
                for (int x = 3; x < width * 4; x += 4)
                {
                    row[x] = 255;
                }
            }
        }

        /// <summary>True when some pixel of straight RGBA bytes has alpha below 255.</summary>
        public static unsafe bool AnyTranslucent(byte[] rgba, long pixels)
        {
            fixed (byte* p = rgba)
            {
                return AnyTranslucent(p, pixels);
            }
        }
    
        /// <summary>
        /// Turns premultiplied RGBA bytes into straight ones in place: each colour divided by its alpha (rounded, at most
        /// 255); a fully transparent pixel keeps colour 0.
        /// </summary>
        public static void Unpremultiply(byte[] rgba, long pixels)
        {
            long n = Math.Min(pixels * 4, rgba.LongLength - 3);
            for (long i = 0; i < n; i += 4)
            {
                int a = rgba[i + 3];
                if (a is 0 or 255)
                {
                    continue;
                }
                for (int c = 0; c < 3; c++)
                {
                    rgba[i + c] = (byte)Math.Min(255, ((rgba[i + c] * 255) + (a / 2)) / a);
                }
            }
        }
}
}
