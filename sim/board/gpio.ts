/**
 * GPIO: pins D0–D39 (ESP32; D0–D48 on ESP32-S3) with their mode, the level the MCU drives, and the level the outside world drives
 * (button, pulse counter, alarm contact, injected edges). `setWatch` semantics follow Espruino's
 * reference (https://www.espruino.com/Reference#l__global_setWatch): edge 'rising' | 'falling' | 'both',
 * `repeat`, `debounce` ms (an edge is reported once the pin has been stable for that long; Espruino's
 * default debounce for setWatch is 25 ms only when given, 0 otherwise here), and the event object
 * {state, time, lastTime}. On ESP32 setWatch forces the pull-up. Outputs notify `PinListener`s
 * (modem PWRKEY/RESET, LED) on every change.
 */
import type { PinListener, SimContext, TimerId } from '../core/types.ts';

export type PinMode = 'input' | 'input_pullup' | 'input_pulldown' | 'output' | 'opendrain' | 'analog' | 'auto' | 'af_output' | 'af_opendrain' | 'opendrain_pullup';

export interface WatchSpec {
  repeat: boolean;
  edge: 'rising' | 'falling' | 'both' | number;
  debounce?: number;
}

interface Watch extends WatchSpec {
  id: number;
  pin: string;
  lastTime: number;
  reported: 0 | 1;
  pending?: TimerId;
}

export interface WatchEvent {
  id: number;
  state: 0 | 1;
  /** Virtual ms of the edge. */
  time: number;
  lastTime: number;
}

export class SimGpio {
  private modes = new Map<string, PinMode>();
  private driven = new Map<string, 0 | 1>();
  private external = new Map<string, 0 | 1>();
  private listeners = new Map<string, PinListener[]>();
  private watches = new Map<number, Watch>();
  /** Board roles of pins ('led', 'button', 'pwrkey', ...), shown in trace events. */
  readonly roles = new Map<string, string>();
  /** Called for each watch event (the board forwards it to JS). */
  onWatch: (ev: WatchEvent) => void = () => {};
  /** Called when an externally driven level changes (deep-sleep ext0/ext1 wake-up uses it). */
  onExternalChange: (pin: string, level: 0 | 1) => void = () => {};

  /** Highest GPIO number of the chip: 39 on ESP32, 48 on ESP32-S3 (Espruino names them D0…). */
  readonly maxPin: number;

  constructor(
    private readonly ctx: SimContext,
    chip: 'ESP32' | 'ESP32-S3' = 'ESP32',
  ) {
    this.maxPin = chip === 'ESP32-S3' ? 48 : 39;
  }

  check(pin: string): string {
    const m = /^D(\d+)$/.exec(pin);
    if (!m || Number(m[1]) > this.maxPin) throw new Error(`no pin ${pin} on this board's MCU (D0–D${this.maxPin})`);
    return pin;
  }

  mode(pin: string, mode: PinMode): void {
    this.check(pin);
    this.modes.set(pin, mode);
    this.ctx.trace.emit('pin', { pin, mode });
  }

  getMode(pin: string): PinMode {
    return this.modes.get(pin) ?? 'input';
  }

  /** The MCU drives a pin (digitalWrite): switches it to output if its mode is 'auto'/unset. */
  write(pin: string, level: 0 | 1): void {
    this.check(pin);
    const m = this.modes.get(pin);
    if (!m || m === 'auto' || m === 'input' || m === 'input_pullup' || m === 'input_pulldown' || m === 'analog') this.modes.set(pin, 'output');
    const prev = this.driven.get(pin);
    this.driven.set(pin, level);
    if (prev === level) return;
    const role = this.roles.get(pin);
    this.ctx.trace.emit('pin', role ? { pin, level, by: 'mcu', role } : { pin, level, by: 'mcu' });
    for (const l of this.listeners.get(pin) ?? []) l.onPin(pin, level);
    for (const l of this.listeners.get('*') ?? []) l.onPin(pin, level);
  }

  /** Level the MCU drives on an output pin (undefined if never driven). */
  drivenLevel(pin: string): 0 | 1 | undefined {
    return this.driven.get(pin);
  }

