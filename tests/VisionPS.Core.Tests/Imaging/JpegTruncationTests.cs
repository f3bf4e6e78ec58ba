using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A JPEG cut before its end-of-image marker, sent under -AllowPartial: the warning says how much of it is in the
    /// file. A sequential JPEG's complete rows are counted from its scan's Huffman codes, and checked against djpeg,
    /// whose output past the cut is the last block's flat colour; a progressive JPEG keeps its whole picture at less
    /// detail, and is never said to be sent whole.
    /// </summary>
    public class JpegTruncationTests
    {
        private static readonly PrepareOptions Partial = new() { AllowPartial = true };

        /// <summary>A noisy 333x257 photo-like JPEG (Skia's encoder: baseline, 4:2:0), cut to <paramref name="share"/> of its bytes.</summary>
        private static byte[] CutJpeg(double share)
        {
            using var bmp = new SKBitmap(new SKImageInfo(333, 257, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var random = new Random(4);
            for (int y = 0; y < 257; y++)
            {
                for (int x = 0; x < 333; x++)
                {
                    bmp.SetPixel(x, y, new SKColor((byte)((x * 3) + random.Next(60)), (byte)(y + random.Next(60)), (byte)(x ^ y)));
                }
            }
            byte[] whole = bmp.Encode(SKEncodedImageFormat.Jpeg, 92).ToArray();
            return whole.AsSpan(0, (int)(whole.Length * share)).ToArray();
        }

        /// <summary>The first row from which djpeg's decode of <paramref name="jpeg"/> is one flat colour to the end.</summary>
        private static int DjpegFlatFrom(byte[] jpeg)
        {
            string path = Path.Combine(Path.GetTempPath(), $"visionps-cut-{Guid.NewGuid():N}.jpg");
            File.WriteAllBytes(path, jpeg);
            try
            {
                var psi = new ProcessStartInfo("djpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                psi.ArgumentList.Add(path);
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                using var ms = new MemoryStream();
                p.StandardOutput.BaseStream.CopyTo(ms);
                p.WaitForExit();
                // Exit code 2: djpeg's warning "Premature end of JPEG file", with the image written.
                Assert.Contains("Premature end of JPEG file", err.Result, StringComparison.Ordinal);
                byte[] ppm = ms.ToArray();
                string[] head = System.Text.Encoding.ASCII.GetString(ppm, 0, 20).Split('\n');
                int[] size = head[1].Split(' ').Select(int.Parse).ToArray();
                int start = head[0].Length + head[1].Length + head[2].Length + 3, w = size[0], h = size[1];
                byte[] px = ppm.AsSpan(start).ToArray();
                byte[] fill = px.AsSpan(((h * w) - 1) * 3, 3).ToArray();
                bool Flat(int y)
                {
                    for (int x = 0; x < w; x++)
                    {
                        for (int c = 0; c < 3; c++)
                        {
                            if (Math.Abs(px[(((y * w) + x) * 3) + c] - fill[c]) > 2)
                            {
                                return false;
                            }
                        }
                    }
                    return true;
                }
                int from = h;
                while (from > 0 && Flat(from - 1))
                {
                    from--;
                }
                return from;
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Theory]
        [InlineData(0.3)]
        [InlineData(0.75)]
        public void ACutBaselineJpegSaysAboutHowManyOfItsRowsAreInTheFile(double share)
        {
            byte[] cut = CutJpeg(share);
            PreparedImage image = ImagePreparer.Prepare(cut, "cut.jpg", Partial);
            string warning = Assert.Single(image.Warnings);
            Match m = Regex.Match(warning, @"Only about (\d+) of its 257 rows are in the file; the other (\d+) \([0-9.]+% of the image\) are sent as a flat fill of one colour\.$");
            Assert.True(m.Success, warning);
            int rows = int.Parse(m.Groups[1].Value), missing = int.Parse(m.Groups[2].Value);
            Assert.Equal(257, rows + missing);
            // The rows counted are the complete MCU rows (16 image rows each here); djpeg's real content reaches into the
            // next, the MCU row the file was cut in.
            int flatFrom = DjpegFlatFrom(cut);
            Assert.Equal(0, rows % 16);
            Assert.InRange(flatFrom - rows, 0, 16 + 1);
        }

        [Fact]
        public void ACutProgressiveJpegIsNeverSaidToBeSentWholeAndSaysWhereItWasCut()
        {
            byte[] whole = File.ReadAllBytes(TestCorpus.File("jpg_wizard_265x352_prog.jpg"));
            JpegMarkers.EndOfImage(whole, out int scans);
            Assert.True(scans > 3);
            // Cut inside the third scan: two whole scans are in the file.
            int third = 0;
            for (int i = 0, seen = 0; i + 1 < whole.Length; i++)
            {
                if (whole[i] == 0xFF && whole[i + 1] == 0xDA && ++seen == 3)
                {
                    third = i;
                    break;
                }
            }
            byte[] cut = whole.AsSpan(0, third + 40).ToArray();
            PreparedImage image = ImagePreparer.Prepare(cut, "prog.jpg", Partial);
            string warning = Assert.Single(image.Warnings);
            Assert.EndsWith("It was cut in scan 3, after 2 whole scans: the picture is sent with less detail (or colour) than the complete file holds.", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("sent whole", warning, StringComparison.Ordinal);
        }

        /// <summary>The offset of the <paramref name="n"/>th SOS marker of <paramref name="jpeg"/> (1-based), or -1.</summary>
        private static int Sos(byte[] jpeg, int n)
        {
            for (int i = 0, seen = 0; i + 1 < jpeg.Length; i++)
            {
                if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA && ++seen == n)
                {
                    return i;
                }
            }
            return -1;
        }

        [Fact]
        public void AnSosSegmentTooShortToHoldItsComponentCountAtTheFilesEndIsDamageNotADefect()
        {
            // The headers of a baseline JPEG, then an SOS whose length is 2 (no component count) as the file's last bytes:
            // the row walker read past the end (IndexOutOfRange, reported as a defect in VisionPS).
            byte[] whole = CutJpeg(1);
            byte[] shortSos = [.. whole.AsSpan(0, Sos(whole, 1)), 0xFF, 0xDA, 0x00, 0x02];
            Assert.Equal(-1, JpegMcuRows.CompleteRows(shortSos));
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(shortSos, "oor.jpg", Partial));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);

            // Standalone markers (no length) between the segments are stepped over, not read as a length.
            int sos = Sos(whole, 1);
            byte[] withRst = [.. whole.AsSpan(0, sos), 0xFF, 0xD3, 0xFF, 0x01, .. whole.AsSpan(sos, whole.Length / 2 - sos)];
            Assert.Equal(JpegMcuRows.CompleteRows(whole.AsSpan(0, whole.Length / 2).ToArray()), JpegMcuRows.CompleteRows(withRst));
            Assert.True(JpegMcuRows.CompleteRows(withRst) > 0);

            // A TEM marker (standalone) with bytes after it that read as a length leading to that short SOS: the old walker
            // took the length and read past the end. The walker gives up on it; the warning says how much is missing is
            // not known, never that the image is sent whole.
            byte[] half = CutJpeg(0.5);
            byte[] body = half.AsSpan(2, Math.Min(half.Length - 2, 60000)).ToArray();
            int length = 2 + body.Length;
            byte[] tem = [0xFF, 0xD8, 0xFF, 0x01, (byte)(length >> 8), (byte)length, .. body, 0xFF, 0xDA, 0x00, 0x02];
            Assert.Equal(-1, JpegMcuRows.CompleteRows(tem));
            string warning = Assert.Single(ImagePreparer.Prepare(tem, "tem.jpg", Partial).Warnings);
            Assert.EndsWith("How much of the picture is missing is not known.", warning, StringComparison.Ordinal);
        }

        [Fact]
        public void TheRowWalkerNeverThrowsOnCutOrGarbledJpegs()
        {
            byte[][] files =
            [
                CutJpeg(1),
                File.ReadAllBytes(TestCorpus.File("jpg_wizard_265x352_prog.jpg")),
                [.. CutJpeg(1).AsSpan(0, Sos(CutJpeg(1), 1)), 0xFF, 0xDA, 0x00, 0x02],
            ];
            var random = new Random(11);
            for (int round = 0; round < 400; round++)
            {
                byte[] source = files[round % files.Length];
                int headers = Math.Min(source.Length, Sos(source, 1) + 40);
                byte[] b = source.AsSpan(0, random.Next(2, round % 2 == 0 ? headers + 1 : source.Length + 1)).ToArray();
                if (round % 5 == 0)
                {
                    // The headers, then an SOS too short for what it must hold, at the file's end.
                    b = [.. source.AsSpan(0, Sos(source, 1)), 0xFF, 0xDA, 0x00, (byte)random.Next(4), .. new byte[random.Next(3)]];
                }
                for (int k = round % 5 == 0 ? 0 : random.Next(0, 6); k > 0 && b.Length > 0; k--)
                {
                    // Garbage in the headers mostly: lengths, counts, table sizes, markers.
                    b[random.Next(Math.Min(b.Length, headers))] = (byte)(random.Next(4) == 0 ? 0xFF : random.Next(256));
                }
                int rows = JpegMcuRows.CompleteRows(b);
                Assert.InRange(rows, -1, 65535);
                JpegMarkers.EndOfImage(b, out _);
            }
        }

        [Theory]
        [InlineData(0.5, 20000)]
        [InlineData(0.2, 200000)]
        public void ZeroPaddingAfterACutIsNotCountedAsPicture(double share, int zeros)
        {
            // An interrupted download into a preallocated file: the cut data, then zeros (all-zero bits are valid codes).
            byte[] cut = CutJpeg(share);
            byte[] padded = [.. cut, .. new byte[zeros]];
            int rows = JpegMcuRows.CompleteRows(cut);
            Assert.InRange(rows, 1, 256);
            Assert.Equal(rows, JpegMcuRows.CompleteRows(padded));
            string warning = Assert.Single(ImagePreparer.Prepare(padded, "padded.jpg", Partial).Warnings);
            Assert.Contains($"Only about {rows} of its 257 rows are in the file", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("sent whole", warning, StringComparison.Ordinal);
        }

        [Fact]
        public void AProgressiveJpegCutInItsFirstScanIsDamagedBeyondUseWhenItDecodesBlack()
        {
            // No scan is whole. Cut early in it, libjpeg's picture is black: -AllowPartial is not offered and sends nothing.
            byte[] whole = File.ReadAllBytes(TestCorpus.File("jpg_wizard_265x352_prog.jpg"));
            int first = Sos(whole, 1), second = Sos(whole, 2);
            byte[] cut = whole.AsSpan(0, first + 60).ToArray();
            JpegMarkers.EndOfImage(cut, out int scans);
            Assert.Equal(1, scans);
            foreach (PrepareOptions options in new[] { new PrepareOptions(), Partial })
            {
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "progcut.jpg", options));
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                Assert.Equal("the file ends inside its first scan, before any whole scan of the picture: it decodes to nothing but black", ex.Detail);
                Assert.DoesNotContain("AllowPartial", ex.Message, StringComparison.Ordinal);
            }

            // Cut at the very end of the first scan, a coarse picture decodes: it is sent, and the warning says what it is.
            byte[] late = whole.AsSpan(0, first + ((second - first) * 99 / 100)).ToArray();
            string warning = Assert.Single(ImagePreparer.Prepare(late, "late.jpg", Partial).Warnings);
            Assert.EndsWith("It was cut in its first scan, before any whole scan: what is sent is at most a coarse, blocky version of the picture, and part of it may be black.", warning, StringComparison.Ordinal);
        }
    }
}
