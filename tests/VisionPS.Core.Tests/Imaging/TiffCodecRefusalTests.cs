using System;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// TIFF variants the decoder in this build cannot read (Pillow's hopper_webp.tif and libtiff's
    /// tiff_tiled_cmyk_jpeg.tif, in its test suite) were refused as "could not be decoded: the decoder could not read it
    /// (WEBP compression support is not configured)" / "(Can not read scanlines from a tiled image)" and called possibly
    /// damaged. They are refused as unsupported variants, saying which, with what to do.
    /// </summary>
    public sealed class TiffCodecRefusalTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-tiffcodec-" + Guid.NewGuid().ToString("N"));

        public TiffCodecRefusalTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Tiff(string file, params string[] options)
        {
            string png = Path.Combine(_dir, "in.png"), tif = Path.Combine(_dir, file);
            TestCorpus.Run("convert", "-size", "96x64", "gradient:red-blue", "-swirl", "90", png);
            TestCorpus.Run("convert", new[] { png, "-depth", "8" }.Concat(options).Concat(new[] { tif }).ToArray());
            return tif;
        }

        [Fact]
        public void AWebPCompressedTiffIsRefusedAsUnsupportedSayingSo()
        {
            string tif = Tiff("hopper_webp.tif", "-compress", "WebP");
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(File.ReadAllBytes(tif), Path.GetFileName(tif)));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Equal("'hopper_webp.tif' (TIFF): TIFF with WebP compression is not supported; convert it to PNG first", ex.Message);
        }

        [Fact]
        public void ATiledCmykJpegTiffIsRefusedAsUnsupportedSayingSo()
        {
            string tif = Tiff("tiled_cmyk_jpeg.tif", "-colorspace", "CMYK", "-compress", "JPEG", "-define", "tiff:tile-geometry=32x32");
            Assert.True(ImageIntegrity.TiffTiledCmykJpeg(File.ReadAllBytes(tif)));
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(File.ReadAllBytes(tif), Path.GetFileName(tif)));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains("'tiled_cmyk_jpeg.tif' (TIFF): a tiled TIFF with JPEG-compressed CMYK is not supported", ex.Message, StringComparison.Ordinal);
            Assert.Contains("convert it to PNG first", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("scanlines", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("-colorspace", "CMYK", "-compress", "JPEG")]                                         // CMYK JPEG in strips
        [InlineData("-compress", "JPEG", "-define", "tiff:tile-geometry=32x32")]                        // tiled RGB JPEG
        [InlineData("-colorspace", "CMYK", "-compress", "LZW", "-define", "tiff:tile-geometry=32x32")]  // tiled CMYK, LZW
        public void TheNeighbouringVariantsStillDecodeWithImageMagicksColours(params string[] options)
        {
            string tif = Tiff("near.tif", options);
            Assert.False(ImageIntegrity.TiffTiledCmykJpeg(File.ReadAllBytes(tif)));
            PreparedImage image = ImagePreparer.Prepare(tif, new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal((96, 64), (image.Width, image.Height));
            double psnr = TestCorpus.Psnr(ColourManagementTests.Pixels(image), TestCorpus.MagickRgba(tif, out _, out _));
            Assert.True(psnr >= 30, $"{string.Join(" ", options)}: {psnr:0.0} dB against ImageMagick");
        }
    }
}
