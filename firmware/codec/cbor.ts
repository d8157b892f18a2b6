/**
 * CBOR (RFC 8949) for the device: an encoder with preferred serialization (§4.1) and a bounded decoder
 * for downlinks. Espruino subset only (no Map, no Math.fround, no TextEncoder, no spread), no imports
 * besides this folder.
 *
 * Value model (no JS Map on the device):
 *   number → unsigned/negative integer when it is a safe integer (|v| ≤ 2^53−1, not −0), otherwise the
 *            shortest of float16/32/64 that holds it exactly (§4.1; NaN as f97e00, Appendix A).
 *            Integers beyond 2^53 are not integers in a double's precision, so they go out as floats.
 *   string → text string, UTF-8 encoded here (lone UTF-16 surrogates become U+FFFD, as WHATWG does).
 *   Uint8Array → byte string; Array → array; CborMap → map (integer or text keys, in the given order);
 *   CborTag → tag; boolean/null/undefined → simple values 20–23; anything else throws.
 * Lengths are always definite (§4.1) and every argument takes its shortest form (§3, §4.2.1).
 */
import { CodecError } from './error.ts';
import { Bytes, floor } from './bytes.ts';

export type CborKey = number | string;
export type CborValue =
  | number | string | boolean | null | undefined | Uint8Array | CborValue[] | CborMap | CborTag;

/** A CBOR map as [key, value] pairs in wire order. */
export class CborMap {
  declare entries: Array<[CborKey, CborValue]>;
  constructor(entries: Array<[CborKey, CborValue]>) {
    this.entries = entries;
  }
  /** The value of the first entry whose key is `k` (undefined when absent). */
  get(k: CborKey): CborValue {
    var e = this.entries;
    var i;
    for (i = 0; i < e.length; i++) if (e[i][0] === k) return e[i][1];
    return undefined;
  }
}

/** A tagged data item (RFC 8949 §3.4), e.g. tag 16 for COSE_Encrypt0. */
export class CborTag {
  declare tag: number;
  declare value: CborValue;
  constructor(tag: number, value: CborValue) {
    this.tag = tag;
    this.value = value;
  }
}

/** UTF-8 (RFC 3629) of a JS string; surrogate pairs become 4 bytes, lone surrogates U+FFFD. */
export function utf8Encode(s: string): Uint8Array {
  var out = new Bytes(s.length * 3);
  var n = 0;
  var i, c, d;
  for (i = 0; i < s.length; i++) {
    c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      d = s.charCodeAt(i + 1); // NaN past the end
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out[n++] = c;
    else {
      if (c < 0x800) out[n++] = 0xc0 | (c >> 6);
      else {
        if (c < 0x10000) out[n++] = 0xe0 | (c >> 12);
        else {
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 63);
        }
        out[n++] = 0x80 | ((c >> 6) & 63);
      }
      out[n++] = 0x80 | (c & 63);
    }
  }
  return out.subarray(0, n);
}

/**
 * float16 bits of `v` if float16 holds it exactly, else -1. `bits` are v's float32 bits (the caller has
 * checked that float32 holds v, or that v is NaN). IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits.
 */
function halfBits(bits: number): number {
  var sign = (bits >>> 16) & 0x8000;
  var exp = (bits >>> 23) & 255;
  var mant = bits & 0x7fffff;
  var e = exp - 127;
  var full = 0x800000 | mant;
  var shift = -e - 1;
  // ±Infinity; any NaN becomes the canonical quiet NaN f97e00 (RFC 8949 §4.2.2, Appendix A)
  if (exp === 255) return mant ? 0x7e00 : sign | 0x7c00;
  if (exp === 0) return mant === 0 ? sign : -1; // ±0; float32 subnormals are far below float16's range
  if (e >= -14 && e <= 15) return (mant & 0x1fff) ? -1 : sign | ((e + 15) << 10) | (mant >> 13);
  if (e >= -24 && e < -14) {
    // float16 subnormal: m · 2^-24 with m < 1024; m = (1.mant · 2^23) >> shift, exact if no bit drops
    return (full & ((1 << shift) - 1)) ? -1 : sign | (full >> shift);
  }
  return -1;
}

/**
 * Encode one value with preferred serialization into a growable Uint8Array (doubling on demand).
 * Written as closures over local state so a minifier can shorten every name (device code size).
 */
