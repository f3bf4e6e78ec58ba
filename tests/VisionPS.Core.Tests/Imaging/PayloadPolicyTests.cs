using System;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>Smaller payloads at the same quality: JPEG quality chosen per image, lossless photos sent as photos.</summary>
    public class PayloadPolicyTests
    {
        private static PrepareOptions ForGpt4oHigh(bool adaptive = true) =>
            new() { Model = "gpt-4o", Detail = ImageDetail.High, AdaptiveQuality = adaptive };

        [Fact]
        public void ASmoothPhotoPreparedForAModelIsSmallerThanAtTheFixedQuality()
        {
            string storm = TestCorpus.File("jpg_storm_1920x1280.jpg");
            PreparedImage adaptive = ImagePreparer.Prepare(storm, ForGpt4oHigh());
            PreparedImage fixedQ = ImagePreparer.Prepare(storm, ForGpt4oHigh(adaptive: false));
            Assert.Equal((fixedQ.Width, fixedQ.Height), (adaptive.Width, adaptive.Height));
            Assert.True(adaptive.Bytes.Length < fixedQ.Bytes.Length * 0.8, $"{adaptive.Bytes.Length} vs {fixedQ.Bytes.Length}");
            Assert.Empty(adaptive.Warnings);
        }

        [Fact]
        public void ADetailedPhotoPreparedForAModelKeepsMoreThanTheFixedQuality()
        {
            string elephants = TestCorpus.File("jpg_elephants_1920x1080_prog.jpg");
            PreparedImage adaptive = ImagePreparer.Prepare(elephants, ForGpt4oHigh());
            PreparedImage fixedQ = ImagePreparer.Prepare(elephants, ForGpt4oHigh(adaptive: false));
            Assert.True(adaptive.Bytes.Length > fixedQ.Bytes.Length, $"{adaptive.Bytes.Length} vs {fixedQ.Bytes.Length}");
        }

        [Theory]
        [InlineData("d_tif_lzw_wood.tif")]
        [InlineData("d_bmp24_storm.bmp")]
        [InlineData("d_png_rgb16_wood.png")]
        public void APhotoInALosslessContainerIsSentAsJpeg(string file)
        {
            Assert.Equal("image/jpeg", ImagePreparer.Prepare(TestCorpus.File(file), ForGpt4oHigh()).MimeType);
        }

        [Theory]
        [InlineData("png_julia_400_rgb16.png")]
        [InlineData("png_debian_logo_256_palette_trns.png")]
        public void GraphicsJpegWouldSmearStayPng(string file)
        {
            var options = ForGpt4oHigh();
            options.AllowPassThrough = false;
            Assert.Equal("image/png", ImagePreparer.Prepare(TestCorpus.File(file), options).MimeType);
        }
    }
}
