/**
 * Device ChaCha20-Poly1305 (firmware/codec/chacha20poly1305.ts) against the RFC 8439 vectors and
 * against @noble/ciphers for random keys, nonces, AAD and the plaintext lengths around block edges.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { aeadOpen, aeadSeal, chacha20, poly1305 } from '../../firmware/codec/chacha20poly1305.ts';
import { ascii, fixture, hex, unhex } from './support.ts';

interface Rfc8439 {
  chacha20_2_4_2: { key: string; nonce: string; counter: number; plaintext_ascii: string; ciphertext: string };
  poly1305_2_5_2: { key: string; message_ascii: string; tag: string };
  aead_2_8_2: { key: string; nonce: string; aad: string; plaintext_ascii: string; ciphertext: string; tag: string };
}
const rfc = fixture<Rfc8439>('rfc8439-vectors.json');

describe('RFC 8439 test vectors', () => {
  it('§2.4.2 ChaCha20 encryption', () => {
    const v = rfc.chacha20_2_4_2;
    expect(hex(chacha20(unhex(v.key), v.counter, unhex(v.nonce), ascii(v.plaintext_ascii)))).toBe(v.ciphertext);
  });

  it('§2.5.2 Poly1305 (a message that ends in a partial block)', () => {
    const v = rfc.poly1305_2_5_2;
    expect(hex(poly1305(unhex(v.key), ascii(v.message_ascii)))).toBe(v.tag);
  });

  it('§2.8.2 AEAD seal and open', () => {
    const v = rfc.aead_2_8_2;
    const sealed = aeadSeal(unhex(v.key), unhex(v.nonce), unhex(v.aad), ascii(v.plaintext_ascii));
    expect(hex(sealed)).toBe(v.ciphertext + v.tag);
    expect(Buffer.from(aeadOpen(unhex(v.key), unhex(v.nonce), unhex(v.aad), sealed)!).toString('latin1')).toBe(v.plaintext_ascii);
  });
});

describe('device AEAD vs @noble/ciphers', () => {
  const LENGTHS = [0, 1, 15, 16, 17, 63, 64, 65, 1000];
  const input = fc.record({
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    aad: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(new Uint8Array(0), new Uint8Array(16).fill(0xff))),
    len: fc.constantFrom(...LENGTHS),
    fill: fc.uint8Array({ minLength: 1000, maxLength: 1000 }),
  });

  it('seals byte-identically and opens noble output (property, seed 10)', () => {
    fc.assert(
      fc.property(input, ({ key, nonce, aad, len, fill }) => {
        const pt = fill.subarray(0, len);
        const ours = aeadSeal(key, nonce, aad, pt);
        const theirs = chacha20poly1305(key, nonce, aad).encrypt(pt);
        expect(hex(ours)).toBe(hex(theirs));
        expect(hex(aeadOpen(key, nonce, aad, theirs)!)).toBe(hex(pt));
      }),
      { seed: 10, numRuns: 300 },
    );
  });

  it('covers every listed length with all-0xff keys (largest Poly1305 limbs)', () => {
    const key = new Uint8Array(32).fill(0xff);
    const nonce = new Uint8Array(12).fill(0xff);
    for (const len of LENGTHS) {
      const pt = new Uint8Array(len).fill(0xff);
      expect(hex(aeadSeal(key, nonce, pt.subarray(0, 13), pt)), `len ${len}`).toBe(hex(chacha20poly1305(key, nonce, pt.subarray(0, 13)).encrypt(pt)));
    }
  });

  it('refuses a wrong tag, wrong AAD, wrong nonce and a too-short input', () => {
    const key = new Uint8Array(32).fill(1), nonce = new Uint8Array(12).fill(2), aad = ascii('hdr');
    const sealed = aeadSeal(key, nonce, aad, ascii('hello'));
    const bad = sealed.slice();
    bad[bad.length - 1] ^= 1;
    expect(aeadOpen(key, nonce, aad, bad)).toBeNull();
    expect(aeadOpen(key, nonce, ascii('hdx'), sealed)).toBeNull();
    expect(aeadOpen(key, new Uint8Array(12), aad, sealed)).toBeNull();
    expect(aeadOpen(key, nonce, aad, sealed.subarray(0, 15))).toBeNull();
  });
});
