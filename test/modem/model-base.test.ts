/**
 * The simulator side's shared parts: the AT command-line parser of model-base.ts and the seeded
 * network model (same seed → same draws; presets differ the way a user expects).
 */
import { describe, expect, it } from 'vitest';
import { parseAtCommand, splitArgs } from '../../sim/modems/model-base.ts';
import { NetworkModel } from '../../sim/modems/network.ts';
import { decodeT3324, decodeT3412, encodeT3324, encodeT3412 } from '../../sim/modems/cellular.ts';
import { createRng } from '../../sim/core/rng.ts';

describe('AT command parser', () => {
  it('parses set, read, test, exec and basic commands', () => {
    expect(parseAtCommand('AT')).toMatchObject({ name: '', kind: 'exec', args: [] });
    expect(parseAtCommand('ATE0')).toMatchObject({ name: 'E', kind: 'exec', args: ['0'] });
    expect(parseAtCommand('at+cereg?')).toMatchObject({ name: '+CEREG', kind: 'read' });
    expect(parseAtCommand('AT+CEREG=?')).toMatchObject({ name: '+CEREG', kind: 'test' });
    expect(parseAtCommand('AT+CPSMS=1,,,"00111000","00011110"')).toMatchObject({ name: '+CPSMS', kind: 'set', args: ['1', '', '', '00111000', '00011110'] });
    expect(parseAtCommand('AT+QIOPEN=0,0,"UDP","127.0.0.1",5683,0,1')!.args).toEqual(['0', '0', 'UDP', '127.0.0.1', '5683', '0', '1']);
    expect(parseAtCommand('AT+CNMPSD')).toMatchObject({ name: '+CNMPSD', kind: 'exec' });
    expect(parseAtCommand('hello')).toBeNull();
    expect(splitArgs('"a,b",1')).toEqual(['a,b', '1']);
  });
});

describe('network model', () => {
  it('is deterministic per seed and presets order coverage good > poor', () => {
    const a = new NetworkModel(createRng(7), 'good');
    const b = new NetworkModel(createRng(7), 'good');
    const seqA = [a.coverage(0), a.registrationDelayMs(), a.latencyMs()];
    const seqB = [b.coverage(0), b.registrationDelayMs(), b.latencyMs()];
    expect(seqA).toEqual(seqB);
    const good = new NetworkModel(createRng(1), 'good');
    const poor = new NetworkModel(createRng(1), 'poor');
    const mean = (n: NetworkModel) => Array.from({ length: 50 }, () => n.coverage(0).rsrpDbm).reduce((s, v) => s + v, 0) / 50;
    expect(mean(good)).toBeGreaterThan(-100);
    expect(mean(poor)).toBeLessThan(-115);
    expect(poor.coverage(0).ecl).toBe(2);
  });

  it('grants PSM per preset and honours outages and overrides', () => {
    const poor = new NetworkModel(createRng(1), 'poor');
    expect(poor.grantPsm({ activeS: 180, tauS: 36000 })).toEqual({ activeS: 60, tauS: 43200 });
    const refuse = new NetworkModel(createRng(1), { psm: 'refuse' });
    expect(refuse.grantPsm({ activeS: 180, tauS: 36000 }).activeS).toBeNull();
    const flaky = new NetworkModel(createRng(1), 'flaky');
    expect(flaky.inOutage(35 * 60000)).toBe(true);
    expect(flaky.coverage(35 * 60000).usable).toBe(false);
    expect(() => new NetworkModel(createRng(1), 'great' as never)).toThrow(/unknown/);
  });

  it('network-side timer encoding prefers the coarsest exact unit (differs from the device request)', () => {
    expect(encodeT3412(36000)).toBe('01000001'); // 1 × 10 h (device asks 10 × 1 h)
    expect(encodeT3324(60)).toBe('00100001'); // 1 × 1 min (device asks 30 × 2 s)
    expect(decodeT3412(encodeT3412(43200))).toBe(43200);
    expect(decodeT3324('11100000')).toBeNull();
    expect(encodeT3324(null)).toBe('11100000');
  });
});
