using System;
using System.IO;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>Alpha judged from the pixels, not the decoder's claim; Magick.NET failures told in VisionPS's words.</summary>
    public class TransparencyAndCodecErrorTests
    {
        /// <summary>A 1400x1000 RGBA PNG (sent at 1300x929: over the lossless-PNG size, so opaque means JPEG), opaque unless one pixel is made translucent.</summary>
        private static byte[] RgbaPng(byte? onePixelAlpha)
        {
            var info = new SKImageInfo(1400, 1000, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var bitmap = new SKBitmap(info);
            for (int y = 0; y < info.Height; y++)
            {
                for (int x = 0; x < info.Width; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor((byte)x, (byte)y, (byte)(x ^ y), 255));
                }
            }
            if (onePixelAlpha is byte a)
            {
                bitmap.SetPixel(600, 500, new SKColor(10, 20, 30, a));
            }
            using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }

        [Fact]
        public void AnRgbaPngWhoseEveryPixelIsOpaqueIsSentAsJpeg()
        {
            PreparedImage image = ImagePreparer.Prepare(RgbaPng(null), "opaque.png", new PrepareOptions { MaxSide = 1300 });
            Assert.Equal("image/jpeg", image.MimeType);
        }

        /// <summary>
        /// An opaque image with an alpha channel that is still sent as PNG (asked for, or a small flat graphic in Auto)
        /// is written without an alpha channel (PNG colour type 2, not 6); one translucent pixel keeps it.
        /// </summary>
        [Fact]
        public void AnOpaqueImageSentAsPngHasNoAlphaChannel()
        {
            var noPass = new PrepareOptions { MaxSide = 1300, Format = PreparedFormat.Png, AllowPassThrough = false };
            Assert.Equal(2, PngColourType(ImagePreparer.Prepare(RgbaPng(null), "opaque.png", noPass).Bytes));
            Assert.Equal(6, PngColourType(ImagePreparer.Prepare(RgbaPng(200), "one.png", noPass).Bytes));

            // A flat graphic as a 32-bit BMP whose alpha is all 255: Auto sends it as PNG (lossless and small).
            byte[] bmp = Bmp32WithAlphaMask(160, 120, (x, y) => x < 80 ? (y < 60 ? 0xFF2040C0u : 0xFFFFFFFFu) : 0xFFE0A020u);
            PreparedImage graphic = ImagePreparer.Prepare(bmp, "graphic.bmp");
            Assert.Equal("image/png", graphic.MimeType);
            Assert.Equal(2, PngColourType(graphic.Bytes));
        }

        private static int PngColourType(byte[] png) => png[25];

        /// <summary>
        /// A BMP whose alpha mask is set but whose alpha bytes are all 0 (writers that never fill them) is shown opaque,
        /// as browsers show it, with its colours; one pixel with alpha above 0 makes the alpha real.
        /// </summary>
        [Fact]
        public void ABmpWhoseAlphaIsAllZeroIsSentOpaqueWithItsColours()
        {
            static uint Colour(int x, int y) => (uint)((x * 2) << 16 | (y * 2) << 8 | 0x40);
            var png = new PrepareOptions { Format = PreparedFormat.Png, AllowPassThrough = false };
            PreparedImage zero = ImagePreparer.Prepare(Bmp32WithAlphaMask(100, 80, Colour), "zero-alpha.bmp", png);
            Assert.Equal(2, PngColourType(zero.Bytes));
            using (SKBitmap decoded = SKBitmap.Decode(zero.Bytes))
            {
                Assert.Equal(new SKColor(40, 60, 0x40, 255), decoded.GetPixel(20, 30));
            }
            Assert.Equal("image/jpeg", ImagePreparer.Prepare(Bmp32WithAlphaMask(100, 80, Colour), "zero-alpha.bmp", new PrepareOptions { Format = PreparedFormat.Jpeg }).MimeType);

            PreparedImage real = ImagePreparer.Prepare(Bmp32WithAlphaMask(100, 80, (x, y) => Colour(x, y) | (x >= 50 ? 0xFF000000u : 0u)), "half.bmp", png);
            Assert.Equal(6, PngColourType(real.Bytes));
            using SKBitmap half = SKBitmap.Decode(real.Bytes);
            Assert.Equal(0, half.GetPixel(20, 30).Alpha);
            Assert.Equal(new SKColor(120, 60, 0x40, 255), half.GetPixel(60, 30));
        }

        /// <summary>
        /// A 32-bit icon whose alpha bytes are all 0 (old icon writers fill only the AND mask) is shown as Windows and
        /// Firefox show it, through its AND mask: masked pixels transparent, the rest opaque with their colours; with an
        /// empty mask it is opaque. Sent fully transparent, the model would see nothing.
        /// </summary>
        [Fact]
        public void AnIconWhoseAlphaIsAllZeroIsShownThroughItsAndMask()
        {
            static uint Colour(int x, int y) => (uint)((x * 4) << 16 | (y * 4) << 8 | 0x40);
            var png = new PrepareOptions { Format = PreparedFormat.Png, AllowPassThrough = false };

            PreparedImage masked = ImagePreparer.Prepare(Ico32(48, 32, Colour, (x, y) => x < 16), "masked.ico", png);
            Assert.Equal(6, PngColourType(masked.Bytes));
            using (SKBitmap decoded = SKBitmap.Decode(masked.Bytes))
            {
                Assert.Equal(0, decoded.GetPixel(5, 10).Alpha);
                Assert.Equal(new SKColor(120, 40, 0x40, 255), decoded.GetPixel(30, 10));
            }

            PreparedImage unmasked = ImagePreparer.Prepare(Ico32(48, 32, Colour, (x, y) => false), "unmasked.ico", png);
            Assert.Equal(2, PngColourType(unmasked.Bytes));
            using SKBitmap opaque = SKBitmap.Decode(unmasked.Bytes);
            Assert.Equal(new SKColor(20, 40, 0x40, 255), opaque.GetPixel(5, 10));

            // Real alpha in the icon is used as it is, whatever the AND mask says.
            PreparedImage real = ImagePreparer.Prepare(Ico32(48, 32, (x, y) => Colour(x, y) | (y < 16 ? 0x80000000u : 0xFF000000u), (x, y) => true), "real.ico", png);
            using SKBitmap half = SKBitmap.Decode(real.Bytes);
            Assert.Equal(128, half.GetPixel(30, 10).Alpha);
            Assert.Equal(255, half.GetPixel(30, 20).Alpha);
        }

        /// <summary>
        /// An icon with two 32-bit entries of the same size, stored in the opposite order to its directory: Skia decodes
        /// the one stored first (lowest file offset), so its AND mask is the one applied, not the first listed's.
        /// </summary>
        [Fact]
        public void AnIconsAndMaskIsTakenFromTheEntrySkiaDecodedTheFirstStored()
        {
            var png = new PrepareOptions { Format = PreparedFormat.Png, AllowPassThrough = false };
            byte[] listedFirst = Dib(Ico32(48, 32, (x, y) => 0x0000FFu, (x, y) => x < 16)); // blue, left third masked
            byte[] storedFirst = Dib(Ico32(48, 32, (x, y) => 0xFF0000u, (x, y) => x >= 32)); // red, right third masked
            byte[] icon = IcoStoredReversed(48, 32, listedFirst, storedFirst);

            PreparedImage prepared = ImagePreparer.Prepare(icon, "two.ico", png);
            using SKBitmap decoded = SKBitmap.Decode(prepared.Bytes);
            Assert.Equal(new SKColor(255, 0, 0, 255), decoded.GetPixel(5, 10)); // the red entry, opaque under its own mask
            Assert.Equal(0, decoded.GetPixel(40, 10).Alpha);

            // The entry stored first of that size is a PNG: there is no AND mask to apply.
            using (var bitmap = new SKBitmap(new SKImageInfo(48, 32, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
            {
                using SKData pngEntry = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                byte[] withPng = IcoStoredReversed(48, 32, listedFirst, pngEntry.ToArray());
                using var pixels = new SKBitmap(new SKImageInfo(48, 32, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                Assert.False(IconMask.TryApply(withPng, pixels, out _));
                Assert.True(IconMask.TryApply(IcoStoredReversed(48, 32, pngEntry.ToArray(), storedFirst), pixels, out bool anyMasked));
                Assert.True(anyMasked);
            }
        }

        private static byte[] Dib(byte[] ico) => ico.AsSpan(22).ToArray();

        /// <summary>An icon of two entries of one size: the directory lists <paramref name="listed"/> first, the file stores <paramref name="stored"/> first.</summary>
        private static byte[] IcoStoredReversed(int width, int height, byte[] listed, byte[] stored)
        {
            using var ms = new MemoryStream();
            using var w = new BinaryWriter(ms);
            w.Write((short)0);
            w.Write((short)1);
            w.Write((short)2);
            int storedAt = 6 + 32, listedAt = storedAt + stored.Length;
            foreach ((byte[] entry, int at) in new[] { (listed, listedAt), (stored, storedAt) })
            {
                w.Write((byte)width);
                w.Write((byte)height);
                w.Write((byte)0);
                w.Write((byte)0);
                w.Write((short)1);
                w.Write((short)32);
                w.Write(entry.Length);
                w.Write(at);
            }
            w.Write(stored);
            w.Write(listed);
            return ms.ToArray();
        }

        /// <summary>
        /// An icon holding one 32-bit BI_RGB bitmap: pixels as 0xAARRGGBB, then the 1-bit AND mask
        /// (<paramref name="transparent"/>), both bottom-up.
        /// </summary>
        internal static byte[] Ico32(int width, int height, Func<int, int, uint> pixel, Func<int, int, bool> transparent)
        {
            int maskStride = ((width + 31) / 32) * 4;
            int image = 40 + (width * 4 * height) + (maskStride * height);
            using var ms = new MemoryStream();
            using var w = new BinaryWriter(ms);
            w.Write((short)0);
            w.Write((short)1); // icon
            w.Write((short)1); // one image
            w.Write((byte)width);
            w.Write((byte)height);
            w.Write((byte)0);
            w.Write((byte)0);
            w.Write((short)1);
            w.Write((short)32);
            w.Write(image);
            w.Write(6 + 16);
            w.Write(40);
            w.Write(width);
            w.Write(height * 2); // the colour bitmap and the mask
            w.Write((short)1);
            w.Write((short)32);
            w.Write(0); // BI_RGB
            w.Write(image - 40);
            w.Write(0);
            w.Write(0);
            w.Write(0);
            w.Write(0);
            for (int y = height - 1; y >= 0; y--)
            {
                for (int x = 0; x < width; x++)
                {
                    w.Write(pixel(x, y));
                }
            }
            for (int y = height - 1; y >= 0; y--)
            {
                var row = new byte[maskStride];
                for (int x = 0; x < width; x++)
                {
                    if (transparent(x, y))
                    {
                        row[x >> 3] |= (byte)(0x80 >> (x & 7));
                    }
                }
                w.Write(row);
            }
            return ms.ToArray();
        }

        /// <summary>
        /// A bottom-up BITMAPV5HEADER BMP, 32 bits per pixel with BI_BITFIELDS and an alpha mask; pixels as 0xAARRGGBB.
        /// With <paramref name="profile"/>, the colour space is PROFILE_EMBEDDED and the profile follows the pixels.
        /// </summary>
        internal static byte[] Bmp32WithAlphaMask(int width, int height, Func<int, int, uint> pixel, byte[]? profile = null)
        {
            using var ms = new MemoryStream();
            using var w = new BinaryWriter(ms);
            int rows = width * 4 * height;
            w.Write((byte)'B');
            w.Write((byte)'M');
            w.Write(14 + 124 + rows + (profile?.Length ?? 0));
            w.Write(0);
            w.Write(14 + 124);
            w.Write(124);
            w.Write(width);
            w.Write(height);
            w.Write((short)1);
            w.Write((short)32);
            w.Write(3); // BI_BITFIELDS
            w.Write(rows);
            w.Write(2835);
            w.Write(2835);
            w.Write(0);
            w.Write(0);
            w.Write(0x00FF0000);
            w.Write(0x0000FF00);
            w.Write(0x000000FF);
            w.Write(unchecked((int)0xFF000000));
            w.Write(profile is null ? 0x73524742 : 0x4D424544); // 'sRGB' or 'MBED'
            w.Write(new byte[36 + 12]);
            w.Write(4); // intent
            w.Write(profile is null ? 0 : 124 + rows); // profile offset, from the start of the info header
            w.Write(profile?.Length ?? 0);
            w.Write(0);
            for (int y = height - 1; y >= 0; y--)
            {
                for (int x = 0; x < width; x++)
                {
                    w.Write(pixel(x, y));
                }
            }
            if (profile is not null)
            {
                w.Write(profile);
            }
            w.Flush();
            return ms.ToArray();
        }

        [Fact]
        public void OneTranslucentPixelKeepsTheAlpha()
        {
            PreparedImage image = ImagePreparer.Prepare(RgbaPng(128), "one.png", new PrepareOptions { MaxSide = 1300 });
            Assert.Equal("image/png", image.MimeType);
        }

        [Fact]
        public void ATiffWithAnOpaqueAlphaChannelIsSentAsJpeg()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-alpha-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string tif = Path.Combine(dir, "opaque_alpha.tif");
                TestCorpus.Run("convert", TestCorpus.File("jpg_storm_1920x1280.jpg"), "-alpha", "set", "-channel", "A", "-evaluate", "set", "100%", "+channel", "-type", "TrueColorAlpha", tif);
                Assert.Equal("True", System.Text.Encoding.ASCII.GetString(TestCorpus.Run("identify", "-format", "%A", tif)));
                Assert.Equal("image/jpeg", ImagePreparer.Prepare(tif).MimeType);

                string translucent = Path.Combine(dir, "translucent.tif");
                TestCorpus.Run("convert", TestCorpus.File("jpg_storm_1920x1280.jpg"), "-alpha", "set", "-channel", "A", "-evaluate", "set", "50%", "+channel", translucent);
                Assert.Equal("image/png", ImagePreparer.Prepare(translucent).MimeType);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        /// <summary>
        /// A HEIC and an AVIF (heif-enc keeps the alpha plane; avifenc would drop an opaque one) whose alpha channel is
        /// fully opaque go out as JPEG; with a translucent alpha, as PNG.
        /// </summary>
        [Theory]
        [InlineData("heic")]
        [InlineData("avif")]
        public void AHeifWithAnOpaqueAlphaChannelIsSentAsJpeg(string kind)
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-heifalpha-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                foreach ((string level, string mime) in new[] { ("100%", "image/jpeg"), ("50%", "image/png") })
                {
                    string png = Path.Combine(dir, "rgba.png"), file = Path.Combine(dir, "alpha." + kind);
                    TestCorpus.Run("convert", TestCorpus.File("jpg_storm_1920x1280.jpg"), "-resize", "1400x933!", "-alpha", "set",
                        "-channel", "A", "-evaluate", "set", level, "+channel", "PNG32:" + png);
                    var args = new System.Collections.Generic.List<string> { "-q", "80", png, "-o", file };
                    if (kind == "avif")
                    {
                        args.Insert(0, "-A");
                    }
                    TestCorpus.Run("heif-enc", args.ToArray());
                    Assert.Contains("alpha channel: yes", System.Text.Encoding.ASCII.GetString(TestCorpus.Run("heif-info", file)), StringComparison.Ordinal);
                    Assert.True(ImageProbe.Probe(file).HasAlpha);
                    Assert.Equal(mime, ImagePreparer.Prepare(file, new PrepareOptions { MaxSide = 1300 }).MimeType);
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void PixelAlphaScanFindsATranslucentPixelAnywhere()
        {
            foreach (int count in new[] { 1, 2, 7, 8, 9, 33 })
            {
                for (int at = 0; at < count; at++)
                {
                    byte[] rgba = new byte[count * 4];
                    for (int i = 3; i < rgba.Length; i += 4)
                    {
                        rgba[i] = 255;
                    }
                    Assert.False(PixelAlpha.AnyTranslucent(rgba, count));
                    rgba[(at * 4) + 3] = 254;
                    Assert.True(PixelAlpha.AnyTranslucent(rgba, count), $"{count} pixels, translucent at {at}");
                }
            }
        }

        [Fact]
        public void ADamagedHeicIsReportedWithoutMagicksTempFileOrSourceLocation()
        {
            // Its decoder configuration box renamed ('hvcC' to 'hvcX'): libheif refuses it. (A file cut short is found
            // from its 'iloc' before ImageMagick sees it.)
            byte[] heic = File.ReadAllBytes(TestCorpus.File("d_heic_storm.heic"));
            int hvcC = heic.AsSpan().IndexOf("hvcC"u8);
            Assert.True(hvcC > 0);
            heic[hvcC + 3] = (byte)'X';
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(heic, "cut.heic"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("cut.heic", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("magick-", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(" @ ", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("error/", ex.Message, StringComparison.Ordinal);
            Assert.True(ex.Data["MagickMessage"] is string raw && raw.Length > 0, "the raw Magick text is kept for -Debug");
            Assert.NotNull(ex.InnerException);
        }

        /// <summary>A TIFF cut short before its image directory (written after the pixels) is damaged, and says where it ends.</summary>
        [Fact]
        public void ATiffCutBeforeItsDirectoryIsDamaged()
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-tiffcut-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string tif = Path.Combine(dir, "whole.tif");
                TestCorpus.Run("convert", "-size", "64x48", "gradient:red-blue", tif);
                byte[] whole = File.ReadAllBytes(tif);
                byte[] cut = whole.AsSpan(0, whole.Length / 2).ToArray();
                Assert.True(BitConverter.ToUInt32(whole, 4) > cut.Length, "ImageMagick writes the directory after the pixels");
                var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut.tif"));
                Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
                Assert.Contains($"past the end of the {cut.Length}-byte file", ex.Message);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        /// <summary>
        /// A BigTIFF keeps its first directory's offset in 64 bits at byte 8, in either byte order: read there, a whole
        /// file is not called truncated, and a cut one names where its directory was.
        /// </summary>
        [Theory]
        [InlineData("msb")]
        [InlineData("lsb")]
        public void ABigTiffDirectoryOffsetIsReadAt64BitsInEitherByteOrder(string endian)
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-bigtiff-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string tif = Path.Combine(dir, "big.tif");
                TestCorpus.Run("convert", "-size", "64x48", "gradient:red-blue", "-define", "tiff:endian=" + endian, "TIFF64:" + tif);
                byte[] whole = File.ReadAllBytes(tif);
                Assert.Equal(43, endian == "msb" ? (whole[2] << 8) | whole[3] : whole[2] | (whole[3] << 8));
                Assert.Null(ImageIntegrity.TiffDirectory(whole));
                byte[] offset = whole.AsSpan(8, 8).ToArray();
                if (endian == "msb")
                {
                    Array.Reverse(offset);
                }
                long ifd = BitConverter.ToInt64(offset, 0);
                byte[] cut = whole.AsSpan(0, (int)Math.Min(ifd, whole.Length) / 2).ToArray();
                Assert.Contains($"its first image directory (IFD) is at byte {ifd}, past the end of the {cut.Length}-byte file",
                    ImageIntegrity.TiffDirectory(cut), StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        [Theory]
        [InlineData("ReadHEICImage: Invalid input: Bitstream not supported by this decoder `/tmp/magick-Ab12Cd' @ error/heic.c/ReadHEICImage/460", "ReadHEICImage: Invalid input: Bitstream not supported by this decoder")]
        [InlineData("Bad value 65282 for \"FillOrder\" tag. `TIFFReadDirectory' @ warning/tiff.c/TIFFWarnings/1000", "Bad value 65282 for \"FillOrder\" tag")]
        [InlineData("Invalid input: Unspecified: Corrupt frame detected (2.0) `/tmp/magick-aSACY5fSLc27Ga3b75Z1FoatvRCUJNsh' @ error/heic.c/IsHEIFSuccess/207", "Invalid input: Unspecified: Corrupt frame detected (2.0)")]
        public void MagickReasonsLoseFileNamesAndSourceLocations(string raw, string expected)
        {
            Assert.Equal(expected, MagickCodec.Reason(raw));
        }

        [Theory]
        [InlineData("x (a (b))", "x (a (b))")]
        [InlineData("x (a (b)) `/tmp/magick-Ab12Cd' @ error/heic.c/IsHEIFSuccess/207", "x (a (b))")]
        [InlineData("x (a (b)).", "x (a (b))")]
        [InlineData("x (a (b", "x (a (b))")]
        [InlineData("x (a) b)", "x (a) b")]
        [InlineData("could not read (`/tmp/magick-Ab12Cd') @ error/tiff.c/ReadTIFFImage/1", "could not read")]
        public void MagickReasonsKeepTheirBracketsBalanced(string raw, string expected)
        {
            Assert.Equal(expected, MagickCodec.Reason(raw));
        }
    }
}
