using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>Tiny images the tests make: every orientation, alpha, colour type and a Display-P3 profile.</summary>
    public class SyntheticImageTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-synth-" + Guid.NewGuid().ToString("N"));

        public SyntheticImageTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static readonly SKColor[] s_quadrants = { SKColors.Red, SKColors.Lime, SKColors.Blue, SKColors.Yellow };

        /// <summary>A W x H image: top-left red, top-right green, bottom-left blue, bottom-right yellow.</summary>
        private static SKBitmap Quadrants(int w, int h)
        {
            var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            using var canvas = new SKCanvas(bmp);
            using var paint = new SKPaint();
            for (int q = 0; q < 4; q++)
            {
                paint.Color = s_quadrants[q];
                canvas.DrawRect(new SKRect(q % 2 * w / 2, q / 2 * h / 2, (q % 2 + 1) * w / 2, (q / 2 + 1) * h / 2), paint);
            }
            return bmp;
        }

        private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
        {
            byte[] tiff = { (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0 };
            byte[] body = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
            int len = body.Length + 2;
            return jpeg.Take(2).Concat(new byte[] { 0xFF, 0xE1, (byte)(len >> 8), (byte)len }).Concat(body).Concat(jpeg.Skip(2)).ToArray();
        }

        private static SKColor Nearest(SKColor c) =>
            s_quadrants.OrderBy(q => Math.Abs(q.Red - c.Red) + Math.Abs(q.Green - c.Green) + Math.Abs(q.Blue - c.Blue)).First();

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(5)]
        [InlineData(6)]
        [InlineData(7)]
        [InlineData(8)]
        public void EveryExifOrientationIsAppliedLikeImageMagickAutoOrient(int orientation)
        {
            using SKBitmap src = Quadrants(96, 48);
            byte[] jpeg = src.Encode(SKEncodedImageFormat.Jpeg, 100).ToArray();
            string file = Path.Combine(_dir, $"o{orientation}.jpg");
            File.WriteAllBytes(file, WithExifOrientation(jpeg, orientation));

            // Shrinking too: orientation and resize happen in one step.
            PreparedImage image = ImagePreparer.Prepare(file, new PrepareOptions { MaxSide = 64, Format = PreparedFormat.Png });
            bool swap = orientation >= 5;
            Assert.Equal(swap ? (32, 64) : (64, 32), (image.Width, image.Height));
            Assert.Equal(orientation, image.OrientationApplied);
            Assert.Equal(PrepareAction.Reencode, image.Action);
            // The tag is not carried over: the output has no EXIF at all.
            Assert.Equal(1, ImageProbe.Probe(image.Bytes, "out").Orientation);

            using SKBitmap ours = SKBitmap.Decode(image.Bytes);
            byte[] reference = TestCorpus.Run("convert", file, "-auto-orient", "-resize", $"{image.Width}x{image.Height}!", "-depth", "8", "rgba:-");
            for (int qy = 0; qy < 2; qy++)
            {
                for (int qx = 0; qx < 2; qx++)
                {
                    int x = (qx * image.Width / 2) + (image.Width / 4), y = (qy * image.Height / 2) + (image.Height / 4);
                    int at = ((y * image.Width) + x) * 4;
                    var expected = Nearest(new SKColor(reference[at], reference[at + 1], reference[at + 2]));
                    Assert.Equal(expected, Nearest(ours.GetPixel(x, y)));
                }
            }
        }

        [Fact]
        public void OrientationOneWithinLimitsPassesThroughByteIdentical()
        {
            using SKBitmap src = Quadrants(96, 48);
            byte[] jpeg = WithExifOrientation(src.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray(), 1);
            PreparedImage image = ImagePreparer.Prepare(jpeg, "o1.jpg");
            Assert.Equal(PrepareAction.Pass, image.Action);
            Assert.Same(jpeg, image.Bytes);
            Assert.Equal("image/jpeg", image.MimeType);
            Assert.Equal("data:image/jpeg;base64," + Convert.ToBase64String(jpeg), image.ToDataUrl());
            Assert.Equal(image.ToDataUrl().Length, image.DataUrlLength);
            var writer = new StringWriter();
            image.WriteDataUrl(writer);
            Assert.Equal(image.ToDataUrl(), writer.ToString());
            var ms = new MemoryStream();
            image.WriteDataUrl(ms);
            Assert.Equal(image.ToDataUrl(), System.Text.Encoding.ASCII.GetString(ms.ToArray()));
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(jpeg)).ToLowerInvariant(), image.Sha256);
        }

        [Fact]
        public void TransparencyIsKeptAsPngWithPremultipliedResizing()
        {
            var bmp = new SKBitmap(new SKImageInfo(300, 200, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (int y = 0; y < 200; y++)
            {
                for (int x = 0; x < 300; x++)
                {
                    // Left half: fully transparent GREEN (must not bleed into the red edge); right half: opaque red.
                    bmp.SetPixel(x, y, x < 150 ? new SKColor(0, 255, 0, 0) : new SKColor(255, 0, 0, 255));
                }
            }
            byte[] png = bmp.Encode(SKEncodedImageFormat.Png, 100).ToArray();
            PreparedImage image = ImagePreparer.Prepare(png, "alpha.png", new PrepareOptions { MaxSide = 100 });
            Assert.Equal("image/png", image.MimeType);
            Assert.Equal((100, 67), (image.Width, image.Height));
            using SKBitmap ours = SKBitmap.Decode(image.Bytes);
            Assert.Equal(0, ours.GetPixel(10, 30).Alpha);
            Assert.Equal(new SKColor(255, 0, 0, 255), ours.GetPixel(90, 30));
            SKColor edge = ours.GetPixel(50, 30);
            Assert.True(edge.Alpha is > 0 and < 255 ? edge.Green < 40 : true, $"edge {edge}");

            // Forced JPEG: composited on white.
            PreparedImage jpeg = ImagePreparer.Prepare(png, "alpha.png", new PrepareOptions { MaxSide = 100, Format = PreparedFormat.Jpeg });
            using SKBitmap flat = SKBitmap.Decode(jpeg.Bytes);
            SKColor left = flat.GetPixel(10, 30);
            Assert.True(left.Red > 240 && left.Green > 240 && left.Blue > 240, $"{left}");
        }

        [Theory]
        [InlineData("gray16", "-colorspace Gray -depth 16", "png")]
        [InlineData("gray8", "-colorspace Gray -depth 8", "png")]
        [InlineData("graya", "-colorspace Gray -alpha set -channel A -evaluate set 60% +channel", "png")]
        [InlineData("rgb16", "-depth 16", "png")]
        [InlineData("rgba16", "-alpha set -channel A -evaluate set 50% +channel -depth 16", "png")]
        [InlineData("palette", "-colors 64 -type Palette", "png")]
        [InlineData("palette_trns", "-alpha set -channel A -fx \"i<20?0:1\" +channel -colors 32 PNG8:", "png")]
        [InlineData("cmyk", "-colorspace CMYK -quality 95", "jpg")]
        [InlineData("gray_jpeg", "-colorspace Gray -quality 95", "jpg")]
        [InlineData("interlaced", "-interlace PNG", "png")]
        [InlineData("bmp32", "-alpha set -channel A -evaluate set 70% +channel BMP3:", "bmp")]
        [InlineData("gif", "-colors 128", "gif")]
        [InlineData("tiff16", "-depth 16 -compress lzw", "tif")]
        [InlineData("webp", "-quality 90", "webp")]
        public void EveryColourTypeBecomes8BitSrgbMatchingImageMagick(string name, string ops, string ext)
        {
            string src = Path.Combine(_dir, "src.png");
            using (SKBitmap q = Gradient(160, 120))
            {
                File.WriteAllBytes(src, q.Encode(SKEncodedImageFormat.Png, 100).ToArray());
            }
            string file = Path.Combine(_dir, $"{name}.{ext}");
            string[] parts = ops.Split(' ');
            string outArg = parts[^1].EndsWith(":", StringComparison.Ordinal) ? parts[^1] + file : file;
            string[] opArgs = parts[^1].EndsWith(":", StringComparison.Ordinal) ? parts[..^1] : parts;
            TestCorpus.Run("convert", new[] { src }.Concat(opArgs.Select(a => a.Trim('"'))).Concat(new[] { outArg }).ToArray());

            PreparedImage image = ImagePreparer.Prepare(file, new PrepareOptions { MaxSide = 80, Format = PreparedFormat.Png });
            Assert.Equal((80, 60), (image.Width, image.Height));
            string ours = Path.Combine(_dir, name + ".out.png");
            File.WriteAllBytes(ours, image.Bytes);
            byte[] mine = TestCorpus.Run("convert", ours, "-depth", "8", "rgba:-");
            byte[] reference = TestCorpus.Run("convert", file + "[0]", "-colorspace", "sRGB", "-filter", "Lanczos", "-resize", "80x60!", "-depth", "8", "rgba:-");
            double psnr = TestCorpus.Psnr(mine, reference);
            Assert.True(psnr >= 30, $"{name}: PSNR {psnr:0.0} dB");
        }

        private static SKBitmap Gradient(int w, int h)
        {
            var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    bmp.SetPixel(x, y, new SKColor((byte)(x * 255 / w), (byte)(y * 255 / h), (byte)(((x + y) * 97) % 256)));
                }
            }
            return bmp;
        }

        [Fact]
        public void DisplayP3ColoursAreConvertedToSrgbNotWashedOut()
        {
            using SKColorSpace p3 = SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3);
            var bmp = new SKBitmap(new SKImageInfo(64, 64, SKColorType.Rgba8888, SKAlphaType.Opaque, p3));
            // Raw P3 values (Erase would convert an sRGB colour into P3 first).
            byte[] raw = new byte[64 * 64 * 4];
            for (int i = 0; i < raw.Length; i += 4)
            {
                raw[i] = 200; raw[i + 1] = 100; raw[i + 2] = 50; raw[i + 3] = 255;
            }
            System.Runtime.InteropServices.Marshal.Copy(raw, 0, bmp.GetPixels(), raw.Length);
            byte[] png = bmp.Encode(SKEncodedImageFormat.Png, 100).ToArray();
            Assert.True(ImageProbe.Probe(png, "p3.png").HasIccProfile);

            PreparedImage image = ImagePreparer.Prepare(png, "p3.png", new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal(PrepareAction.Reencode, image.Action); // a non-sRGB profile is never passed through
            using SKBitmap ours = SKBitmap.Decode(image.Bytes);
            SKColor c = ours.GetPixel(32, 32);

            // Reference: P3 -> linear -> XYZ (D65) -> linear sRGB -> sRGB, by the published matrices.
            double[] lin = { Lin(200), Lin(100), Lin(50) };
            double[,] m = { { 1.2249, -0.2247, 0.0 }, { -0.0420, 1.0419, 0.0 }, { -0.0197, -0.0786, 1.0979 } };
            int[] expected = new int[3];
            for (int i = 0; i < 3; i++)
            {
                double v = (m[i, 0] * lin[0]) + (m[i, 1] * lin[1]) + (m[i, 2] * lin[2]);
                expected[i] = (int)Math.Round(255 * Enc(Math.Clamp(v, 0, 1)));
            }
            Assert.True(Math.Abs(c.Red - expected[0]) <= 3 && Math.Abs(c.Green - expected[1]) <= 3 && Math.Abs(c.Blue - expected[2]) <= 3,
                $"got {c}, expected ({expected[0]}, {expected[1]}, {expected[2]})");
            Assert.True(c.Red > 205, "P3 red must become a more saturated sRGB red");

            static double Lin(int v) { double s = v / 255.0; return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4); }
            static double Enc(double l) => l <= 0.0031308 ? 12.92 * l : (1.055 * Math.Pow(l, 1 / 2.4)) - 0.055;
        }

        [Fact]
        public void OversizedOutputsShrinkUntilTheyFitTheByteCap()
        {
            using SKBitmap noise = new SKBitmap(new SKImageInfo(1200, 900, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var rng = new Random(5);
            byte[] px = new byte[1200 * 900 * 4];
            rng.NextBytes(px);
            for (int i = 3; i < px.Length; i += 4)
            {
                px[i] = 255;
            }
            System.Runtime.InteropServices.Marshal.Copy(px, 0, noise.GetPixels(), px.Length);
            byte[] png = noise.Encode(SKEncodedImageFormat.Png, 100).ToArray();
            PreparedImage image = ImagePreparer.Prepare(png, "noise.png", new PrepareOptions { MaxBytes = 200_000 });
            Assert.True(image.Bytes.Length <= 200_000);
            Assert.Equal("image/jpeg", image.MimeType);
            Assert.NotEmpty(image.Warnings);
        }

        [Theory]
        [InlineData(45455, PrepareAction.Pass)]      // sRGB's 1/2.2, as ImageMagick writes it
        [InlineData(100000, PrepareAction.Reencode)] // linear: must be converted
        public void PngGammaCloseToSrgbPassesOtherGammasAreConverted(int gamma, PrepareAction expected)
        {
            using SKBitmap src = Quadrants(64, 32);
            byte[] png = src.Encode(SKEncodedImageFormat.Png, 100).ToArray();
            byte[] body = "gAMA"u8.ToArray().Concat(new[] { (byte)(gamma >> 24), (byte)(gamma >> 16), (byte)(gamma >> 8), (byte)gamma }).ToArray();
            uint crc = Crc32(body);
            byte[] chunk = new byte[] { 0, 0, 0, 4 }.Concat(body).Concat(new[] { (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc }).ToArray();
            byte[] tagged = png.Take(33).Concat(chunk).Concat(png.Skip(33)).ToArray(); // right after IHDR
            PreparedImage image = ImagePreparer.Prepare(tagged, "gamma.png");
            Assert.Equal(expected, image.Action);
        }

        private static uint Crc32(byte[] data)
        {
            uint c = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                c ^= b;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }
            }
            return ~c;
        }
    }
}
