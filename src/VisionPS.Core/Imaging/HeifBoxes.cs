using System;
using System.Collections.Generic;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The top-level boxes of a HEIF/AVIF file (ISO BMFF), read for the two things the decoder needs told: which image
    /// is the primary one, and bytes ImageMagick's HEIC reader would refuse before libheif sees them. Reads box headers
    /// only; never trusts a size beyond the data.
    /// </summary>
    internal static class HeifBoxes
    {
        /// <summary>ImageMagick's HEIC reader reads this many bytes for its brand test and refuses a shorter file.</summary>
        internal const int MagickMagicBytes = 128;

        /// <summary>A top-level box: its type, where it starts, and its whole length (header included).</summary>
        internal readonly struct Box
        {
            public Box(string type, int offset, long length)
            {
                Type = type;
                Offset = offset;
                Length = length;
            }

            public string Type { get; }

            public int Offset { get; }

            public long Length { get; }
        }

        /// <summary>
        /// The top-level boxes, in order; <paramref name="exact"/> is true when they tile the data exactly (no box runs
        /// past the end, none is "to the end of the file", no bytes left over).
        /// </summary>
        internal static List<Box> TopLevel(ReadOnlySpan<byte> b, out bool exact)
        {
            var boxes = new List<Box>();
            exact = false;
            int at = 0;
            while (at + 8 <= b.Length && boxes.Count < 4096)
            {
                long size = ContainerHeaders.U32(b, at);
                if (size == 1)
                {
                    if (at + 16 > b.Length)
                    {
                        return boxes;
                    }
                    size = (ContainerHeaders.U32(b, at + 8) << 32) | ContainerHeaders.U32(b, at + 12);
                }
                string type = System.Text.Encoding.ASCII.GetString(b.Slice(at + 4, 4).ToArray());
                if (size == 0)
                {
                    boxes.Add(new Box(type, at, b.Length - at));
                    return boxes;
                }
                if (size < 8 || size > b.Length - at)
                {
                    boxes.Add(new Box(type, at, size));
                    return boxes;
                }
                boxes.Add(new Box(type, at, size));
                at += (int)size;
            }
            exact = at == b.Length;
            return boxes;
        }

        /// <summary>
        /// The bytes to hand to ImageMagick. Three changes, none moving any offset in the file:
        /// <list type="bullet">
        /// <item>A file that has a primary image item (a 'meta' box with 'pitm') and also an image sequence ('moov')
        /// gets its 'moov' box renamed 'free'. ImageMagick decodes the sequence whenever libheif reports one, so
        /// otherwise the first frame of the sequence is sent instead of the primary image (HEIF conformance C046). The
        /// sequence brands in 'ftyp' (msf1, isom, mp41, mp42) become 'mif1', as libheif wants a 'moov' for them.</item>
        /// <item>An all-unspecified full-range 'nclx' colour property is made explicit (<see cref="SpecifyUnspecifiedNclx"/>).</item>
        /// <item>A file shorter than the 128 bytes ImageMagick reads for its brand test (a small image in the compact
        /// 'mini' form) gets a 'free' box appended.</item>
        /// </list>
        /// Returns the input itself when neither applies.
        /// </summary>
        internal static byte[] ForMagick(byte[] data)
        {
            List<Box> boxes = TopLevel(data, out bool exact);
            byte[] result = data;
            int moov = boxes.FindIndex(x => x.Type == "moov");
            int meta = boxes.FindIndex(x => x.Type == "meta");
            if (moov >= 0 && meta >= 0 && HasPrimaryItem(data, boxes[meta]))
            {
                result = (byte[])data.Clone();
                "free"u8.CopyTo(result.AsSpan(boxes[moov].Offset + 4, 4));
                if (boxes[0].Type == "ftyp")
                {
                    // libheif expects a 'moov' box whenever a sequence brand is listed: those become 'mif1'.
                    Span<byte> ftyp = result.AsSpan(0, (int)Math.Min(boxes[0].Length, result.Length));
                    for (int at = 8; at + 4 <= ftyp.Length; at += at == 8 ? 8 : 4)
                    {
                        Span<byte> brand = ftyp.Slice(at, 4);
                        if (brand.SequenceEqual("msf1"u8) || brand.SequenceEqual("isom"u8) || brand.SequenceEqual("mp41"u8)
                            || brand.SequenceEqual("mp42"u8))
                        {
                            "mif1"u8.CopyTo(brand);
                        }
                    }
                }
            }
            if (meta >= 0)
            {
                result = SpecifyUnspecifiedNclx(result, data, boxes[meta]);
            }
            if (exact && result.Length < MagickMagicBytes && boxes.Count > 0 && boxes[0].Type == "ftyp")
            {
                int pad = Math.Max(8, MagickMagicBytes - result.Length);
                byte[] padded = new byte[result.Length + pad];
                result.CopyTo(padded, 0);
                padded[result.Length] = (byte)(pad >> 24);
                padded[result.Length + 1] = (byte)(pad >> 16);
                padded[result.Length + 2] = (byte)(pad >> 8);
                padded[result.Length + 3] = (byte)pad;
                "free"u8.CopyTo(padded.AsSpan(result.Length + 4, 4));
                result = padded;
            }
            return result;
        }

        /// <summary>
        /// A 'colr' property of type 'nclx' that reads 2/2/2 (all unspecified) with full range becomes 2/2/6, full range:
        /// the same conversion (unspecified matrix means BT.601 to libavif and libheif alike), but libheif 1.23 takes an
        /// all-unspecified full-range 'colr' for no 'colr' at all and uses the bitstream's colour signalling instead. AV1
        /// and HEVC streams usually say limited range there, so a full-range image was stretched (about 29 dB from
        /// avifdec and heif-convert, and visibly brighter highlights).
        /// </summary>
        private static byte[] SpecifyUnspecifiedNclx(byte[] result, byte[] original, Box meta)
        {
            ReadOnlySpan<byte> b = original;
            int header = ContainerHeaders.U32(b, meta.Offset) == 1 ? 16 : 8;
            long metaEnd = Math.Min(b.Length, meta.Offset + meta.Length);
            (long iprp, long iprpEnd) = Child(b, meta.Offset + header + 4, metaEnd, "iprp"u8);
            if (iprp < 0)
            {
                return result;
            }
            (long ipco, long ipcoEnd) = Child(b, iprp + 8, iprpEnd, "ipco"u8);
            if (ipco < 0)
            {
                return result;
            }
            long at = ipco + 8;
            for (int guard = 0; at + 8 <= ipcoEnd && guard < 4096; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > ipcoEnd)
                {
                    break;
                }
                // colr: size, 'colr', 'nclx', primaries u16, transfer u16, matrix u16, full_range_flag in the top bit.
                if (size >= 19 && b.Slice((int)at + 4, 4).SequenceEqual("colr"u8) && b.Slice((int)at + 8, 4).SequenceEqual("nclx"u8)
                    && b[(int)at + 12] == 0 && b[(int)at + 13] == 2 && b[(int)at + 14] == 0 && b[(int)at + 15] == 2
                    && b[(int)at + 16] == 0 && b[(int)at + 17] == 2 && (b[(int)at + 18] & 0x80) != 0)
                {
                    if (ReferenceEquals(result, original))
                    {
                        result = (byte[])original.Clone();
                    }
                    result[(int)at + 17] = 6;
                }
                at += size;
            }
            return result;
        }

        /// <summary>
        /// For a layered AV1 image (an 'a1op' or 'lsel' property) whose only 'ispe' declares the selected layer's size:
        /// a copy whose 'ispe' declares the coded (largest) size instead, so that libheif, which cannot select an
        /// operating point and bounds the decoded size by 'ispe', decodes the largest layer. Null when the file is not
        /// of that shape.
        /// </summary>
        internal static byte[]? WithLargestLayerDeclared(byte[] data, int declaredWidth, int declaredHeight, int codedWidth, int codedHeight)
        {
            if (codedWidth <= declaredWidth && codedHeight <= declaredHeight
                || !ScanProperties(data, out bool layered, out long ispe, out int ispeCount) || !layered || ispeCount != 1
                || ContainerHeaders.U32(data, (int)ispe + 12) != declaredWidth || ContainerHeaders.U32(data, (int)ispe + 16) != declaredHeight)
            {
                return null;
            }
            byte[] result = (byte[])data.Clone();
            WriteU32(result, (int)ispe + 12, (uint)codedWidth);
            WriteU32(result, (int)ispe + 16, (uint)codedHeight);
            return result;
        }

        /// <summary>
        /// Where the children of the file's top-level 'meta' box start (past its header and its version and flags) and
        /// where the box ends (within the file); false when there is no 'meta' box.
        /// </summary>
        private static bool MetaChildren(byte[] data, out long children, out long metaEnd)
        {
            List<Box> boxes = TopLevel(data, out _);
            int index = boxes.FindIndex(x => x.Type == "meta");
            if (index < 0)
            {
                children = metaEnd = -1;
                return false;
            }
            Box meta = boxes[index];
            int header = ContainerHeaders.U32(data, meta.Offset) == 1 ? 16 : 8;
            metaEnd = Math.Min(data.Length, meta.Offset + meta.Length);
            children = meta.Offset + header + 4;
            return true;
        }

        /// <summary>
        /// The colour primaries and transfer characteristics (ITU-T H.273 code points) of the primary item's 'nclx'
        /// colour property, or null when it has none or the boxes are not of the expected shape. libheif and libavif
        /// apply only the matrix and range of an 'nclx'; the primaries and curve are left for the viewer to convert.
        /// </summary>
        internal static (int Primaries, int Transfer)? PrimaryNclx(byte[] data)
        {
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return null;
            }
            ReadOnlySpan<byte> b = data;
            long primary = PrimaryItem(b, children, metaEnd);
            if (primary < 0)
            {
                return null;
            }
            (long prop, _) = ItemProperty(b, children, metaEnd, primary, "colr"u8, "nclx"u8, 19);
            return prop < 0 ? null : ((b[(int)prop + 12] << 8) | b[(int)prop + 13], (b[(int)prop + 14] << 8) | b[(int)prop + 15]);
        }

        /// <summary>
        /// An item whose data (an 'iloc' extent in the file) runs past the end of the file: what is wrong, or null. libheif
        /// refuses a primary image cut so, but decodes a grid whose later tiles are cut (or an alpha plane) without a
        /// word and fills what is missing with a flat colour, so the check is made before decoding.
        /// <paramref name="primaryCut"/>: the cut item is the primary image itself, so nothing of it decodes.
        /// </summary>
        internal static string? ItemDataPastEnd(byte[] data, out bool primaryCut)
        {
            primaryCut = false;
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return null;
            }
            ReadOnlySpan<byte> b = data;
            (long iloc, long end) = Child(b, children, metaEnd, "iloc"u8);
            if (iloc < 0 || end - iloc < 16)
            {
                return null;
            }
            long primary = PrimaryItem(b, children, metaEnd);
            // iloc (ISO/IEC 14496-12 8.11.3): version and flags; field sizes in nibbles (offset, length, base offset,
            // index); an item count; per item its ID, construction method (version 1 and 2), data reference index,
            // base offset and extents (index, offset, length).
            long at = iloc + 8;
            int version = b[(int)at];
            int offsetSize = b[(int)at + 4] >> 4, lengthSize = b[(int)at + 4] & 15;
            int baseSize = b[(int)at + 5] >> 4, indexSize = version is 1 or 2 ? b[(int)at + 5] & 15 : 0;
            at += 6;
            bool Fits(long n) => at + n <= end;
            ulong Read(int size)
            {
                ulong v = 0;
                for (int k = 0; k < size; k++)
                {
                    v = (v << 8) | data[(int)at + k];
                }
                at += size;
                return v;
            }
            if (version > 2 || offsetSize is not (0 or 4 or 8) || lengthSize is not (0 or 4 or 8) || baseSize is not (0 or 4 or 8)
                || indexSize is not (0 or 4 or 8) || !Fits(version < 2 ? 2 : 4))
            {
                return null;
            }
            ulong items = Read(version < 2 ? 2 : 4);
            int extentSize = indexSize + offsetSize + lengthSize;
            ulong size = (ulong)data.Length;
            string? problem = null;
            for (ulong i = 0; i < items && i < 65536; i++)
            {
                int idSize = version < 2 ? 2 : 4;
                if (!Fits(idSize + (version is 1 or 2 ? 2 : 0) + 2 + baseSize + 2))
                {
                    return problem;
                }
                ulong item = Read(idSize);
                int method = version is 1 or 2 ? (int)(Read(2) & 15) : 0;
                ulong reference = Read(2);
                ulong baseOffset = Read(baseSize);
                ulong extents = Read(2);
                // An extent of no bytes (all its field sizes 0) says nothing, however many there are; more extents than
                // the box holds end the walk.
                if (extentSize == 0)
                {
                    continue;
                }
                if (!Fits((long)extents * extentSize))
                {
                    return problem;
                }
                for (ulong e = 0; e < extents; e++)
                {
                    Read(indexSize);
                    ulong offset = Read(offsetSize), length = Read(lengthSize);
                    // Method 0 is file offsets in this file; a length of 0 means "to the end of the file". The sum is
                    // compared as lengths left, so that offsets near 2^64 cannot wrap it.
                    bool past = baseOffset > size || offset > size - baseOffset || length > size - baseOffset - offset;
                    if (method == 0 && reference == 0 && length > 0 && past)
                    {
                        // The first cut item is named; all are walked, so that a cut primary image is found behind a
                        // cut Exif block or thumbnail.
                        decimal last = (decimal)baseOffset + offset + length;
                        problem ??= $"the file ends before all of its image data (item {item}'s data runs to byte {last}, past the end of the {data.Length}-byte file; it is truncated)";
                        primaryCut |= (long)item == primary;
                    }
                }
            }
            return problem;
        }

        /// <summary>The primary image's tile grid ('grid' item): its layout and its tiles' item IDs, row by row.</summary>
        internal sealed class Grid
        {
            public Grid(int rows, int columns, long width, long height, long tileWidth, long tileHeight, uint[] tiles)
            {
                Rows = rows;
                Columns = columns;
                Width = width;
                Height = height;
                TileWidth = tileWidth;
                TileHeight = tileHeight;
                Tiles = tiles;
            }

            public int Rows { get; }

            public int Columns { get; }

            /// <summary>The grid's output size (the tiles cropped at the right and bottom).</summary>
            public long Width { get; }

            public long Height { get; }

            public long TileWidth { get; }

            public long TileHeight { get; }

            /// <summary>The tiles' item IDs in the order the grid places them (left to right, top to bottom).</summary>
            public uint[] Tiles { get; }
        }

        /// <summary>
        /// The primary image's grid, when the primary item is a 'grid' (HEIF's derived image of tiles, as phones write
        /// their photos): its rows and columns and output size (from the grid item's data), its tiles (its 'dimg'
        /// references) and their size (the first tile's 'ispe'). Null when the primary image is no grid or the boxes are
        /// not of the expected shape.
        /// </summary>
        internal static Grid? PrimaryGrid(byte[] data)
        {
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return null;
            }
            ReadOnlySpan<byte> b = data;
            long primary = PrimaryItem(b, children, metaEnd);
            if (primary < 0)
            {
                return null;
            }
            if (ItemInfo(b, children, metaEnd, primary) is not (string type, _) || type != "grid")
            {
                return null;
            }
            uint[]? tiles = References(b, children, metaEnd, primary, "dimg"u8);
            if (tiles is null || tiles.Length == 0 || ItemData(data, children, metaEnd, primary) is not (long at, long length) || length < 8)
            {
                return null;
            }
            // ImageGrid: version, flags (bit 0: 32-bit sizes), rows - 1, columns - 1, output width and height.
            bool wide = (b[(int)at + 1] & 1) != 0;
            int rows = b[(int)at + 2] + 1, columns = b[(int)at + 3] + 1;
            if (b[(int)at] != 0 || (wide && length < 12) || rows * columns != tiles.Length)
            {
                return null;
            }
            long width = wide ? ContainerHeaders.U32(b, (int)at + 4) : (b[(int)at + 4] << 8) | b[(int)at + 5];
            long height = wide ? ContainerHeaders.U32(b, (int)at + 8) : (b[(int)at + 6] << 8) | b[(int)at + 7];
            if (ItemSize(b, children, metaEnd, tiles[0]) is not (long tileWidth, long tileHeight) || tileWidth <= 0 || tileHeight <= 0)
            {
                return null;
            }
            return new Grid(rows, columns, width, height, tileWidth, tileHeight, tiles);
        }

        /// <summary>
        /// Makes <paramref name="item"/> the primary item of <paramref name="data"/> in place, shown rather than hidden;
        /// false (nothing changed) when the 'pitm' or the item's 'infe' cannot be changed in place. <paramref name="flagsAt"/>:
        /// the byte of the item's 'infe' flags that was changed, for the caller to put back before making another item
        /// primary (the box layout is not changed, so one copy serves every tile of a grid in turn).
        /// </summary>
        internal static bool SetPrimaryItem(byte[] data, uint item, out int flagsAt)
        {
            flagsAt = -1;
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return false;
            }
            ReadOnlySpan<byte> b = data;
            (long pitm, long pitmEnd) = Child(b, children, metaEnd, "pitm"u8);
            if (pitm < 0 || pitmEnd - pitm < 14 || ItemInfo(b, children, metaEnd, item) is not (_, long infe))
            {
                return false;
            }
            if (b[(int)pitm + 8] == 0)
            {
                if (item > ushort.MaxValue)
                {
                    return false;
                }
                data[(int)pitm + 12] = (byte)(item >> 8);
                data[(int)pitm + 13] = (byte)item;
            }
            else if (pitmEnd - pitm >= 16)
            {
                WriteU32(data, (int)pitm + 12, item);
            }
            else
            {
                return false;
            }
            flagsAt = (int)infe + 11;
            data[flagsAt] &= 0xFE; // flags bit 0: hidden
            return true;
        }

        /// <summary>An item's type and where its 'infe' box starts (versions 2 and 3), or null.</summary>
        private static (string Type, long Infe)? ItemInfo(ReadOnlySpan<byte> b, long children, long metaEnd, long item)
        {
            (long iinf, long iinfEnd) = Child(b, children, metaEnd, "iinf"u8);
            if (iinf < 0 || iinfEnd - iinf < 14)
            {
                return null;
            }
            long at = iinf + 12 + (b[(int)iinf + 8] == 0 ? 2 : 4);
            for (int guard = 0; at + 8 <= iinfEnd && guard < 65536; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > iinfEnd)
                {
                    return null;
                }
                if (b.Slice((int)at + 4, 4).SequenceEqual("infe"u8) && size >= 20)
                {
                    int version = b[(int)at + 8];
                    long id = version == 2 ? (b[(int)at + 12] << 8) | b[(int)at + 13] : version == 3 ? ContainerHeaders.U32(b, (int)at + 12) : -1;
                    int typeAt = (int)at + (version == 2 ? 16 : 18);
                    if (id == item && typeAt + 4 <= at + size)
                    {
                        return (System.Text.Encoding.ASCII.GetString(b.Slice(typeAt, 4).ToArray()), at);
                    }
                }
                at += size;
            }
            return null;
        }

        /// <summary>The items an item refers to by one reference type ('iref'), in order, or null.</summary>
        private static uint[]? References(ReadOnlySpan<byte> b, long children, long metaEnd, long from, ReadOnlySpan<byte> type)
        {
            (long iref, long irefEnd) = Child(b, children, metaEnd, "iref"u8);
            if (iref < 0 || irefEnd - iref < 12)
            {
                return null;
            }
            int idSize = b[(int)iref + 8] == 0 ? 2 : 4;
            for (long at = iref + 12, guard = 0; at + 8 <= irefEnd && guard < 65536; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > irefEnd)
                {
                    return null;
                }
                if (b.Slice((int)at + 4, 4).SequenceEqual(type) && size >= 8 + idSize + 2 && Id(b, at + 8, idSize) == from)
                {
                    int count = (b[(int)at + 8 + idSize] << 8) | b[(int)at + 9 + idSize];
                    if (8 + idSize + 2 + ((long)count * idSize) > size)
                    {
                        return null;
                    }
                    uint[] to = new uint[count];
                    for (int i = 0; i < count; i++)
                    {
                        to[i] = Id(b, at + 10 + idSize + ((long)i * idSize), idSize);
                    }
                    return to;
                }
                at += size;
            }
            return null;
        }

        private static uint Id(ReadOnlySpan<byte> b, long at, int size) =>
            size == 2 ? (uint)((b[(int)at] << 8) | b[(int)at + 1]) : (uint)ContainerHeaders.U32(b, (int)at);

        /// <summary>
        /// Where an item's data lies in the file, when it is one extent in this file (construction method 0) or in the
        /// 'idat' box (method 1): its offset and length, or null.
        /// </summary>
        private static (long At, long Length)? ItemData(byte[] data, long children, long metaEnd, long item)
        {
            ReadOnlySpan<byte> b = data;
            (long iloc, long end) = Child(b, children, metaEnd, "iloc"u8);
            if (iloc < 0 || end - iloc < 16)
            {
                return null;
            }
            long at = iloc + 8;
            int version = b[(int)at];
            int offsetSize = b[(int)at + 4] >> 4, lengthSize = b[(int)at + 4] & 15;
            int baseSize = b[(int)at + 5] >> 4, indexSize = version is 1 or 2 ? b[(int)at + 5] & 15 : 0;
            if (version > 2 || offsetSize is not (0 or 4 or 8) || lengthSize is not (0 or 4 or 8) || baseSize is not (0 or 4 or 8)
                || indexSize is not (0 or 4 or 8))
            {
                return null;
            }
            at += 6;
            ulong Read(int size)
            {
                ulong v = 0;
                for (int k = 0; k < size; k++)
                {
                    v = (v << 8) | data[(int)at + k];
                }
                at += size;
                return v;
            }
            int idSize = version < 2 ? 2 : 4;
            if (at + idSize > end)
            {
                return null;
            }
            ulong items = Read(idSize);
            int extentSize = indexSize + offsetSize + lengthSize;
            for (ulong i = 0; i < items && i < 65536; i++)
            {
                if (at + idSize + (version is 1 or 2 ? 2 : 0) + 2 + baseSize + 2 > end)
                {
                    return null;
                }
                ulong id = Read(idSize);
                int method = version is 1 or 2 ? (int)(Read(2) & 15) : 0;
                ulong reference = Read(2);
                ulong baseOffset = Read(baseSize);
                ulong extents = Read(2);
                if (at + ((long)extents * extentSize) > end)
                {
                    return null;
                }
                if ((long)id != item)
                {
                    at += (long)extents * extentSize;
                    continue;
                }
                if (extents != 1 || reference != 0 || method > 1)
                {
                    return null;
                }
                Read(indexSize);
                ulong offset = Read(offsetSize), length = Read(lengthSize);
                long origin = 0;
                if (method == 1)
                {
                    (long idat, long idatEnd) = Child(b, children, metaEnd, "idat"u8);
                    if (idat < 0)
                    {
                        return null;
                    }
                    origin = idat + 8;
                    end = idatEnd;
                }
                else
                {
                    end = data.Length;
                }
                ulong start = (ulong)origin + baseOffset + offset;
                if (baseOffset > (ulong)data.Length || offset > (ulong)data.Length || start > (ulong)end || length > (ulong)end - start)
                {
                    return null;
                }
                return ((long)start, length == 0 ? end - (long)start : (long)length);
            }
            return null;
        }

        /// <summary>The primary item's ID from 'pitm' (16 bits, 32 from version 1), or -1 when there is none of that shape.</summary>
        private static long PrimaryItem(ReadOnlySpan<byte> b, long children, long metaEnd)
        {
            (long pitm, long pitmEnd) = Child(b, children, metaEnd, "pitm"u8);
            return pitm < 0 || pitmEnd - pitm < 14 ? -1 : b[(int)pitm + 8] == 0 ? (long)((b[(int)pitm + 12] << 8) | b[(int)pitm + 13])
                : pitmEnd - pitm >= 16 ? ContainerHeaders.U32(b, (int)pitm + 12) : -1;
        }

        /// <summary>An item's size from its 'ispe' property (through 'ipma'), or null.</summary>
        private static (long Width, long Height)? ItemSize(ReadOnlySpan<byte> b, long children, long metaEnd, long item)
        {
            (long property, _) = ItemProperty(b, children, metaEnd, item, "ispe"u8, default, 20);
            return property < 0 ? null : (ContainerHeaders.U32(b, (int)property + 12), ContainerHeaders.U32(b, (int)property + 16));
        }

        /// <summary>
        /// The first property box of <paramref name="type"/> (and, when given, whose content starts with
        /// <paramref name="subtype"/>, such as a 'colr' of kind 'nclx') of at least <paramref name="minLength"/>
        /// bytes that 'ipma' associates with <paramref name="item"/>; (-1, -1) when there is none or the boxes are not of
        /// the expected shape.
        /// </summary>
        private static (long Start, long End) ItemProperty(ReadOnlySpan<byte> b, long children, long metaEnd, long item,
            ReadOnlySpan<byte> type, ReadOnlySpan<byte> subtype, int minLength)
        {
            (long iprp, long iprpEnd) = Child(b, children, metaEnd, "iprp"u8);
            (long ipco, long ipcoEnd) = iprp < 0 ? (-1, -1) : Child(b, iprp + 8, iprpEnd, "ipco"u8);
            (long ipma, long ipmaEnd) = iprp < 0 ? (-1, -1) : Child(b, iprp + 8, iprpEnd, "ipma"u8);
            if (item < 0 || ipco < 0 || ipma < 0 || ipmaEnd - ipma < 16)
            {
                return (-1, -1);
            }
            // ipma: version and flags (bit 0: 15-bit property indices), an entry count, then per item its ID (16 bits,
            // 32 from version 1), an association count and the associations (an essential bit and a 1-based index).
            int version = b[(int)ipma + 8];
            bool wideIndex = (b[(int)ipma + 11] & 1) != 0;
            long entries = ContainerHeaders.U32(b, (int)ipma + 12);
            long at = ipma + 16;
            int idSize = version < 1 ? 2 : 4;
            int assocSize = wideIndex ? 2 : 1;
            for (long e = 0; e < entries && e < 65536; e++)
            {
                if (at + idSize + 1 > ipmaEnd)
                {
                    return (-1, -1);
                }
                long id = idSize == 2 ? (b[(int)at] << 8) | b[(int)at + 1] : ContainerHeaders.U32(b, (int)at);
                int count = b[(int)at + idSize];
                at += idSize + 1;
                if (at + ((long)count * assocSize) > ipmaEnd)
                {
                    return (-1, -1);
                }
                if (id == item)
                {
                    for (int k = 0; k < count; k++, at += assocSize)
                    {
                        int index = wideIndex ? ((b[(int)at] & 0x7F) << 8) | b[(int)at + 1] : b[(int)at] & 0x7F;
                        (long property, long propertyEnd) = NthChild(b, ipco + 8, ipcoEnd, index);
                        if (property >= 0 && propertyEnd - property >= minLength && b.Slice((int)property + 4, 4).SequenceEqual(type)
                            && (subtype.IsEmpty || b.Slice((int)property + 8, 4).SequenceEqual(subtype)))
                        {
                            return (property, propertyEnd);
                        }
                    }
                    return (-1, -1);
                }
                at += (long)count * assocSize;
            }
            return (-1, -1);
        }

        /// <summary>
        /// Whether the primary image's alpha is premultiplied: an item reference of type 'prem' from it (to its alpha
        /// plane), as libavif and libheif write one. ImageMagick hands such colours over still multiplied by alpha.
        /// </summary>
        internal static bool PrimaryAlphaPremultiplied(byte[] data)
        {
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return false;
            }
            ReadOnlySpan<byte> b = data;
            (long iref, long irefEnd) = Child(b, children, metaEnd, "iref"u8);
            long primary = PrimaryItem(b, children, metaEnd);
            if (iref < 0 || primary < 0 || irefEnd - iref < 12)
            {
                return false;
            }
            // iref: version and flags, then one box per reference type: from_item_ID (16 bits, 32 from version 1),
            // a count, and the items referred to.
            bool wide = b[(int)iref + 8] != 0;
            for (long at = iref + 12, guard = 0; at + 8 <= irefEnd && guard < 4096; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > irefEnd)
                {
                    return false;
                }
                if (b.Slice((int)at + 4, 4).SequenceEqual("prem"u8) && size >= 8 + (wide ? 4 : 2))
                {
                    long from = wide ? ContainerHeaders.U32(b, (int)at + 8) : (b[(int)at + 8] << 8) | b[(int)at + 9];
                    if (from == primary)
                    {
                        return true;
                    }
                }
                at += size;
            }
            return false;
        }

        /// <summary>The <paramref name="index"/>-th (1-based) child box between two offsets: its start and end, or -1.</summary>
        private static (long Start, long End) NthChild(ReadOnlySpan<byte> b, long at, long end, int index)
        {
            for (int n = 1; at + 8 <= end && n <= index; n++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > end)
                {
                    return (-1, -1);
                }
                if (n == index)
                {
                    return (at, at + size);
                }
                at += size;
            }
            return (-1, -1);
        }

        /// <summary>
        /// Whether the primary image is a layered one: 'ipma' gives it a layer-selecting or layer-indexing property
        /// ('a1op', 'lsel', 'a1lx'). Such a property of another item (a second, layered copy of the picture beside a
        /// single-layer primary, as in av1-avif's truncated_elementary_stream.avif) does not make the primary layered.
        /// </summary>
        internal static bool HasLayerSelection(byte[] data)
        {
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return false;
            }
            ReadOnlySpan<byte> b = data;
            long primary = PrimaryItem(b, children, metaEnd);
            return primary >= 0 && (ItemProperty(b, children, metaEnd, primary, "a1op"u8, default, 9).Start >= 0
                || ItemProperty(b, children, metaEnd, primary, "lsel"u8, default, 10).Start >= 0
                || ItemProperty(b, children, metaEnd, primary, "a1lx"u8, default, 15).Start >= 0);
        }

        /// <summary>The primary image's size from its 'ispe' property, or null.</summary>
        internal static (long Width, long Height)? PrimarySize(byte[] data)
        {
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return null;
            }
            long primary = PrimaryItem(data, children, metaEnd);
            return primary < 0 ? null : ItemSize(data, children, metaEnd, primary);
        }

        /// <summary>
        /// Walks meta/iprp/ipco: whether a layer-selecting property is there, and the last 'ispe' and how many there
        /// are. False when the boxes are not of that shape.
        /// </summary>
        private static bool ScanProperties(byte[] data, out bool layered, out long ispe, out int ispeCount)
        {
            layered = false;
            ispe = -1;
            ispeCount = 0;
            if (!MetaChildren(data, out long children, out long metaEnd))
            {
                return false;
            }
            ReadOnlySpan<byte> b = data;
            (long iprp, long iprpEnd) = Child(b, children, metaEnd, "iprp"u8);
            (long ipco, long ipcoEnd) = iprp < 0 ? (-1, -1) : Child(b, iprp + 8, iprpEnd, "ipco"u8);
            if (ipco < 0)
            {
                return false;
            }
            long at = ipco + 8;
            for (int guard = 0; at + 8 <= ipcoEnd && guard < 4096; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > ipcoEnd)
                {
                    return false;
                }
                ReadOnlySpan<byte> type = b.Slice((int)at + 4, 4);
                if (type.SequenceEqual("a1op"u8) || type.SequenceEqual("lsel"u8))
                {
                    layered = true;
                }
                else if (type.SequenceEqual("ispe"u8) && size >= 20)
                {
                    ispe = at;
                    ispeCount++;
                }
                at += size;
            }
            return true;
        }

        private static void WriteU32(byte[] b, int at, uint value)
        {
            b[at] = (byte)(value >> 24);
            b[at + 1] = (byte)(value >> 16);
            b[at + 2] = (byte)(value >> 8);
            b[at + 3] = (byte)value;
        }

        /// <summary>The first child box of a type between two offsets: its start and end, or -1.</summary>
        private static (long Start, long End) Child(ReadOnlySpan<byte> b, long at, long end, ReadOnlySpan<byte> type)
        {
            for (int guard = 0; at + 8 <= end && guard < 4096; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (size < 8 || at + size > end)
                {
                    return (-1, -1);
                }
                if (b.Slice((int)at + 4, 4).SequenceEqual(type))
                {
                    return (at, at + size);
                }
                at += size;
            }
            return (-1, -1);
        }

        /// <summary>Whether a 'meta' box names a primary item ('pitm' among its children).</summary>
        private static bool HasPrimaryItem(ReadOnlySpan<byte> b, Box meta)
        {
            // meta is a full box: 8 bytes of header (16 for a 64-bit size), then 4 of version and flags.
            int header = ContainerHeaders.U32(b, meta.Offset) == 1 ? 16 : 8;
            long end = Math.Min(b.Length, meta.Offset + meta.Length);
            long at = meta.Offset + header + 4;
            for (int guard = 0; at + 8 <= end && guard < 256; guard++)
            {
                long size = ContainerHeaders.U32(b, (int)at);
                if (b.Slice((int)at + 4, 4).SequenceEqual("pitm"u8))
                {
                    return true;
                }
                if (size < 8)
                {
                    return false;
                }
                at += size;
            }
            return false;
        }
    }
}
