using System;
using System.IO;
using System.IO.Compression;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Writes 8-bit sRGB pixels as PNG: RGB when the pixels are opaque, straight-alpha RGBA otherwise, every row with
    /// the same filter (None, Sub or Up, whichever a deflate trial on sample rows finds smallest), deflated by the
    /// framework's zlib (zlib-ng on .NET 9 and later).
    /// <para>Why not Skia's encoder: its zlib is several times slower, and its adaptive row filters make the resized
    /// images VisionPS sends larger, not smaller, once zlib-ng's matcher runs on them. Measured on the corpus's RGBA
    /// logo at 2048x1964: Skia (Sub/Up/Paeth, level 4) 187 ms and 554 KB; this writer about 45 ms and 553 KB.</para>
    /// </summary>
    internal static class PngWriter
    {
        private static readonly byte[] s_signature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };

        /// <summary>Largest IDAT chunk written (the zlib stream is split across chunks of this size).</summary>
        internal const int IdatChunk = 1 << 16;

        /// <summary>
        /// Encodes <paramref name="pixels"/> (RGBA or BGRA 8888; premultiplied, straight or opaque) as a PNG.
        /// </summary>
        public static byte[] Encode(SKPixmap pixels) => Encode(pixels, null);

        /// <summary>As <see cref="Encode(SKPixmap)"/>; <paramref name="filter"/> forces the row filter (tests).</summary>
        internal static unsafe byte[] Encode(SKPixmap pixels, byte? filter)
        {
            if (pixels is null)
            {
                throw new ArgumentNullException(nameof(pixels));
            }
            if (filter > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PngWriter writes filter None (0), Sub (1) or Up (2).");
            }
            // Each SKPixmap property is a native call: read them once.
            int width = pixels.Width, height = pixels.Height, rowBytes = pixels.RowBytes;
            SKColorType colorType = pixels.ColorType;
            SKAlphaType alphaType = pixels.AlphaType;
            if (colorType != SKColorType.Rgba8888 && colorType != SKColorType.Bgra8888)
            {
                throw new ArgumentException($"PngWriter takes 8888 pixels, not {colorType}.", nameof(pixels));
            }
            if (width <= 0 || height <= 0)
            {
                throw new ArgumentException("PngWriter takes a non-empty image.", nameof(pixels));
            }
            bool opaque = alphaType == SKAlphaType.Opaque;
            bool premultiplied = alphaType == SKAlphaType.Premul;
            bool bgra = colorType == SKColorType.Bgra8888;
            int channels = opaque ? 3 : 4;
            int stride = (width * channels) + 1;
            if ((long)stride * height > int.MaxValue - 64)
            {
                throw new ArgumentException($"A {width}x{height} image is too large for one PNG here.", nameof(pixels));
            }
            byte* source = (byte*)pixels.GetPixels();

            // Every row packed once (RGB or straight RGBA), then filtered the way a trial on a sample deflates best.
            byte[] raw = new byte[(long)stride * height];
            uint[] reciprocal = premultiplied ? Reciprocals.Value : Array.Empty<uint>();
            for (int y = 0; y < height; y++)
            {
                PackRow(source + ((long)y * rowBytes), width, opaque, premultiplied, bgra, reciprocal, raw, (long)y * stride);
            }
            MemoryStream? compressed = null;
            byte chosen = filter ?? ChooseFilter(raw, stride, height, channels, out compressed);
            if (compressed is null)
            {
                if (chosen != 0)
                {
                    FilterInPlace(raw, stride, height, channels, chosen);
                }
                compressed = Deflate(raw, raw.Length);
            }
            byte[] zdata = compressed.GetBuffer();
            int zlength = (int)compressed.Length;

            int chunks = Math.Max(1, (zlength + IdatChunk - 1) / IdatChunk);
            var png = new MemoryStream(s_signature.Length + 25 + 13 + zlength + (12 * chunks) + 12);
            png.Write(s_signature, 0, s_signature.Length);
            byte[] ihdr = new byte[13];
            WriteUInt32(ihdr, 0, (uint)width);
            WriteUInt32(ihdr, 4, (uint)height);
            ihdr[8] = 8;                                   // bits per sample
            ihdr[9] = (byte)(opaque ? 2 : 6);              // truecolour, or truecolour with alpha
            // ihdr[10..12]: deflate, adaptive filtering (method 0), not interlaced.
            WriteChunk(png, "IHDR", ihdr, 0, ihdr.Length);
            WriteChunk(png, "sRGB", new byte[] { 0 }, 0, 1);   // perceptual intent: the pixels are sRGB
            for (int offset = 0; offset < zlength; offset += IdatChunk)
            {
                WriteChunk(png, "IDAT", zdata, offset, Math.Min(IdatChunk, zlength - offset));
            }
            WriteChunk(png, "IEND", zdata, 0, 0);
            return png.Length == png.Capacity ? png.GetBuffer() : png.ToArray();
        }

        /// <summary>Rows sampled for the filter trial: bands of this many rows...</summary>
        private const int TrialBand = 16;

        /// <summary>...at most this many of them, spread evenly over the image...</summary>
        private const int TrialBands = 16;

        /// <summary>...unless the whole image is at most this many bytes: then the trial runs on all of it.</summary>
        private const int WholeTrialBytes = 1 << 20;

        /// <summary>
        /// The row filter for the whole image: None, Sub or Up, whichever deflates a sample of rows smallest. None suits
        /// the smooth, resized images VisionPS mostly writes (zlib-ng finds their repeats unfiltered); Sub and Up suit
        /// dithered graphics and gradients. Paeth and Average cost more than they gain here. When the trial ran on the
        /// whole image, <paramref name="whole"/> is the winner's zlib stream, ready to use.
        /// </summary>
        private static byte ChooseFilter(byte[] raw, int stride, int height, int channels, out MemoryStream? whole)
        {
            bool all = (long)stride * height <= WholeTrialBytes;
            int bands = all ? (height + TrialBand - 1) / TrialBand : Math.Min(TrialBands, (height + TrialBand - 1) / TrialBand);
            int band = Math.Min(TrialBand, height);
            var starts = new int[bands];
            for (int i = 0; i < bands; i++)
            {
                starts[i] = all ? i * TrialBand : (int)((long)i * (height - band) / Math.Max(1, bands - 1));
            }
            // The unfiltered trial: the image itself when it is all tried, else its sampled bands side by side.
            int rows = all ? height : bands * band;
            byte[] sample = raw;
            if (!all)
            {
                sample = new byte[rows * stride];
                for (int i = 0; i < bands; i++)
                {
                    Buffer.BlockCopy(raw, starts[i] * stride, sample, i * band * stride, band * stride);
                }
            }
            byte best = 0;
            MemoryStream? bestStream = null;
            foreach (byte filter in new byte[] { 0, 1, 2 })
            {
                byte[] trial = filter == 0 ? sample : FilterSample(raw, stride, height, rows, starts, channels, filter);
                MemoryStream deflated = Deflate(trial, rows * stride);
                if (bestStream is null || deflated.Length < bestStream.Length)
                {
                    (best, bestStream) = (filter, deflated);
                }
            }
            whole = all ? bestStream : null;
            return best;
        }

        /// <summary>The sampled rows filtered, each against its true previous row in the image.</summary>
        private static byte[] FilterSample(byte[] raw, int stride, int height, int rows, int[] starts, int channels, byte filter)
        {
            byte[] output = new byte[rows * stride];
            int at = 0;
            foreach (int first in starts)
            {
                for (int y = first; y < first + TrialBand && y < height && at < rows; y++, at++)
                {
                    Buffer.BlockCopy(raw, y * stride, output, at * stride, stride);
                    FilterRow(output, at * stride, y == 0 ? null : raw, (y - 1) * stride, stride, channels, filter);
                }
            }
            return output;
        }

        /// <summary>Every row filtered in place, last row first, so each row's previous row is still unfiltered.</summary>
        private static void FilterInPlace(byte[] raw, int stride, int height, int channels, byte filter)
        {
            for (int y = height - 1; y >= 0; y--)
            {
                FilterRow(raw, y * stride, y == 0 ? null : raw, (y - 1) * stride, stride, channels, filter);
            }
        }

        /// <summary>
        /// The row at <paramref name="row"/> of <paramref name="rows"/> (its filter byte first) filtered in place, Sub (1)
        /// or Up (2) against the unfiltered row at <paramref name="previous"/> of <paramref name="above"/> (null: the top row).
        /// Sub works right to left, so every byte it reads is still unfiltered.
        /// </summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        private static unsafe void FilterRow(byte[] rows, int row, byte[]? above, int previous, int stride, int channels, byte filter)
        {
            int n = stride - 1;
            rows[row] = filter;
            fixed (byte* r0 = rows)
            {
                byte* cur = r0 + row + 1;
                if (filter == 1)
                {
                    int x = n;
#if NET
                    for (; x - 16 >= channels; x -= 16)
                    {
                        var v = System.Runtime.Intrinsics.Vector128.Load(cur + x - 16) - System.Runtime.Intrinsics.Vector128.Load(cur + x - 16 - channels);
                        System.Runtime.Intrinsics.Vector128.Store(v, cur + x - 16);
                    }
#endif
                    for (x--; x >= channels; x--)
                    {
                        cur[x] = (byte)(cur[x] - cur[x - channels]);
                    }
                }
                else if (above is not null)
                {
                    fixed (byte* a0 = above)
                    {
                        byte* prev = a0 + previous + 1;
                        int x = 0;
#if NET
                        for (; x + 16 <= n; x += 16)
                        {
                            var v = System.Runtime.Intrinsics.Vector128.Load(cur + x) - System.Runtime.Intrinsics.Vector128.Load(prev + x);
                            System.Runtime.Intrinsics.Vector128.Store(v, cur + x);
                        }
#endif
                        for (; x < n; x++)
                        {
                            cur[x] = (byte)(cur[x] - prev[x]);
                        }
                    }
                }
            }
        }

        /// <summary>The zlib stream of the first <paramref name="count"/> bytes of <paramref name="data"/>.</summary>
        private static MemoryStream Deflate(byte[] data, int count)
        {
#if NET
            var compressed = new MemoryStream(Math.Max(4096, count / 4));
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(data, 0, count);
            }
            return compressed;
