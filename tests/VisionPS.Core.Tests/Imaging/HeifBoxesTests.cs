using System;
using System.Collections.Generic;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// What the HEIF/AVIF bytes handed to ImageMagick are changed to, on box layouts built here. The layout of the
    /// HEIF conformance suite's C046.heic (a primary item in 'meta' beside an image sequence in 'moov', brands msf1 and
    /// mif1) is the first case; that file has no licence statement, so it is not kept in the repository.
    /// </summary>
    public class HeifBoxesTests
    {
        private static byte[] Box(string type, params byte[][] content)
        {
            byte[] body = content.SelectMany(c => c).ToArray();
            int size = 8 + body.Length;
            return new[] { (byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size }
                .Concat(System.Text.Encoding.ASCII.GetBytes(type)).Concat(body).ToArray();
        }

        private static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);

        private static byte[] Ftyp(string major, params string[] compatible) =>
            Box("ftyp", Ascii(major), new byte[4], Ascii(string.Concat(compatible)));

        private static byte[] Meta(params byte[][] children) => Box("meta", new byte[4], children.SelectMany(c => c).ToArray());

        private static byte[] Pitm(ushort id) => Box("pitm", new byte[4], new[] { (byte)(id >> 8), (byte)id });

        private static byte[] Nclx(int primaries, int transfer, int matrix, bool full) =>
            Box("colr", Ascii("nclx"), new byte[] { 0, (byte)primaries, 0, (byte)transfer, 0, (byte)matrix, (byte)(full ? 0x80 : 0) });

        private static byte[] File(params byte[][] boxes) => boxes.SelectMany(b => b).ToArray();

        private static string Type(byte[] file, int offset) => System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);

        [Fact]
        public void APrimaryItemBesideASequenceHidesTheSequence()
        {
            byte[] file = File(Ftyp("msf1", "mif1", "msf1", "hevc", "iso8"), Meta(Box("hdlr", new byte[25]), Pitm(1003)),
                Box("moov", Box("mvhd", new byte[100])), Box("mdat", new byte[200]));
            byte[] result = HeifBoxes.ForMagick(file);
            Assert.Equal(file.Length, result.Length);
            List<HeifBoxes.Box> boxes = HeifBoxes.TopLevel(result, out bool exact);
            Assert.True(exact);
            Assert.Equal(new[] { "ftyp", "meta", "free", "mdat" }, boxes.Select(b => b.Type));
            Assert.Equal("mif1mif1mif1hevciso8", System.Text.Encoding.ASCII.GetString(result, 8, 4) + System.Text.Encoding.ASCII.GetString(result, 16, 16));
            Assert.Equal("moov", Type(file, boxes[2].Offset)); // the input is not changed
        }

        [Fact]
        public void ASequenceWithoutAPrimaryItemIsLeftAlone()
        {
            byte[] file = File(Ftyp("msf1", "msf1", "hevc"), Box("moov", new byte[40]), Box("mdat", new byte[200]));
            Assert.Same(file, HeifBoxes.ForMagick(file));
            byte[] noPitm = File(Ftyp("msf1", "mif1", "msf1"), Meta(Box("hdlr", new byte[25])), Box("moov", new byte[40]), Box("mdat", new byte[200]));
            Assert.Same(noPitm, HeifBoxes.ForMagick(noPitm));
        }

        [Fact]
        public void AFileShorterThanMagicksBrandReadGetsAFreeBox()
        {
            byte[] file = File(Box("ftyp", Ascii("mif3"), Ascii("avif")), Box("mini", new byte[81]));
            Assert.Equal(105, file.Length);
            byte[] result = HeifBoxes.ForMagick(file);
            Assert.Equal(HeifBoxes.MagickMagicBytes, result.Length);
            List<HeifBoxes.Box> boxes = HeifBoxes.TopLevel(result, out bool exact);
            Assert.True(exact);
            Assert.Equal(new[] { "ftyp", "mini", "free" }, boxes.Select(b => b.Type));
            Assert.Equal(ImageFormat.Avif, ImageProbe.Sniff(file));
        }

        /// <summary>A mif3 file cut inside its ftyp (found by the fuzzer) is sniffed without reading past the end.</summary>
        [Theory]
        [InlineData(12)]
        [InlineData(14)]
        [InlineData(15)]
        public void AMif3FileCutInsideItsFtypIsSniffedSafely(int length)
        {
            byte[] file = File(Box("ftyp", Ascii("mif3"), Ascii("avif")), Box("mini", new byte[20])).AsSpan(0, length).ToArray();
            Assert.Equal(ImageFormat.Heif, ImageProbe.Sniff(file));
            var ex = Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(file, "cut.heif"));
            Assert.Contains("cut.heif", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(2, 2, 2, true, 6)]
        [InlineData(2, 2, 2, false, 2)]
        [InlineData(1, 13, 6, true, 6)]
        [InlineData(1, 13, 2, true, 2)]
        public void OnlyAnAllUnspecifiedFullRangeNclxIsMadeExplicit(int primaries, int transfer, int matrix, bool full, int expectedMatrix)
        {
            byte[] colr = Nclx(primaries, transfer, matrix, full);
            byte[] file = File(Ftyp("avif", "mif1", "avif", "miaf"),
                Meta(Box("hdlr", new byte[25]), Pitm(1), Box("iprp", Box("ipco", Box("ispe", new byte[12]), colr), Box("ipma", new byte[12]))),
                Box("mdat", new byte[300]));
            byte[] result = HeifBoxes.ForMagick(file);
            int at = result.AsSpan().IndexOf("nclx"u8);
            Assert.True(at > 0);
            Assert.Equal((primaries, transfer, expectedMatrix), (result[at + 5], result[at + 7], result[at + 9]));
            Assert.Equal(full ? 0x80 : 0, result[at + 10]);
        }

        [Fact]
        public void OnlyALayeredImageWithOneIspeIsDeclaredAtItsLargestLayer()
        {
            byte[] Ispe(uint w, uint h) => Box("ispe", new byte[4], new[] { (byte)(w >> 24), (byte)(w >> 16), (byte)(w >> 8), (byte)w,
                (byte)(h >> 24), (byte)(h >> 16), (byte)(h >> 8), (byte)h });
            byte[] Make(params byte[][] properties) => File(Ftyp("avif", "mif1", "avif"),
                Meta(Box("hdlr", new byte[25]), Pitm(1), Box("iprp", Box("ipco", properties), Box("ipma", new byte[12]))), Box("mdat", new byte[64]));

            byte[] layered = Make(Ispe(360, 182), Box("a1op", new byte[] { 2 }), Box("lsel", new byte[] { 0xFF, 0xFF }));
            byte[]? widened = HeifBoxes.WithLargestLayerDeclared(layered, 360, 182, 1436, 730);
            Assert.NotNull(widened);
            int at = widened!.AsSpan().IndexOf("ispe"u8);
            Assert.Equal((1436L, 730L), (ContainerHeaders.U32(widened, at + 8), ContainerHeaders.U32(widened, at + 12)));
            Assert.Equal(360L, ContainerHeaders.U32(layered, at + 8)); // the input is not changed

            Assert.Null(HeifBoxes.WithLargestLayerDeclared(Make(Ispe(360, 182)), 360, 182, 1436, 730)); // not layered
            Assert.Null(HeifBoxes.WithLargestLayerDeclared(Make(Ispe(360, 182), Ispe(360, 182), Box("a1op", new byte[] { 2 })), 360, 182, 1436, 730));
            Assert.Null(HeifBoxes.WithLargestLayerDeclared(layered, 400, 182, 1436, 730)); // not the declared size
            Assert.Null(HeifBoxes.WithLargestLayerDeclared(layered, 360, 182, 360, 182)); // nothing larger
        }

        [Fact]
        public void HostileSizesDoNotThrow()
        {
            var rng = new Random(19);
            for (int i = 0; i < 2000; i++)
            {
                byte[] file = File(Ftyp("mif1", "mif1", "heic"), Meta(Pitm(1), Box("iprp", Box("ipco", Nclx(2, 2, 2, true)))), Box("moov", new byte[16]));
                for (int k = 0; k < 4; k++)
                {
                    file[rng.Next(file.Length)] = (byte)rng.Next(256);
                }
                byte[] cut = file.AsSpan(0, rng.Next(file.Length + 1)).ToArray();
                HeifBoxes.ForMagick(cut);
                HeifBoxes.WithLargestLayerDeclared(cut, 360, 182, 1436, 730);
            }
        }

        /// <summary>
        /// An 'iloc' (version 0) whose items each have <paramref name="extents"/> (offset, length) pairs of the given
        /// field sizes (in bytes), the same for every item, with base offset 0.
        /// </summary>
        private static byte[] Iloc(int offsetSize, int lengthSize, params (ushort Id, (ulong Offset, ulong Length)[] Extents)[] items)
        {
            var body = new List<byte> { 0, 0, 0, 0, (byte)((offsetSize << 4) | lengthSize), 0, (byte)(items.Length >> 8), (byte)items.Length };
            void Put(ulong v, int size)
            {
                for (int k = size - 1; k >= 0; k--)
                {
                    body.Add((byte)(v >> (8 * k)));
                }
            }
            foreach ((ushort id, (ulong Offset, ulong Length)[] extents) in items)
            {
                Put(id, 2);
                Put(0, 2); // data reference index
                Put((ulong)extents.Length, 2);
                foreach ((ulong offset, ulong length) in extents)
                {
                    Put(offset, offsetSize);
                    Put(length, lengthSize);
                }
            }
            return Box("iloc", body.ToArray());
        }

        /// <summary>
        /// An 'iloc' whose offset and length sizes are 0 has extents of no bytes: 65,535 items of 65,535 extents each
        /// were walked one by one (4 billion steps, 23 s for a 400 KB file).
        /// </summary>
        [Fact]
        public void AnIlocOfExtentsOfNoBytesIsNotWalkedExtentByExtent()
        {
            var items = new (ushort, (ulong, ulong)[])[65535];
            var extents = new (ulong, ulong)[0];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = ((ushort)(i + 1), extents);
            }
            byte[] iloc = Iloc(0, 0, items);
            for (int i = 0; i < items.Length; i++)
            {
                // Each item's extent count (its last two bytes) becomes 65,535.
                int at = 8 + 8 + (6 * i) + 4;
                iloc[at] = 0xFF;
                iloc[at + 1] = 0xFF;
            }
            byte[] file = File(Ftyp("avif", "avif", "mif1", "miaf"), Meta(Box("hdlr", new byte[25]), Pitm(1), iloc));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Null(HeifBoxes.ItemDataPastEnd(file, out bool primaryCut));
            Assert.False(primaryCut);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        }

        /// <summary>
        /// The primary image's data is cut, and an Exif item listed before it in 'iloc' is cut too: the walk stopped at
        /// the Exif item and said the primary was not cut (so -AllowPartial was offered for a file nothing of decodes).
        /// </summary>
        [Fact]
        public void ACutPrimaryIsFoundBehindACutExifItem()
        {
            byte[] file = File(Ftyp("avif", "avif", "mif1", "miaf"),
                Meta(Box("hdlr", new byte[25]), Pitm(2), Iloc(4, 4, (1, new[] { (100UL, 5000UL) }), (2, new[] { (120UL, 9000UL) }))));
            string? problem = HeifBoxes.ItemDataPastEnd(file, out bool primaryCut);
            Assert.Contains("item 1's data runs to byte 5100", problem);
            Assert.True(primaryCut);

            byte[] onlyExif = File(Ftyp("avif", "avif", "mif1", "miaf"),
                Meta(Box("hdlr", new byte[25]), Pitm(2), Iloc(4, 4, (1, new[] { (100UL, 5000UL) }), (2, new[] { (20UL, 10UL) }))));
            Assert.NotNull(HeifBoxes.ItemDataPastEnd(onlyExif, out primaryCut));
            Assert.False(primaryCut);
        }

        /// <summary>An extent at offset 2^64 - 1: offset plus length wrapped to 1, inside the file.</summary>
        [Fact]
        public void AnExtentWhoseOffsetWrapsIsPastTheEnd()
        {
            byte[] file = File(Ftyp("avif", "avif", "mif1", "miaf"),
                Meta(Box("hdlr", new byte[25]), Pitm(1), Iloc(8, 8, (1, new[] { (ulong.MaxValue, 2UL) }))));
            string? problem = HeifBoxes.ItemDataPastEnd(file, out bool primaryCut);
            Assert.Contains("runs to byte 18446744073709551617", problem);
            Assert.True(primaryCut);
        }
    }
}
