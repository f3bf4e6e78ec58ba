using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The 1-bit AND mask of a 32-bit icon whose alpha bytes are all 0. Old icon writers fill only the mask, and Windows
    /// (and Firefox) then show the icon through it: a set bit is transparent, a clear one opaque. Skia reads only the
    /// alpha bytes of a 32-bit icon, so such an icon would be sent fully transparent.
    /// </summary>
    internal static class IconMask
    {
        /// <summary>
        /// Makes <paramref name="pixels"/> (straight RGBA8888, every alpha 0, decoded from the icon <paramref name="data"/>)
        /// show through the AND mask of the 32-bit bitmap entry of their size. False when no such entry is found (a PNG
        /// entry is transparent as it is); true otherwise, with <paramref name="anyMasked"/> saying whether any pixel stays
        /// transparent (a mask cut short by the file's end counts as clear).
        /// </summary>
        public static unsafe bool TryApply(byte[] data, SKBitmap pixels, out bool anyMasked)
        {
            anyMasked = false;
            int width = pixels.Width, height = pixels.Height;
            if (data.Length < 6)
            {
                return false;
            }
            // Skia decodes, of the entries of this size, the one stored first in the file (lowest offset), whatever the
            // directory's order: its mask is the one to apply, and a PNG entry there has none.
            int count = U16(data, 4);
            long offset = -1;
            for (int i = 0; i < count && 6 + (16 * (i + 1)) <= data.Length; i++)
            {
                int entry = 6 + (16 * i);
                int entryWidth = data[entry] == 0 ? 256 : data[entry], entryHeight = data[entry + 1] == 0 ? 256 : data[entry + 1];
                long at = ContainerHeaders.U32LE(data, entry + 12);
                if (entryWidth == width && entryHeight == height && at < data.Length && (offset < 0 || at < offset))
                {
                    offset = at;
                }
            }
            if (offset < 0 || offset + 40 > data.Length)
            {
                return false;
            }
            {
                int at = (int)offset;
                long headerSize = ContainerHeaders.U32LE(data, at);
                int bmpWidth = (int)ContainerHeaders.U32LE(data, at + 4), bmpHeight = (int)ContainerHeaders.U32LE(data, at + 8);
                int bits = U16(data, at + 14);
                long compression = ContainerHeaders.U32LE(data, at + 16), coloursUsed = ContainerHeaders.U32LE(data, at + 32);
                if (headerSize < 40 || headerSize > 124 || bits != 32 || compression is not (0 or 3)
                    || bmpWidth != width || bmpHeight / 2 != (bmpHeight < 0 ? -height : height))
                {
                    return false; // a PNG entry, or a bitmap that is not 32-bit: no mask to apply
                }
                long mask = offset + headerSize + (compression == 3 && headerSize == 40 ? 12 : 0) + (coloursUsed * 4L)
                    + ((long)width * 4 * height);
                int stride = ((width + 31) / 32) * 4;
                bool bottomUp = bmpHeight > 0;
                byte* row = (byte*)pixels.GetPixels();
                for (int y = 0; y < height; y++, row += pixels.RowBytes)
                {
                    long maskRow = mask + ((long)(bottomUp ? height - 1 - y : y) * stride);
                    for (int x = 0; x < width; x++)
                    {
                        long b = maskRow + (x >> 3);
                        bool masked = b < data.Length && (data[b] & (0x80 >> (x & 7))) != 0;
                        row[(x * 4) + 3] = masked ? (byte)0 : (byte)255;
                        anyMasked |= masked;
                    }
                }
                return true;
            }
        }

        private static int U16(byte[] b, int at) => b[at] | (b[at + 1] << 8);
    }
}
