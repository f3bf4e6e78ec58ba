using System.IO;
using VisionPS.Core.Documents;
using VisionPS.Core.Imaging;
using VisionPS.Core.Tests.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Documents
{
    /// <summary>A turned page's image carries the turn as its EXIF orientation, whatever orientation it had.</summary>
    public class PdfPageOrientationTests
    {
        [Theory]
        [InlineData(90, 6)]
        [InlineData(180, 3)]
        [InlineData(270, 8)]
        [InlineData(-90, 8)]
        [InlineData(450, 6)]
        [InlineData(0, 1)]
        public void RotateDegreesClockwiseBecomeExifOrientations(int degrees, int orientation) =>
            Assert.Equal(orientation, PdfPageOrientation.FromRotate(degrees));

        [Theory]
        [InlineData("jpg_orient6_panasonic_640x428.jpg", 3)] // its own orientation tag (a LONG) is replaced
        [InlineData("jpg_orient6_panasonic_640x428.jpg", 1)]
        [InlineData("jpg_gray_cat_512.jpg", 8)]               // no EXIF: an APP1 segment is added
        public void AJpegGetsTheOrientationAndStillDecodes(string file, int orientation)
        {
            byte[] jpeg = File.ReadAllBytes(TestCorpus.File(file));
            byte[] turned = PdfPageOrientation.Jpeg(jpeg, orientation);
            Assert.Equal(orientation, ExifOrientation.FromJpeg(turned));
            PreparedImage prepared = ImagePreparer.Prepare(turned, file, new PrepareOptions { Model = "gpt-4o" });
            PreparedImage plain = ImagePreparer.Prepare(PdfPageOrientation.Jpeg(jpeg, 1), file, new PrepareOptions { Model = "gpt-4o" });
            bool sideways = orientation >= 5;
            Assert.Equal(sideways ? plain.Height : plain.Width, prepared.Width);
        }

        [Fact]
        public void APngGetsAnExifChunkWithAGoodCrc()
        {
            byte[] png = File.ReadAllBytes(TestCorpus.File("png_wizard_1104x1468_rgba.png"));
            byte[] turned = PdfPageOrientation.Png(png, 6);
            Assert.Equal(6, ExifOrientation.FromPng(turned));
            PreparedImage prepared = ImagePreparer.Prepare(turned, "page.png", new PrepareOptions { Model = "gpt-4o" });
            Assert.True(prepared.Width > prepared.Height); // 1104x1468 turned a quarter
        }
    }
}
