using System;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Damage libwebp and libpng's APNG readers refuse, each named for what it is: a lossy WebP's ALPH chunk (not its
    /// colour), an APNG's later frames. -AllowPartial sends what truly decodes, and says what is lost.
    /// </summary>
    public class WebPAndApngDamageTests
    {
        private static readonly PrepareOptions Partial = new() { AllowPartial = true };

        /// <summary>A lossy WebP with transparency (VP8X, ALPH, VP8): a red field whose alpha falls from left to right.</summary>
        private static byte[] LossyWithAlpha()
        {
            using var bmp = new SKBitmap(new SKImageInfo(160, 120, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (int y = 0; y < 120; y++)
            {
                for (int x = 0; x < 160; x++)
                {
                    bmp.SetPixel(x, y, new SKColor(200, 40, 40, (byte)(255 - x)));
                }
            }
            byte[] webp = bmp.Encode(SKEncodedImageFormat.Webp, 80).ToArray();
            Assert.Equal("VP8X", System.Text.Encoding.ASCII.GetString(webp, 12, 4));
            return webp;
        }

        private static int ChunkAt(byte[] webp, string fourcc)
        {
            for (int at = 12; at + 8 <= webp.Length; at += 8 + (int)((BitConverter.ToUInt32(webp, at + 4) + 1) & ~1u))
            {
                if (System.Text.Encoding.ASCII.GetString(webp, at, 4) == fourcc)
                {
                    return at;
                }
            }
            throw new InvalidOperationException($"no {fourcc} chunk");
        }

        [Theory]
        [InlineData(null)]
        [InlineData(48)]
        public void ALossyWebPWhoseAlphChunkIsCorruptIsRefusedNamingTheAlphaNotTheColour(int? maxSide)
        {
            byte[] webp = LossyWithAlpha();
            int alph = ChunkAt(webp, "ALPH");
            // The alpha plane's compressed data (after its one-byte header), sizes intact.
            for (int i = alph + 8 + 1; i < alph + 8 + 4; i++)
            {
                webp[i] ^= 0xA5;
            }
            var options = new PrepareOptions { MaxSide = maxSide ?? 2048 };
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(webp, "alpha.webp", options));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("its ALPH chunk (the image's transparency) is corrupt", ex.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("VP8/VP8L bitstream", ex.Detail, StringComparison.Ordinal);
            Assert.Contains("-AllowPartial", ex.Message, StringComparison.Ordinal);

            // The colour decodes whole: -AllowPartial sends it, opaque, and says the transparency is lost.
            PreparedImage image = ImagePreparer.Prepare(webp, "alpha.webp", new PrepareOptions { MaxSide = options.MaxSide, AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, image.Action);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("ALPH chunk", warning, StringComparison.Ordinal);
            Assert.Contains("Its transparency is lost: the image is sent opaque, with all of its colour.", warning, StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            SKColor centre = sent.GetPixel(sent.Width / 2, sent.Height / 2);
            Assert.Equal(255, centre.Alpha);
            Assert.InRange(centre.Red, 185, 215);
            Assert.InRange(centre.Green, 25, 55);
        }

        [Fact]
        public void AnIntactLossyWebPWithAlphaIsSentWithItsTransparencyAndNoWarning()
        {
            foreach (int maxSide in new[] { 2048, 48 })
            {
                PreparedImage image = ImagePreparer.Prepare(LossyWithAlpha(), "alpha.webp", new PrepareOptions { MaxSide = maxSide });
                Assert.Empty(image.Warnings);
                Assert.Equal(maxSide == 48 ? PrepareAction.Reencode : PrepareAction.Pass, image.Action);
                using SKBitmap sent = SKBitmap.Decode(image.Bytes);
                Assert.True(sent.GetPixel(sent.Width - 2, sent.Height / 2).Alpha < 160);
            }
        }

    }
}
