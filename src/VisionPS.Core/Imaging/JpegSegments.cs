using System;
using System.Collections.Generic;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The one walker over a JPEG's marker segments before its first scan: skips fill bytes and stand-alone markers,
    /// yields each segment's marker and payload, and stops at SOS, EOI or anything that is not a marker.
    /// </summary>
    internal static class JpegSegments
    {
        /// <summary>
        /// Reads the segment at <paramref name="i"/> (advancing past it). False at SOS or EOI, at a byte that is not a
        /// marker, at a length below 2, or when the segment's header runs past <paramref name="b"/>. The payload may
        /// run past the end of <paramref name="b"/>: callers check what they read.
        /// </summary>
        public static bool Next(ReadOnlySpan<byte> b, ref int i, out byte marker, out int payloadStart, out int payloadLength)
        {
            while (i + 4 <= b.Length && b[i] == 0xFF)
            {
                marker = b[i + 1];
                if (marker == 0xFF)
                {
                    i++; // fill byte
                    continue;
                }
                if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
                {
                    i += 2; // stand-alone marker, no length
                    continue;
                }
                if (marker is 0xDA or 0xD9)
                {
                    break;
                }
                int length = (b[i + 2] << 8) | b[i + 3];
                if (length < 2)
                {
                    break;
                }
                payloadStart = i + 4;
                payloadLength = length - 2;
                i += 2 + length;
                return true;
            }
            marker = 0;
            payloadStart = 0;
            payloadLength = 0;
            return false;
        }

        /// <summary>
        /// The file without the bytes that lie between its segments before the first scan and belong to none of them
        /// (an editor's stray bytes after an APP or COM segment, whose length may be a few bytes short), or null when
        /// there are none, the header cannot be walked, or such bytes follow a table or frame header (whose own length
        /// then lies, and whose tables are damage). libjpeg skips such bytes as its next_marker does ("N extraneous bytes
        /// before marker 0xDB"), so the picture is the same without them; inside or after a scan they are damage, and
        /// are left for the scan checks to find.
        /// </summary>
        public static byte[]? WithoutHeaderJunk(byte[] b)
        {
            if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8)
            {
                return null;
            }
            List<(int Start, int End)>? junk = null;
            int i = 2;
            byte previous = 0xD8;
            while (true)
            {
                // As libjpeg's next_marker: bytes up to a 0xFF, and 0xFF 0x00 pairs, belong to no segment; fill bytes
                // (0xFF runs) before a marker are allowed.
                int start = i;
                int marker;
                while (true)
                {
                    while (i < b.Length && b[i] != 0xFF)
                    {
                        i++;
                    }
                    int fill = i;
                    while (i + 1 < b.Length && b[i + 1] == 0xFF)
                    {
                        i++;
                    }
                    if (i + 1 >= b.Length)
                    {
                        return null;
                    }
                    if (b[i + 1] == 0x00)
                    {
                        i += 2;
                        continue;
                    }
                    if (fill > start)
                    {
                        if (previous is not ((>= 0xE0 and <= 0xEF) or 0xFE or 0xD8))
                        {
                            // After a table or frame header whose length lies, the tables themselves are wrong: damage.
                            return null;
                        }
                        (junk ??= new List<(int, int)>()).Add((start, fill));
                    }
                    marker = b[i + 1];
                    break;
                }
                if (marker is 0xDA or 0xD9)
                {
                    break;
                }
                previous = (byte)marker;
                if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
                {
                    i += 2;
                    continue;
                }
                if (i + 4 > b.Length)
                {
                    return null;
                }
                int length = (b[i + 2] << 8) | b[i + 3];
                if (length < 2)
                {
                    return null;
                }
                i += 2 + length;
            }
            if (junk is null)
            {
                return null;
            }
            int removed = 0;
            foreach ((int s, int e) in junk)
            {
                removed += e - s;
            }
            byte[] clean = new byte[b.Length - removed];
            int from = 0, to = 0;
            foreach ((int s, int e) in junk)
            {
                Buffer.BlockCopy(b, from, clean, to, s - from);
                to += s - from;
                from = e;
            }
            Buffer.BlockCopy(b, from, clean, to, b.Length - from);
            return clean;
        }

        /// <summary>
        /// Whether <paramref name="marker"/> is an APPn or COM marker found among the segments before the first scan and
        /// nowhere after it: libjpeg's "extraneous bytes before" such a marker is then about the header (ImageMagick's
        /// own APP13 reader can leave part of a Photoshop segment for libjpeg to skip), not about any scan's data.
        /// </summary>
        public static bool IsHeaderOnlyMetadataMarker(byte[] b, byte marker)
        {
            if (marker is not ((>= 0xE0 and <= 0xEF) or 0xFE))
            {
                return false;
            }
            int i = 2;
            bool seen = false;
            while (Next(b, ref i, out byte m, out _, out _))
            {
                seen |= m == marker;
            }
            if (!seen || i + 1 >= b.Length || b[i] != 0xFF || b[i + 1] != 0xDA)
            {
                return false;
            }
            for (int k = i + 2; k + 1 < b.Length; k++)
            {
                if (b[k] == 0xFF && b[k + 1] == marker)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Whether the marker starts a frame header (SOF0-SOF15 but not DHT, JPG or DAC).</summary>
        public static bool IsFrameHeader(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
    }
}
