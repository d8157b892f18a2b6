/**
 * COSE_Encrypt0 (RFC 9052 §5.2) with alg 24, ChaCha20/Poly1305 (RFC 9053 §4.3), host side, with
 * @noble/ciphers. Same scheme as the device (firmware/codec/cose.ts):
 *   [ h'a1011818' ({1: 24}), {4: kid, 6: Partial IV}, ciphertext ‖ tag ], tag 16 optional on input
 *   (the device always sends it); AAD = Enc_structure ["Encrypt0", h'a1011818', h''] (§5.3);
 *   nonce = (S ‖ pad6(sender id) ‖ pad5(Partial IV)) XOR Common IV (RFC 8613 §5.2), sender id = kid
 *   for uplinks and SERVER_ID = h'' for downlinks, so the two directions never share a nonce.
 * The kid and Partial IV are unprotected but not malleable: both feed the key lookup and the nonce, so
 * changing either makes the tag fail.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { UserError } from '../errors.ts';
import { decodeCbor, encodeCbor, Tag } from './cbor.ts';
import { fail, ok, type Result } from './errors.ts';
import { MAX_KID_LENGTH } from './keys.ts';

export const COSE_ENCRYPT0_TAG = 16;
export const PROTECTED = Uint8Array.of(0xa1, 0x01, 0x18, 0x18);
export const ENC_AAD = encodeCbor(['Encrypt0', PROTECTED, new Uint8Array(0)]);
export const SERVER_ID = new Uint8Array(0);
/** Partial IVs (sequence numbers) stay below 2^40 (RFC 8613 §7.2.1). */
export const MAX_COUNTER = 2 ** 40 - 1;
const TAG_LENGTH = 16;

/** Counter as minimal big-endian bytes, 0 → h'00' (RFC 8613 §6.1). */
export function partialIv(counter: number): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new UserError('COUNTER_RANGE', `counter ${counter} is not an integer in 0..2^40-1`);
  const out: number[] = [];
  do {
    out.unshift(counter % 256);
    counter = Math.floor(counter / 256);
  } while (counter > 0);
  return Uint8Array.from(out);
}

/** RFC 8613 §5.2 nonce for a 12-byte Common IV. */
export function buildNonce(iv: Uint8Array, senderId: Uint8Array, piv: Uint8Array): Uint8Array {
  if (iv.length !== 12) throw new UserError('IV_LENGTH', `common IV is ${iv.length} bytes, expected 12`);
  if (senderId.length > MAX_KID_LENGTH) throw new UserError('KID_LENGTH', `sender id is ${senderId.length} bytes, at most ${MAX_KID_LENGTH}`);
  if (piv.length < 1 || piv.length > 5) throw new UserError('COUNTER_RANGE', `Partial IV is ${piv.length} bytes, expected 1-5`);
  const nonce = new Uint8Array(12);
  nonce[0] = senderId.length;
  nonce.set(senderId, 7 - senderId.length);
  nonce.set(piv, 12 - piv.length);
  for (let i = 0; i < 12; i++) nonce[i] ^= iv[i];
  return nonce;
}

export interface SealOptions {
  key: Uint8Array;
  iv: Uint8Array;
  /** nonce space: the device's kid for uplinks, SERVER_ID for downlinks */
  senderId: Uint8Array;
  counter: number;
  plaintext: Uint8Array;
  /** kid header (4); omit for downlinks */
  kid?: Uint8Array;
  /** wrap in tag 16 (default true, as the device does) */
  tagged?: boolean;
}

export function sealEncrypt0(o: SealOptions): Uint8Array {
  if (o.key.length !== 32) throw new UserError('KEY_LENGTH', `key is ${o.key.length} bytes, expected 32`);
  const piv = partialIv(o.counter);
  const headers = new Map<number, Uint8Array>();
  if (o.kid) headers.set(4, o.kid);
  headers.set(6, piv);
  const ct = chacha20poly1305(o.key, buildNonce(o.iv, o.senderId, piv), ENC_AAD).encrypt(o.plaintext);
  const body = [PROTECTED, headers, ct];
  return encodeCbor(o.tagged === false ? body : new Tag(body, COSE_ENCRYPT0_TAG));
}

