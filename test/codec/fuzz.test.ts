/**
 * Seeded fuzzing of the host decoders with 100,000+ random and mutated inputs: random bytes, and
 * valid sealed uplinks / SenML packs with bit flips, truncation, insertions, duplicated spans, huge
 * length fields and deep nesting; plus junk plaintext sealed under a real device key (a compromised
 * or buggy device). Every outcome must be a result or a typed CodecError, never an exception.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sealReadings } from '../../firmware/codec/index.ts';
import { cborEncode } from '../../firmware/codec/cbor.ts';
import { senmlPack, type SenmlRecord } from '../../firmware/codec/senml.ts';
import { CodecError, decodeCbor, decodeSenml, deriveDeviceKeys, kidFromIndex, openUplink, parseEncrypt0, sealEncrypt0 } from '../../tools/lib/codec/index.ts';

const dev = { ...deriveDeviceKeys(new Uint8Array(32).fill(9), 'fuzz-1', 1), kid: kidFromIndex(300) };
const lookup = (kid: Uint8Array) => (kid.length === 2 && kid[0] === 1 && kid[1] === 44 ? dev : undefined);
const T0 = 1_763_800_000;
const recs = (n: number): SenmlRecord[] =>
  Array.from({ length: n }, (_, i) => ({ n: `s${i}`, u: i % 2 ? 'Cel' : 'V', v: i % 3 ? i * 1.25 : i % 2 === 0, t: T0 + i }));
const plaintexts = [1, 3, 10].map((n) => cborEncode(senmlPack('urn:dev:fuzz-1:', recs(n))));
const messages = [1, 3, 10].map((n, i) => sealReadings(dev.key, dev.iv, dev.kid, 1000 + i, 'urn:dev:fuzz-1:', recs(n)));
const CODES = new Set(['MALFORMED_CBOR', 'BAD_STRUCTURE', 'UNKNOWN_KID', 'AUTH_FAILED', 'OVERSIZE']);

type Mutation = (b: Uint8Array) => Uint8Array;
function insert(b: Uint8Array, at: number, ins: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at), at + ins.length);
  return out;
}
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.array(fc.nat(), { minLength: 1, maxLength: 4 }).map((bits) => (b: Uint8Array) => {
    const m = b.slice();
    for (const bit of bits) m[(bit >> 3) % m.length] ^= 1 << (bit & 7);
    return m;
  }),
  fc.nat().map((cut) => (b: Uint8Array) => b.slice(0, cut % b.length)),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, ins]) => (b: Uint8Array) => {
    return insert(b, at % (b.length + 1), ins);
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([a, len, at]) => (b: Uint8Array) => {
    const s = a % b.length;
    return insert(b, at % (b.length + 1), b.subarray(s, s + 1 + (len % 16)));
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.constantFrom(26, 27)).map(([at, major, ai]) => (b: Uint8Array) => {
    // a huge length/argument field: 0x?a ff ff ff ff or 0x?b ff×8
    const m = b.slice();
    const p = at % m.length;
    m[p] = (major << 5) | ai;
    for (let i = 1; i <= (ai === 26 ? 4 : 8) && p + i < m.length; i++) m[p + i] = 0xff;
    return m;
  }),
  fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(0x81, 0xa1, 0xd0, 0xc6)).map(([depth, head]) => (b: Uint8Array) => {
    return insert(b, 0, new Uint8Array(depth).fill(head));
  }),
);

/** Plain checks (no `expect` in the hot loop, which would dominate the run time). */
function expectTyped(r: { ok: boolean; error?: unknown }, len: number): string {
  if (r.ok) return 'ok';
  const e = r.error;
  if (!(e instanceof CodecError) || !CODES.has(e.code)) throw new Error(`untyped error: ${String(e)}`);
  if (e.code === 'MALFORMED_CBOR' && !(e.offset! >= 0 && e.offset! <= len)) throw new Error(`offset ${e.offset} outside 0..${len}: ${e.message}`);
  return e.code;
}

describe('host decoder fuzz', () => {
  it('returns only results or typed errors for 100,000+ hostile inputs (seed 50)', () => {
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    const input = fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: 'random', b })), weight: 2 },
      { arbitrary: fc.tuple(fc.nat(2), mutation).map(([i, m]) => ({ kind: 'uplink', b: m(messages[i]) })), weight: 5 },
      { arbitrary: fc.tuple(fc.nat(2), mutation).map(([i, m]) => ({ kind: 'senml', b: m(plaintexts[i]) })), weight: 2 },
      {
        arbitrary: fc.tuple(fc.nat(2), mutation, fc.nat(1000)).map(([i, m, c]) => ({
          kind: 'junk-sealed',
          b: sealEncrypt0({ key: dev.key, iv: dev.iv, senderId: dev.kid, kid: dev.kid, counter: c, plaintext: m(plaintexts[i]) }),
        })),
        weight: 1,
      },
    );
    let runs = 0;
    fc.assert(
      fc.property(input, ({ kind, b }) => {
        runs++;
        if (kind === 'senml') {
          count('senml:' + expectTyped(decodeSenml(b), b.length));
          count('cbor:' + expectTyped(decodeCbor(b), b.length));
        } else {
          count(kind + ':' + expectTyped(openUplink(b, lookup), b.length));
          if (kind === 'random') expectTyped(parseEncrypt0(b), b.length);
        }
      }),
      { seed: 50, numRuns: 100_000 },
    );
    expect(runs).toBe(100_000);
    // the mutations reach every stage: structure, crypto and the SenML decoder
    for (const k of ['uplink:MALFORMED_CBOR', 'uplink:BAD_STRUCTURE', 'uplink:AUTH_FAILED', 'junk-sealed:MALFORMED_CBOR', 'junk-sealed:BAD_STRUCTURE', 'senml:ok', 'random:MALFORMED_CBOR']) {
      expect(outcomes.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  });

  it('handles inputs built to be expensive: a 1 KB message of nested arrays and of huge claimed counts', () => {
    const nested = new Uint8Array(1024).fill(0x81);
    const r = openUplink(nested, lookup);
    expect(r.ok ? '' : r.error.message).toMatch(/nesting deeper than 3/);
    const claims = Uint8Array.from([0x9b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00]);
    const c = decodeCbor(claims);
    expect(c.ok ? '' : `${c.error.code} ${c.error.message}`).toBe('MALFORMED_CBOR array of 4294967295 items exceeds the input at byte 0');
    const map = decodeCbor(Uint8Array.from([0xbb, 0, 0, 0, 1, 0, 0, 0, 0]));
    expect(map.ok ? '' : map.error.code).toBe('MALFORMED_CBOR');
  });
});
