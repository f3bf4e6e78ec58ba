using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace VisionPS.Core.Imaging
{
    /// <summary>An image ready to send: the encoded bytes, their MIME type, and what was done to get them.</summary>
    public sealed class PreparedImage
    {
        private string? _sha256;

        internal PreparedImage(string sourceName, byte[] bytes, string mimeType, int width, int height)
        {
            SourceName = sourceName;
            Bytes = bytes;
            MimeType = mimeType;
            Width = width;
            Height = height;
        }

        /// <summary>The file name or label the image came from.</summary>
        public string SourceName { get; }

        /// <summary>The encoded image (the original file's bytes when <see cref="Action"/> is Pass). Do not modify.</summary>
        public byte[] Bytes { get; }

        /// <summary><c>image/png</c>, <c>image/jpeg</c>, <c>image/webp</c> or <c>image/gif</c>.</summary>
        public string MimeType { get; }

        /// <summary>Width of the prepared image, as displayed.</summary>
        public int Width { get; }

        /// <summary>Height of the prepared image, as displayed.</summary>
        public int Height { get; }

        /// <summary>Stored width of the source (before orientation).</summary>
        public int SourceWidth { get; internal set; }

        /// <summary>Stored height of the source (before orientation).</summary>
        public int SourceHeight { get; internal set; }

        public ImageFormat SourceFormat { get; internal set; }

        /// <summary>The EXIF orientation (2-8) that was applied to the pixels, or 1 when none was needed.</summary>
        public int OrientationApplied { get; internal set; } = 1;

        public PrepareAction Action { get; internal set; }

        /// <summary>Things the caller may want to show: first frame of an animation, a truncated file, a lowered quality.</summary>
        public IReadOnlyList<string> Warnings { get; internal set; } = Array.Empty<string>();

        /// <summary>Input tokens the image costs (for the options' model and detail, or gpt-4o rules by default).</summary>
        public int EstimatedTokens { get; internal set; }

        /// <summary>Length of <see cref="ToDataUrl"/> in characters, without building it.</summary>
        public long DataUrlLength => 5 + MimeType.Length + 8 + (((Bytes.LongLength + 2) / 3) * 4);

        /// <summary>Lower-case hex SHA-256 of <see cref="Bytes"/>.</summary>
        public string Sha256
        {
            get
            {
                if (_sha256 is null)
                {
#if NET
                    byte[] hash = SHA256.HashData(Bytes);
#else
                    using var sha = SHA256.Create();
                    byte[] hash = sha.ComputeHash(Bytes);
#endif
                    _sha256 = Hex.Lower(hash);
                }
                return _sha256;
            }
        }

        /// <summary><c>data:&lt;mime&gt;;base64,...</c> built straight from the bytes (never through System.Uri).</summary>
        public string ToDataUrl()
        {
            string prefix = "data:" + MimeType + ";base64,";
#if NET
            int length = checked(prefix.Length + (int)(((Bytes.LongLength + 2) / 3) * 4));
            return string.Create(length, (prefix, Bytes), static (span, state) =>
            {
                state.prefix.AsSpan().CopyTo(span);
                Convert.TryToBase64Chars(state.Bytes, span.Slice(state.prefix.Length), out _);
            });
#else
            return prefix + Convert.ToBase64String(Bytes);
#endif
        }

        /// <summary>Writes the data URL to <paramref name="writer"/> in chunks, without building one large string.</summary>
        public void WriteDataUrl(TextWriter writer)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }
            writer.Write("data:");
            writer.Write(MimeType);
            writer.Write(";base64,");
            char[] chars = new char[16384];
            const int chunk = 12288; // a multiple of 3: no padding mid-stream
            for (int at = 0; at < Bytes.Length; at += chunk)
            {
                int n = Math.Min(chunk, Bytes.Length - at);
                int written = Convert.ToBase64CharArray(Bytes, at, n, chars, 0);
                writer.Write(chars, 0, written);
            }
        }

        /// <summary>Writes the data URL as ASCII/UTF-8 bytes to <paramref name="stream"/>, in chunks.</summary>
        public void WriteDataUrl(Stream stream)
        {
            if (stream is null)
            {
                throw new ArgumentNullException(nameof(stream));
            }
            byte[] prefix = Encoding.ASCII.GetBytes("data:" + MimeType + ";base64,");
            stream.Write(prefix, 0, prefix.Length);
            char[] chars = new char[16384];
            byte[] ascii = new byte[16384];
            const int chunk = 12288;
            for (int at = 0; at < Bytes.Length; at += chunk)
            {
                int n = Math.Min(chunk, Bytes.Length - at);
                int written = Convert.ToBase64CharArray(Bytes, at, n, chars, 0);
                for (int i = 0; i < written; i++)
                {
                    ascii[i] = (byte)chars[i];
                }
                stream.Write(ascii, 0, written);
            }
        }
    }
}
