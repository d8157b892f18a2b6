/**
 * ChaCha20-Poly1305 AEAD (RFC 8439) for the device, in the Espruino subset.
 *
 * - ChaCha20 (§2.1–§2.4): 32-bit words kept in an Int32Array, additions wrap with `| 0`, rotations
 *   with `<<`/`>>>`. No multiplications, so nothing depends on Math.imul.
 * - Poly1305 (§2.5): the 130-bit accumulator and r are held in ten 13-bit limbs (10 · 13 = 130).
 *   A limb product is < 2^14.1 · 5·2^13 < 2^30 and a row of ten such products plus carry < 2^35, far
 *   below 2^53, so plain double arithmetic is exact; carries are taken with floor(x / 8192),
 *   never with 32-bit operators on values that may exceed 2^32. No Math.imul, no BigInt.
 *   Reduction mod p = 2^130 − 5 uses 2^130 ≡ 5: a product term landing in limb i+j ≥ 10 is
 *   multiplied by 5 and added to limb i+j−10.
 * - AEAD (§2.8): one-time Poly1305 key = first 32 bytes of the ChaCha20 block with counter 0
 *   (§2.6); encryption starts at counter 1; MAC input = aad ‖ pad16 ‖ ct ‖ pad16 ‖ le64(|aad|) ‖
 *   le64(|ct|).
 * JavaScript on an interpreter is not constant-time; the tag comparison at least does not exit early.
 */

import { Bytes, floor } from './bytes.ts';

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** Quarter round on state words a, b, c, d (RFC 8439 §2.1). */
function qr(x: Int32Array, a: number, b: number, c: number, d: number): void {
  x[a] = (x[a] + x[b]) | 0; x[d] = rotl(x[d] ^ x[a], 16);
  x[c] = (x[c] + x[d]) | 0; x[b] = rotl(x[b] ^ x[c], 12);
  x[a] = (x[a] + x[b]) | 0; x[d] = rotl(x[d] ^ x[a], 8);
  x[c] = (x[c] + x[d]) | 0; x[b] = rotl(x[b] ^ x[c], 7);
}

function le32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/** One 64-byte ChaCha20 block (RFC 8439 §2.3) for key (32 B), counter, nonce (12 B). */
export function chachaBlock(key: Uint8Array, counter: number, nonce: Uint8Array): Uint8Array {
  var s = new Int32Array(16);
  var x = new Int32Array(16);
  var out = new Bytes(64);
  var i, j, v;
  // "expand 32-byte k" as four little-endian words (§2.3)
  s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
  for (i = 0; i < 8; i++) s[4 + i] = le32(key, 4 * i);
  s[12] = counter;
  for (i = 0; i < 3; i++) s[13 + i] = le32(nonce, 4 * i);
  x.set(s);
  for (i = 0; i < 10; i++) {
    qr(x, 0, 4, 8, 12); qr(x, 1, 5, 9, 13); qr(x, 2, 6, 10, 14); qr(x, 3, 7, 11, 15);
    qr(x, 0, 5, 10, 15); qr(x, 1, 6, 11, 12); qr(x, 2, 7, 8, 13); qr(x, 3, 4, 9, 14);
  }
  for (i = 0; i < 16; i++) {
    v = (x[i] + s[i]) | 0;
    for (j = 0; j < 4; j++) out[4 * i + j] = (v >>> (8 * j)) & 255;
  }
  return out;
}

/** ChaCha20 encryption (§2.4): data XOR keystream starting at block `counter`. Returns a new array. */
export function chacha20(key: Uint8Array, counter: number, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  var out = new Bytes(data.length);
  var i, j, ks;
  for (i = 0; i < data.length; i += 64) {
    ks = chachaBlock(key, counter++, nonce);
    for (j = 0; j < 64 && i + j < data.length; j++) out[i + j] = data[i + j] ^ ks[j];
  }
  return out;
}

/** 13-bit limb `i` of a little-endian byte string (bytes past the end read as 0). */
function limb(b: Uint8Array, i: number): number {
  var bit = 13 * i;
  var p = bit >> 3;
  var w = (b[p] | 0) | ((b[p + 1] | 0) << 8) | ((b[p + 2] | 0) << 16);
  return (w >>> (bit & 7)) & 0x1fff;
}

/**
 * Carry limbs 0..9 so each is < 2^13; the carry out of limb 9 is worth 2^130 ≡ 5 (mod p) and goes back
 * into limb 0, whose own carry then goes into limb 1 (left < 2^13 + 2^8). Without that last step
 * limb 0 would grow fivefold per block.
 */