export function cborEncode(v: CborValue): Uint8Array {
  var buf = new Bytes(64);
  var len = 0;
  var scratch = new ArrayBuffer(8);
  var f32 = new Float32Array(scratch);
  var dv = new DataView(scratch);
  function put(x: number): void {
    var nb;
    if (len === buf.length) {
      nb = new Bytes(len * 2);
      nb.set(buf);
      buf = nb;
    }
    buf[len++] = x;
  }
  function raw(b: Uint8Array, n: number): void {
    var i;
    for (i = 0; i < n; i++) put(b[i]);
  }
  /** Initial byte + shortest argument (RFC 8949 §3, §4.2.1); n is an integer, 0 ≤ n < 2^64. */
  function head(major: number, n: number): void {
    var k = n < 256 ? 0 : n < 65536 ? 1 : n < 4294967296 ? 2 : 3;
    var s;
    if (n < 24) return put((major << 5) | n);
    put((major << 5) | (24 + k));
    // byte s of n, big-endian; division by a power of two is exact for doubles
    for (s = (1 << k) - 1; s >= 0; s--) put(floor(n / Math.pow(256, s)) % 256);
  }
  function num(x: number): void {
    var h;
    if (x === floor(x) && x <= 9007199254740991 && x >= -9007199254740991 && (x !== 0 || 1 / x > 0)) {
      return x >= 0 ? head(0, x) : head(1, -1 - x);
    }
    f32[0] = x;
    if (f32[0] === x || x !== x) {
      dv.setFloat32(0, x);
      h = halfBits(dv.getUint32(0));
      if (h >= 0) {
        put(0xf9);
        put(h >> 8);
        return put(h & 255);
      }
      put(0xfa);
      return raw(new Bytes(scratch), 4);
    }
    put(0xfb);
    dv.setFloat64(0, x);
    raw(new Bytes(scratch), 8);
  }
  function val(x: CborValue): void {
    var i, u, e;
    if (typeof x === 'number') num(x);
    else if (typeof x === 'string') {
      u = utf8Encode(x);
      head(3, u.length);
      raw(u, u.length);
    } else if (typeof x === 'boolean') put(x ? 0xf5 : 0xf4);
    else if (x === null) put(0xf6);
    else if (x === undefined) put(0xf7);
    else if (x instanceof Bytes) {
      head(2, x.length);
      raw(x, x.length);
    } else if (Array.isArray(x)) {
      head(4, x.length);
      for (i = 0; i < x.length; i++) val(x[i]);
    } else if (x instanceof CborMap) {
      e = x.entries;
      head(5, e.length);
      for (i = 0; i < e.length; i++) {
        val(e[i][0]);
        val(e[i][1]);
      }
    } else if (x instanceof CborTag) {
      head(6, x.tag);
      val(x.value);
    } else throw new Error('CBOR: ' + typeof x);
  }
  val(v);
  return buf.slice(0, len);
}

/** Limits for untrusted input: nesting depth, total data items, bytes per string. */
export interface CborLimits {
  depth: number;
  items: number;
  length: number;
}
export var DOWNLINK_LIMITS: CborLimits = { depth: 8, items: 256, length: 512 };

/**
 * Decode exactly one data item from untrusted bytes. Returns the value, or a CodecError
 * ('MALFORMED_CBOR', with the byte offset) — never throws. Bounded: every data item advances the
 * position by ≥ 1 byte and counts against `items`; array/map counts are checked against the bytes
 * left before anything is allocated; strings against `length`; nesting against `depth`. So decoding
 * is O(input length) and cannot hang or exhaust memory. Refused (our messages never use them):
 * indefinite lengths, simple values other than false/true/null/undefined, map keys other than
 * integers and text, integers beyond ±2^53. Text on ESP32 is 8-bit: characters above U+00FF do not
 * survive there.
 */
