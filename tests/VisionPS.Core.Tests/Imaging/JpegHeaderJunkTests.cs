using System;
using System.IO;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// JPEGs from Pillow's test images whose only fault is between the segments before the first scan: bytes that
    /// belong to no segment (libjpeg skips them with a warning, "N extraneous bytes before marker 0xDB") or, in
    /// app13-multiple.jpg, none at all (ImageMagick's own Photoshop APP13 reader leaves 14 bytes for libjpeg to
    /// skip). Every pixel decodes, as Pillow, ImageMagick and djpeg agree; they were refused as "its entropy-coded scan
    /// is corrupt". Samples/NOTICE-suites.md says where each comes from.
    /// </summary>
    public class JpegHeaderJunkTests
    {
        [Theory]
        [InlineData("pillow-app13-multiple.jpg", 0)]
        [InlineData("pillow-jpeg_ff00_header.jpg", 4)]
        [InlineData("pillow-junk_jpeg_header.jpg", 5)]
        [InlineData("pillow-photoshop-200dpi-broken.jpg", 16)]
        [InlineData("pillow-truncated_app14.jpg", 1)]
        public void HeaderJunkIsLeftOutAndTheImageIsSentWhole(string file, int junk)
        {
            string path = PublicSuiteTests.Sample(file);
            byte[] original = File.ReadAllBytes(path);
            PreparedImage image = ImagePreparer.Prepare(path);

            // The junk is not sent: the bytes that go are a JPEG libjpeg reads without a word.
            Assert.True(JpegScanCheck.TryCheck(image.Bytes, ContainerHeaders.Jpeg(image.Bytes)!, out JpegScanDamage? damage));
            Assert.Null(damage);
            if (image.Action == PrepareAction.Pass)
            {
                Assert.Equal(original.Length - junk, image.Bytes.Length);
            }

            // The picture is the one every decoder shows (Skia, like libjpeg, skips the junk).
            using SKBitmap reference = SKBitmap.Decode(original).Resize(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul), SKSamplingOptions.Default);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes).Copy(SKColorType.Rgba8888);
            Assert.True(TestCorpus.Psnr(reference.Bytes, sent.Bytes) >= 35, file);
        }

        [Fact]
        public void JunkAfterTheFirstScanIsStillDamage()
        {
            // Stray bytes inside the scan (a table marker among the entropy-coded data) are damage, not header junk.
            byte[] data = File.ReadAllBytes(PublicSuiteTests.Sample("pillow-junk_jpeg_header.jpg"));
            int sos = IndexOf(data, 0xFF, 0xDA);
            int inScan = sos + 2 + ((data[sos + 2] << 8) | data[sos + 3]) + 200;
            byte[] cut = new byte[data.Length + 7];
            Array.Copy(data, cut, inScan);
            cut[inScan] = 0xFF;
            cut[inScan + 1] = 0xDB; // a table marker in the middle of the scan
            cut[inScan + 2] = 0x00;
            cut[inScan + 3] = 0x05;
            Array.Copy(data, inScan, cut, inScan + 7, data.Length - inScan);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "mid-scan.jpg"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
        }

        [Fact]
        public void AFileWithoutJunkIsLeftAsItIs()
        {
            byte[] data = File.ReadAllBytes(PublicSuiteTests.Sample("pillow-app13-multiple.jpg"));
            Assert.Null(JpegSegments.WithoutHeaderJunk(data));
            byte[] junk = File.ReadAllBytes(PublicSuiteTests.Sample("pillow-junk_jpeg_header.jpg"));
            byte[]? clean = JpegSegments.WithoutHeaderJunk(junk);
            Assert.NotNull(clean);
            Assert.Equal(junk.Length - 5, clean!.Length);
            Assert.Null(JpegSegments.WithoutHeaderJunk(clean));
        }

        private static int IndexOf(byte[] data, byte a, byte b)
        {
            for (int i = 0; i + 1 < data.Length; i++)
            {
                if (data[i] == a && data[i + 1] == b)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
