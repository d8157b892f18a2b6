/**
 * Sensirion SHT3x-DIS humidity/temperature sensor, register/command level.
 * Source: Sensirion "Datasheet SHT3x-DIS", version 6 (2019):
 *   §4.3 / Table 9   single shot commands (clock stretching 0x2C06/0x2C0D/0x2C10,
 *                    no stretching 0x2400/0x240B/0x2416 for high/medium/low repeatability);
 *   §4.4 / Table 10  periodic mode (0x20xx..0x27xx), §4.5 fetch data 0xE000, §4.6 ART 0x2B32,
 *   §4.7 break 0x3093, §4.8 soft reset 0x30A2, §4.10 heater 0x306D/0x3066,
 *   §4.11 status register 0xF32D / clear 0x3041 (Table 17, value after reset 0x8010),
 *   §4.12 CRC-8: polynomial 0x31, init 0xFF, no reflection, no final XOR (0xBEEF -> 0x92),
 *   §4.13 conversion T = -45 + 175*S_T/(2^16-1) °C, RH = 100*S_RH/(2^16-1) %,
 *   Table 4 measurement duration (max): high 15 ms, medium 6 ms, low 4 ms; t_SR soft reset 1.5 ms.
 * Reading while a no-stretch measurement runs, or with no data, is not acknowledged (§4.3/§4.5):
 * I2CNackError. With clock stretching the sensor holds SCL until the data is ready; the read returns
 * the finished measurement and `lastStretchMs` says how long the bus was held.
 * Alert limits (§4.9, 0x61xx/0xE1xx) are not modelled: those commands are NACKed.
 */
import type { I2CDevice, SimContext, ValueSource } from '../core/types.ts';
import { I2CNackError } from './i2c-errors.ts';

export type Repeatability = 'high' | 'medium' | 'low';

/** Max measurement durations, ms (datasheet Table 4). */
export const SHT3X_DURATION_MS: Record<Repeatability, number> = { high: 15, medium: 6, low: 4 };
const SOFT_RESET_MS = 1.5;

const SINGLE_SHOT: Record<number, { rep: Repeatability; stretch: boolean }> = {
  0x2c06: { rep: 'high', stretch: true }, 0x2c0d: { rep: 'medium', stretch: true }, 0x2c10: { rep: 'low', stretch: true },
  0x2400: { rep: 'high', stretch: false }, 0x240b: { rep: 'medium', stretch: false }, 0x2416: { rep: 'low', stretch: false },
};

/** Periodic mode commands: measurements per second and repeatability (Table 10). */
const PERIODIC: Record<number, { mps: number; rep: Repeatability }> = {
  0x2032: { mps: 0.5, rep: 'high' }, 0x2024: { mps: 0.5, rep: 'medium' }, 0x202f: { mps: 0.5, rep: 'low' },
  0x2130: { mps: 1, rep: 'high' }, 0x2126: { mps: 1, rep: 'medium' }, 0x212d: { mps: 1, rep: 'low' },
  0x2236: { mps: 2, rep: 'high' }, 0x2220: { mps: 2, rep: 'medium' }, 0x222b: { mps: 2, rep: 'low' },
  0x2334: { mps: 4, rep: 'high' }, 0x2322: { mps: 4, rep: 'medium' }, 0x2329: { mps: 4, rep: 'low' },
  0x2737: { mps: 10, rep: 'high' }, 0x2721: { mps: 10, rep: 'medium' }, 0x272a: { mps: 10, rep: 'low' },
  0x2b32: { mps: 4, rep: 'high' }, // ART: accelerated response time, 4 Hz (§4.6)
};

/** Sensirion CRC-8 (§4.12). */
export function sht3xCrc8(data: ArrayLike<number>): number {
  let crc = 0xff;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i]! & 0xff;
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** Raw 16-bit ticks for a temperature (°C) / humidity (%RH), inverse of §4.13, clamped. */
export function sht3xRawT(tC: number): number {
  return Math.max(0, Math.min(65535, Math.round(((tC + 45) * 65535) / 175)));
}
export function sht3xRawRH(rh: number): number {
  return Math.max(0, Math.min(65535, Math.round((rh * 65535) / 100)));
}

export interface Sht3xOptions {
  ctx: SimContext;
  name: string;
  /** 0x44 (ADDR low, default) or 0x45. */
  address?: number;
  temperature: ValueSource;
  humidity: ValueSource;
}

export class Sht3x implements I2CDevice {
  readonly address: number;
  readonly name: string;
  /** How long the last clock-stretched read held the bus (ms). */
  lastStretchMs = 0;
  private readonly ctx: SimContext;
  private readonly temperature: ValueSource;
  private readonly humidity: ValueSource;
  private status = 0x8010;
  /** Output buffer of a finished measurement (6 bytes) or undefined. */
  private data: Uint8Array | undefined;
  /** A running single-shot measurement. */
  private pending: { doneAt: number; stretch: boolean } | undefined;
  private periodic: { periodMs: number; rep: Repeatability; start: number; fetched: number } | undefined;
  private busyUntil = 0;
  private idleTimer: number | undefined;
  private readPtr: 'data' | 'status' | undefined;

