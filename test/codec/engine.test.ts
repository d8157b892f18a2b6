/**
 * The device codec built by `sensornode build` runs inside the simulator's engine (QuickJS with only
 * the Espruino globals) and produces exactly the bytes it produces in Node; a downlink sealed by the
 * host opens there.
 */
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { buildApp } from '../../tools/lib/build/index.ts';
import { simulate, SimFlash } from '../../sim/index.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';
import { loadBoard } from '../../tools/lib/boards.ts';
import { sealDownlink, encodeCbor } from '../../tools/lib/codec/index.ts';
import { sealReadings, cborEncode, CborMap } from '../../firmware/codec/index.ts';
import { toHex, fromHex } from '../../firmware/modem/chat.ts';

const root = resolve(__dirname, '../..');

describe('device codec in the simulator engine', () => {
  it('seals and encodes byte-identically to Node, and opens a host downlink', async () => {
    const board = await loadBoard('devkitc-bc660k');
    const r = await buildApp({ entry: join(root, 'test/fixtures/apps/codec-vector'), board, write: false, cwd: root });
    const key = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff);
    const iv = fromHex('0102030405060708090a0b0c');
    const flash = new SimFlash({ bytes: board.mcu.storage.bytes, pageBytes: board.mcu.storage.pageBytes });
    const down = sealDownlink(key, iv, 5, encodeCbor(new Map([['sampleS', 600]])));
    new EspruinoStorage(flash).write('down.hex', toHex(down));
    const res = await simulate({ bundle: r.code, sourceMap: r.map, board, duration: '5s', flash });
    expect(res.errors).toEqual([]);
    const line = (tag: string) => res.console.split(/\r?\n/).find((l) => l.startsWith(tag + ' '))?.slice(tag.length + 1);

    const sealed = sealReadings(key, iv, new Uint8Array([0x2a]), 1234567, 'sn-1:', [
      { n: 'temp', u: 'Cel', v: 21.5, t: 1767225600 },
      { n: 'hum', u: '%RH', v: 40.25, t: 1767225600 },
      { n: 'soil', u: '%', v: 33.3, t: 1767226500 },
      { n: 'ok', v: true },
      { n: 'fw', v: 'v1.2' },
    ]);
    expect(line('SEALED')).toBe(toHex(sealed));
    const cbor = cborEncode([1, -1, 0.5, 100000, 3.4028234663852886e38, 'ü', new Uint8Array([1, 2]), new CborMap([[1, 24]])]);
    expect(line('CBOR')).toBe(toHex(cbor));
    expect(line('DOWN')).toBe('5');
  });
});
