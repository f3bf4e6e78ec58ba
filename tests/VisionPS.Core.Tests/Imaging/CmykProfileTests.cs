using System;
using System.IO;
using ImageMagick;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A CMYK JPEG whose profile's A2B0 is a lut16 table with an XYZ connection space (as Ghostscript's ps_cmyk.icc):
    /// converted as the ICC specification reads it (XYZ 1.0 encoded as 0x8000), not at half the light.
    /// </summary>
    public class CmykProfileTests
    {
        private const int W = 96, H = 64;
        private readonly ITestOutputHelper _output;

        public CmykProfileTests(ITestOutputHelper output) => _output = output;

        /// <summary>
        /// A CMYK output profile whose A2B0 is a 2x2x2x2 lut16 ('mft2') into XYZ: each corner is the colour
        /// (1-C)(1-K), (1-M)(1-K), (1-Y)(1-K) taken as linear sRGB.
        /// </summary>
        internal static byte[] XyzLut16CmykProfile()
        {
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
            U8(4);
            U8(3);
            U8(2);
            U8(0);
            for (int i = 0; i < 9; i++)
            {
                U32(i % 4 == 0 ? 0x10000 : 0); // identity matrix (s15Fixed16)
            }
            U16(2);
            U16(2);
            for (int i = 0; i < 4; i++)
            {
                U16(0);
                U16(65535);
            }
            for (int n = 0; n < 16; n++)
            {
                int c = (n >> 3) & 1, mg = (n >> 2) & 1, y = (n >> 1) & 1, k = n & 1;
                double[] rgb = { (1 - c) * (1 - k), (1 - mg) * (1 - k), (1 - y) * (1 - k) };
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
            var tags = new (string Sig, byte[] Body)[] { ("desc", desc), ("wtpt", wtpt), ("A2B0", a2b0) };
            var body = new MemoryStream();
            int offset = 128 + 4 + (12 * tags.Length);
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
            "prtrCMYKXYZ "u8.ToArray().CopyTo(header, 12);
            "acsp"u8.ToArray().CopyTo(header, 36);
            Xyz(0.9642, 1.0, 0.8249).AsSpan(8).ToArray().CopyTo(header, 68);
            var profile = new MemoryStream();
            profile.Write(header);
            profile.Write(BigEndian(tags.Length));
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
                image.SetProfile(new ColorProfile(XyzLut16CmykProfile()));
                image.Quality = 97;
                jpeg = image.ToByteArray(MagickFormat.Jpeg);
            }
            Assert.True(ContainerHeaders.IccHasXyzLutA2B0(ContainerHeaders.JpegIccProfile(jpeg)!));

            PreparedImage prepared = ImagePreparer.Prepare(jpeg, "cmyk-xyz-lut16.jpg", new PrepareOptions { Format = PreparedFormat.Png });
            string dir = Path.Combine(Path.GetTempPath(), "visionps-cmyk-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string file = Path.Combine(dir, "in.jpg"), srgb = Path.Combine(dir, "srgb.icc"), ours = Path.Combine(dir, "ours.png");
                File.WriteAllBytes(file, jpeg);
                File.WriteAllBytes(srgb, ColorProfiles.SRGB.ToByteArray());
                File.WriteAllBytes(ours, prepared.Bytes);
                // lcms (ImageMagick's -profile) converting with the embedded profile, relative colorimetric.
                byte[] lcms = TestCorpus.Run("convert", file, "-intent", "Relative", "-profile", srgb, "-depth", "8", "-alpha", "on", "rgba:-");
                byte[] mine = TestCorpus.MagickRgba(ours, out int w, out int h);
                Assert.Equal((W, H), (w, h));
                double psnr = TestCorpus.Psnr(mine, lcms);
                _output.WriteLine($"CMYK with an XYZ lut16 profile: {psnr:0.0} dB against lcms");
                Assert.True(psnr >= 40, $"CMYK with an XYZ lut16 profile: {psnr:0.0} dB against lcms");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
