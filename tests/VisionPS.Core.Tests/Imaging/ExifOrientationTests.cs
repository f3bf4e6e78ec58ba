using System;
using System.IO;
using System.Linq;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class ExifOrientationTests
    {
        // A minimal JPEG prefix: SOI, APP1 "Exif" with a one-entry IFD0, then SOS.
        private static byte[] Jpeg(bool littleEndian, ushort type, uint value)
        {
            var tiff = new MemoryStream();
            void U16(int v) { if (littleEndian) { tiff.WriteByte((byte)v); tiff.WriteByte((byte)(v >> 8)); } else { tiff.WriteByte((byte)(v >> 8)); tiff.WriteByte((byte)v); } }
            void U32(uint v) { if (littleEndian) { U16((int)(v & 0xFFFF)); U16((int)(v >> 16)); } else { U16((int)(v >> 16)); U16((int)(v & 0xFFFF)); } }
            tiff.Write(littleEndian ? "II"u8 : "MM"u8);
            U16(42);
            U32(8);
            U16(1);
            U16(0x0112);
            U16(type);
            U32(1);
            if (type == 3) { U16((int)value); U16(0); } else { U32(value); }
            U32(0);
            byte[] body = "Exif\0\0"u8.ToArray().Concat(tiff.ToArray()).ToArray();
            int len = body.Length + 2;
            return new byte[] { 0xFF, 0xD8, 0xFF, 0xE1, (byte)(len >> 8), (byte)len }.Concat(body)
                .Concat(new byte[] { 0xFF, 0xDA, 0x00, 0x02 }).ToArray();
        }

        [Theory]
        [InlineData(true, 3, 6u, 6)]
        [InlineData(false, 3, 8u, 8)]
        [InlineData(true, 4, 3u, 3)]
        [InlineData(true, 9, 6u, 6)]
        [InlineData(false, 3, 9u, 0)]
        [InlineData(true, 3, 0u, 0)]
        [InlineData(true, 2, 6u, 0)]
        public void ReadsTheOrientationTagInEitherByteOrderAndRejectsOutOfRangeValues(bool little, ushort type, uint value, int expected)
        {
            Assert.Equal(expected, ExifOrientation.FromJpeg(Jpeg(little, type, value)));
        }

        /// <summary>
        /// A 40x30 PNG, red in its top-left 10x10 corner and blue elsewhere, with an eXIf chunk naming orientation 6 right
        /// after its IHDR, or just before its IEND (after the pixel data).
        /// </summary>
        private static byte[] PngWithExif(bool beforePixels)
        {
            using var bmp = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(40, 30, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque));
            bmp.Erase(SkiaSharp.SKColors.Blue);
            for (int y = 0; y < 10; y++)
            {
                for (int x = 0; x < 10; x++)
                {
                    bmp.SetPixel(x, y, SkiaSharp.SKColors.Red);
                }
            }
            byte[] png = bmp.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100).ToArray();
            byte[] tiff = Jpeg(littleEndian: true, type: 3, value: 6).Skip(12).SkipLast(4).ToArray(); // SOI, APP1 header, "Exif\0\0"; SOS
            byte[] body = "eXIf"u8.ToArray().Concat(tiff).ToArray();
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(body);
            byte[] chunk = new byte[] { 0, 0, (byte)(tiff.Length >> 8), (byte)tiff.Length }.Concat(body)
                .Concat(new[] { (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc }).ToArray();
            int at = beforePixels ? 33 : png.Length - 12;
            return png.Take(at).Concat(chunk).Concat(png.Skip(at)).ToArray();
        }

        [Fact]
        public void APngIsTurnedUprightByItsExifChunkBeforeItsPixelsAsBrowsersDo()
        {
            byte[] png = PngWithExif(beforePixels: true);
            Assert.Equal(6, ExifOrientation.FromPng(png));
            Assert.Equal((6, 30, 40), (ImageProbe.Probe(png, "exif.png").Orientation, ImageProbe.Probe(png, "exif.png").DisplayWidth, ImageProbe.Probe(png, "exif.png").DisplayHeight));

            PreparedImage image = ImagePreparer.Prepare(png, "exif.png", new PrepareOptions { Format = PreparedFormat.Png });

            Assert.Equal(PrepareAction.Reencode, image.Action);
            Assert.Equal((30, 40), (image.Width, image.Height));
            using SkiaSharp.SKBitmap sent = SkiaSharp.SKBitmap.Decode(image.Bytes);
            // Orientation 6: the stored image is turned 90 degrees clockwise, so its top-left corner goes to the top right.
            Assert.Equal(SkiaSharp.SKColors.Red, sent.GetPixel(25, 5));
            Assert.Equal(SkiaSharp.SKColors.Blue, sent.GetPixel(5, 5));
        }

        [Fact]
        public void APngsExifChunkAfterItsPixelsIsIgnoredAsBrowsersIgnoreIt()
        {
            byte[] png = PngWithExif(beforePixels: false);
            Assert.Equal(0, ExifOrientation.FromPng(png));
            PreparedImage image = ImagePreparer.Prepare(png, "late.png");
            Assert.Equal(PrepareAction.Pass, image.Action);
        }

        [Fact]
        public void TruncatedOrGarbageSegmentsYieldZeroNeverThrow()
        {
            byte[] good = Jpeg(true, 3, 6);
            for (int n = 0; n <= good.Length; n++)
            {
                int value = ExifOrientation.FromJpeg(good.AsSpan(0, n));
                Assert.InRange(value, 0, 8);
            }
            var rng = new Random(1234);
            for (int i = 0; i < 2000; i++)
            {
                byte[] copy = (byte[])good.Clone();
                copy[rng.Next(2, copy.Length)] = (byte)rng.Next(256);
                Assert.InRange(ExifOrientation.FromJpeg(copy), 0, 8);
            }
        }

        [Fact]
        public void NotAJpegIsZero()
        {
            Assert.Equal(0, ExifOrientation.FromJpeg("\x89PNG\r\n\x1a\n"u8));
            Assert.Equal(0, ExifOrientation.FromJpeg(ReadOnlySpan<byte>.Empty));
        }
    }
}
