using System;
using System.Collections.Generic;
using System.IO;
using ImageMagick;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// JPEG XL (through Magick.NET's libjxl) decodes to sRGB as libjxl's own <c>djxl</c> shows it, colour-managed. The
    /// samples are encoded at test time with <c>cjxl</c> (Debian's libjxl-tools), lossless and lossy (XYB).
    /// </summary>
    public sealed class JpegXlTests : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-jxl-" + Guid.NewGuid().ToString("N"));

        public JpegXlTests(ITestOutputHelper output)
        {
            _output = output;
            Directory.CreateDirectory(_dir);
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        /// <summary>A corpus photo at 240x160 as an untagged (so sRGB) PNG, as Skia writes it.</summary>
        private string Photo()
        {
            string path = Path.Combine(_dir, "photo.png");
            using SKBitmap full = SKBitmap.Decode(TestCorpus.File("jpg_storm_1920x1280.jpg"));
            using SKBitmap small = full.Resize(new SKImageInfo(240, 160, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKCubicResampler.Mitchell));
            using SKData png = small.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, png.ToArray());
            return path;
        }

        private string Source(string kind)
        {
            string path = Path.Combine(_dir, kind + ".png");
            switch (kind)
            {
                case "srgb":
                    return Photo();
                case "gray":
                    using (var image = new MagickImage(Photo()))
                    {
                        image.ColorType = ColorType.Grayscale;
                        image.Write(path);
                    }
                    return path;
                case "alpha":
                    using (SKBitmap photo = SKBitmap.Decode(Photo()))
                    using (var rgba = new SKBitmap(new SKImageInfo(photo.Width, photo.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
                    {
                        for (int y = 0; y < photo.Height; y++)
                        {
                            for (int x = 0; x < photo.Width; x++)
                            {
                                rgba.SetPixel(x, y, photo.GetPixel(x, y).WithAlpha((byte)(x * 255 / (photo.Width - 1))));
                            }
                        }
                        using SKData data = rgba.Encode(SKEncodedImageFormat.Png, 100);
                        File.WriteAllBytes(path, data.ToArray());
                    }
                    return path;
                case "adobergb":
                    using (var image = new MagickImage(Photo()))
                    {
                        image.SetProfile(ColorProfiles.SRGB);
                        image.TransformColorSpace(ColorProfiles.AdobeRGB1998);
                        image.Write(path);
                    }
                    return path;
                case "linear":
                    File.WriteAllBytes(path, ColourManagementTests.Png(ColourManagementTests.Samples(), 16, ColourManagementTests.Gama(1.0)));
                    return path;
                case "gamma22":
                    // gAMA 1/2.2 without sRGB: cjxl codes a gamma 2.2 transfer (not sRGB's curve), which djxl shows as such;
                    // the gradient's dark end is where the two curves part.
                    File.WriteAllBytes(path, ColourManagementTests.Png(ColourManagementTests.Samples(), 8, ColourManagementTests.Gama(1 / 2.2)));
                    return path;
                case "16bit":
                    File.WriteAllBytes(path, ColourManagementTests.Png(ColourManagementTests.Samples(), 16));
                    return path;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind));
            }
        }

        /// <summary>djxl's PNG, shown as a colour-managed viewer shows it (its embedded profile converted to sRGB by lcms).</summary>
        private byte[] Reference(string jxl, out int width, out int height)
        {
            string png = jxl + ".djxl.png", srgb = Path.Combine(_dir, "srgb.icc"), managed = jxl + ".djxl.srgb.png";
            TestCorpus.Run("djxl", jxl, png);
            File.WriteAllBytes(srgb, ColorProfiles.SRGB.ToByteArray());
            bool hasProfile = TestCorpus.Run("identify", "-format", "%[profiles]", png).Length > 0;
            if (hasProfile)
            {
                TestCorpus.Run("convert", png, "-profile", srgb, managed);
            }
            else
            {
                File.Copy(png, managed);
            }
            return TestCorpus.MagickRgba(managed, out width, out height);
        }

        public static IEnumerable<object[]> Cases()
        {
            foreach (string kind in new[] { "srgb", "gray", "alpha", "adobergb", "linear", "16bit", "gamma22" })
            {
                yield return new object[] { kind, "lossless" };
                yield return new object[] { kind, "lossy" };
            }
            yield return new object[] { "srgb", "progressive" };
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void JpegXlDecodesToSrgbAsDjxlShowsIt(string kind, string coding)
        {
            string jxl = Path.Combine(_dir, $"{kind}-{coding}.jxl");
            var args = new List<string> { Source(kind), jxl };
            args.AddRange(coding switch { "lossless" => new[] { "-d", "0" }, "lossy" => new[] { "-d", "1" }, _ => new[] { "-d", "1", "-p" } });
            TestCorpus.Run("cjxl", args.ToArray());

            PreparedImage image = ImagePreparer.Prepare(jxl, new PrepareOptions { Format = PreparedFormat.Png });
            string ours = jxl + ".ours.png";
            File.WriteAllBytes(ours, image.Bytes);
            byte[] mine = TestCorpus.MagickRgba(ours, out int w, out int h);
            byte[] reference = Reference(jxl, out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            double psnr = TestCorpus.Psnr(mine, reference);
            _output.WriteLine($"{kind} {coding}: {psnr:0.0} dB against djxl, colour-managed");
            // A gamma 2.2 image read as sRGB still scores about 40 dB (the curves part only in the shadows): it asks 44.
            // The others keep 40: lossy coding leaves some no closer than 45 (Adobe RGB) even when read right.
            double bar = kind == "gamma22" ? 44 : 40;
            Assert.True(psnr >= bar, $"{kind} {coding}: {psnr:0.0} dB against djxl, colour-managed (at least {bar} asked)");
        }
    }
}
