using System;
using System.Collections.Generic;
using System.IO;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// A file's header view: an array as long as the file in which only the bytes a header reader looks at are read
    /// from the file (a WebP's chunk headers, the first bytes of each image bitstream, its ICC, EXIF, XMP and other
    /// small chunks; an uncompressed BMP's headers, masks, palette and embedded ICC profile; a TIFF's directories, with
    /// every value they point to and their EXIF, GPS and sub-directories), the rest not read. Skia's codecs and ImageMagick's
    /// ping open on it as on the whole file, without the megabytes of pixel data being read: the WebP demuxer walks
    /// chunk headers and reads a bitstream's first bytes only, the BMP codec its headers, libtiff its directories. Null
    /// when the file is not laid out as that walk expects (a chunk past the end, a size that does not add up, an RLE or
    /// 32-bit BMP, whose rows or fourth bytes are read, a JPEG-compressed TIFF, whose first strip libtiff reads for its
    /// subsampling): the caller then reads the whole file, as before.
    /// </summary>
    internal static class HeaderView
    {
        /// <summary>Bytes of an image bitstream (VP8, VP8L, ALPH) read: its frame header needs 10 at most.</summary>
        private const int BitstreamHead = 64;

        /// <summary>
        /// What one read counts beyond its bytes: with it, reads that add up to more than the file stop after at most
        /// length/4096 of them (a hostile TIFF's 9,000 chained directories in 8 MB: about 2,000 reads, then the whole file).
        /// </summary>
        private const int ReadCost = 4096;

        /// <summary>
        /// The header view of the <paramref name="length"/> bytes of <paramref name="stream"/> from
        /// <paramref name="origin"/>, whose first <paramref name="read"/> bytes are already in <paramref name="head"/>;
        /// null when <paramref name="format"/> has no header view or the file is not laid out as expected.
        /// </summary>
        public static byte[]? Read(ImageFormat format, Stream stream, long origin, long length, byte[] head, int read)
            => Read(format, stream, origin, length, head, read, unread: 0);

        /// <summary>As <see cref="Read(ImageFormat, Stream, long, long, byte[], int)"/>, the bytes not read set to <paramref name="unread"/> (tests: no header reader may depend on them).</summary>
        internal static byte[]? Read(ImageFormat format, Stream stream, long origin, long length, byte[] head, int read, byte unread)
        {
            if (length <= read || length > int.MaxValue)
            {
                return null;
            }
            var view = new Reader(stream, origin, length, head, read, unread);
            bool laidOut = format switch
            {
                ImageFormat.WebP => view.WebP(),
                ImageFormat.Bmp => view.Bmp(),
                ImageFormat.Tiff => view.Tiff(),
                _ => false,
            };
            return laidOut ? view.Bytes : null;
        }

        private sealed class Reader
        {
            private readonly Stream _stream;
            private readonly long _origin;

            public Reader(Stream stream, long origin, long length, byte[] head, int read, byte unread)
            {
                _stream = stream;
                _origin = origin;
                // Cleared, not left as it was (GC.AllocateUninitializedArray saves about 1 ms on 8 MB): the bytes not read
                // are never to be looked at, but were a codec ever to read one, it must be a zero, never another object's
                // old data (a request body, a key).
                Bytes = new byte[length];
                if (unread != 0)
                {
                    for (int i = read; i < Bytes.Length; i++)
                    {
                        Bytes[i] = unread;
                    }
                }
                Buffer.BlockCopy(head, 0, Bytes, 0, read);
                Filled = read;
            }

            public byte[] Bytes { get; }

            /// <summary>The bytes from the start already read (the head).</summary>
            private int Filled { get; }

            /// <summary>The bytes read past the head so far, each read counted <see cref="ReadCost"/> more (a read's own cost: a seek and a system call).</summary>
            private long _read;

            /// <summary>Reads <paramref name="count"/> bytes at <paramref name="at"/> (fewer when the file ends); false when the file is shorter than it was.</summary>
            private bool Fill(long at, long count)
            {
                count = Math.Min(count, Bytes.Length - at);
                if (at + count <= Filled)
                {
                    return true;
                }
                long from = Math.Max(at, Filled);
                int done = 0, want = (int)(at + count - from);
                _read += want + ReadCost;
                if (_read > Bytes.Length)
                {
                    // Reads that add up to more than the file (overlapping values, a hostile run of tiny chunks or
                    // directories): reading it whole is cheaper.
                    return false;
                }
                _stream.Position = _origin + from;
                for (int n; done < want && (n = _stream.Read(Bytes, (int)from + done, want - done)) > 0;)
                {
                    done += n;
                }
                return done == want;
            }

            private uint U32(long at) => (uint)(Bytes[at] | (Bytes[at + 1] << 8) | (Bytes[at + 2] << 16) | (Bytes[at + 3] << 24));

            /// <summary>A RIFF WebP whose size field is the file's, and whose chunks (and an ANMF's sub-chunks) tile it exactly.</summary>
            public bool WebP() => Bytes.Length >= 20 && U32(4) + 8L == Bytes.Length && Chunks(12, Bytes.Length, nested: false);

            private bool Chunks(long at, long end, bool nested)
            {
                for (int guard = 0; at < end; guard++)
                {
                    if (end - at < 8 || guard > 100_000 || !Fill(at, 8))
                    {
                        return false;
                    }
                    uint size = U32(at + 4);
                    long next = at + 8 + size + (size & 1);
                    if (next > end)
                    {
                        return false;
                    }
                    string fourcc = System.Text.Encoding.ASCII.GetString(Bytes, (int)at, 4);
                    bool ok = fourcc switch
                    {
                        "ANMF" when !nested => size >= 16 && Fill(at + 8, 16) && Chunks(at + 24, next, nested: true),
                        "ANMF" => false,
                        "VP8 " or "VP8L" or "ALPH" => Fill(at + 8, Math.Min(size, BitstreamHead)),
                        _ => Fill(at + 8, size),
                    };
                    if (!ok)
                    {
                        return false;
                    }
                    at = next;
                }
                return at == end;
            }

            /// <summary>
            /// A classic or Big TIFF whose directories (the chain, and the SubIFDs, EXIF, GPS and interoperability ones
            /// they point to) lie in the file, with types libtiff knows and a compression whose codec reads no strip to
            /// set up (none, LZW, Deflate, PackBits): the header, every directory and every value it points to.
            /// </summary>
            public bool Tiff()
            {
                if (!Fill(0, 16))
                {
                    return false;
                }
                _little = Bytes[0] == 'I';
                int version = (int)TiffValue(2, 2);
                if (version is not (42 or 43) || Bytes[0] != Bytes[1] || Bytes[0] is not ((byte)'I' or (byte)'M'))
                {
                    return false;
                }
                _big = version == 43;
                var seen = new HashSet<ulong>();
                var pending = new Queue<ulong>();
                pending.Enqueue(TiffValue(_big ? 8 : 4, _big ? 8 : 4));
                while (pending.Count > 0)
                {
                    ulong ifd = pending.Dequeue();
                    for (; ifd != 0; ifd = TiffDirectory(ifd, pending))
                    {
                        if (ifd >= (ulong)Bytes.Length || seen.Count >= 10_000 || !seen.Add(ifd))
                        {
                            return false;
                        }
                    }
                    if (_failed)
                    {
                        return false;
                    }
                }
                return true;
            }

            private bool _little;
            private bool _big;
            private bool _failed;

            private ulong TiffValue(long at, int size)
            {
                ulong v = 0;
                for (int k = 0; k < size; k++)
                {
                    v |= (ulong)Bytes[at + (_little ? k : size - 1 - k)] << (8 * k);
                }
                return v;
            }

            /// <summary>Reads the directory at <paramref name="ifd"/> and what it points to; the next one's offset (0: none, or on failure with <see cref="_failed"/>).</summary>
            private ulong TiffDirectory(ulong ifd, Queue<ulong> pending)
            {
                int countSize = _big ? 8 : 2, entrySize = _big ? 20 : 12, inline = _big ? 8 : 4;
                if ((ulong)countSize > (ulong)Bytes.Length - ifd || !Fill((long)ifd, countSize))
                {
                    return Fail();
                }
                ulong entries = TiffValue((long)ifd, countSize);
                ulong length = (entries * (ulong)entrySize) + (ulong)inline;
                if (entries == 0 || entries > 65535 || length > (ulong)Bytes.Length - ifd - (ulong)countSize || !Fill((long)ifd + countSize, (long)length))
                {
                    return Fail();
                }
                for (ulong e = 0; e < entries; e++)
                {
                    long at = (long)ifd + countSize + ((long)e * entrySize);
                    int tag = (int)TiffValue(at, 2), type = (int)TiffValue(at + 2, 2);
                    ulong n = TiffValue(at + 4, inline);
                    int size = type switch { 1 or 2 or 6 or 7 => 1, 3 or 8 => 2, 4 or 9 or 11 or 13 => 4, 5 or 10 or 12 or 16 or 17 or 18 => 8, _ => 0 };
                    if (size == 0 || n > (ulong)Bytes.Length)
                    {
                        return Fail();
                    }
                    long valueAt = at + 4 + inline;
                    if (n * (ulong)size > (ulong)inline)
                    {
                        ulong where = TiffValue(valueAt, inline);
                        if (where > (ulong)Bytes.Length || n * (ulong)size > (ulong)Bytes.Length - where || !Fill((long)where, (long)(n * (ulong)size)))
                        {
                            return Fail();
                        }
                        valueAt = (long)where;
                    }
                    if (tag == 259 && (n != 1 || TiffValue(valueAt, size) is not (1 or 5 or 8 or 32946 or 32773)))
                    {
                        return Fail();
                    }
                    if (tag is 330 or 34665 or 34853 or 40965 && size is 4 or 8)
                    {
                        for (ulong i = 0; i < n && i < 1000; i++)
                        {
                            pending.Enqueue(TiffValue(valueAt + ((long)i * size), size));
                        }
                    }
                }
                return TiffValue((long)ifd + countSize + ((long)entries * entrySize), inline);
            }

            private ulong Fail()
            {
                _failed = true;
                return 0;
            }

            /// <summary>
            /// An uncompressed or bit-field BMP (OS/2 1.x or Windows; not RLE, not a 32-bit BI_RGB one, whose fourth bytes decide its alpha):
            /// its headers, masks and palette up to its pixels, and its embedded ICC profile.
            /// </summary>
            public bool Bmp()
            {
                if (!Fill(0, 14 + 4) || Bytes.Length < 54)
                {
                    return false;
                }
                uint headerSize = U32(14);
                uint pixels = U32(10);
                if (headerSize is not (12 or >= 40) || pixels < 14 + headerSize || pixels >= Bytes.Length || !Fill(0, pixels))
                {
                    return false;
                }
                if (headerSize == 12)
                {
                    // OS/2 1.x (BITMAPCOREHEADER): no compression, no masks, no profile.
                    return (Bytes[24] | (Bytes[25] << 8)) is 1 or 4 or 8 or 24;
                }
                int bpp = Bytes[28] | (Bytes[29] << 8);
                uint compression = U32(30);
                if (compression is not (0 or 3 or 6) || bpp is not (1 or 4 or 8 or 16 or 24 or 32) || (compression == 0 && bpp == 32))
                {
                    return false;
                }
                const uint ProfileEmbedded = 0x4D424544;
                if (headerSize >= 124 && U32(14 + 56) == ProfileEmbedded)
                {
                    long profile = 14L + U32(14 + 112), size = U32(14 + 116);
                    if (profile + size <= Bytes.Length && !Fill(profile, size))
                    {
                        return false;
                    }
                }
                return true;
            }
        }
    }
}
