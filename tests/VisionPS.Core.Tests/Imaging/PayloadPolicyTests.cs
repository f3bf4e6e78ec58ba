using System;
using SkiaSharp;
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

        [Theory]
        [InlineData("jpg_storm_1920x1280.jpg", 1152, 768)]
        [InlineData("jpg_elephants_1920x1080_prog.jpg", 1365, 768)]
        [InlineData("jpg_wood_2560x1920.jpg", 1024, 768)]
        [InlineData("jpg_phone_meizu_3120x4208.jpg", 768, 1036)]
        [InlineData("jpg_orient6_panasonic_640x428.jpg", 640, 428)]
        public void TheQualityFoundOnASampleKeepsTheTargetOnTheWholeImageAndIsWithinAStepOfTheFullSearch(string file, int w, int h)
        {
            using SKBitmap decoded = SKBitmap.Decode(TestCorpus.File(file));
            var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque, SKColorSpace.CreateSrgb());
            using SKBitmap resized = decoded.Resize(info, new SKSamplingOptions(SKCubicResampler.Mitchell));
            using SKImage image = SKImage.FromBitmap(resized);
            using SKPixmap pixels = image.PeekPixels();
            using (SKBitmap? sample = ImageRenderer.SampleTiles(pixels))
            {
                Assert.NotNull(sample); // every case here is large enough to be sampled
            }

            (byte[] bytes, int quality, _) = ImageRenderer.EncodeJpegForTarget(image, 85, file, ImageFormat.Jpeg);
            (byte[] fullBytes, int fullQuality, _) = ImageRenderer.SearchJpegQuality(image, pixels, 85, file, ImageFormat.Jpeg);

            double psnr = ImageRenderer.Psnr(pixels, bytes);
            Assert.True(psnr >= ImageRenderer.TargetPsnr || quality == 95, $"{file}: q{quality} gives {psnr:0.00} dB");
            // Within one step of what the whole-image search finds (the whole image is what must meet the target).
            int[] steps = { 55, 65, 75, 85, 90, 95 };
            int at = Array.IndexOf(steps, quality), fullAt = Array.IndexOf(steps, fullQuality);
            Assert.InRange(at - fullAt, -1, 1);
            Assert.True(ImageRenderer.Psnr(pixels, fullBytes) >= ImageRenderer.TargetPsnr || fullQuality == 95);
        }
    }
}
