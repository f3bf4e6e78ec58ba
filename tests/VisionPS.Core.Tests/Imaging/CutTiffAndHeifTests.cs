using System;
using System.Collections.Generic;
using System.IO;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A TIFF or HEIF/AVIF cut short inside its pixel data. ImageMagick decodes a tiled TIFF past its missing tiles, and
    /// libheif a grid past its missing tiles, without a word (black tiles, a flat green half): the file's own tables
    /// (the TIFF's strip and tile offsets, the HEIF's 'iloc') say it is cut. A strip TIFF failed as "could not be
    /// decoded" rather than as damage; under -AllowPartial its whole strips are sent.
    /// </summary>
    public sealed class CutTiffAndHeifTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-cut-" + Guid.NewGuid().ToString("N"));

        public CutTiffAndHeifTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private const int W = 64, H = 48;

        private static (byte R, byte G, byte B) Pixel(int x, int y) => ((byte)(x * 4), (byte)(y * 5), (byte)(200 - (x + y)));

        /// <summary>
        /// An uncompressed 8-bit RGB TIFF written with its directory first (as scanners and cameras write it, so a cut
        /// keeps the directory): 8-row strips, or 16x16 tiles.
        /// </summary>
        internal static byte[] DirectoryFirstTiff(bool tiled, params (int Tag, int Type, int Value)[] extra) =>
            DirectoryFirstTiff(tiled, 8, extra);

        internal static byte[] DirectoryFirstTiff(bool tiled, int rowsPerStrip, params (int Tag, int Type, int Value)[] extra)
        {
            int tile = 16;
            // The last strip holds the rows left when rowsPerStrip does not divide the height.
            int chunks = tiled ? (W / tile) * (H / tile) : (H + rowsPerStrip - 1) / rowsPerStrip;
            int chunkBytes = tiled ? tile * tile * 3 : W * rowsPerStrip * 3;
            int ChunkBytes(int c) => tiled ? chunkBytes : W * Math.Min(rowsPerStrip, H - (c * rowsPerStrip)) * 3;
            // Width, height, bits (3 values, out of line), compression, photometric, samples, planar, and either strip
            // offsets/rows per strip/strip byte counts or tile width/length/offsets/byte counts; then the extra fields.
            var fields = new List<(int Tag, int Type, int Count, int Value)>
            {
                (256, 4, 1, W), (257, 4, 1, H), (258, 3, 3, -1), (259, 3, 1, 1), (262, 3, 1, 2), (277, 3, 1, 3), (284, 3, 1, 1),
            };
            fields.AddRange(tiled
                ? new[] { (322, 4, 1, tile), (323, 4, 1, tile), (324, 4, chunks, -2), (325, 4, chunks, -3) }
                : new[] { (273, 4, chunks, -2), (278, 4, 1, rowsPerStrip), (279, 4, chunks, -3) });
            foreach ((int tag, int type, int value) in extra)
            {
                fields.Add((tag, type, 1, value));
            }
            fields.Sort((a, b) => a.Tag.CompareTo(b.Tag));
            int entries = fields.Count;
            int ifdSize = 2 + (12 * entries) + 4;
            int bitsAt = 8 + ifdSize, offsetsAt = bitsAt + 6, countsAt = offsetsAt + (4 * chunks), dataAt = countsAt + (4 * chunks);
            byte[] b = new byte[dataAt + ((chunks - 1) * chunkBytes) + ChunkBytes(chunks - 1)];
            b[0] = (byte)'I';
            b[1] = (byte)'I';
            b[2] = 42;
            BitConverter.TryWriteBytes(b.AsSpan(4), 8u);
            BitConverter.TryWriteBytes(b.AsSpan(8), (ushort)entries);
            int at = 10;
            foreach ((int tag, int type, int count, int value) in fields)
            {
                BitConverter.TryWriteBytes(b.AsSpan(at), (ushort)tag);
                BitConverter.TryWriteBytes(b.AsSpan(at + 2), (ushort)type);
                BitConverter.TryWriteBytes(b.AsSpan(at + 4), count);
                // One strip or tile: its offset and byte count fit in the entry itself.
                int v = value switch { -1 => bitsAt, -2 => chunks == 1 ? dataAt : offsetsAt, -3 => chunks == 1 ? ChunkBytes(0) : countsAt, _ => value };
                if (type == 3 && count == 1)
                {
                    BitConverter.TryWriteBytes(b.AsSpan(at + 8), (ushort)v);
                }
                else
                {
                    BitConverter.TryWriteBytes(b.AsSpan(at + 8), v);
                }
                at += 12;
            }
            for (int i = 0; i < 3; i++)
            {
                BitConverter.TryWriteBytes(b.AsSpan(bitsAt + (2 * i)), (ushort)8);
            }
            for (int c = 0; c < chunks; c++)
            {
                BitConverter.TryWriteBytes(b.AsSpan(offsetsAt + (4 * c)), dataAt + (c * chunkBytes));
                BitConverter.TryWriteBytes(b.AsSpan(countsAt + (4 * c)), ChunkBytes(c));
                for (int i = 0; i < ChunkBytes(c) / 3; i++)
                {
                    int x = tiled ? ((c % (W / tile)) * tile) + (i % tile) : i % W;
                    int y = tiled ? ((c / (W / tile)) * tile) + (i / tile) : (c * rowsPerStrip) + (i / W);
                    (byte r, byte g, byte bl) = Pixel(x, y);
                    int p = dataAt + (c * chunkBytes) + (3 * i);
                    b[p] = r;
                    b[p + 1] = g;
                    b[p + 2] = bl;
                }
            }
            return b;
        }

        private static SKBitmap Decode(PreparedImage image) => SKBitmap.Decode(image.Bytes);

        private static PrepareOptions Lossless(bool partial = false) => new() { Format = PreparedFormat.Png, AllowPartial = partial };

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AWholeDirectoryFirstTiffIsReadWhole(bool tiled)
        {
            byte[] tiff = DirectoryFirstTiff(tiled);
            Assert.Null(ImageIntegrity.TiffPixelData(tiff));
            using SKBitmap bitmap = Decode(ImagePreparer.Prepare(tiff, "whole.tif", Lossless()));
            Assert.Equal((W, H), (bitmap.Width, bitmap.Height));
            Assert.Equal(new SKColor(Pixel(50, 40).R, Pixel(50, 40).G, Pixel(50, 40).B), bitmap.GetPixel(50, 40));
        }

        [Fact]
        public void ATiledTiffCutInsideItsTilesIsDamagedNotSentWithBlackTiles()
        {
            byte[] whole = DirectoryFirstTiff(tiled: true);
            byte[] cut = whole.AsSpan(0, whole.Length - (16 * 16 * 3 * 3) - 100).ToArray(); // the last three tiles and a bit lost
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut-tiles.tif", Lossless()));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("4 of its 12 tiles of pixel data run past the end", ex.Message);
            Assert.Contains("-AllowPartial", ex.Message);

            PreparedImage image = ImagePreparer.Prepare(cut, "cut-tiles.tif", Lossless(partial: true));
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("is damaged: 4 of its 12 tiles", warning);
            using SKBitmap bitmap = Decode(image);
            Assert.Equal(new SKColor(Pixel(5, 5).R, Pixel(5, 5).G, Pixel(5, 5).B), bitmap.GetPixel(5, 5));
        }

        [Fact]
        public void AStripTiffCutInsideItsStripsIsDamagedAndItsWholeStripsAreSentUnderAllowPartial()
        {
            byte[] whole = DirectoryFirstTiff(tiled: false);
            int stripBytes = W * 8 * 3;
            byte[] cut = whole.AsSpan(0, whole.Length - (2 * stripBytes) - 10).ToArray(); // strips 4 (cut), 5 and 6 lost
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut-strips.tif", Lossless()));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("3 of its 6 strips of pixel data run past the end", ex.Message);

            PreparedImage image = ImagePreparer.Prepare(cut, "cut-strips.tif", Lossless(partial: true));
            Assert.Contains("Only the first 24 of its 48 rows decoded; the rest is sent blank.", Assert.Single(image.Warnings));
            using SKBitmap bitmap = Decode(image);
            Assert.Equal((W, H), (bitmap.Width, bitmap.Height));
            Assert.Equal(new SKColor(Pixel(30, 23).R, Pixel(30, 23).G, Pixel(30, 23).B), bitmap.GetPixel(30, 23));
            Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(30, 40));
        }

        /// <summary>
        /// An uncompressed TIFF in one strip (Pillow writes one so, its directory first) cut short: its rows of bytes that are
        /// there decode (libtiff reads a single uncompressed strip in pieces); they were refused as "no part decodes".
        /// </summary>
        [Fact]
        public void AnUncompressedSingleStripTiffCutShortSendsTheRowsThatAreThere()
        {
            byte[] whole = DirectoryFirstTiff(false, H);
            byte[] cut = whole.AsSpan(0, whole.Length - (12 * W * 3) - 7).ToArray(); // the last 12 rows and a bit lost
            Assert.Equal(H - 13, ImageIntegrity.TiffWholeRows(cut, out int height));
            Assert.Equal(H, height);
            PreparedImage image = ImagePreparer.Prepare(cut, "one-strip.tif", Lossless(partial: true));
            Assert.Contains($"Only the first {H - 13} of its {H} rows decoded", Assert.Single(image.Warnings));
            using SKBitmap bitmap = Decode(image);
            Assert.Equal(new SKColor(Pixel(20, 30).R, Pixel(20, 30).G, Pixel(20, 30).B), bitmap.GetPixel(20, 30));
            Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(20, H - 5));
        }

        /// <summary>Sets the byte count of strip <paramref name="strip"/> of a <see cref="DirectoryFirstTiff(bool, int, (int, int, int)[])"/>.</summary>
        private static void SetStripByteCount(byte[] tiff, int strip, int count)
        {
            int entries = BitConverter.ToUInt16(tiff, 8);
            for (int e = 0; e < entries; e++)
            {
                int at = 10 + (12 * e);
                if (BitConverter.ToUInt16(tiff, at) == 279)
                {
                    int where = BitConverter.ToInt32(tiff, at + 4) == 1 ? at + 8 : BitConverter.ToInt32(tiff, at + 8);
                    BitConverter.TryWriteBytes(tiff.AsSpan(where + (4 * strip)), count);
                    return;
                }
            }
            throw new InvalidOperationException("no StripByteCounts");
        }

        /// <summary>
        /// An uncompressed TIFF whose StripByteCounts says more than its strips' rows take (Pillow writes a lone strip's
        /// count 4096 too high; some writers give a short last strip a full strip's count) is whole: libtiff reads only the
        /// bytes of the rows. It was refused as truncated.
        /// </summary>
        [Theory]
        [InlineData(48, 0, 48 * W * 3 + 4096)] // one strip, its count 4096 too high
        [InlineData(10, 4, 10 * W * 3)] // five strips, the last (8 rows) counted as a full strip
        public void AnUncompressedTiffWhoseStripCountsOverstateIsWhole(int rowsPerStrip, int strip, int count)
        {
            byte[] tiff = DirectoryFirstTiff(false, rowsPerStrip);
            SetStripByteCount(tiff, strip, count);
            Assert.Null(ImageIntegrity.TiffPixelData(tiff));
            Assert.Null(ImageIntegrity.CheckStructure(ImageFormat.Tiff, tiff));
            PreparedImage image = ImagePreparer.Prepare(tiff, "overstated.tif", Lossless());
            Assert.Empty(image.Warnings);
            using SKBitmap bitmap = Decode(image);
            Assert.Equal((W, H), (bitmap.Width, bitmap.Height));
            Assert.Equal(new SKColor(Pixel(50, H - 1).R, Pixel(50, H - 1).G, Pixel(50, H - 1).B), bitmap.GetPixel(50, H - 1));

            // Cut inside its last rows, it is still cut.
            byte[] cut = tiff.AsSpan(0, tiff.Length - (3 * W * 3) - 5).ToArray();
            Assert.NotNull(ImageIntegrity.TiffPixelData(cut));
            Assert.Equal(rowsPerStrip == H ? H - 4 : H - 8, ImageIntegrity.TiffWholeRows(cut, out _));
        }

        /// <summary>
        /// A BigTIFF whose strip offsets and byte counts (LONG8 arrays) lie at byte 2^64 - 8: the sum of that offset and
        /// the array's length wrapped, and reading it threw IndexOutOfRangeException out of the structure check.
        /// </summary>
        [Fact]
        public void ABigTiffWhoseFieldOffsetWrapsIsRefusedNotAnIndexError()
        {
            var fields = new (int Tag, int Type, long Count, ulong Value)[]
            {
                (256, 3, 1, 8), (257, 3, 1, 8), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                (273, 16, 2, 0xFFFFFFFFFFFFFFF8), (277, 3, 1, 1), (278, 3, 1, 4), (279, 16, 2, 0xFFFFFFFFFFFFFFF8),
            };
            byte[] b = new byte[16 + 8 + (20 * fields.Length) + 8 + 64];
            "II+\0"u8.CopyTo(b);
            BitConverter.TryWriteBytes(b.AsSpan(4), (ushort)8);
            BitConverter.TryWriteBytes(b.AsSpan(8), 16UL);
            BitConverter.TryWriteBytes(b.AsSpan(16), (ulong)fields.Length);
            int at = 24;
            foreach ((int tag, int type, long count, ulong value) in fields)
            {
                BitConverter.TryWriteBytes(b.AsSpan(at), (ushort)tag);
                BitConverter.TryWriteBytes(b.AsSpan(at + 2), (ushort)type);
                BitConverter.TryWriteBytes(b.AsSpan(at + 4), count);
                BitConverter.TryWriteBytes(b.AsSpan(at + 12), value);
                at += 20;
            }
            Assert.Null(ImageIntegrity.TiffPixelData(b));
            Assert.Equal(-1, ImageIntegrity.TiffWholeRows(b, out _));
            Assert.Null(ImageIntegrity.TiffCameraRaw(b));
            Assert.Equal(1, ImageIntegrity.TiffPageCount(b));
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(b, "wrap.tif", Lossless()));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
        }

        [Fact]
        public void AStripTiffCutInItsFirstStripHasNothingToSend()
        {
            byte[] whole = DirectoryFirstTiff(tiled: false);
            byte[] cut = whole.AsSpan(0, whole.Length - (5 * W * 8 * 3) - 10).ToArray();
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut-first.tif", Lossless(partial: true)));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("no part of it decodes", ex.Message);
        }

        /// <summary>A 2x2 grid AVIF whose last tile is cut: libheif decodes it with that quarter a flat colour.</summary>
        [Fact]
        public void AGridAvifCutInsideALaterTileIsDamagedNotSentWithAFlatQuarter()
        {
            string png = Path.Combine(_dir, "src.png"), avif = Path.Combine(_dir, "grid.avif");
            TestCorpus.Run("convert", "-size", "128x128", "gradient:red-blue", "-depth", "8", png);
            TestCorpus.Run("avifenc", "--min", "10", "--max", "12", "-g", "2x2", png, avif);
            byte[] whole = File.ReadAllBytes(avif);
            Assert.Null(HeifBoxes.ItemDataPastEnd(whole, out _));
            byte[] cut = whole.AsSpan(0, whole.Length - 20).ToArray();
            string? problem = HeifBoxes.ItemDataPastEnd(cut, out bool primaryCut);
            Assert.NotNull(problem);
            Assert.False(primaryCut);

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "grid.avif"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains($"past the end of the {cut.Length}-byte file", ex.Message);
            PreparedImage image = ImagePreparer.Prepare(cut, "grid.avif", new PrepareOptions { AllowPartial = true });
            Assert.Contains("is damaged", Assert.Single(image.Warnings));
        }

        [Fact]
        public void AnAvifCutInsideItsOnlyImageHasNothingToSend()
        {
            string png = Path.Combine(_dir, "src.png"), avif = Path.Combine(_dir, "plain.avif");
            TestCorpus.Run("convert", "-size", "128x96", "gradient:red-blue", "-depth", "8", png);
            TestCorpus.Run("avifenc", "--min", "10", "--max", "12", png, avif);
            byte[] whole = File.ReadAllBytes(avif);
            byte[] cut = whole.AsSpan(0, whole.Length - 20).ToArray();
            Assert.NotNull(HeifBoxes.ItemDataPastEnd(cut, out bool primaryCut));
            Assert.True(primaryCut);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "plain.avif", new PrepareOptions { AllowPartial = true }));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("no part of it decodes", ex.Message);
        }
    }
}
