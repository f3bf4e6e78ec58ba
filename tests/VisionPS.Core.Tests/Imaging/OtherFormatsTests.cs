using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// An image in a format VisionPS does not read (a Photoshop document, a JPEG 2000, a Netpbm image, a camera raw file
    /// that is not TIFF-shaped) is refused as UnsupportedFormat naming what it is; it was told it "is not an image: its
    /// first bytes match no image format". ImageMagick could read most of them, but the policy never meant to accept
    /// them, and none of them is handed to it.
    /// </summary>
    public sealed class OtherFormatsTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-other-" + Guid.NewGuid().ToString("N"));

        public OtherFormatsTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        [Theory]
        [InlineData("psd", "a Photoshop document (PSD)")]
        [InlineData("jp2", "a JPEG 2000 image")]
        [InlineData("j2k", "a JPEG 2000 image")]
        [InlineData("ppm", "a Netpbm image")]
        [InlineData("pgm", "a Netpbm image")]
        public void AnImageInAFormatNotReadHereIsNamedNotCalledNoImage(string extension, string what)
        {
            string file = Path.Combine(_dir, "picture." + extension);
            TestCorpus.Run("convert", "-size", "32x24", "gradient:red-blue", file);
            byte[] data = File.ReadAllBytes(file);
            Assert.Equal(ImageFormat.Unknown, ImageProbe.Sniff(data));
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(data, "picture." + extension));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains(what, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("is not an image", ex.Message, StringComparison.Ordinal);
            var probe = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(data, "picture." + extension));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, probe.Reason);
        }

        [Fact]
        public void TextIsStillNotAnImage()
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(System.Text.Encoding.ASCII.GetBytes("hello, world\n"), "note.png"));
            Assert.Equal(ImageErrorReason.NotAnImage, ex.Reason);
            Assert.Contains("is not an image", ex.Message, StringComparison.Ordinal);
        }
    }
}
