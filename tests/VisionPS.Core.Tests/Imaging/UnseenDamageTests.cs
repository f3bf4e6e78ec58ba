using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Damage of kinds the other damage tests do not make, found by re-running issue 19's checks on new files: each
    /// refusal names the real fault, each -AllowPartial warning says truthfully how much is missing (an interlaced
    /// PNG or GIF loses pixels all over the picture, not rows at the bottom), and intact files with bytes after their
    /// end are sent (without those bytes), not refused. The intact sources are made here with Skia, or are the
    /// made-*.{png,gif,webp} samples (Samples/made-damage.py).
    /// </summary>
    public class UnseenDamageTests
    {
        private static readonly PrepareOptions Partial = new() { AllowPartial = true };

        /// <summary>The offsets of an animated WebP's ANMF chunks, in order.</summary>
        private static List<int> AnmfChunks(byte[] anim)
        {
            var frames = new List<int>();
            for (int at = 12; at + 8 <= anim.Length; at += 8 + (int)((BitConverter.ToUInt32(anim, at + 4) + 1) & ~1u))
            {
                if (System.Text.Encoding.ASCII.GetString(anim, at, 4) == "ANMF")
                {
                    frames.Add(at);
                }
            }
            return frames;
        }

        /// <summary>Garbles 200 bytes of the frame's VP8 data (after its ANMF header, VP8 chunk header and frame header): sizes intact.</summary>
        private static void GarbleFrame(byte[] anim, int anmf)
        {
            for (int i = anmf + 8 + 16 + 8 + 20; i < anmf + 8 + 16 + 8 + 220; i++)
            {
                anim[i] = (byte)((anim[i] * 13) + 7);
            }
        }

        private static byte[] Sample(string name) => File.ReadAllBytes(PublicSuiteTests.Sample(name));

        /// <summary>A noisy gradient (so it deflates to several IDAT chunks), as PNG, JPEG or WebP.</summary>
        private static byte[] Made(int w, int h, SKEncodedImageFormat format, int quality = 90)
        {
            using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var random = new Random(19);
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int n = random.Next(24);
                    bmp.SetPixel(x, y, new SKColor((byte)((x * 200 / w) + n), (byte)((y * 200 / h) + n), (byte)(100 + n)));
                }
            }
            return bmp.Encode(format, quality).ToArray();
        }

        private static List<(int At, int Length, string Type)> Chunks(byte[] png)
        {
            var list = new List<(int, int, string)>();
            for (int at = 8; at + 12 <= png.Length;)
            {
                int length = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
                list.Add((at, length, System.Text.Encoding.ASCII.GetString(png, at + 4, 4)));
                at += 12 + length;
            }
            return list;
        }

        /// <summary>The PNG with its pixel data (every IDAT's payload, joined) replaced by <paramref name="zlib"/> in one IDAT.</summary>
        private static byte[] WithZlib(byte[] png, Func<byte[], byte[]> zlib)
        {
            var chunks = Chunks(png);
            byte[] stream = chunks.Where(c => c.Type == "IDAT").SelectMany(c => png.AsSpan(c.At + 8, c.Length).ToArray()).ToArray();
            var output = new MemoryStream();
            output.Write(png, 0, 8);
            bool written = false;
            foreach ((int at, int length, string type) in chunks)
            {
                if (type != "IDAT")
                {
                    output.Write(png, at, length + 12);
                }
                else if (!written)
                {
                    WriteChunk(output, "IDAT", zlib(stream));
                    written = true;
                }
            }
            return output.ToArray();
        }

        private static void WriteChunk(Stream output, string type, byte[] data) => output.Write(TestPngChunks.Chunk(type, data));

        private static ImageProcessingException Refused(byte[] bytes, string name, PrepareOptions? options = null)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(bytes, name, options));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
            return ex;
        }

        private static int RowsIn(string text, string pattern)
        {
            Match m = Regex.Match(text, pattern);
            Assert.True(m.Success, text);
            return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        [Fact]
        public void APngWithoutItsAdler32TrailerIsRefusedForTheChecksumNotForMissingRows()
        {
            byte[] png = WithZlib(Made(200, 150, SKEncodedImageFormat.Png), z => z.AsSpan(0, z.Length - 4).ToArray());
            string detail = Refused(png, "noadler.png").Detail;
            Assert.Contains("without its complete Adler-32 checksum", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("row", detail, StringComparison.Ordinal);
        }

        [Fact]
        public void APngWithBytesAfterItsWholeZlibStreamIsSentNotRefusedForItsChecksum()
        {
            // libpng warns of "extra compressed data" and shows the image, as browsers do: the checksum is right where
            // the deflate data ends, so it is not "stored 00000000".
            byte[] png = WithZlib(Made(200, 150, SKEncodedImageFormat.Png), z => z.Concat(new byte[100]).ToArray());
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(png, "extra.png").Action);
            PreparedImage small = ImagePreparer.Prepare(png, "extra.png", new PrepareOptions { MaxSide = 64 });
            Assert.Empty(small.Warnings);
            byte[] damaged = WithZlib(Made(200, 150, SKEncodedImageFormat.Png), z =>
            {
                z[z.Length - 1] ^= 0x01;
                return z.Concat(new byte[100]).ToArray();
            });
            Assert.Contains("Adler-32 checksum does not match", Refused(damaged, "extra.png").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void APngWhoseDamagedStreamHoldsItsChecksumBytesByChanceIsStillRefused()
        {
            // One byte changed inside a stored deflate block, so that the four bytes of the changed data's Adler-32
            // occur, by chance, inside the stream (found by search; Samples/made-adler-hit.png). PIL and pngcheck refuse it.
            byte[] png = File.ReadAllBytes(PublicSuiteTests.Sample("made-adler-hit.png"));
            Assert.Contains("Adler-32 checksum does not match", Refused(png, "hit.png").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void AReencodedPngWithAWrongAdler32IsRefusedForTheChecksumNotAsCutShort()
        {
            // MaxSide 64: not a pass-through candidate, so Skia's decode (which stops at the bad checksum) speaks first.
            byte[] png = WithZlib(Made(200, 150, SKEncodedImageFormat.Png), z =>
            {
                z[z.Length - 1] ^= 0x01;
                return z;
            });
            var small = new PrepareOptions { MaxSide = 64 };
            string detail = Refused(png, "adler.png", small).Detail;
            Assert.Contains("Adler-32 checksum does not match", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("file ends", detail, StringComparison.Ordinal);
        }

        [Fact]
        public void ARefusalForACorruptDeflateStreamCountsTheRowsThatDecodeAsTheWarningDoes()
        {
            // Garbage a few rows into the stream (CRCs fixed): the refusal's row count is exact, the one the decoder reaches.
            byte[] png = WithZlib(Made(300, 200, SKEncodedImageFormat.Png), z =>
            {
                for (int i = 4000; i < 4300; i++)
                {
                    z[i] = (byte)((z[i] * 7) + 13);
                }
                return z;
            });
            string detail = Refused(png, "garbage.png").Detail;
            int refused = RowsIn(detail, @"corrupt after row (\d+) of 200");
            PreparedImage image = ImagePreparer.Prepare(png, "garbage.png", Partial);
            int sent = RowsIn(string.Join(" ", image.Warnings), @"Only (\d+) of 200 rows decoded");
            Assert.InRange(refused, 1, 199);
            Assert.Equal(sent, refused);
        }

        [Theory]
        [InlineData(40)]
        [InlineData(90)]
        public void ACutInterlacedPngSaysHowMuchOfThePictureIsMissingNotThatAllRowsDecoded(int percent)
        {
            byte[] whole = Sample("made-interlaced.png");
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(whole, "i.png").Action);
            byte[] cut = whole.AsSpan(0, whole.Length * percent / 100).ToArray();
            string detail = Refused(cut, "cut.png").Detail;
            int kept = RowsIn(detail, @"the file ends after (\d+)% of its interlaced pixel data");
            Assert.InRange(kept, percent - 10, percent);

            string warning = Assert.Single(ImagePreparer.Prepare(cut, "cut.png", Partial).Warnings);
            Assert.DoesNotContain("rows decoded", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("sent whole", warning, StringComparison.Ordinal);
            int missing = RowsIn(warning, @"about (\d+)% of its pixels did not decode");
            Assert.InRange(missing, 100 - kept - 1, 100 - kept + 1);
        }

        [Fact]
        public void APngWhosePaletteCrcIsWrongIsRefusedWithoutOfferingAllowPartialWhenItWasGiven()
        {
            // A palette image made by hand: IHDR colour type 3, a 4-entry PLTE, rows of index 0..3.
            var output = new MemoryStream();
            output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            WriteChunk(output, "IHDR", new byte[] { 0, 0, 0, 16, 0, 0, 0, 16, 8, 3, 0, 0, 0 });
            WriteChunk(output, "PLTE", new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255 });
            byte[] raw = new byte[16 * 17];
            for (int y = 0; y < 16; y++)
            {
                for (int x = 0; x < 16; x++)
                {
                    raw[(y * 17) + 1 + x] = (byte)((x + y) % 4);
                }
            }
            var z = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw);
            }
            WriteChunk(output, "IDAT", z.ToArray());
            WriteChunk(output, "IEND", Array.Empty<byte>());
            byte[] palette = output.ToArray();
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(palette, "p.png").Action);

            int plte = Chunks(palette).First(c => c.Type == "PLTE").At;
            palette[plte + 8 + 12] ^= 0x55; // the stored CRC
            Assert.Contains("CRC mismatch in chunk PLTE", Refused(palette, "plte.png").Detail, StringComparison.Ordinal);
            var ex = Refused(palette, "plte.png", Partial);
            Assert.Contains("CRC mismatch in chunk PLTE", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>A 64x48 RGB PNG made by hand from its filtered rows (filter byte, then the row), one IDAT.</summary>
        private static byte[] RawPng(Action<byte[]> damage, string? extraChunk = null)
        {
            const int w = 64, h = 48, stride = 1 + (w * 3);
            byte[] raw = new byte[h * stride];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w * 3; x++)
                {
                    raw[(y * stride) + 1 + x] = (byte)((x * 3) + (y * 5));
                }
            }
            damage(raw);
            var output = new MemoryStream();
            output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            WriteChunk(output, "IHDR", new byte[] { 0, 0, 0, w, 0, 0, 0, h, 8, 2, 0, 0, 0 });
            if (extraChunk is not null)
            {
                WriteChunk(output, extraChunk, new byte[] { 1, 2, 3 });
            }
            var z = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw);
            }
            WriteChunk(output, "IDAT", z.ToArray());
            WriteChunk(output, "IEND", Array.Empty<byte>());
            return output.ToArray();
        }

        [Fact]
        public void APngWithARowFilterTypePngDoesNotDefineIsRefusedNamingTheRowNotPassedThrough()
        {
            // The zlib stream and every CRC are whole; libpng refuses the image at the bad filter byte.
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(RawPng(_ => { }), "ok.png").Action);
            byte[] png = RawPng(raw => raw[20 * (1 + (64 * 3))] = 9);
            Assert.Contains("after row 20 of 48, the next row has filter type 9", Refused(png, "filter.png").Detail, StringComparison.Ordinal);
            string warning = Assert.Single(ImagePreparer.Prepare(png, "filter.png", Partial).Warnings);
            Assert.Contains("Only 20 of 48 rows decoded", warning, StringComparison.Ordinal);
        }

        /// <summary>A 4-bit palette PNG whose PLTE chunk comes where <paramref name="plte"/> says: "before", "after" (IDAT) or "none".</summary>
        private static byte[] PalettePng(string plte)
        {
            const int w = 32, h = 24, stride = 1 + (w / 2);
            byte[] raw = new byte[h * stride];
            for (int y = 0; y < h; y++)
            {
                for (int x = 1; x < stride; x++)
                {
                    raw[(y * stride) + x] = (byte)((((x + y) & 15) << 4) | ((x * y) & 15));
                }
            }
            byte[] palette = Enumerable.Range(0, 16).SelectMany(i => new[] { (byte)(i * 17), (byte)(255 - (i * 17)), (byte)(i * 8) }).ToArray();
            var z = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw);
            }
            var output = new MemoryStream();
            output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            WriteChunk(output, "IHDR", new byte[] { 0, 0, 0, w, 0, 0, 0, h, 4, 3, 0, 0, 0 });
            if (plte == "before")
            {
                WriteChunk(output, "PLTE", palette);
            }
            WriteChunk(output, "IDAT", z.ToArray());
            if (plte == "after")
            {
                WriteChunk(output, "PLTE", palette);
            }
            WriteChunk(output, "IEND", Array.Empty<byte>());
            return output.ToArray();
        }

        [Theory]
        [InlineData("none")]
        [InlineData("after")]
        public void APalettePngWithoutAPaletteBeforeItsPixelsIsRefusedNotPassedThrough(string plte)
        {
            // Its chunk CRCs and zlib stream are whole, but libpng (and so browsers and Skia) cannot show it.
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(PalettePng("before"), "palette.png").Action);
            byte[] png = PalettePng(plte);
            Assert.Contains("a palette image without a palette", Refused(png, "nopalette.png").Detail, StringComparison.Ordinal);
            Assert.Contains("a palette image without a palette", Refused(png, "nopalette.png", new PrepareOptions { MaxSide = 16 }).Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void APngWithAnUnknownCriticalChunkIsConvertedNotPassedThrough()
        {
            // libpng refuses it ("unknown critical chunk"); a private ancillary chunk (lower-case first letter) is fine.
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(RawPng(_ => { }, "prIv"), "ancillary.png").Action);
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(RawPng(_ => { }, "ABCD"), "critical.png").Action);
        }

        [Fact]
        public void AJpegWhoseTableSegmentLengthLiesIsDamagedNotAnUnsupportedVariant()
        {
            byte[] jpeg = Made(160, 120, SKEncodedImageFormat.Jpeg);
            int dht = jpeg.AsSpan().IndexOf(new byte[] { 0xFF, 0xC4 });
            Assert.True(dht > 0);
            jpeg[dht + 3] += 5;
            var ex = Refused(jpeg, "dht.jpg");
            Assert.Contains("marker structure is corrupt", ex.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AGifWhoseSignatureIsDamagedIsDamagedNotAnUnsupportedVariant()
        {
            byte[] gif = Sample("made-plain.gif");
            gif[4] = (byte)'6';
            Assert.Contains("GIF signature reads 'GIF86a'", Refused(gif, "sig.gif").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void AJpegWithDataAfterItsEndOfImageIsSentWithoutThatData()
        {
            // A phone's motion photo appends a video after the EOI; other writers append padding or a second file.
            byte[] jpeg = Made(320, 240, SKEncodedImageFormat.Jpeg);
            byte[] trailer = new byte[3000];
            new Random(7).NextBytes(trailer);
            byte[] file = jpeg.Concat(trailer).ToArray();
            PreparedImage image = ImagePreparer.Prepare(file, "motion.jpg");
            Assert.Equal(PrepareAction.Pass, image.Action);
            Assert.Equal(jpeg, image.Bytes);

            PreparedImage big = ImagePreparer.Prepare(file, "motion.jpg", new PrepareOptions { MaxSide = 100 });
            Assert.Equal(PrepareAction.Reencode, big.Action);
            Assert.Empty(big.Warnings);
        }

        [Fact]
        public void AJpegWithASecondJpegAppendedIsSentWithoutTheSecondOne()
        {
            // An Ultra HDR JPEG appends its gain map, a multi-picture (MPF) one its other images: the file ends in FF D9
            // as a single image does, but only the first image is shown.
            byte[] jpeg = Made(320, 240, SKEncodedImageFormat.Jpeg);
            byte[] gainMap = Made(160, 120, SKEncodedImageFormat.Jpeg, 70);
            PreparedImage image = ImagePreparer.Prepare(jpeg.Concat(gainMap).ToArray(), "ultrahdr.jpg");
            Assert.Equal(PrepareAction.Pass, image.Action);
            Assert.Equal(jpeg, image.Bytes);
        }

        [Fact]
        public void ACutJpegStillEndsBeforeItsEndOfImageEvenWhenAnEoiIsInItsExifThumbnail()
        {
            // An APP1 segment that holds FF D9 (as an EXIF thumbnail's EOI does) is skipped whole, not read as the end.
            byte[] jpeg = Made(320, 240, SKEncodedImageFormat.Jpeg);
            byte[] app1 = { 0xFF, 0xE1, 0x00, 0x08, 0xFF, 0xD8, 0xFF, 0xD9, 0x00, 0x00 };
            byte[] file = jpeg.Take(2).Concat(app1).Concat(jpeg.Skip(2)).ToArray();
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(file, "thumb.jpg").Action);
            byte[] cut = file.AsSpan(0, file.Length / 2).ToArray();
            Assert.Contains("end-of-image", Refused(cut, "cut.jpg").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void APngWithGarbageAfterIendIsSentWithoutTheGarbage()
        {
            byte[] png = Made(120, 90, SKEncodedImageFormat.Png);
            byte[] file = png.Concat(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }).ToArray();
            PreparedImage image = ImagePreparer.Prepare(file, "tail.png");
            Assert.Equal(PrepareAction.Pass, image.Action);
            Assert.Equal(png, image.Bytes);
        }

        [Fact]
        public void AWebPWhoseChunkSizeLiesIsDamagedNamingTheChunkNotAnUnsupportedVariant()
        {
            byte[] webp = Made(200, 150, SKEncodedImageFormat.Webp, 80);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(webp, "w.webp").Action);
            // The first chunk says 100 bytes fewer than it holds; the RIFF size is right.
            uint size = BitConverter.ToUInt32(webp, 16) - 100;
            BitConverter.TryWriteBytes(webp.AsSpan(16), size);
            var ex = Refused(webp, "size.webp");
            Assert.Contains("has no valid type; the previous chunk's size field is wrong", ex.Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void AWebPWhoseVp8xCanvasDoesNotMatchItsImageIsDamaged()
        {
            // A still image in a VP8X container: the canvas, then the first frame's VP8 chunk alone.
            byte[] vp8 = Made(96, 64, SKEncodedImageFormat.Webp, 80).Skip(12).ToArray();
            byte[] vp8x = { (byte)'V', (byte)'P', (byte)'8', (byte)'X', 10, 0, 0, 0, 0, 0, 0, 0, 95 + 37, 0, 0, 63, 0, 0 };
            byte[] body = "WEBP"u8.ToArray().Concat(vp8x).Concat(vp8).ToArray();
            byte[] file = "RIFF"u8.ToArray().Concat(BitConverter.GetBytes((uint)body.Length)).Concat(body).ToArray();
            var ex = Refused(file, "canvas.webp");
            Assert.Contains("its VP8X header says the canvas is 133x64 but its VP8 image is 96x64", ex.Detail, StringComparison.Ordinal);
            Assert.Equal(ImageErrorReason.Damaged, Refused(file, "canvas.webp", Partial).Reason);
        }

        [Fact]
        public void AnAnimatedWebPWithAFrameOutsideItsCanvasOrAFrameSizeThatLiesIsDamaged()
        {
            byte[] anim = Sample("made-anim.webp");
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(anim, "a.webp").Action);
            List<int> frames = AnmfChunks(anim);
            Assert.Equal(3, frames.Count);

            byte[] outside = (byte[])anim.Clone();
            outside[frames[1] + 8] = 0xE8; // frame 2's X offset: 2 * 1000
            outside[frames[1] + 9] = 0x03;
            Assert.Contains("animation frame 2 (96x64 at 2000,0) lies outside its 96x64 canvas", Refused(outside, "outside.webp").Detail,
                StringComparison.Ordinal);

            byte[] lies = (byte[])anim.Clone();
            BitConverter.TryWriteBytes(lies.AsSpan(frames[1] + 4), BitConverter.ToUInt32(anim, frames[1] + 4) + 300);
            Assert.Contains("in animation frame 2", Refused(lies, "lies.webp").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void TheLaterFramesOfAnAnimatedWebPAreCheckedWithinTheDecodeBudgetAndTheRestIsNamed()
        {
            // Three 96x64 frames; frame 3's VP8 data garbled, sizes intact.
            byte[] anim = Sample("made-anim.webp");
            GarbleFrame(anim, AnmfChunks(anim)[2]);
            Assert.Contains("animation frame 3's", Refused(anim, "frame3.webp").Detail, StringComparison.Ordinal);

            // A budget that holds the first frame and one more: frame 2 is checked, frame 3 is not, and a warning says so
            // (a hostile animation of many huge frames cannot make the check decode without bound).
            var tight = new PrepareOptions { Budget = new ImageBudget { MaxDecodedPixels = 96 * 64 * 3 / 2 } };
            PreparedImage image = ImagePreparer.Prepare(anim, "frame3.webp", tight);
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Contains(image.Warnings, w => w.Contains("'frame3.webp': frames 3 to 3 of its animation were not checked for damage", StringComparison.Ordinal));
            Assert.DoesNotContain(image.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
        }

        [Fact]
        public void AnAnimatedWebPWhoseSecondFrameIsCorruptIsRefusedAndAllowPartialSaysTheFrameSentIsWhole()
        {
            byte[] anim = Sample("made-anim.webp");
            GarbleFrame(anim, AnmfChunks(anim)[1]);
            Assert.Contains("animation frame 2's VP8/VP8L bitstream", Refused(anim, "frame2.webp").Detail, StringComparison.Ordinal);
            PreparedImage image = ImagePreparer.Prepare(anim, "frame2.webp", Partial);
            Assert.Contains(image.Warnings, w => w.Contains("animation frame 2's", StringComparison.Ordinal)
                && w.Contains("Its first frame, the one sent, decoded whole.", StringComparison.Ordinal));
        }

        [Fact]
        public void ALossyWebPWhoseContainerIsWholeButWhoseBitstreamRunsOutDoesNotSayTheFileEnds()
        {
            byte[] webp = Made(300, 200, SKEncodedImageFormat.Webp, 80);
            Assert.Equal("VP8 ", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
            // Keep 60% of the VP8 chunk and make the RIFF and chunk sizes say so: the container is consistent.
            int keep = (BitConverter.ToInt32(webp, 16) * 6 / 10) & ~1;
            byte[] cut = webp.AsSpan(0, 20 + keep).ToArray();
            BitConverter.TryWriteBytes(cut.AsSpan(4), (uint)(cut.Length - 8));
            BitConverter.TryWriteBytes(cut.AsSpan(16), (uint)keep);
            string detail = Refused(cut, "short.webp").Detail;
            Assert.Contains("VP8/VP8L bitstream runs out of data before all of its pixels", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("file ends", detail, StringComparison.Ordinal);
        }

        [Fact]
        public void ALosslessWebPWhoseBitstreamCannotStartIsRefusedWithoutOfferingAllowPartialWhenItWasGiven()
        {
            byte[] webp = Made(300, 200, SKEncodedImageFormat.Webp, 100);
            Assert.Equal("VP8L", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
            // Keep the VP8L header, cut the rest of the bitstream, and make the sizes agree: a consistent but short file.
            int keep = 40;
            byte[] cut = webp.AsSpan(0, 20 + keep).ToArray();
            BitConverter.TryWriteBytes(cut.AsSpan(4), (uint)(cut.Length - 8));
            BitConverter.TryWriteBytes(cut.AsSpan(16), (uint)keep);
            var ex = Refused(cut, "short.webp", new PrepareOptions { AllowPartial = true, MaxSide = 64 });
            Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ACutAvifThatMagickCannotReadIsRefusedWithoutOfferingAllowPartial()
        {
            // ImageMagick (libheif) gives no pixels at all for it, so -AllowPartial is no way out.
            byte[] avif = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", "Heif", "Irvine_CA.avif"));
            byte[] cut = avif.AsSpan(0, avif.Length / 2).ToArray();
            foreach (PrepareOptions? options in new[] { null, Partial })
            {
                var ex = Refused(cut, "cut.avif", options);
                Assert.Contains("ends before all of its image data", ex.Detail, StringComparison.Ordinal);
                Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void MagicksReasonKeepsTheDecodersOwnParenthesesAndDropsItsTemporaryFile()
        {
            Assert.Equal("Invalid input: Unspecified: Corrupt frame detected (2.0)",
                MagickCodec.Reason("Invalid input: Unspecified: Corrupt frame detected (2.0) `/tmp/magick-AbC' @ error/heic.c/IsHEIFSuccess/207"));
            Assert.Equal("Can not read TIFF directory count", MagickCodec.Reason("Can not read TIFF directory count. `TIFFFetchDirectory' @ error/tiff.c/TIFFErrors/565"));
        }

        [Fact]
        public void ACutTiffWhoseDirectoryWasAtTheEndIsDamagedNamingTheDirectory()
        {
            byte[] tiff;
            using (var image = new ImageMagick.MagickImage(Sample("made-plain.gif")))
            {
                image.Format = ImageMagick.MagickFormat.Tiff;
                tiff = image.ToByteArray();
            }
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(tiff, "ok.tif").Action);
            byte[] cut = tiff.AsSpan(0, tiff.Length / 2).ToArray();
            Assert.True(BitConverter.ToUInt32(tiff, 4) > cut.Length, "ImageMagick writes the first IFD after the pixels");
            var ex = Refused(cut, "cut.tif");
            Assert.Contains("its first image directory (IFD) is at byte", ex.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ABmpWhosePixelOffsetPointsPastItsEndIsDamaged()
        {
            byte[] bmp;
            using (var image = new ImageMagick.MagickImage(Sample("made-plain.gif")))
            {
                image.Format = ImageMagick.MagickFormat.Bmp3;
                bmp = image.ToByteArray();
            }
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(bmp, "ok.bmp").Action);
            BitConverter.TryWriteBytes(bmp.AsSpan(10), (uint)bmp.Length + 10);
            Assert.Contains("pixel data starts at byte", Refused(bmp, "offset.bmp").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void ACutInterlacedGifSaysHowMuchOfThePictureIsMissingNotThatAllRowsDecoded()
        {
            byte[] whole = Sample("made-interlaced.gif");
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(whole, "i.gif").Action);
            byte[] cut = whole.AsSpan(0, whole.Length / 2).ToArray();
            Refused(cut, "cut.gif");
            string warning = Assert.Single(ImagePreparer.Prepare(cut, "cut.gif", Partial).Warnings);
            Assert.DoesNotContain("rows decoded", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("sent whole", warning, StringComparison.Ordinal);
            int missing = RowsIn(warning, @"about (\d+)% of its pixels did not decode");
            Assert.InRange(missing, 40, 60);
        }

        [Fact]
        public void ACutPlainGifSaysWhichRowsOfItsFrameDecodedAndTheRestIsBlank()
        {
            byte[] whole = Sample("made-plain.gif");
            byte[] cut = whole.AsSpan(0, whole.Length / 2).ToArray();
            Refused(cut, "cut.gif");
            var options = new PrepareOptions { AllowPartial = true, Format = PreparedFormat.Png };
            PreparedImage image = ImagePreparer.Prepare(cut, "cut.gif", options);
            int rows = RowsIn(Assert.Single(image.Warnings), @"Only (\d+) of the 120 rows of its first frame decoded");
            Assert.InRange(rows, 30, 90);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            // The rows after the last decoded one are one flat colour; the ones before are the picture.
            Assert.True(Enumerable.Range(0, 160).Select(x => sent.GetPixel(x, rows + 1)).Distinct().Count() == 1);
            Assert.True(Enumerable.Range(0, 160).Select(x => sent.GetPixel(x, rows - 2)).Distinct().Count() > 10);
        }
    }
}
