using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>PNG chunks as the tests make and read them: a whole chunk (length, type, data, CRC), and a file's chunks in order.</summary>
    internal static class TestPngChunks
    {
        /// <summary>A whole chunk: its big-endian length, its type, <paramref name="data"/> and the CRC of type and data.</summary>
        public static byte[] Chunk(string type, byte[] data)
        {
            byte[] chunk = new byte[12 + data.Length];
            BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
            Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
            data.CopyTo(chunk, 8);
            BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length),
                System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
            return chunk;
        }

        /// <summary>The chunks of <paramref name="png"/> after its 8-byte signature, each as its type and its whole bytes.</summary>
        public static List<(string Type, byte[] Whole)> Chunks(byte[] png)
        {
            var list = new List<(string, byte[])>();
            int at = 8;
            while (at + 12 <= png.Length)
            {
                int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
                list.Add((Encoding.ASCII.GetString(png, at + 4, 4), png.AsSpan(at, 12 + length).ToArray()));
                at += 12 + length;
            }
            return list;
        }
    }
}
