using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// What of a TIFF is sent. Only its first page: a multi-page TIFF (a scan, a fax) said nothing of the pages left
    /// out, where an animation's frames left out are named. And a camera raw file built on TIFF (DNG, NEF, ARW...) was
    /// read by ImageMagick as a plain TIFF, so its small preview (or its undeveloped sensor data) went out as the picture.
    /// </summary>
    public sealed class TiffPagesAndRawTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-pages-" + Guid.NewGuid().ToString("N"));

        public TiffPagesAndRawTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        [Fact]
        public void AMultiPageTiffSaysOnlyItsFirstPageIsSent()
        {
            string tif = Path.Combine(_dir, "scan.tif");
            TestCorpus.Run("convert", "-size", "40x30", "xc:red", "xc:green", "xc:blue", tif);
            PreparedImage image = ImagePreparer.Prepare(tif);
            Assert.Contains("is a TIFF of 3 pages; only its first page is sent", Assert.Single(image.Warnings));

            string one = Path.Combine(_dir, "one.tif");
            TestCorpus.Run("convert", "-size", "40x30", "xc:red", one);
            Assert.Empty(ImagePreparer.Prepare(one).Warnings);
        }

        [Fact]
        public void AReducedSizePreviewAfterThePictureIsNoPage()
        {
            // A second directory marked as a reduced-resolution image (NewSubfileType 1): a preview, not a page.
            string tif = Path.Combine(_dir, "preview.tif");
            TestCorpus.Run("convert", "-size", "40x30", "xc:red", "(", "-size", "10x8", "xc:red", "-define", "tiff:subfiletype=REDUCEDIMAGE", ")", tif);
            Assert.Equal(1, ImageIntegrity.TiffPageCount(File.ReadAllBytes(tif)));
            Assert.Empty(ImagePreparer.Prepare(tif).Warnings);
        }

        [Theory]
        [InlineData("dng", "a DNG camera raw file")]
        [InlineData("preview", "its first image is a small preview")]
        [InlineData("cfa", "the sensor's undeveloped data")]
        public void ACameraRawFileIsRefusedNotSentAsItsPreview(string kind, string what)
        {
            byte[] raw = kind switch
            {
                // DNGVersion 1.4.0.0 (four BYTEs, inline); a preview (NewSubfileType 1) with SubIFDs; a CFA mosaic.
                "dng" => CutTiffAndHeifTests.DirectoryFirstTiff(false, (50706, 1, 0x00000401)),
                "preview" => CutTiffAndHeifTests.DirectoryFirstTiff(false, (254, 4, 1), (330, 4, 8)),
                _ => CutTiffAndHeifTests.DirectoryFirstTiff(false, (33421, 3, 2)),
            };
            if (kind == "cfa")
            {
                // Photometric (262) becomes 32803, CFA.
                int at = raw.AsSpan().IndexOf(new byte[] { 0x06, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00 });
                Assert.True(at > 0);
                BitConverter.TryWriteBytes(raw.AsSpan(at + 8), (ushort)32803);
            }
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(raw, "photo." + kind));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains(what, ex.Message);
            Assert.Contains("does not develop raw images", ex.Message);
            var probe = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(raw, "photo." + kind));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, probe.Reason);
        }

        /// <summary>
        /// A CR2-shaped file: "II*", its first directory at byte 16, "CR" and major version 2 at byte 8, and a 1x1 RGB
        /// image whose Make (271) is <paramref name="make"/>.
        /// </summary>
        private static byte[] Cr2(string make)
        {
            var fields = new (int Tag, int Type, int Count, int Value)[]
            {
                (256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1), (271, 2, 6, -1),
                (273, 4, 1, -2), (277, 3, 1, 1), (278, 3, 1, 1), (279, 4, 1, 1),
            };
            int ifd = 16, makeAt = ifd + 2 + (12 * fields.Length) + 4, dataAt = makeAt + 6;
            byte[] b = new byte[dataAt + 1];
            "II*\0"u8.CopyTo(b);
            BitConverter.TryWriteBytes(b.AsSpan(4), (uint)ifd);
            b[8] = (byte)'C';
            b[9] = (byte)'R';
            b[10] = 2;
            BitConverter.TryWriteBytes(b.AsSpan(ifd), (ushort)fields.Length);
            int at = ifd + 2;
            foreach ((int tag, int type, int count, int value) in fields)
            {
                BitConverter.TryWriteBytes(b.AsSpan(at), (ushort)tag);
                BitConverter.TryWriteBytes(b.AsSpan(at + 2), (ushort)type);
                BitConverter.TryWriteBytes(b.AsSpan(at + 4), count);
                BitConverter.TryWriteBytes(b.AsSpan(at + 8), value == -1 ? makeAt : value == -2 ? dataAt : value);
                at += 12;
            }
            System.Text.Encoding.ASCII.GetBytes(make.PadRight(5)[..5]).CopyTo(b, makeAt);
            b[dataAt] = 0x80;
            return b;
        }

        [Fact]
        public void ACanonCr2IsKnownByItsHeaderAndMaker()
        {
            byte[] cr2 = Cr2("Canon");
            Assert.Equal("a Canon CR2 camera raw file", ImageIntegrity.TiffCameraRaw(cr2));
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cr2, "photo.cr2"));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains("Canon CR2", ex.Message);
            Assert.Null(ImageIntegrity.TiffCameraRaw(Cr2("Nikon")));
        }

        /// <summary>
        /// A plain little-endian TIFF whose first pixel is R=67 ('C'), G=82 ('R') has "CR" at byte 8 too: it was refused
        /// as a Canon CR2.
        /// </summary>
        [Fact]
        public void ATiffWhoseFirstPixelSpellsCrIsNoCanonRaw()
        {
            string tif = Path.Combine(_dir, "cr.tif");
            TestCorpus.Run("convert", "-size", "64x48", "xc:rgb(67,82,10)", "-depth", "8", "-compress", "none", tif);
            byte[] b = File.ReadAllBytes(tif);
            Assert.Equal(((byte)'C', (byte)'R'), (b[8], b[9]));
            Assert.Null(ImageIntegrity.TiffCameraRaw(b));
            PreparedImage image = ImagePreparer.Prepare(tif);
            Assert.Equal((64, 48), (image.Width, image.Height));
        }

        [Fact]
        public void AnOrdinaryTiffIsNoCameraRaw()
        {
            Assert.Null(ImageIntegrity.TiffCameraRaw(CutTiffAndHeifTests.DirectoryFirstTiff(false)));
            Assert.Null(ImageIntegrity.TiffCameraRaw(CutTiffAndHeifTests.DirectoryFirstTiff(true)));
        }
    }
}