export function cborDecode(b: Uint8Array, limits?: CborLimits): CborValue | CodecError {
  var lim = limits || DOWNLINK_LIMITS;
  var pos = 0;
  var items = 0;
  var v;
  function fail(msg: string, at: number): CodecError {
    return new CodecError('MALFORMED_CBOR', msg + ' at byte ' + at, at);
  }
  function take(n: number): number {
    var p = pos;
    if (n > b.length - p) throw fail('truncated', b.length);
    pos = p + n;
    return p;
  }
  /** Big-endian unsigned integer of n ≤ 8 bytes (rounds above 2^53; callers refuse those). */
  function uint(n: number): number {
    var p = take(n);
    var x = 0;
    var i;
    for (i = 0; i < n; i++) x = x * 256 + b[p + i];
    return x;
  }
  /**
   * UTF-8 to a JS string, strictly (RFC 3629 §4): decode leniently, then re-encode and compare.
   * Overlongs, surrogates, code points > U+10FFFF, stray or missing continuation bytes all fail to
   * round-trip, so one comparison does the whole validation.
   */
  function text(start: number, end: number): string {
    var p = start;
    var s = '';
    var c, n, i, u;
    while (p < end) {
      c = b[p++];
      n = c < 0xc0 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
      if (p + n > end) throw fail('bad UTF-8', p - 1);
      c &= n ? 0x3f >> n : 0xff;
      for (i = 0; i < n; i++) c = (c << 6) | (b[p++] & 0x3f);
      if (c >= 0x10000) {
        c -= 0x10000;
        s += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
      } else s += String.fromCharCode(c);
    }
    u = utf8Encode(s);
    for (i = 0; i < u.length; i++) if (u[i] !== b[start + i]) break;
    if (i < u.length || u.length !== end - start) throw fail('bad UTF-8', start);
    return s;
  }
  function item(depth: number): CborValue {
    var start = pos;
    var ib, major, ai, n, i, p, h, e, m, f, dv, k, arr: CborValue[], ents: Array<[CborKey, CborValue]>;
    if (++items > lim.items) throw fail('too many items', start);
    if (depth > lim.depth) throw fail('too deep', start);
    ib = b[take(1)];
    major = ib >> 5;
    ai = ib & 31;
    if (major === 7) {
      if (ai > 19 && ai < 24) return [false, true, null, undefined][ai - 20];
      if (ai === 25) {
        // float16 (RFC 8949 Appendix D)
        h = uint(2);
        e = (h >> 10) & 31;
        m = h & 1023;
        f = e === 31 ? (m ? NaN : Infinity) : (e ? m + 1024 : m) * Math.pow(2, (e || 1) - 25);
        return h & 0x8000 ? -f : f;
      }
      if (ai === 26 || ai === 27) {
        p = take(ai === 26 ? 4 : 8);
        dv = new DataView(b.buffer, b.byteOffset + p, 8 - 4 * (27 - ai));
        return ai === 26 ? dv.getFloat32(0) : dv.getFloat64(0);
      }
      throw fail('bad simple value', start);
    }
    if (ai < 24) n = ai;
    else if (ai < 28) {
      // 8-byte arguments ≥ 2^53 round in uint() but stay ≥ 2^53 (rounding is monotonic): caught here
      n = uint(1 << (ai - 24));
      if (n > 9007199254740991) throw fail('argument > 2^53', start);
    } else throw fail('indefinite/reserved length', start);
    if (major === 0) return n;
    if (major === 1) return -1 - n;
    if (major === 2 || major === 3) {
      if (n > lim.length) throw fail('string too long', start);
      p = take(n);
      return major === 2 ? b.slice(p, p + n) : text(p, p + n);
    }
    if (major === 6) return new CborTag(n, item(depth + 1));
    // arrays need ≥ 1 byte per element, maps ≥ 2 per entry: refuse counts the input cannot hold
    if (n * (major === 5 ? 2 : 1) > b.length - pos) throw fail('count > input', start);
    if (major === 4) {
      arr = [];
      for (i = 0; i < n; i++) arr.push(item(depth + 1));
      return arr;
    }
    ents = [];
    for (i = 0; i < n; i++) {
      p = pos;
      k = item(depth + 1);
      if (typeof k !== 'number' && typeof k !== 'string') throw fail('map key not int/text', p);
      ents.push([k, item(depth + 1)]);
    }
    return new CborMap(ents);
  }
  try {
    v = item(0);
    return pos === b.length ? v : fail('trailing bytes', pos);
  } catch (x) {
    return x instanceof CodecError ? x : fail('' + x, pos);
  }
}
