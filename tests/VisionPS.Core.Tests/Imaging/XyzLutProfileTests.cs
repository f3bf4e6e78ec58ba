using System;
using System.IO;
using System.Linq;
using ImageMagick;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// Images whose ICC profile's A2B0 is a lut16 table with an XYZ connection space (as Ghostscript's ps_cmyk.icc): a
    /// CMYK JPEG and an RGB PNG or WebP, converted as the ICC specification (and lcms) reads the table (XYZ 1.0 encoded as
    /// 0x8000), not at half the light as Skia's skcms reads it.
    /// </summary>
    public class XyzLutProfileTests
    {
        private const int W = 96, H = 64;
        private readonly ITestOutputHelper _output;

        public XyzLutProfileTests(ITestOutputHelper output) => _output = output;

        /// <summary>
        /// A profile whose A2B0 is a lut16 ('mft2') with two grid points per input into XYZ. CMYK: each corner is the
        /// colour (1-C)(1-K), (1-M)(1-K), (1-Y)(1-K) taken as linear sRGB. RGB: each corner is that linear sRGB colour,
        /// with matrix and curve tags beside it that say Display P3 instead: the ICC specification (and lcms) use the
        /// A2B0 table, so an image converted by the matrix comes out in the wrong colours.
        /// </summary>
        internal static byte[] XyzLut16Profile(bool cmyk)
        {
            int inputs = cmyk ? 4 : 3;
            // Linear sRGB to XYZ, D50-adapted (the ICC connection space), as in the ICC's sRGB profiles.
            double[,] m = { { 0.4360747, 0.3850649, 0.1430804 }, { 0.2225045, 0.7168786, 0.0606169 }, { 0.0139322, 0.0971045, 0.7141733 } };
            var lut = new MemoryStream();
            void U8(int v) => lut.WriteByte((byte)v);
            void U16(int v)
            {
                lut.WriteByte((byte)(v >> 8));
                lut.WriteByte((byte)v);
            }
            void U32(long v)
            {
                U16((int)(v >> 16));
                U16((int)(v & 0xFFFF));
            }
            lut.Write("mft2"u8);
            U32(0);
            U8(inputs);
            U8(3);
            U8(2);
            U8(0);
            for (int i = 0; i < 9; i++)
            {
                U32(i % 4 == 0 ? 0x10000 : 0); // identity matrix (s15Fixed16)
            }
            U16(2);
            U16(2);
            for (int i = 0; i < inputs; i++)
            {
                U16(0);
                U16(65535);
            }
            for (int n = 0; n < 1 << inputs; n++)
            {
                int c = (n >> 3) & 1, mg = (n >> 2) & 1, y = (n >> 1) & 1, k = n & 1;
                double[] rgb = cmyk ? new double[] { (1 - c) * (1 - k), (1 - mg) * (1 - k), (1 - y) * (1 - k) }
                    : new double[] { (n >> 2) & 1, (n >> 1) & 1, n & 1 };
                for (int row = 0; row < 3; row++)
                {
                    double xyz = (m[row, 0] * rgb[0]) + (m[row, 1] * rgb[1]) + (m[row, 2] * rgb[2]);
                    U16((int)Math.Round(xyz * 32768)); // lut16 XYZ: 0x8000 is 1.0
                }
            }
            for (int i = 0; i < 3; i++)
            {
                U16(0);
                U16(65535);
            }
            byte[] a2b0 = lut.ToArray();
            byte[] wtpt = Xyz(0.9642, 1.0, 0.8249);
            byte[] desc = Desc("XYZ lut16 CMYK test");
            var tags = new System.Collections.Generic.List<(string Sig, byte[] Body)> { ("desc", desc), ("wtpt", wtpt), ("A2B0", a2b0) };
            if (!cmyk)
            {
                byte[] gamma1 = { (byte)'c', (byte)'u', (byte)'r', (byte)'v', 0, 0, 0, 0, 0, 0, 0, 1, 1, 0 };
                // Display P3's primaries (D50-adapted, as in Apple's Display P3 profile), not the table's sRGB ones.
                tags.Add(("rXYZ", Xyz(0.51512, 0.24120, -0.00105)));
                tags.Add(("gXYZ", Xyz(0.29198, 0.69225, 0.04189)));
                tags.Add(("bXYZ", Xyz(0.15710, 0.06657, 0.78407)));
                tags.Add(("rTRC", gamma1));
                tags.Add(("gTRC", gamma1));
                tags.Add(("bTRC", gamma1));
            }
            var body = new MemoryStream();
            int offset = 128 + 4 + (12 * tags.Count);
            var table = new MemoryStream();
            foreach ((string sig, byte[] data) in tags)
            {
                table.Write(System.Text.Encoding.ASCII.GetBytes(sig));
                table.Write(BigEndian(offset + (int)body.Length));
                table.Write(BigEndian(data.Length));
                body.Write(data);
                while (body.Length % 4 != 0)
                {
                    body.WriteByte(0);
                }
            }
            int size = offset + (int)body.Length;
            var header = new byte[128];
            BigEndian(size).CopyTo(header, 0);
            BigEndian(0x02100000).CopyTo(header, 8);
            (cmyk ? "prtrCMYKXYZ "u8 : "mntrRGB XYZ "u8).ToArray().CopyTo(header, 12);
            "acsp"u8.ToArray().CopyTo(header, 36);
            Xyz(0.9642, 1.0, 0.8249).AsSpan(8).ToArray().CopyTo(header, 68);
            var profile = new MemoryStream();
            profile.Write(header);
            profile.Write(BigEndian(tags.Count));
            profile.Write(table.ToArray());
            profile.Write(body.ToArray());
            return profile.ToArray();
        }

        private static byte[] BigEndian(int v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };

        private static byte[] Xyz(double x, double y, double z)
        {
            var b = new MemoryStream();
            b.Write("XYZ "u8);
            b.Write(new byte[4]);
            foreach (double v in new[] { x, y, z })
            {
                b.Write(BigEndian((int)Math.Round(v * 65536)));
            }
            return b.ToArray();
        }

        private static byte[] Desc(string text)
        {
            var b = new MemoryStream();
            b.Write("desc"u8);
            b.Write(new byte[4]);
            b.Write(BigEndian(text.Length + 1));
            b.Write(System.Text.Encoding.ASCII.GetBytes(text));
            b.Write(new byte[1 + 4 + 4 + 2 + 1 + 67]);
            return b.ToArray();
        }

        [Fact]
        public void ACmykJpegWithAnXyzLut16ProfileIsConvertedAtFullLight()
        {
            byte[] jpeg = CmykJpeg();
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(ContainerHeaders.JpegIccProfile(jpeg)!));

            double psnr = AgainstLcms(jpeg, "jpg");
            _output.WriteLine($"CMYK JPEG with an XYZ lut16 profile: {psnr:0.0} dB against lcms");
            Assert.True(psnr >= 40, $"CMYK JPEG with an XYZ lut16 profile: {psnr:0.0} dB against lcms");
        }

        /// <summary>
        /// Damage is found and refused on the way to lcms as on the Skia path: a CMYK JPEG with an XYZ lut16 profile
        /// and bytes before its EOI that no block accounts for (libjpeg's scan check), or with a restart marker in a
        /// file that declares no restart interval (the marker check), and an RGB PNG with such a profile whose text
        /// chunk's CRC is wrong (the structure check); under AllowPartial sent with the Skia path's warning.
        /// </summary>
        [Theory]
        [InlineData("jpg-scan", "extraneous bytes before marker 0xD9)")]
        [InlineData("jpg-marker", "restart marker")]
        [InlineData("png-crc", "CRC")]
        public void ADamagedImageWithAnXyzLut16ProfileIsRefusedOrSentWithAWarning(string kind, string said)
        {
            byte[] file;
            if (kind == "png-crc")
            {
                file = WithTextChunk(RgbPng(), "Comment", "damaged");
                file[Array.IndexOf(file, (byte)'d', 40) + "damaged".Length] ^= 0x55; // the text chunk's CRC
            }
            else
            {
                byte[] jpeg = CmykJpeg();
                int eoi = jpeg.Length - 2;
                byte[] inserted = kind == "jpg-scan" ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] : [0xFF, 0xD0];
                file = [.. jpeg.AsSpan(0, eoi), .. inserted, .. jpeg.AsSpan(eoi)];
            }
            string name = "damaged-xyz-lut16." + (kind == "png-crc" ? "png" : "jpg");
            byte[]? icc = kind == "png-crc" ? ContainerHeaders.PngIccProfile(file) : ContainerHeaders.JpegIccProfile(file);
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(icc!));

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(file, name));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains(said, ex.Detail, StringComparison.Ordinal);

            PreparedImage partial = ImagePreparer.Prepare(file, name, new PrepareOptions { AllowPartial = true });
            string warning = Assert.Single(partial.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
            _output.WriteLine(warning);
            Assert.StartsWith($"'{name}' ({(kind == "png-crc" ? "PNG" : "JPEG")}) is damaged: {ex.Detail}. ", warning, StringComparison.Ordinal);
        }

        /// <summary>An animated WebP or APNG with an XYZ lut16 profile sends its first frame with the Skia path's warning.</summary>
        [Theory]
        [InlineData("webp")]
        [InlineData("png")]
        public void AnAnimationWithAnXyzLut16ProfileSaysOnlyItsFirstFrameIsSent(string kind)
        {
            byte[] file;
            if (kind == "png")
            {
                file = Apng(RgbPng());
            }
            else
            {
                file = AnimatedWebPWithProfile();
            }
            byte[]? icc = kind == "png" ? ContainerHeaders.PngIccProfile(file) : ContainerHeaders.WebPIccProfile(file);
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(icc!));
            string name = "animated-xyz-lut16." + kind;
            Assert.Equal(2, ImageProbe.Probe(file, name).FrameCount);

            PreparedImage prepared = ImagePreparer.Prepare(file, name, new PrepareOptions { Format = PreparedFormat.Png });
            Assert.Contains($"'{name}' is an animation of 2 frames; the API takes still images, so only the first frame is sent.", prepared.Warnings);
            Assert.DoesNotContain(prepared.Warnings, w => w.Contains("is damaged", StringComparison.Ordinal));
        }

        /// <summary>
        /// On the lcms route too, an animated WebP is whole only when every frame decodes: frame 2's VP8L signature byte
        /// broken (sizes intact) is damage, named as on the Skia path.
        /// </summary>
        [Fact]
        public void AnAnimatedWebPWithAnXyzLut16ProfileAndACorruptLaterFrameIsRefused()
        {
            byte[] file = AnimatedWebPWithProfile();
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(ContainerHeaders.WebPIccProfile(file)!));
            int seen = 0, vp8l = -1;
            for (int at = 12; at + 8 <= file.Length; at += 8 + (int)((BitConverter.ToUInt32(file, at + 4) + 1) & ~1u))
            {
                if (System.Text.Encoding.ASCII.GetString(file, at, 4) == "ANMF" && ++seen == 2)
                {
                    vp8l = at + 8 + 16; // the frame's first chunk, after the ANMF header
                }
            }
            Assert.True(vp8l > 0 && System.Text.Encoding.ASCII.GetString(file, vp8l, 4) == "VP8L");
            Assert.Equal(0x2F, file[vp8l + 8]);
            file[vp8l + 8] = 0x00;

            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(file, "frame2.webp"));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("animation frame 2's", ex.Detail, StringComparison.Ordinal);
            // -AllowPartial cannot help here: ImageMagick's libwebp demuxer refuses the whole file, so nothing is sent.
            var none = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(file, "frame2.webp", new PrepareOptions { AllowPartial = true }));
            Assert.Equal(ImageErrorReason.Damaged, none.Reason);
            Assert.DoesNotContain("-AllowPartial", none.Message, StringComparison.Ordinal);
        }

        /// <summary>A lossless 2-frame WebP (red, then blue), each frame carrying the RGB XYZ-lut16 profile.</summary>
        private static byte[] AnimatedWebPWithProfile()
        {
            using var frames = new MagickImageCollection();
            foreach (string colour in new[] { "#ff2000", "#0040ff" })
            {
                var frame = new MagickImage(new MagickColor(colour), W, H) { AnimationDelay = 10 };
                frame.SetProfile(new ColorProfile(XyzLut16Profile(cmyk: false)));
                frames.Add(frame);
            }
            frames.First().Settings.SetDefine(MagickFormat.WebP, "lossless", true);
            return frames.ToByteArray(MagickFormat.WebP);
        }

        /// <summary>
        /// The PNG as a 2-frame APNG: an acTL and the first frame's fcTL before its IDAT (the default image is frame 1),
        /// then a second frame (fcTL, fdAT) holding the same pixels.
        /// </summary>
        private static byte[] Apng(byte[] png)
        {
            var idat = new MemoryStream();
            var chunks = new System.Collections.Generic.List<(string Type, byte[] Body)>();
            for (int at = 8; at + 12 <= png.Length;)
            {
                int length = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
                chunks.Add((System.Text.Encoding.ASCII.GetString(png, at + 4, 4), png.AsSpan(at + 8, length).ToArray()));
                if (chunks[^1].Type == "IDAT")
                {
                    idat.Write(png, at + 8, length);
                }
                at += length + 12;
            }
            byte[] Fctl(int sequence) =>
                [.. BigEndian(sequence), .. BigEndian(W), .. BigEndian(H), .. BigEndian(0), .. BigEndian(0), 0, 1, 0, 10, 0, 0];
            var output = new MemoryStream();
            output.Write(png, 0, 8);
            void Chunk(string type, byte[] body)
            {
                byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. body];
                output.Write(BigEndian(body.Length));
                output.Write(typed);
                output.Write(BigEndian((int)System.IO.Hashing.Crc32.HashToUInt32(typed)));
            }
            bool first = true;
            foreach ((string type, byte[] body) in chunks)
            {
                if (type == "IDAT" && first)
                {
                    Chunk("acTL", [.. BigEndian(2), .. BigEndian(0)]);
                    Chunk("fcTL", Fctl(0));
                    first = false;
                }
                if (type == "IEND")
                {
                    Chunk("fcTL", Fctl(1));
                    Chunk("fdAT", [.. BigEndian(2), .. idat.ToArray()]);
                }
                Chunk(type, body);
            }
            return output.ToArray();
        }

        private static byte[] CmykJpeg()
        {
            var rgb = new byte[W * H * 3];
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    int i = ((y * W) + x) * 3;
                    rgb[i] = (byte)(x * 255 / (W - 1));
                    rgb[i + 1] = (byte)(y * 255 / (H - 1));
                    rgb[i + 2] = (byte)(((x / 16) + (y / 16)) % 2 == 0 ? 200 : 60);
                }
            }
            byte[] jpeg;
            using (var image = new MagickImage(rgb, new PixelReadSettings(W, H, StorageType.Char, PixelMapping.RGB)))
            {
                // ImageMagick's own CMYK; the profile is assigned, not applied.
                image.ColorSpace = ColorSpace.CMYK;
                image.SetProfile(new ColorProfile(XyzLut16Profile(cmyk: true)));
                image.Quality = 97;
                jpeg = image.ToByteArray(MagickFormat.Jpeg);
            }
            return jpeg;
        }

        private static byte[] RgbPng()
        {
            using var image = new MagickImage(new MagickColor("#000000"), W, H);
            image.Read("gradient:#ff2000-#0040ff", new MagickReadSettings { Width = W, Height = H });
            image.SetProfile(new ColorProfile(XyzLut16Profile(cmyk: false)));
            return image.ToByteArray(MagickFormat.Png24);
        }

        /// <summary>The PNG with a tEXt chunk after its IHDR.</summary>
        private static byte[] WithTextChunk(byte[] png, string keyword, string text)
        {
            byte[] typed = [.. "tEXt"u8, .. System.Text.Encoding.ASCII.GetBytes(keyword), 0, .. System.Text.Encoding.ASCII.GetBytes(text)];
            return [.. png.AsSpan(0, 33), .. BigEndian(typed.Length - 4), .. typed, .. BigEndian((int)System.IO.Hashing.Crc32.HashToUInt32(typed)), .. png.AsSpan(33)];
        }

        [Theory]
        [InlineData("png")]
        [InlineData("webp")]
        [InlineData("bmp")]
        public void AnRgbImageWithAnXyzLut16ProfileIsConvertedAtFullLight(string kind)
        {
            byte[] file;
            using (var image = new MagickImage(new MagickColor("#000000"), W, H))
            {
                image.Read("gradient:#ff2000-#0040ff", new MagickReadSettings { Width = W, Height = H });
                image.SetProfile(new ColorProfile(XyzLut16Profile(cmyk: false)));
                if (kind == "webp")
                {
                    image.Settings.SetDefine(MagickFormat.WebP, "lossless", true);
                }
                file = image.ToByteArray(kind switch { "png" => MagickFormat.Png24, "bmp" => MagickFormat.Bmp, _ => MagickFormat.WebP });
            }
            byte[]? icc = kind switch
            {
                "png" => ContainerHeaders.PngIccProfile(file),
                "bmp" => ContainerHeaders.BmpIccProfile(file), // a BITMAPV5HEADER with PROFILE_EMBEDDED
                _ => ContainerHeaders.WebPIccProfile(file),
            };
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(icc!));
            double psnr = AgainstLcms(file, kind);
            _output.WriteLine($"RGB {kind} with an XYZ lut16 profile: {psnr:0.0} dB against lcms");
            Assert.True(psnr >= 40, $"RGB {kind} with an XYZ lut16 profile: {psnr:0.0} dB against lcms");
        }

        /// <summary>
        /// A CMYK profile on an RGB image (a YCbCr JPEG or an RGB PNG carrying Ghostscript's ps_cmyk.icc, say) does not
        /// fit it: the profile is ignored and the samples read as sRGB, as before such profiles went to lcms, instead of
        /// the file being refused.
        /// </summary>
        [Theory]
        [InlineData("png")]
        [InlineData("jpg")]
        public void ACmykXyzLutProfileOnAnRgbImageIsIgnored(string kind)
        {
            var rgb = new byte[W * H * 3];
            for (int i = 0; i < rgb.Length; i += 3)
            {
                int x = (i / 3) % W, y = (i / 3) / W;
                rgb[i] = (byte)(x * 255 / (W - 1));
                rgb[i + 1] = (byte)(y * 255 / (H - 1));
                rgb[i + 2] = 120;
            }
            byte[] file;
            using (var image = new MagickImage(rgb, new PixelReadSettings(W, H, StorageType.Char, PixelMapping.RGB)))
            {
                image.SetProfile(new ColorProfile(XyzLut16Profile(cmyk: true)));
                image.Quality = 97;
                file = image.ToByteArray(kind == "png" ? MagickFormat.Png24 : MagickFormat.Jpeg);
            }
            byte[]? icc = kind == "png" ? ContainerHeaders.PngIccProfile(file) : ContainerHeaders.JpegIccProfile(file);
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(icc!));
            Assert.Equal("CMYK", System.Text.Encoding.ASCII.GetString(icc!, 16, 4));

            PreparedImage prepared = ImagePreparer.Prepare(file, "cmyk-profile." + kind, new PrepareOptions { Format = PreparedFormat.Png });
            byte[] mine = Rgba(prepared.Bytes);
            var want = new byte[W * H * 4];
            for (int p = 0; p < W * H; p++)
            {
                (want[4 * p], want[(4 * p) + 1], want[(4 * p) + 2], want[(4 * p) + 3]) = (rgb[3 * p], rgb[(3 * p) + 1], rgb[(3 * p) + 2], 255);
            }
            double psnr = TestCorpus.Psnr(mine, want);
            _output.WriteLine($"RGB {kind} with a CMYK XYZ lut16 profile: {psnr:0.0} dB against its samples as sRGB");
            Assert.True(psnr >= 38, $"RGB {kind} with a CMYK XYZ lut16 profile: {psnr:0.0} dB against its samples as sRGB");
        }

        /// <summary>
        /// A PNG's cICP chunk outranks its iCCP chunk: a PNG with a Display P3 cICP and an XYZ lut16 profile is shown
        /// as the cICP says (the same pixels as without the profile), not converted by the profile through lcms.
        /// </summary>
        [Fact]
        public void ACicpChunkOutranksAnXyzLut16Profile()
        {
            byte[] png;
            using (var image = new MagickImage(new MagickColor("#000000"), W, H))
            {
                image.Read("gradient:#ff2000-#0040ff", new MagickReadSettings { Width = W, Height = H });
                image.SetProfile(new ColorProfile(XyzLut16Profile(cmyk: false)));
                png = image.ToByteArray(MagickFormat.Png24);
            }
            byte[] cicp = { 12, 13, 0, 1 }; // Display P3 primaries, sRGB curve, RGB, full range
            byte[] both = WithCicp(png, cicp, dropIccp: false), cicpOnly = WithCicp(png, cicp, dropIccp: true);
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(ContainerHeaders.PngIccProfile(both)!));
            Assert.Null(ContainerHeaders.PngIccProfile(cicpOnly));

            var options = new PrepareOptions { Format = PreparedFormat.Png };
            byte[] mine = Rgba(ImagePreparer.Prepare(both, "cicp-and-iccp.png", options).Bytes);
            byte[] want = Rgba(ImagePreparer.Prepare(cicpOnly, "cicp.png", options).Bytes);
            double psnr = TestCorpus.Psnr(mine, want);
            _output.WriteLine($"PNG with a P3 cICP and an XYZ lut16 profile: {psnr:0.0} dB against the cICP alone");
            Assert.True(psnr >= 45, $"PNG with a P3 cICP and an XYZ lut16 profile: {psnr:0.0} dB against the cICP alone");
        }

        /// <summary>The PNG with a cICP chunk after its IHDR, and without its iCCP chunk when asked.</summary>
        private static byte[] WithCicp(byte[] png, byte[] cicp, bool dropIccp)
        {
            var output = new MemoryStream();
            output.Write(png, 0, 33);
            output.Write(BigEndian(cicp.Length));
            byte[] typed = [.. "cICP"u8, .. cicp];
            output.Write(typed);
            output.Write(BigEndian((int)System.IO.Hashing.Crc32.HashToUInt32(typed)));
            for (int at = 33; at + 12 <= png.Length;)
            {
                int length = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
                if (!(dropIccp && png.AsSpan(at + 4, 4).SequenceEqual("iCCP"u8)))
                {
                    output.Write(png, at, length + 12);
                }
                at += length + 12;
            }
            return output.ToArray();
        }

        private static byte[] Rgba(byte[] encoded)
        {
            using SkiaSharp.SKBitmap bitmap = SkiaSharp.SKBitmap.Decode(encoded);
            Assert.Equal((W, H), (bitmap.Width, bitmap.Height));
            var rgba = new byte[W * H * 4];
            for (int p = 0; p < W * H; p++)
            {
                SkiaSharp.SKColor c = bitmap.GetPixel(p % W, p / W);
                (rgba[4 * p], rgba[(4 * p) + 1], rgba[(4 * p) + 2], rgba[(4 * p) + 3]) = (c.Red, c.Green, c.Blue, c.Alpha);
            }
            return rgba;
        }

        /// <summary>PSNR of the prepared image (PNG) against lcms converting the file with its profile (relative colorimetric).</summary>
        private static double AgainstLcms(byte[] file, string extension)
        {
            PreparedImage prepared = ImagePreparer.Prepare(file, "xyz-lut16." + extension, new PrepareOptions { Format = PreparedFormat.Png });
            string dir = Path.Combine(Path.GetTempPath(), "visionps-xyzlut-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string input = Path.Combine(dir, "in." + extension), srgb = Path.Combine(dir, "srgb.icc"), ours = Path.Combine(dir, "ours.png");
                File.WriteAllBytes(input, file);
                File.WriteAllBytes(srgb, ColorProfiles.SRGB.ToByteArray());
                File.WriteAllBytes(ours, prepared.Bytes);
                byte[] lcms = TestCorpus.Run("convert", input, "-intent", "Relative", "-profile", srgb, "-depth", "8", "-alpha", "on", "rgba:-");
                byte[] mine = TestCorpus.MagickRgba(ours, out int w, out int h);
                Assert.Equal((W, H), (w, h));
                return TestCorpus.Psnr(mine, lcms);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
