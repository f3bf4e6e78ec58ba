using System;
using System.Linq;
using ImageMagick;
using ImageMagick.Drawing;
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
            Assert.Contains("its ALPH chunk (the transparency) is corrupt", ex.Detail, StringComparison.Ordinal);
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

        [Fact]
        public void AnAnimatedWebPWhoseLaterFramesAlphChunkIsCorruptNamesTheAlphaOfThatFrame()
        {
            // Two lossy frames with transparency (each ANMF holds ALPH and VP8): frame 2's alpha data garbled, sizes intact.
            byte[] anim;
            using (var frames = new MagickImageCollection())
            {
                foreach (string colour in new[] { "#c8282880", "#2828c8a0" })
                {
                    var frame = new MagickImage(new MagickColor(colour), 64, 48);
                    frame.Draw(new Drawables().FillColor(new MagickColor("#20c82040")).Rectangle(8, 8, 40, 30));
                    frame.AnimationDelay = 10;
                    frames.Add(frame);
                }
                frames.First().Settings.SetDefine(MagickFormat.WebP, "lossless", false);
                anim = frames.ToByteArray(MagickFormat.WebP);
            }
            int seen = 0, alph = -1;
            for (int at = 12; at + 8 <= anim.Length; at += 8 + (int)((BitConverter.ToUInt32(anim, at + 4) + 1) & ~1u))
            {
                if (System.Text.Encoding.ASCII.GetString(anim, at, 4) == "ANMF" && ++seen == 2)
                {
                    alph = at + 8 + 16;
                }
            }
            Assert.True(alph > 0);
            Assert.Equal("ALPH", System.Text.Encoding.ASCII.GetString(anim, alph, 4));
            for (int i = alph + 8 + 1; i < alph + 8 + 4; i++)
            {
                anim[i] ^= 0xA5;
            }
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(anim, "anim.webp"));
            Assert.StartsWith("animation frame 2's ALPH chunk (the transparency) is corrupt", ex.Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void AWebPWhoseOddSizedChunkLacksItsPaddingByteIsDamagedNamingThePadNotAnInvalidHeader()
        {
            // A lossless WebP whose VP8L chunk has an odd size: without its padding byte (and the RIFF size made to
            // agree) libwebp's demuxer refuses it; the refusal said 'its header is invalid or damaged (the decoder rejects it)'.
            byte[] webp = Array.Empty<byte>();
            for (int width = 50; width < 90; width++)
            {
                using var bmp = new SKBitmap(new SKImageInfo(width, 40, SKColorType.Rgba8888, SKAlphaType.Opaque));
                var random = new Random(width);
                for (int y = 0; y < 40; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        bmp.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)(x * 3), (byte)(y * 5)));
                    }
                }
                webp = bmp.Encode(SKEncodedImageFormat.Webp, 100).ToArray();
                if ((BitConverter.ToUInt32(webp, 16) & 1) == 1 && System.Text.Encoding.ASCII.GetString(webp, 12, 4) == "VP8L")
                {
                    break;
                }
            }
            uint size = BitConverter.ToUInt32(webp, 16);
            Assert.Equal(1u, size & 1);
            Assert.Equal(20 + size + 1, (uint)webp.Length);
            byte[] unpadded = webp.AsSpan(0, webp.Length - 1).ToArray();
            BitConverter.TryWriteBytes(unpadded.AsSpan(4), (uint)(unpadded.Length - 8));
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(unpadded, "nopad.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Equal($"its VP8L chunk at byte 12 holds an odd number of bytes ({size}) and lacks the padding byte RIFF requires after it " +
                "(the file is one byte short: cut, or written wrong)", ex.Detail);
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(webp, "padded.webp").Action);
        }

        /// <summary>The offsets of an APNG's chunks of <paramref name="type"/>, in order.</summary>
        internal static int[] PngChunks(byte[] png, string type)
        {
            var list = new System.Collections.Generic.List<int>();
            for (int at = 8; at + 12 <= png.Length; at += 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at)))
            {
                if (System.Text.Encoding.ASCII.GetString(png, at + 4, 4) == type)
                {
                    list.Add(at);
                }
            }
            return list.ToArray();
        }

        /// <summary>Changes <paramref name="count"/> bytes of the chunk's data from <paramref name="from"/> and writes its CRC anew: the damage is inside, not in the chunk.</summary>
        internal static void Garble(byte[] png, int chunk, int from, int count, Func<byte, byte> change)
        {
            for (int i = chunk + 8 + from; i < chunk + 8 + from + count; i++)
            {
                png[i] = change(png[i]);
            }
            int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(chunk));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunk + 8 + length),
                System.IO.Hashing.Crc32.HashToUInt32(png.AsSpan(chunk + 4, length + 4)));
        }

        [Fact]
        public void AnApngWhoseLaterFrameIsCorruptInsideAnIntactChunkIsRefusedNamingTheFrame()
        {
            // A red default image (frame 1), then green and blue frames; frame 3's deflate data garbled, its CRC made to fit.
            byte[] apng = AnimatedPngTests.Apng(hiddenDefault: false);
            Garble(apng, PngChunks(apng, "fdAT")[1], 4 + 2, 3, b => (byte)~b);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(apng, "anim.png"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.StartsWith("in animation frame 3, the deflate stream inside its fdAT chunks is corrupt", ex.Detail, StringComparison.Ordinal);

            // Only the default image is sent: -AllowPartial sends it and says that it, the image sent, is whole.
            PreparedImage image = ImagePreparer.Prepare(apng, "anim.png", Partial);
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Contains(image.Warnings, w => w.StartsWith("'anim.png' (PNG) is damaged: in animation frame 3,", StringComparison.Ordinal)
                && w.EndsWith("Its first frame, the one sent, decoded whole.", StringComparison.Ordinal));
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SKColor(200, 0, 0), sent.GetPixel(20, 15));

            // A frame whose zlib stream is cut short (its Adler-32 lost) is damage too.
            byte[] adler = AnimatedPngTests.Apng(hiddenDefault: false);
            int last = PngChunks(adler, "fdAT")[1];
            int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(adler.AsSpan(last));
            Garble(adler, last, length - 4, 4, _ => 0);
            Assert.Contains("Adler-32", Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(adler, "adler.png")).Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void AnApngWhoseDefaultImageIsNoFrameAndWhoseFrameIsCorruptSaysTheDefaultImageSentIsWhole()
        {
            byte[] apng = AnimatedPngTests.Apng(hiddenDefault: true);
            Garble(apng, PngChunks(apng, "fdAT")[0], 4 + 2, 3, b => (byte)~b);
            Assert.StartsWith("in animation frame 1, ", Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(apng, "hidden.png")).Detail, StringComparison.Ordinal);
            PreparedImage image = ImagePreparer.Prepare(apng, "hidden.png", Partial);
            Assert.Contains(image.Warnings, w => w.Contains("in animation frame 1,", StringComparison.Ordinal)
                && w.EndsWith("Its default image, the one sent, decoded whole.", StringComparison.Ordinal));
        }

        [Fact]
        public void AnApngFrameOutsideItsCanvasIsDamage()
        {
            byte[] apng = AnimatedPngTests.Apng(hiddenDefault: false);
            // Frame 2's x offset (fcTL bytes 12-15) moved 10 pixels right: a 40-pixel frame on a 40-pixel canvas.
            Garble(apng, PngChunks(apng, "fcTL")[1], 15, 1, _ => 10);
            Assert.Equal("animation frame 2 (40x30 at 10,0) lies outside its 40x30 canvas",
                Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(apng, "moved.png")).Detail);
        }

        [Fact]
        public void TheFramesOfAnApngAreCheckedWithinTheDecodeBudgetAndTheRestIsNamed()
        {
            byte[] apng = AnimatedPngTests.Apng(hiddenDefault: false);
            Garble(apng, PngChunks(apng, "fdAT")[1], 4 + 2, 3, b => (byte)~b);
            // Room for the default image and one frame more: frame 3, the corrupt one, is not inflated, and a warning says so.
            // Every frame with fdAT data costs at least ImageIntegrity.MinFrameCost pixels: room for one such frame, not two.
            var tight = new PrepareOptions { Budget = new ImageBudget { MaxDecodedPixels = ImageIntegrity.MinFrameCost * 3 / 2 } };
            PreparedImage image = ImagePreparer.Prepare(apng, "anim.png", tight);
            Assert.Contains(image.Warnings, w => w.StartsWith("'anim.png': frames 3 to 3 of its animation were not checked for damage", StringComparison.Ordinal));
            Assert.DoesNotContain(image.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
        }

        private static byte[] Be(params uint[] values) => values.SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).ToArray();

        /// <summary>
        /// A grey <paramref name="size"/>-pixel-square APNG: a default image that is frame 1, and <paramref name="frames"/>
        /// frames more in fdAT chunks (after the IDAT, or before it as the specification forbids); with
        /// <paramref name="withData"/> false the later frames are fcTL chunks alone.
        /// </summary>
        private static byte[] GreyApng(int size, int frames, bool beforeIdat = false, bool withData = true)
        {
            var zlib = new System.IO.MemoryStream();
            using (var z = new System.IO.Compression.ZLibStream(zlib, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            {
                z.Write(new byte[(size + 1) * size]);
            }
            byte[] pixels = zlib.ToArray();
            uint sequence = 0;
            byte[] Control() => TestPngChunks.Chunk("fcTL", [.. Be(sequence++, (uint)size, (uint)size, 0, 0), 0, 1, 0, 10, 0, 0]);
            var later = new System.IO.MemoryStream();
            var first = new System.IO.MemoryStream();
            first.Write(Control());
            first.Write(TestPngChunks.Chunk("IDAT", pixels));
            for (int i = 0; i < frames; i++)
            {
                later.Write(Control());
                if (withData)
                {
                    later.Write(TestPngChunks.Chunk("fdAT", [.. Be(sequence++), .. pixels]));
                }
            }
            var png = new System.IO.MemoryStream();
            png.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            png.Write(TestPngChunks.Chunk("IHDR", [.. Be((uint)size, (uint)size), 8, 0, 0, 0, 0]));
            png.Write(TestPngChunks.Chunk("acTL", Be((uint)frames + 1, 0)));
            png.Write((beforeIdat ? later.ToArray().Concat(first.ToArray()) : first.ToArray().Concat(later.ToArray())).ToArray());
            png.Write(TestPngChunks.Chunk("IEND", []));
            return png.ToArray();
        }

        [Fact]
        public void AnApngWhoseFrameDataComesBeforeItsIdatIsDamagedNotInflatedFreeOfTheBudget()
        {
            // Frames before the IDAT were taken for the default image and inflated without being charged to the budget.
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(GreyApng(16, 2), "after.png").Action);
            byte[] before = GreyApng(16, 2, beforeIdat: true);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(before, "before.png"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Matches(@"^an fdAT chunk \(animation frame data\) at byte \d+ comes before the image's IDAT chunk, which the APNG specification forbids$", ex.Detail);
        }

        [Fact]
        public void EveryApngFrameWithDataCostsAtLeastTheMinimumAndTheWalkStopsAtTheFrameCap()
        {
            // A thousand 1x1 frames: each costs MinFrameCost pixels, so a budget of ten such frames stops at frame 12
            // (frame 1 is the default image, frames 2 to 11 fit).
            byte[] tiny = GreyApng(1, 1000);
            ImageHeader header = ContainerHeaders.Png(tiny)!;
            Assert.Null(ImageIntegrity.ApngFrames(tiny, header, ImageIntegrity.MinFrameCost * 10, out int firstUnchecked));
            Assert.Equal(12, firstUnchecked);
            Assert.Null(ImageIntegrity.ApngFrames(tiny, header, ImageBudget.DefaultMaxDecodedPixels, out firstUnchecked));
            Assert.Equal(0, firstUnchecked);

            // More frames than the cap (the acTL's count is capped there too): the walk stops after frame 100000.
            byte[] many = GreyApng(1, ImageIntegrity.MaxApngFrames, withData: false);
            ImageHeader manyHeader = ContainerHeaders.Png(many)!;
            Assert.Equal(ImageIntegrity.MaxApngFrames, manyHeader.FrameCount);
            Assert.Null(ImageIntegrity.ApngFrames(many, manyHeader, ImageBudget.DefaultMaxDecodedPixels, out firstUnchecked));
            Assert.Equal(ImageIntegrity.MaxApngFrames + 1, firstUnchecked);
        }

        [Fact]
        public void ALosslessWebPWithAnXyzLutProfileWhoseBitstreamLibwebpRefusesIsRefusedNamingTheBitstream()
        {
            // Such a file goes to lcms through ImageMagick, and was checked only for its container: ImageMagick's reader then
            // refused it in its own words ("its image data is corrupt (CorruptImage)"). libwebp now proves it first, as on the
            // Skia path. A noisy 300x200 lossless WebP, its VP8L Huffman codes near the start garbled.
            var rgb = new byte[300 * 200 * 3];
            var random = new Random(5);
            for (int i = 0; i < rgb.Length; i++)
            {
                rgb[i] = (byte)(((i / 3) % 300) + random.Next(40));
            }
            byte[] file;
            using (var image = new MagickImage(rgb, new PixelReadSettings(300, 200, StorageType.Char, PixelMapping.RGB)))
            {
                image.SetProfile(new ColorProfile(XyzLutProfileTests.XyzLut16Profile(cmyk: false)));
                image.Settings.SetDefine(MagickFormat.WebP, "lossless", true);
                file = image.ToByteArray(MagickFormat.WebP);
            }
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(ContainerHeaders.WebPIccProfile(file)!));
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(file, "lut.webp").Action);
            int vp8l = ChunkAt(file, "VP8L");
            for (int i = vp8l + 8 + 100; i < vp8l + 8 + 164; i++)
            {
                file[i] ^= 0x5A;
            }
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(file, "lut.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("VP8/VP8L bitstream is corrupt: libwebp cannot decode it", ex.Detail, StringComparison.Ordinal);
            // libwebp decodes none of it, and ImageMagick's reader gets nothing either: -AllowPartial is no way out.
            Assert.DoesNotContain("-AllowPartial", ex.Message, StringComparison.Ordinal);
            var none = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(file, "lut.webp", Partial));
            Assert.Equal(ex.Message, none.Message);
        }
    }
}
