import { describe, expect, it } from 'vitest';
import { adcNormalize, batteryDivider, soilMoistureProbe } from '../../sim/devices/analog.ts';
import { constant } from '../../sim/sources.ts';

describe('ADC front ends', () => {
  it('quantizes to 1/4095 steps and clamps to 0..1', () => {
    expect(adcNormalize(1.65, 3.3)).toBe(2048 / 4095);
    expect(adcNormalize(-1, 3.3)).toBe(0);
    expect(adcNormalize(5, 3.3)).toBe(1);
    expect(() => adcNormalize(1, 0)).toThrow(/full scale/);
    const v = adcNormalize(1.234, 3.1);
    expect(Math.round(v * 4095)).toBeCloseTo(v * 4095, 9); // an exact 12-bit code
    expect(Math.round(v * 4095)).toBe(Math.round((1.234 / 3.1) * 4095));
  });

  it('battery divider 1:2 at 3.1 V full scale: firmware recovers the cell voltage to one LSB', () => {
    const adc = batteryDivider({ ratio: 0.5, fullScaleV: 3.1, voltage: constant(3.92) });
    const r = adc.read(0);
    const vbat = (r * 3.1) / 0.5;
    expect(Math.abs(vbat - 3.92)).toBeLessThanOrEqual((3.1 / 4095 / 0.5) / 2 + 1e-12);
    expect(() => batteryDivider({ ratio: 2, fullScaleV: 3.1, voltage: constant(1) })).toThrow(/ratio/);
  });

  it('soil probe: dry 0 % reads dryV, wet 100 % reads wetV, linear between, clamped outside', () => {
    const mk = (m: number) => soilMoistureProbe({ moisture: constant(m), dryV: 2.8, wetV: 1.2, fullScaleV: 3.3 }).read(0);
    expect(mk(0)).toBe(adcNormalize(2.8, 3.3));
    expect(mk(100)).toBe(adcNormalize(1.2, 3.3));
    expect(mk(50)).toBe(adcNormalize(2.0, 3.3));
    expect(mk(150)).toBe(mk(100));
    expect(mk(30)).toBeGreaterThan(mk(60)); // wetter → lower voltage
  });
});
