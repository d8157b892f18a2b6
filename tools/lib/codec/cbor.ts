/**
 * Host-side CBOR: cbor-x configured for standard, interoperable CBOR (see the codec reference: its
 * defaults add tag 64 to byte strings, tag 259 to Maps, record extensions and fixed-width map headers),
 * and a decoder for untrusted input that runs the well-formedness scan first (exact byte offsets,
 * bounded work) and only then lets cbor-x build values.
 *
 * Encoding note: cbor-x has no preferred-serialization mode for floats (non-integers become float64)
 * and writes integers ≥ 2^32 as float64; it is exact for what the host encodes (COSE headers, small
 * integers, byte strings, text). Byte-exact device output comes from firmware/codec/cbor.ts.
 */
import { Decoder, Encoder, setSizeLimits } from 'cbor-x';
import { scanCbor, type ScanLimits } from './wellformed.ts';
import { fail, ok, type Result } from './errors.ts';

export { Tag } from 'cbor-x';

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  useTag259ForMaps: false,
} as ConstructorParameters<typeof Encoder>[0]); // useTag259ForMaps is missing from cbor-x's types

// int64AsNumber: 8-byte integers as numbers, not BigInt (missing from cbor-x's types)
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false, int64AsNumber: true } as ConstructorParameters<typeof Decoder>[0]);

// cbor-x's own allocation limits (process-wide in cbor-x): a second line behind scanCbor.
setSizeLimits({ maxArraySize: 65536, maxMapSize: 65536, maxObjectSize: 65536 });

/** Encode with the interoperable settings; use `Map` for maps (integer keys) and `Tag` for tags. */
export function encodeCbor(value: unknown): Uint8Array {
  const out = encoder.encode(value);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export const UNTRUSTED_LIMITS: ScanLimits = { maxDepth: 16, maxItems: 4096, allowTags: [] };

/**
 * Decode one CBOR data item from untrusted bytes: MALFORMED_CBOR (with byte offset) or BAD_STRUCTURE
 * (limits, tags, duplicate keys) as a value, never an exception. Maps decode as `Map`, byte strings as
 * Uint8Array, 64-bit integers as numbers.
 */
export function decodeCbor(bytes: Uint8Array, limits: ScanLimits = UNTRUSTED_LIMITS): Result<unknown> {
  const problem = scanCbor(bytes, limits);
  if (problem) return fail(problem.code, problem.message, problem.offset);
  try {
    return ok(decoder.decode(bytes));
  } catch (e) {
    // not expected after a clean scan; kept so that untrusted input can never throw
    return fail('MALFORMED_CBOR', `CBOR decoder: ${(e as Error).message}`, 0);
  }
}
