using System;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The marker structure of a whole JPEG, cheap enough for every file (a vectorised search for 0xFF through the
    /// entropy-coded data, no decoding): inside a scan only stuffed bytes (FF 00), fill bytes and restart markers in
    /// sequence may appear; a scan ends at a real marker; a scan with a restart interval holds exactly the restart
    /// markers its blocks call for. This is what catches damage in a progressive JPEG that is re-encoded (Skia's decoder
    /// reads past it silently, and libjpeg's full check, <see cref="JpegScanCheck"/>, would double its decode):
    /// lost, repeated or reordered restart intervals, garbage that carries marker bytes, a scan cut short when it has
    /// restart markers. A bit flip that keeps the markers intact needs a Huffman decode to see, and is not caught here.
    /// </summary>
    internal static class JpegMarkers
    {
        /// <summary>What is wrong with the JPEG's marker structure, or null (also null for a file cut short: the EOI check says so).</summary>
#if NET
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
#endif
        public static string? Check(ReadOnlySpan<byte> b)
        {
            if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8)
            {
                return null;
            }
            var frame = new Frame();
            int restartInterval = 0;
            int i = 2;
            while (true)
            {
                // Between segments: fill bytes, then a marker.
                if (i + 1 >= b.Length)
                {
                    return null;
                }
                if (b[i] != 0xFF)
                {
                    int garbage = 0;
                    while (i < b.Length && b[i] != 0xFF)
                    {
                        i++;
                        garbage++;
                    }
                    return $"its marker structure is corrupt: {garbage} bytes that belong to no segment before offset {i}";
                }
                while (i + 1 < b.Length && b[i + 1] == 0xFF)
                {
                    i++;
                }
                if (i + 1 >= b.Length)
                {
                    return null;
                }
                byte marker = b[i + 1];
                if (marker == 0xD9)
                {
                    return null;
                }
                if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
                {
                    i += 2; // stand-alone marker
                    continue;
                }
                if (!IsSegmentMarker(marker))
                {
                    return $"its marker structure is corrupt: an invalid marker 0x{marker:X2} at offset {i}";
                }
                if (i + 4 > b.Length)
                {
                    return null;
                }
                int length = (b[i + 2] << 8) | b[i + 3];
                if (length < 2)
                {
                    return $"its marker structure is corrupt: the 0x{marker:X2} segment at offset {i} has a length of {length}";
                }
                int payload = i + 4, end = i + 2 + length;
                if (end > b.Length)
                {
                    return null;
                }
                if (JpegSegments.IsFrameHeader(marker))
                {
                    frame = Frame.Read(b.Slice(payload, length - 2), lossless: marker is 0xC3 or 0xC7 or 0xCB or 0xCF);
                }
                else if (marker == 0xDD && length >= 4)
                {
                    restartInterval = (b[payload] << 8) | b[payload + 1];
                }
                i = end;
                if (marker != 0xDA)
                {
                    continue;
                }

                // A scan: its entropy-coded data runs to the next marker that is not a restart marker.
                long blocks = frame.McusInScan(b.Slice(payload, length - 2));
                int expected = 0, restarts = 0, lastRestartEnd = -1;
                while (true)
                {
                    int at = b.Slice(i).IndexOf((byte)0xFF);
                    if (at < 0 || i + at + 1 >= b.Length)
                    {
                        return null; // cut short: the EOI check reports it
                    }
                    i += at;
                    byte next = b[i + 1];
                    if (next == 0x00)
                    {
                        i += 2;
                        continue;
                    }
                    if (next == 0xFF)
                    {
                        i++;
                        continue;
                    }
                    if (next is >= 0xD0 and <= 0xD7)
                    {
                        if (restartInterval == 0)
                        {
                            return $"its entropy-coded scan is corrupt: a restart marker RST{next - 0xD0} at offset {i} in a scan that has no restart interval";
                        }
                        if (next - 0xD0 != expected)
                        {
                            return $"its restart markers are out of sequence, so part of its entropy-coded scan is lost or misplaced: RST{next - 0xD0} where RST{expected} belongs, at offset {i}";
                        }
                        expected = (expected + 1) & 7;
                        restarts++;
                        i += 2;
                        lastRestartEnd = i;
                        continue;
                    }
                    // The scan ends here.
                    if (!IsSegmentMarker(next) && next != 0xD9)
                    {
                        return $"its entropy-coded scan is corrupt: an invalid marker 0x{next:X2} at offset {i}";
                    }
                    if (restartInterval > 0 && blocks > 0)
                    {
                        long wanted = ((blocks + restartInterval - 1) / restartInterval) - 1;
                        // Some encoders end the scan with one more restart marker after its last block; libjpeg skips
                        // it without a word (only fill bytes may sit between it and the marker that ends the scan).
                        bool trailing = restarts == wanted + 1 && lastRestartEnd >= 0 && OnlyFill(b.Slice(lastRestartEnd, i - lastRestartEnd));
                        if (restarts != wanted && !trailing)
                        {
                            return restarts < wanted
                                ? $"its entropy-coded scan is cut short: it holds {restarts} of the {wanted} restart markers its blocks call for"
                                : $"its entropy-coded scan is corrupt: it holds {restarts} restart markers where its blocks call for {wanted}";
                        }
                    }
                    break;
                }
            }
        }

        /// <summary>
        /// The offset just past the EOI marker that ends the image, found by walking its segments and skipping each scan's
        /// entropy-coded data (so an EOI inside an EXIF thumbnail or in the scan's data does not count), or -1 when the
        /// file ends first. Bytes after it (a phone's motion-photo video, padding, other trailers) are no part of the image.
        /// </summary>
        public static int EndOfImage(ReadOnlySpan<byte> b) => EndOfImage(b, out _);

        /// <summary>As <see cref="EndOfImage(ReadOnlySpan{byte})"/>; <paramref name="scans"/> gets the number of scans (SOS markers) on the way.</summary>
        public static int EndOfImage(ReadOnlySpan<byte> b, out int scans)
        {
            scans = 0;
            if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8)
            {
                return -1;
            }
            int i = 2;
            while (i + 1 < b.Length)
            {
                if (b[i] != 0xFF)
                {
                    // Entropy-coded data (after an SOS) or garbage: on to the next marker that is not a stuffed byte or RST.
                    int at = b.Slice(i).IndexOf((byte)0xFF);
                    if (at < 0)
                    {
                        return -1;
                    }
                    i += at;
                    continue;
                }
                byte marker = b[i + 1];
                if (marker == 0xD9)
                {
                    return i + 2;
                }
                if (marker is 0xFF)
                {
                    i++;
                    continue;
                }
                if (marker is 0x00 or 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7) || !IsSegmentMarker(marker))
                {
                    i += 2;
                    continue;
                }
                if (i + 4 > b.Length)
                {
                    return -1;
                }
                scans += marker == 0xDA ? 1 : 0;
                i += 2 + ((b[i + 2] << 8) | b[i + 3]);
            }
            return -1;
        }

        private static bool OnlyFill(ReadOnlySpan<byte> bytes)
        {
            foreach (byte x in bytes)
            {
                if (x != 0xFF)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Markers that start a segment with a length (frame headers, tables, SOS, DRI, APPn, COM, DNL, DHP, EXP).</summary>
        private static bool IsSegmentMarker(byte m) =>
            m is >= 0xC0 and <= 0xCF or 0xDA or 0xDB or 0xDC or 0xDD or 0xDE or 0xDF or (>= 0xE0 and <= 0xEF) or 0xFE;

        /// <summary>The frame header's size and sampling factors, enough to count a scan's blocks.</summary>
        private sealed class Frame
        {
            private int _width, _height, _hMax = 1, _vMax = 1, _unit = 8;
            private (byte Id, int H, int V)[] _components = Array.Empty<(byte, int, int)>();

            /// <summary>A DCT frame's unit is the 8x8 block; a lossless frame's (SOF3, 7, 11, 15) the sample.</summary>
            public static Frame Read(ReadOnlySpan<byte> p, bool lossless)
            {
                var f = new Frame { _unit = lossless ? 1 : 8 };
                if (p.Length < 6)
                {
                    return f;
                }
                f._height = (p[1] << 8) | p[2];
                f._width = (p[3] << 8) | p[4];
                int n = p[5];
                if (p.Length < 6 + (3 * n))
                {
                    return f;
                }
                f._components = new (byte, int, int)[n];
                for (int c = 0; c < n; c++)
                {
                    int h = p[7 + (3 * c)] >> 4, v = p[7 + (3 * c)] & 0x0F;
                    f._components[c] = (p[6 + (3 * c)], Math.Max(1, h), Math.Max(1, v));
                    f._hMax = Math.Max(f._hMax, h);
                    f._vMax = Math.Max(f._vMax, v);
                }
                return f;
            }

            /// <summary>MCUs in the scan whose header is <paramref name="sos"/>; 0 when unknown (no frame, DNL height).</summary>
            public long McusInScan(ReadOnlySpan<byte> sos)
            {
                if (_width == 0 || _height == 0 || sos.Length < 1)
                {
                    return 0;
                }
                int ns = sos[0];
                if (ns != 1)
                {
                    long across = Ceil(_width, (long)_unit * _hMax), down = Ceil(_height, (long)_unit * _vMax);
                    return across * down;
                }
                if (sos.Length < 2)
                {
                    return 0;
                }
                foreach ((byte id, int h, int v) in _components)
                {
                    if (id == sos[1])
                    {
                        // A single-component scan is not interleaved: one block per MCU, over that component's own size.
                        long w = Ceil((long)_width * h, _hMax), hgt = Ceil((long)_height * v, _vMax);
                        return Ceil(w, _unit) * Ceil(hgt, _unit);
                    }
                }
                return 0;
            }

            private static long Ceil(long a, long b) => (a + b - 1) / b;
        }
    }
}
