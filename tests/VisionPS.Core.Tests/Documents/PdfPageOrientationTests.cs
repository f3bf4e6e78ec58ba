using System;
using System.IO;
using VisionPS.Core.Documents;
using VisionPS.Core.Imaging;
using VisionPS.Core.Tests.Imaging;
using SkiaSharp;
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

        /// <summary>
        /// A JPEG 2000 (JPXDecode) scan turned by its page's /Rotate, given on the page or inherited from the Pages tree,
        /// in any of the forms the standard allows (negative, past 360), comes out as a reader shows it. The picture is
        /// 96x48, red on its left half and blue on its right: turned a quarter clockwise, red is on top.
        /// </summary>
        [Theory]
        [InlineData(null, null, "red-left")]
        [InlineData(90, null, "red-top")]
        [InlineData(180, null, "red-right")]
        [InlineData(270, null, "red-bottom")]
        [InlineData(-90, null, "red-bottom")]
        [InlineData(450, null, "red-top")]
        [InlineData(null, 90, "red-top")]   // inherited from the Pages tree
        [InlineData(null, -270, "red-top")]
        [InlineData(0, 90, "red-left")]     // the page's own /Rotate wins over the tree's
        [InlineData(180, 270, "red-right")]
        public void AJpeg2000ScanIsTurnedByItsPagesRotate(int? pageRotate, int? treeRotate, string expected)
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-jpx-" + System.Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string jp2 = Path.Combine(dir, "scan.jp2");
                TestCorpus.Run("convert", "-size", "48x48", "xc:red", "-size", "48x48", "xc:blue", "+append", jp2);
                byte[] pdf = TestPdfs.ScanOfJpx(File.ReadAllBytes(jp2), 96, 48, pageRotate, treeRotate);
                PdfPageImage page = Assert.Single(PdfScanPages.Extract(pdf, "scan.pdf", new PrepareOptions { Model = "gpt-4o" }));
                Assert.Null(page.Error);
                using SKBitmap sent = SKBitmap.Decode(page.Image!.Bytes);
                bool sideways = expected is "red-top" or "red-bottom";
                Assert.Equal(sideways ? (48, 96) : (96, 48), (sent.Width, sent.Height));
                SKColor first = sideways ? sent.GetPixel(24, 10) : sent.GetPixel(10, 24);
                bool redFirst = first.Red > 200 && first.Blue < 60;
                bool blueFirst = first.Blue > 200 && first.Red < 60;
                Assert.True(expected is "red-left" or "red-top" ? redFirst : blueFirst, $"{expected}: the first half is {first}");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void ATooLargeJpeg2000ScanSaysSoForAPdfPage()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-jpx-" + System.Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string jp2 = Path.Combine(dir, "scan.jp2");
                TestCorpus.Run("convert", "-size", "96x48", "gradient:red-blue", jp2);
                byte[] pdf = TestPdfs.ScanOfJpx(File.ReadAllBytes(jp2), 96, 48, null, null);
                var options = new PrepareOptions { Model = "gpt-4o", Budget = new ImageBudget { MaxDecodedPixels = 1000 } };
                PdfPageImage page = Assert.Single(PdfScanPages.Extract(pdf, "scan.pdf", options));
                var error = Assert.IsType<ImageProcessingException>(page.Error);
                Assert.Equal(ImageErrorReason.TooLarge, error.Reason);
                Assert.StartsWith("'scan.pdf#page=1' (JPEG 2000 in a PDF page) is too large: ", error.Message, System.StringComparison.Ordinal);
                Assert.Contains("save the page as a PNG or JPEG", error.Message, System.StringComparison.Ordinal);
                Assert.DoesNotContain("camera", error.Message, System.StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        /// <summary>
        /// OpenJPEG has no time limit: a 90-byte blank 8000x8000 page took 33 s and 1.1 GB. A JPEG 2000 page over 36
        /// megapixels (an A4 or Letter page at 600 dpi is 35) is refused from its header, under the 100 MP decode budget.
        /// </summary>
        [Fact]
        public void AJpeg2000ScanOverItsOwnPixelCapIsRefusedBeforeDecoding()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-jpx-" + System.Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string j2k = Path.Combine(dir, "scan.j2k");
                TestCorpus.Run("convert", "-size", "96x48", "gradient:red-blue", j2k);
                byte[] codestream = File.ReadAllBytes(j2k);
                // The SIZ segment's image and tile size say 7000 x 7000 (49 MP, within the general 100 MP budget).
                int siz = System.MemoryExtensions.IndexOf(codestream.AsSpan(), new byte[] { 0xFF, 0x51 });
                foreach (int at in new[] { siz + 6, siz + 10, siz + 22, siz + 26 })
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(codestream.AsSpan(at), 7000);
                }
                byte[] pdf = TestPdfs.ScanOfJpx(codestream, 7000, 7000, null, null);
                PdfPageImage page = Assert.Single(PdfScanPages.Extract(pdf, "scan.pdf", new PrepareOptions { Model = "gpt-4o" }));
                var error = Assert.IsType<ImageProcessingException>(page.Error);
                Assert.Equal(ImageErrorReason.TooLarge, error.Reason);
                Assert.Contains("7000 x 7000", error.Message, System.StringComparison.Ordinal);
                Assert.Contains("36 megapixels", error.Message, System.StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void ADamagedJpeg2000ScanIsAnErrorNamingThePage()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-jpx-" + System.Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string jp2 = Path.Combine(dir, "scan.jp2");
                TestCorpus.Run("convert", "-size", "96x48", "gradient:red-blue", jp2);
                byte[] whole = File.ReadAllBytes(jp2);
                // Its header boxes and main header (SIZ, where PdfPig looks) are kept; its coded data is garbled.
                for (int i = 160; i < whole.Length; i++)
                {
                    whole[i] ^= 0x5A;
                }
                byte[] pdf = TestPdfs.ScanOfJpx(whole, 96, 48, 90, null);
                PdfPageImage page = Assert.Single(PdfScanPages.Extract(pdf, "scan.pdf", new PrepareOptions { Model = "gpt-4o" }));
                var error = Assert.IsType<PdfCheckException>(page.Error);
                Assert.Equal(PdfProblem.Damaged, error.Problem);
                Assert.StartsWith("Page 1 of 'scan.pdf' holds a JPEG 2000 image that cannot be decoded: ", error.Message, System.StringComparison.Ordinal);
                Assert.DoesNotContain("Magick", error.Message, System.StringComparison.Ordinal);
                // No ImageMagick error token (ImproperImageHeader, CorruptImage...) in either message; the image's own
                // error names JPEG 2000 and says to save the page, not "(unknown format)... copy or export the file again".
                var inner = Assert.IsType<ImageProcessingException>(error.InnerException);
                foreach (string message in new[] { error.Message, inner.Message })
                {
                    Assert.DoesNotMatch(@"\((?:[A-Z][a-z]+){2,}\)|Improper|unknown format|copy or export the file", message);
                }
                Assert.Contains("'scan.pdf#page=1' (JPEG 2000 in a PDF page)", inner.Message, System.StringComparison.Ordinal);
                Assert.Contains("save the page as a PNG or JPEG", inner.Message, System.StringComparison.Ordinal);
                Assert.NotNull(inner.Data["MagickMessage"]); // the raw text stays for -Debug
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
