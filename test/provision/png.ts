/**
 * A minimal PNG reader for the label tests (8-bit greyscale / RGB / RGBA, non-interlaced): chunks,
 * zlib-inflated IDAT, and the five scanline filters of the PNG specification §9.2 (None, Sub, Up,
 * Average, Paeth). Returns the first channel of each pixel, which is enough to read black/white QR modules.
 */
import { inflateSync } from 'node:zlib';

export interface Grey {
  width: number;
  height: number;
  /** first channel value at (x, y) */
  at(x: number, y: number): number;
  /** tEXt chunks: keyword → text */
  text: Record<string, string>;
}

export function readPng(b: Buffer): Grey {
  if (b.subarray(0, 8).toString('latin1') !== '\x89PNG\r\n\x1a\n') throw new Error('not a PNG signature');
  let off = 8;
  let width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  const idat: Buffer[] = [];
  const text: Record<string, string> = {};
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.subarray(off + 4, off + 8).toString('latin1');
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8]!;
      colour = data[9]!;
      interlace = data[12]!;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'tEXt') {
      const z = data.indexOf(0);
      text[data.subarray(0, z).toString('latin1')] = data.subarray(z + 1).toString('latin1');
    }
    off += 12 + len;
  }
  const bpp = { 0: 1, 2: 3, 4: 2, 6: 4 }[colour as 0 | 2 | 4 | 6];
  if (depth !== 8 || bpp === undefined || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i]!;
      const a = i >= bpp ? px[y * stride + i - bpp]! : 0;
      const up = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? px[(y - 1) * stride + i - bpp]! : 0;
      let v: number;
      if (f === 0) v = x;
      else if (f === 1) v = x + a;
      else if (f === 2) v = x + up;
      else if (f === 3) v = x + ((a + up) >> 1);
      else {
        const p = a + up - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? up : c);
      }
      px[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, at: (x, y) => px[y * stride + x * bpp]!, text };
}
