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
