using System;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>The row conversions that take libjpeg-turbo's pixels (through Magick.NET's pixel cache) into RGBA.</summary>
    public sealed class PixelRowsTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(5)]
        [InlineData(6)]
        [InlineData(7)]
        [InlineData(13)]
        [InlineData(64)]
        [InlineData(1001)]
        public unsafe void RgbRowsBecomeOpaqueRgbaAtEveryWidth(int width)
        {
            var random = new Random(width);
            byte[] rgb = new byte[width * 3];
            random.NextBytes(rgb);
            // One guard pixel past the row: the vector steps must neither read past the row's end nor write past its pixels.
            byte[] rgba = new byte[(width + 1) * 4];
            rgba.AsSpan().Fill(0x5A);
            fixed (byte* s = rgb)
            fixed (byte* d = rgba)
            {
                PixelRows.RgbToRgba(s, d, width);
            }
            for (int x = 0; x < width; x++)
            {
                Assert.Equal(new[] { rgb[x * 3], rgb[(x * 3) + 1], rgb[(x * 3) + 2], (byte)255 }, rgba.AsSpan(x * 4, 4).ToArray());
            }
            Assert.Equal(new byte[] { 0x5A, 0x5A, 0x5A, 0x5A }, rgba.AsSpan(width * 4, 4).ToArray());
        }

        [Fact]
        public unsafe void GreySamplesWithAColourMapIndexBecomeOpaqueRgba()
        {
            // ImageMagick keeps a grey JPEG as grey plus its colour-map index, two bytes a pixel.
            byte[] cache = { 10, 1, 200, 2, 0, 3, 255, 4 };
            byte[] rgba = new byte[16];
            fixed (byte* s = cache)
            fixed (byte* d = rgba)
            {
                PixelRows.GrayToRgba(s, 2, d, 4);
            }
            Assert.Equal(new byte[] { 10, 10, 10, 255, 200, 200, 200, 255, 0, 0, 0, 255, 255, 255, 255, 255 }, rgba);
        }
    }
}