function carry(h: number[]): void {
  var c = 0;
  var i, t;
  for (i = 0; i < 10; i++) {
    t = h[i] + c;
    c = floor(t / 8192);
    h[i] = t - c * 8192;
  }
  h[0] += c * 5;
  c = floor(h[0] / 8192);
  h[0] -= c * 8192;
  h[1] += c;
}

/**
 * Poly1305 MAC (RFC 8439 §2.5) of `msg` under the 32-byte one-time key. `msg` may have any length;
 * the last partial block is padded with 0x01 then zeros and gets no 2^128 bit (§2.5.1).
 * Bounds: between blocks every limb is < 2^13 except limb 1 (< 2^13 + 2^8); after adding a block
 * (< 2^13 per limb) a product h_j·5r_k is < 2^14.1 · 2^15.4 < 2^30 and a row of ten < 2^34: exact.
 */
export function poly1305(otk: Uint8Array, msg: Uint8Array): Uint8Array {
  var r = new Bytes(16);
  var h = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  var rl: number[] = [];
  var d: number[];
  var blk = new Bytes(17);
  var g: number[] = [];
  var tag = new Bytes(16);
  var i, j, k, n, c, t;
  r.set(otk.subarray(0, 16));
  // clamp r (§2.5.1)
  r[3] &= 15; r[7] &= 15; r[11] &= 15; r[15] &= 15;
  r[4] &= 252; r[8] &= 252; r[12] &= 252;
  for (i = 0; i < 10; i++) rl[i] = limb(r, i);
  for (k = 0; k < msg.length; k += 16) {
    n = msg.length - k < 16 ? msg.length - k : 16;
    blk.fill(0);
    blk.set(msg.subarray(k, k + n));
    blk[n] = 1; // 2^128 for a full block (byte 16), the 0x01 pad byte for a partial one
    for (i = 0; i < 10; i++) h[i] += limb(blk, i);
    // h = h · r mod (2^130 − 5), limb by limb (schoolbook with the ·5 fold)
    d = [];
    for (i = 0; i < 10; i++) {
      t = 0;
      for (j = 0; j < 10; j++) t += h[j] * (j <= i ? rl[i - j] : 5 * rl[i - j + 10]);
      d[i] = t;
    }
    h = d;
    carry(h);
  }
  // two more passes leave every limb < 2^13, so h < 2^130 (after the first, h < 2^130 + 2^13: a
  // wrap-around in the second leaves a residue < 2^13 whose limb-0 overflow goes to limb 1)
  carry(h);
  carry(h);
  // g = h + 5 − 2^130; take g when it is non-negative, i.e. when h ≥ p (§2.5.1 "mod p")
  c = 5;
  for (i = 0; i < 10; i++) {
    t = h[i] + c;
    c = t >> 13;
    g[i] = t & 0x1fff;
  }
  if (c) h = g;
  // tag = (h + s) mod 2^128, little-endian
  c = 0;
  for (i = 0; i < 16; i++) {
    j = (8 * i) % 13;
    k = floor((8 * i) / 13);
    t = (((h[k] | ((k < 9 ? h[k + 1] : 0) << 13)) >> j) & 255) + otk[16 + i] + c;
    tag[i] = t & 255;
    c = t >> 8;
  }
  return tag;
}

/** The Poly1305 input of the AEAD construction (RFC 8439 §2.8). */
function macData(aad: Uint8Array, ct: Uint8Array): Uint8Array {
  var pa = (aad.length + 15) & ~15;
  var pc = (ct.length + 15) & ~15;
  var m = new Bytes(pa + pc + 16);
  var i;
  m.set(aad, 0);
  m.set(ct, pa);
  // lengths as 64-bit little-endian; messages here are far below 2^32 bytes, so the high words are 0
  for (i = 0; i < 4; i++) {
    m[pa + pc + i] = (aad.length >>> (8 * i)) & 255;
    m[pa + pc + 8 + i] = (ct.length >>> (8 * i)) & 255;
  }
  return m;
}

/** AEAD encryption (§2.8): returns ciphertext ‖ 16-byte tag. */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  var ct = chacha20(key, 1, nonce, pt);
  var tag = poly1305(chachaBlock(key, 0, nonce), macData(aad, ct));
  var out = new Bytes(ct.length + 16);
  out.set(ct, 0);
  out.set(tag, ct.length);
  return out;
}

/** AEAD decryption (§2.8): plaintext, or null when the input is shorter than a tag or the tag fails. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  var n = sealed.length - 16;
  var ct, tag, diff, i;
  if (n < 0) return null;
  ct = sealed.subarray(0, n);
  tag = poly1305(chachaBlock(key, 0, nonce), macData(aad, ct));
  diff = 0;
  for (i = 0; i < 16; i++) diff |= tag[i] ^ sealed[n + i];
  return diff ? null : chacha20(key, 1, nonce, ct);
}
