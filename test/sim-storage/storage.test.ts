import { describe, expect, it } from 'vitest';
import { SimFlash } from '../../sim/storage/flash.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';

const mk = (pages = 32, pageBytes = 1024) => {
  const flash = new SimFlash({ bytes: pages * pageBytes, pageBytes });
  return { flash, s: new EspruinoStorage(flash) };
};

describe('EspruinoStorage API', () => {
  it('write/read round trip, binary strings, read with offset/length clipping', () => {
    const { s } = mk();
    expect(s.write('bin', new Uint8Array([0, 1, 254, 255, 65]))).toBe(true);
    expect(s.read('bin')).toBe('\x00\x01\xfe\xffA');
    expect(s.read('bin', 2)).toBe('\xfe\xffA');
    expect(s.read('bin', 1, 2)).toBe('\x01\xfe');
    expect(s.read('bin', -5, 2)).toBe('\x00\x01');
    expect(s.read('bin', 3, 100)).toBe('\xffA');
    expect(s.read('bin', 10)).toBe('');
    expect(s.read('nope')).toBeUndefined();
    expect(new Uint8Array(s.readArrayBuffer('bin')!)).toEqual(new Uint8Array([0, 1, 254, 255, 65]));
  });

  it('creates a sized file filled with 0xFF and fills it in chunks (EspruinoTools upload), documented example', () => {
    const { s } = mk();
    s.write('a', 'Hello', 0, 14);
    expect(s.read('a')).toBe('Hello' + '\xff'.repeat(9));
    s.write('a', ' ', 5);
    s.write('a', 'World!!!', 6);
    expect(s.read('a')).toBe('Hello World!!!');
    s.write('a', ' ', 0); // offset 0 over written data → new file
    expect(s.read('a')).toBe(' ');
  });

  it('uploads a 3 KB file in 1 KB chunks like EspruinoTools', () => {
    const { s } = mk();
    const body = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(32 + (i % 90))).join('');
    for (let o = 0; o < body.length; o += 1024) s.write('app.js', body.slice(o, o + 1024), o, body.length);
    expect(s.read('app.js')).toBe(body);
  });

  it('rejects misuse with Espruino error texts', () => {
    const { s } = mk();
    s.write('f', 'abc', 0, 4);
    expect(() => s.write('f', 'xy', 3)).toThrow('Too much data for file size');
    expect(() => s.write('f', 'z', 1)).toThrow('File already written with different data');
    expect(() => s.write('missing', 'z', 1)).toThrow('Unable to find or create file');
    expect(() => s.write('f', '')).toThrow("Can't create zero length file");
    expect(s.write('f', 'q', -1)).toBe(false);
    expect(() => s.open('f', 'x' as 'r')).toThrow('Invalid mode "x"');
  });

  it('accepts names of 1..28 chars and rejects longer or empty ones', () => {
    const { s } = mk();
    const n28 = 'abcdefghijklmnopqrstuvwxyz01';
    expect(s.write(n28, '1')).toBe(true);
    expect(s.read(n28)).toBe('1');
    expect(() => s.write(n28 + '2', '1')).toThrow(/File name too long \(29 > 28 chars\)/);
    expect(() => s.write('', '1')).toThrow(/must not be empty/);
    expect(() => s.open('x'.repeat(28), 'w')).toThrow(/too long \(28 > 27/);
  });

  it('rewrite keeps one live copy and leaves the old one as trash until compact()', () => {
    const { s, flash } = mk();
    s.write('cfg', 'v1');
    s.write('cfg', 'v2');
    s.write('cfg', 'v2'); // identical content: no write at all (jsfWriteFile "Equal")
    expect(s.getStats()).toMatchObject({ fileCount: 1, fileBytes: 36, trashCount: 1, trashBytes: 36 });
    expect(flash.wearReport().totalErases).toBe(0);
    expect(s.compact()).toBe(true);
    expect(s.getStats()).toMatchObject({ fileCount: 1, trashCount: 0, trashBytes: 0, freeBytes: 32 * 1024 - 36 });
    expect(s.read('cfg')).toBe('v2');
    expect(flash.wearReport().totalErases).toBeGreaterThan(0);
  });

  it('getFree/getStats account every byte: header 32 + data padded to 4', () => {
    const { s } = mk();
    s.write('a', 'x'); // 32 + 4
    s.write('b', '12345'); // 32 + 8
    s.erase('a');
    const st = s.getStats();
    expect(st).toEqual({ totalBytes: 32768, freeBytes: 32768 - 76, fileBytes: 40, fileCount: 1, trashBytes: 36, trashCount: 1 });
    expect(s.getFree()).toBe(st.freeBytes);
    expect(s.read('a')).toBeUndefined();
  });

  it('list with regex and StorageFile filter; hash changes with files', () => {
    const { s } = mk();
    s.write('a.js', '1');
    s.write('b.json', '{}');
    s.write('c.js', '2');
    const f = s.open('log', 'w');
    f.write('x\n');
    expect(s.list()).toEqual(['a.js', 'b.json', 'c.js', 'log\x01']);
    expect(s.list(/\.js$/)).toEqual(['a.js', 'c.js']);
    expect(s.list(undefined, { sf: true })).toEqual(['log']);
    expect(s.list(undefined, { sf: false })).toEqual(['a.js', 'b.json', 'c.js']);
    const h1 = s.hash(/\.js$/);
    expect(s.hash(/\.js$/)).toBe(h1);
    s.write('d.js', '3');
    expect(s.hash(/\.js$/)).not.toBe(h1);
    expect(Number.isInteger(h1)).toBe(true);
  });

  it('readJSON/writeJSON, noExceptions', () => {
    const { s } = mk();
    s.writeJSON('j', { a: [1, 2], b: 'x' });
    expect(s.readJSON('j')).toEqual({ a: [1, 2], b: 'x' });
    s.write('bad', '{oops');
    expect(() => s.readJSON('bad')).toThrow();
    expect(s.readJSON('bad', true)).toBeUndefined();
    expect(s.readJSON('none')).toBeUndefined();
    s.write('obj', { k: 1 } as object); // objects are written as JSON
    expect(s.read('obj')).toBe('{"k":1}');
  });

  it('StorageFile: lines, read(len), getLength, append across chunks, erase, modes', () => {
    const { s } = mk(32, 256); // chunk = 224 bytes
    const f = s.open('log', 'w');
    const lines = Array.from({ length: 30 }, (_, i) => `reading ${i},${(i * 1.5).toFixed(1)}\n`);
    for (const l of lines.slice(0, 20)) f.write(l);
    const a = s.open('log', 'a');
    for (const l of lines.slice(20)) a.write(l);
    const all = lines.join('');
    expect(s.open('log', 'r').getLength()).toBe(all.length);
    expect(s.getStats()).toEqual(new EspruinoStorage(s.flash).getStats());
    expect(s.list(undefined, { sf: true })).toEqual(['log']);
    const r = s.open('log', 'r');
    const got: string[] = [];
    let l: string | undefined;
    while ((l = r.readLine()) !== undefined) got.push(l);
    expect(got).toEqual(lines);
    const r2 = s.open('log', 'r');
    expect(r2.read(13)).toBe(all.slice(0, 13));
    let rest = '';
    let c: string | undefined;
    while ((c = r2.read(50)) !== undefined) rest += c;
    expect(rest).toBe(all.slice(13));
    expect(() => r2.write('x')).toThrow("Can't write in this mode");
    expect(() => s.open('log', 'a').read(1)).toThrow("Can't read in this mode");
    expect(() => s.open('log', 'a').write('bad\xff')).toThrow(/\\xFF/);
    s.open('log', 'r').erase();
    expect(s.open('log', 'r').read(1)).toBeUndefined();
    expect(s.list()).toEqual([]);
  });

  it('StorageFile write exactly filling a chunk starts the next chunk empty', () => {
    const { s } = mk(32, 256);
    const f = s.open('x', 'w');
    f.write('a'.repeat(224));
    expect(s.list(undefined, {})).toEqual(['x\x01']);
    expect(s.open('x', 'r').getLength()).toBe(224);
    s.open('x', 'a').write('b');
    expect(s.open('x', 'r').read(1000)).toBe('a'.repeat(224) + 'b');
  });

  it("'w' truncates an existing StorageFile", () => {
    const { s } = mk(32, 256);
    s.open('x', 'w').write('old data\n'.repeat(40));
    s.open('x', 'w').write('new\n');
    expect(s.open('x', 'r').read(1000)).toBe('new\n');
  });

  it('out of space: compacts automatically, then throws "Unable to find or create file"', () => {
    const { s, flash } = mk(8, 1024); // 8 KB
    for (let i = 0; i < 20; i++) s.write('rot', 'x'.repeat(500) + i); // rewrites produce trash
    expect(s.read('rot')).toBe('x'.repeat(500) + '19');
    expect(flash.wearReport().totalErases).toBeGreaterThan(0); // compaction happened
    expect(() => s.write('huge', 'y'.repeat(9000))).toThrow('Unable to find or create file');
    expect(s.read('rot')).toBe('x'.repeat(500) + '19');
    s.write('fill1', 'z'.repeat(3000));
    expect(() => s.write('fill2', 'z'.repeat(5000))).toThrow('Unable to find or create file');
  });

  it('eraseAll empties storage; state survives a remount', () => {
    const { s, flash } = mk();
    s.write('a', 'A');
    s.open('l', 'w').write('line\n');
    const s2 = new EspruinoStorage(flash);
    expect(s2.list()).toEqual(['a', 'l\x01']);
    expect(s2.read('a')).toBe('A');
    s2.eraseAll();
    expect(s2.list()).toEqual([]);
    expect(s2.getFree()).toBe(flash.size);
    expect(new EspruinoStorage(flash).list()).toEqual([]);
  });

  it('wear() counts erases of compaction', () => {
    const { s } = mk(16, 1024);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) s.write('f' + i, 'data'.repeat(20) + round);
      s.compact();
    }
    const w = s.wear();
    expect(w.totalErases).toBeGreaterThanOrEqual(5);
    expect(w.hottestPages[0]!.page).toBe(0);
    expect(w.maxErases).toBe(w.hottestPages[0]!.erases);
  });
});

describe('EspruinoStorage over a long run', () => {
  it('a queue rewritten 3000 times on 32 KB never runs out of space and wears pages evenly enough', () => {
    const { s, flash } = mk(32, 1024);
    for (let i = 0; i < 3000; i++) {
      s.writeJSON('queue', { head: i, items: [i, i + 1, i + 2].map((v) => ({ t: v * 600, v: v % 97 })) });
      if (i % 10 === 0) s.write('counter', String(i));
    }
    expect(s.readJSON('queue')).toMatchObject({ head: 2999 });
    expect(s.read('counter')).toBe('2990');
    const w = s.wear();
    expect(w.totalErases).toBeGreaterThan(0);
    // Every compaction rewrites from page 0, as Espruino's does: the first page is the hottest.
    expect(w.hottestPages[0]!.page).toBe(0);
    const again = new EspruinoStorage(flash);
    expect(again.readJSON('queue')).toMatchObject({ head: 2999 });
    // The running totals kept while writing equal what a fresh scan of the flash finds.
    expect(s.getStats()).toEqual(again.getStats());
  });
});
