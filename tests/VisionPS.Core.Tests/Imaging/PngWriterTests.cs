using System;
using System.IO;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>VisionPS's own PNG writer: valid files that independent decoders read back to the same pixels.</summary>
    public class PngWriterTests
    {
        /// <summary>Content of every kind a prepared image has: smooth ramps, noise, flat areas, and alpha from 0 to 255.</summary>
        private static SKBitmap Sample(int width, int height, SKAlphaType alphaType, SKColorType colorType = SKColorType.Rgba8888)
        {
            var straight = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            var random = new Random(1234);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    byte r = (byte)(x * 255 / Math.Max(1, width - 1));
                    byte g = (byte)(y < height / 3 ? random.Next(256) : 90);
                    byte b = (byte)((x ^ y) & 0xFF);
                    byte a = alphaType == SKAlphaType.Opaque ? (byte)255 : (byte)(x % 7 == 0 ? 0 : (x + (y * 3)) & 0xFF);
                    straight.SetPixel(x, y, new SKColor(r, g, b, a));
                }
            }
            var info = new SKImageInfo(width, height, colorType, alphaType, SKColorSpace.CreateSrgb());
            var bitmap = new SKBitmap(info);
            using SKPixmap from = straight.PeekPixels();
            Assert.True(from.ReadPixels(info, bitmap.GetPixels(), bitmap.RowBytes));
            straight.Dispose();
            return bitmap;
        }

        /// <summary>Unpremultiplied RGBA as Skia reads a bitmap (the reference every decode is held to).</summary>
        private static byte[] StraightRgba(SKBitmap bitmap)
        {
            var info = new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            byte[] pixels = new byte[bitmap.Width * bitmap.Height * 4];
            var handle = System.Runtime.InteropServices.GCHandle.Alloc(pixels, System.Runtime.InteropServices.GCHandleType.Pinned);
            try
            {
                using SKPixmap from = bitmap.PeekPixels();
                Assert.True(from.ReadPixels(info, handle.AddrOfPinnedObject(), bitmap.Width * 4));
            }
            finally
            {
                handle.Free();
            }
            return pixels;
        }

        /// <summary>What VisionPS proves of a PNG before passing it through: every chunk CRC, then the whole zlib stream and its Adler-32.</summary>
        private static void AssertIntact(byte[] png)
        {
            Assert.Null(ImageIntegrity.CheckStructure(ImageFormat.Png, png));
            ImageHeader header = ContainerHeaders.Png(png)!;
            Assert.Null(ImageIntegrity.PngChunks(png, out var idat) ?? ImageIntegrity.PngPixelStream(png, header, idat, out _));
        }

        private static int MaxDifference(byte[] a, byte[] b, bool ignoreColourUnderZeroAlpha)
        {
            Assert.Equal(a.Length, b.Length);
            int max = 0;
            for (int i = 0; i < a.Length; i += 4)
            {
                if (ignoreColourUnderZeroAlpha && a[i + 3] == 0 && b[i + 3] == 0)
                {
                    continue;
                }
                for (int c = 0; c < 4; c++)
                {
                    max = Math.Max(max, Math.Abs(a[i + c] - b[i + c]));
                }
            }
            return max;
        }

        [Theory]
        [InlineData(SKAlphaType.Opaque, SKColorType.Rgba8888, 2)]
        [InlineData(SKAlphaType.Premul, SKColorType.Rgba8888, 6)]
        [InlineData(SKAlphaType.Unpremul, SKColorType.Rgba8888, 6)]
        [InlineData(SKAlphaType.Premul, SKColorType.Bgra8888, 6)]
        [InlineData(SKAlphaType.Opaque, SKColorType.Bgra8888, 2)]
        public void EveryFilterWritesAValidPngThatImageMagickReadsBackToTheSamePixels(SKAlphaType alphaType, SKColorType colorType, int pngColourType)
        {
            using SKBitmap bitmap = Sample(157, 61, alphaType, colorType);
            byte[] expected = StraightRgba(bitmap);
            using SKPixmap pixels = bitmap.PeekPixels();
            foreach (byte? filter in new byte?[] { null, 0, 1, 2 })
            {
                byte[] png = PngWriter.Encode(pixels, filter);
                AssertIntact(png);
                Assert.Equal(pngColourType, png[25]);
                Assert.Equal(8, png[24]);
                string file = Path.Combine(Path.GetTempPath(), $"vps-pngwriter-{Guid.NewGuid():N}.png");
                try
                {
                    File.WriteAllBytes(file, png);
                    byte[] decoded = TestCorpus.MagickRgba(file, out int width, out int height);
                    Assert.Equal((157, 61), (width, height));
                    // Straight and opaque pixels are exact; premultiplied ones are un-premultiplied to within one level
                    // (colour under alpha 0 is undefined).
                    Assert.InRange(MaxDifference(expected, decoded, alphaType != SKAlphaType.Opaque), 0, alphaType == SKAlphaType.Premul ? 1 : 0);
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }

        [Fact]
        public void TheChosenFilterIsAsSmallAsTheBestOfNoneSubAndUpWithinAFewPerCent()
        {
            // A dithered graphic (Sub/Up win), a smooth resized photo stand-in (None wins), and noise.
            using var dither = new SKBitmap(new SKImageInfo(300, 200, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (int y = 0; y < 200; y++)
            {
                for (int x = 0; x < 300; x++)
                {
                    // A diagonal ramp with ordered dither: small steps between neighbours, few exact repeats.
                    byte v = (byte)Math.Min(255, (x * 0.6) + (y * 0.4) + (((x & 1) * 2) + (y & 1)));
                    dither.SetPixel(x, y, new SKColor(v, (byte)(v / 2), (byte)(255 - v)));
                }
            }
            using SKBitmap mixed = Sample(400, 300, SKAlphaType.Premul);
            foreach (SKBitmap bitmap in new[] { dither, mixed })
            {
                using SKPixmap pixels = bitmap.PeekPixels();
                int chosen = PngWriter.Encode(pixels).Length;
                int best = Math.Min(PngWriter.Encode(pixels, 0).Length, Math.Min(PngWriter.Encode(pixels, 1).Length, PngWriter.Encode(pixels, 2).Length));
                Assert.InRange(chosen, best, (int)(best * 1.05));
            }
            // The trial matters: unfiltered, the dithered graphic is much larger.
            using SKPixmap ditherPixels = dither.PeekPixels();
            int none = PngWriter.Encode(ditherPixels, 0).Length, picked = PngWriter.Encode(ditherPixels).Length;
            Assert.True(none > picked * 1.2, $"unfiltered {none} bytes, chosen {picked}");
        }

        [Theory]
        [InlineData(1, 1)]
        [InlineData(1, 300)]
        [InlineData(300, 1)]
        [InlineData(5, 3)]
        [InlineData(60000, 5)] // over the whole-image trial size (RGBA) with fewer rows than a trial band
        public void TinyAndOneLineImagesRoundTripWithEveryFilter(int width, int height)
        {
            foreach (SKAlphaType alphaType in new[] { SKAlphaType.Opaque, SKAlphaType.Premul })
            {
                using SKBitmap bitmap = Sample(width, height, alphaType);
                using SKPixmap pixels = bitmap.PeekPixels();
                foreach (byte? filter in new byte?[] { null, 0, 1, 2 })
                {
                    byte[] png = PngWriter.Encode(pixels, filter);
                    AssertIntact(png);
                    using SKBitmap decoded = SKBitmap.Decode(png, new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                    Assert.NotNull(decoded);
                    Assert.InRange(MaxDifference(StraightRgba(bitmap), StraightRgba(decoded), ignoreColourUnderZeroAlpha: true), 0, 1);
                }
            }
        }

        [Fact]
        public void LargeImagesSpanManyIdatChunksAndSkiaDecodesThem()
        {
            using SKBitmap bitmap = Sample(900, 700, SKAlphaType.Unpremul);
            using SKPixmap pixels = bitmap.PeekPixels();
            byte[] png = PngWriter.Encode(pixels);
            Assert.True(png.Length > 2 * PngWriter.IdatChunk, $"only {png.Length} bytes");
            AssertIntact(png);
            using SKBitmap decoded = SKBitmap.Decode(png, new SKImageInfo(900, 700, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            Assert.NotNull(decoded);
            Assert.Equal(0, MaxDifference(StraightRgba(bitmap), StraightRgba(decoded), ignoreColourUnderZeroAlpha: true));
        }

        /// <summary>
        /// The framing Windows PowerShell 5.1's PNGs get (header + raw deflate + Adler-32; .NET Framework has no
        /// ZLibStream), around this runtime's DeflateStream, checked here by zlib itself: it inflates to the data and zlib accepts its checksum, which is the
        /// one zlib computes, across the 5552-byte blocks Adler-32 sums in (all-0xFF data is the largest sum).
        /// </summary>
        [Theory]
        [InlineData(4, "random")] // the smallest image the writer makes: one RGB pixel and its filter byte
        [InlineData(1, "random")]
        [InlineData(5551, "ff")]
        [InlineData(5552, "ff")]
        [InlineData(5553, "ff")]
        [InlineData(200_000, "ff")]
        [InlineData(70_000, "random")]
        public void TheNetFrameworkZlibStreamIsOneZlibAccepts(int count, string content)
        {
            var random = new Random(count);
            byte[] data = new byte[count + 10]; // only the first count bytes are the data
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = content == "ff" ? (byte)0xFF : (byte)random.Next(256);
            }
            byte[] ours = PngWriter.ZlibAroundDeflate(data, count).ToArray();
            Assert.Equal(new byte[] { 0x78, 0x9C }, ours[..2]); // deflate, 32 KB window, default level
            Assert.Equal(0, ((ours[0] << 8) | ours[1]) % 31);

            byte[] zlibs;
            using (var reference = new MemoryStream())
            {
                using (var z = new System.IO.Compression.ZLibStream(reference, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                {
                    z.Write(data, 0, count);
                }
                zlibs = reference.ToArray();
            }
            Assert.Equal(zlibs[^4..], ours[^4..]); // the same Adler-32 as zlib's own

            Assert.Equal(data[..count], Inflate(ours));
            // zlib does check the trailer: a wrong one is refused.
            ours[^1] ^= 1;
            Assert.Throws<InvalidDataException>(() => Inflate(ours));
        }

        private static byte[] Inflate(byte[] zlib)
        {
            using var output = new MemoryStream();
            using (var z = new System.IO.Compression.ZLibStream(new MemoryStream(zlib), System.IO.Compression.CompressionMode.Decompress))
            {
                z.CopyTo(output);
            }
            return output.ToArray();
        }
    }
}
