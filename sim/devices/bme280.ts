/**
 * Bosch BME280 combined humidity/pressure/temperature sensor, register level over I2C.
 * Source: Bosch BST-BME280-DS002 (rev. 1.6+):
 *   §5.3 memory map — 0xD0 id (0x60), 0xE0 reset (write 0xB6), 0xF2 ctrl_hum (osrs_h[2:0], takes
 *   effect after the next ctrl_meas write, §5.4.3), 0xF3 status (measuring[3], im_update[0]),
 *   0xF4 ctrl_meas (osrs_t[7:5], osrs_p[4:2], mode[1:0]: 00 sleep, 01/10 forced, 11 normal),
 *   0xF5 config (t_sb[7:5], filter[4:2]), 0xF7..0xF9 press, 0xFA..0xFC temp (20 bit, xlsb[7:4]),
 *   0xFD..0xFE hum; calibration 0x88..0xA1 and 0xE1..0xE7 (Table 16);
 *   §6.2 I2C: a write sets the register pointer, further written bytes are (register, value) pairs;
 *   reads auto-increment the pointer;
 *   §3.3.3 forced mode returns to sleep after one measurement; §3.3.4 normal mode cycles with t_standby
 *   (Table 27: 0.5, 62.5, 125, 250, 500, 1000, 10, 20 ms);
 *   §9.1 (Appendix B) measurement time: t_max = 1.25 + 2.3·T_osr + (2.3·P_osr + 0.575) +
 *   (2.3·H_osr + 0.575) ms, terms of skipped measurements omitted;
 *   §3.4.3 / Table 5: a skipped measurement reads 0x80000 (T, P) or 0x8000 (H); T/P resolution is
 *   16 + (osrs - 1) bits with the IIR filter off, 20 bits with it on.
 * Raw ADC values are chosen by bisection so that the datasheet's integer compensation
 * (bme280-compensation.ts) gives back the source value: temperature °C, pressure hPa, humidity %RH.
 * The IIR filter's smoothing is not modelled (only its effect on resolution).
 */
import type { I2CDevice, SimContext, ValueSource } from '../core/types.ts';
import { I2CNackError } from './i2c-errors.ts';
import { DEFAULT_CALIB, compensateH, compensateP, compensateT, encodeCalib, type Bme280Calib } from './bme280-compensation.ts';

const OSR = [0, 1, 2, 4, 8, 16, 16, 16];
const T_STANDBY_MS = [0.5, 62.5, 125, 250, 500, 1000, 10, 20];

/** Max measurement time in ms for oversampling settings (register codes 0..5) — datasheet §9.1. */
export function bme280MeasureMs(osrsT: number, osrsP: number, osrsH: number): number {
  let t = 1.25;
  if (osrsT) t += 2.3 * OSR[osrsT]!;
  if (osrsP) t += 2.3 * OSR[osrsP]! + 0.575;
  if (osrsH) t += 2.3 * OSR[osrsH]! + 0.575;
  return t;
}

/** Largest x in [lo, hi] with f(x) <= target for increasing f (or smallest-distance neighbour). */
function bisect(lo: number, hi: number, target: number, f: (x: number) => number, increasing: boolean): number {
  const g = (x: number) => (increasing ? f(x) : -f(x));
  const tgt = increasing ? target : -target;
  if (g(lo) >= tgt) return lo;
  if (g(hi) <= tgt) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (g(mid) <= tgt) lo = mid;
    else hi = mid;
  }
  return Math.abs(g(lo) - tgt) <= Math.abs(g(hi) - tgt) ? lo : hi;
}

export interface Bme280Options {
  ctx: SimContext;
  name: string;
  /** 0x76 (SDO low, default) or 0x77. */
  address?: number;
  temperature: ValueSource;
  /** hPa */
  pressure: ValueSource;
  humidity: ValueSource;
  calib?: Bme280Calib;
}

export class Bme280 implements I2CDevice {
  readonly address: number;
  readonly name: string;
  readonly calib: Bme280Calib;
  private readonly ctx: SimContext;
  private readonly src: { t: ValueSource; p: ValueSource; h: ValueSource };
  private readonly regs = new Uint8Array(256);
  private ptr = 0;
  private osrsHActive = 0;
  private measuringUntil = -1;
  private timer: number | undefined;

  constructor(opts: Bme280Options) {
    this.ctx = opts.ctx;
    this.name = opts.name;
    this.address = opts.address ?? 0x76;
    if (this.address !== 0x76 && this.address !== 0x77) throw new Error(`${opts.name}: BME280 address must be 0x76 or 0x77, got 0x${this.address.toString(16)}`);
    this.calib = opts.calib ?? DEFAULT_CALIB;
    this.src = { t: opts.temperature, p: opts.pressure, h: opts.humidity };
    this.powerOnReset();
  }

  private powerOnReset(): void {
    if (this.timer !== undefined) this.ctx.sched.cancel(this.timer);
    this.timer = undefined;
    this.regs.fill(0);
    const { lo, hi } = encodeCalib(this.calib);
    this.regs.set(lo, 0x88);
    this.regs.set(hi, 0xe1);
    this.regs[0xd0] = 0x60;
    // Data registers reset values (Table 18): press/temp 0x80000, hum 0x8000.
    this.regs.set([0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00], 0xf7);
    this.osrsHActive = 0;
    this.measuringUntil = -1;
    this.ctx.power.state(this.name, 'idle');
  }

