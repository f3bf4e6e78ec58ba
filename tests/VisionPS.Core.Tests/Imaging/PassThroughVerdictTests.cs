using System;
using System.IO;
using System.Linq;
using ImageMagick;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// <see cref="ImagePreparer.WouldPassThrough"/> (Get-VisionImageInfo's WouldPassThrough) is preparing's own verdict:
    /// true exactly when preparing sends the bytes as they are, and a file preparing refuses as damaged is refused with
    /// the same error. It said what the header allowed: an all-opaque RGBA PNG (re-encoded) or a damaged file (refused)
    /// was "would pass through".
    /// </summary>
    public sealed class PassThroughVerdictTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("visionps-verdict-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        /// <summary>What preparing does with the file: Pass, Reencode, or the error it throws (reason and message).</summary>
        private static string Prepared(string path, PrepareOptions options)
        {
            try
            {
                return ImagePreparer.Prepare(path, options).Action == PrepareAction.Pass ? "Pass" : "Reencode";
            }
            catch (ImageProcessingException ex)
            {
                return $"{ex.Reason}: {ex.Message}";
            }
        }

        /// <summary>What the verdict says, in the same words.</summary>
        private static string Verdict(string path, PrepareOptions options)
        {
            try
            {
                return ImagePreparer.WouldPassThrough(path, ImageProbe.Probe(path), options) ? "Pass" : "Reencode";
            }
            catch (ImageProcessingException ex)
            {
                return $"{ex.Reason}: {ex.Message}";
            }
        }

        private string Write(string name, byte[] bytes)
        {
            string path = Path.Combine(_dir, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>Asserts the verdict is preparing's and that preparing does <paramref name="expected"/> (Pass, Reencode, or an error starting so).</summary>
        private static void Agrees(string path, string expected, PrepareOptions? options = null)
        {
            options ??= new PrepareOptions();
            string prepared = Prepared(path, options);
            Assert.StartsWith(expected, prepared, StringComparison.Ordinal);
            Assert.Equal(prepared, Verdict(path, options));
        }

        [Fact]
        public void AnAllOpaqueRgbaPngIsReencodedAndATranslucentOnePasses()
        {
            Agrees(Write("opaque.png", PngAlphaScanTests.Picture(6, 8, false, 64, 48, null, 3)), "Reencode");
            Agrees(Write("translucent.png", PngAlphaScanTests.Picture(6, 8, false, 64, 48, (40, 30), 3)), "Pass");
            Agrees(Write("grey-alpha-opaque.png", PngAlphaScanTests.Picture(4, 8, false, 64, 48, null, 4)), "Reencode");
        }

        [Fact]
        public void APaletteWhoseTransparentEntryNoPixelUsesIsReencodedAndOneThatUsesItPasses()
        {
            Agrees(Write("palette-unused.png", PngAlphaScanTests.Picture(3, 8, false, 64, 48, null, 5)), "Reencode");
            Agrees(Write("palette-used.png", PngAlphaScanTests.Picture(3, 8, false, 64, 48, (10, 10), 5)), "Pass");
        }

        [Fact]
        public void DamagedPngJpegGifAndWebPAreRefusedAsPreparingRefusesThemAndReencodedUnderAllowPartial()
        {
            byte[] png = PngAlphaScanTests.Picture(6, 8, false, 64, 48, (40, 30), 3);
            int idat = Enumerable.Range(8, png.Length - 12).First(i => png[i] == 'I' && png[i + 1] == 'D' && png[i + 2] == 'A' && png[i + 3] == 'T');
            int idatLength = (png[idat - 4] << 24) | (png[idat - 3] << 16) | (png[idat - 2] << 8) | png[idat - 1];
            byte[] badCrc = (byte[])png.Clone();
            badCrc[idat + 4 + idatLength] ^= 0xFF;
            byte[] cutPng = png.Take(idat + 4 + (idatLength / 2)).ToArray();

            using var bitmap = new SKBitmap(new SKImageInfo(96, 64, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            var rng = new Random(9);
            for (int y = 0; y < bitmap.Height; y++)
            {
                for (int x = 0; x < bitmap.Width; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor((byte)rng.Next(256), (byte)(x * 2), (byte)(y * 3), x < 8 && y < 8 ? (byte)0 : (byte)255));
                }
            }
            using SKImage image = SKImage.FromBitmap(bitmap);
            byte[] jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
            byte[] cutJpeg = jpeg.Take(jpeg.Length * 2 / 3).ToArray();
            byte[] webp = image.Encode(SKEncodedImageFormat.Webp, 100).ToArray();
            byte[] cutWebP = webp.Take(webp.Length * 2 / 3).ToArray();
            using var magick = new MagickImage(PngAlphaScanTests.Picture(3, 8, false, 64, 48, null, 6));
            magick.Format = MagickFormat.Gif;
            byte[] gif = magick.ToByteArray();
            byte[] cutGif = gif.Take(gif.Length * 2 / 3).ToArray();

            // Whole, each would be sent as it is: the damage alone is what the header did not show.
            Agrees(Write("whole.png", png), "Pass");
            Agrees(Write("whole.jpg", jpeg), "Pass");
            Agrees(Write("whole.webp", webp), "Pass");
            Agrees(Write("whole.gif", gif), "Pass");
            foreach ((string name, byte[] bytes) in new[] { ("bad-crc.png", badCrc), ("cut.png", cutPng), ("cut.jpg", cutJpeg), ("cut.webp", cutWebP), ("cut.gif", cutGif) })
            {
                string path = Write(name, bytes);
                Assert.True(ImagePreparer.HeaderAllowsPassThrough(ImageProbe.Probe(path), new PrepareOptions()), $"{name}: the header allows it");
                Agrees(path, "Damaged: '" + path + "'");
                Agrees(path, "Reencode", new PrepareOptions { AllowPartial = true });
            }
        }

        [Fact]
        public void AFileTheHeaderRulesOutIsNotReadFurther()
        {
            // A PNG larger than the target: re-encoded, whatever its bytes after the header hold (here: nothing).
            byte[] png = PngAlphaScanTests.Picture(6, 8, false, 64, 48, (40, 30), 3);
            string path = Write("large.png", png);
            var options = new PrepareOptions { MaxSide = 32 };
            ImageHeader header = ImageProbe.Probe(path);
            File.WriteAllBytes(path, png.Take(40).ToArray());
            Assert.False(ImagePreparer.WouldPassThrough(path, header, options));
        }
    }
}
