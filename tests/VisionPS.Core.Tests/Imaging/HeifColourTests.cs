using System;
using System.Collections.Generic;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// AVIF/HEIC colour information (CICP, full or limited range, clean-aperture crop) read as libavif's
    /// <c>avifdec</c> and libheif's <c>heif-convert</c> read it. The samples are encoded at test time with
    /// <c>avifenc</c> from a corpus photo.
    /// </summary>
    public sealed class HeifColourTests : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-heif-" + Guid.NewGuid().ToString("N"));

        public HeifColourTests(ITestOutputHelper output)
        {
            _output = output;
            Directory.CreateDirectory(_dir);
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Source()
        {
            string src = Path.Combine(_dir, "src.png");
            TestCorpus.Run("convert", TestCorpus.File("jpg_storm_1920x1280.jpg"), "-resize", "240x160!", "-depth", "8", src);
            return src;
        }

        private static byte[] Prepared(string file, out int width, out int height)
        {
            PreparedImage image = ImagePreparer.Prepare(file, new PrepareOptions { Format = PreparedFormat.Png });
            string png = file + ".ours.png";
            File.WriteAllBytes(png, image.Bytes);
            return TestCorpus.MagickRgba(png, out width, out height);
        }

        /// <summary>The tool's PNG, shown as a colour-managed viewer shows it (an embedded ICC profile converted to sRGB by lcms).</summary>
        private byte[] Reference(string tool, string file, out int width, out int height)
        {
            string png = file + "." + tool + ".png", srgb = Path.Combine(_dir, "srgb.icc"), managed = file + "." + tool + ".srgb.png";
            TestCorpus.Run(tool, file, png);
            File.WriteAllBytes(srgb, ImageMagick.ColorProfiles.SRGB.ToByteArray());
            bool hasProfile = TestCorpus.Run("identify", "-format", "%[profiles]", png).Length > 0;
            TestCorpus.Run("convert", png, "-colorspace", "sRGB", hasProfile ? "-profile" : "-strip", hasProfile ? srgb : "-strip", managed);
            return TestCorpus.MagickRgba(managed, out width, out height);
        }

        public static IEnumerable<object[]> CicpCases() => new[]
        {
            new object[] { "2/2/2", "full" },
            new object[] { "2/2/2", "limited" },
            new object[] { "1/13/6", "full" },
            new object[] { "1/13/6", "limited" },
            new object[] { "1/13/1", "limited" },
            new object[] { "1/13/1", "full" },
        };

        /// <summary>Unspecified (2/2/2) or sRGB/BT.601/BT.709 CICP, full or limited range: the pixels avifdec and heif-convert show.</summary>
        [Theory]
        [MemberData(nameof(CicpCases))]
        public void AvifCicpAndRangeReadAsLibavifAndLibheifReadThem(string cicp, string range)
        {
            string avif = Path.Combine(_dir, $"cicp-{cicp.Replace('/', '_')}-{range}.avif");
            TestCorpus.Run("avifenc", "--cicp", cicp, "-r", range, "-y", "420", "--min", "10", "--max", "10", Source(), avif);
            byte[] ours = Prepared(avif, out int w, out int h);
            byte[] avifdec = Reference("avifdec", avif, out int aw, out int ah);
            byte[] heif = Reference("heif-convert", avif, out int hw, out int hh);
            Assert.Equal((240, 160), (w, h));
            Assert.Equal((w, h), (aw, ah));
            Assert.Equal((w, h), (hw, hh));
            double vsAvifdec = TestCorpus.Psnr(ours, avifdec), vsHeif = TestCorpus.Psnr(ours, heif), between = TestCorpus.Psnr(avifdec, heif);
            _output.WriteLine($"CICP {cicp} {range}: {vsAvifdec:0.0} dB vs avifdec, {vsHeif:0.0} dB vs heif-convert (they agree at {between:0.0} dB)");
            Assert.True(vsAvifdec >= 40 && vsHeif >= 40,
                $"CICP {cicp} {range}: {vsAvifdec:0.0} dB vs avifdec, {vsHeif:0.0} dB vs heif-convert (they agree at {between:0.0} dB)");
        }

        /// <summary>
        /// Wide-gamut CICP (Display P3, BT.2020 primaries with the sRGB curve): libheif applies only the matrix and range,
        /// so its RGB is still in the wide gamut; the image is sent converted to sRGB, as a viewer shows it. The reference
        /// is heif-convert's RGB taken through the published linear-light primaries matrix.
        /// </summary>
        [Theory]
        [InlineData("12/13/6", "full", "p3")]
        [InlineData("9/13/9", "limited", "bt2020")]
        public void AvifWithWideGamutCicpIsConvertedToSrgb(string cicp, string range, string gamut)
        {
            string avif = Path.Combine(_dir, $"wide-{gamut}.avif");
            TestCorpus.Run("avifenc", "--cicp", cicp, "-r", range, "-y", "444", "--min", "0", "--max", "4", Source(), avif);
            byte[] ours = Prepared(avif, out int w, out int h);
            string raw = avif + ".heif-convert.png";
            TestCorpus.Run("heif-convert", avif, raw);
            byte[] samples = TestCorpus.MagickRgba(raw, out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            // Linear-light RGB to linear sRGB (both D65), rounded as published (e.g. SMPTE EG 432-1 for P3).
            double[,] m = gamut == "p3"
                ? new[,] { { 1.2249, -0.2247, 0.0 }, { -0.0420, 1.0419, 0.0 }, { -0.0197, -0.0786, 1.0979 } }
                : new[,] { { 1.6605, -0.5876, -0.0728 }, { -0.1246, 1.1329, -0.0083 }, { -0.0182, -0.1006, 1.1187 } };
            byte[] expected = new byte[samples.Length];
            for (int i = 0; i < samples.Length; i += 4)
            {
                for (int c = 0; c < 3; c++)
                {
                    double lin = 0;
                    for (int k = 0; k < 3; k++)
                    {
                        double v = samples[i + k] / 255.0;
                        lin += m[c, k] * (v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4));
                    }
                    lin = Math.Clamp(lin, 0, 1);
                    double enc = lin <= 0.0031308 ? 12.92 * lin : (1.055 * Math.Pow(lin, 1 / 2.4)) - 0.055;
                    expected[i + c] = (byte)Math.Round(enc * 255);
                }
                expected[i + 3] = 255;
            }
            double converted = TestCorpus.Psnr(ours, expected), asIs = TestCorpus.Psnr(ours, samples);
            _output.WriteLine($"CICP {cicp} {range}: {converted:0.0} dB vs converted to sRGB, {asIs:0.0} dB vs the samples sent as they are");
            Assert.True(converted >= 45, $"CICP {cicp} {range}: {converted:0.0} dB vs converted to sRGB ({asIs:0.0} dB vs unconverted)");
        }

        public static IEnumerable<object[]> DepthCases() => new[]
        {
            new object[] { "10", "444" },
            new object[] { "10", "420" },
            new object[] { "12", "422" },
            new object[] { "8", "400" },
            new object[] { "8", "444" },
        };

        /// <summary>10- and 12-bit, 4:4:4/4:2:2/4:2:0 and monochrome AVIFs with unspecified CICP, limited range.</summary>
        [Theory]
        [MemberData(nameof(DepthCases))]
        public void AvifDepthsAndSubsamplingReadAsTheReferencesReadThem(string depth, string yuv)
        {
            string avif = Path.Combine(_dir, $"d{depth}-{yuv}.avif");
            TestCorpus.Run("avifenc", "--cicp", "2/2/2", "-r", "limited", "-d", depth, "-y", yuv, "--min", "10", "--max", "10", Source(), avif);
            byte[] ours = Prepared(avif, out int w, out int h);
            byte[] avifdec = Reference("avifdec", avif, out _, out _);
            byte[] heif = Reference("heif-convert", avif, out _, out _);
            double vsAvifdec = TestCorpus.Psnr(ours, avifdec), vsHeif = TestCorpus.Psnr(ours, heif);
            _output.WriteLine($"{depth}-bit {yuv}: {vsAvifdec:0.0} dB vs avifdec, {vsHeif:0.0} dB vs heif-convert (they agree at {TestCorpus.Psnr(avifdec, heif):0.0} dB)");
            Assert.Equal((240, 160), (w, h));
            // Where the two references disagree (avifdec 0.11 reads 10-bit monochrome differently), the better match counts.
            Assert.True(Math.Max(vsAvifdec, vsHeif) >= 45, $"{depth}-bit {yuv}: {vsAvifdec:0.0} dB vs avifdec, {vsHeif:0.0} dB vs heif-convert");
        }

        /// <summary>An AVIF and a HEIC carrying an Adobe RGB ICC profile: converted to sRGB as lcms converts the references' output.</summary>
        [Theory]
        [InlineData("avif")]
        [InlineData("heic")]
        public void IccTaggedHeifIsConvertedToSrgb(string kind)
        {
            string tagged = Path.Combine(_dir, "a98.png");
            File.WriteAllBytes(Path.Combine(_dir, "a98.icc"), ImageMagick.ColorProfiles.AdobeRGB1998.ToByteArray());
            TestCorpus.Run("convert", Source(), "-profile", Path.Combine(_dir, "a98.icc"), tagged);
            string file = Path.Combine(_dir, "a98." + kind);
            if (kind == "avif")
            {
                TestCorpus.Run("avifenc", "--min", "10", "--max", "10", tagged, file);
            }
            else
            {
                TestCorpus.Run("heif-enc", "-q", "92", tagged, "-o", file);
            }
            byte[] ours = Prepared(file, out int w, out int h);
            byte[] heif = Reference("heif-convert", file, out int hw, out int hh);
            Assert.Equal((hw, hh), (w, h));
            double psnr = TestCorpus.Psnr(ours, heif);
            string raw = file + ".raw.png";
            TestCorpus.Run("heif-convert", file, raw);
            double ignored = TestCorpus.Psnr(ours, TestCorpus.MagickRgba(raw, out _, out _));
            _output.WriteLine($"{kind} with Adobe RGB ICC: {psnr:0.0} dB vs heif-convert colour-managed; {ignored:0.0} dB vs the profile ignored");
            Assert.True(psnr >= 42, $"{kind} with Adobe RGB ICC: {psnr:0.0} dB vs heif-convert colour-managed");
        }

        /// <summary>
        /// A HEIF holding two images whose primary item (pitm) is the second: the primary is sent, as heif-info names
        /// it. (A HEIF image sequence whose primary is not its first frame, like the conformance suite's C046, cannot be
        /// made with Debian's heif-enc 1.15; not covered here.)
        /// </summary>
        [Fact]
        public void HeifPrimaryItemIsSentEvenWhenItIsNotTheFirstImage()
        {
            string first = Source(), second = Path.Combine(_dir, "second.png");
            TestCorpus.Run("convert", TestCorpus.File("jpg_wood_2560x1920.jpg"), "-resize", "240x160!", "-depth", "8", second);
            string heic = Path.Combine(_dir, "two.heic");
            TestCorpus.Run("heif-enc", "-q", "92", first, second, "-o", heic);
            byte[] bytes = File.ReadAllBytes(heic);
            int pitm = bytes.AsSpan().IndexOf("pitm"u8);
            Assert.True(pitm > 0);
            ushort firstId = (ushort)((bytes[pitm + 8] << 8) | bytes[pitm + 9]);
            string info = System.Text.Encoding.ASCII.GetString(TestCorpus.Run("heif-info", heic));
            var ids = System.Text.RegularExpressions.Regex.Matches(info, @"image: \d+x\d+ \(id=(\d+)\)");
            Assert.Equal(2, ids.Count);
            ushort secondId = ushort.Parse(ids[1].Groups[1].Value);
            Assert.Equal(firstId, ushort.Parse(ids[0].Groups[1].Value));
            bytes[pitm + 8] = (byte)(secondId >> 8);
            bytes[pitm + 9] = (byte)secondId;
            File.WriteAllBytes(heic, bytes);
            Assert.Matches(@"\(id=" + secondId + @"\), primary", System.Text.Encoding.ASCII.GetString(TestCorpus.Run("heif-info", heic)));

            byte[] ours = Prepared(heic, out _, out _);
            double vsSecond = TestCorpus.Psnr(ours, TestCorpus.MagickRgba(second, out _, out _));
            double vsFirst = TestCorpus.Psnr(ours, TestCorpus.MagickRgba(first, out _, out _));
            _output.WriteLine($"primary = second image: {vsSecond:0.0} dB vs the second image, {vsFirst:0.0} dB vs the first");
            Assert.True(vsSecond >= 35 && vsSecond > vsFirst + 10, $"{vsSecond:0.0} dB vs the primary (second) image, {vsFirst:0.0} dB vs the first");
        }

        /// <summary>A clean-aperture (clap) crop: the cropped picture heif-convert shows, at its size and brightness.</summary>
        [Fact]
        public void CroppedAvifIsTheCleanApertureAtTheRightBrightness()
        {
            string avif = Path.Combine(_dir, "crop.avif");
            TestCorpus.Run("avifenc", "--crop", "20,10,200,140", "--min", "10", "--max", "10", Source(), avif);
            byte[] ours = Prepared(avif, out int w, out int h);
            byte[] heif = Reference("heif-convert", avif, out int hw, out int hh);
            Assert.Equal((200, 140), (hw, hh));
            Assert.Equal((hw, hh), (w, h));
            double psnr = TestCorpus.Psnr(ours, heif);
            double meanOurs = Mean(ours), meanHeif = Mean(heif);
            _output.WriteLine($"crop: {psnr:0.0} dB vs heif-convert; mean level {meanOurs:0.0} vs {meanHeif:0.0}");
            Assert.True(Math.Abs(meanOurs - meanHeif) < 1.5, $"mean level {meanOurs:0.0} vs heif-convert's {meanHeif:0.0}");
            Assert.True(psnr >= 40, $"{psnr:0.0} dB vs heif-convert");
        }

        private static double Mean(byte[] rgba)
        {
            double sum = 0;
            for (int i = 0; i < rgba.Length; i += 4)
            {
                sum += rgba[i] + rgba[i + 1] + rgba[i + 2];
            }
            return sum / (rgba.Length / 4 * 3);
        }
    }
}
