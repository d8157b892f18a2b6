/**
 * Interfaces shared by every part of the simulator: the virtual clock/scheduler, the trace, the energy
 * hook, the seeded RNG and the buses a simulated peripheral plugs into. Implementations live beside
 * (scheduler.ts, trace.ts, energy.ts, rng.ts); peripherals and modem models depend only on these.
 *
 * Time is virtual milliseconds since the start of the simulation (a float; sub-ms resolution is used
 * for UART byte timing). Nothing in sim/ reads the wall clock or Math.random.
 */

export type TimerId = number;

export interface Clock {
  /** Virtual time in ms since the simulation started. */
  now(): number;
}

export interface Scheduler extends Clock {
  /** Run fn at absolute virtual time t (ms). Events at the same t run in the order scheduled. */
  at(t: number, fn: () => void, label?: string): TimerId;
  /** Run fn dt ms from now. */
  after(dt: number, fn: () => void, label?: string): TimerId;
  cancel(id: TimerId): void;
}

/** One JSON line per event: {t, kind, ...data}. Kinds: uart, pin, storage, power, packet, console, ... */
export interface Trace {
  emit(kind: string, data: Record<string, unknown>): void;
}

/** Energy accounting hook: a component reports each state change; the meter integrates charge. */
export interface PowerMeter {
  /** component: e.g. 'mcu', 'modem', 'sht3x'; state: a key of the board's power table for it. */
  state(component: string, state: string): void;
}

/** Deterministic random source (seeded). fork() derives an independent stream for a sub-component. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Normal distribution. */
  normal(mean: number, sd: number): number;
  fork(label: string): Rng;
}

/** What every simulated part receives. */
export interface SimContext {
  sched: Scheduler;
  trace: Trace;
  power: PowerMeter;
  rng: Rng;
}

/** The MCU side of a UART as seen by the peripheral wired to it (e.g. a modem model). */
export interface UartLine {
  /** Send bytes from the peripheral to the MCU's RX (the UART applies baud-rate timing). */
  toMcu(bytes: Uint8Array): void;
}

/** A peripheral wired to a UART (modem model, transcript modem). */
export interface UartPeer {
  /** Called once when wired. */
  attach(line: UartLine): void;
  /** Bytes the MCU transmitted, delivered at the virtual time the last byte finished on the wire. */
  fromMcu(bytes: Uint8Array): void;
}

/** A device on an I2C bus (register-level model). */
export interface I2CDevice {
  readonly address: number;
  /** A write transaction (address already matched). `stop` false = repeated start follows. */
  write(bytes: Uint8Array, stop: boolean): void;
  /** A read transaction of n bytes. */
  read(n: number): Uint8Array;
}

/** A component that watches GPIO lines driven by the MCU (modem PWRKEY/RESET, LED). */
export interface PinListener {
  onPin(pin: string, level: 0 | 1): void;
}

/** A source of a physical quantity over virtual time (seeded generator or CSV replay). */
export interface ValueSource {
  /** Value at virtual time t (ms since simulation start). */
  at(t: number): number;
}
