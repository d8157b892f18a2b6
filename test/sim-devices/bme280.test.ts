import { describe, expect, it } from 'vitest';
import { Bme280, bme280MeasureMs } from '../../sim/devices/bme280.ts';
import { compensateP, compensateT, DEFAULT_CALIB } from '../../sim/devices/bme280-compensation.ts';
import { constant } from '../../sim/sources.ts';
import { makeCtx } from './helpers.ts';

/**
 * What a firmware driver does: read the trimming registers and apply the datasheet's floating-point
 * compensation (BST-BME280-DS002 §8.1, BME280_compensate_T_double etc.) — independent of the model's
 * integer implementation.
 */
function driver(dev: Bme280) {
  const rd = (reg: number, n: number) => { dev.write(new Uint8Array([reg]), false); return dev.read(n); };
  const c = new DataView(rd(0x88, 26).buffer);
  const e = rd(0xe1, 7);
  const T1 = c.getUint16(0, true), T2 = c.getInt16(2, true), T3 = c.getInt16(4, true);
  const P1 = c.getUint16(6, true);
  const P = [2, 3, 4, 5, 6, 7, 8, 9].map((_, i) => c.getInt16(8 + 2 * i, true));
  const [P2, P3, P4, P5, P6, P7, P8, P9] = P as [number, number, number, number, number, number, number, number];
  const H1 = c.getUint8(25);
  const H2 = new DataView(e.buffer).getInt16(0, true), H3 = e[2]!;
  const H4 = ((e[3]! << 24) >> 20) | (e[4]! & 0x0f);
  const H5 = ((e[5]! << 24) >> 20) | (e[4]! >> 4);
  const H6 = (e[6]! << 24) >> 24;
  return {
    id: rd(0xd0, 1)[0],
    measure() {
      const d = rd(0xf7, 8);
      const adcP = (d[0]! << 12) | (d[1]! << 4) | (d[2]! >> 4);
      const adcT = (d[3]! << 12) | (d[4]! << 4) | (d[5]! >> 4);
      const adcH = (d[6]! << 8) | d[7]!;
      let v1 = (adcT / 16384 - T1 / 1024) * T2;
      let v2 = (adcT / 131072 - T1 / 8192) * (adcT / 131072 - T1 / 8192) * T3;
      const tFine = v1 + v2;
      const T = tFine / 5120;
      v1 = tFine / 2 - 64000;
      v2 = (v1 * v1 * P6) / 32768;
      v2 = v2 + v1 * P5 * 2;
      v2 = v2 / 4 + P4 * 65536;
      v1 = ((P3 * v1 * v1) / 524288 + P2 * v1) / 524288;
      v1 = (1 + v1 / 32768) * P1;
      let p = 1048576 - adcP;
      p = ((p - v2 / 4096) * 6250) / v1;
      v1 = (P9 * p * p) / 2147483648;
      v2 = (p * P8) / 32768;
      p = p + (v1 + v2 + P7) / 16;
      let h = tFine - 76800;
      h = (adcH - (H4 * 64 + (H5 / 16384) * h)) * ((H2 / 65536) * (1 + (H6 / 67108864) * h * (1 + (H3 / 67108864) * h)));
      h = h * (1 - (H1 * h) / 524288);
      h = Math.max(0, Math.min(100, h));
      return { T, hPa: p / 100, RH: h, adcT, adcP, adcH };
    },
  };
}

function setup(t: number, hPa: number, rh: number) {
  const ctx = makeCtx();
  const dev = new Bme280({ ctx, name: 'bme280', temperature: constant(t), pressure: constant(hPa), humidity: constant(rh) });
  return { ctx, dev, drv: driver(dev) };
}