/** A downlink for a device: sender id SERVER_ID, no kid, the host's own downlink counter. */
export function sealDownlink(key: Uint8Array, iv: Uint8Array, counter: number, plaintext: Uint8Array): Uint8Array {
  return sealEncrypt0({ key, iv, senderId: SERVER_ID, counter, plaintext });
}

export interface Encrypt0 {
  tagged: boolean;
  kid?: Uint8Array;
  partialIv: Uint8Array;
  counter: number;
  /** ciphertext ‖ 16-byte tag */
  ciphertext: Uint8Array;
}

const COSE_LIMITS = { maxDepth: 3, maxItems: 16, allowTags: [COSE_ENCRYPT0_TAG] };

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Parse and check the COSE_Encrypt0 shape (no crypto). */
export function parseEncrypt0(bytes: Uint8Array): Result<Encrypt0> {
  const d = decodeCbor(bytes, COSE_LIMITS);
  if (!d.ok) return d;
  let v = d.value;
  const tagged = v instanceof Tag;
  if (v instanceof Tag) {
    if (v.tag !== COSE_ENCRYPT0_TAG) return fail('BAD_STRUCTURE', `tag ${v.tag} is not COSE_Encrypt0 (16)`);
    v = v.value;
  }
  if (!Array.isArray(v) || v.length !== 3) return fail('BAD_STRUCTURE', 'COSE_Encrypt0 must be an array of 3 items [protected, unprotected, ciphertext]');
  const [prot, unprot, ciphertext] = v as unknown[];
  if (!(prot instanceof Uint8Array) || !equalBytes(prot, PROTECTED)) return fail('BAD_STRUCTURE', "protected header must be h'a1011818' ({1: 24}, ChaCha20/Poly1305)");
  if (!(unprot instanceof Map)) return fail('BAD_STRUCTURE', 'unprotected header must be a map');
  for (const k of unprot.keys()) {
    if (k !== 4 && k !== 6) return fail('BAD_STRUCTURE', `unexpected unprotected header label ${String(k)} (only 4 kid and 6 Partial IV)`);
  }
  const kid = unprot.get(4);
  const piv = unprot.get(6);
  if (kid !== undefined && (!(kid instanceof Uint8Array) || kid.length < 1 || kid.length > MAX_KID_LENGTH)) {
    return fail('BAD_STRUCTURE', `kid (4) must be a byte string of 1-${MAX_KID_LENGTH} bytes`);
  }
  if (!(piv instanceof Uint8Array) || piv.length < 1 || piv.length > 5) return fail('BAD_STRUCTURE', 'Partial IV (6) must be a byte string of 1-5 bytes');
  if (piv.length > 1 && piv[0] === 0) return fail('BAD_STRUCTURE', 'Partial IV (6) has a leading zero byte (must be minimal, RFC 8613 §6.1)');
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < TAG_LENGTH) return fail('BAD_STRUCTURE', `ciphertext must be a byte string of at least ${TAG_LENGTH} bytes`);
  let counter = 0;
  for (const x of piv) counter = counter * 256 + x;
  return ok({ tagged, kid: kid as Uint8Array | undefined, partialIv: piv, counter, ciphertext });
}

/** Verify and decrypt a parsed message: plaintext or AUTH_FAILED. */
export function decryptEncrypt0(msg: Encrypt0, key: Uint8Array, iv: Uint8Array, senderId: Uint8Array): Result<Uint8Array> {
  if (key.length !== 32) throw new UserError('KEY_LENGTH', `key is ${key.length} bytes, expected 32`);
  const nonce = buildNonce(iv, senderId, msg.partialIv); // configuration errors throw, not AUTH_FAILED
  try {
    return ok(chacha20poly1305(key, nonce, ENC_AAD).decrypt(msg.ciphertext));
  } catch {
    return fail('AUTH_FAILED', `authentication failed for counter ${msg.counter}: wrong key or tampered message`);
  }
}
