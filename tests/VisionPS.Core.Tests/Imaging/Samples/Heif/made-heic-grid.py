#!/usr/bin/env python3
"""Builds a 2x2 grid HEIC (four 64x64 HEVC tiles, each encoded by heif-enc) and a copy whose last tile's slice header is
garbled (the file is not cut): made-heic-grid.heic, made-heic-grid-bad-tile.heic. Needs heif-enc and ImageMagick's convert."""
import os, struct, subprocess, sys, tempfile

def boxes(b, start, end):
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack('>I4s', b[at:at + 8])
        head = 8
        if size == 1:
            size = struct.unpack('>Q', b[at + 8:at + 16])[0]; head = 16
        elif size == 0:
            size = end - at
        yield kind.decode('latin1'), at, at + head, at + size
        at += size

def child(b, start, end, kind, full=False):
    for k, at, body, stop in boxes(b, start, end):
        if k == kind:
            return (body + 4 if full else body), stop
    raise KeyError(kind)

def tile(png):
    """The hvcC property and the coded data of heif-enc's single image."""
    out = png + '.heic'
    subprocess.run(['heif-enc', '-q', '90', '-o', out, png], check=True, stdout=subprocess.DEVNULL)
    b = open(out, 'rb').read()
    ms, me = child(b, 0, len(b), 'meta', full=True)
    ps, pe = child(b, ms, me, 'iprp')
    cs, ce = child(b, ps, pe, 'ipco')
    hvcc = next(b[at:stop] for k, at, body, stop in boxes(b, cs, ce) if k == 'hvcC')
    ls, le = child(b, ms, me, 'iloc', full=True)
    version = b[ls - 4]
    sizes = b[ls]; off_size, len_size = sizes >> 4, sizes & 15
    base_size, index_size = b[ls + 1] >> 4, (b[ls + 1] & 15 if version in (1, 2) else 0)
    rd = lambda n, q: int.from_bytes(b[q:q + n], 'big')
    p = ls + 2
    count = rd(2, p); p += 2
    assert count >= 1
    p += 2  # item ID
    if version in (1, 2):
        p += 2  # construction method
    p += 2  # data reference index
    base = rd(base_size, p); p += base_size
    extents = rd(2, p); p += 2
    assert extents == 1
    p += index_size
    offset = base + rd(off_size, p); length = rd(len_size, p + off_size)
    return hvcc, b[offset:offset + length]

def box(kind, *parts):
    body = b''.join(parts)
    return struct.pack('>I4s', 8 + len(body), kind.encode()) + body

def full(kind, version, flags, *parts):
    return box(kind, struct.pack('>I', (version << 24) | flags), *parts)

def grid(tiles):
    n = len(tiles)
    infe = [full('infe', 2, 1, struct.pack('>HH4s', i + 1, 0, b'hvc1'), b'\0') for i in range(n)]
    infe.append(full('infe', 2, 0, struct.pack('>HH4s', n + 1, 0, b'grid'), b'\0'))
    iinf = full('iinf', 0, 0, struct.pack('>H', n + 1), *infe)
    iref = full('iref', 0, 0, box('dimg', struct.pack('>HH', n + 1, n), *[struct.pack('>H', i + 1) for i in range(n)]))
    ipco = box('ipco', *[h for h, _ in tiles], full('ispe', 0, 0, struct.pack('>II', 64, 64)), full('ispe', 0, 0, struct.pack('>II', 128, 128)))
    assoc = [struct.pack('>HBBB', i + 1, 2, 0x80 | (i + 1), n + 1) for i in range(n)]
    assoc.append(struct.pack('>HBB', n + 1, 1, n + 2))
    ipma = full('ipma', 0, 0, struct.pack('>I', n + 1), *assoc)
    griddata = struct.pack('>BBBBHH', 0, 0, 1, 1, 128, 128)
    idat = box('idat', griddata)
    hdlr = full('hdlr', 0, 0, struct.pack('>I4s12s', 0, b'pict', b''), b'\0')
    pitm = full('pitm', 0, 0, struct.pack('>H', n + 1))
    ftyp = box('ftyp', b'heic', struct.pack('>I', 0), b'mif1heic')

    def meta(mdat_at):
        # iloc v1, 4-byte offsets and lengths, no base offset or index: the tiles in the mdat, the grid in the idat.
        items, at = [], mdat_at
        for _, data in tiles:
            items.append(struct.pack('>HHHHII', len(items) + 1, 0, 0, 1, at, len(data)))
            at += len(data)
        items.append(struct.pack('>HHHHII', n + 1, 1, 0, 1, 0, len(griddata)))
        iloc = full('iloc', 1, 0, struct.pack('>BBH', 0x44, 0x00, n + 1), *items)
        return full('meta', 0, 0, hdlr, pitm, iloc, iinf, iref, box('iprp', ipco, ipma), idat)

    head = len(ftyp) + len(meta(0)) + 8
    payload = b''.join(d for _, d in tiles)
    return ftyp + meta(head) + box('mdat', payload), head

def main(outdir):
    colours = ['#d03020', '#20a040', '#2040d0', '#e0c020']
    with tempfile.TemporaryDirectory() as tmp:
        tiles = []
        for i, c in enumerate(colours):
            png = os.path.join(tmp, f't{i}.png')
            subprocess.run(['convert', '-size', '64x64', f'gradient:{c}-white', '-depth', '8', png], check=True)
            tiles.append(tile(png))
    whole, head = grid(tiles)
    open(os.path.join(outdir, 'made-heic-grid.heic'), 'wb').write(whole)
    # The last tile's slice header garbled (its 4-byte length and 2-byte NAL header kept): libde265 cannot decode the
    # slice, and libheif fills the tile with a flat colour inside the grid while it refuses the tile read alone.
    last = head + sum(len(d) for _, d in tiles[:-1])
    bad = bytearray(whole)
    for i in range(last + 6, last + 12):
        bad[i] ^= 0xA5
    open(os.path.join(outdir, 'made-heic-grid-bad-tile.heic'), 'wb').write(bytes(bad))

if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
