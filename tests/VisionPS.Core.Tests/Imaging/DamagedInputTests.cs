using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Damaged files, made here from good corpus images by flipping bytes, cutting, or lying in a size field: each is
    /// refused with <see cref="ImageErrorReason.Damaged"/> naming what is wrong, never passed through, and with
    /// <see cref="PrepareOptions.AllowPartial"/> sent as far as it decodes with a truthful warning.
    /// </summary>
    public class DamagedInputTests
    {
        // 256x240 palette PNG: small enough to pass through when intact.
        private const string SmallPng = "png_jqueryui_icons_256x240_palette_trns.png";

        private static byte[] Corpus(string name) => File.ReadAllBytes(TestCorpus.File(name));

        private static ImageProcessingException Refused(byte[] bytes, string name)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(bytes, name));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
            return ex;
        }

        /// <summary>(offset, length) of the first chunk of <paramref name="type"/> in a PNG.</summary>
        private static (int At, int Length) Chunk(byte[] png, string type)
        {
            int at = 8;
            while (at + 8 <= png.Length)
            {
                int length = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
                if (System.Text.Encoding.ASCII.GetString(png, at + 4, 4) == type)
                {
                    return (at, length);
                }
                at += 12 + length;
            }
            throw new InvalidOperationException("no " + type);
        }

        private static void FixCrc(byte[] png, int at, int length)
        {
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(png.AsSpan(at + 4, length + 4));
            png[at + 8 + length] = (byte)(crc >> 24);
            png[at + 9 + length] = (byte)(crc >> 16);
            png[at + 10 + length] = (byte)(crc >> 8);
            png[at + 11 + length] = (byte)crc;
        }

        [Fact]
        public void TheIntactSourcesPassThroughSoTheDamageBelowIsWhatChangesTheOutcome()
        {
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(Corpus(SmallPng), SmallPng).Action);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(Corpus("jpg_wizard_265x352_prog.jpg"), "w.jpg").Action);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(Corpus("gif_static_smile_48.gif"), "s.gif").Action);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(4)]
        public void AWebPWhoseLosslessChunkIsTooShortForItsHeaderIsDamagedAndDoesNotStopABatch(int payload)
        {
            // RIFF <size> WEBP VP8L <payload> with a payload shorter than the 5-byte VP8L header.
            byte[] webp = new byte[20 + payload];
            "RIFF"u8.CopyTo(webp);
            BitConverter.TryWriteBytes(webp.AsSpan(4), (uint)(webp.Length - 8));
            "WEBPVP8L"u8.CopyTo(webp.AsSpan(8));
            BitConverter.TryWriteBytes(webp.AsSpan(16), (uint)payload);
            if (payload > 0)
            {
                webp[20] = 0x2F;
            }
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(webp, "short.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("VP8L", ex.Detail, StringComparison.Ordinal);

            byte[] good = File.ReadAllBytes(TestCorpus.File("jpg_gray_cat_512.jpg"));
            var results = ImagePreparer.PrepareMany(new[] { new System.Collections.Generic.KeyValuePair<string, byte[]>("short.webp", webp),
                new System.Collections.Generic.KeyValuePair<string, byte[]>("cat.jpg", good) }).ToList();
            Assert.IsType<ImageProcessingException>(results[0].Error);
            Assert.NotNull(results[1].Image);
        }

        [Fact]
        public void APngWithOneChangedIdatByteIsRefusedForItsCrc()
        {
            byte[] png = Corpus(SmallPng);
            (int at, int length) = Chunk(png, "IDAT");
            png[at + 8 + (length / 2)] ^= 0x01;
            Assert.Contains("CRC mismatch in chunk IDAT", Refused(png, "crc.png").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void APngWhoseIdatLengthIsOffBy1000IsRefused()
        {
            byte[] png = Corpus(SmallPng);
            (int at, int length) = Chunk(png, "IDAT");
            int lie = length + 1000;
            png[at] = (byte)(lie >> 24);
            png[at + 1] = (byte)(lie >> 16);
            png[at + 2] = (byte)(lie >> 8);
            png[at + 3] = (byte)lie;
            string detail = Refused(png, "len.png").Detail;
            Assert.True(detail.Contains("IDAT", StringComparison.Ordinal) || detail.Contains("CRC", StringComparison.Ordinal), detail);
        }

        [Fact]
        public void APngWithABrokenZlibHeaderIsRefusedEvenWithValidCrcs()
        {
            byte[] png = Corpus(SmallPng);
            (int at, int length) = Chunk(png, "IDAT");
            png[at + 8] = 0x79; // CM 9: not deflate
            FixCrc(png, at, length);
            Assert.Contains("zlib stream's header is corrupt", Refused(png, "zlib.png").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void APngWithGarbageInsideItsDeflateStreamIsRefusedEvenWithValidCrcs()
        {
            byte[] png = Corpus(SmallPng);
            (int at, int length) = Chunk(png, "IDAT");
            var random = new Random(19);
            int start = at + 8 + Math.Min(64, length / 4);
            int count = Math.Min(4096, length - (start - at - 8) - 8);
            for (int i = 0; i < count; i++)
            {
                png[start + i] = (byte)random.Next(256);
            }
            FixCrc(png, at, length);
            string detail = Refused(png, "garbage.png").Detail;
            Assert.True(detail.Contains("deflate stream", StringComparison.Ordinal) || detail.Contains("Adler-32", StringComparison.Ordinal)
                || detail.Contains("ends after row", StringComparison.Ordinal), detail);
        }

        [Fact]
        public void APngWithAWrongAdler32IsNotPassedThrough()
        {
            byte[] png = Corpus(SmallPng);
            (int at, int length) = Chunk(png, "IDAT");
            png[at + 8 + length - 1] ^= 0xFF; // the zlib trailer's last byte
            FixCrc(png, at, length);
            Assert.Contains("Adler-32", Refused(png, "adler.png").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void ACutPngIsRefusedNamingTheRowItEndsAfterAndAllowPartialSendsTheRestBlankWithATruthfulWarning()
        {
            byte[] whole = Corpus("png_wizard_1104x1468_rgba.png");
            byte[] cut = whole.AsSpan(0, whole.Length * 2 / 5).ToArray();
            string detail = Refused(cut, "cut.png").Detail;
            var match = System.Text.RegularExpressions.Regex.Match(detail, @"the file ends after row (\d+) of 1468");
            Assert.True(match.Success, detail);
            int rows = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(rows, 1, 1467);

            PreparedImage image = ImagePreparer.Prepare(cut, "cut.png", new PrepareOptions { AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, image.Action);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains($"of 1468 rows decoded; the other", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("1468 of 1468", warning, StringComparison.Ordinal);
        }

        [Fact]
        public void ACutJpegIsRefusedAndAllowPartialSendsItWithAWarning()
        {
            byte[] whole = Corpus("jpg_wizard_265x352_prog.jpg");
            byte[] cut = whole.AsSpan(0, whole.Length / 2).ToArray();
            Assert.Contains("end-of-image", Refused(cut, "cut.jpg").Detail, StringComparison.Ordinal);
            PreparedImage image = ImagePreparer.Prepare(cut, "cut.jpg", new PrepareOptions { AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Contains(image.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
        }

        [Fact]
        public void AWebPWhoseRiffSizeClaims2GBIsRefused()
        {
            byte[] webp = Corpus("d_webp_lossy_alpha_wizard.webp");
            webp[4] = 0xF0;
            webp[5] = 0xFF;
            webp[6] = 0xFF;
            webp[7] = 0x7F;
            Assert.Contains("RIFF size field", Refused(webp, "riff.webp").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void ALosslessWebPWithFlippedHeaderBitsIsNotPassedThrough()
        {
            byte[] webp = Corpus("d_webp_lossless_glow_rgba.webp");
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(webp, "w.webp").Action);
            int vp8l = webp.AsSpan().IndexOf("VP8L"u8);
            Assert.True(vp8l > 0);
            // Flip bits in the VP8L header's transforms and codes: the container is intact, the bitstream is not.
            for (int i = vp8l + 13; i < vp8l + 29; i++)
            {
                webp[i] ^= 0x5A;
            }
            var options = new PrepareOptions { AllowPartial = false };
            try
            {
                PreparedImage image = ImagePreparer.Prepare(webp, "flip.webp", options);
                Assert.NotEqual(PrepareAction.Pass, image.Action);
            }
            catch (ImageProcessingException ex)
            {
                Assert.True(ex.Reason is ImageErrorReason.Damaged or ImageErrorReason.DecodeFailed, ex.Message);
            }
        }

        [Fact]
        public void AGifWithAnLzwCodeSizeOf12IsRefused()
        {
            byte[] gif = Corpus("gif_static_smile_48.gif");
            int at = 13 + ((gif[10] & 0x80) != 0 ? 3 << ((gif[10] & 7) + 1) : 0);
            while (gif[at] == 0x21)
            {
                at += 2;
                while (gif[at] != 0)
                {
                    at += gif[at] + 1;
                }
                at++;
            }
            Assert.Equal(0x2C, gif[at]);
            int codeSizeAt = at + 10 + ((gif[at + 9] & 0x80) != 0 ? 3 << ((gif[at + 9] & 7) + 1) : 0);
            gif[codeSizeAt] = 12;
            Assert.Contains("LZW", Refused(gif, "lzw.gif").Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void ACutGifIsRefused()
        {
            byte[] gif = Corpus("gif_static_smile_48.gif");
            Refused(gif.AsSpan(0, gif.Length - 200).ToArray(), "cut.gif");
        }

        /// <summary>
        /// A GIF whose blocks are all whole and whose one-byte trailer (0x3B) is missing was refused as truncated, while
        /// ImageMagick, Pillow and browsers read it: no pixel is lost, so it is read as the whole file is (and what is sent
        /// has its trailer). Cut one byte more, inside its last frame's data, it is still damaged.
        /// </summary>
        [Fact]
        public void AGifMissingOnlyItsTrailerIsReadAsTheWholeFileIs()
        {
            byte[] gif = Corpus("gif_static_smile_48.gif");
            Assert.Equal(0x3B, gif[gif.Length - 1]);
            byte[] open = gif.AsSpan(0, gif.Length - 1).ToArray();

            PreparedImage whole = ImagePreparer.Prepare(gif, "whole.gif");
            PreparedImage image = ImagePreparer.Prepare(open, "open.gif");
            Assert.Empty(image.Warnings);
            Assert.Equal(whole.Action, image.Action);
            Assert.Equal(whole.Bytes, image.Bytes);
            Assert.Equal(ImageFormat.Gif, ImageProbe.Probe(open, "open.gif").Format);

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(gif.AsSpan(0, gif.Length - 2).ToArray(), "cut.gif"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("LZW data (it is truncated)", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void SixteenBitPngsAreConvertedNotPassedThrough()
        {
            PreparedImage image = ImagePreparer.Prepare(TestCorpus.File("png_piechart_624x369_rgba16.png"));
            Assert.Equal(PrepareAction.Reencode, image.Action);
        }

        [Theory]
        [InlineData("truncated_half_storm.jpg")]
        [InlineData("truncated_half_wizard.png")]
        [InlineData("truncated_half.webp")]
        public void CorpusTruncatedFilesAreRefusedByDefaultAndSentPartlyOnRequest(string file)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(TestCorpus.Bad(file)));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            PreparedImage image = ImagePreparer.Prepare(TestCorpus.Bad(file), new PrepareOptions { AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Contains(image.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
        }

        [Fact]
        public void NoPartialWarningClaimsAllRowsAreMissingWhenAllDecoded()
        {
            // The file ends after its last row (IEND and the checksum cut off): every row decodes.
            byte[] png = Corpus(SmallPng);
            (int at, int length) = Chunk(png, "IDAT");
            byte[] cut = png.AsSpan(0, at + 8 + length - 2).ToArray();
            try
            {
                PreparedImage image = ImagePreparer.Prepare(cut, "tail.png", new PrepareOptions { AllowPartial = true });
                foreach (string w in image.Warnings)
                {
                    Assert.DoesNotContain("only 240 of 240", w, StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain("Only 240 of 240", w, StringComparison.Ordinal);
                }
            }
            catch (ImageProcessingException ex)
            {
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            }
        }
    }
}