  write(bytes: Uint8Array, _stop: boolean): void {
    if (bytes.length === 0) return;
    // [reg] sets the pointer for a following read; [reg, val, reg, val, ...] writes pairs (§6.2.1).
    for (let i = 0; i + 1 < bytes.length; i += 2) this.writeReg(bytes[i]!, bytes[i + 1]!);
    this.ptr = bytes[0]!;
  }

  private writeReg(reg: number, val: number): void {
    switch (reg) {
      case 0xe0:
        if (val === 0xb6) this.powerOnReset();
        return;
      case 0xf2:
        this.regs[0xf2] = val & 0x07;
        return;
      case 0xf4:
        this.regs[0xf4] = val;
        this.osrsHActive = this.regs[0xf2]! & 0x07; // ctrl_hum latched by the ctrl_meas write (§5.4.3)
        this.startMode();
        return;
      case 0xf5:
        this.regs[0xf5] = val & 0xfd;
        return;
      default:
        if (reg >= 0xf2 && reg <= 0xf5) return;
        throw new I2CNackError(this.address, `register 0x${reg.toString(16)} is read-only`);
    }
  }

  private get mode(): number {
    return this.regs[0xf4]! & 0x03;
  }

  private startMode(): void {
    if (this.timer !== undefined) this.ctx.sched.cancel(this.timer);
    this.timer = undefined;
    const m = this.mode;
    if (m === 0) {
      this.measuringUntil = -1;
      this.ctx.power.state(this.name, 'idle');
      return;
    }
    this.beginMeasurement(this.ctx.sched.now());
  }

  private measureMs(): number {
    const cm = this.regs[0xf4]!;
    return bme280MeasureMs((cm >> 5) & 7, (cm >> 2) & 7, this.osrsHActive);
  }

  private beginMeasurement(t: number): void {
    const done = t + this.measureMs();
    this.measuringUntil = done;
    this.ctx.power.state(this.name, 'measuring');
    this.timer = this.ctx.sched.at(done, () => this.finishMeasurement(done), `${this.name} conversion`);
  }

  private finishMeasurement(t: number): void {
    this.timer = undefined;
    this.latch(t);
    this.measuringUntil = -1;
    this.ctx.power.state(this.name, 'idle');
    if (this.mode === 3) {
      const tsb = T_STANDBY_MS[(this.regs[0xf5]! >> 5) & 7]!;
      this.timer = this.ctx.sched.at(t + tsb, () => { this.timer = undefined; this.beginMeasurement(t + tsb); }, `${this.name} standby`);
    } else {
      this.regs[0xf4] = this.regs[0xf4]! & ~0x03; // forced mode → sleep
    }
  }

  /** Raw ADC values for the source values at time t. */
  rawFor(t: number): { adcT: number; adcP: number; adcH: number } {
    const c = this.calib;
    const tTarget = Math.round(this.src.t.at(t) * 100); // 0.01 °C
    const adcT = bisect(0, 0xfffff, tTarget, (x) => compensateT(x, c).T, true);
    const { tFine } = compensateT(adcT, c);
    const pTarget = this.src.p.at(t) * 100 * 256; // Q24.8 Pa
    const adcP = bisect(0, 0xfffff, pTarget, (x) => compensateP(x, tFine, c), false);
    const hTarget = this.src.h.at(t) * 1024; // Q22.10 %RH
    const adcH = bisect(0, 0xffff, hTarget, (x) => compensateH(x, tFine, c), true);
    return { adcT, adcP, adcH };
  }

  private latch(t: number): void {
    const cm = this.regs[0xf4]!;
    const osrsT = (cm >> 5) & 7;
    const osrsP = (cm >> 2) & 7;
    const filterOn = ((this.regs[0xf5]! >> 2) & 7) !== 0;
    const bits = (osrs: number) => (filterOn ? 20 : Math.min(20, 15 + Math.min(osrs, 5)));
    const quant = (v: number, b: number) => v & ~((1 << (20 - b)) - 1) & 0xfffff;
    const raw = this.rawFor(t);
    const adcT = osrsT ? quant(raw.adcT, bits(osrsT)) : 0x80000;
    const adcP = osrsP ? quant(raw.adcP, bits(osrsP)) : 0x80000;
    const adcH = this.osrsHActive ? raw.adcH : 0x8000;
    this.regs.set([adcP >> 12, (adcP >> 4) & 0xff, (adcP & 0x0f) << 4], 0xf7);
    this.regs.set([adcT >> 12, (adcT >> 4) & 0xff, (adcT & 0x0f) << 4], 0xfa);
    this.regs.set([adcH >> 8, adcH & 0xff], 0xfd);
  }

  read(n: number): Uint8Array {
    const now = this.ctx.sched.now();
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = (this.ptr + i) & 0xff;
      out[i] = r === 0xf3 ? (this.measuringUntil > now ? 0x08 : 0) : this.regs[r]!;
    }
    this.ptr = (this.ptr + n) & 0xff;
    return out;
  }
}
