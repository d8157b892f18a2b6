/**
 * Device CBOR (firmware/codec/cbor.ts) against RFC 8949 Appendix A and against cbor-x, the host's
 * decoder: every device encoding must decode to the same value there, byte for byte where cbor-x
 * also writes preferred serialization; the bounded device decoder must reject bad input with an
 * offset and never throw.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decoder, Encoder } from 'cbor-x';
import { CborMap, CborTag, cborDecode, cborEncode, utf8Encode, type CborValue } from '../../firmware/codec/cbor.ts';
import { CodecError } from '../../firmware/codec/error.ts';
import { encodeCbor } from '../../tools/lib/codec/cbor.ts';
import { cborValue, fixture, fromNotation, hex, sameValue, unhex } from './support.ts';

interface Vectors {
  vectors: { hex: string; value: unknown; diag: string }[];
}
const appendixA = fixture<Vectors>('rfc8949-appendix-a.json').vectors;
const hostDecoder = new Decoder({ useRecords: false, mapsAsObjects: false, int64AsNumber: true } as ConstructorParameters<typeof Decoder>[0]);

describe('RFC 8949 Appendix A vectors', () => {
  it.each(appendixA.map((v) => [v.diag, v.hex, v.value] as const))('%s encodes as %s and decodes back', (_diag, h, notation) => {
    const value = fromNotation(notation);
    expect(hex(cborEncode(value))).toBe(h);
    const back = cborDecode(unhex(h));
    expect(back).not.toBeInstanceOf(CodecError);
    expect(sameValue(back, value)).toBe(true);
  });

  it('writes integral float vectors of Appendix A as integers, which decode to the same numbers', () => {
    // 1.0 → f93c00 in Appendix A; a JS number cannot carry "float-ness", the device writes 01
    for (const [n, h] of [[1, '01'], [65504, '19ffe0'], [100000, '1a000186a0'], [-4, '23'], [0, '00']] as const) {
      expect(hex(cborEncode(n))).toBe(h);
    }
    expect(cborDecode(unhex('f93c00'))).toBe(1);
    expect(cborDecode(unhex('f97bff'))).toBe(65504);
    expect(cborDecode(unhex('fa47c35000'))).toBe(100000);
  });
});

describe('preferred serialization details', () => {
  it('uses the shortest argument at every width boundary', () => {
    const cases: [number, string][] = [
      [23, '17'], [24, '1818'], [255, '18ff'], [256, '190100'], [65535, '19ffff'], [65536, '1a00010000'],
      [4294967295, '1affffffff'], [4294967296, '1b0000000100000000'], [2 ** 53 - 1, '1b001fffffffffffff'],
      [-24, '37'], [-25, '3818'], [-256, '38ff'], [-257, '390100'], [-(2 ** 53) + 1, '3b001ffffffffffffe'],
    ];
    for (const [n, h] of cases) expect(hex(cborEncode(n)), String(n)).toBe(h);
    expect(hex(cborEncode('x'.repeat(24)))).toBe('7818' + '78'.repeat(24));
    expect(hex(cborEncode(new Uint8Array(256))).slice(0, 6)).toBe('590100');
  });

  it('picks float16, float32 or float64 by exactness', () => {
    expect(hex(cborEncode(0.5))).toBe('f93800');
    expect(hex(cborEncode(65504.5))).toBe('fa477fe080'); // not a float16 (too precise), exact float32
    expect(hex(cborEncode(0.1))).toBe('fb3fb999999999999a');
    expect(hex(cborEncode(2 ** 53))).toBe('fa5a000000'); // integral but beyond 2^53: a float, 2^53 is float32-exact
    expect(hex(cborEncode(2 ** -24 * 3))).toBe('f90003'); // float16 subnormal
    expect(hex(cborEncode(2 ** -25))).toBe('fa33000000'); // below float16's smallest subnormal
    expect(hex(cborEncode(1 + 2 ** -10))).toBe('f93c01');
    expect(hex(cborEncode(1 + 2 ** -11))).toBe('fa3f801000');
    expect(hex(cborEncode(-0))).toBe('f98000');
  });

  it('encodes JS strings as UTF-8 (surrogate pairs as 4 bytes, lone surrogates as U+FFFD)', () => {
    expect(hex(utf8Encode('aü水😀'))).toBe(hex(new TextEncoder().encode('aü水😀')));
    expect(hex(utf8Encode('a\ud800b'))).toBe('61efbfbd62');
    expect(hex(utf8Encode('\udc00'))).toBe('efbfbd');
  });

  it('grows its output buffer for large values', () => {
    const big = new Uint8Array(10000).map((_, i) => i & 255);
    const out = cborEncode([big, 'x'.repeat(5000)]);
    expect(out.length).toBe(1 + 3 + 10000 + 3 + 5000);
    expect(sameValue(cborDecode(out, { depth: 4, items: 10, length: 20000 }), [big, 'x'.repeat(5000)])).toBe(true);
  });
});

describe('device encoder vs cbor-x', () => {
  it('cbor-x decodes every device encoding to the same value (property, seed 1)', () => {
    fc.assert(
      fc.property(cborValue(), (v) => {
        const bytes = cborEncode(v);
        expect(sameValue(hostDecoder.decode(bytes), v)).toBe(true);
      }),
      { seed: 1, numRuns: 3000 },
    );
  });

  it('is byte-identical to cbor-x (interoperable settings) for integers < 2^32, text, bytes, arrays and maps', () => {
    // pairs [device value, host value]: maps are CborMap on the device and Map for cbor-x
    type Pair = [CborValue, unknown];
    const pair = fc.letrec<{ p: Pair }>((tie) => ({
      p: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -(2 ** 32) + 1, max: 2 ** 32 - 1 }).map((x): Pair => [x, x]),
        fc.string({ unit: 'binary', maxLength: 40 }).map((x): Pair => [x, x]),
        fc.uint8Array({ maxLength: 300 }).map((x): Pair => [x, x]),
        fc.constantFrom<Pair>([true, true], [false, false], [null, null]),
        fc.array(tie('p'), { maxLength: 30 }).map((xs): Pair => [xs.map((x) => x[0]), xs.map((x) => x[1])]),
        fc
          .uniqueArray(fc.tuple(fc.integer({ min: -100000, max: 100000 }), tie('p')), { maxLength: 5, selector: ([k]) => k })
          .map((es): Pair => [new CborMap(es.map(([k, x]) => [k, x[0]])), new Map(es.map(([k, x]) => [k, x[1]]))]),
      ),
    })).p;
    fc.assert(
      fc.property(pair, ([dev, host]) => {
        expect(hex(cborEncode(dev))).toBe(hex(encodeCbor(host)));
      }),
      { seed: 2, numRuns: 2000 },
    );
    // maps with integer keys, explicitly
    const m = new Map<number, unknown>([[4, new Uint8Array([1])], [6, new Uint8Array([0x2a])], [-3, 1700000000]]);
    expect(hex(cborEncode(new CborMap([[4, new Uint8Array([1])], [6, new Uint8Array([0x2a])], [-3, 1700000000]])))).toBe(hex(encodeCbor(m)));
  });

  it('cbor-x defaults are NOT interoperable (why the host uses its own settings)', () => {
    expect(hex(new Encoder().encode(new Uint8Array([1])))).not.toBe(hex(cborEncode(new Uint8Array([1]))));
  });
});

describe('bounded device decoder', () => {
  const err = (h: string, limits?: { depth: number; items: number; length: number }) => {
    const r = cborDecode(unhex(h), limits);
    expect(r).toBeInstanceOf(CodecError);
    return r as CodecError;
  };

  it('decodes what cbor-x encodes and what it encodes itself (property, seed 3)', () => {
    fc.assert(
      fc.property(cborValue(), (v) => {
        const limits = { depth: 64, items: 100000, length: 100000 };
        expect(sameValue(cborDecode(cborEncode(v), limits), v)).toBe(true);
      }),
      { seed: 3, numRuns: 2000 },
    );
    expect(sameValue(cborDecode(encodeCbor(new Map<unknown, unknown>([[1, 'a'], ['k', [1.5, -2]]]))), new CborMap([[1, 'a'], ['k', [1.5, -2]]]))).toBe(true);
  });

  it('reports truncation, reserved and indefinite lengths, bad simple values with byte offsets', () => {
    expect(err('8301').message).toBe('count > input at byte 0'); // array of 3, one byte left
    expect(err('82010203').message).toBe('trailing bytes at byte 3');
    expect(err('1a0001').offset).toBe(3); // truncated argument: end of input
    expect(err('1a0001').code).toBe('MALFORMED_CBOR');
    expect(err('1c').message).toContain('byte 0');
    expect(err('9f01ff').message).toMatch(/indefinite/);
    expect(err('8201ff').offset).toBe(2); // break inside a definite array
    expect(err('f818').message).toMatch(/simple/);
    expect(err('0101').message).toMatch(/trailing bytes at byte 1/);
    expect(err('a1800102').offset).toBe(1); // array as a map key
  });

  it('enforces depth, item and length limits before allocating', () => {
    const deep = '81'.repeat(20) + '00';
    expect(err(deep, { depth: 8, items: 100, length: 10 }).message).toMatch(/too deep at byte 9/);
    expect(err('9864' + '00'.repeat(100), { depth: 8, items: 50, length: 10 }).message).toMatch(/too many items/);
    expect(err('5820' + '00'.repeat(32), { depth: 8, items: 50, length: 16 }).message).toMatch(/string too long/);
    expect(err('9bffffffffffffffff').message).toMatch(/2\^53|count/);
    expect(err('9a7fffffff00').message).toMatch(/count > input/); // 2^31 items claimed, 1 byte present
    expect(err('5a7fffffff00').message).toMatch(/string too long|truncated/);
  });

  it('rejects invalid UTF-8 in text strings', () => {
    for (const h of ['61ff', '62c328', '63eda080', '62c0af', '64f4908080', '61c3', '6180']) expect(err(h).message, h).toMatch(/UTF-8/);
    expect(cborDecode(unhex('64f0908591'))).toBe('\ud800\udd51');
  });

  it('never throws and always terminates on random and mutated input (seeded, 20,000 inputs)', () => {
    const seeds = [cborEncode([1, 'abc', new Uint8Array([1, 2]), new CborMap([[1, 2.5]]), new CborTag(16, [true, null])])];
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.tuple(fc.nat(seeds[0].length * 8 - 1), fc.nat(seeds[0].length)).map(([bit, cut]) => {
        const m = seeds[0].slice(0, Math.max(cut, 1));
        m[(bit >> 3) % m.length] ^= 1 << (bit & 7);
        return m;
      })), (bytes) => {
        const r = cborDecode(bytes);
        if (r instanceof CodecError) {
          expect(r.code).toBe('MALFORMED_CBOR');
          expect(r.offset).toBeGreaterThanOrEqual(0);
          expect(r.offset).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { seed: 4, numRuns: 20000 },
    );
  });
});
