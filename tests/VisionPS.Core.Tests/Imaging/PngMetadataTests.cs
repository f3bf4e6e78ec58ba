using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;
using static VisionPS.Core.Tests.Imaging.TestPngChunks;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A PNG that passes through is sent without metadata that only costs request bytes (a generator's 1.5 MB workflow
    /// in tEXt, an XMP history in iTXt, an editor's private chunk, a camera's whole EXIF), losslessly: its pixel data and
    /// the chunks that decide its colours and orientation go out byte for byte. Small metadata leaves the file untouched.
    /// </summary>
    public sealed class PngMetadataTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-pngmeta-" + Guid.NewGuid().ToString("N"));

        public PngMetadataTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        /// <summary>A small RGB PNG ImageMagick writes with gAMA 1/2.2 and sRGB's cHRM (it passes through), its chunks listed.</summary>
        private byte[] BasePng()
        {
            string file = Path.Combine(_dir, "base.png");
            TestCorpus.Run("convert", "-size", "200x120", "gradient:red-blue", "-define", "png:exclude-chunk=date,time", "png24:" + file);
            return File.ReadAllBytes(file);
        }

        /// <summary>The PNG with <paramref name="before"/> inserted before its first IDAT and <paramref name="after"/> before IEND.</summary>
        private static byte[] With(byte[] png, IEnumerable<byte[]> before, IEnumerable<byte[]> after)
        {
            var chunks = Chunks(png);
            int idat = chunks.FindIndex(c => c.Type == "IDAT");
            var output = new List<byte>(png.Take(8));
            for (int i = 0; i < chunks.Count; i++)
            {
                if (i == idat)
                {
                    output.AddRange(before.SelectMany(c => c));
                }
                if (chunks[i].Type == "IEND")
                {
                    output.AddRange(after.SelectMany(c => c));
                }
                output.AddRange(chunks[i].Whole);
            }
            return output.ToArray();
        }

        /// <summary>A little-endian EXIF block with orientation 1 and a large maker note, as a camera writes one.</summary>
        private static byte[] CameraExif(int padding)
        {
            var tiff = new List<byte> { (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 2, 0 };
            tiff.AddRange(new byte[] { 0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0 });                  // Orientation 1
            tiff.AddRange(new byte[] { 0x7C, 0x92, 7, 0 }.Concat(BitConverter.GetBytes(padding)).Concat(BitConverter.GetBytes(38))); // MakerNote
            tiff.AddRange(new byte[4]);
            tiff.AddRange(Enumerable.Repeat((byte)0x5A, padding));
            return tiff.ToArray();
        }

        [Fact]
        public void BulkyMetadataIsLeftOutAndTheRestGoesOutByteForByte()
        {
            byte[] plain = BasePng();
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(plain, "plain.png").Action);
            byte[] workflow = [.. "prompt\0"u8, .. Enumerable.Repeat((byte)'{', 1_500_000)];
            byte[] png = With(plain,
                [Chunk("tEXt", workflow), Chunk("zTXt", [.. "Comment\0\0"u8, .. new byte[] { 0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 }]),
                 Chunk("eXIf", CameraExif(200_000)), Chunk("prVW", new byte[40_000])],
                [Chunk("iTXt", [.. "XML:com.adobe.xmp\0\0\0\0\0"u8, .. Enumerable.Repeat((byte)'x', 300_000)]), Chunk("tIME", new byte[] { 7, 234, 12, 2, 12, 0, 0 })]);

            PreparedImage sent = ImagePreparer.Prepare(png, "workflow.png", new PrepareOptions { MaxBytes = 20 * 1024 * 1024 });

            Assert.Equal(PrepareAction.Pass, sent.Action);
            Assert.True(sent.Bytes.Length < plain.Length + 200, $"{sent.Bytes.Length} bytes sent for a {plain.Length}-byte picture");
            var kept = Chunks(sent.Bytes);
            Assert.DoesNotContain(kept, c => c.Type is "tEXt" or "zTXt" or "iTXt" or "tIME" or "prVW");
            // Every chunk of the picture itself is there unchanged and in order; the EXIF is cut to its orientation.
            Assert.Equal(Chunks(plain).Select(c => Convert.ToBase64String(c.Whole)),
                kept.Where(c => c.Type != "eXIf").Select(c => Convert.ToBase64String(c.Whole)));
            Assert.Contains(kept, c => c.Type == "gAMA");
            Assert.Contains(kept, c => c.Type == "cHRM");
            (string _, byte[] exif) = Assert.Single(kept, c => c.Type == "eXIf");
            Assert.Equal(1, ExifOrientation.FromPng(sent.Bytes));
            Assert.True(exif.Length < 64, "the camera's EXIF was sent whole");
        }

        [Fact]
        public void TextJustOverTheThresholdIsLeftOut()
        {
            byte[] plain = BasePng();
            byte[] png = With(plain, [Chunk("tEXt", [.. "parameters\0"u8, .. Enumerable.Repeat((byte)'p', (int)PngMetadata.MaxKeptMetadataBytes)])], []);
            byte[] stripped = PngMetadata.WithoutBulkyMetadata(png);
            Assert.Equal(plain, stripped);
        }

        /// <summary>
        /// The HDR chunks under both spellings: mDCV/cLLI (PNG third edition) and mDCv/cLLi (its drafts, which encoders
        /// wrote first): both are kept when the text around them is left out.
        /// </summary>
        [Theory]
        [InlineData("mDCV", "cLLI")]
        [InlineData("mDCv", "cLLi")]
        public void HdrChunksAreKeptUnderEitherSpelling(string mastering, string light)
        {
            byte[] plain = BasePng();
            byte[] mdcv = Chunk(mastering, new byte[24]), clli = Chunk(light, new byte[8]);
            byte[] png = With(plain, [mdcv, clli, Chunk("tEXt", [.. "parameters\0"u8, .. Enumerable.Repeat((byte)'p', 100_000)])], []);
            var kept = Chunks(PngMetadata.WithoutBulkyMetadata(png));
            Assert.DoesNotContain(kept, c => c.Type == "tEXt");
            Assert.Contains(kept, c => c.Type == mastering && c.Whole.SequenceEqual(mdcv));
            Assert.Contains(kept, c => c.Type == light && c.Whole.SequenceEqual(clli));
        }

        [Fact]
        public void SmallMetadataLeavesTheFileAsItIs()
        {
            byte[] plain = BasePng();
            byte[] png = With(plain, [Chunk("tEXt", [.. "Software\0"u8, .. Enumerable.Repeat((byte)'s', 2_000)])],
                [Chunk("iTXt", [.. "XML:com.adobe.xmp\0\0\0\0\0"u8, .. Enumerable.Repeat((byte)'x', 30_000)])]);
            PreparedImage sent = ImagePreparer.Prepare(png, "small.png");
            Assert.Equal(PrepareAction.Pass, sent.Action);
            Assert.Equal(png, sent.Bytes);
        }
    }
}
