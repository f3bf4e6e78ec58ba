using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A PNG that declares transparency is judged from its samples while its stream is proven (no second decode): the
    /// verdict must be the one a decoder's pixels give (Skia's, as libpng reads the file), for every colour type and bit
    /// depth, interlaced or not, whatever filter each row uses, and the pass-through follows it.
    /// </summary>
    public class PngAlphaScanTests
    {
        private static readonly int[] Adam7X0 = { 0, 4, 0, 2, 0, 1, 0 }, Adam7Y0 = { 0, 0, 4, 0, 2, 0, 1 };
        private static readonly int[] Adam7Dx = { 8, 8, 4, 4, 2, 2, 1 }, Adam7Dy = { 8, 8, 8, 4, 4, 2, 2 };

        /// <summary>
        /// A PNG built sample by sample: <paramref name="samples"/> gives each pixel's samples (grey, RGB, index, with
        /// alpha where the colour type has it); each row is filtered with type (row number mod 5) against the row above
        /// in its pass, so every filter is undone at every pixel size.
        /// </summary>
        internal static byte[] Build(int colorType, int depth, bool interlaced, int w, int h, Func<int, int, int[]> samples,
            byte[]? plte = null, byte[]? trns = null, bool trnsBeforePlte = false, List<byte[]>? rows = null)
        {
            int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
            int bpp = Math.Max(1, channels * depth / 8);
            var raw = new MemoryStream();
            int rowNumber = 0;
            IEnumerable<(int X0, int Y0, int Dx, int Dy)> passes = interlaced
                ? Enumerable.Range(0, 7).Select(p => (Adam7X0[p], Adam7Y0[p], Adam7Dx[p], Adam7Dy[p]))
                : new[] { (0, 0, 1, 1) };
            foreach ((int x0, int y0, int dx, int dy) in passes)
            {
                int pw = (w - x0 + dx - 1) / dx, ph = (h - y0 + dy - 1) / dy;
                if (pw <= 0 || ph <= 0)
                {
                    continue;
                }
                int rowBytes = ((pw * channels * depth) + 7) / 8;
                byte[] previous = new byte[rowBytes];
                for (int py = 0; py < ph; py++)
                {
                    byte[] row = new byte[rowBytes];
                    long bit = 0;
                    for (int px = 0; px < pw; px++)
                    {
                        foreach (int sample in samples(x0 + (px * dx), y0 + (py * dy)))
                        {
                            if (depth == 16)
                            {
                                row[bit / 8] = (byte)(sample >> 8);
                                row[(bit / 8) + 1] = (byte)sample;
                            }
                            else
                            {
                                row[bit / 8] |= (byte)(sample << (8 - depth - (int)(bit % 8)));
                            }
                            bit += depth;
                        }
                    }
                    int filter = rowNumber++ % 5;
                    raw.WriteByte((byte)filter);
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i >= bpp ? row[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
                        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                        int predictor = filter switch
                        {
                            1 => a,
                            2 => b,
                            3 => (a + b) / 2,
                            4 => pa <= pb && pa <= pc ? a : pb <= pc ? b : c,
                            _ => 0,
                        };
                        raw.WriteByte((byte)(row[i] - predictor));
                    }
                    previous = row;
                    rows?.Add(row);
                }
            }
            var z = new MemoryStream();
            using (var deflate = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
            {
                raw.Position = 0;
                raw.CopyTo(deflate);
            }
            byte[] ihdr = { 0, 0, (byte)(w >> 8), (byte)w, 0, 0, (byte)(h >> 8), (byte)h, (byte)depth, (byte)colorType, 0, 0, (byte)(interlaced ? 1 : 0) };
            IEnumerable<byte> png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.Concat(TestPngChunks.Chunk("IHDR", ihdr));
            IEnumerable<byte> palette = plte is null ? Array.Empty<byte>() : TestPngChunks.Chunk("PLTE", plte);
            IEnumerable<byte> transparency = trns is null ? Array.Empty<byte>() : TestPngChunks.Chunk("tRNS", trns);
            png = trnsBeforePlte ? png.Concat(transparency).Concat(palette) : png.Concat(palette).Concat(transparency);
            return png.Concat(TestPngChunks.Chunk("IDAT", z.ToArray())).Concat(TestPngChunks.Chunk("IEND", Array.Empty<byte>())).ToArray();
        }

        /// <summary>What a decoder's pixels say: some pixel of Skia's straight RGBA decode has alpha below 255.</summary>
        private static bool SkiaSeesTranslucency(byte[] png)
        {
            using var codec = SKCodec.Create(new MemoryStream(png));
            Assert.NotNull(codec);
            using var bmp = new SKBitmap(new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(bmp.Info, bmp.GetPixels()));
            return bmp.Pixels.Any(p => p.Alpha < 255);
        }

        /// <summary>
        /// A picture of the colour type and depth, every pixel opaque but (when <paramref name="translucentAt"/> is given)
        /// that one, and pixels close to transparent ones: a colour key matched in all but one channel, indices beside
        /// the transparent entry.
        /// </summary>
        internal static byte[] Picture(int colorType, int depth, bool interlaced, int w, int h, (int X, int Y)? translucentAt, int seed)
        {
            int max = (1 << depth) - 1;
            var rng = new Random(seed);
            bool Here(int x, int y) => translucentAt == (x, y);
            switch (colorType)
            {
                case 4:
                case 6:
                    int colours = colorType == 4 ? 1 : 3;
                    return Build(colorType, depth, interlaced, w, h, (x, y) =>
                        Enumerable.Range(0, colours).Select(_ => rng.Next(max + 1)).Append(Here(x, y) ? max / 2 : max).ToArray());
                case 3:
                    int entries = 1 << depth, transparent = entries / 2 == 0 ? entries - 1 : entries / 2;
                    byte[] plte = Enumerable.Range(0, entries * 3).Select(i => (byte)(i * 37)).ToArray();
                    // Entries after the tRNS chunk's last are opaque: the transparent one is its last.
                    byte[] trns = Enumerable.Range(0, transparent + 1).Select(i => (byte)(i == transparent ? 100 : 255)).ToArray();
                    return Build(3, depth, interlaced, w, h, (x, y) =>
                    {
                        int index = rng.Next(entries - 1);
                        return new[] { Here(x, y) ? transparent : index >= transparent ? index + 1 : index };
                    }, plte, trns);
                default:
                    int[] key = colorType == 0 ? new[] { max / 3 } : new[] { max / 3, max / 2, max / 5 };
                    byte[] keyBytes = key.SelectMany(k => new[] { (byte)(k >> 8), (byte)k }).ToArray();
                    return Build(colorType, depth, interlaced, w, h, (x, y) =>
                    {
                        if (Here(x, y))
                        {
                            return key;
                        }
                        int[] s;
                        do
                        {
                            s = key.Select((k, c) => rng.Next(4) == 0 && c < key.Length - 1 ? k : rng.Next(max + 1)).ToArray();
                        }
                        while (s.SequenceEqual(key));
                        return s;
                    }, trns: keyBytes);
            }
        }

        public static IEnumerable<object[]> Cases()
        {
            var kinds = new (int Type, int Depth)[]
            {
                (6, 8), (4, 8), (3, 1), (3, 2), (3, 4), (3, 8), (0, 1), (0, 2), (0, 4), (0, 8), (2, 8),
            };
            int seed = 1;
            foreach ((int type, int depth) in kinds)
            {
                foreach (bool interlaced in new[] { false, true })
                {
                    foreach ((int w, int h) in new[] { (37, 23), (5, 3) })
                    {
                        yield return new object[] { type, depth, interlaced, w, h, -1, -1, seed++ };
                        // A translucent pixel somewhere inside, and one at the very last pixel (the last row of the last pass).
                        var rng = new Random(seed);
                        yield return new object[] { type, depth, interlaced, w, h, rng.Next(w), rng.Next(h), seed++ };
                        yield return new object[] { type, depth, interlaced, w, h, w - 1, h - 1, seed++ };
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void TheScanJudgesAsTheDecodedPixelsDo(int type, int depth, bool interlaced, int w, int h, int tx, int ty, int seed)
        {
            bool translucent = tx >= 0;
            byte[] png = Picture(type, depth, interlaced, w, h, translucent ? (tx, ty) : null, seed);
            Assert.Equal(translucent, SkiaSeesTranslucency(png));
            ImageHeader header = ContainerHeaders.Png(png)!;

            PngAlphaScan scan = PngAlphaScan.For(png, header)!;
            Assert.NotNull(scan);
            Assert.Null(ImageIntegrity.PngChunks(png, out var idat) ?? ImageIntegrity.PngPixelStream(png, header, idat, out _, pixels: scan));
            Assert.Equal(translucent, scan.Translucent);

            // It passes through only when a pixel is not opaque; otherwise it is re-encoded without alpha.
            PreparedImage prepared = ImagePreparer.Prepare(png, "scan.png", new PrepareOptions { Model = "gpt-4o" });
            Assert.Equal(translucent ? PrepareAction.Pass : PrepareAction.Reencode, prepared.Action);
            if (translucent)
            {
                Assert.Equal(png, prepared.Bytes);
            }
            else
            {
                Assert.False(SkiaSeesTranslucency(prepared.Bytes) && prepared.MimeType == "image/png");
            }
        }

        /// <summary>
        /// 16-bit samples (never passed through) are left to the decoder: an alpha of 0xFFFE is below the maximum, yet
        /// opaque once narrowed to the 8 bits sent, by a rounding each decoder picks.
        /// </summary>
        [Theory]
        [InlineData(6)]
        [InlineData(4)]
        [InlineData(2)]
        [InlineData(0)]
        public void SixteenBitSamplesAreJudgedByTheDecoder(int type)
        {
            int channels = type switch { 0 => 1, 2 => 3, 4 => 2, _ => 4 };
            byte[] png = Build(type, 16, false, 9, 7, (x, y) => Enumerable.Repeat(x == 2 && y == 3 ? 0xFFFE : 0x1234, channels).ToArray(),
                trns: type is 0 or 2 ? Enumerable.Repeat(new byte[] { 0xFF, 0xFE }, channels).SelectMany(k => k).ToArray() : null);
            ImageHeader header = ContainerHeaders.Png(png)!;
            Assert.True(header.HasAlpha);
            Assert.Null(PngAlphaScan.For(png, header));
        }

        private sealed class RowCollector : PngScanlines
        {
            public RowCollector(ImageHeader header, int bitsPerPixel)
                : base(header, bitsPerPixel)
            {
            }

            public List<byte[]> Rows { get; } = new();

            protected override string? Row(ReadOnlySpan<byte> pixels, long width)
            {
                Rows.Add(pixels.ToArray());
                return null;
            }
        }

        /// <summary>Every row comes out as it went in, whatever its filter, pixel size or pass: random samples in all channels.</summary>
        [Theory]
        [InlineData(6, 8, false)]
        [InlineData(6, 16, true)]
        [InlineData(4, 8, true)]
        [InlineData(4, 16, false)]
        [InlineData(2, 8, true)]
        [InlineData(2, 16, false)]
        [InlineData(0, 2, true)]
        [InlineData(3, 4, false)]
        [InlineData(0, 16, true)]
        public void RowsAreUnfilteredExactly(int type, int depth, bool interlaced)
        {
            var rng = new Random(type * 100 + depth + (interlaced ? 1 : 0));
            int channels = type switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
            var expected = new List<byte[]>();
            byte[] png = Build(type, depth, interlaced, 61, 29, (x, y) => Enumerable.Range(0, channels).Select(_ => rng.Next(1 << depth)).ToArray(),
                plte: type == 3 ? new byte[48] : null, rows: expected);
            ImageHeader header = ContainerHeaders.Png(png)!;
            var collector = new RowCollector(header, channels * depth);

            Assert.Null(ImageIntegrity.PngChunks(png, out var idat) ?? ImageIntegrity.PngPixelStream(png, header, idat, out _, pixels: collector));
            Assert.Equal(expected.Count, collector.Rows.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i], collector.Rows[i]);
            }
        }

        public static IEnumerable<object[]> Unread() =>
            from kind in new[] { "key-out-of-range", "two-trns", "trns-before-plte", "trns-past-depth" }
            from usesIt in new[] { false, true }
            select new object[] { kind, usesIt };

        /// <summary>
        /// A grey key above what 8 bits can hold, a second tRNS chunk, a palette's tRNS before its PLTE or longer than its
        /// bit depth can index (libpng ignores the last three): the scan does not guess, and the pixels as the decoder gives them judge, as they did before.
        /// A file whose transparency the decoder ignores altogether is an opaque PNG to it, and passes through as one.
        /// </summary>
        [Theory]
        [MemberData(nameof(Unread))]
        public void ATransparencyTheScanDoesNotReadIsJudgedFromDecodedPixels(string kind, bool usesIt)
        {
            byte[] plte = { 255, 0, 0, 0, 255, 0 };
            int[] Index(int x, int y) => new[] { usesIt && x == 3 && y == 4 ? 1 : 0 };
            byte[] png = kind switch
            {
                "key-out-of-range" => Build(0, 8, false, 40, 30, (x, y) => new[] { usesIt && x == 3 && y == 4 ? 44 : (x * 7) & 0xFF }, trns: new byte[] { 1, 44 }),
                "trns-before-plte" => Build(3, 8, false, 40, 30, Index, plte, new byte[] { 255, 0 }, trnsBeforePlte: true),
                // A 1-bit palette indexes two colours: a tRNS of three entries is longer than that (libpng ignores it).
                "trns-past-depth" => Build(3, 1, false, 40, 30, Index, plte.Concat(plte).ToArray(), new byte[] { 0, 255, 255 }),
                _ => WithSecondTrns(Build(3, 8, false, 40, 30, Index, plte, new byte[] { 255, 0 })),
            };
            ImageHeader header = ContainerHeaders.Png(png)!;
            Assert.True(header.HasAlpha);
            Assert.Null(PngAlphaScan.For(png, header));

            bool decoderSees = SkiaSeesTranslucency(png);
            bool decoderOpaque;
            using (var codec = SKCodec.Create(new MemoryStream(png)))
            {
                decoderOpaque = codec.Info.AlphaType == SKAlphaType.Opaque;
            }
            Assert.False(decoderOpaque && decoderSees);
            if (kind == "two-trns")
            {
                // libpng keeps the first: index 1 is transparent, so the pixels decide.
                Assert.Equal(usesIt, decoderSees);
            }
            PreparedImage prepared = ImagePreparer.Prepare(png, "unread.png", new PrepareOptions { Model = "gpt-4o" });
            Assert.Equal(decoderSees || decoderOpaque ? PrepareAction.Pass : PrepareAction.Reencode, prepared.Action);
        }

        /// <summary>The PNG with a second tRNS chunk (every entry opaque) right after its first.</summary>
        private static byte[] WithSecondTrns(byte[] png)
        {
            var chunks = TestPngChunks.Chunks(png);
            int at = chunks.FindIndex(c => c.Type == "tRNS");
            chunks.Insert(at + 1, ("tRNS", TestPngChunks.Chunk("tRNS", new byte[] { 255, 255 })));
            return png.Take(8).Concat(chunks.SelectMany(c => c.Whole)).ToArray();
        }
    }
}
