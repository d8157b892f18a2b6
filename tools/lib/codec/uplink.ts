/**
 * The ingest's one call for an uplink datagram payload:
 *   size check → COSE_Encrypt0 parse → device lookup by kid → decrypt → SenML decode.
 * Every failure is a typed CodecError value (OVERSIZE, MALFORMED_CBOR, BAD_STRUCTURE, UNKNOWN_KID,
 * AUTH_FAILED); nothing thrown for any input bytes. The replay check is deliberately NOT here: the
 * caller runs `checkReplay` with the device's stored window inside the same database transaction that
 * stores the readings, so check and update are atomic (RFC 8613 §7.4).
 */
import { decryptEncrypt0, parseEncrypt0 } from './cose.ts';
import { fail, ok, type Result } from './errors.ts';
import { kidToHex } from './keys.ts';
import { decodeSenml, type SenmlReading } from './senml.ts';

export interface DeviceKeys {
  key: Uint8Array;
  /** 12-byte Common IV */
  iv: Uint8Array;
}

export interface Uplink<D extends DeviceKeys> {
  /** what the lookup returned for the kid */
  device: D;
  kid: Uint8Array;
  kidHex: string;
  /** frame counter (Partial IV); feed it to checkReplay */
  counter: number;
  readings: SenmlReading[];
  /** the decrypted SenML-CBOR bytes */
  plaintext: Uint8Array;
}

export interface OpenUplinkOptions {
  /** largest accepted message in bytes (default 1024, about one NB-IoT datagram) */
  maxBytes?: number;
  /** receipt time in UNIX seconds, to resolve relative SenML times */
  now?: number;
}

export const DEFAULT_MAX_UPLINK_BYTES = 1024;

export function openUplink<D extends DeviceKeys>(
  bytes: Uint8Array,
  lookupKey: (kid: Uint8Array, kidHex: string) => D | undefined | null,
  opts: OpenUplinkOptions = {},
): Result<Uplink<D>> {
  const max = opts.maxBytes ?? DEFAULT_MAX_UPLINK_BYTES;
  if (bytes.length > max) return fail('OVERSIZE', `message is ${bytes.length} bytes, limit ${max}`);
  const msg = parseEncrypt0(bytes);
  if (!msg.ok) return msg;
  const { kid } = msg.value;
  if (!kid) return fail('BAD_STRUCTURE', 'uplink has no kid (4) header');
  const kidHex = kidToHex(kid);
  const device = lookupKey(kid, kidHex);
  if (!device) return fail('UNKNOWN_KID', `no active device with kid ${kidHex}`);
  const pt = decryptEncrypt0(msg.value, device.key, device.iv, kid);
  if (!pt.ok) return fail('AUTH_FAILED', `kid ${kidHex}: ${pt.error.message}`);
  const senml = decodeSenml(pt.value, { now: opts.now });
  if (!senml.ok) {
    const e = senml.error;
    return fail(e.code, `kid ${kidHex} counter ${msg.value.counter}: decrypted payload: ${e.message}`, e.offset);
  }
  return ok({ device, kid, kidHex, counter: msg.value.counter, readings: senml.value, plaintext: pt.value });
}
