/**
 * Device codec entry points for the node runtime: readings → SenML-CBOR → COSE_Encrypt0 bytes, and
 * COSE_Encrypt0 downlinks → CBOR value. Everything here runs on Espruino as is.
 * The frame counter (persistence, not codec) is imported from './counter.ts' by the runtime, so this
 * bundle is exactly codec + crypto; bench/codec.ts prints both sizes.
 */
import { cborDecode, cborEncode, type CborValue } from './cbor.ts';
import { coseOpen, coseSeal, SERVER_ID, MAX_PIV } from './cose.ts';
import { CodecError } from './error.ts';
import { floor } from './bytes.ts';
import { senmlPack, type SenmlRecord } from './senml.ts';

export { CborMap, CborTag, cborDecode, cborEncode } from './cbor.ts';
export type { CborValue, CborKey, CborLimits } from './cbor.ts';
export { CodecError } from './error.ts';
export type { SenmlRecord } from './senml.ts';

/**
 * Seal one uplink: SenML pack (base name + records) as CBOR, encrypted into a tagged COSE_Encrypt0
 * with kid and Partial IV = counter. key: 32 bytes, iv: the 12-byte Common IV, kid: 1–6 bytes,
 * counter: from FrameCounter.issue() (never reused). Throws only on programming errors (bad sizes).
 */
export function sealReadings(key: Uint8Array, iv: Uint8Array, kid: Uint8Array, counter: number, baseName: string, records: SenmlRecord[]): Uint8Array {
  if (key.length !== 32 || iv.length !== 12 || kid.length < 1 || kid.length > 6 || !(counter >= 0 && counter <= MAX_PIV && counter === floor(counter))) {
    throw new Error('seal: bad key/iv/kid length or counter');
  }
  return coseSeal(key, iv, kid, kid, counter, cborEncode(senmlPack(baseName, records)));
}

/** An accepted downlink: its counter (store it as the new `lastCounter`) and its decoded payload. */
export interface Downlink {
  counter: number;
  value: CborValue;
}

/**
 * Open a downlink sealed by the host (sender id = SERVER_ID, see cose.ts) and decode its CBOR payload
 * with the bounded decoder. `lastCounter` is the highest downlink counter accepted so far (−1 for
 * none); anything not above it is a REPLAY. Never throws: errors come back as CodecError.
 */
export function openDownlink(key: Uint8Array, iv: Uint8Array, msg: Uint8Array, lastCounter: number): Downlink | CodecError {
  var o = coseOpen(key, iv, SERVER_ID, msg);
  var v;
  if (o instanceof CodecError) return o;
  if (o.counter <= lastCounter) return new CodecError('REPLAY', 'old counter ' + o.counter, 0);
  v = cborDecode(o.plaintext);
  if (v instanceof CodecError) return v;
  return { counter: o.counter, value: v };
}
