using System;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// av1-avif's Apple/edge_case_testing/non_compliant/truncated_elementary_stream.avif: a single-layer primary image
    /// (1024x768, no layer property of its own) beside a second, layered item ('lsel'). Magick.NET's libheif refuses
    /// the primary ("Security limit exceeded: Image size 2048x1536 exceeds the maximum image size 1032192"), and VisionPS
    /// called it "a layered image with an operating point or layer selected" because an 'lsel' was anywhere in the
    /// file. Only a layer property the primary image itself has ('ipma') makes it layered now; otherwise the size
    /// mismatch is told as what it is, with both sizes.
    /// </summary>
    public sealed class AvifLayerWordingTests : IDisposable
    {
        private const string RealRaw = "Memory allocation error: Security limit exceeded: Image size 2048x1536 exceeds the maximum image size 1032192\n" +
            " (6.1000) `/tmp/magick-DfFU4Thz0kQGNgRFWOI5a8_ibNC0oCHw' @ error/heic.c/IsHEIFSuccess/207";

        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-avif-layer-" + Guid.NewGuid().ToString("N"));

        public AvifLayerWordingTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        /// <summary>
        /// An avifenc AVIF (ispe, pixi, av1C, colr: the primary item's associations 1, 2, 0x83, 4) whose 'pixi' box is
        /// renamed <paramref name="property"/>, associated with the primary image or with nothing (association 0).
        /// </summary>
        private byte[] AvifWith(string property, bool primaryHasIt)
        {
            string png = Path.Combine(_dir, "in.png"), avif = Path.Combine(_dir, "in.avif");
            TestCorpus.Run("convert", "-size", "64x48", "gradient:red-blue", png);
            TestCorpus.Run("avifenc", png, avif);
            byte[] file = File.ReadAllBytes(avif);
            int pixi = file.AsSpan().IndexOf("pixi"u8), ipma = file.AsSpan().IndexOf("ipma"u8);
            Assert.True(pixi > 0 && ipma > 0);
            System.Text.Encoding.ASCII.GetBytes(property).CopyTo(file, pixi);
            // ipma: type, version/flags, entry count, item ID (16 bits), association count, then the associations.
            int associations = ipma + 4 + 4 + 4 + 2 + 1;
            Assert.Equal(new byte[] { 1, 2, 0x83, 4 }, file.AsSpan(associations, 4).ToArray());
            if (!primaryHasIt)
            {
                file[associations + 1] = 0;
            }
            return file;
        }

        [Fact]
        public void ALayerPropertyOfAnotherItemDoesNotMakeThePrimaryLayered()
        {
            byte[] avif = AvifWith("lsel", primaryHasIt: false);
            Assert.False(HeifBoxes.HasLayerSelection(avif));
            ImageProcessingException ex = MagickCodec.Translate(new InvalidOperationException(RealRaw), "stream.avif", ImageFormat.Avif, avif);
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.DoesNotContain("layer", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("'stream.avif'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("its coded stream declares a picture size of 2048x1536, larger than the size the file declares (64x48)", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("magick-", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("lsel")]
        [InlineData("a1op")]
        [InlineData("a1lx")]
        public void APrimaryWithItsOwnLayerPropertyIsStillToldAsLayered(string property)
        {
            byte[] avif = AvifWith(property, primaryHasIt: true);
            Assert.True(HeifBoxes.HasLayerSelection(avif));
            ImageProcessingException ex = MagickCodec.Translate(new InvalidOperationException(RealRaw), "layers.avif", ImageFormat.Avif, avif);
            Assert.Equal(ImageErrorReason.UnsupportedFormat, ex.Reason);
            Assert.Contains("a layered image", ex.Message, StringComparison.Ordinal);
        }
    }
}
