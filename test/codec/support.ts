/**
 * Test support for the codec suites: hex helpers, the fixture value notation, a deep comparison that
 * treats the device value model (CborMap, CborTag) and cbor-x's (Map, Tag) as the same CBOR data
 * model, fast-check generators of CBOR values, and an in-memory Storage that can lose power.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Tag } from 'cbor-x';
import { CborMap, CborTag, type CborKey, type CborValue } from '../../firmware/codec/cbor.ts';
import type { CounterStorage } from '../../firmware/codec/counter.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
export const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
export const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/codec/${name}`, import.meta.url), 'utf8')) as T;
}

/** Fixture notation (see rfc8949-appendix-a.json "value_notation") → device value model. */
export function fromNotation(x: unknown): CborValue {
  if (Array.isArray(x)) return x.map(fromNotation);
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if ('float' in o) return ({ NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 } as Record<string, number>)[o.float as string];
    if ('undefined' in o) return undefined;
    if ('bytes' in o) return unhex(o.bytes as string);
    if ('map' in o) return new CborMap((o.map as [CborKey, unknown][]).map(([k, v]) => [k, fromNotation(v)] as [CborKey, CborValue]));
    if ('tag' in o) return new CborTag(o.tag as number, fromNotation(o.value));
  }
  return x as CborValue;
}

/** Entries of a map in either model. */
function entriesOf(m: unknown): [unknown, unknown][] | null {
  if (m instanceof CborMap) return m.entries;
  if (m instanceof Map) return [...m.entries()];
  return null;
}

/** Same CBOR data item? Numbers by Object.is (so -0 ≠ 0, NaN = NaN), bytes by content, maps in order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  const ea = entriesOf(a), eb = entriesOf(b);
  if (ea || eb) return !!ea && !!eb && ea.length === eb.length && ea.every(([k, v], i) => sameValue(k, eb[i][0]) && sameValue(v, eb[i][1]));
  if ((a instanceof CborTag || a instanceof Tag) && (b instanceof CborTag || b instanceof Tag)) {
    return a.tag === b.tag && sameValue(a.value, b.value);
  }
  return a === b;
}

/** Tags cbor-x leaves alone (it gives meaning to 0, 1, 2, 3, 28, 29, 64–87, 105, 256, 258, 259, …). */
const PLAIN_TAGS = [16, 17, 18, 61, 96, 98, 1000, 100000];

const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.float().map((f) => f), // float32-exact values
  fc.integer({ min: -65504, max: 65504 }).map((i) => i / 1024), // many float16-exact values
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 64, 65504.5, 5.960464477539063e-8, 1e300),
);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }));
const key = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer(), fc.string({ maxLength: 8 }));

/** Random CBOR values in the device model. `withTags` adds CborTag nodes. */
export function cborValue(withTags = true): fc.Arbitrary<CborValue> {
  const { v } = fc.letrec<{ v: CborValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      number,
      text,
      fc.boolean(),
      fc.constantFrom(null, undefined),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(tie('v'), { maxLength: 6 }),
      fc
        .uniqueArray(fc.tuple(key, tie('v')), { maxLength: 5, selector: ([k]) => (typeof k === 'number' ? `n${k}` : `s${k}`) })
        .map((es) => new CborMap(es as [CborKey, CborValue][])),
      ...(withTags ? [fc.tuple(fc.constantFrom(...PLAIN_TAGS), tie('v')).map(([t, x]) => new CborTag(t, x))] : []),
    ),
  }));
  return v;
}

/**
 * In-memory Storage with Espruino's read/write contract. `failAt` = index of the write (0-based,
 * counted over the storage's life) that loses power: with `torn` the file is left truncated
 * (a half-finished erase+rewrite), otherwise untouched; that write and every later one throw, as
 * nothing runs after a power loss.
 */
export class MemoryStorage implements CounterStorage {
  files = new Map<string, string>();
  writes = 0;
  dead = false;
  failAt = -1;
  torn = false;
  read(name: string): string | undefined {
    return this.files.get(name);
  }
  write(name: string, data: string): boolean {
    if (this.dead || this.writes === this.failAt) {
      if (!this.dead && this.torn) this.files.set(name, data.slice(0, Math.floor(data.length / 2)));
      this.dead = true;
      this.writes++;
      throw new Error('power lost');
    }
    this.writes++;
    this.files.set(name, data);
    return true;
  }
  /** Power comes back: the device reboots with what flash holds. */
  reboot(): void {
    this.dead = false; // failAt stays: a later boot's write may be the one that fails
  }
}
