using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Real files from public test suites (Samples/Heif/NOTICE.md) on which the image core was wrong (issue 19),
    /// checked against Debian's reference decoders (heif-convert, avifdec, ImageMagick) at test time.
    /// </summary>
    public sealed class RealHeifAndTwelveBitTests : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-realheif-" + Guid.NewGuid().ToString("N"));

        public RealHeifAndTwelveBitTests(ITestOutputHelper output)
        {
            _output = output;
            Directory.CreateDirectory(_dir);
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static string Sample(string name)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", "Heif", name);
            Assert.True(File.Exists(path), $"sample {name} was not copied to the test output");
            return path;
        }

        /// <summary>Prepared as PNG at the source size (no resampling, no JPEG loss), read back as RGBA.</summary>
        private byte[] Ours(string file, out int width, out int height)
        {
            PreparedImage image = ImagePreparer.Prepare(file, new PrepareOptions { Format = PreparedFormat.Png });
            string png = Path.Combine(_dir, Path.GetFileName(file) + ".ours.png");
            File.WriteAllBytes(png, image.Bytes);
            return TestCorpus.MagickRgba(png, out width, out height);
        }

        private byte[] Reference(string tool, string file, out int width, out int height)
        {
            string png = Path.Combine(_dir, Path.GetFileName(file) + "." + tool + ".png");
            TestCorpus.Run(tool, file, png);
            return TestCorpus.MagickRgba(png, out width, out height);
        }

        /// <summary>
        /// libjpeg-turbo's 12-bit monkey12.jpg is converted to 8-bit (never passed through, never refused), and its
        /// pixels match the 16-bit PNG of the same picture (ffmpeg gets 42.7 dB).
        /// </summary>
        [Fact]
        public void TwelveBitJpegIsConvertedAndMatchesThe16BitPng()
        {
            string jpeg = Sample("monkey12.jpg");
            Assert.Equal(12, ImageProbe.Probe(jpeg).BitDepth);
            PreparedImage sent = ImagePreparer.Prepare(jpeg);
            Assert.Equal(PrepareAction.Reencode, sent.Action);
            Assert.Equal("image/jpeg", sent.MimeType);
            Assert.Equal(8, ImageProbe.Probe(sent.Bytes, "sent.jpg").BitDepth);

            byte[] ours = Ours(jpeg, out int w, out int h);
            byte[] reference = TestCorpus.MagickRgba(Sample("monkey16.png"), out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            double psnr = TestCorpus.Psnr(ours, reference);
            _output.WriteLine($"monkey12.jpg: {psnr:0.0} dB vs monkey16.png");
            Assert.True(psnr >= 42, $"monkey12.jpg: {psnr:0.0} dB vs monkey16.png");
        }

        /// <summary>
        /// Irvine_CA.avif says CICP 2/2/2, full range, in its 'colr' box and limited range in its AV1 stream. libavif and
        /// libheif 1.15 read it full range (they agree at 55 dB); it was 29.5 dB off, stretched as limited range.
        /// </summary>
        [Fact]
        public void UnspecifiedCicpFullRangeAvifReadsAsAvifdecAndHeifConvertReadIt()
        {
            string avif = Sample("Irvine_CA.avif");
            byte[] ours = Ours(avif, out int w, out int h);
            byte[] avifdec = Reference("avifdec", avif, out int aw, out int ah);
            byte[] heif = Reference("heif-convert", avif, out int hw, out int hh);
            Assert.Equal((480, 640), (w, h));
            Assert.Equal((w, h), (aw, ah));
            Assert.Equal((w, h), (hw, hh));
            double vsAvifdec = TestCorpus.Psnr(ours, avifdec), vsHeif = TestCorpus.Psnr(ours, heif);
            _output.WriteLine($"Irvine_CA.avif: {vsAvifdec:0.0} dB vs avifdec, {vsHeif:0.0} dB vs heif-convert");
            Assert.True(vsAvifdec >= 45 && vsHeif >= 45, $"{vsAvifdec:0.0} dB vs avifdec, {vsHeif:0.0} dB vs heif-convert");
        }

        /// <summary>
        /// The compact 'mini' form (brand mif3) was "not an image". libheif's avif32-mini.heif holds the picture of its
        /// avif32.heif, which Debian's heif-convert reads (it cannot read the mini form itself).
        /// </summary>
        [Fact]
        public void MiniFormHeifIsReadLikeItsFullForm()
        {
            string mini = Sample("avif32-mini.heif");
            Assert.Equal(ImageFormat.Avif, ImageProbe.Probe(mini).Format);
            byte[] ours = Ours(mini, out int w, out int h);
            byte[] reference = Reference("heif-convert", Sample("avif32.heif"), out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            double psnr = TestCorpus.Psnr(ours, reference);
            _output.WriteLine($"avif32-mini.heif: {psnr:0.0} dB vs heif-convert of avif32.heif");
            Assert.True(psnr >= 45, $"avif32-mini.heif: {psnr:0.0} dB vs heif-convert of avif32.heif");

            string hevcMini = Sample("hevc32-mini.heif");
            Assert.Equal(ImageFormat.Heif, ImageProbe.Probe(hevcMini).Format);
            PreparedImage sent = ImagePreparer.Prepare(hevcMini);
            Assert.Equal(PrepareAction.Reencode, sent.Action);
            Assert.True(sent.Width > 0 && sent.Height > 0);
        }

        /// <summary>HEIF variants the bundled libheif cannot decode are named plainly, as unsupported, with the decoder's version.</summary>
        [Theory]
        [InlineData("unci32.heif", "uncompressed ('unci')")]
        [InlineData("j2k32.heif", "JPEG 2000")]
        public void UnsupportedHeifVariantsAreNamed(string file, string what)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(Sample(file)));
            _output.WriteLine(ex.Message);
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
            Assert.Contains(what, ex.Message, StringComparison.Ordinal);
            Assert.Contains("HEIF variant is not supported", ex.Message, StringComparison.Ordinal);
            Assert.Matches(@"libheif \d+\.\d+\.\d+ in Magick\.NET", ex.Message);
            Assert.DoesNotContain("not an image", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("magick-", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>
        /// A 3-layer AV1 image with operating point 2 selected (layer 0, 360x182 declared) was refused: Magick.NET's
        /// libheif cannot select an operating point, decodes the largest layer (1436x730) and bounds it by the declared
        /// size. It is now read at its largest layer and scaled to 360x182, with a warning. avifdec shows layer 0 itself,
        /// a coarser encode of the same picture: the two agree at about 31 dB (a wrong picture is near 12 dB).
        /// </summary>
        [Fact]
        public void LayeredAvifWithAnOperatingPointIsSentAtItsDeclaredSize()
        {
            string avif = Sample("quebec_3layer_op2.avif");
            ImageHeader header = ImageProbe.Probe(avif);
            Assert.Equal((360, 182), (header.Width, header.Height));
            PreparedImage sent = ImagePreparer.Prepare(avif, new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal((360, 182), (sent.Width, sent.Height));
            Assert.Contains(sent.Warnings, w => w.Contains("largest layer (1436x730)", StringComparison.Ordinal));

            byte[] ours = Ours(avif, out int w, out int h);
            byte[] avifdec = Reference("avifdec", avif, out int aw, out int ah);
            Assert.Equal((aw, ah), (w, h));
            double psnr = TestCorpus.Psnr(ours, avifdec);
            _output.WriteLine($"quebec_3layer_op2.avif: {psnr:0.0} dB vs avifdec (layer 0)");
            Assert.True(psnr >= 29, $"quebec_3layer_op2.avif: {psnr:0.0} dB vs avifdec (layer 0)");
        }

        [Theory]
        [InlineData("quebec_3layer_op2.avif", "UnsupportedFormat")]
        [InlineData("Irvine_CA.avif", "Damaged")]
        public void ADecodedSizeOverTheDeclaredOneIsALayeredImageOnlyWhenTheFileSelectsALayer(string sample, string reason)
        {
            // libheif's refusal when the decoded picture is larger than 'ispe' says; a file with no 'a1op'/'lsel' has a
            // size field that lies (or a hostile one), which is damage.
            const string raw = "Security limit exceeded: Image size 4294967295x4294967295 exceeds the maximum image size 2147483647x2147483647 `/tmp/magick-Q' @ error/heic.c/ReadHEICImageByID/471";
            ImageProcessingException ex = MagickCodec.Translate(new InvalidOperationException(raw), sample, ImageFormat.Avif, File.ReadAllBytes(Sample(sample)));
            Assert.Equal(Enum.Parse<ImageErrorReason>(reason), ex.Reason);
            Assert.Contains("larger than the size the file declares", ex.Message, StringComparison.Ordinal);
            Assert.Equal(reason == "UnsupportedFormat", ex.Message.Contains("layered", StringComparison.Ordinal));
            Assert.DoesNotContain("magick-", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>libheif's messages for the variants seen in the HEIF conformance suite (C043, multilayer001), in VisionPS's words.</summary>
        [Theory]
        [InlineData("Unsupported feature: Unspecified: Unsupported reference types: pred (4.0) `/tmp/magick-5UbHI1qJ' @ error/heic.c/IsHEIFSuccess/207", "predictively coded")]
        [InlineData("Unsupported feature: Unsupported image type: Layered HEVC images (lhv1) are not supported yet (4.3001) `/tmp/magick-9I' @ error/heic.c/IsHEIFSuccess/207", "layered HEVC image")]
        [InlineData("Error while loading plugin: Support for this compression format has not been built in: VVC (a suitable decoder plugin is vvdec) (11.6003)", "coded with VVC")]
        public void LibheifRefusalsAreToldAsUnsupportedVariants(string raw, string expected)
        {
            ImageProcessingException ex = MagickCodec.Translate(new InvalidOperationException(raw), "x.heic", ImageFormat.Heif);
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
            Assert.Contains("HEIF variant is not supported", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("magick-", ex.Message, StringComparison.Ordinal);
            Assert.Equal(raw, ex.Data["MagickMessage"]);
        }
    }
}
