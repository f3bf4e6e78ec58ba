using System;
using System.IO;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// An animated PNG (APNG) is an animation, as an animated WebP or GIF is: Skia's codec reads only its default image
    /// (the IDAT), so the frame count comes from its acTL chunk. It is never passed through (the bytes would carry
    /// every frame, and what a service shows would depend on whether its decoder animates); its first frame is sent,
    /// with a warning that says which image that is when the default image is not one of the frames.
    /// </summary>
    public class AnimatedPngTests
    {
        private const int W = 40, H = 30;

        private static byte[] Be(uint v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };

        private static void Chunk(Stream output, string type, byte[] data) => output.Write(TestPngChunks.Chunk(type, data));

        /// <summary>The zlib stream of a solid <paramref name="r"/>,<paramref name="g"/>,<paramref name="b"/> RGB image.</summary>
        private static byte[] Solid(byte r, byte g, byte b)
        {
            byte[] raw = new byte[H * (1 + (W * 3))];
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    int at = (y * (1 + (W * 3))) + 1 + (x * 3);
                    (raw[at], raw[at + 1], raw[at + 2]) = (r, g, b);
                }
            }
            var z = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw);
            }
            return z.ToArray();
        }

        private static byte[] FrameControl(uint sequence) =>
            [.. Be(sequence), .. Be(W), .. Be(H), .. Be(0), .. Be(0), 0, 1, 0, 10, 0, 0];

        /// <summary>
        /// A red default image and green and blue frames: the default image is the first frame (an fcTL before the IDAT),
        /// or is no frame at all (<paramref name="hiddenDefault"/>), or the file is a still PNG with <paramref name="frames"/> 1.
        /// </summary>
        internal static byte[] Apng(bool hiddenDefault, int frames = 3, int? declared = null, int comment = 0)
        {
            var output = new MemoryStream();
            output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            Chunk(output, "IHDR", [.. Be(W), .. Be(H), 8, 2, 0, 0, 0]);
            Chunk(output, "acTL", [.. Be((uint)(declared ?? (hiddenDefault ? frames - 1 : frames))), .. Be(0)]);
            uint sequence = 0;
            if (!hiddenDefault)
            {
                Chunk(output, "fcTL", FrameControl(sequence++));
            }
            Chunk(output, "IDAT", Solid(200, 0, 0));
            if (comment > 0)
            {
                // A long tEXt comment between the default image and the later frames.
                Chunk(output, "tEXt", [.. "Comment\0"u8, .. Enumerable.Repeat((byte)'x', comment)]);
            }
            foreach (byte[] frame in new[] { Solid(0, 200, 0), Solid(0, 0, 200) }.Take(frames - 1))
            {
                Chunk(output, "fcTL", FrameControl(sequence++));
                Chunk(output, "fdAT", [.. Be(sequence++), .. frame]);
            }
            Chunk(output, "IEND", []);
            return output.ToArray();
        }

        [Fact]
        public void AnApngIsAnAnimationWhoseFirstFrameIsSentWithAWarningNotPassedThrough()
        {
            byte[] apng = Apng(hiddenDefault: false);
            ImageHeader header = ImageProbe.Probe(apng, "anim.png");
            Assert.Equal(3, header.FrameCount);
            Assert.False(ImagePreparer.HeaderAllowsPassThrough(header, new PrepareOptions()));

            PreparedImage image = ImagePreparer.Prepare(apng, "anim.png");

            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Contains("'anim.png' is an animation of 3 frames; the API takes still images, so only the first frame is sent.", image.Warnings);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SKColor(200, 0, 0), sent.GetPixel(W / 2, H / 2));
        }

        [Fact]
        public void AnApngWhoseDefaultImageIsNoFrameSaysTheDefaultImageIsSent()
        {
            // A default image outside the animation is often a "your viewer cannot animate" placeholder: the warning
            // says that it, not the animation's first frame, is what is sent.
            PreparedImage image = ImagePreparer.Prepare(Apng(hiddenDefault: true), "hidden.png");

            Assert.Equal(PrepareAction.Reencode, image.Action);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("default image is not one of its 2 animation frames", warning, StringComparison.Ordinal);
            Assert.Contains("the default image is sent", warning, StringComparison.Ordinal);

            image = ImagePreparer.Prepare(Apng(hiddenDefault: true, frames: 2), "hidden1.png");
            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Contains("not one of its 1 animation frame;", Assert.Single(image.Warnings), StringComparison.Ordinal);
        }

        /// <summary>
        /// An acTL that says one frame while more fcTL/fdAT frames follow (the APNG specification requires the two to
        /// agree): a viewer that follows the fcTL chunks plays them, so the file is an animation of the frames it holds,
        /// they are checked as any APNG's are, and the warning names the disagreement.
        /// </summary>
        [Fact]
        public void AnApngWhoseAcTlUndercountsItsFramesIsAnAnimationOfTheFramesItHolds()
        {
            byte[] apng = Apng(hiddenDefault: false, frames: 3, declared: 1);
            ImageHeader header = ImageProbe.Probe(apng, "under.png");
            Assert.Equal(3, header.FrameCount);
            Assert.False(ImagePreparer.HeaderAllowsPassThrough(header, new PrepareOptions()));

            PreparedImage image = ImagePreparer.Prepare(apng, "under.png");
            Assert.Equal(PrepareAction.Reencode, image.Action);
            string warning = Assert.Single(image.Warnings);
            Assert.Contains("is an animation of 3 frames", warning, StringComparison.Ordinal);
            Assert.Contains("its acTL chunk declares 1", warning, StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SKColor(200, 0, 0), sent.GetPixel(W / 2, H / 2));

            // Its extra frames are checked: a corrupt one is damage, as in any APNG.
            WebPAndApngDamageTests.Garble(apng, WebPAndApngDamageTests.PngChunks(apng, "fdAT")[1], 4 + 2, 3, b => (byte)~b);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(apng, "under.png"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.StartsWith("in animation frame 3,", ex.Detail, StringComparison.Ordinal);
        }

        /// <summary>
        /// An acTL that declares more frames than the file holds (a complete file, IEND and all): frames are missing, cut
        /// or edited out, so the file is damaged. It is refused as ImageDamaged naming the file and both counts; under
        /// -AllowPartial its first frame (which is whole) is sent with a warning saying what is missing. Its frame
        /// count is the frames it holds; when only one is left it is still no still PNG to pass through.
        /// </summary>
        [Theory]
        [InlineData(3, 5)]
        [InlineData(1, 2)]
        public void AnApngWhoseAcTlOvercountsItsFramesIsDamaged(int frames, int declared)
        {
            byte[] apng = Apng(hiddenDefault: false, frames: frames, declared: declared);
            Assert.Equal(frames, ImageProbe.Probe(apng, "missing.png").FrameCount);

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(apng, "missing.png"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("'missing.png'", ex.Message, StringComparison.Ordinal);
            string missing = $"its acTL chunk declares {declared} animation frames, but the file holds {frames}: {declared - frames} {(declared - frames == 1 ? "is" : "are")} missing";
            Assert.Contains(missing, ex.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(apng, "missing.png", new PrepareOptions { AllowPartial = true });
            Assert.Equal(PrepareAction.Reencode, image.Action);
            string warning = Assert.Single(image.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
            Assert.Contains("'missing.png'", warning, StringComparison.Ordinal);
            Assert.Contains(missing, warning, StringComparison.Ordinal);
            Assert.Contains("Its first frame, the one sent, decoded whole.", warning, StringComparison.Ordinal);
            using SKBitmap sent = SKBitmap.Decode(image.Bytes);
            Assert.Equal(new SKColor(200, 0, 0), sent.GetPixel(W / 2, H / 2));
        }

        /// <summary>
        /// A default image that is no frame and no frame after it (every fcTL/fdAT cut out): the file holds 0 frames, not
        /// the 1 the header counts for its default image, and an acTL of 1 is frames missing too.
        /// </summary>
        [Theory]
        [InlineData(1)]
        [InlineData(3)]
        public void AHiddenDefaultImageWithNoFramesHoldsNone(int declared)
        {
            byte[] apng = Apng(hiddenDefault: true, frames: 1, declared: declared);
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(apng, "gone.png"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            string missing = $"its acTL chunk declares {declared} animation frame{(declared == 1 ? "" : "s")}, but the file holds 0: {declared} {(declared == 1 ? "is" : "are")} missing";
            Assert.Contains(missing, ex.Message, StringComparison.Ordinal);

            PreparedImage image = ImagePreparer.Prepare(apng, "gone.png", new PrepareOptions { AllowPartial = true });
            Assert.Contains(image.Warnings, w => w.Contains("not one of its 0 animation frames", StringComparison.Ordinal));
            Assert.Contains(image.Warnings, w => w.Contains(missing, StringComparison.Ordinal)
                && w.Contains("Its default image, the one sent, decoded whole.", StringComparison.Ordinal));
        }

        /// <summary>
        /// Past 100,000 frames the walk stops: a complete file that holds all its declared frames is not called one
        /// whose frames are missing.
        /// </summary>
        [Fact]
        public void AWalkStoppedByTheFrameCapSaysNothingOfMissingFrames()
        {
            const int frames = 100_001;
            var output = new MemoryStream();
            output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            Chunk(output, "IHDR", [.. Be(W), .. Be(H), 8, 2, 0, 0, 0]);
            Chunk(output, "acTL", [.. Be(frames), .. Be(0)]);
            Chunk(output, "fcTL", FrameControl(0));
            Chunk(output, "IDAT", Solid(200, 0, 0));
            for (uint i = 1; i < frames; i++)
            {
                Chunk(output, "fcTL", FrameControl(i));
            }
            Chunk(output, "IEND", []);
            ImageHeader header = ImageProbe.Probe(output.ToArray(), "many.png");
            Assert.Equal(100_000, header.FrameCount);
            Assert.False(header.ApngFramesMissing);
        }

        /// <summary>
        /// An acTL that says 0 frames (the header counts at least one) while three follow: the warning names the number
        /// the chunk holds, not the count the header clamps it to.
        /// </summary>
        [Fact]
        public void TheAcTlDisagreementNamesTheNumberTheChunkHolds()
        {
            byte[] apng = Apng(hiddenDefault: false, frames: 3, declared: 0);
            Assert.Equal(3, ImageProbe.Probe(apng, "zero.png").FrameCount);
            string warning = Assert.Single(ImagePreparer.Prepare(apng, "zero.png").Warnings);
            Assert.Contains("is an animation of 3 frames (its acTL chunk declares 0, but its frame chunks hold 3)", warning, StringComparison.Ordinal);
        }

        /// <summary>
        /// An APNG's frame walk reads every chunk header after its default image (a hostile file can hold millions):
        /// preparing makes it once, whole or cut inside its last frame (the structure check's look at the header included).
        /// </summary>
        [Fact]
        public void PreparingAnApngWalksItsFramesOnce()
        {
            byte[] apng = Apng(hiddenDefault: false);
            int before = ContainerHeaders.ApngWalks;
            Assert.Equal(PrepareAction.Reencode, ImagePreparer.Prepare(apng, "anim.png").Action);
            Assert.Equal(1, ContainerHeaders.ApngWalks - before);

            int lastFrame = WebPAndApngDamageTests.PngChunks(apng, "fdAT")[^1];
            byte[] cut = apng.AsSpan(0, lastFrame + 8 + 20).ToArray();
            before = ContainerHeaders.ApngWalks;
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(cut, "cut.png"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Equal(1, ContainerHeaders.ApngWalks - before);
        }

        /// <summary>
        /// The header look reads a PNG's first 32 KB: frames past them were not counted, so Get-VisionImageInfo said one
        /// frame, not animated, for an APNG preparing warned about as 3 frames. When an APNG's walk reaches the end of
        /// what was read, the rest of the file is read (within the file budget) and its frames are counted.
        /// </summary>
        [Fact]
        public void TheHeaderLookCountsAnApngsFramesPastItsFirstBytes()
        {
            byte[] apng = Apng(hiddenDefault: false, frames: 3, declared: 1, comment: 360 * 1024);
            string path = Path.Combine(Path.GetTempPath(), $"visionps-apng-{Guid.NewGuid():N}.png");
            File.WriteAllBytes(path, apng);
            try
            {
                ImageHeader header = ImageProbe.Probe(path);
                Assert.Equal((3, true), (header.FrameCount, header.IsAnimated));
                Assert.Equal(apng.Length, header.ByteLength);
                Assert.Contains("is an animation of 3 frames", Assert.Single(ImagePreparer.Prepare(apng, "long.png").Warnings), StringComparison.Ordinal);

                // A stream that cannot seek, the same.
                using var pipe = new NonSeekable(apng);
                Assert.Equal(3, ImageProbe.Probe(pipe, "long.png").FrameCount);
            }
            finally
            {
                File.Delete(path);
            }
        }

        private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
        {
            public override bool CanSeek => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => base.Position; set => throw new NotSupportedException(); }
        }

        [Fact]
        public void AnApngOfOneFrameThatIsItsDefaultImageIsAStillPng()
        {
            byte[] still = Apng(hiddenDefault: false, frames: 1);
            PreparedImage image = ImagePreparer.Prepare(still, "one.png");
            Assert.Equal(PrepareAction.Pass, image.Action);
            Assert.Empty(image.Warnings);
        }
    }
}
