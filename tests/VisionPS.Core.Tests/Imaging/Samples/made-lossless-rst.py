# Makes made-lossless-rst-rows.jpg (96x64 RGB, a restart marker every row) and made-lossless-rst8-gray.jpg (grey, every 8 rows):
# 8-bit lossless JPEGs (SOF3, predictor 1) for LosslessJpegTests. Run here with python3.
import struct,sys
bits=[0,1,5,1,1,1,1,1,1,0,0,0,0,0,0,0]
codes=[];code=0
for L in range(1,17):
    for i in range(bits[L-1]):
        codes.append((code,L)); code+=1
    code<<=1
def enc(w,h,n,ri_rows):
    pix=[[[ (40+x*200//w, 40+y*200//h, 160)[c] if y<h*3//4 else (20,30,10)[c] for c in range(n)] for x in range(w)] for y in range(h)]
    out=bytearray(); st={'acc':0,'cnt':0}
    def put(v,b):
        for i in range(b-1,-1,-1):
            st['acc']=(st['acc']<<1)|((v>>i)&1); st['cnt']+=1
            if st['cnt']==8:
                out.append(st['acc'])
                if st['acc']==0xFF: out.append(0)
                st['acc']=0; st['cnt']=0
    def flush():
        while st['cnt']!=0: put(1,1)
    rst=0
    for y in range(h):
        if ri_rows and y>0 and y%ri_rows==0:
            flush(); out.extend([0xFF,0xD0+rst]); rst=(rst+1)&7
        first = (y%ri_rows==0) if ri_rows else (y==0)
        for x in range(w):
            for c in range(n):
                if x==0 and first: pred=128
                elif first: pred=pix[y][x-1][c]
                elif x==0: pred=pix[y-1][x][c]
                else: pred=pix[y][x-1][c]
                d=pix[y][x][c]-pred; s=abs(d).bit_length()
                put(*codes[s])
                if s: put(d if d>0 else d+(1<<s)-1, s)
    flush()
    f=bytearray(b'\xff\xd8')
    def seg(m,p): f.extend(bytes([0xFF,m])+struct.pack('>H',len(p)+2)+bytes(p))
    ids=[1] if n==1 else [82,71,66]
    sof=[8,h>>8,h&255,w>>8,w&255,n]; sos=[n]
    for i in ids: sof+= [i,0x11,0]; sos+=[i,0]
    sos+=[1,0,0]
    seg(0xC3,sof); seg(0xC4,[0]+bits+list(range(12)))
    if ri_rows: seg(0xDD, list(struct.pack('>H',ri_rows*w)))
    seg(0xDA,sos); f.extend(out); f.extend(b'\xff\xd9'); return bytes(f)
open('made-lossless-rst-rows.jpg','wb').write(enc(96,64,3,1))
open('made-lossless-rst8-gray.jpg','wb').write(enc(96,64,1,8))

