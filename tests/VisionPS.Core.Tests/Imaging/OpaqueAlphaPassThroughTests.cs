using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using ImageMagick;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A pass-through candidate whose header declares alpha passes through only when some pixel is not fully opaque;
    /// an all-opaque one is re-encoded by the usual rule without alpha (it passed through with its alpha channel).
    /// </summary>
    public class OpaqueAlphaPassThroughTests
    {
        /// <summary>Straight RGBA pixels of a busy picture, every alpha 255 (or <paramref name="alphaAt0"/> at the first pixel).</summary>
        private static SKBitmap Picture(int w, int h, byte alphaAt0 = 255)
        {
            var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb()));
            var rng = new Random(7);
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    bmp.SetPixel(x, y, new SKColor((byte)((x * 3) + rng.Next(40)), (byte)((y * 5) + rng.Next(40)), (byte)((x + y + rng.Next(60)) & 0xFF), 255));
                }
            }
            if (alphaAt0 != 255)
            {
                bmp.SetPixel(0, 0, bmp.GetPixel(0, 0).WithAlpha(alphaAt0));
            }
            return bmp;
        }

        private static byte[] RgbaPng(SKBitmap bmp)
        {
            byte[] png = PngWriter.Encode(bmp.PeekPixels());
            Assert.Equal(6, png[25]); // truecolour with alpha
            return png;
        }

        private static SKBitmap Decode(byte[] bytes)
        {
            using var codec = SKCodec.Create(new MemoryStream(bytes));
            var bmp = new SKBitmap(new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(bmp.Info, bmp.GetPixels()));
            return bmp;
        }

        /// <summary>Re-encoded as a PNG of colour type 2 (truecolour, no alpha) with the very pixels of <paramref name="expected"/>.</summary>
        private static void AssertSentAsPngWithoutAlpha(SKBitmap expected, PreparedImage prepared)
        {
            Assert.Equal(PrepareAction.Reencode, prepared.Action);
            Assert.Equal("image/png", prepared.MimeType);
            Assert.Equal(2, prepared.Bytes[25]);
            AssertSamePixels(expected, prepared.Bytes);
        }

        private static void AssertSamePixels(SKBitmap expected, byte[] actual)
        {
            using SKBitmap decoded = Decode(actual);
            Assert.Equal(expected.Width, decoded.Width);
            Assert.Equal(expected.Height, decoded.Height);
            for (int y = 0; y < expected.Height; y++)
            {
                for (int x = 0; x < expected.Width; x++)
                {
                    Assert.Equal(expected.GetPixel(x, y), decoded.GetPixel(x, y));
                }
            }
        }

        [Fact]
        public void ALargeOpaqueRgbaPngIsSentAsJpeg()
        {
            using SKBitmap bmp = Picture(2000, 760);
            byte[] png = RgbaPng(bmp);
            PreparedImage prepared = ImagePreparer.Prepare(png, "o.png", new PrepareOptions { Model = "gpt-4o" });
            Assert.Equal(PrepareAction.Reencode, prepared.Action);
            Assert.Equal("image/jpeg", prepared.MimeType);
            Assert.Equal((2000, 760), (prepared.Width, prepared.Height));
            Assert.Empty(prepared.Warnings);
        }

        [Fact]
        public void ASmallOpaqueRgbaPngIsSentAsPngWithoutItsAlphaChannel()
        {
            using SKBitmap bmp = Picture(300, 200);
            AssertSentAsPngWithoutAlpha(bmp, ImagePreparer.Prepare(RgbaPng(bmp), "small.png", new PrepareOptions { Model = "gpt-4o" }));
        }

        [Fact]
        public void APngWithOnePixelAtAlpha254StillPassesThroughUnchanged()
        {
            using SKBitmap bmp = Picture(300, 200, alphaAt0: 254);
            byte[] png = RgbaPng(bmp);
            PreparedImage prepared = ImagePreparer.Prepare(png, "one.png", new PrepareOptions { Model = "gpt-4o" });
            Assert.Equal(PrepareAction.Pass, prepared.Action);
            Assert.Equal(png, prepared.Bytes);
        }

        [Fact]
        public void APalettePngWithATransparentEntryNoPixelUsesIsSentWithoutAlpha()
        {
            const int w = 64, h = 48;
            byte[] palette = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0 };
            var raw = new byte[(w + 1) * h];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    raw[(y * (w + 1)) + 1 + x] = (byte)((x / 8 + y / 8) % 3); // entries 0-2; entry 3 is the transparent one
                }
            }
            var z = new MemoryStream();
            using (var deflate = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(raw);
            }
            byte[] ihdr = { 0, 0, 0, w, 0, 0, 0, h, 8, 3, 0, 0, 0 };
            byte[] png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }
                .Concat(TestPngChunks.Chunk("IHDR", ihdr)).Concat(TestPngChunks.Chunk("PLTE", palette))
                .Concat(TestPngChunks.Chunk("tRNS", new byte[] { 255, 255, 255, 0 }))
                .Concat(TestPngChunks.Chunk("IDAT", z.ToArray())).Concat(TestPngChunks.Chunk("IEND", Array.Empty<byte>())).ToArray();
            Assert.True(ImageProbe.Probe(png, "p.png").HasAlpha);
            using SKBitmap source = Decode(png);

            AssertSentAsPngWithoutAlpha(source, ImagePreparer.Prepare(png, "trns.png"));
        }

        [Fact]
        public void AGifWithATransparentIndexNoPixelUsesIsSentWithoutAlpha()
        {
            byte[] gif;
            using (var image = new MagickImage(MagickColors.Red, 64, 48))
            {
                image.Draw(new ImageMagick.Drawing.Drawables().FillColor(MagickColors.Blue).Rectangle(10, 10, 40, 30)
                    .FillColor(MagickColors.Lime).Rectangle(45, 5, 60, 40));
                gif = image.ToByteArray(MagickFormat.Gif);
            }
            int tableSize = (gif[10] & 0x80) != 0 ? 1 << ((gif[10] & 7) + 1) : 0;
            Assert.True(tableSize >= 4);
            int start = 13 + (3 * tableSize);
            byte unused = (byte)(tableSize - 1);
            byte[] gce = { 0x21, 0xF9, 4, 1, 0, 0, unused, 0 };
            if (gif[start] == 0x21 && gif[start + 1] == 0xF9)
            {
                gif[start + 3] |= 1;
                gif[start + 6] = unused;
            }
            else
            {
                gif = gif.Take(start).Concat(gce).Concat(gif.Skip(start)).ToArray();
            }
            Assert.True(ImageProbe.Probe(gif, "g.gif").HasAlpha);
            using SKBitmap source = Decode(gif);
            Assert.All(Enumerable.Range(0, 48), y => Assert.Equal(255, source.GetPixel(0, y).Alpha));

            AssertSentAsPngWithoutAlpha(source, ImagePreparer.Prepare(gif, "unused.gif"));
        }

        [Fact]
        public void AWebPWhoseAlphaIsAllOpaqueIsSentAsJpeg()
        {
            using SKBitmap bmp = Picture(300, 200);
            byte[] webp = bmp.Encode(SKEncodedImageFormat.Webp, 100).ToArray();
            // A WebP that says it has alpha, as other writers leave it with every alpha 255: the extended header's alpha
            // flag, and a lossless image's "alpha is used" bit.
            Assert.Equal("VP8X", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
            webp[20] |= 0x10;
            int vp8l = webp.AsSpan().IndexOf("VP8L"u8);
            if (vp8l > 0)
            {
                webp[vp8l + 12] |= 0x10;
            }
            Assert.True(ImageProbe.Probe(webp, "w.webp").HasAlpha);

            PreparedImage prepared = ImagePreparer.Prepare(webp, "opaque.webp");
            Assert.Equal(PrepareAction.Reencode, prepared.Action);
            Assert.Equal("image/jpeg", prepared.MimeType);
            Assert.Empty(prepared.Warnings);
        }
    }
}