#else
            return ZlibAroundDeflate(data, count);
#endif
        }

        /// <summary>
        /// The zlib stream as .NET Framework must make it, having no ZLibStream: a zlib header (deflate, 32 KB window,
        /// default level), a raw deflate stream and the Adler-32 of the data, big-endian. Compiled everywhere so the
        /// tests check it on the runtime they have.
        /// </summary>
        internal static MemoryStream ZlibAroundDeflate(byte[] data, int count)
        {
            var compressed = new MemoryStream(Math.Max(4096, count / 4));
            compressed.WriteByte(0x78);
            compressed.WriteByte(0x9C);
            using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(data, 0, count);
            }
            WriteUInt32(compressed, Adler32.Update(1, data, count));
            return compressed;
        }

        /// <summary>One PNG row: the filter byte (None), then RGB or straight-alpha RGBA samples.</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        private static unsafe void PackRow(byte* src, int width, bool opaque, bool premultiplied, bool bgra, uint[] reciprocal, byte[] rows, long at)
        {
            rows[at] = 0;
            int r = bgra ? 2 : 0, b = bgra ? 0 : 2;
            fixed (byte* dst0 = rows)
            {
                byte* dst = dst0 + at + 1;
                if (opaque)
                {
                    for (int x = 0; x < width; x++, src += 4, dst += 3)
                    {
                        dst[0] = src[r];
                        dst[1] = src[1];
                        dst[2] = src[b];
                    }
                }
                else if (!premultiplied)
                {
                    if (!bgra)
                    {
                        Buffer.MemoryCopy(src, dst, (long)width * 4, (long)width * 4);
                        return;
                    }
                    for (int x = 0; x < width; x++, src += 4, dst += 4)
                    {
                        dst[0] = src[2];
                        dst[1] = src[1];
                        dst[2] = src[0];
                        dst[3] = src[3];
                    }
                }
                else
                {
                    fixed (uint* inverse = reciprocal)
                    {
                        for (int x = 0; x < width; x++, src += 4, dst += 4)
                        {
                            uint a = src[3];
                            if (a == 255)
                            {
                                dst[0] = src[r];
                                dst[1] = src[1];
                                dst[2] = src[b];
                                dst[3] = 255;
                            }
                            else if (a == 0)
                            {
                                *(uint*)dst = 0;
                            }
                            else
                            {
                                // c * 255 / a as a multiply by a 16.16 reciprocal: within half a level (an exact .5 may round down), and
                                // premultiplying the result gives c back.
                                uint inv = inverse[a];
                                dst[0] = Clamp((src[r] * inv) + 0x8000 >> 16);
                                dst[1] = Clamp((src[1] * inv) + 0x8000 >> 16);
                                dst[2] = Clamp((src[b] * inv) + 0x8000 >> 16);
                                dst[3] = (byte)a;
                            }
                        }
                    }
                }
            }
        }

        private static byte Clamp(uint v) => v > 255 ? (byte)255 : (byte)v;

        /// <summary>255/a in 16.16 fixed point, for a = 0..255 (0 for a = 0, which is never used).</summary>
        private static readonly Lazy<uint[]> Reciprocals = new Lazy<uint[]>(() =>
        {
            var t = new uint[256];
            for (uint a = 1; a < 256; a++)
            {
                t[a] = ((255u << 16) + (a / 2)) / a;
            }
            return t;
        });

        private static void WriteChunk(Stream png, string type, byte[] data, int offset, int count)
        {
            byte[] header = new byte[8];
            WriteUInt32(header, 0, (uint)count);
            for (int i = 0; i < 4; i++)
            {
                header[4 + i] = (byte)type[i];
            }
            png.Write(header, 0, 8);
            png.Write(data, offset, count);
            var crc = new System.IO.Hashing.Crc32();
            crc.Append(header.AsSpan(4, 4));
            crc.Append(data.AsSpan(offset, count));
            WriteUInt32(png, crc.GetCurrentHashAsUInt32());
        }

        private static void WriteUInt32(byte[] buffer, int offset, uint value)
        {
            buffer[offset] = (byte)(value >> 24);
            buffer[offset + 1] = (byte)(value >> 16);
            buffer[offset + 2] = (byte)(value >> 8);
            buffer[offset + 3] = (byte)value;
        }

        private static void WriteUInt32(Stream stream, uint value)
        {
            stream.WriteByte((byte)(value >> 24));
            stream.WriteByte((byte)(value >> 16));
            stream.WriteByte((byte)(value >> 8));
            stream.WriteByte((byte)value);
        }
    }
}
