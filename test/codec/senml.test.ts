/**
 * SenML: the device pack builder (firmware/codec/senml.ts) and the host resolver
 * (tools/lib/codec/senml.ts), RFC 8428 §4 base-value rules and §6 CBOR labels.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cborEncode, CborMap } from '../../firmware/codec/cbor.ts';
import { senmlPack, type SenmlRecord } from '../../firmware/codec/senml.ts';
import { decodeSenml, encodeCbor, resolveSenml } from '../../tools/lib/codec/index.ts';
import { hex } from './support.ts';

const T0 = 1_763_800_000;

describe('device SenML pack', () => {
  it('puts bn/bt/bu in the first record, relative times and integer labels (RFC 8428 §6)', () => {
    const pack = senmlPack('urn:dev:ow:10e2073a01080063:', [
      { n: 'temp', u: 'Cel', v: 23.5, t: T0 },
      { n: 'temp', u: 'Cel', v: 23.6, t: T0 + 60 },
    ]);
    expect((pack[0] as CborMap).entries).toEqual([[0, 'temp'], [2, 23.5], [-2, 'urn:dev:ow:10e2073a01080063:'], [-3, T0], [-4, 'Cel']]);
    expect((pack[1] as CborMap).entries).toEqual([[0, 'temp'], [2, 23.6], [6, 60]]);
    // exact bytes: labels 00/02/21/22/23/06 (n, v, bn, bt, bu, t), 23.5 as float16 4de0, 23.6 as float64
    expect(hex(cborEncode(pack))).toBe(
      '82' +
        'a5' + '006474656d70' + '02f94de0' + '21781c' + hex(new TextEncoder().encode('urn:dev:ow:10e2073a01080063:')) +
        '221a' + T0.toString(16).padStart(8, '0') + '236343656c' +
        'a3' + '006474656d70' + '02fb403799999999999a' + '06183c',
    );
  });

  it('keeps per-record units when units differ, and value types v/vs/vb/vd', () => {
    const pack = senmlPack('', [
      { n: 'a', u: 'V', v: 3.3, t: T0 },
      { n: 'b', u: 'A', v: 'on', t: T0 },
      { n: 'c', v: true },
      { n: 'd', v: new Uint8Array([1, 2]) },
    ]);
    const e = pack.map((r) => (r as CborMap).entries);
    expect(e[0]).toEqual([[0, 'a'], [1, 'V'], [2, 3.3], [-3, T0]]); // no bu: not every record has a unit
    expect(e[1]).toEqual([[0, 'b'], [1, 'A'], [3, 'on']]);
    expect(e[2]).toEqual([[0, 'c'], [4, true]]);
    expect(e[3]).toEqual([[0, 'd'], [8, new Uint8Array([1, 2])]]);
  });

  it('round-trips through the host resolver (property, seed 30)', () => {
    const rec = fc.record({
      n: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/),
      u: fc.option(fc.constantFrom('Cel', 'V', '%RH', 'Pa'), { nil: undefined }),
      v: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.string({ maxLength: 8 })),
      t: fc.integer({ min: T0, max: T0 + 86400 }),
    });
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 10 }), (recs) => {
        const records = recs.map((r) => (r.u === undefined ? { n: r.n, v: r.v, t: r.t } : r)) as SenmlRecord[];
        const res = decodeSenml(cborEncode(senmlPack('dev1/', records)));
        if (!res.ok) throw res.error;
        expect(res.value).toEqual(records.map((r) => ({ name: 'dev1/' + r.n, time: r.t, value: r.v, ...(r.u === undefined ? {} : { unit: r.u }) })));
      }),
      { seed: 30, numRuns: 300 },
    );
  });

  it('is much smaller than SenML-JSON for a 3-reading pack', () => {
    const recs: SenmlRecord[] = [
      { n: 'temp', u: 'Cel', v: 21.5, t: T0 },
      { n: 'hum', u: '%RH', v: 48, t: T0 },
      { n: 'bat', u: 'V', v: 3.71, t: T0 },
    ];
    const cbor = cborEncode(senmlPack('urn:dev:mac:0024befffe804ff1:', recs));
    const json = JSON.stringify([
      { bn: 'urn:dev:mac:0024befffe804ff1:', bt: T0, n: 'temp', u: 'Cel', v: 21.5 },
      { n: 'hum', u: '%RH', v: 48 },
      { n: 'bat', u: 'V', v: 3.71 },
    ]);
    expect(cbor.length).toBeLessThan(json.length * 0.7);
  });
});

describe('host SenML resolution (RFC 8428 §4)', () => {
  const pack = (...recs: [number | string, unknown][][]) => recs.map((r) => new Map(r));

  it('applies base name, time, unit, value and sum to later records until changed', () => {
    const r = resolveSenml(pack(
      [[-2, 'dev/'], [-3, 1000], [-4, 'W'], [-5, 10], [0, 'p'], [2, 1]],
      [[0, 'p'], [2, 2], [6, 5]],
      [[-2, 'x/'], [-5, 0], [-6, 100], [0, 'e'], [5, 1], [1, 'Wh']],
    ));
    if (!r.ok) throw r.error;
    expect(r.value).toEqual([
      { name: 'dev/p', unit: 'W', value: 11, time: 1000 },
      { name: 'dev/p', unit: 'W', value: 12, time: 1005 },
      { name: 'x/e', unit: 'Wh', sum: 101, time: 1000 },
    ]);
  });

  it('resolves relative times (< 2^28) against the receipt time when given', () => {
    const r = resolveSenml(pack([[0, 'a'], [2, 1], [6, -30]]), { now: T0 });
    expect(r.ok && r.value[0].time).toBe(T0 - 30);
  });

  it('ignores unknown labels but refuses must-understand ones and wrong types', () => {
    expect(resolveSenml(pack([[0, 'a'], [2, 1], [99, 'x'], ['foo', 1]])).ok).toBe(true);
    const cases: [unknown, RegExp][] = [
      [pack([[0, 'a'], [2, 1], ['crit_', 1]]), /must-understand/],
      [pack([[0, 'a'], [2, 'x']]), /label 2 must be a finite number/],
      [pack([[0, 'a']]), /no value and no sum/],
      [pack([[0, 'a'], [2, 1], [3, 's']]), /more than one/],
      [pack([[0, ''], [2, 1]]), /name "" is empty/],
      [pack([[0, 'a b'], [2, 1]]), /RFC 8428 §4.5.1/],
      [pack([[-1, 11], [0, 'a'], [2, 1]]), /version 11/],
      [{ n: 'a' }, /must be an array/],
      [[new Map<number, unknown>([[0, 'a'], [2, 1]]), 'x'], /record 1 is not a map/],
    ];
    for (const [p, re] of cases) {
      const r = resolveSenml(p);
      expect(r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`).toMatch(re);
      expect(r.ok ? '' : r.error.code).toBe('BAD_STRUCTURE');
    }
  });

  it('decodes SenML-CBOR produced by a generic encoder', () => {
    const bytes = encodeCbor([new Map<number, unknown>([[-2, 'n1/'], [0, 't'], [2, 20.25], [-3, T0]])]);
    const r = decodeSenml(bytes);
    expect(r.ok && r.value).toEqual([{ name: 'n1/t', value: 20.25, time: T0 }]);
  });
});
