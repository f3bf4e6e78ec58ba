using System;
using System.Linq;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using ImageMagick;
using SkiaSharp;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// PNG colour chunks (gAMA, cHRM, sRGB, iCCP) end as sRGB the way a colour-managed viewer shows them. The samples
    /// (PngSuite-like) are written at test time by a small chunk writer; the references are the PNG specification's
    /// own formulas (gAMA/cHRM) and ImageMagick's lcms conversion to sRGB (iCCP).
    /// </summary>
    public class ColourManagementTests
    {
        private const int W = 64, H = 48;
        private readonly ITestOutputHelper _output;

        public ColourManagementTests(ITestOutputHelper output) => _output = output;

        /// <summary>A gradient sweeping every channel through its range, as 8- or 16-bit RGB samples.</summary>
        internal static double[] Samples()
        {
            var s = new double[W * H * 3];
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    int i = ((y * W) + x) * 3;
                    s[i] = x / (W - 1.0);
                    s[i + 1] = y / (H - 1.0);
                    s[i + 2] = ((x + y) % 32) / 31.0;
                }
            }
            return s;
        }

        internal static byte[] Png(double[] samples, int bitDepth, params (string Type, byte[] Data)[] chunks)
        {
            using var raw = new MemoryStream();
            int bps = bitDepth / 8;
            for (int y = 0; y < H; y++)
            {
                raw.WriteByte(0);
                for (int x = 0; x < W * 3; x++)
                {
                    int v = (int)Math.Round(samples[(y * W * 3) + x] * (bitDepth == 16 ? 65535 : 255));
                    if (bps == 2)
                    {
                        raw.WriteByte((byte)(v >> 8));
                    }
                    raw.WriteByte((byte)v);
                }
            }
            var png = new MemoryStream();
            png.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            var ihdr = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(ihdr, W);
            BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), H);
            ihdr[8] = (byte)bitDepth;
            ihdr[9] = 2;
            WriteChunk(png, "IHDR", ihdr);
            foreach ((string type, byte[] data) in chunks)
            {
                WriteChunk(png, type, data);
            }
            WriteChunk(png, "IDAT", Zlib(raw.ToArray()));
            WriteChunk(png, "IEND", Array.Empty<byte>());
            return png.ToArray();
        }

        private static byte[] Zlib(byte[] data)
        {
            using var ms = new MemoryStream();
            using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(data);
            }
            return ms.ToArray();
        }

        private static void WriteChunk(Stream s, string type, byte[] data)
        {
            var head = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
            Encoding.ASCII.GetBytes(type, 0, 4, head, 4);
            s.Write(head);
            s.Write(data);
            var crcInput = new byte[4 + data.Length];
            Array.Copy(head, 4, crcInput, 0, 4);
            Array.Copy(data, 0, crcInput, 4, data.Length);
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(crcInput));
            s.Write(crc);
        }

        internal static (string, byte[]) Gama(double fileGamma)
        {
            var d = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(d, (uint)Math.Round(fileGamma * 100000));
            return ("gAMA", d);
        }

        private static (string, byte[]) Chrm(double[] whiteRgbXy)
        {
            var d = new byte[32];
            for (int i = 0; i < 8; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(i * 4), (uint)Math.Round(whiteRgbXy[i] * 100000));
            }
            return ("cHRM", d);
        }

        private static (string, byte[]) Iccp(byte[] profile)
        {
            byte[] z = Zlib(profile);
            var d = new byte[z.Length + 6];
            Encoding.ASCII.GetBytes("icc").CopyTo(d, 0);
            d[3] = 0;
            d[4] = 0;
            z.CopyTo(d, 5);
            return ("iCCP", d.AsSpan(0, z.Length + 5).ToArray());
        }

        private static readonly double[] s_srgbChrm = { 0.3127, 0.3290, 0.64, 0.33, 0.30, 0.60, 0.15, 0.06 };

        // BT.2020 primaries, D65 white: far wider than sRGB, so a pass-through would show every colour dull.
        private static readonly double[] s_bt2020Chrm = { 0.3127, 0.3290, 0.708, 0.292, 0.170, 0.797, 0.131, 0.046 };

        /// <summary>The prepared image decoded as 8-bit RGBA with no colour conversion (the output is untagged sRGB).</summary>
        internal static byte[] Pixels(PreparedImage image)
        {
            using var codec = SKCodec.Create(new SKMemoryStream(image.Bytes));
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var bitmap = new SKBitmap(info);
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
            return bitmap.Bytes;
        }

        private static double SrgbEncode(double l)
        {
            l = Math.Clamp(l, 0, 1);
            return l <= 0.0031308 ? 12.92 * l : (1.055 * Math.Pow(l, 1 / 2.4)) - 0.055;
        }

        /// <summary>RGB to XYZ for chromaticities (white, red, green, blue), white normalised to Y = 1.</summary>
        private static double[,] RgbToXyz(double[] c)
        {
            double[] Xyz(double x, double y) => new[] { x / y, 1, (1 - x - y) / y };
            double[] r = Xyz(c[2], c[3]), g = Xyz(c[4], c[5]), b = Xyz(c[6], c[7]), w = Xyz(c[0], c[1]);
            var m = new double[,] { { r[0], g[0], b[0] }, { r[1], g[1], b[1] }, { r[2], g[2], b[2] } };
            double[] s = Solve(m, w);
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    m[i, j] *= s[j];
                }
            }
            return m;
        }

        private static double[] Solve(double[,] m, double[] v)
        {
            double[,] inv = Invert(m);
            return new[]
            {
                (inv[0, 0] * v[0]) + (inv[0, 1] * v[1]) + (inv[0, 2] * v[2]),
                (inv[1, 0] * v[0]) + (inv[1, 1] * v[1]) + (inv[1, 2] * v[2]),
                (inv[2, 0] * v[0]) + (inv[2, 1] * v[1]) + (inv[2, 2] * v[2]),
            };
        }

        private static double[,] Invert(double[,] m)
        {
            double a = m[0, 0], b = m[0, 1], c = m[0, 2], d = m[1, 0], e = m[1, 1], f = m[1, 2], g = m[2, 0], h = m[2, 1], k = m[2, 2];
            double det = (a * ((e * k) - (f * h))) - (b * ((d * k) - (f * g))) + (c * ((d * h) - (e * g)));
            return new double[,]
            {
                { ((e * k) - (f * h)) / det, ((c * h) - (b * k)) / det, ((b * f) - (c * e)) / det },
                { ((f * g) - (d * k)) / det, ((a * k) - (c * g)) / det, ((c * d) - (a * f)) / det },
                { ((d * h) - (e * g)) / det, ((b * g) - (a * h)) / det, ((a * e) - (b * d)) / det },
            };
        }

        /// <summary>
        /// The PNG specification's display of a sample (light = sample^(1/gAMA), through the cHRM primaries) as sRGB,
        /// 8-bit RGBA; primaries null means sRGB's.
        /// </summary>
        private static byte[] SpecReference(double[] samples, double fileGamma, double[]? primaries)
        {
            double[,] m = primaries is null ? new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } : Mul(Invert(RgbToXyz(s_srgbChrm)), RgbToXyz(primaries));
            var rgba = new byte[W * H * 4];
            for (int p = 0; p < W * H; p++)
            {
                double[] lin = new double[3];
                for (int c = 0; c < 3; c++)
                {
                    lin[c] = Math.Pow(samples[(p * 3) + c], 1 / fileGamma);
                }
                for (int c = 0; c < 3; c++)
                {
                    double v = (m[c, 0] * lin[0]) + (m[c, 1] * lin[1]) + (m[c, 2] * lin[2]);
                    rgba[(p * 4) + c] = (byte)Math.Round(SrgbEncode(v) * 255);
                }
                rgba[(p * 4) + 3] = 255;
            }
            return rgba;
        }

        /// <summary>The samples as they are, 8-bit RGBA: what ignoring every colour chunk shows.</summary>
        private static byte[] RawSamples(double[] samples)
        {
            var rgba = new byte[W * H * 4];
            for (int p = 0; p < W * H; p++)
            {
                for (int c = 0; c < 3; c++)
                {
                    rgba[(p * 4) + c] = (byte)Math.Round(samples[(p * 3) + c] * 255);
                }
                rgba[(p * 4) + 3] = 255;
            }
            return rgba;
        }

        private static double[,] Mul(double[,] a, double[,] b)
        {
            var r = new double[3, 3];
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    r[i, j] = (a[i, 0] * b[0, j]) + (a[i, 1] * b[1, j]) + (a[i, 2] * b[2, j]);
                }
            }
            return r;
        }

        private PreparedImage PrepareLossless(byte[] png, string name)
        {
            PreparedImage image = ImagePreparer.Prepare(png, name, new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Equal((W, H), (image.Width, image.Height));
            return image;
        }

        public static IEnumerable<object[]> GammaCases() => new[]
        {
            new object[] { "gamma 2.5 (PngSuite g25)", 0.4, 8 },
            new object[] { "gamma 1.0 (linear, PngSuite g10)", 1.0, 8 },
            new object[] { "gamma 1.8 (old Mac)", 1 / 1.8, 8 },
            new object[] { "gamma 2.5, 16-bit", 0.4, 16 },
            new object[] { "gamma 1.0, 16-bit", 1.0, 16 },
        };

        /// <summary>A gAMA chunk alone: the samples are shown through that gamma with sRGB primaries, not passed through raw.</summary>
        [Theory]
        [MemberData(nameof(GammaCases))]
        public void GamaChunkIsConvertedToSrgb(string label, double fileGamma, int bitDepth)
        {
            double[] samples = Samples();
            byte[] png = Png(samples, bitDepth, Gama(fileGamma));
            PreparedImage image = PrepareLossless(png, label + ".png");
            Assert.NotEqual(PrepareAction.Pass, image.Action);
            double psnr = TestCorpus.Psnr(Pixels(image), SpecReference(samples, fileGamma, null));
            // Against the raw samples (what ignoring the chunk shows) the difference is large.
            double raw = TestCorpus.Psnr(Pixels(image), RawSamples(samples));
            _output.WriteLine($"{label}: {psnr:0.0} dB against the PNG-spec display; {raw:0.0} dB against the chunk ignored");
            Assert.True(psnr >= 40, $"{label}: {psnr:0.0} dB against the PNG specification's display of it");
        }

        /// <summary>cHRM primaries wider than sRGB (BT.2020) with gAMA 1/2.2: converted, even though the gamma alone looks like sRGB.</summary>
        [Fact]
        public void ChrmChunkWithWidePrimariesIsConvertedNotPassedThrough()
        {
            double[] samples = Samples();
            byte[] png = Png(samples, 8, Gama(1 / 2.2), Chrm(s_bt2020Chrm));
            PreparedImage image = ImagePreparer.Prepare(png, "bt2020-chrm.png");
            Assert.NotEqual(PrepareAction.Pass, image.Action);
            double psnr = TestCorpus.Psnr(Pixels(image), SpecReference(samples, 1 / 2.2, s_bt2020Chrm));
            _output.WriteLine($"cHRM BT.2020 + gAMA 1/2.2: {psnr:0.0} dB against the PNG-spec display");
            Assert.True(psnr >= 40, $"{psnr:0.0} dB against the PNG specification's display of it");
        }

        /// <summary>An sRGB chunk (with the gAMA/cHRM libpng writes beside it), or gAMA 1/2.2 with sRGB's cHRM: sRGB, passed through.</summary>
        [Fact]
        public void SrgbTaggedPngPassesThroughUnchanged()
        {
            double[] samples = Samples();
            foreach ((string label, byte[] png) in new[]
            {
                ("sRGB+gAMA+cHRM", Png(samples, 8, ("sRGB", new byte[] { 0 }), Gama(0.45455), Chrm(s_srgbChrm))),
                ("gAMA+sRGB cHRM", Png(samples, 8, Gama(0.45455), Chrm(s_srgbChrm))),
                ("gAMA 1/2.2", Png(samples, 8, Gama(0.45455))),
            })
            {
                PreparedImage image = ImagePreparer.Prepare(png, label + ".png");
                Assert.True(image.Action == PrepareAction.Pass, label + " was " + image.Action);
                Assert.Equal(png, image.Bytes);
            }
        }

        public static IEnumerable<object[]> IccCases() => new[]
        {
            new object[] { "AdobeRGB1998" },
            new object[] { "AppleRGB" },
            new object[] { "ColorMatchRGB" },
        };

        /// <summary>
        /// The profiles a re-encoded JPEG or BMP is converted from: <see cref="IccCases"/>, and sRGB's primaries with a
        /// plain 2.2 power curve (<see cref="Gamma22Profile"/>), which may pass through as sRGB in all but name, but
        /// which a decode that is converted anyway converts (it parts from sRGB's curve in the shadows).
        /// </summary>
        public static IEnumerable<object[]> ConvertedIccCases() => IccCases().Append(new object[] { Gamma22 });

        private const string Gamma22 = "Gamma22";

        private static IColorProfile Profile(string name) => name == Gamma22
            ? new ColorProfile(Gamma22Profile())
            : (IColorProfile)typeof(ColorProfiles).GetProperty(name)!.GetValue(null)!;

        /// <summary>
        /// A v2 RGB display profile: sRGB's primaries (D50-adapted, as sRGB profiles carry them) and a 2.2 power curve
        /// (u8Fixed8 0x0233), as libjxl writes for a gamma 2.2 image and some cameras and editors embed.
        /// </summary>
        internal static byte[] Gamma22Profile()
        {
            static byte[] S15(params double[] v) => v.SelectMany(d => { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, (int)Math.Round(d * 65536)); return b; }).ToArray();
            static byte[] Xyz(params double[] v) => [.. "XYZ "u8, 0, 0, 0, 0, .. S15(v)];
            byte[] name = Encoding.ASCII.GetBytes("sRGB primaries, gamma 2.2\0");
            byte[] desc = [.. "desc"u8, 0, 0, 0, 0, 0, 0, 0, (byte)name.Length, .. name, .. new byte[4 + 4 + 2 + 1 + 67]];
            byte[] curv = [.. "curv"u8, 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0x33, 0, 0];
            var tags = new List<(string Sig, byte[] Data)>
            {
                ("desc", desc), ("wtpt", Xyz(0.9642, 1.0, 0.8249)),
                ("rXYZ", Xyz(0.4360657, 0.2224884, 0.0139160)), ("gXYZ", Xyz(0.3851471, 0.7168732, 0.0970764)),
                ("bXYZ", Xyz(0.1430664, 0.0606079, 0.7140961)), ("rTRC", curv), ("gTRC", curv), ("bTRC", curv),
            };
            var body = new MemoryStream();
            var table = new MemoryStream();
            int at = 128 + 4 + (12 * tags.Count);
            foreach ((string sig, byte[] data) in tags)
            {
                byte[] entry = new byte[12];
                Encoding.ASCII.GetBytes(sig).CopyTo(entry, 0);
                BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(4), at + (int)body.Length);
                BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(8), data.Length);
                table.Write(entry);
                body.Write(data);
                while (body.Length % 4 != 0)
                {
                    body.WriteByte(0);
                }
            }
            byte[] header = new byte[128];
            BinaryPrimitives.WriteInt32BigEndian(header, at + (int)body.Length);
            header[8] = 2;
            header[9] = 0x10;
            "mntrRGB XYZ "u8.CopyTo(header.AsSpan(12));
            "acsp"u8.CopyTo(header.AsSpan(36));
            S15(0.9642, 1.0, 0.8249).CopyTo(header, 68);
            byte[] count = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(count, tags.Count);
            return [.. header, .. count, .. table.ToArray(), .. body.ToArray()];
        }

        /// <summary>
        /// An iCCP profile other than sRGB: converted as lcms converts it (ImageMagick <c>-profile sRGB.icc</c>), never
        /// passed through; an sRGB iCCP still passes.
        /// </summary>
        [Theory]
        [MemberData(nameof(IccCases))]
        public void IccpProfileIsConvertedLikeLcms(string profileName)
        {
            var profile = (IColorProfile)typeof(ColorProfiles).GetProperty(profileName)!.GetValue(null)!;
            double[] samples = Samples();
            foreach (int bitDepth in new[] { 8, 16 })
            {
                byte[] png = Png(samples, bitDepth, Iccp(profile.ToByteArray()));
                PreparedImage image = PrepareLossless(png, profileName + ".png");
                Assert.NotEqual(PrepareAction.Pass, image.Action);
                byte[] reference = ImageMagick(png, "png", "-intent", "Relative", "-profile", SrgbProfile);
                double psnr = TestCorpus.Psnr(Pixels(image), reference);
                double ignored = TestCorpus.Psnr(Pixels(image), RawSamples(samples));
                _output.WriteLine($"{profileName} {bitDepth}-bit: {psnr:0.0} dB against lcms; {ignored:0.0} dB against the profile ignored");
                Assert.True(psnr >= 40, $"{profileName} {bitDepth}-bit: {psnr:0.0} dB against ImageMagick/lcms");
            }
            byte[] tagged = Png(samples, 8, Iccp(ColorProfiles.SRGB.ToByteArray()));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(tagged, "srgb-icc.png").Action);
        }

        /// <summary>
        /// A BMP (BITMAPV5HEADER) with an embedded non-sRGB ICC profile: converted as lcms converts it, as browsers show it
        /// (Skia's BMP codec ignores the profile).
        /// </summary>
        [Theory]
        [MemberData(nameof(ConvertedIccCases))]
        public void BmpEmbeddedProfileIsConvertedLikeLcms(string profileName)
        {
            IColorProfile profile = Profile(profileName);
            double[] samples = Samples();
            uint Pixel(int x, int y)
            {
                int i = ((y * W) + x) * 3;
                uint Channel(int c) => (uint)Math.Round(samples[i + c] * 255);
                return 0xFF000000u | (Channel(0) << 16) | (Channel(1) << 8) | Channel(2);
            }
            byte[] bmp = TransparencyAndCodecErrorTests.Bmp32WithAlphaMask(W, H, Pixel, profile.ToByteArray());
            PreparedImage image = PrepareLossless(bmp, profileName + ".bmp");
            byte[] reference = ImageMagick(bmp, "bmp", "-intent", "Relative", "-profile", SrgbProfile);
            double psnr = TestCorpus.Psnr(Pixels(image), reference);
            double ignored = TestCorpus.Psnr(Pixels(image), RawSamples(samples));
            _output.WriteLine($"BMP with {profileName}: {psnr:0.0} dB against lcms; {ignored:0.0} dB against the profile ignored");
            Assert.True(psnr >= 40, $"BMP with {profileName}: {psnr:0.0} dB against ImageMagick/lcms ({ignored:0.0} dB against the profile ignored)");
            // The profile is applied: nearer lcms than the samples as they are (a 2.2 curve is near sRGB's but for the shadows).
            Assert.True(psnr > ignored, $"BMP with {profileName}: {psnr:0.0} dB against lcms, {ignored:0.0} dB against the profile ignored");
        }

        /// <summary>
        /// A GIF carrying an ICC profile (the ICCRGBG1012 application extension ImageMagick writes): Skia's GIF codec
        /// ignores it, so an Adobe RGB GIF passed through unconverted. Its palette colours are converted as lcms converts
        /// them (as for BMP, JPEG, PNG), and it is never passed through; an sRGB one still is.
        /// </summary>
        [Theory]
        [MemberData(nameof(ConvertedIccCases))]
        public void GifIccProfileIsConvertedLikeLcms(string profileName)
        {
            byte[] gif;
            using (var image = new MagickImage(Png(Samples(), 8)))
            {
                image.SetProfile(Profile(profileName));
                gif = image.ToByteArray(MagickFormat.Gif);
            }
            Assert.Contains("ICCRGBG1012", Encoding.ASCII.GetString(gif), StringComparison.Ordinal);
            Assert.NotNull(ContainerHeaders.GifIccProfile(gif));
            Assert.NotEqual(PrepareAction.Pass, ImagePreparer.Prepare(gif, profileName + ".gif").Action);

            PreparedImage prepared = PrepareLossless(gif, profileName + ".gif");
            byte[] reference = ImageMagick(gif, "gif", "-intent", "Relative", "-profile", SrgbProfile);
            double psnr = TestCorpus.Psnr(Pixels(prepared), reference);
            double ignored = TestCorpus.Psnr(Pixels(prepared), ImageMagick(gif, "gif", "+profile", "*"));
            _output.WriteLine($"GIF with {profileName}: {psnr:0.0} dB against lcms; {ignored:0.0} dB against the profile ignored");
            Assert.True(psnr >= 40, $"GIF with {profileName}: {psnr:0.0} dB against ImageMagick/lcms ({ignored:0.0} dB against the profile ignored)");
            Assert.True(psnr > ignored, $"GIF with {profileName}: {psnr:0.0} dB against lcms, {ignored:0.0} dB against the profile ignored");
        }

        [Fact]
        public void GifWithAnSrgbProfileStillPassesThrough()
        {
            byte[] gif;
            using (var image = new MagickImage(Png(Samples(), 8)))
            {
                image.SetProfile(ColorProfiles.SRGB);
                gif = image.ToByteArray(MagickFormat.Gif);
            }
            Assert.NotNull(ContainerHeaders.GifIccProfile(gif));
            PreparedImage prepared = ImagePreparer.Prepare(gif, "srgb.gif");
            Assert.Equal(PrepareAction.Pass, prepared.Action);
        }

        /// <summary>A GIF of the sample picture with no profile, and ICC extensions of <paramref name="before"/> (before its frame) and <paramref name="after"/> (after it).</summary>
        private static byte[] GifWithIcc(byte[][] before, byte[][] after)
        {
            byte[] gif;
            using (var image = new MagickImage(Png(Samples(), 8)))
            {
                gif = image.ToByteArray(MagickFormat.Gif);
            }
            Assert.Null(ContainerHeaders.GifIccProfile(gif));
            static byte[] Extension(byte[] icc)
            {
                var e = new MemoryStream();
                e.Write(new byte[] { 0x21, 0xFF, 11 });
                e.Write("ICCRGBG1012"u8);
                for (int at = 0; at < icc.Length; at += 255)
                {
                    int n = Math.Min(255, icc.Length - at);
                    e.WriteByte((byte)n);
                    e.Write(icc, at, n);
                }
                e.WriteByte(0);
                return e.ToArray();
            }
            int start = 13 + ((gif[10] & 0x80) != 0 ? 3 << ((gif[10] & 7) + 1) : 0);
            Assert.Equal(0x3B, gif[^1]);
            return gif.Take(start).Concat(before.SelectMany(Extension)).Concat(gif.Skip(start).Take(gif.Length - 1 - start))
                .Concat(after.SelectMany(Extension)).Append((byte)0x3B).ToArray();
        }

        /// <summary>
        /// A GIF with several ICC profile extensions: VisionPS took the first, ImageMagick the last before the frame, and
        /// one after the last frame (which belongs to no frame) was applied by VisionPS alone. Now as ImageMagick reads it.
        /// </summary>
        [Fact]
        public void GifIccProfileIsTheLastBeforeItsFrameAsImageMagickReadsIt()
        {
            byte[] srgb = ColorProfiles.SRGB.ToByteArray(), adobe = ColorProfiles.AdobeRGB1998.ToByteArray();
            byte[] Magick(byte[] gif)
            {
                using var image = new MagickImage(gif);
                return image.GetColorProfile()?.ToByteArray() ?? Array.Empty<byte>();
            }

            byte[] two = GifWithIcc(new[] { srgb, adobe }, Array.Empty<byte[]>());
            Assert.Equal(adobe, Magick(two));
            Assert.Equal(adobe, ContainerHeaders.GifIccProfile(two));
            PreparedImage converted = ImagePreparer.Prepare(two, "two.gif");
            Assert.NotEqual(PrepareAction.Pass, converted.Action);
            Assert.Empty(converted.Warnings);

            byte[] afterFrame = GifWithIcc(new[] { srgb }, new[] { adobe });
            Assert.Equal(srgb, Magick(afterFrame));
            Assert.Equal(srgb, ContainerHeaders.GifIccProfile(afterFrame));
            byte[] onlyAfter = GifWithIcc(Array.Empty<byte[]>(), new[] { adobe });
            Assert.Empty(Magick(onlyAfter));
            Assert.Null(ContainerHeaders.GifIccProfile(onlyAfter));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(onlyAfter, "after.gif").Action);
        }

        /// <summary>
        /// A GIF whose RGB ICC profile cannot be read (cut short, junk, over 4 MB: a BMP's is read up to 4 MB) was
        /// re-encoded without conversion and without a word: a warning names the file and says its colours are sent as stored.
        /// </summary>
        [Theory]
        [InlineData("short", "it is 100 bytes, shorter than a profile's own 132-byte header (it is cut short)")]
        [InlineData("half", "it is damaged or of a kind not read here")]
        [InlineData("junk", "it does not describe RGB colours (it is damaged or of another kind)")]
        [InlineData("huge", "it is 4.5 MB, more than the 4 MB read")]
        public void GifIccProfileThatCannotBeReadIsSaid(string kind, string problem)
        {
            byte[] adobe = ColorProfiles.AdobeRGB1998.ToByteArray();
            byte[] icc = kind switch
            {
                "short" => adobe.Take(100).ToArray(),
                "half" => adobe.Take(adobe.Length / 2).ToArray(),
                "junk" => Enumerable.Range(0, 600).Select(i => (byte)((i * 37) + 11)).ToArray(),
                _ => adobe.Concat(new byte[(9 << 19) - adobe.Length]).ToArray(),
            };
            byte[] gif = GifWithIcc(new[] { icc }, Array.Empty<byte[]>());
            if (kind == "huge")
            {
                Assert.Null(ContainerHeaders.GifIccProfile(gif));
            }
            PreparedImage prepared = ImagePreparer.Prepare(gif, "odd.gif");
            string warning = Assert.Single(prepared.Warnings);
            Assert.Equal($"'odd.gif' (GIF) has a colour profile (ICC) that cannot be read: {problem}. Its colours are sent as stored, without colour conversion.", warning);
        }

        public static IEnumerable<object[]> JpegIccCases() =>
            from c in ConvertedIccCases()
            from progressive in new[] { false, true }
            select new object[] { c[0], progressive };

        /// <summary>
        /// A JPEG with an embedded non-sRGB ICC profile: converted as lcms converts it, never passed through. A progressive
        /// one is decoded by libjpeg-turbo (its scans checked in the same pass), which hands the samples over unconverted.
        /// </summary>
        [Theory]
        [MemberData(nameof(JpegIccCases))]
        public void JpegIccProfileIsConvertedLikeLcms(string profileName, bool progressive)
        {
            IColorProfile profile = Profile(profileName);
            byte[] jpeg;
            using (var image = new MagickImage(Png(Samples(), 8)))
            {
                image.SetProfile(profile);
                image.Quality = 95;
                image.Settings.Interlace = progressive ? Interlace.Jpeg : Interlace.NoInterlace;
                jpeg = image.ToByteArray(MagickFormat.Jpeg);
            }
            Assert.Equal(progressive, ContainerHeaders.Jpeg(jpeg)!.IsProgressive);
            // Sent as PNG, so the comparison sees the colour conversion rather than a second JPEG compression.
            PreparedImage prepared = ImagePreparer.Prepare(jpeg, profileName + ".jpg", new PrepareOptions { Format = PreparedFormat.Png });
            Assert.NotEqual(PrepareAction.Pass, prepared.Action);
            byte[] reference = ImageMagick(jpeg, "jpg", "-intent", "Relative", "-profile", SrgbProfile);
            byte[] ignored = ImageMagick(jpeg, "jpg", "+profile", "*");
            double psnr = TestCorpus.Psnr(Pixels(prepared), reference), unconverted = TestCorpus.Psnr(Pixels(prepared), ignored);
            _output.WriteLine($"JPEG {profileName}: {psnr:0.0} dB against lcms; {unconverted:0.0} dB against the profile ignored");
            Assert.True(psnr >= 38, $"JPEG {profileName}: {psnr:0.0} dB against ImageMagick/lcms");
            // The profile is applied: nearer lcms than the samples as they are (a 2.2 curve is near sRGB's but for the shadows).
            Assert.True(psnr > unconverted, $"JPEG {profileName}: {psnr:0.0} dB against lcms, {unconverted:0.0} dB against the profile ignored");
            if (profileName == Gamma22)
            {
                // The pass-through rule is unchanged: sent as it is, the file is sRGB in all but name.
                Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(jpeg, profileName + ".jpg").Action);
            }
        }

        /// <summary>
        /// A JPEG's profile is applied as Skia's codec applies it, whichever decoder reads the pixels: a profile whose
        /// segment follows the frame header is still applied; segments numbered wrongly (which Skia ignores) are ignored.
        /// Compared with Skia's own decode of the file, and with the profile applied or not.
        /// </summary>
        [Theory]
        [InlineData("after-sof", false, true)]
        [InlineData("after-sof", true, true)]
        [InlineData("sequence-3-of-2", true, false)]
        [InlineData("count-0", true, false)]
        [InlineData("twice", false, true)]
        public void JpegProfileSegmentsAreReadAsSkiasCodecReadsThem(string variant, bool progressive, bool applied)
        {
            byte[] jpeg;
            using (var image = new MagickImage(Png(Samples(), 8)))
            {
                image.SetProfile(ColorProfiles.AdobeRGB1998);
                image.Quality = 95;
                image.Settings.Interlace = progressive ? Interlace.Jpeg : Interlace.NoInterlace;
                jpeg = image.ToByteArray(MagickFormat.Jpeg);
            }
            byte[] changed = ChangeIccSegments(jpeg, variant);
            PreparedImage prepared = ImagePreparer.Prepare(changed, variant + ".jpg", new PrepareOptions { Format = PreparedFormat.Png });
            byte[] skia;
            using (var decoded = SKBitmap.Decode(changed, new SKImageInfo(W, H, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb())))
            {
                skia = decoded.Bytes;
            }
            double againstSkia = TestCorpus.Psnr(Pixels(prepared), skia);
            double againstRaw = TestCorpus.Psnr(Pixels(prepared), ImageMagick(changed, "jpg", "+profile", "*"));
            _output.WriteLine($"{variant}: {againstSkia:0.0} dB against Skia's codec, {againstRaw:0.0} dB against the profile ignored");
            Assert.True(againstSkia >= 45, $"{variant}: {againstSkia:0.0} dB against Skia's codec");
            Assert.Equal(applied, againstRaw < 35);
        }

        /// <summary>The JPEG with its one ICC segment moved after the frame header, renumbered, or repeated.</summary>
        private static byte[] ChangeIccSegments(byte[] jpeg, string variant)
        {
            int icc = -1, sof = -1, i = 2;
            while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA)
            {
                int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
                if (jpeg[i + 1] == 0xE2 && Encoding.ASCII.GetString(jpeg, i + 4, 11) == "ICC_PROFILE")
                {
                    icc = i;
                }
                else if (jpeg[i + 1] is 0xC0 or 0xC2)
                {
                    sof = i;
                }
                i += 2 + length;
            }
            Assert.True(icc > 0 && sof > icc, "one ICC segment before the frame header");
            int iccLength = 2 + ((jpeg[icc + 2] << 8) | jpeg[icc + 3]);
            byte[] segment = jpeg.AsSpan(icc, iccLength).ToArray();
            Assert.Equal(new byte[] { 1, 1 }, segment.AsSpan(16, 2).ToArray());
            var rest = jpeg.Take(icc).Concat(jpeg.Skip(icc + iccLength)).ToList();
            switch (variant)
            {
                case "after-sof":
                    int sofLength = 2 + ((jpeg[sof + 2] << 8) | jpeg[sof + 3]);
                    rest.InsertRange(sof - iccLength + sofLength, segment);
                    return rest.ToArray();
                case "sequence-3-of-2":
                    (segment[16], segment[17]) = (3, 2);
                    break;
                case "count-0":
                    (segment[16], segment[17]) = (1, 0);
                    break;
                case "twice":
                    rest.InsertRange(icc, segment);
                    break;
            }
            rest.InsertRange(icc, segment);
            return rest.ToArray();
        }

        /// <summary>Stands for the path of an sRGB ICC profile file in <see cref="ImageMagick"/>'s arguments.</summary>
        private const string SrgbProfile = "{srgb.icc}";

        /// <summary>
        /// ImageMagick's reading of <paramref name="file"/> (written to a temporary folder with the given extension) with
        /// <paramref name="args"/> applied, as 8-bit RGBA; <see cref="SrgbProfile"/> in the arguments is an sRGB profile.
        /// </summary>
        private static byte[] ImageMagick(byte[] file, string extension, params string[] args)
        {
            string dir = Path.Combine(Path.GetTempPath(), "visionps-icc-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string input = Path.Combine(dir, "in." + extension), srgb = Path.Combine(dir, "srgb.icc");
                File.WriteAllBytes(input, file);
                File.WriteAllBytes(srgb, ColorProfiles.SRGB.ToByteArray());
                string[] all = new[] { input }.Concat(args.Select(a => a == SrgbProfile ? srgb : a))
                    .Concat(new[] { "-depth", "8", "-alpha", "on", "rgba:-" }).ToArray();
                return TestCorpus.Run("convert", all);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        /// <summary>
        /// A cICP chunk (PNG third edition) naming BT.2020 primaries with the HLG or PQ curve: never passed through as
        /// if it were sRGB; converted, its mid-grey shown as the curve says (HLG 0.5 is about 8% of peak, PQ 0.5 about
        /// 92 cd/m2: both far from sRGB's 0.5).
        /// </summary>
        [Theory]
        [InlineData("HLG", 18, 8)]
        [InlineData("PQ", 16, 8)]
        [InlineData("HLG 16-bit", 18, 16)]
        public void CicpHdrPngIsConvertedNotPassedThrough(string label, int transfer, int bitDepth)
        {
            double[] samples = Samples();
            byte[] png = Png(samples, bitDepth, ("cICP", new byte[] { 9, (byte)transfer, 0, 1 }));
            PreparedImage image = PrepareLossless(png, label + ".png");
            Assert.NotEqual(PrepareAction.Pass, image.Action);
            Assert.False(ImagePreparer.HeaderAllowsPassThrough(ImageProbe.Probe(png, label + ".png"), new PrepareOptions()), "the header verdict sees the cICP chunk");
            double raw = TestCorpus.Psnr(Pixels(image), RawSamples(samples));
            _output.WriteLine($"cICP {label}: {raw:0.0} dB against the samples shown as sRGB");
            Assert.True(raw < 30, $"cICP {label}: the samples were sent as sRGB ({raw:0.0} dB)");
        }

        /// <summary>A cICP chunk that names sRGB (1/13/0/1), or BT.709 primaries with the sRGB curve: passed through, and the same pixels when converted.</summary>
        [Fact]
        public void CicpSrgbPngIsStillSrgb()
        {
            double[] samples = Samples();
            byte[] png = Png(samples, 8, ("cICP", new byte[] { 1, 13, 0, 1 }));
            Assert.Equal(PrepareAction.Pass, ImagePreparer.Prepare(png, "cicp-srgb.png").Action);
            PreparedImage converted = ImagePreparer.Prepare(png, "cicp-srgb.png", new PrepareOptions { AllowPassThrough = false, Format = PreparedFormat.Png });
            Assert.True(TestCorpus.Psnr(Pixels(converted), RawSamples(samples)) >= 40);
        }
    }
}
