/**
 * COSE_Encrypt0 (RFC 9052 §5.2) with alg 24 = ChaCha20/Poly1305 (RFC 9053 §4.3) for the device.
 *
 *   d0                       tag 16 (COSE_Encrypt0). RFC 9052 §2 makes it optional when the context
 *                            says what the message is; we always send it: 1 byte buys a message that
 *                            any COSE/CBOR tool identifies on its own (stored blobs, captures). The
 *                            host accepts it with or without the tag.
 *   83                       array(3)
 *     44 a1011818            protected = bstr of {1: 24}
 *     a2 04 <kid> 06 <piv>   unprotected {4: kid, 6: Partial IV} (downlinks carry only {6: piv})
 *     <bstr>                 ciphertext ‖ 16-byte Poly1305 tag
 *
 * AAD = Enc_structure ["Encrypt0", h'a1011818', h''] (RFC 9052 §5.3), constant for this header.
 *
 * Nonce (RFC 8613 §5.2, OSCORE): S ‖ pad6(ID_PIV) ‖ pad5(PIV), XOR the 12-byte Common IV, with
 * S = length of ID_PIV. ID_PIV is the SENDER's id:
 *   uplink   (device → host): ID_PIV = kid, 1–6 bytes (§3.3: at most nonce length − 6 = 6 bytes);
 *   downlink (host → device): ID_PIV = SERVER_ID = h'' (empty, allowed by §3.3).
 * The first nonce byte is S, so an uplink nonce (S ≥ 1) can never equal a downlink nonce (S = 0) under
 * the same device key, whatever the two counters are; each direction keeps its own counter below
 * 2^40 (§7.2.1) that never repeats, so (key, nonce) is never reused (RFC 8439 §4).
 */
import { CborMap, CborTag, cborDecode, cborEncode, type CborValue } from './cbor.ts';
import { aeadOpen, aeadSeal } from './chacha20poly1305.ts';
import { CodecError } from './error.ts';
import { Bytes, floor } from './bytes.ts';

/** h'a1011818' = {1: 24} (alg: ChaCha20/Poly1305). */
export var PROTECTED = new Bytes([0xa1, 0x01, 0x18, 0x18]);
/** Enc_structure ["Encrypt0", h'a1011818', h''] (RFC 9052 §5.3) = 83 68 456e637279707430 44 a1011818 40. */
export var ENC_AAD = cborEncode(['Encrypt0', PROTECTED, new Bytes(0)]);
/** The host's sender id for downlinks (empty byte string). */
export var SERVER_ID = new Bytes(0);
/** Sequence numbers stay below 2^40 (RFC 8613 §7.2.1: Partial IV at most 5 bytes). */
export var MAX_PIV = 1099511627775;

/** Partial IV: the counter as minimal big-endian bytes, 0 → h'00' (RFC 8613 §6.1). */
export function partialIv(n: number): Uint8Array {
  var b: number[] = [];
  do {
    b.unshift(n % 256);
    n = floor(n / 256);
  } while (n > 0);
  return new Bytes(b);
}

/** AEAD nonce per RFC 8613 §5.2 from the Common IV, the sender id and the Partial IV bytes. */
export function coseNonce(iv: Uint8Array, senderId: Uint8Array, piv: Uint8Array): Uint8Array {
  var nonce = new Bytes(12);
  var i;
  nonce[0] = senderId.length;
  nonce.set(senderId, 7 - senderId.length);
  nonce.set(piv, 12 - piv.length);
  for (i = 0; i < 12; i++) nonce[i] ^= iv[i];
  return nonce;
}

/**
 * Seal `plaintext` as a tagged COSE_Encrypt0. `kid` (or null) goes into the unprotected header;
 * `senderId` picks the nonce space (kid for uplinks). Counter: 0 ≤ counter ≤ MAX_PIV, never reused.
 */
export function coseSeal(key: Uint8Array, iv: Uint8Array, senderId: Uint8Array, kid: Uint8Array | null, counter: number, plaintext: Uint8Array): Uint8Array {
  var piv = partialIv(counter);
  var hdr: Array<[number, CborValue]> = [];
  if (kid) hdr.push([4, kid]);
  hdr.push([6, piv]);
  return cborEncode(new CborTag(16, [PROTECTED, new CborMap(hdr), aeadSeal(key, coseNonce(iv, senderId, piv), ENC_AAD, plaintext)]));
}

function bad(msg: string): CodecError {
  return new CodecError('BAD_STRUCTURE', msg, 0);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  var i;
  if (a.length !== b.length) return false;
  for (i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An opened message: its counter (Partial IV as a number) and plaintext. */
export interface Opened {
  counter: number;
  plaintext: Uint8Array;
}

/**
 * Open a COSE_Encrypt0 (tag 16 optional) sealed under (key, iv) by the sender `senderId`. Checks the
 * shape strictly (protected must be exactly {1: 24}; Partial IV 1–5 bytes), then the tag. Returns the
 * counter and plaintext, or a CodecError; never throws.
 */
export function coseOpen(key: Uint8Array, iv: Uint8Array, senderId: Uint8Array, msg: Uint8Array): Opened | CodecError {
  var v = cborDecode(msg);
  var piv, ct, pt, i, n;
  if (v instanceof CodecError) return v;
  if (v instanceof CborTag) {
    if (v.tag !== 16) return bad('not tag 16');
    v = v.value;
  }
  if (!Array.isArray(v) || v.length !== 3) return bad('not an array of 3');
  if (!(v[0] instanceof Bytes) || !sameBytes(v[0], PROTECTED)) return bad('protected not {1:24}');
  if (!(v[1] instanceof CborMap)) return bad('unprotected not a map');
  piv = v[1].get(6);
  ct = v[2];
  if (!(piv instanceof Bytes) || piv.length < 1 || piv.length > 5) return bad('bad Partial IV');
  if (!(ct instanceof Bytes) || ct.length < 16) return bad('short ciphertext');
  pt = aeadOpen(key, coseNonce(iv, senderId, piv), ENC_AAD, ct);
  if (!pt) return new CodecError('AUTH_FAILED', 'bad tag', 0);
  n = 0;
  for (i = 0; i < piv.length; i++) n = n * 256 + piv[i];
  return { counter: n, plaintext: pt };
}
