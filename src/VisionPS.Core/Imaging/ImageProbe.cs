using System;
using System.IO;
using SkiaSharp;

namespace VisionPS.Core.Imaging
{
    /// <summary>Reads image headers through SkiaSharp's codec, without decoding pixels.</summary>
    public static class ImageProbe
    {
        /// <summary>Reads the header of the image file at <paramref name="path"/>.</summary>
        public static ImageHeader Probe(string path)
        {
            using var stream = File.OpenRead(path);
            // 64 KiB holds the format's magic bytes and, for JPEG, the EXIF APP1 segment.
            var head = new byte[Math.Min(stream.Length, 64 * 1024)];
            int read = 0;
            for (int n; read < head.Length && (n = stream.Read(head, read, head.Length - read)) > 0;)
            {
                read += n;
            }
            stream.Position = 0;
            ImageFormat format = Sniff(head.AsSpan(0, read));
            using var managed = new SKManagedStream(stream, disposeManagedStream: false);
            using var codec = SKCodec.Create(managed);
            if (codec is null)
            {
                throw new InvalidDataException($"'{path}' is not an image SkiaSharp can read (format: {format}).");
            }
            int orientation = format == ImageFormat.Jpeg ? ExifOrientation.FromJpeg(head.AsSpan(0, read)) : 0;
            if (orientation == 0)
            {
                orientation = (int)codec.EncodedOrigin;
            }
            return new ImageHeader(format, codec.Info.Width, codec.Info.Height, orientation);
        }

        /// <summary>The container format named by the first bytes of a file.</summary>
        public static ImageFormat Sniff(ReadOnlySpan<byte> b)
        {
            if (b.Length >= 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G')
            {
                return ImageFormat.Png;
            }
            if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
            {
                return ImageFormat.Jpeg;
            }
            if (b.Length >= 6 && b[0] == (byte)'G' && b[1] == (byte)'I' && b[2] == (byte)'F' && b[3] == (byte)'8')
            {
                return ImageFormat.Gif;
            }
            if (b.Length >= 12 && b[0] == (byte)'R' && b[1] == (byte)'I' && b[2] == (byte)'F' && b[3] == (byte)'F'
                && b[8] == (byte)'W' && b[9] == (byte)'E' && b[10] == (byte)'B' && b[11] == (byte)'P')
            {
                return ImageFormat.WebP;
            }
            if (b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M')
            {
                return ImageFormat.Bmp;
            }
            return ImageFormat.Unknown;
        }
    }
}
