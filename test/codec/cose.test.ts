/**
 * COSE_Encrypt0 end to end: the device seals SenML readings, the host opens them (openUplink); the
 * host seals downlinks, the device opens them. Structure checked with a generic CBOR decoder; any
 * single-bit change, another device's key or a replayed downlink counter is refused.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decoder, Tag } from 'cbor-x';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sealReadings, openDownlink, CodecError as DeviceError, CborMap } from '../../firmware/codec/index.ts';
import { coseNonce, coseOpen, ENC_AAD as DEVICE_AAD, partialIv as devicePartialIv } from '../../firmware/codec/cose.ts';
import type { SenmlRecord } from '../../firmware/codec/senml.ts';
import {
  buildNonce, checkReplay, deriveDeviceKeys, INITIAL_REPLAY_STATE, ENC_AAD, encodeCbor, kidFromIndex, kidToHex, openUplink, parseEncrypt0, partialIv,
  sealDownlink, sealEncrypt0, SERVER_ID, type DeviceKeys,
} from '../../tools/lib/codec/index.ts';
import { hex, unhex } from './support.ts';

const ROOT = new Uint8Array(32).map((_, i) => i * 7 + 1);
const devA = { id: 'soil-A', ...deriveDeviceKeys(ROOT, 'soil-A', 1), kid: kidFromIndex(1) };
const devB = { id: 'soil-B', ...deriveDeviceKeys(ROOT, 'soil-B', 1), kid: kidFromIndex(2) };
const registry = new Map([[kidToHex(devA.kid), devA], [kidToHex(devB.kid), devB]]);
const lookup = (_kid: Uint8Array, kidHex: string) => registry.get(kidHex);

const T0 = 1_763_800_000;
const RECORDS: SenmlRecord[] = [
  { n: 'temp', u: 'Cel', v: 21.5, t: T0 },
  { n: 'moisture', u: '%RH', v: 37.25, t: T0 },
  { n: 'battery', u: 'V', v: 3.7, t: T0 + 2 },
];
const generic = new Decoder({ useRecords: false, mapsAsObjects: false } as ConstructorParameters<typeof Decoder>[0]);

describe('uplink: device seal → host openUplink', () => {
  const msg = sealReadings(devA.key, devA.iv, devA.kid, 1234, 'urn:dev:soil-A:', RECORDS);

  it('opens with the right device, counter and resolved readings', () => {
    const r = openUplink(msg, lookup);
    if (!r.ok) throw r.error;
    expect(r.value.device.id).toBe('soil-A');
    expect(r.value.kidHex).toBe('01');
    expect(r.value.counter).toBe(1234);
    expect(r.value.readings).toEqual([
      { name: 'urn:dev:soil-A:temp', unit: 'Cel', value: 21.5, time: T0 },
      { name: 'urn:dev:soil-A:moisture', unit: '%RH', value: 37.25, time: T0 },
      { name: 'urn:dev:soil-A:battery', unit: 'V', value: 3.7, time: T0 + 2 },
    ]);
  });

  it('is a tag-16 array of 3 with the exact headers under a generic CBOR decoder', () => {
    const v = generic.decode(msg) as Tag;
    expect(v).toBeInstanceOf(Tag);
    expect(v.tag).toBe(16);
    const [prot, unprot, ct] = v.value as [Uint8Array, Map<number, Uint8Array>, Uint8Array];
    expect(hex(prot)).toBe('a1011818');
    expect(generic.decode(prot)).toEqual(new Map([[1, 24]]));
    expect([...unprot.keys()]).toEqual([4, 6]);
    expect(hex(unprot.get(4)!)).toBe('01');
    expect(hex(unprot.get(6)!)).toBe('04d2'); // 1234, minimal big-endian
    expect(hex(msg.subarray(0, 15))).toBe('d08344a1011818a2044101064204d2');
    // decrypt independently with noble: AAD and nonce exactly as documented
    const nonce = buildNonce(devA.iv, devA.kid, unhex('04d2'));
    const pt = chacha20poly1305(devA.key, nonce, unhex('8368456e63727970743044a101181840')).decrypt(ct);
    expect(pt[0]).toBe(0x83); // SenML pack: array of 3 records
  });

  it('uses the Enc_structure AAD and OSCORE nonce of the codec reference on both sides', () => {
    expect(hex(ENC_AAD)).toBe('8368456e63727970743044a101181840');
    expect(hex(DEVICE_AAD)).toBe(hex(ENC_AAD));
    const iv = unhex('0102030405060708090a0b0c');
    // S=1, kid 0x2a padded to 6, PIV 0x0100 padded to 5, XOR iv
    expect(hex(coseNonce(iv, unhex('2a'), unhex('0100')))).toBe(hex(Uint8Array.from(unhex('0100000000002a0000000100'), (b, i) => b ^ iv[i])));
    expect(hex(coseNonce(iv, unhex('2a'), unhex('0100')))).toBe(hex(buildNonce(iv, unhex('2a'), unhex('0100'))));
    for (const n of [0, 1, 255, 256, 65535, 2 ** 32, 2 ** 40 - 1]) expect(hex(devicePartialIv(n))).toBe(hex(partialIv(n)));
    expect(hex(partialIv(0))).toBe('00');
  });

  it('host-sealed messages open on the device (property, seed 20) and both sides seal identical bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 - 1 }), fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 80 }), (counter, kid, pt) => {
        const { key, iv } = devA;
        const host = sealEncrypt0({ key, iv, senderId: kid, kid, counter, plaintext: pt });
        const dev = coseOpen(key, iv, kid, host);
        expect(dev).not.toBeInstanceOf(DeviceError);
        expect(hex((dev as { plaintext: Uint8Array }).plaintext)).toBe(hex(pt));
        expect((dev as { counter: number }).counter).toBe(counter);
      }),
      { seed: 20, numRuns: 200 },
    );
    const dev = sealReadings(devA.key, devA.iv, devA.kid, 7, 'b', RECORDS);
    const parsed = parseEncrypt0(dev);
    if (!parsed.ok) throw parsed.error;
    const pt = chacha20poly1305(devA.key, buildNonce(devA.iv, devA.kid, parsed.value.partialIv), ENC_AAD).decrypt(parsed.value.ciphertext);
    expect(hex(sealEncrypt0({ key: devA.key, iv: devA.iv, senderId: devA.kid, kid: devA.kid, counter: 7, plaintext: pt }))).toBe(hex(dev));
  });

  it('rejects every single-bit flip of a sealed message with a typed error', () => {
    const codes = new Set<string>();
    for (let bit = 0; bit < msg.length * 8; bit++) {
      const m = msg.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      const r = openUplink(m, lookup);
      expect(r.ok, `bit ${bit}`).toBe(false);
      if (!r.ok) codes.add(r.error.code);
    }
    expect([...codes].sort()).toEqual(expect.arrayContaining(['AUTH_FAILED', 'BAD_STRUCTURE', 'MALFORMED_CBOR']));
  });

  it('rejects a message sealed under another device key, and unknown kids', () => {
    // device B's key, but claiming A's kid
    const forged = sealReadings(devB.key, devB.iv, devA.kid, 99, 'x', RECORDS);
    const r = openUplink(forged, lookup);
    expect(r.ok ? 'ok' : r.error.code).toBe('AUTH_FAILED');
    const stranger = sealReadings(devA.key, devA.iv, kidFromIndex(77), 1, 'x', RECORDS);
    const u = openUplink(stranger, lookup);
    expect(u.ok ? 'ok' : u.error.code).toBe('UNKNOWN_KID');
    expect(u.ok ? '' : u.error.message).toContain('4d');
    // a revoked key version: same device id, version 2 keys do not open version 1 messages
    const v2 = deriveDeviceKeys(ROOT, 'soil-A', 2);
    const old = openUplink(msg, (): DeviceKeys => v2);
    expect(old.ok ? 'ok' : old.error.code).toBe('AUTH_FAILED');
  });

  it('refuses oversize input, untagged/odd shapes with clear reasons', () => {
    const big = new Uint8Array(2000);
    const o = openUplink(big, lookup);
    expect(o.ok ? 'ok' : o.error.code).toBe('OVERSIZE');
    const untagged = msg.subarray(1); // tag 16 is optional on input
    expect(openUplink(untagged, lookup).ok).toBe(true);
    const wrongAlg = encodeCbor(new Tag([unhex('a1010a'), new Map([[4, devA.kid], [6, unhex('01')]]), new Uint8Array(20)], 16));
    const w = openUplink(wrongAlg, lookup);
    expect(w.ok ? '' : w.error.message).toMatch(/protected header/);
    const padded = encodeCbor(new Tag([unhex('a1011818'), new Map([[4, devA.kid], [6, unhex('0001')]]), new Uint8Array(20)], 16));
    const p = openUplink(padded, lookup);
    expect(p.ok ? '' : p.error.message).toMatch(/leading zero/);
    const dup = unhex('d08344a1011818a3044101064101044101' + '50' + '00'.repeat(16));
    const d = openUplink(dup, lookup);
    expect(d.ok ? '' : `${d.error.code} ${d.error.message}`).toMatch(/BAD_STRUCTURE duplicate map key at byte 14/);
  });

  it('leaves the replay check to the caller: the window refuses the same message the second time', () => {
    let state = INITIAL_REPLAY_STATE;
    const codes: string[] = [];
    for (const m of [msg, sealReadings(devA.key, devA.iv, devA.kid, 1235, 'x', RECORDS), msg]) {
      const r = openUplink(m, lookup);
      if (!r.ok) throw r.error;
      const c = checkReplay(state, r.value.counter);
      codes.push(c.ok ? 'ok' : c.error.code);
      if (c.ok) state = c.value;
    }
    expect(codes).toEqual(['ok', 'ok', 'REPLAY']);
  });
});

describe('downlink: host sealDownlink → device openDownlink', () => {
  const payload = encodeCbor(new Map<number, unknown>([[1, 'interval'], [2, 600]]));

  it('opens on the device with the decoded payload and counter', () => {
    const dl = sealDownlink(devA.key, devA.iv, 5, payload);
    const r = openDownlink(devA.key, devA.iv, dl, 4);
    expect(r).not.toBeInstanceOf(DeviceError);
    const { counter, value } = r as { counter: number; value: CborMap };
    expect(counter).toBe(5);
    expect(value).toBeInstanceOf(CborMap);
    expect(value.get(1)).toBe('interval');
    expect(value.get(2)).toBe(600);
  });

  it('refuses a replayed or old downlink counter', () => {
    const dl = sealDownlink(devA.key, devA.iv, 5, payload);
    expect((openDownlink(devA.key, devA.iv, dl, 5) as DeviceError).code).toBe('REPLAY');
    expect((openDownlink(devA.key, devA.iv, dl, 9) as DeviceError).code).toBe('REPLAY');
  });

  it('uses a nonce space disjoint from uplinks: an uplink never opens as a downlink', () => {
    // same key, same counter: the uplink nonce starts with S = kid length, the downlink one with 0
    const up = sealReadings(devA.key, devA.iv, devA.kid, 5, 'x', RECORDS);
    expect((openDownlink(devA.key, devA.iv, up, -1) as DeviceError).code).toBe('AUTH_FAILED');
    expect(hex(coseNonce(devA.iv, SERVER_ID, unhex('05')))).not.toBe(hex(coseNonce(devA.iv, devA.kid, unhex('05'))));
    expect(hex(buildNonce(new Uint8Array(12), SERVER_ID, unhex('05')))).toBe('000000000000000000000005');
  });

  it('refuses other devices keys and tampering with typed errors, never throwing', () => {
    const dl = sealDownlink(devA.key, devA.iv, 6, payload);
    expect((openDownlink(devB.key, devB.iv, dl, -1) as DeviceError).code).toBe('AUTH_FAILED');
    for (let bit = 0; bit < dl.length * 8; bit++) {
      const m = dl.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      expect(openDownlink(devA.key, devA.iv, m, -1), `bit ${bit}`).toBeInstanceOf(DeviceError);
    }
    expect((openDownlink(devA.key, devA.iv, unhex('d1820102'), -1) as DeviceError).code).toBe('BAD_STRUCTURE');
    expect((openDownlink(devA.key, devA.iv, unhex('ff'), -1) as DeviceError).code).toBe('MALFORMED_CBOR');
  });
});
