using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// An AVIF whose alpha is premultiplied (avifenc -p: a 'prem' reference from the colour item to its alpha plane).
    /// libheif in Magick.NET hands the colours over still multiplied by alpha, so every translucent pixel came out
    /// darker (27.8 dB from avifdec, which divides it out, on a picture with an alpha ramp); the sample is made at test
    /// time from an RGBA PNG with a ramp of alpha.
    /// </summary>
    public sealed class PremultipliedHeifAlphaTests : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-prem-" + Guid.NewGuid().ToString("N"));

        public PremultipliedHeifAlphaTests(ITestOutputHelper output)
        {
            _output = output;
            Directory.CreateDirectory(_dir);
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void AnAvifWithPremultipliedAlphaIsSentWithItsColoursAsAvifdecShowsThem(bool premultiplied)
        {
            string png = Path.Combine(_dir, "src.png"), avif = Path.Combine(_dir, "alpha.avif"), reference = Path.Combine(_dir, "avifdec.png");
            // Saturated colours under an alpha ramp from 0 (left) to 255 (right).
            TestCorpus.Run("convert", "-size", "96x64", "gradient:#e02020-#20c040", "(", "-size", "64x96", "gradient:black-white",
                "-rotate", "-90", ")", "-alpha", "off", "-compose", "CopyOpacity", "-composite", "-depth", "8", png);
            var args = new System.Collections.Generic.List<string> { "--min", "0", "--max", "4", "--minalpha", "0", "--maxalpha", "0", "-y", "444" };
            if (premultiplied)
            {
                args.Add("-p");
            }
            args.Add(png);
            args.Add(avif);
            TestCorpus.Run("avifenc", args.ToArray());
            Assert.Equal(premultiplied, HeifBoxes.PrimaryAlphaPremultiplied(File.ReadAllBytes(avif)));
            TestCorpus.Run("avifdec", avif, reference);

            PreparedImage image = ImagePreparer.Prepare(avif, new PrepareOptions { Format = PreparedFormat.Png });
            string ours = Path.Combine(_dir, "ours.png");
            File.WriteAllBytes(ours, image.Bytes);
            byte[] a = TestCorpus.MagickRgba(ours, out int w1, out int h1);
            byte[] b = TestCorpus.MagickRgba(reference, out int w2, out int h2);
            Assert.Equal((w2, h2), (w1, h1));
            double psnr = TestCorpus.Psnr(a, b);
            _output.WriteLine($"premultiplied={premultiplied}: {psnr:0.0} dB from avifdec");
            Assert.True(psnr > 40, $"{psnr:0.0} dB from avifdec");
        }

        [Fact]
        public void UnpremultiplyingDividesByAlphaAndLeavesOpaqueAndClearPixels()
        {
            byte[] rgba = { 100, 50, 0, 128, 200, 100, 10, 255, 7, 7, 7, 0, 255, 255, 255, 254 };
            PixelAlpha.Unpremultiply(rgba, 4);
            Assert.Equal(new byte[] { 199, 100, 0, 128, 200, 100, 10, 255, 7, 7, 7, 0, 255, 255, 255, 254 }, rgba);
        }
    }
}
