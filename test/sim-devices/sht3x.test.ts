import { describe, expect, it } from 'vitest';
import { Sht3x, sht3xCrc8 } from '../../sim/devices/sht3x.ts';
import { I2CNackError } from '../../sim/devices/i2c-errors.ts';
import { constant } from '../../sim/sources.ts';
import { makeCtx } from './helpers.ts';

const cmd = (c: number) => new Uint8Array([c >> 8, c & 0xff]);
/** Datasheet §4.13 conversion, as a firmware driver does it. */
const toT = (b: Uint8Array) => -45 + (175 * ((b[0]! << 8) | b[1]!)) / 65535;
const toRH = (b: Uint8Array) => (100 * ((b[3]! << 8) | b[4]!)) / 65535;

function setup(t = 23.4, rh = 56.7) {
  const ctx = makeCtx();
  const dev = new Sht3x({ ctx, name: 'sht3x', temperature: constant(t), humidity: constant(rh) });
  return { ctx, dev };
}

describe('SHT3x-DIS model', () => {
  it('CRC-8 matches the datasheet example 0xBEEF -> 0x92', () => {
    expect(sht3xCrc8([0xbe, 0xef])).toBe(0x92);
  });

  it('single shot, high repeatability, no stretching: NACK before 15 ms, data after, values within one LSB', () => {
    const { ctx, dev } = setup();
    dev.write(cmd(0x2400), true);
    ctx.sched.runFor(10);
    expect(() => dev.read(6)).toThrow(I2CNackError);
    ctx.sched.runFor(5);
    const b = dev.read(6);
    expect(sht3xCrc8(b.subarray(0, 2))).toBe(b[2]);
    expect(sht3xCrc8(b.subarray(3, 5))).toBe(b[5]);
    expect(Math.abs(toT(b) - 23.4)).toBeLessThanOrEqual(175 / 65535);
    expect(Math.abs(toRH(b) - 56.7)).toBeLessThanOrEqual(100 / 65535);
    expect(() => dev.read(6)).toThrow(/no measurement data/); // data is cleared once read
  });

  it('medium and low repeatability take 6 and 4 ms', () => {
    for (const [c, ms] of [[0x240b, 6], [0x2416, 4]] as const) {
      const { ctx, dev } = setup();
      dev.write(cmd(c), true);
      ctx.sched.runFor(ms - 0.5);
      expect(() => dev.read(6)).toThrow(I2CNackError);
      ctx.sched.runFor(0.5);
      expect(dev.read(6)).toHaveLength(6);
    }
  });

  it('clock stretching: a read right away returns the finished measurement and reports the stretch', () => {
    const { dev } = setup(-10, 5);
    dev.write(cmd(0x2c06), true);
    const b = dev.read(6);
    expect(dev.lastStretchMs).toBe(15);
    expect(toT(b)).toBeCloseTo(-10, 2);
    expect(toRH(b)).toBeCloseTo(5, 2);
  });

  it('reports measuring/idle power states', () => {
    const { ctx, dev } = setup();
    dev.write(cmd(0x2c10), true);
    ctx.sched.runFor(10);
    expect(ctx.states).toEqual(['sht3x:idle', 'sht3x:measuring', 'sht3x:idle']);
  });

  it('clamps out-of-range sources to the raw range', () => {
    const { ctx, dev } = setup(200, 120);
    dev.write(cmd(0x2400), true);
    ctx.sched.runFor(20);
    const b = dev.read(6);
    expect((b[0]! << 8) | b[1]!).toBe(65535);
    expect((b[3]! << 8) | b[4]!).toBe(65535);
  });

  it('status register after reset is 0x8010 with CRC; clear status; heater bit', () => {
    const { ctx, dev } = setup();
    dev.write(cmd(0xf32d), true);
    const s = dev.read(3);
    expect([...s]).toEqual([0x80, 0x10, sht3xCrc8([0x80, 0x10])]);
    dev.write(cmd(0x3041), true);
    dev.write(cmd(0x306d), true);
    dev.write(cmd(0xf32d), true);
    expect(((dev.read(3)[0]! << 8))).toBe(0x2000);
    dev.write(cmd(0x30a2), true); // soft reset
    expect(() => dev.write(cmd(0xf32d), true)).toThrow(/busy/);
    ctx.sched.runFor(2);
    dev.write(cmd(0xf32d), true);
    expect(dev.read(2)[0]).toBe(0x80);
  });

  it('unknown command and commands during a measurement are NACKed', () => {
    const { dev } = setup();
    expect(() => dev.write(cmd(0x1234), true)).toThrow(/unknown command 0x1234/);
    dev.write(cmd(0x2400), true);
    expect(() => dev.write(cmd(0x2400), true)).toThrow(/while a measurement is running/);
  });

  it('periodic mode 1 mps: fetch returns each new measurement once, break stops it', () => {
    const ctx = makeCtx();
    let temp = 20;
    const dev = new Sht3x({ ctx, name: 'sht3x', address: 0x45, temperature: { at: (t) => temp + t / 1000 }, humidity: constant(50) });
    expect(dev.address).toBe(0x45);
    dev.write(cmd(0x2130), true);
    ctx.sched.runFor(10);
    dev.write(cmd(0xe000), true);
    expect(() => dev.read(6)).toThrow(I2CNackError); // first result at 15 ms
    ctx.sched.runFor(1000); // t = 1010: measurement 0 done at 15 ms
    dev.write(cmd(0xe000), true);
    expect(toT(dev.read(6))).toBeCloseTo(20.015, 1);
    dev.write(cmd(0xe000), true);
    expect(() => dev.read(6)).toThrow(I2CNackError); // nothing new yet
    ctx.sched.runFor(2000);
    dev.write(cmd(0xe000), true);
    expect(toT(dev.read(6))).toBeCloseTo(20 + 2.015, 1);
    expect(() => dev.write(cmd(0x2400), true)).toThrow(/periodic mode/);
    dev.write(cmd(0x3093), true);
    ctx.sched.runFor(5);
    dev.write(cmd(0x2400), true);
    temp = 0;
  });
});
