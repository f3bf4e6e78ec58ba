using System;
using System.IO;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A HEIC whose primary image is a grid of tiles (as phones write photos) with one tile that is corrupt but not cut:
    /// libheif fills the tile it cannot decode with a flat colour (green, here) and says nothing, so it was sent as if
    /// whole. The same tile read alone is refused by libheif: a flat tile is checked that way, and the file is refused
    /// as ImageDamaged, or sent under -AllowPartial with a warning that names the tile. The samples are made by
    /// Samples/Heif/made-heic-grid.py (heif-enc tiles put into a grid).
    /// </summary>
    public class HeifGridTileTests
    {
        private static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", "Heif", name));

        [Fact]
        public void TheGridLayoutIsReadFromTheFilesOwnBoxes()
        {
            HeifBoxes.Grid? grid = HeifBoxes.PrimaryGrid(Sample("made-heic-grid.heic"));
            Assert.NotNull(grid);
            Assert.Equal((2, 2, 128L, 128L, 64L, 64L), (grid!.Rows, grid.Columns, grid.Width, grid.Height, grid.TileWidth, grid.TileHeight));
            Assert.Equal(new uint[] { 1, 2, 3, 4 }, grid.Tiles);
            Assert.Null(HeifBoxes.PrimaryGrid(File.ReadAllBytes(TestCorpus.File("d_heic_storm.heic"))));
        }

        [Fact]
        public void AnIntactGridIsSentWholeWithoutAWord()
        {
            PreparedImage image = ImagePreparer.Prepare(Sample("made-heic-grid.heic"), "grid.heic", new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Empty(image.Warnings);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            // Tile 4 is a yellow-to-white gradient: nowhere flat green.
            SKColor c = sent.GetPixel(100, 100);
            Assert.True(c.Red > 200 && c.Green > 200, c.ToString());
        }

        [Fact]
        public void AGridWithACorruptTileIsDamagedNotSentWithAFlatTile()
        {
            byte[] bad = Sample("made-heic-grid-bad-tile.heic");
            Assert.Null(ImageIntegrity.CheckStructure(ImageFormat.Heif, bad)); // not cut: every item's data is in the file

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(bad, "bad-tile.heic"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("'bad-tile.heic'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("tile 4 (row 2, column 2) of its 2x2 tile grid does not decode", ex.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(bad, "bad-tile.heic", new PrepareOptions { AllowPartial = true, Format = PreparedFormat.Png });
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("tile 4 (row 2, column 2) of its 2x2 tile grid", warning, StringComparison.Ordinal);
            Assert.Contains("filled that tile with one flat colour", warning, StringComparison.Ordinal);
            // The other tiles are there: tile 1 is a red-to-white gradient.
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.True(sent.GetPixel(10, 10).Red > 180, sent.GetPixel(10, 10).ToString());
        }

        /// <summary>An AVIF grid (avifenc -g 2x2) whose last bytes, inside its last tiles' AV1 data, are garbled.</summary>
        [Fact]
        public void AnAvifGridWithCorruptTilesNamesThem()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-grid-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string png = Path.Combine(dir, "src.png"), avif = Path.Combine(dir, "grid.avif");
                TestCorpus.Run("convert", "-size", "128x128", "gradient:red-blue", "-depth", "8", png);
                TestCorpus.Run("avifenc", "--min", "10", "--max", "12", "-g", "2x2", png, avif);
                byte[] data = File.ReadAllBytes(avif);
                Assert.Empty(ImagePreparer.Prepare(data, "grid.avif").Warnings);
                for (int i = data.Length - 60; i < data.Length - 30; i++)
                {
                    data[i] ^= 0xA5;
                }
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(data, "grid.avif"));
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                Assert.Contains("4 (row 2, column 2)", ex.Message, StringComparison.Ordinal);
                Assert.Contains("of its 2x2 tile grid", ex.Message, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        /// <summary>
        /// An intact AVIF grid (avifenc -g 4x4) with one genuinely flat tile: it is sent without a word, and only the
        /// tiles a turn or mirror could put under that flat cell are read alone (4 of 16), not every tile of the grid.
        /// </summary>
        [Fact]
        public void AnIntactGridWithAFlatTileReadsOnlyTheTilesUnderIt()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-grid-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string png = Path.Combine(dir, "src.png"), avif = Path.Combine(dir, "grid.avif");
                TestCorpus.Run("convert", "-size", "256x256", "gradient:red-blue", "-fill", "#4080c0", "-draw", "rectangle 64,64 127,127",
                    "-depth", "8", png);
                TestCorpus.Run("avifenc", "--min", "10", "--max", "12", "-g", "4x4", png, avif);
                byte[] data = File.ReadAllBytes(avif);
                Assert.Equal((4, 4), (HeifBoxes.PrimaryGrid(data)!.Rows, HeifBoxes.PrimaryGrid(data)!.Columns));

                MagickBackend.TilesReadAlone = 0;
                PreparedImage image = ImagePreparer.Prepare(data, "grid.avif", new PrepareOptions { Format = PreparedFormat.Png });
                Assert.Empty(image.Warnings);
                Assert.InRange(MagickBackend.TilesReadAlone, 1, 4);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        /// <summary>
        /// An 8x8 AVIF grid (64 tiles, as a phone's 12 MP photo has 48) that is mostly flat white, so that nearly every
        /// cell is flat, with its last tile corrupt: every tile under a flat cell is read alone, not the first 16 only,
        /// and the damaged one is found and named.
        /// </summary>
        [Fact]
        public void ASixtyFourTileGridIsCheckedWhole()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-grid-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string png = Path.Combine(dir, "src.png"), avif = Path.Combine(dir, "grid.avif");
                TestCorpus.Run("convert", "-size", "512x512", "xc:white", "(", "-size", "64x64", "gradient:red-blue", ")",
                    "-geometry", "+448+448", "-composite", "-depth", "8", png);
                TestCorpus.Run("avifenc", "--min", "10", "--max", "12", "-g", "8x8", png, avif);
                byte[] data = File.ReadAllBytes(avif);
                Assert.Equal((8, 8), (HeifBoxes.PrimaryGrid(data)!.Rows, HeifBoxes.PrimaryGrid(data)!.Columns));
                Assert.Empty(ImagePreparer.Prepare(data, "grid.avif").Warnings);
                for (int i = data.Length - 40; i < data.Length - 10; i++)
                {
                    data[i] ^= 0xA5;
                }
                MagickBackend.TilesReadAlone = 0;
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(data, "grid.avif"));
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                Assert.Contains("64 (row 8, column 8)", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("the check stopped", ex.Message, StringComparison.Ordinal);
                Assert.InRange(MagickBackend.TilesReadAlone, 17, 64);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void TheTilesUnderFlatCellsAreCappedForAFlatPicture()
        {
            // A hostile 256x256 grid of 8x8 tiles that decodes flat: no more than the cap (and one more, to tell) are named.
            var grid = new HeifBoxes.Grid(256, 256, 2048, 2048, 8, 8, new uint[256 * 256]);
            using var bitmap = new SKBitmap(2048, 2048, SKColorType.Rgba8888, SKAlphaType.Premul);
            bitmap.Erase(SKColors.SkyBlue);
            Assert.Equal(ImagePreparer.MaxTilesChecked + 1, ImagePreparer.FlatTileCandidates(bitmap, grid).Count);
            bitmap.Erase(SKColors.White);
            bitmap.SetPixel(9, 9, SKColors.Black);
            // One cell is not flat: every other is, still capped.
            Assert.Equal(ImagePreparer.MaxTilesChecked + 1, ImagePreparer.FlatTileCandidates(bitmap, grid).Count);
            // A phone's grid that decodes flat has every one of its tiles checked.
            var phone = new HeifBoxes.Grid(6, 8, 4032, 3024, 512, 512, new uint[48]);
            using var photo = new SKBitmap(4032, 3024, SKColorType.Rgba8888, SKAlphaType.Premul);
            photo.Erase(SKColors.SkyBlue);
            Assert.Equal(48, ImagePreparer.FlatTileCandidates(photo, phone).Count);
        }

        /// <summary>
        /// Each tile read hands the whole file to ImageMagick and libheif: the tiles read are capped by tiles times file
        /// bytes, so a phone photo is read whole and a large HEIC with wide flat areas stops (saying so) before minutes.
        /// </summary>
        [Theory]
        [InlineData(10L * 1024 * 1024, 204)]   // a 48 MP phone photo: its 192 tiles fit
        [InlineData(3L * 1024 * 1024, 256)]
        [InlineData(100L * 1024 * 1024, 20)]
        [InlineData(256L * 1024 * 1024, 8)]
        public void TheTilesReadAreCappedByTheWorkTheyTake(long fileBytes, int tiles)
        {
            Assert.Equal(tiles, ImagePreparer.TilesToCheck(fileBytes));
            Assert.True((long)tiles * fileBytes <= ImagePreparer.MaxTileCheckBytes || tiles == 8);
        }
    }
}