  /** digitalRead: outputs read back their own level; inputs read the outside level or the pull. */
  read(pin: string): 0 | 1 {
    this.check(pin);
    const m = this.modes.get(pin);
    if (m === 'output') return this.driven.get(pin) ?? 0;
    const ext = this.external.get(pin);
    if (ext !== undefined) return ext;
    if (m === 'opendrain') return this.driven.get(pin) ?? 1;
    return m === 'input_pulldown' ? 0 : m === 'input_pullup' || this.hasWatch(pin) ? 1 : 0;
  }

  /** Outside world drives a pin now (button press, reed switch, alarm contact). */
  inject(pin: string, level: 0 | 1): void {
    this.check(pin);
    const before = this.read(pin);
    this.external.set(pin, level);
    const after = this.read(pin);
    const role = this.roles.get(pin);
    this.ctx.trace.emit('pin', role ? { pin, level, by: 'ext', role } : { pin, level, by: 'ext' });
    this.onExternalChange(pin, level);
    if (before === after) return;
    const now = this.ctx.sched.now();
    for (const w of [...this.watches.values()]) if (w.pin === pin) this.edge(w, after, now);
  }

  /** Outside world releases a pin (back to the pull resistor). */
  release(pin: string): void {
    const before = this.read(pin);
    this.external.delete(pin);
    const after = this.read(pin);
    if (before !== after) for (const w of [...this.watches.values()]) if (w.pin === pin) this.edge(w, after, this.ctx.sched.now());
  }

  /** Board wiring: the level a pin idles at (e.g. a button with a pull-up resistor), without an event. */
  wire(pin: string, level: 0 | 1): void {
    this.check(pin);
    this.external.set(pin, level);
  }

  externalLevel(pin: string): 0 | 1 | undefined {
    return this.external.get(pin);
  }

  addListener(pin: string | '*', l: PinListener): void {
    const arr = this.listeners.get(pin) ?? [];
    arr.push(l);
    this.listeners.set(pin, arr);
  }

  watch(id: number, pin: string, spec: WatchSpec): void {
    this.check(pin);
    const w: Watch = { ...spec, id, pin, lastTime: this.ctx.sched.now(), reported: 0 };
    this.watches.set(id, w);
    w.reported = this.read(pin); // after registering: setWatch forces the pull-up on ESP32
  }

  clearWatch(id: number): void {
    const w = this.watches.get(id);
    if (w?.pending !== undefined) this.ctx.sched.cancel(w.pending);
    this.watches.delete(id);
  }

  /** Drops every watch (the JS world that owned them ended). Pin levels and modes stay (hardware). */
  clearWatches(): void {
    for (const id of [...this.watches.keys()]) this.clearWatch(id);
  }

  /** At reset the ESP32's GPIO matrix returns pins to inputs; external levels (wiring) remain. */
  resetPins(): void {
    this.clearWatches();
    for (const [pin] of this.driven) {
      if (this.modes.get(pin) === 'output') {
        this.modes.set(pin, 'input');
      }
    }
    this.driven.clear();
  }

  private hasWatch(pin: string): boolean {
    for (const w of this.watches.values()) if (w.pin === pin) return true;
    return false;
  }

  private edge(w: Watch, level: 0 | 1, t: number): void {
    if (w.debounce && w.debounce > 0) {
      if (w.pending !== undefined) this.ctx.sched.cancel(w.pending);
      w.pending = this.ctx.sched.at(t + w.debounce, () => {
        w.pending = undefined;
        const now = this.read(w.pin);
        if (now !== level || now === w.reported) return;
        this.fire(w, level, t);
      }, 'debounce');
      return;
    }
    this.fire(w, level, t);
  }

  private fire(w: Watch, level: 0 | 1, t: number): void {
    w.reported = level;
    const want = w.edge === 'rising' || w.edge === 1 ? 1 : w.edge === 'falling' || w.edge === -1 ? 0 : -1;
    if (want !== -1 && want !== level) return;
    const lastTime = w.lastTime;
    w.lastTime = t;
    if (!w.repeat) this.watches.delete(w.id);
    this.onWatch({ id: w.id, state: level, time: t, lastTime });
  }
}
