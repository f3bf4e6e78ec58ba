using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Damage found by making files the corpus and the public suites lack (2026-12-02 hunt), each compared with
    /// ImageMagick's and Pillow's verdict on the same bytes.
    /// </summary>
    public class HuntedDamageTests
    {
        private static readonly PrepareOptions Partial = new() { AllowPartial = true };

        private static void WriteChunk(Stream output, string type, byte[] data)
        {
            byte[] head = { (byte)(data.Length >> 24), (byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length };
            byte[] body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(body);
            output.Write(head);
            output.Write(body);
            output.Write(new[] { (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc });
        }

        /// <summary>
        /// A 40x30 palette PNG of <paramref name="depth"/> bits with a <paramref name="colours"/>-colour PLTE (no black
        /// in it), pixel (x, y) naming colour (x + y) % <paramref name="used"/>; <paramref name="filter"/> filters every row
        /// (1 Sub, 2 Up, 4 Paeth: the filtered bytes are not the indices), <paramref name="interlaced"/> writes Adam7.
        /// </summary>
        internal static byte[] PalettePng(int depth, int colours, int used, int filter = 0, bool interlaced = false)
        {
            const int w = 40, h = 30;
            int Index(int x, int y) => (x + y) % used;
            var raw = new MemoryStream();
            (int X0, int Y0, int Dx, int Dy)[] passes = interlaced
                ? new[] { (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2) }
                : new[] { (0, 0, 1, 1) };
            foreach ((int x0, int y0, int dx, int dy) in passes)
            {
                int pw = (w - x0 + dx - 1) / dx, ph = (h - y0 + dy - 1) / dy;
                if (pw <= 0 || ph <= 0)
                {
                    continue;
                }
                int rowBytes = ((pw * depth) + 7) / 8;
                byte[] previous = new byte[rowBytes];
                for (int py = 0; py < ph; py++)
                {
                    byte[] row = new byte[rowBytes];
                    for (int px = 0; px < pw; px++)
                    {
                        int bit = px * depth;
                        row[bit >> 3] |= (byte)(Index(x0 + (px * dx), y0 + (py * dy)) << (8 - depth - (bit & 7)));
                    }
                    byte[] filtered = new byte[rowBytes];
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i > 0 ? row[i - 1] : 0, b = previous[i], c = i > 0 ? previous[i - 1] : 0;
                        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                        int predictor = filter switch
                        {
                            1 => a,
                            2 => b,
                            4 => pa <= pb && pa <= pc ? a : pb <= pc ? b : c,
                            _ => 0,
                        };
                        filtered[i] = (byte)(row[i] - predictor);
                    }
                    raw.WriteByte((byte)filter);
                    raw.Write(filtered);
                    previous = row;
                }
            }
            var z = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw.ToArray());
            }
            var output = new MemoryStream();
            output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            WriteChunk(output, "IHDR", new byte[] { 0, 0, 0, w, 0, 0, 0, h, (byte)depth, 3, 0, 0, (byte)(interlaced ? 1 : 0) });
            WriteChunk(output, "PLTE", Enumerable.Range(0, colours).SelectMany(i => new[] { (byte)(60 + (i * 7)), (byte)(200 - (i * 5)), (byte)(90 + i) }).ToArray());
            WriteChunk(output, "IDAT", z.ToArray());
            WriteChunk(output, "IEND", Array.Empty<byte>());
            return output.ToArray();
        }

        [Theory]
        [InlineData(8, 0, false)]
        [InlineData(8, 1, false)]
        [InlineData(8, 4, false)]
        [InlineData(4, 2, false)]
        [InlineData(8, 4, true)]
        [InlineData(2, 0, true)]
        public void APalettePngWhosePixelsNameColoursItsPaletteLacksIsRefusedNotPassedThrough(int depth, int filter, bool interlaced)
        {
            // ImageMagick refuses it ("invalid colormap index"), libpng calls it a benign error, Pillow and Skia show
            // different colours: the service would see a picture no one can vouch for.
            int levels = 1 << depth;
            byte[] whole = PalettePng(depth, Math.Min(levels, 12), Math.Min(levels, 12), filter, interlaced);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(whole, "whole.png").Action);
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(whole, "whole.png", new PrepareOptions { MaxSide = 20 }).Action);

            // The same pixels with fewer colours in the palette: some pixels name colours it lacks.
            int colours = Math.Min(levels, 12) - 2;
            byte[] png = PalettePng(depth, colours, Math.Min(levels, 12), filter, interlaced);
            foreach (PrepareOptions? options in new[] { null, new PrepareOptions { MaxSide = 20 } })
            {
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(png, "lacks.png", options));
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                Assert.Contains("lacks.png", ex.Message, StringComparison.Ordinal);
                Assert.Contains($"its pixels name colour {colours} of its palette", ex.Detail, StringComparison.Ordinal);
                Assert.Contains($"its PLTE chunk holds only {colours} colours", ex.Detail, StringComparison.Ordinal);
                Assert.Contains(interlaced ? " of interlace pass " : "(first in row 1 of 30)", ex.Detail, StringComparison.Ordinal);
            }
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void APalettePngWhosePixelsNameMissingColoursIsSentOnRequestWithAWarningThatSaysWhatTheyBecome(bool interlaced)
        {
            // Interlaced, the pixel stream decodes whole: the warning still says what became of the missing colours.
            byte[] png = PalettePng(8, 6, 8, filter: 1, interlaced: interlaced);
            PreparedImage image = ImagePreparer.Prepare(png, "lacks.png", Partial);
            Assert.Equal(PrepareAction.Reencode, image.Action);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("lacks.png", warning, StringComparison.Ordinal);
            Assert.Contains("its PLTE chunk holds only 6 colours", warning, StringComparison.Ordinal);
            Assert.Contains("sent in the palette's last colour", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("sent whole", warning, StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            // Pixel (6, 0) names colour 6, which the palette lacks; (4, 0) and (5, 0) name colours it has.
            Assert.Equal(new SKColor(88, 180, 94), sent.GetPixel(4, 0));
            Assert.Equal(new SKColor(95, 175, 95), sent.GetPixel(5, 0));
            Assert.Equal(new SKColor(95, 175, 95), sent.GetPixel(6, 0));
        }

        [Fact]
        public void APaletteOfOneColourIsSaidInTheSingular()
        {
            byte[] png = PalettePng(2, 1, 4);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(png, "one.png"));
            Assert.Contains("its PLTE chunk holds only 1 colour", ex.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("1 colours", ex.Detail, StringComparison.Ordinal);
            string warning = Assert.Single(ImagePreparer.Prepare(png, "one.png", Partial).Warnings);
            Assert.DoesNotContain("1 colours", warning, StringComparison.Ordinal);
        }

            /// <summary>The PNG with <paramref name="change"/> applied to its list of chunks (type, payload), CRCs made anew.</summary>
        private static byte[] Rechunked(byte[] png, Action<System.Collections.Generic.List<(string Type, byte[] Data)>> change)
        {
            var chunks = new System.Collections.Generic.List<(string Type, byte[] Data)>();
            for (int at = 8; at + 12 <= png.Length;)
            {
                int length = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
                chunks.Add((System.Text.Encoding.ASCII.GetString(png, at + 4, 4), png.AsSpan(at + 8, length).ToArray()));
                at += 12 + length;
            }
            change(chunks);
            var output = new MemoryStream();
            output.Write(png, 0, 8);
            foreach ((string type, byte[] data) in chunks)
            {
                WriteChunk(output, type, data);
            }
            return output.ToArray();
        }

        [Theory]
        [InlineData("second IHDR", "it has a second IHDR chunk at byte 33")]
        [InlineData("PLTE of 13 bytes", "its PLTE chunk at byte 33 holds 13 bytes, which is no palette")]
        [InlineData("second PLTE", "it has a second PLTE chunk at byte")]
        public void APngWhoseHeaderOrPaletteChunkIsMalformedIsDamagedNamingTheChunkNotAnUnreadableVariant(string damage, string expected)
        {
            // Every CRC is right; libpng refuses each ("IHDR: out of place", "PLTE: invalid", "PLTE: duplicate"),
            // and so does ImageMagick. It was "could not be decoded: its header is invalid or damaged".
            byte[] whole = PalettePng(8, 12, 12);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(whole, "whole.png").Action);
            byte[] png = Rechunked(whole, chunks =>
            {
                switch (damage)
                {
                    case "second IHDR":
                        chunks.Insert(1, chunks[0]);
                        break;
                    case "PLTE of 13 bytes":
                        chunks[1] = ("PLTE", chunks[1].Data.Take(13).ToArray());
                        break;
                    default:
                        chunks.Insert(2, chunks[1]);
                        break;
                }
            });
            foreach (PrepareOptions? options in new[] { null, Partial })
            {
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(png, "chunk.png", options));
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                Assert.Contains("chunk.png", ex.Message, StringComparison.Ordinal);
                Assert.Contains(expected, ex.Detail, StringComparison.Ordinal);
            }
        }

        /// <summary>An ICO holding one 32x32 PNG image (the Vista form), its directory entry saying where the PNG is.</summary>
        private static byte[] PngIcon()
        {
            using var bmp = new SKBitmap(new SKImageInfo(32, 32, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            bmp.Erase(new SKColor(30, 120, 200, 255));
            byte[] png = bmp.Encode(SKEncodedImageFormat.Png, 100).ToArray();
            var output = new MemoryStream();
            output.Write(new byte[] { 0, 0, 1, 0, 1, 0, 32, 32, 0, 0, 1, 0, 32, 0 });
            output.Write(BitConverter.GetBytes(png.Length));
            output.Write(BitConverter.GetBytes(22));
            output.Write(png);
            return output.ToArray();
        }

        [Fact]
        public void ACutIconIsDamagedNamingTheImageThatRunsPastTheEndNotCutInsideItsHeader()
        {
            byte[] icon = PngIcon();
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(icon, "whole.ico").Action);
            // It was "is truncated: the file ends inside its header" (it ends inside its image), or "could not be decoded".
            byte[] cut = icon.AsSpan(0, icon.Length - 40).ToArray();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut.ico"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("cut.ico", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"image 1 of 1 in its icon directory (32x32) runs to byte {icon.Length}, past the end of the {cut.Length}-byte file", ex.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("header", ex.Message, StringComparison.Ordinal);

            byte[] lies = (byte[])icon.Clone();
            BitConverter.GetBytes(icon.Length + 100).CopyTo(lies, 18);
            ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(lies, "lies.ico"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains($"starts at byte {icon.Length + 100}, past the end of the {icon.Length}-byte file", ex.Detail, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("made-arith.jpg")]
        [InlineData("made-arith-prog.jpg")]
        public void AnArithmeticCodedJpegIsConvertedToTheRightPictureNotPassedThrough(string sample)
        {
            // SOF9/SOF10 (made-arith.sh): browsers do not decode arithmetic coding and many decoders are built without
            // it; its bytes went out unchanged. The same picture Huffman-coded passes through (the control).
            byte[] jpeg = File.ReadAllBytes(PublicSuiteTests.Sample(sample));
            using (SKBitmap original = SKBitmap.Decode(PicturePpmAsPng()))
            {
                byte[] huffman = original.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
                Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(huffman, "huffman.jpg").Action);
            }
            PreparedImage image = ImagePreparer.Prepare(jpeg, sample);
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Equal("image/jpeg", image.MimeType);
            Assert.Empty(image.Warnings);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal((64, 48), (sent.Width, sent.Height));
            // djpeg of the sample: (70, 81, 161) at (10, 10) and (190, 201, 161) at (50, 40).
            AssertNear(new SKColor(70, 81, 161), sent.GetPixel(10, 10));
            AssertNear(new SKColor(190, 201, 161), sent.GetPixel(50, 40));
        }

        /// <summary>The picture made-arith.sh encodes, as PNG bytes.</summary>
        private static byte[] PicturePpmAsPng()
        {
            using var bmp = new SKBitmap(new SKImageInfo(64, 48, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (int y = 0; y < 48; y++)
            {
                for (int x = 0; x < 64; x++)
                {
                    bmp.SetPixel(x, y, new SKColor((byte)(40 + (x * 3)), (byte)(40 + (y * 4)), 160));
                }
            }
            return bmp.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        }

        private static void AssertNear(SKColor expected, SKColor actual)
        {
            Assert.True(Math.Abs(expected.Red - actual.Red) <= 6 && Math.Abs(expected.Green - actual.Green) <= 6
                && Math.Abs(expected.Blue - actual.Blue) <= 6, $"expected about {expected}, got {actual}");
        }
    }
}
