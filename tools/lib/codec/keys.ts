/**
 * Per-device key material, derived so the registry needs no per-device secret table (design: "Per-device
 * key and IV derived with HKDF-SHA256 from a fleet root secret + device id + key version"). Follows
 * OSCORE's derivation (RFC 8613 §3.2.1) with the device id in the role of the sender id and the key
 * version in the role of the ID Context:
 *
 *   key = HKDF-SHA256(salt, IKM = fleet root secret, info = CBOR [deviceId, version, 24, "Key", 32], 32)
 *   iv  = HKDF-SHA256(salt, IKM = fleet root secret, info = CBOR [deviceId, version, 24, "IV", 12], 12)
 *
 * HKDF per RFC 5869 (extract + expand). `salt` is an optional fleet-wide salt (RFC 8613's Master Salt;
 * empty by default, which RFC 5869 §2.2 treats as HashLen zero bytes). `info` is the preferred-
 * serialization CBOR array (RFC 8613 §3.2.1 `info` layout):
 *   [ id: bstr = UTF-8 of the device id, id_context: uint = key version, alg_aead: 24 (ChaCha20/Poly1305),
 *     type: tstr "Key" | "IV", L: uint = 32 | 12 ]
 * e.g. device "dev-1", version 1, key: 85 45 6465762d31 01 18 18 63 4b6579 18 20.
 * Rotation = new version (new key AND new IV, so counters may restart at 0); revocation = registry
 * status. The kid on the wire is a separate short handle (below), not derived from the secret.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { UserError } from '../errors.ts';
import { encodeCbor } from './cbor.ts';

export const ALG_CHACHA20_POLY1305 = 24; // RFC 9053 §4.3
export const KEY_LENGTH = 32;
export const IV_LENGTH = 12;
/** RFC 8613 §3.3: a sender id is at most nonce length − 6 = 6 bytes for a 12-byte nonce. */
export const MAX_KID_LENGTH = 6;

export interface DeviceKeyMaterial {
  key: Uint8Array;
  iv: Uint8Array;
}

/** The exact HKDF `info` bytes for one output (exported for documentation and tests). */
export function hkdfInfo(deviceId: string, keyVersion: number, type: 'Key' | 'IV'): Uint8Array {
  return encodeCbor([new TextEncoder().encode(deviceId), keyVersion, ALG_CHACHA20_POLY1305, type, type === 'Key' ? KEY_LENGTH : IV_LENGTH]);
}

export function deriveDeviceKeys(rootSecret: Uint8Array, deviceId: string, keyVersion: number, salt?: Uint8Array): DeviceKeyMaterial {
  if (rootSecret.length < 16) throw new UserError('KEY_DERIVATION', `fleet root secret is ${rootSecret.length} bytes; use at least 16 (32 recommended)`);
  if (deviceId.length === 0) throw new UserError('KEY_DERIVATION', 'device id is empty');
  if (!Number.isInteger(keyVersion) || keyVersion < 0 || keyVersion > 0xffffffff) {
    throw new UserError('KEY_DERIVATION', `key version ${keyVersion} is not an integer in 0..2^32-1`);
  }
  return {
    key: hkdf(sha256, rootSecret, salt, hkdfInfo(deviceId, keyVersion, 'Key'), KEY_LENGTH),
    iv: hkdf(sha256, rootSecret, salt, hkdfInfo(deviceId, keyVersion, 'IV'), IV_LENGTH),
  };
}

/**
 * kid allocation: the registry numbers devices 0, 1, 2, … and sends the number as minimal big-endian
 * bytes (0 → h'00', 255 → h'ff', 256 → h'0100'), at most 6 bytes (2^48 devices).
 */
export function kidFromIndex(index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** 48) throw new UserError('KID_RANGE', `kid index ${index} is not an integer in 0..2^48-1`);
  const out: number[] = [];
  do {
    out.unshift(index % 256);
    index = Math.floor(index / 256);
  } while (index > 0);
  return Uint8Array.from(out);
}

export function kidToHex(kid: Uint8Array): string {
  return Buffer.from(kid.buffer, kid.byteOffset, kid.length).toString('hex');
}

export function kidFromHex(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2}){1,6}$/.test(hex)) throw new UserError('KID_FORMAT', `kid "${hex}" must be 1-${MAX_KID_LENGTH} bytes of hex`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
