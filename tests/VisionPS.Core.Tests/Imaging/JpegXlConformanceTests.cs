using System;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>libjxl's conformance files (Samples/NOTICE-19c.md): decoded to sRGB as the suite's reference shows them, or refused clearly.</summary>
    public class JpegXlConformanceTests
    {
        [Fact]
        public void GreyscaleXybWithAGreyIccProfileMatchesTheConformanceReference()
        {
            // XYB-coded, carrying the original's "Dot Gain 10%" grey profile: libjxl hands the pixels over as linear light.
            PreparedImage image = ImagePreparer.Prepare(PublicSuiteTests.Sample("jxl-grayscale.jxl"), new PrepareOptions { Format = PreparedFormat.Png });
            byte[] mine = PublicSuiteTests.Rgba(image.Bytes, out int w, out int h);
            byte[] reference = PublicSuiteTests.Rgba(File.ReadAllBytes(PublicSuiteTests.Sample("jxl-grayscale.ref.png")), out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            double psnr = TestCorpus.Psnr(mine, reference);
            Assert.True(psnr >= 45, $"{psnr:0.0} dB against the conformance reference");
        }

        [Fact]
        public void CmykJpegXlIsRefusedWithAClearError()
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(PublicSuiteTests.Sample("jxl-cmyk_layers.jxl")));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains("CMYK JPEG XL", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("@", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("jxl-grayscale.jxl", true)]
        public void TheXybAndIccFlagsAreReadFromTheCodestreamHeader(string file, bool xybWithIcc)
        {
            Assert.Equal(xybWithIcc, JxlHeader.IsXybWithIcc(File.ReadAllBytes(PublicSuiteTests.Sample(file))));
        }
    }
}
