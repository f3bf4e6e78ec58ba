using System;
using System.Linq;
using System.Security.Cryptography;
using SkiaSharp;

namespace VisionPS.OpenAI.Tests.Support
{
    /// <summary>Tiny real images made by the tests themselves.</summary>
    public static class TestImages
    {
        public static byte[] Encode(SKEncodedImageFormat format, int width, int height, byte seed = 0)
        {
            // Opaque: every pixel is, and a PNG then has no alpha channel (an all-opaque alpha channel is re-encoded, not
            // passed through, so the tests that count on a pass-through would not get one).
            using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor((byte)(x * 7 + seed), (byte)(y * 5), (byte)(x ^ y), 255));
                }
            }
            using SKImage image = SKImage.FromBitmap(bitmap);
            using SKData data = image.Encode(format, 90);
            return data.ToArray();
        }

        public static byte[] Png(int width = 64, int height = 48, byte seed = 0) => Encode(SKEncodedImageFormat.Png, width, height, seed);

        public static byte[] Jpeg(int width = 64, int height = 48, byte seed = 0) => Encode(SKEncodedImageFormat.Jpeg, width, height, seed);

        public static byte[] Webp(int width = 64, int height = 48, byte seed = 0) => Encode(SKEncodedImageFormat.Webp, width, height, seed);

        private static readonly byte[] s_gifHead = { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00 };
        private static readonly byte[] s_gifFrame = { 0x21, 0xF9, 0x04, 0x04, 0x0A, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00 };
        private static readonly byte[] s_netscapeLoop = { 0x21, 0xFF, 0x0B, (byte)'N', (byte)'E', (byte)'T', (byte)'S', (byte)'C', (byte)'A', (byte)'P', (byte)'E', (byte)'2', (byte)'.', (byte)'0', 0x03, 0x01, 0x00, 0x00, 0x00 };

        /// <summary>A 1x1 static GIF.</summary>
        public static byte[] Gif() => s_gifHead.Concat(s_gifFrame).Append((byte)0x3B).ToArray();

        /// <summary>A 1x1 GIF with two frames and a loop: animated, which the service refuses.</summary>
        public static byte[] AnimatedGif() => s_gifHead.Concat(s_netscapeLoop).Concat(s_gifFrame).Concat(s_gifFrame).Append((byte)0x3B).ToArray();

        /// <summary>A 1x1 24-bit BMP: a real image in a format the service does not take.</summary>
        public static byte[] Bmp()
        {
            byte[] bmp = new byte[58];
            bmp[0] = (byte)'B';
            bmp[1] = (byte)'M';
            BitConverter.GetBytes(58).CopyTo(bmp, 2);
            BitConverter.GetBytes(54).CopyTo(bmp, 10);
            BitConverter.GetBytes(40).CopyTo(bmp, 14);
            BitConverter.GetBytes(1).CopyTo(bmp, 18);
            BitConverter.GetBytes(1).CopyTo(bmp, 22);
            BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
            BitConverter.GetBytes((short)24).CopyTo(bmp, 28);
            BitConverter.GetBytes(4).CopyTo(bmp, 34);
            bmp[54] = 0xFF;
            return bmp;
        }

        public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
