using System;
using System.Collections.Generic;
using System.IO;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Leaves bulky metadata out of a PNG that passes through: text chunks (tEXt, zTXt, iTXt: an AI generator's prompt
    /// and workflow, an editor's XMP history), tIME, sPLT, and private ancillary chunks (an editor's layers or preview).
    /// They do not change a pixel but are paid for in upload size and count against the request's size limit. The
    /// pixel data and every chunk that decides how the pixels look are copied byte for byte: the critical chunks, the
    /// colour chunks (gAMA, cHRM, sRGB, iCCP, cICP, mDCV, cLLI, sBIT), transparency and background (tRNS, bKGD),
    /// the physical size chunks, and the orientation in eXIf (a large eXIf is cut down to its orientation).
    /// </summary>
    internal static class PngMetadata
    {
        /// <summary>
        /// Below this many bytes of such metadata the file goes out as it is, byte for byte (an answer cached for it
        /// stays found, the bytes are the user's own). Ordinary PNGs carry a few hundred bytes to a few KiB (a creation
        /// time, a software name, a small XMP packet); a generator's embedded workflow or an editor's history runs to
        /// hundreds of KiB or MBs. 64 KiB is about 87 KB of base64 in the request: under it a rewrite saves too little
        /// to matter, over it the metadata is likely to outweigh a small screenshot's pixels.
        /// </summary>
        internal const long MaxKeptMetadataBytes = 64 * 1024;

        /// <summary>
        /// Ancillary chunks that carry meaning for the picture (colour, transparency, size, animation): kept. The HDR chunks
        /// under both spellings: mDCV/cLLI (PNG third edition) and mDCv/cLLi (its drafts, which encoders wrote first).
        /// </summary>
        private static readonly HashSet<string> s_kept = new(StringComparer.Ordinal)
        {
            "gAMA", "cHRM", "sRGB", "iCCP", "cICP", "mDCV", "cLLI", "mDCv", "cLLi", "sBIT", "tRNS", "bKGD", "hIST", "pHYs", "oFFs",
            "pCAL", "sCAL", "sTER", "acTL", "fcTL", "fdAT", "eXIf",
        };

        /// <summary>
        /// The PNG without its bulky metadata chunks when they add up to more than <see cref="MaxKeptMetadataBytes"/>;
        /// otherwise (or when its chunk walk does not reach IEND) <paramref name="png"/> itself.
        /// </summary>
        public static byte[] WithoutBulkyMetadata(byte[] png)
        {
            var chunks = new List<(int At, int Length, string Type)>();
            long metadata = 0;
            long at = 8;
            while (at + 12 <= png.Length)
            {
                long length = ContainerHeaders.U32(png, (int)at);
                if (at + 12 + length > png.Length)
                {
                    return png;
                }
                string type = System.Text.Encoding.ASCII.GetString(png, (int)at + 4, 4);
                chunks.Add(((int)at, (int)length, type));
                if (IsDropped(type) || (type == "eXIf" && length > MaxKeptMetadataBytes))
                {
                    metadata += 12 + length;
                }
                at += 12 + length;
                if (type == "IEND")
                {
                    break;
                }
            }
            if (metadata <= MaxKeptMetadataBytes || chunks.Count == 0 || chunks[chunks.Count - 1].Type != "IEND")
            {
                return png;
            }
            using var output = new MemoryStream(png.Length);
            output.Write(png, 0, 8);
            foreach ((int start, int length, string type) in chunks)
            {
                if (IsDropped(type))
                {
                    continue;
                }
                if (type == "eXIf" && length > MaxKeptMetadataBytes)
                {
                    // A camera's whole EXIF (maker notes, a thumbnail): only the orientation decides how it is shown.
                    int orientation = ExifOrientation.FromTiff(png.AsSpan(start + 8, length));
                    if (orientation is >= 1 and <= 8)
                    {
                        WriteChunk(output, "eXIf"u8, ExifOrientation.MinimalTiff(orientation));
                    }
                    continue;
                }
                output.Write(png, start, 12 + length);
            }
            return output.ToArray();
        }

        /// <summary>Text, time, suggested palettes, and any ancillary chunk this list does not know (private ones included).</summary>
        private static bool IsDropped(string type) =>
            char.IsLower(type[0]) && !s_kept.Contains(type);

        private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, byte[] data)
        {
            byte[] chunk = new byte[12 + data.Length];
            chunk[0] = (byte)(data.Length >> 24);
            chunk[1] = (byte)(data.Length >> 16);
            chunk[2] = (byte)(data.Length >> 8);
            chunk[3] = (byte)data.Length;
            type.CopyTo(chunk.AsSpan(4));
            data.CopyTo(chunk, 8);
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length));
            chunk[8 + data.Length] = (byte)(crc >> 24);
            chunk[9 + data.Length] = (byte)(crc >> 16);
            chunk[10 + data.Length] = (byte)(crc >> 8);
            chunk[11 + data.Length] = (byte)crc;
            output.Write(chunk, 0, chunk.Length);
        }
    }
}
