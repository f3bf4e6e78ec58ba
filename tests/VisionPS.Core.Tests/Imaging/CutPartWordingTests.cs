using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A cut image sent under -AllowPartial says which part of the picture is there, as it is shown: a BMP stores its
    /// rows from the bottom up (Skia cannot count them, and said "how much is missing is not known"), including an RLE
    /// one whose delta escapes jump over rows; a cut JPEG's rows are counted as stored, so an EXIF-rotated one names
    /// the side of the shown picture they make.
    /// </summary>
    public class CutPartWordingTests
    {
        private static readonly PrepareOptions Partial = new() { AllowPartial = true, Format = PreparedFormat.Png };

        /// <summary>A bottom-up 24-bit BMP, <paramref name="width"/> x <paramref name="height"/>, red at the top, blue at the bottom.</summary>
        private static byte[] Bmp24(int width, int height)
        {
            int stride = ((width * 3) + 3) & ~3;
            byte[] b = new byte[54 + (stride * height)];
            b[0] = (byte)'B';
            b[1] = (byte)'M';
            BitConverter.GetBytes(b.Length).CopyTo(b, 2);
            BitConverter.GetBytes(54).CopyTo(b, 10);
            BitConverter.GetBytes(40).CopyTo(b, 14);
            BitConverter.GetBytes(width).CopyTo(b, 18);
            BitConverter.GetBytes(height).CopyTo(b, 22);
            BitConverter.GetBytes((short)1).CopyTo(b, 26);
            BitConverter.GetBytes((short)24).CopyTo(b, 28);
            for (int y = 0; y < height; y++)
            {
                int row = 54 + ((height - 1 - y) * stride);
                for (int x = 0; x < width; x++)
                {
                    bool top = y < height / 2;
                    (b[row + (x * 3)], b[row + (x * 3) + 1], b[row + (x * 3) + 2]) = top ? ((byte)0, (byte)0, (byte)220) : ((byte)220, (byte)0, (byte)0);
                }
            }
            return b;
        }

        /// <summary>
        /// A 16x16 RLE8 BMP: rows 0-3 (from the bottom) a red run, then a delta escape up 5 rows (rows 4-8 left blank by
        /// design), then rows 9-15 blue; the end-of-bitmap last.
        /// </summary>
        private static byte[] Rle8WithDelta()
        {
            var data = new MemoryStream();
            for (int y = 0; y < 16; y++)
            {
                if (y == 4)
                {
                    data.Write(new byte[] { 16, 1, 0, 2, 0, 5 }); // a run, then delta: 0 right, 5 up (to row 9)
                }
                else if (y is > 4 and < 9)
                {
                    continue;
                }
                else
                {
                    data.Write(new byte[] { 16, (byte)(y < 4 ? 1 : 2), 0, 0 }); // a 16-pixel run, end of line
                }
            }
            data.Write(new byte[] { 0, 1 });
            return Rle8Bmp(data.ToArray(), 16, 16);
        }

        /// <summary>An RLE8 BMP of <paramref name="pixels"/> (its stream), index 1 red and index 2 blue.</summary>
        private static byte[] Rle8Bmp(byte[] pixels, int width, int height)
        {
            byte[] palette = new byte[256 * 4];
            palette[4 + 2] = 220; // index 1: red
            palette[8 + 0] = 220; // index 2: blue
            int offset = 54 + palette.Length;
            byte[] b = new byte[offset + pixels.Length];
            b[0] = (byte)'B';
            b[1] = (byte)'M';
            BitConverter.GetBytes(b.Length).CopyTo(b, 2);
            BitConverter.GetBytes(offset).CopyTo(b, 10);
            BitConverter.GetBytes(40).CopyTo(b, 14);
            BitConverter.GetBytes(width).CopyTo(b, 18);
            BitConverter.GetBytes(height).CopyTo(b, 22);
            BitConverter.GetBytes((short)1).CopyTo(b, 26);
            BitConverter.GetBytes((short)8).CopyTo(b, 28);
            BitConverter.GetBytes(1).CopyTo(b, 30);
            BitConverter.GetBytes(pixels.Length).CopyTo(b, 34);
            BitConverter.GetBytes(256).CopyTo(b, 46);
            palette.CopyTo(b, 54);
            pixels.CopyTo(b, offset);
            return b;
        }

        [Fact]
        public void ACutBottomUpBmpSaysItsBottomRowsAreThere()
        {
            byte[] whole = Bmp24(40, 30);
            // 12 whole rows (40 * 3 = 120 bytes each) and part of a 13th.
            byte[] cut = whole.AsSpan(0, 54 + (12 * 120) + 50).ToArray();

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut.bmp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("only 12 of its 30 rows are in it", ex.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(cut, "cut.bmp", Partial);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("Only the bottom 12 of its 30 rows are in the file (a BMP stores its rows from the bottom up); the top 18 (60% of the image) are sent blank.",
                warning, StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SKColor(0, 0, 220), sent.GetPixel(20, 29).WithAlpha(255)); // blue: the bottom that is there
        }

        [Fact]
        public void ACutRleBmpCountsTheRowsItsDeltaEscapesJumpOverAsThere()
        {
            byte[] whole = Rle8WithDelta();
            Assert.Empty(ImagePreparer.Prepare(whole, "rle.bmp", Partial).Warnings);

            // Cut after row 10's run (the header, palette, rows 0-3, the delta up to row 9, row 9, and row 10's run).
            int pixelsAt = BitConverter.ToInt32(whole, 10);
            byte[] cut = whole.AsSpan(0, pixelsAt + (4 * 4) + 6 + 4 + 2).ToArray();
            Assert.Equal(10, ImageIntegrity.BmpRowsInFile(cut, out int height, out bool bottomUp, out string? rle));
            Assert.Null(rle);
            Assert.Equal((16, true), (height, bottomUp));

            PreparedImage image = ImagePreparer.Prepare(cut, "rle.bmp", Partial);
            Assert.Contains("Only the bottom 10 of its 16 rows are in the file", Assert.Single(image.Warnings), StringComparison.Ordinal);
        }

        /// <summary>
        /// An RLE8 BMP whose delta escape jumps past the end of its row (the file is whole): Skia stops there and says
        /// "incomplete", which read as 'the file ends before all of its pixels'. It is corrupt RLE data, named as such.
        /// </summary>
        [Fact]
        public void AnRleBmpWhoseDeltaLeavesItsRowIsCorruptNotCut()
        {
            byte[] bmp = Rle8WithDelta();
            int pixelsAt = BitConverter.ToInt32(bmp, 10);
            // Row 4's delta (0 right, 5 up) becomes 40 right: past the end of the 16-pixel row.
            int delta = pixelsAt + (4 * 4) + 2;
            Assert.Equal(new byte[] { 0, 2, 0, 5 }, bmp.AsSpan(delta, 4).ToArray());
            bmp[delta + 2] = 40;

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(bmp, "jump.bmp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("its RLE-compressed pixel data is corrupt: a delta escape in row 5 (counted from the bottom) jumps 40 pixels right from column 16, past the end of the 16-pixel row",
                ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("the file ends", ex.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(bmp, "jump.bmp", Partial);
            Assert.Contains("Only the bottom 4 of its 16 rows decoded (a BMP stores its rows from the bottom up); the top 12 (75% of the image) are sent blank.",
                Assert.Single(image.Warnings), StringComparison.Ordinal);
        }

        /// <summary>
        /// An RLE8 BMP whose encoded run is longer than its row, then a delta escape of 0 right: Skia cuts the run off at
        /// the row's end and decodes on, so the delta starts from the row's end, not past it, and the file is whole.
        /// </summary>
        [Fact]
        public void AnRleRunLongerThanItsRowEndsAtTheRowsEnd()
        {
            byte[] bmp = Rle8WithDelta();
            int pixelsAt = BitConverter.ToInt32(bmp, 10);
            int run = pixelsAt + (4 * 4);
            Assert.Equal(new byte[] { 16, 1, 0, 2, 0, 5 }, bmp.AsSpan(run, 6).ToArray());
            bmp[run] = 20; // 20 pixels in a 16-pixel row

            Assert.Equal(-1, ImageIntegrity.BmpRowsInFile(bmp, out _, out _, out string? rle)); // -1: every row is there
            Assert.Null(rle);
            PreparedImage image = ImagePreparer.Prepare(bmp, "long-run.bmp");
            Assert.Empty(image.Warnings);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SKColor(0, 0, 220), sent.GetPixel(8, 0).WithAlpha(255)); // the top rows (blue) decoded
        }

        /// <summary>
        /// A 32-bit BI_RGB BMP whose fourth byte holds alpha goes to ImageMagick (Skia drops its alpha), which does not
        /// count a cut BMP's rows (it said 'ImproperImageHeader ... no part of it decodes', -AllowPartial not offered): its
        /// rows are counted as on the Skia path, and under -AllowPartial the rows that are there are sent with their alpha.
        /// </summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ACutBmpWithAlphaSaysHowManyRowsAreThereAndKeepsTheirAlpha(bool bottomUp)
        {
            byte[] whole = PublicSuiteTests.InfoHeaderBmp32(40, 30, (x, y) => y < 15 ? 0x80C06020u : 0x802060C0u);
            if (!bottomUp)
            {
                // Top-down: a negative height, the rows stored from the top.
                BitConverter.GetBytes(-30).CopyTo(whole, 22);
                byte[] rows = whole.AsSpan(54).ToArray();
                for (int y = 0; y < 30; y++)
                {
                    rows.AsSpan((29 - y) * 160, 160).CopyTo(whole.AsSpan(54 + (y * 160)));
                }
            }
            // 12 whole rows (40 * 4 = 160 bytes each) and part of a 13th.
            byte[] cut = whole.AsSpan(0, 54 + (12 * 160) + 50).ToArray();

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut.bmp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("the file ends before all of its pixels: only 12 of its 30 rows are in it", ex.Message, StringComparison.Ordinal);
            Assert.Contains("-AllowPartial", ex.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(cut, "cut.bmp", Partial);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains(bottomUp
                    ? "Only the bottom 12 of its 30 rows are in the file (a BMP stores its rows from the bottom up); the top 18 (60% of the image) are sent blank."
                    : "Only the top 12 of its 30 rows are in the file (this BMP stores its rows from the top down); the bottom 18 (60% of the image) are sent blank.",
                warning, StringComparison.Ordinal);
            byte[] rgba = PublicSuiteTests.Rgba(image.Bytes, out int w, out int h);
            Assert.Equal((40, 30), (w, h));
            // The rows that are there keep their colour and their alpha (128); the missing ones are blank.
            int there = bottomUp ? 25 : 5, blank = bottomUp ? 5 : 25;
            byte[] pixel = rgba.AsSpan(((there * 40) + 20) * 4, 4).ToArray();
            Assert.InRange(pixel[3], 127, 129);
            Assert.InRange(pixel[0], bottomUp ? 0x20 - 2 : 0xC0 - 2, bottomUp ? 0x20 + 2 : 0xC0 + 2);
            Assert.InRange(pixel[2], bottomUp ? 0xC0 - 2 : 0x20 - 2, bottomUp ? 0xC0 + 2 : 0x20 + 2);
            Assert.Equal(0, rgba[(((blank * 40) + 20) * 4) + 3]);
        }

        /// <summary>
        /// A BMP whose header claims far more rows than the file holds (a few kilobytes declaring two million rows, or
        /// 65100: past Skia's 65535 px a side or the budget's 65000) said "could not be decoded: its header is invalid" or
        /// "too large": it is damaged, counted as a cut BMP is; under -AllowPartial its rows are sent alone, and said so.
        /// </summary>
        [Theory]
        [InlineData("bottom-up", 2_000_000)]
        [InlineData("top-down", 2_000_000)]
        [InlineData("bottom-up", 65_100)]
        [InlineData("rle", 2_000_000)]
        public void ABmpWhoseHeaderClaimsFarMoreRowsThanItHoldsIsDamagedAndItsRowsAreSentAlone(string kind, int claimed)
        {
            byte[] bmp;
            int width, rows;
            if (kind == "rle")
            {
                byte[] whole = Rle8WithDelta();
                // Cut after row 10's run, as above: 10 of its rows are there.
                bmp = whole.AsSpan(0, BitConverter.ToInt32(whole, 10) + (4 * 4) + 6 + 4 + 2).ToArray();
                (width, rows) = (16, 10);
            }
            else
            {
                bmp = Bmp24(40, 30); // all 30 rows are in the file
                (width, rows) = (40, 30);
            }
            BitConverter.GetBytes(kind == "top-down" ? -claimed : claimed).CopyTo(bmp, 22);

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(bmp, "tall.bmp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains($"only {rows} of its {claimed} rows are in it (its header declares {width}x{claimed} pixels)", ex.Message, StringComparison.Ordinal);
            Assert.Contains("-AllowPartial", ex.Message, StringComparison.Ordinal);
            var probed = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(bmp, "tall.bmp"));
            Assert.Equal(ImageErrorReason.Damaged, probed.Reason);
            Assert.Contains($"only {rows} of its {claimed} rows are in it", probed.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(bmp, "tall.bmp", Partial);
            string warning = Assert.Single(image.Warnings);
            (string there, string order) = kind == "top-down" ? ("top", "this BMP stores its rows from the top down") : ("bottom", "a BMP stores its rows from the bottom up");
            Assert.Contains($"Only the {there} {rows} of its {claimed} rows are in the file ({order}); a {width}x{claimed} picture is past what is decoded here, " +
                $"so those {rows} rows are sent alone, as a {width}x{rows} picture.", warning, StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal((width, rows), (sent.Width, sent.Height));
            // The top row sent: red for a bottom-up file whose rows are all there; the first stored (blue) row of a
            // top-down one; the RLE one's row 10, blank (its run starts at the row's end, where the delta left it).
            if (kind == "rle")
            {
                Assert.Equal(0, sent.GetPixel(width / 2, 0).Alpha);
            }
            else
            {
                Assert.Equal(kind == "bottom-up" ? new SKColor(220, 0, 0) : new SKColor(0, 0, 220), sent.GetPixel(width / 2, 0).WithAlpha(255));
            }
            Assert.Equal(kind == "top-down" ? new SKColor(220, 0, 0) : kind == "rle" ? new SKColor(220, 0, 0) : new SKColor(0, 0, 220),
                sent.GetPixel(width / 2, rows - 1).WithAlpha(255));
        }

        /// <summary>
        /// A BMP claiming far more rows than it holds, whose rows that are there are themselves past what is decoded here
        /// (more than 65535, or more pixels than the budget): -AllowPartial gave "could not be decoded: its header is
        /// invalid". The rows sent are capped at what decodes, and the warning says so.
        /// </summary>
        [Theory]
        [InlineData("rle-delta", 0)]
        [InlineData("1px-bottom-up", 0)]
        [InlineData("1px-top-down", 0)]
        [InlineData("rle-delta", 16_000)]
        public void ABmpClaimWhoseRowsThereArePastWhatDecodesSendsTheRowsThatDecode(string kind, long maxPixels)
        {
            byte[] bmp;
            int width;
            if (kind == "rle-delta")
            {
                // A red run in the bottom row, then 1000 delta escapes up 255 rows each (rows left blank by design).
                var stream = new MemoryStream();
                stream.Write(new byte[] { 16, 1 });
                for (int i = 0; i < 1000; i++)
                {
                    stream.Write(new byte[] { 0, 2, 0, 255 });
                }
                bmp = Rle8Bmp(stream.ToArray(), 16, 2_000_000);
                width = 16;
            }
            else
            {
                // 1 px wide, 24-bit: 100,000 rows of 4 bytes each, red in the first 2000 stored rows, blue in the rest.
                bmp = Bmp24(1, 100_000);
                for (int i = 54; i < bmp.Length; i += 4)
                {
                    (bmp[i], bmp[i + 1], bmp[i + 2]) = i < 54 + (2000 * 4) ? ((byte)0, (byte)0, (byte)220) : ((byte)220, (byte)0, (byte)0);
                }
                BitConverter.GetBytes(kind == "1px-top-down" ? -2_000_000 : 2_000_000).CopyTo(bmp, 22);
                width = 1;
            }
            int rows = ImageIntegrity.BmpRowsInFile(bmp, out int height, out bool bottomUp, out _);
            Assert.True(rows > 65_535, $"{rows} rows are in the file");
            Assert.Equal(2_000_000, height);
            var options = new PrepareOptions { AllowPartial = true, Format = PreparedFormat.Png };
            if (maxPixels > 0)
            {
                options.Budget.MaxSourcePixels = maxPixels;
            }
            int sent = maxPixels > 0 ? (int)(maxPixels / width) : 65_000; // the budget's 65000 px a side

            PreparedImage image = ImagePreparer.Prepare(bmp, "tall.bmp", options);
            string warning = Assert.Single(image.Warnings);
            string there = bottomUp ? "bottom" : "top";
            Assert.Contains($"Only the {there} {rows} of its 2000000 rows are in the file", warning, StringComparison.Ordinal);
            Assert.Contains($"a {width}x2000000 picture is past what is decoded here, so the {there} {sent} of them are sent alone, as a {width}x{sent} picture " +
                "(the most rows decoded here at that width)", warning, StringComparison.Ordinal);
            using SKBitmap decoded = SKBitmap.Decode(image.Bytes);
            Assert.Equal((double)width / sent, (double)decoded.Width / decoded.Height, 2);
            if (kind != "rle-delta")
            {
                // The first stored rows (red) are at the bottom of a bottom-up picture, the top of a top-down one.
                Assert.Equal(new SKColor(220, 0, 0), decoded.GetPixel(0, bottomUp ? decoded.Height - 1 : 0).WithAlpha(255));
                Assert.Equal(new SKColor(0, 0, 220), decoded.GetPixel(0, decoded.Height / 2).WithAlpha(255));
            }
        }

        /// <summary>
        /// A BMP claiming far more rows than it holds, too wide to decode at all (70,000 px: Skia reads at most 65535 a
        /// side): too large, with or without -AllowPartial, which is not offered (no row of it decodes).
        /// </summary>
        [Fact]
        public void ABmpClaimTooWideToDecodeIsTooLargeWithoutOfferingAllowPartial()
        {
            const int width = 70_000;
            int stride = ((width + 31) / 32) * 4;
            byte[] b = new byte[62 + (10 * stride)];
            b[0] = (byte)'B';
            b[1] = (byte)'M';
            BitConverter.GetBytes(b.Length).CopyTo(b, 2);
            BitConverter.GetBytes(62).CopyTo(b, 10);
            BitConverter.GetBytes(40).CopyTo(b, 14);
            BitConverter.GetBytes(width).CopyTo(b, 18);
            BitConverter.GetBytes(2_000_000).CopyTo(b, 22);
            BitConverter.GetBytes((short)1).CopyTo(b, 26);
            BitConverter.GetBytes((short)1).CopyTo(b, 28);
            BitConverter.GetBytes(2).CopyTo(b, 46);
            b[58] = b[59] = b[60] = 255; // index 1: white
            Assert.Equal(10, ImageIntegrity.BmpRowsInFile(b, out _, out _, out _));

            foreach (PrepareOptions? options in new[] { null, Partial })
            {
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(b, "wide.bmp", options));
                Assert.Equal(ImageErrorReason.TooLarge, ex.Reason);
                Assert.Contains("its header declares 70000x2000000 pixels, and a picture 70000 px wide is past what is decoded here (at most 65000 px a side)",
                    ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
            }
            var probed = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(b, "wide.bmp"));
            Assert.Equal(ImageErrorReason.TooLarge, probed.Reason);
        }

        /// <summary>
        /// A top-down RLE8 BMP (a negative height) claiming 2,000,000 rows, 10 there: its rows were sent upside down (the
        /// copy that declares only them said a positive height). The first stored row (red) is the picture's top.
        /// </summary>
        [Fact]
        public void ATopDownRleBmpClaimSendsItsRowsTheRightWayUp()
        {
            var stream = new MemoryStream();
            for (int y = 0; y < 10; y++)
            {
                stream.Write(new byte[] { 16, (byte)(y == 0 ? 1 : 2), 0, 0 }); // a 16-pixel run, end of line
            }
            byte[] bmp = Rle8Bmp(stream.ToArray(), 16, -2_000_000);
            Assert.Equal(10, ImageIntegrity.BmpRowsInFile(bmp, out _, out bool bottomUp, out _));
            Assert.False(bottomUp);

            PreparedImage image = ImagePreparer.Prepare(bmp, "down.bmp", Partial);
            Assert.Contains("Only the top 10 of its 2000000 rows", Assert.Single(image.Warnings), StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal((16, 10), (sent.Width, sent.Height));
            Assert.Equal(new SKColor(220, 0, 0), sent.GetPixel(8, 0).WithAlpha(255));
            Assert.Equal(new SKColor(0, 0, 220), sent.GetPixel(8, 9).WithAlpha(255));
        }

        private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
        {
            byte[] tiff = { (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0 };
            byte[] body = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
            int len = body.Length + 2;
            return jpeg.Take(2).Concat(new byte[] { 0xFF, 0xE1, (byte)(len >> 8), (byte)len }).Concat(body).Concat(jpeg.Skip(2)).ToArray();
        }

        [Theory]
        [InlineData(1, "Only about {0} of its 160 rows are in the file;")]
        [InlineData(3, "Only about the bottom {0} of its 160 rows (as the picture is shown, turned by its EXIF orientation) are in the file;")]
        [InlineData(6, "Only about the right {0} of its 160 columns (as the picture is shown, turned by its EXIF orientation) are in the file;")]
        [InlineData(8, "Only about the left {0} of its 160 columns (as the picture is shown, turned by its EXIF orientation) are in the file;")]
        public void ACutRotatedJpegSaysWhichPartOfTheShownPictureIsThere(int orientation, string expected)
        {
            using var bmp = new SKBitmap(new SKImageInfo(240, 160, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var random = new Random(7);
            for (int y = 0; y < 160; y++)
            {
                for (int x = 0; x < 240; x++)
                {
                    bmp.SetPixel(x, y, new SKColor((byte)(x + random.Next(40)), (byte)(y + random.Next(40)), (byte)(x ^ y)));
                }
            }
            byte[] whole = WithExifOrientation(bmp.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray(), orientation);
            byte[] cut = whole.AsSpan(0, whole.Length / 2).ToArray();
            int rows = JpegMcuRows.CompleteRows(cut);
            Assert.InRange(rows, 16, 144);

            PreparedImage image = ImagePreparer.Prepare(cut, "cut.jpg", Partial);
            Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, rows), Assert.Single(image.Warnings), StringComparison.Ordinal);
        }

        /// <summary>A 240x160 picture of noise (each row differs, so a cut shows), as Skia encodes it.</summary>
        private static byte[] Noise(SKEncodedImageFormat format)
        {
            using var bmp = new SKBitmap(new SKImageInfo(240, 160, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var random = new Random(11);
            for (int y = 0; y < 160; y++)
            {
                for (int x = 0; x < 240; x++)
                {
                    bmp.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
                }
            }
            return bmp.Encode(format, 100).ToArray();
        }

        /// <summary>
        /// A cut PNG turned by its eXIf orientation (as Chrome and Safari show it) counts its rows as stored, as a cut
        /// JPEG does: the warning names the part of the shown picture that decoded, not "rows" of a picture shown on its side.
        /// </summary>
        [Theory]
        [InlineData(1, @"Only (\d+) of 160 rows decoded; the other \d+ ")]
        [InlineData(3, @"Only the bottom (\d+) of its 160 rows \(as the picture is shown, turned by its EXIF orientation\) decoded; the other \d+ ")]
        [InlineData(6, @"Only the right (\d+) of its 160 columns \(as the picture is shown, turned by its EXIF orientation\) decoded; the other \d+ ")]
        [InlineData(8, @"Only the left (\d+) of its 160 columns \(as the picture is shown, turned by its EXIF orientation\) decoded; the other \d+ ")]
        public void ACutRotatedPngSaysWhichPartOfTheShownPictureIsThere(int orientation, string expected)
        {
            byte[] png = Noise(SKEncodedImageFormat.Png);
            byte[] whole = orientation == 1 ? png : VisionPS.Core.Documents.PdfPageOrientation.Png(png, orientation);
            byte[] cut = whole.AsSpan(0, whole.Length / 2).ToArray();
            PreparedImage image = ImagePreparer.Prepare(cut, "cut.png", Partial);
            string warning = Assert.Single(image.Warnings);
            var match = System.Text.RegularExpressions.Regex.Match(warning, expected);
            Assert.True(match.Success, warning);
            Assert.InRange(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 40, 120);
        }

        /// <summary>A cut TIFF whose orientation tag turns it: the same, for the strips libtiff reads (64x48, 8-row strips).</summary>
        [Theory]
        [InlineData(1, "Only the first 24 of its 48 rows decoded; the rest is sent blank.")]
        [InlineData(6, "Only the right 24 of its 48 columns (as the picture is shown, turned by its orientation tag) decoded; the rest is sent blank.")]
        [InlineData(3, "Only the bottom 24 of its 48 rows (as the picture is shown, turned by its orientation tag) decoded; the rest is sent blank.")]
        [InlineData(8, "Only the left 24 of its 48 columns (as the picture is shown, turned by its orientation tag) decoded; the rest is sent blank.")]
        public void ACutRotatedTiffSaysWhichPartOfTheShownPictureIsThere(int orientation, string expected)
        {
            byte[] whole = CutTiffAndHeifTests.DirectoryFirstTiff(false, (274, 3, orientation));
            byte[] cut = whole.AsSpan(0, whole.Length - (2 * 64 * 8 * 3) - 10).ToArray(); // strips 4 (cut), 5 and 6 lost
            PreparedImage image = ImagePreparer.Prepare(cut, "cut.tif", Partial);
            Assert.Contains(expected, Assert.Single(image.Warnings), StringComparison.Ordinal);
        }
    }
}
