/** Key derivation (tools/lib/codec/keys.ts): HKDF-SHA256 with the documented info layout. */
import { describe, expect, it } from 'vitest';
import { hkdfSync } from 'node:crypto';
import { deriveDeviceKeys, hkdfInfo, kidFromHex, kidFromIndex, kidToHex } from '../../tools/lib/codec/index.ts';
import { hex } from './support.ts';

const ROOT = new Uint8Array(32).fill(0x11);

describe('device key derivation', () => {
  it('uses the RFC 8613 §3.2.1-style info array [id, version, 24, type, L]', () => {
    expect(hex(hkdfInfo('dev-1', 1, 'Key'))).toBe('85456465762d3101181863' + '4b6579' + '1820');
    expect(hex(hkdfInfo('dev-1', 1, 'IV'))).toBe('85456465762d31011818624956' + '0c');
  });

  it('equals an independent HKDF-SHA256 (node:crypto) over the same inputs', () => {
    const k = deriveDeviceKeys(ROOT, 'dev-1', 3);
    const ref = (type: 'Key' | 'IV', len: number) => hex(new Uint8Array(hkdfSync('sha256', ROOT, new Uint8Array(0), hkdfInfo('dev-1', 3, type), len)));
    expect(hex(k.key)).toBe(ref('Key', 32));
    expect(hex(k.iv)).toBe(ref('IV', 12));
    const salted = deriveDeviceKeys(ROOT, 'dev-1', 3, new Uint8Array([1, 2, 3]));
    expect(hex(salted.key)).toBe(hex(new Uint8Array(hkdfSync('sha256', ROOT, new Uint8Array([1, 2, 3]), hkdfInfo('dev-1', 3, 'Key'), 32))));
  });

  it('gives different keys and IVs per device and per version, the same for the same inputs', () => {
    const a1 = deriveDeviceKeys(ROOT, 'a', 1), a1b = deriveDeviceKeys(ROOT, 'a', 1);
    const b1 = deriveDeviceKeys(ROOT, 'b', 1), a2 = deriveDeviceKeys(ROOT, 'a', 2);
    expect(hex(a1.key)).toBe(hex(a1b.key));
    expect(new Set([a1, b1, a2].map((k) => hex(k.key))).size).toBe(3);
    expect(new Set([a1, b1, a2].map((k) => hex(k.iv))).size).toBe(3);
  });

  it('refuses weak secrets and bad versions with a clear error', () => {
    expect(() => deriveDeviceKeys(new Uint8Array(8), 'a', 1)).toThrow(/at least 16/);
    expect(() => deriveDeviceKeys(ROOT, 'a', -1)).toThrow(/key version -1/);
    expect(() => deriveDeviceKeys(ROOT, '', 1)).toThrow(/device id is empty/);
  });

  it('allocates kids as minimal big-endian numbers of 1-6 bytes', () => {
    expect([0, 1, 255, 256, 65536, 2 ** 48 - 1].map((i) => kidToHex(kidFromIndex(i)))).toEqual(['00', '01', 'ff', '0100', '010000', 'ffffffffffff']);
    expect(() => kidFromIndex(2 ** 48)).toThrow(/kid index/);
    expect(hex(kidFromHex('0a0B'))).toBe('0a0b');
    expect(() => kidFromHex('abc')).toThrow(/1-6 bytes of hex/);
    expect(() => kidFromHex('00112233445566')).toThrow(/1-6 bytes/);
  });
});
