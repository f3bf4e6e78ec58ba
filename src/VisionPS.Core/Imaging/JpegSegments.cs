using System;

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

        /// <summary>Whether the marker starts a frame header (SOF0-SOF15 but not DHT, JPG or DAC).</summary>
        public static bool IsFrameHeader(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
    }
}
