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

        /// <summary>
        /// The header look (Get-VisionImageInfo) counts a multi-page TIFF's pages as preparing does: they are frames
        /// of which only the first is sent, though not an animation. A reduced-size preview is no page.
        /// </summary>
        [Fact]
        public void AMultiPageTiffsHeaderCountsItsPages()
        {
            string tif = Path.Combine(_dir, "pages.tif");
            TestCorpus.Run("convert", "-size", "40x30", "xc:red", "xc:green", "xc:blue", tif);
            ImageHeader header = ImageProbe.Probe(tif);
            Assert.Equal(3, header.FrameCount);
            Assert.False(header.IsAnimated);
            Assert.Equal(3, ImageProbe.Probe(File.ReadAllBytes(tif), "pages.tif").FrameCount);

            string preview = Path.Combine(_dir, "with-preview.tif");
            TestCorpus.Run("convert", "-size", "40x30", "xc:red", "(", "-size", "10x8", "xc:red", "-define", "tiff:subfiletype=REDUCEDIMAGE", ")", preview);
            Assert.Equal(1, ImageProbe.Probe(preview).FrameCount);
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

        /// <summary>
        /// A TIFF whose chain of directories starts with an 8x6 grey reduced-size preview (NewSubfileType 1) and goes
        /// on to the picture (<see cref="CutTiffAndHeifTests.DirectoryFirstTiff(bool, int, (int, int, int)[])"/>).
        /// </summary>
        internal static byte[] PreviewFirstTiff()
        {
            byte[] main = CutTiffAndHeifTests.DirectoryFirstTiff(false);
            var fields = new (int Tag, int Type, int Value)[]
            {
                (254, 4, 1), (256, 3, 8), (257, 3, 6), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, -1), (277, 3, 1), (278, 3, 6), (279, 4, 48),
            };
            int ifd = main.Length, dataAt = ifd + 2 + (12 * fields.Length) + 4;
            byte[] b = new byte[dataAt + 48];
            main.CopyTo(b, 0);
            BitConverter.TryWriteBytes(b.AsSpan(4), ifd);
            BitConverter.TryWriteBytes(b.AsSpan(ifd), (ushort)fields.Length);
            int at = ifd + 2;
            foreach ((int tag, int type, int value) in fields)
            {
                BitConverter.TryWriteBytes(b.AsSpan(at), (ushort)tag);
                BitConverter.TryWriteBytes(b.AsSpan(at + 2), (ushort)type);
                BitConverter.TryWriteBytes(b.AsSpan(at + 4), 1);
                BitConverter.TryWriteBytes(b.AsSpan(at + 8), value == -1 ? dataAt : value);
                at += 12;
            }
            BitConverter.TryWriteBytes(b.AsSpan(at), 8); // the next directory: the picture's
            b.AsSpan(dataAt).Fill(0x80);
            return b;
        }

        /// <summary>
        /// A reduced-size preview first in the chain was sent as the picture (8x6 instead of 64x48), without a word.
        /// </summary>
        [Fact]
        public void APreviewBeforeThePictureIsNotSentInItsPlace()
        {
            byte[] tiff = PreviewFirstTiff();
            Assert.Equal((1, 8UL), ImageIntegrity.TiffPicture(tiff));
            Assert.Equal(1, ImageIntegrity.TiffPageCount(tiff));
            Assert.Null(ImageIntegrity.TiffCameraRaw(tiff));
            PreparedImage image = ImagePreparer.Prepare(tiff, "preview-first.tif", new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Empty(image.Warnings);
            Assert.Equal((64, 48), (image.SourceWidth, image.SourceHeight));
            using SkiaSharp.SKBitmap bitmap = SkiaSharp.SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SkiaSharp.SKColor(200, 200, 110), bitmap.GetPixel(50, 40));
        }

        /// <summary>The strip checks look at the picture's strips, not the preview's.</summary>
        [Fact]
        public void ThePictureBehindAPreviewIsCheckedForCutStrips()
        {
            byte[] tiff = PreviewFirstTiff();
            Assert.Null(ImageIntegrity.TiffPixelData(tiff));
            // The picture's last strip (its offsets are at byte 8 + 2 + 12 * 10 + 4 + 6) said to start 100 bytes before the end.
            BitConverter.TryWriteBytes(tiff.AsSpan(8 + 2 + (12 * 10) + 4 + 6 + (4 * 5)), tiff.Length - 100);
            Assert.Contains("1 of its 6 strips of pixel data run past the end", ImageIntegrity.TiffPixelData(tiff));
            Assert.Equal(40, ImageIntegrity.TiffWholeRows(tiff, out int height));
            Assert.Equal(48, height);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(tiff, "preview-first.tif"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            PreparedImage image = ImagePreparer.Prepare(tiff, "preview-first.tif", new PrepareOptions { Format = PreparedFormat.Png, AllowPartial = true });
            Assert.Contains("Only the first 40 of its 48 rows decoded", Assert.Single(image.Warnings));
            Assert.Equal((64, 48), (image.Width, image.Height));
        }

        /// <summary>
        /// A 900 KB TIFF of 10,000 chained directories of 65,535 entries each (overlapping): every entry of every one
        /// was read to count its pages (8 s for a 1x1 image). <paramref name="tag"/> is every filler entry's tag.
        /// </summary>
        [Theory]
        [InlineData(0xFFFF)]
        [InlineData(0)]
        public void AChainOfHugeDirectoriesIsCountedQuickly(int tag)
        {
            const int n = 10000, picture = 900000;
            byte[] b = new byte[picture + 200];
            for (int i = 0; i < n; i++)
            {
                int dir = 8 + (4 * i);
                BitConverter.TryWriteBytes(b.AsSpan(dir), (ushort)0xFFFF);
                BitConverter.TryWriteBytes(b.AsSpan(dir + 2 + (12 * 65535)), i < n - 1 ? 8 + (4 * (i + 1)) : 0);
            }
            for (int at = 8 + (4 * n) + 4; at + 2 <= 8 + 2 + (12 * 65535); at += 2)
            {
                // Filler: bytes read as tags of directories starting every 4 bytes.
                BitConverter.TryWriteBytes(b.AsSpan(at), (ushort)tag);
            }
            "II*\0"u8.CopyTo(b);
            BitConverter.TryWriteBytes(b.AsSpan(4), picture);
            var fields = new (int Tag, int Type, int Value)[]
            {
                (256, 3, 1), (257, 3, 1), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, picture + 2 + (12 * 9) + 4), (277, 3, 1), (278, 3, 1), (279, 4, 1),
            };
            BitConverter.TryWriteBytes(b.AsSpan(picture), (ushort)fields.Length);
            int e = picture + 2;
            foreach ((int t, int type, int value) in fields)
            {
                BitConverter.TryWriteBytes(b.AsSpan(e), (ushort)t);
                BitConverter.TryWriteBytes(b.AsSpan(e + 2), (ushort)type);
                BitConverter.TryWriteBytes(b.AsSpan(e + 4), 1);
                BitConverter.TryWriteBytes(b.AsSpan(e + 8), value);
                e += 12;
            }
            BitConverter.TryWriteBytes(b.AsSpan(e), 8);
            b[e + 4] = 0x80;
            b = b.AsSpan(0, e + 5).ToArray();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.True(ImageIntegrity.TiffPageCount(b) >= 1);
            Assert.Equal((0, (ulong)picture), ImageIntegrity.TiffPicture(b));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
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