  constructor(opts: Sht3xOptions) {
    this.ctx = opts.ctx;
    this.name = opts.name;
    this.address = opts.address ?? 0x44;
    if (this.address !== 0x44 && this.address !== 0x45) throw new Error(`${opts.name}: SHT3x address must be 0x44 or 0x45, got 0x${this.address.toString(16)}`);
    this.temperature = opts.temperature;
    this.humidity = opts.humidity;
    this.ctx.power.state(this.name, 'idle');
  }

  private now(): number {
    return this.ctx.sched.now();
  }

  private nack(reason: string): never {
    throw new I2CNackError(this.address, reason);
  }

  private sample(t: number): Uint8Array {
    const st = sht3xRawT(this.temperature.at(t));
    const srh = sht3xRawRH(this.humidity.at(t));
    const b = new Uint8Array([st >> 8, st & 0xff, 0, srh >> 8, srh & 0xff, 0]);
    b[2] = sht3xCrc8(b.subarray(0, 2));
    b[5] = sht3xCrc8(b.subarray(3, 5));
    return b;
  }

  private measuring(untilT: number): void {
    this.ctx.power.state(this.name, 'measuring');
    if (this.idleTimer !== undefined) this.ctx.sched.cancel(this.idleTimer);
    this.idleTimer = this.ctx.sched.at(untilT, () => {
      this.idleTimer = undefined;
      this.ctx.power.state(this.name, 'idle');
    }, `${this.name} measurement done`);
  }

  write(bytes: Uint8Array, _stop: boolean): void {
    const t = this.now();
    if (t < this.busyUntil) this.nack('busy after soft reset');
    if (bytes.length < 2) this.nack(`commands are 16 bits, got ${bytes.length} byte(s)`);
    const cmd = (bytes[0]! << 8) | bytes[1]!;
    if (this.pending && t < this.pending.doneAt) this.nack(`command 0x${cmd.toString(16)} while a measurement is running`);
    this.readPtr = undefined;
    if (this.periodic && cmd !== 0x3093 && cmd !== 0xe000 && cmd !== 0x30a2 && cmd !== 0xf32d) {
      this.status |= 0x0002; // command not processed (§4.7: stop periodic mode first)
      this.nack(`command 0x${cmd.toString(16)} in periodic mode (send break 0x3093 first)`);
    }
    const ss = SINGLE_SHOT[cmd];
    if (ss) {
      const doneAt = t + SHT3X_DURATION_MS[ss.rep];
      this.pending = { doneAt, stretch: ss.stretch };
      this.data = undefined;
      this.measuring(doneAt);
      this.status &= ~0x0002;
      return;
    }
    const pm = PERIODIC[cmd];
    if (pm) {
      this.periodic = { periodMs: 1000 / pm.mps, rep: pm.rep, start: t, fetched: -1 };
      this.data = undefined;
      this.ctx.power.state(this.name, 'measuring');
      this.status &= ~0x0002;
      return;
    }
    switch (cmd) {
      case 0xe000: { // fetch data (periodic mode)
        if (!this.periodic) this.nack('fetch data without periodic mode');
        const p = this.periodic!;
        const dur = SHT3X_DURATION_MS[p.rep];
        const n = Math.floor((t - p.start - dur) / p.periodMs); // index of the last finished measurement
        if (n < 0 || n <= p.fetched) {
          this.data = undefined;
        } else {
          p.fetched = n;
          this.data = this.sample(p.start + n * p.periodMs + dur);
        }
        this.readPtr = 'data';
        return;
      }
      case 0x3093: // break: stop periodic mode
        this.periodic = undefined;
        this.measuring(t + 1);
        return;
      case 0x30a2: // soft reset
        this.reset(t);
        return;
      case 0x306d: this.status |= 0x2000; return; // heater on
      case 0x3066: this.status &= ~0x2000; return; // heater off
      case 0xf32d: this.readPtr = 'status'; return;
      case 0x3041: this.status &= ~(0x8000 | 0x0800 | 0x0400 | 0x0010); return; // clear status
      default:
        this.status |= 0x0002;
        this.nack(`unknown command 0x${cmd.toString(16).padStart(4, '0')}`);
    }
  }

  /** General call reset (address 0x00, byte 0x06, §4.9) or soft reset: state as after power-up. */
  reset(t = this.now()): void {
    this.pending = undefined;
    this.periodic = undefined;
    this.data = undefined;
    this.status = 0x8010;
    this.busyUntil = t + SOFT_RESET_MS;
    this.ctx.power.state(this.name, 'idle');
  }

  read(n: number): Uint8Array {
    const t = this.now();
    if (this.readPtr === 'status') {
      const s = new Uint8Array([this.status >> 8, this.status & 0xff, 0]);
      s[2] = sht3xCrc8(s.subarray(0, 2));
      return s.slice(0, Math.min(n, 3));
    }
    this.lastStretchMs = 0;
    if (this.pending) {
      const p = this.pending;
      if (t < p.doneAt) {
        if (!p.stretch) this.nack('measurement still running (no clock stretching)');
        this.lastStretchMs = p.doneAt - t;
      }
      this.data = this.sample(p.doneAt);
      this.pending = undefined;
    }
    if (!this.data) this.nack('no measurement data');
    const out = this.data!.slice(0, Math.min(n, 6));
    this.data = undefined; // data is cleared once read (§4.5)
    return out;
  }
}