describe('BME280 model', () => {
  it('integer compensation reproduces the BMP280 datasheet worked example (§3.12)', () => {
    const { T, tFine } = compensateT(519888, DEFAULT_CALIB);
    expect(T).toBe(2508); // 25.08 °C
    expect(tFine).toBe(128422);
    // The datasheet table prints 25767236 (100653.27 Pa); executing its published 64-bit formula gives
    // 25767233 (100653.25 Pa) — other independent ports report the same 3-count difference.
    expect(compensateP(415148, tFine, DEFAULT_CALIB)).toBe(25767233);
  });

  it('chip id 0x60, calibration registers, reset values of the data registers', () => {
    const { dev, drv } = setup(20, 1000, 50);
    expect(drv.id).toBe(0x60);
    dev.write(new Uint8Array([0x88]), false);
    expect([...dev.read(2)]).toEqual([27504 & 0xff, 27504 >> 8]);
    dev.write(new Uint8Array([0xf7]), false);
    expect([...dev.read(8)]).toEqual([0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
  });

  it.each([
    [21.37, 1013.25, 45.5],
    [-12.5, 870.2, 92.1],
    [38.9, 1061.7, 8.3],
  ])('forced mode x16 round trip T=%s °C p=%s hPa RH=%s %%', (t, hPa, rh) => {
    const { ctx, dev, drv } = setup(t, hPa, rh);
    dev.write(new Uint8Array([0xf2, 0x05, 0xf4, (5 << 5) | (5 << 2) | 1]), true); // ctrl_hum x16, ctrl_meas x16/x16 forced
    dev.write(new Uint8Array([0xf3]), false);
    expect(dev.read(1)[0]! & 0x08).toBe(0x08); // measuring
    ctx.sched.runFor(bme280MeasureMs(5, 5, 5));
    dev.write(new Uint8Array([0xf3]), false);
    expect(dev.read(1)[0]! & 0x08).toBe(0);
    dev.write(new Uint8Array([0xf4]), false);
    expect(dev.read(1)[0]! & 0x03).toBe(0); // back to sleep
    const m = drv.measure();
    expect(Math.abs(m.T - t)).toBeLessThan(0.011);
    expect(Math.abs(m.hPa - hPa)).toBeLessThan(0.02);
    expect(Math.abs(m.RH - rh)).toBeLessThan(0.02);
    expect(ctx.states).toEqual(['bme280:idle', 'bme280:measuring', 'bme280:idle']);
  });

  it('measurement time follows the datasheet appendix formula', () => {
    expect(bme280MeasureMs(1, 1, 1)).toBeCloseTo(9.3, 5); // 1.25 + 2.3 + 2.875 + 2.875
    expect(bme280MeasureMs(5, 5, 5)).toBeCloseTo(112.8, 5);
    expect(bme280MeasureMs(1, 0, 0)).toBeCloseTo(3.55, 5);
  });

  it('ctrl_hum takes effect only after a ctrl_meas write; skipped humidity reads 0x8000', () => {
    const { ctx, dev } = setup(20, 1000, 50);
    dev.write(new Uint8Array([0xf4, (1 << 5) | (1 << 2) | 1]), true); // humidity not enabled
    ctx.sched.runFor(20);
    dev.write(new Uint8Array([0xfd]), false);
    expect([...dev.read(2)]).toEqual([0x80, 0x00]);
    dev.write(new Uint8Array([0xf2, 0x01]), true);
    ctx.sched.runFor(20);
    dev.write(new Uint8Array([0xfd]), false);
    expect([...dev.read(2)]).toEqual([0x80, 0x00]);
    dev.write(new Uint8Array([0xf4, (1 << 5) | (1 << 2) | 1]), true);
    ctx.sched.runFor(20);
    dev.write(new Uint8Array([0xfd]), false);
    expect([...dev.read(2)]).not.toEqual([0x80, 0x00]);
  });

  it('x1 oversampling without filter gives 16-bit temperature resolution', () => {
    const { ctx, dev, drv } = setup(22.22, 1000, 50);
    dev.write(new Uint8Array([0xf2, 1, 0xf4, (1 << 5) | (1 << 2) | 1]), true);
    ctx.sched.runFor(20);
    const m = drv.measure();
    expect(m.adcT & 0x0f).toBe(0);
    expect(Math.abs(m.T - 22.22)).toBeLessThan(0.1);
  });

  it('normal mode repeats with t_standby and follows the source', () => {
    const ctx = makeCtx();
    const dev = new Bme280({ ctx, name: 'env', address: 0x77, temperature: { at: (t) => 10 + t / 1000 }, pressure: constant(1000), humidity: constant(40) });
    const drv = driver(dev);
    dev.write(new Uint8Array([0xf5, 5 << 5, 0xf2, 1, 0xf4, (2 << 5) | (1 << 2) | 3]), true); // t_sb 1000 ms, normal
    ctx.sched.runFor(3000);
    const m = drv.measure();
    expect(m.T).toBeGreaterThan(11.5);
    expect(m.T).toBeLessThan(13.1);
    dev.write(new Uint8Array([0xe0, 0xb6]), true); // soft reset
    dev.write(new Uint8Array([0xf4]), false);
    expect(dev.read(1)[0]).toBe(0);
  });

  it('writes to read-only registers are NACKed', () => {
    const { dev } = setup(20, 1000, 50);
    expect(() => dev.write(new Uint8Array([0xd0, 0x12]), true)).toThrow(/read-only/);
  });
});
