using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Real files from public test suites (PngSuite, libpng's crashers, wuffs; Samples/NOTICE-19c.md says where each
    /// comes from): damaged ones are refused as damaged with the fault named, good ones keep their colours.
    /// </summary>
    public class PublicSuiteTests
    {
        internal static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Imaging", "Samples", name);

        [Theory]
        // PngSuite's corrupted files (http://www.schaik.com/pngsuite/#corrupted), each with what VisionPS must name.
        [InlineData("xs1n0g01.png", "PNG signature is damaged")]
        [InlineData("xs2n0g01.png", "PNG signature is damaged")]
        [InlineData("xs4n0g01.png", "PNG signature is damaged")]
        [InlineData("xs7n0g01.png", "PNG signature is damaged")]
        [InlineData("xcrn0g04.png", "line-ending bytes were changed")]
        [InlineData("xlfn0g04.png", "line-ending bytes were changed")]
        [InlineData("xhdn0g08.png", "CRC mismatch in chunk IHDR")]
        [InlineData("xc1n0g08.png", "colour type 1")]
        [InlineData("xc9n2c08.png", "colour type 9")]
        [InlineData("xd0n2c08.png", "bit depth 0")]
        [InlineData("xd3n2c08.png", "bit depth 3")]
        [InlineData("xd9n2c08.png", "bit depth 99")]
        [InlineData("xdtn0g01.png", "no IDAT chunk")]
        [InlineData("xcsn0g01.png", "CRC mismatch in chunk IDAT")]
        // libpng's contrib/testpngs/crashers.
        [InlineData("libpng-badcrc.png", "CRC mismatch in chunk IDAT")]
        [InlineData("libpng-badadler.png", "Adler-32 checksum does not match")]
        [InlineData("libpng-huge_IDAT.png", "ends inside chunk IDAT")]
        [InlineData("libpng-bad_iCCP.png", "CRC mismatch in chunk IHDR")]
        [InlineData("libpng-huge_bKGD_chunk.png", "chunk bKGD at byte 33 says it holds 1073741823 bytes")]
        // wuffs test/data/artificial-gif.
        [InlineData("wuffs-no-frames.gif", "contains no frame")]
        [InlineData("wuffs-zero-width-frame.gif", "frame 1 is 0x")]
        [InlineData("wuffs-pixel-data-none.gif", "frame 1's LZW data ends after 0 of its 4 pixels")]
        [InlineData("wuffs-pixel-data-not-enough.gif", "frame 1's LZW data ends after 1 of its 4 pixels")]
        public void DamagedSuiteFilesAreRefusedAsDamagedNamingTheFault(string file, string fault)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(Sample(file)));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains(fault, ex.Message, StringComparison.Ordinal);
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
            // Asking for the decodable part never turns a file with no usable header into a pass-through.
            var partial = new PrepareOptions { AllowPartial = true };
            try
            {
                PreparedImage image = ImagePreparer.Prepare(Sample(file), partial);
                Assert.NotEqual(PrepareAction.Pass, image.Action);
            }
            catch (ImageProcessingException again)
            {
                Assert.Equal(ImageErrorReason.Damaged, again.Reason);
                // Refused with -AllowPartial too. A damaged signature or IHDR is known to leave nothing to send: the
                // first error must not offer -AllowPartial. Damage found in the stream is known to leave nothing only
                // once the decode was tried: then the second error says so.
                bool headerFault = fault.Contains("signature", StringComparison.Ordinal) || fault.Contains("IHDR", StringComparison.Ordinal)
                    || fault.StartsWith("colour type", StringComparison.Ordinal) || fault.StartsWith("bit depth", StringComparison.Ordinal)
                    || fault.Contains("line-ending", StringComparison.Ordinal);
                if (headerFault || !ex.PartOfItDecodes)
                {
                    Assert.False(ex.PartOfItDecodes, $"{file}: offers -AllowPartial, which refuses it too: {again.Message}");
                    Assert.DoesNotContain("AllowPartial", ex.Message, StringComparison.Ordinal);
                }
                else
                {
                    Assert.Contains("no part of it decodes", again.Message, StringComparison.Ordinal);
                }
            }
        }

        [Fact]
        public void AGifWithAnLzwCodeOutsideItsTableIsRefusedSayingWhere()
        {
            // 2x2, LZW minimum code size 2: Clear (4), literal 0, then code 7 while the next free code is 6.
            byte[] gif =
            {
                (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 2, 0, 2, 0, 0x81, 0, 0,
                0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255,
                0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0,
                2, 2, 0xC4, 0x01, 0,
                0x3B,
            };
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(gif, "overflow.gif"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("frame 1's LZW stream is corrupt: code 7 at pixel 1 of 4 is not in its table", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void LibwebpsTestImageDamagedInItsHeadersIsRefusedAsDamaged()
        {
            byte[] good = File.ReadAllBytes(Sample("libwebp-test.webp"));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(good, "test.webp").Action);

            byte[] startCode = (byte[])good.Clone();
            startCode[23] = 0; // VP8 frame start code 9d 01 2a
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(startCode, "start-code.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("VP8 (lossy) frame header is damaged", ex.Message, StringComparison.Ordinal);

            byte[] riff = (byte[])good.Clone();
            BitConverter.GetBytes(0x7FFFFFF0).CopyTo(riff, 4);
            ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(riff, "riff.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("RIFF size field says 2147483640 bytes", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ALosslessWebpWithFlippedBitsInItsVp8lHeaderIsRefusedAsDamaged()
        {
            using var bitmap = new SKBitmap(new SKImageInfo(64, 48, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (int y = 0; y < 48; y++)
            {
                for (int x = 0; x < 64; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor((byte)(x * 4), (byte)(y * 5), (byte)(x ^ y), 255));
                }
            }
            using var image = SKImage.FromBitmap(bitmap);
            byte[] lossless = image.Encode(SKEncodedImageFormat.Webp, 100).ToArray();
            Assert.Equal("VP8L", System.Text.Encoding.ASCII.GetString(lossless, 12, 4));

            byte[] signature = (byte[])lossless.Clone();
            signature[20] ^= 0xFF;
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(signature, "sig.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("VP8L (lossless) header is damaged", ex.Message, StringComparison.Ordinal);

            byte[] size = (byte[])lossless.Clone();
            size[21] ^= 0xFF;
            size[22] ^= 0x0F;
            ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(size, "size.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.DoesNotContain("InvalidInput", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("xs1n0g01.png")]
        [InlineData("xcrn0g04.png")]
        [InlineData("xhdn0g08.png")]
        [InlineData("xc9n2c08.png")]
        [InlineData("xd9n2c08.png")]
        public void AHeaderOnlyLookNamesADamagedPngHeaderToo(string file)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(Sample(file)));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Equal(ImageFormat.Png, ex.Format);
        }

        /// <summary>
        /// PngSuite gamma and cHRM files against references made by Samples/pngref-19c.py: the PNG specification's
        /// display (linear = sample^(1/gAMA); cHRM primaries and white Bradford-adapted to sRGB; then sRGB-encoded), as
        /// colour-managed viewers (skcms, qcms) show them.
        /// </summary>
        [Theory]
        [InlineData("g03n2c08.png")]
        [InlineData("g04n2c08.png")]
        [InlineData("g10n2c08.png")]
        [InlineData("g25n2c08.png")]
        [InlineData("g25n0g16.png")]
        [InlineData("ccwn2c08.png")]
        [InlineData("basn2c16.png")]
        public void PngSuiteGammaChrmAnd16BitFilesEndAsSrgbAsAColourManagedViewerShowsThem(string file)
        {
            PreparedImage image = ImagePreparer.Prepare(Sample(file), new PrepareOptions { Format = PreparedFormat.Png });
            // gAMA 0.45 with sRGB's primaries is sRGB in all but name and may pass through; every other one is converted.
            Assert.Equal(file == "g04n2c08.png" ? PrepareAction.Pass : PrepareAction.Reencode, image.Action);
            byte[] mine = Rgba(image.Bytes, out int w, out int h);
            byte[] reference = Rgba(File.ReadAllBytes(Sample(Path.ChangeExtension(file, ".ref.png"))), out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            double psnr = TestCorpus.Psnr(mine, reference);
            Assert.True(psnr >= 45, $"{file}: {psnr:0.0} dB against the gamma-correct reference");
        }

        [Fact]
        public void PngSuiteGammaFilesAllLookTheSameOnceConverted()
        {
            // The suite's gamma files hold the same picture encoded for file gammas 0.35 to 2.5: shown right, they agree.
            double[] means = new[] { "g03n2c08.png", "g04n2c08.png", "g10n2c08.png", "g25n2c08.png" }
                .Select(f => Rgba(ImagePreparer.Prepare(Sample(f), new PrepareOptions { Format = PreparedFormat.Png }).Bytes, out _, out _))
                .Select(p => p.Where((_, i) => i % 4 != 3).Average(b => (double)b))
                .ToArray();
            Assert.True(means.Max() - means.Min() < 4, "means " + string.Join(", ", means.Select(m => m.ToString("0.0"))));
        }

        [Fact]
        public void SixteenBitPngIsConvertedNotPassedThrough()
        {
            PreparedImage image = ImagePreparer.Prepare(Sample("basn2c16.png"));
            Assert.NotEqual(PrepareAction.Pass, image.Action);
            Assert.True(image.MimeType == "image/jpeg" || ContainerHeaders.Png(image.Bytes)!.BitDepth == 8);
        }

        /// <summary>
        /// A 32-bit BMP with a 56-byte BITMAPV3INFOHEADER and an alpha mask, laid out as libwebp's test grid.bmp
        /// (16x16, opaque blue and half-transparent red): Skia's codec drops such alpha.
        /// </summary>
        [Fact]
        public void A32BitV3BmpKeepsItsAlpha()
        {
            byte[] bmp = V3Bmp(16, 16, (x, y) => ((x + y) % 2 == 0) ? 0xFF0000FFu : 0x80FF0000u);
            PreparedImage image = ImagePreparer.Prepare(bmp, "grid.bmp");
            Assert.Equal("image/png", image.MimeType);
            Assert.True(ImageProbe.Probe(bmp, "grid.bmp").HasAlpha);
            byte[] rgba = Rgba(image.Bytes, out int w, out _);
            // (1,0) is red at alpha 128; (0,0) is opaque blue.
            Assert.Equal(new byte[] { 0, 0, 255, 255 }, rgba.AsSpan(0, 4).ToArray());
            Assert.Equal(255, rgba[4]);
            Assert.InRange(rgba[7], 127, 129);
            Assert.Equal(16, w);
        }

        [Fact]
        public void A32BitV3BmpWhoseAlphaIsAllZeroIsOpaque()
        {
            byte[] bmp = V3Bmp(8, 8, (x, y) => 0x00336699u);
            PreparedImage image = ImagePreparer.Prepare(bmp, "zero-alpha.bmp");
            byte[] rgba = Rgba(image.Bytes, out _, out _);
            Assert.True(rgba.Where((_, i) => i % 4 == 3).All(a => a == 255));
            Assert.Equal(new byte[] { 0x33, 0x66, 0x99 }, rgba.AsSpan(0, 3).ToArray());
        }

        /// <summary>
        /// A 32-bit BMP with the plain 40-byte BITMAPINFOHEADER (BI_RGB) whose fourth byte holds real alpha, as many tools
        /// write it: ImageMagick (and vips through it) and Firefox read that byte as alpha when some pixel uses it; Skia
        /// (Chrome) and Pillow drop it. Transparency that is there is kept; a fourth byte all 0 stays opaque.
        /// </summary>
        [Fact]
        public void A32BitBiRgbBmpWhoseFourthByteIsUsedKeepsItsAlpha()
        {
            byte[] bmp = InfoHeaderBmp32(16, 8, (x, y) => x < 8 ? 0xFF2040C0u : 0x40C08020u);
            Assert.True(ImageProbe.Probe(bmp, "rgba40.bmp").HasAlpha);
            PreparedImage image = ImagePreparer.Prepare(bmp, "rgba40.bmp");
            Assert.Equal("image/png", image.MimeType);
            byte[] rgba = Rgba(image.Bytes, out int w, out _);
            Assert.Equal(16, w);
            Assert.Equal(new byte[] { 0x20, 0x40, 0xC0, 255 }, rgba.AsSpan(0, 4).ToArray());
            // Translucent colour goes through premultiplied alpha: within a level or two.
            Assert.InRange(rgba[12 * 4], 0xC0 - 2, 0xC0 + 2);
            Assert.InRange(rgba[(12 * 4) + 1], 0x80 - 2, 0x80 + 2);
            Assert.InRange(rgba[(12 * 4) + 2], 0x20 - 2, 0x20 + 2);
            Assert.InRange(rgba[(12 * 4) + 3], 63, 65);

            byte[] unused = InfoHeaderBmp32(16, 8, (x, y) => 0x00336699u);
            Assert.False(ImageProbe.Probe(unused, "rgb40.bmp").HasAlpha);
            byte[] opaque = Rgba(ImagePreparer.Prepare(unused, "rgb40.bmp").Bytes, out _, out _);
            Assert.True(opaque.Where((_, i) => i % 4 == 3).All(a => a == 255));
            Assert.Equal(new byte[] { 0x33, 0x66, 0x99 }, opaque.AsSpan(0, 3).ToArray());

            // A fourth byte of 255 everywhere is opaque, and says nothing a decoder that drops it would miss.
            Assert.False(ContainerHeaders.BmpAlphaMaskSkiaIgnores(InfoHeaderBmp32(16, 8, (x, y) => 0xFF336699u)));
            Assert.True(ContainerHeaders.BmpAlphaMaskSkiaIgnores(InfoHeaderBmp32(16, 8, (x, y) => x == 3 ? 0x00336699u : 0xFF336699u)));
        }

        [Fact]
        public void ABmpWrappingAPngStreamIsRefusedAsUnsupportedInPlainWords()
        {
            // BI_PNG (compression 5), as wuffs' test/data/rgb24png.bmp: the pixel data is a whole PNG file.
            byte[] png = File.ReadAllBytes(Sample("g04n2c08.png"));
            byte[] bmp = new byte[14 + 40 + png.Length];
            bmp[0] = (byte)'B';
            bmp[1] = (byte)'M';
            BitConverter.GetBytes(bmp.Length).CopyTo(bmp, 2);
            BitConverter.GetBytes(54).CopyTo(bmp, 10);
            BitConverter.GetBytes(40).CopyTo(bmp, 14);
            BitConverter.GetBytes(32).CopyTo(bmp, 18);
            BitConverter.GetBytes(32).CopyTo(bmp, 22);
            BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
            BitConverter.GetBytes(5).CopyTo(bmp, 30);
            BitConverter.GetBytes(png.Length).CopyTo(bmp, 34);
            png.CopyTo(bmp, 54);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(bmp, "rgb24png.bmp"));
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains("wraps a PNG stream", ex.Message, StringComparison.Ordinal);
        }

        /// <summary>A bottom-up 32-bit BI_BITFIELDS BMP with a 56-byte header and masks R 00ff0000, G 0000ff00, B 000000ff, A ff000000.</summary>
        internal static byte[] V3Bmp(int width, int height, Func<int, int, uint> argb)
        {
            int pixels = width * height * 4;
            byte[] b = new byte[14 + 56 + pixels];
            b[0] = (byte)'B';
            b[1] = (byte)'M';
            BitConverter.GetBytes(b.Length).CopyTo(b, 2);
            BitConverter.GetBytes(14 + 56).CopyTo(b, 10);
            BitConverter.GetBytes(56).CopyTo(b, 14);
            BitConverter.GetBytes(width).CopyTo(b, 18);
            BitConverter.GetBytes(height).CopyTo(b, 22);
            BitConverter.GetBytes((short)1).CopyTo(b, 26);
            BitConverter.GetBytes((short)32).CopyTo(b, 28);
            BitConverter.GetBytes(3).CopyTo(b, 30);
            BitConverter.GetBytes(pixels).CopyTo(b, 34);
            BitConverter.GetBytes(0x00FF0000u).CopyTo(b, 54);
            BitConverter.GetBytes(0x0000FF00u).CopyTo(b, 58);
            BitConverter.GetBytes(0x000000FFu).CopyTo(b, 62);
            BitConverter.GetBytes(0xFF000000u).CopyTo(b, 66);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    // Rows are stored bottom-up.
                    BitConverter.GetBytes(argb(x, y)).CopyTo(b, 70 + ((((height - 1 - y) * width) + x) * 4));
                }
            }
            return b;
        }

        /// <summary>A bottom-up 32-bit BMP with a 40-byte BITMAPINFOHEADER and BI_RGB: B, G, R and a fourth byte per pixel.</summary>
        internal static byte[] InfoHeaderBmp32(int width, int height, Func<int, int, uint> argb)
        {
            int pixels = width * height * 4;
            byte[] b = new byte[14 + 40 + pixels];
            b[0] = (byte)'B';
            b[1] = (byte)'M';
            BitConverter.GetBytes(b.Length).CopyTo(b, 2);
            BitConverter.GetBytes(14 + 40).CopyTo(b, 10);
            BitConverter.GetBytes(40).CopyTo(b, 14);
            BitConverter.GetBytes(width).CopyTo(b, 18);
            BitConverter.GetBytes(height).CopyTo(b, 22);
            BitConverter.GetBytes((short)1).CopyTo(b, 26);
            BitConverter.GetBytes((short)32).CopyTo(b, 28);
            BitConverter.GetBytes(pixels).CopyTo(b, 34);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    BitConverter.GetBytes(argb(x, y)).CopyTo(b, 54 + ((((height - 1 - y) * width) + x) * 4));
                }
            }
            return b;
        }

        /// <summary>Decodes encoded bytes to unpremultiplied 8-bit RGBA (sRGB).</summary>
        internal static byte[] Rgba(byte[] encoded, out int width, out int height)
        {
            using var codec = SKCodec.Create(new MemoryStream(encoded)) ?? throw new InvalidOperationException("undecodable output");
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb());
            using var bitmap = new SKBitmap(info);
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
            width = info.Width;
            height = info.Height;
            return bitmap.Bytes;
        }
    }
}

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// PNGs tagged HLG by an ICC profile alone (libjxl's BT.2100 HLG profile; Samples/NOTICE-19c.md): ended in sRGB as
    /// the profile says (lcms2 reference), never passed through as if the samples were sRGB.
    /// </summary>
    public class HlgIccPngTests
    {
        [Theory]
        [InlineData("hlg-icc-8bit.png")]
        [InlineData("hlg-icc-16bit.png")]
        public void AnHlgIccPngEndsInSrgbAsLcmsConvertsIt(string file)
        {
            PreparedImage image = ImagePreparer.Prepare(PublicSuiteTests.Sample(file), new PrepareOptions { Format = PreparedFormat.Png });
            Assert.NotEqual(PrepareAction.Pass, image.Action);
            byte[] mine = PublicSuiteTests.Rgba(image.Bytes, out int w, out int h);
            byte[] reference = PublicSuiteTests.Rgba(File.ReadAllBytes(PublicSuiteTests.Sample(Path.ChangeExtension(file, ".ref.png"))), out int rw, out int rh);
            Assert.Equal((rw, rh), (w, h));
            double psnr = TestCorpus.Psnr(mine, reference);
            Assert.True(psnr >= 45, $"{file}: {psnr:0.0} dB against lcms2");
        }

        [Fact]
        public void AnEightBitHlgIccPngIsNotPassedThroughByDefault()
        {
            Assert.NotEqual(PrepareAction.Pass, ImagePreparer.Prepare(PublicSuiteTests.Sample("hlg-icc-8bit.png")).Action);
        }
    }
}
