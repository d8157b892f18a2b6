/**
 * SimBoard: one simulated board — MCU (a JS world per boot), its peripherals, Storage on flash, the
 * virtual clock, trace and energy meter. The ESP32 life cycle it implements:
 *
 *   powerOn ──bootMs──▶ boot sequence ──▶ awake (timers, watches, serial)  ──ESP32.deepSleep(us)──▶
 *   deep sleep (RAM lost, RTC timer / ext0 / ext1 armed) ──wake──▶ boot sequence (wakeupCause 4/2/3) …
 *
 * Boot sequence (Espruino src/jswrap_espruino.c / jsinteractive.c, espruino.md "Boot order"):
 * `.varimg` → `.bootPowerOn` (power-on only) → `.boot0`..`.boot3` → `.bootrst` or `.bootcde` →
 * `E.on('init')` handlers → `onInit()`. In the simulator `.varimg` holds the source the REPL
 * evaluated before save() (QuickJS cannot snapshot its heap the way Espruino does).
 *
 * Power loss (a PowerLossError from flash): the JS world ends at once, every component goes 'off',
 * and the board powers on again after `powerLossRebootMs` (RTC lost: the clock restarts at 0).
 */
import type { Board } from '../../boards/schema.ts';
import type { SimContext } from '../core/types.ts';
import { VirtualScheduler } from '../core/scheduler.ts';
import { TraceRecorder, escapeBytes, type TraceOptions } from '../core/trace.ts';
import { EnergyMeter, OFF } from '../core/energy.ts';
import { createRng, Sfc32 } from '../core/rng.ts';
import { SimFlash } from '../storage/flash.ts';
import { EspruinoStorage } from '../storage/storage.ts';
import type { StorageFile } from '../storage/storage-file.ts';
import { Engine } from '../engine/engine.ts';
import { DEFAULT_COST, type CostModel } from '../engine/cost.ts';
import { JsWorld, type FirmwareError, type LoadedSource } from '../engine/world.ts';
import { BundleSourceMap } from '../engine/sourcemap.ts';
import { SimUart } from './uart.ts';
import { SimI2CBus } from './i2c.ts';
import { SimGpio } from './gpio.ts';
import { handleSys } from './sys-ops.ts';

export type WakeCause = 'powerOn' | 'timer' | 'ext0' | 'ext1' | 'reset' | 'powerLoss';

/** ESP32.getWakeupCause() values (esp_sleep_wakeup_cause_t, ESP-IDF esp_sleep.h). */
const WAKE_CODES: Record<WakeCause, number> = { powerOn: 0, reset: 0, powerLoss: 0, ext0: 2, ext1: 3, timer: 4 };

export interface BootRecord {
  t: number;
  cause: WakeCause;
}

export interface SimBoardOptions {
  board: Board;
  seed?: number;
  /** Trace: false/undefined = none, true = in memory, a path = JSONL file; or TraceOptions. */
  trace?: boolean | string | TraceOptions;
  cost?: Partial<CostModel>;
  /** What getTime() does across deep sleep (the reference says unknown): default 'continues'. */
  clockAfterDeepSleep?: 'continues' | 'resets';
  /** Wall-clock time (ms since 1970) at simulation start, as getTime()/Date see it. Default 0 (Espruino's RTC at power-on). */
  startTime?: number;
  /** Flash to continue from (a previous run's Storage). */
  flash?: SimFlash;
  /** Delay from a power loss to the next power-on (ms). Default 1000. */
  powerLossRebootMs?: number;
  /** MCU power state while awake. Default: 'active' if the board lists it, else 'active240'. */
  mcuActiveState?: string;
  onConsole?: (text: string) => void;
  /** Restore each boot's fresh context from a memory snapshot (default true; see sim/engine/engine.ts). */
  snapshot?: boolean;
}

export class SimBoard {
  readonly board: Board;
  readonly sched: VirtualScheduler;
  readonly trace: TraceRecorder;
  readonly energy: EnergyMeter;
  readonly rng: Sfc32;
  readonly ctx: SimContext;
  readonly flash: SimFlash;
  storage: EspruinoStorage;
  readonly gpio: SimGpio;
  readonly uarts = new Map<string, SimUart>();
  readonly i2c = new Map<string, SimI2CBus>();
  /** ADC inputs by pin: value 0..1 of full scale at virtual time t. */
  readonly adc = new Map<string, { name: string; read(t: number): number }>();
  readonly attenuation = new Map<string, number>();
  readonly cost: CostModel;
  world: JsWorld | undefined;
  state: 'off' | 'booting' | 'awake' | 'deepSleep' = 'off';
  wakeupCause = 0;
  readonly boots: BootRecord[] = [];
  readonly errors: FirmwareError[] = [];
  echo = true;
  consoleDevice = 'Serial1';
  readonly radios = { wifi: false, ble: false };
  readonly serialListening = new Map<string, boolean>();
  readonly openFiles = new Map<number, StorageFile>();
  nextFileId = 1;
  mathRandom: Sfc32;
  readonly hwRandom: Sfc32;
  /** Source of files evaluated in the JS world (for error positions). */
  readonly sources = new Map<string, LoadedSource>();
  private consoleText: string[] = [];
  private consoleListeners: ((text: string) => void)[] = [];
  private consoleInput: ((bytes: Uint8Array) => void) | undefined;
  private rxBuffers = new Map<string, Uint8Array>();
  private wallOffset: number;
  private readonly clockAfterDeepSleep: 'continues' | 'resets';
  private readonly powerLossRebootMs: number;
  private readonly mcuActive: string;
  private pendingWake: number | undefined;
  private extWake: { pins: string[]; level: number; kind: 'ext0' | 'ext1' } | undefined;
  /** REPL lines evaluated since this JS world started (after the replayed `.varimg`), for save(). */
  private replSource: string[] = [];
  private replControl = false;
  private jsStartListeners: ((start: { cause: WakeCause | 'load' | 'resetJs'; file?: string }) => void)[] = [];
  private replLine = '';
  private stopAtSleep = false;
  private remountNeeded = false;

  /** The board's QuickJS engine (one WebAssembly instance, runtime and context). */
  engine!: Engine;

  private constructor(opts: SimBoardOptions) {
    this.board = opts.board;
    this.sched = new VirtualScheduler();
    const t = opts.trace;
    const topts: TraceOptions = t === true ? { memory: true } : typeof t === 'string' ? { file: t, memory: false } : t && typeof t === 'object' ? t : { memory: false };
    this.trace = new TraceRecorder(this.sched, topts);
    this.energy = new EnergyMeter(this.board, this.sched, (component, state, mA) => this.trace.emit('power', { component, state, mA }));
    this.rng = createRng(opts.seed ?? 1);
    this.ctx = { sched: this.sched, trace: this.trace, power: this.energy, rng: this.rng };
    this.cost = { ...DEFAULT_COST, ...opts.cost };
    this.clockAfterDeepSleep = opts.clockAfterDeepSleep ?? 'continues';
    this.powerLossRebootMs = opts.powerLossRebootMs ?? 1000;
    this.wallOffset = opts.startTime ?? 0;
    this.mathRandom = this.rng.fork('Math.random');
    this.hwRandom = this.rng.fork('E.hwRand');
    const mcu = this.board.power.mcu ?? {};
    this.mcuActive = opts.mcuActiveState ?? ('active' in mcu ? 'active' : 'active240' in mcu ? 'active240' : Object.keys(mcu).find((k) => k.startsWith('active')) ?? 'active');
    const st = this.board.mcu.storage;
    this.flash = opts.flash ?? new SimFlash({ bytes: st.bytes, pageBytes: st.pageBytes, trace: this.trace, clock: this.sched });
    this.storage = new EspruinoStorage(this.flash);
    this.gpio = new SimGpio(this.ctx, this.board.mcu.chip);
    this.gpio.onWatch = (ev) => {
      const w = this.world;
      if (!w) return;
      w.schedule(this.sched.now(), () => w.dispatch('watch', ev.id, ev.state, this.wallTime(ev.time) / 1000, this.wallTime(ev.lastTime) / 1000), 'watch');
    };
    this.gpio.onExternalChange = (pin, level) => this.checkExtWake(pin, level);
    // Buttons, reed switches and alarm contacts switch to GND against a pull-up resistor (the DevKitC's
    // BOOT button on GPIO0 has one): they idle high.
    for (const role of ['button', 'pulse', 'alarm'] as const) {
      const pin = this.board.gpio[role];
      if (pin) this.gpio.wire(pin, 1);
    }
    for (const [role, pin] of Object.entries(this.board.gpio)) if (pin) this.gpio.roles.set(pin, role);
    const m = this.board.modem;
    if (m?.pwrkey) this.gpio.roles.set(m.pwrkey.pin, 'modem.pwrkey');
    if (m?.reset) this.gpio.roles.set(m.reset.pin, 'modem.reset');
    if (m?.wake) this.gpio.roles.set(m.wake.pin, 'modem.wake');
    for (const name of ['Serial1', 'Serial2', 'Serial3']) {
      const def = this.board.console.serial === name ? this.board.console : this.board.modem?.uart.serial === name ? this.board.modem.uart : undefined;
      const u = new SimUart(name, this.ctx, { baud: def?.baud ?? 9600, tx: def?.tx, rx: def?.rx });
      u.onReceive = (bytes) => this.serialReceived(name, bytes);
      this.uarts.set(name, u);
    }
    for (const name of ['I2C1', 'I2C2']) this.i2c.set(name, new SimI2CBus(name, this.ctx));
    if (opts.onConsole) this.consoleListeners.push(opts.onConsole);
  }

  static async create(opts: SimBoardOptions): Promise<SimBoard> {
    const b = new SimBoard(opts);
    b.engine = await Engine.create({
      snapshot: opts.snapshot,
      stackLimitBytes: b.board.mcu.stackLimitBytes,
      onInterrupt: () => (b.world ? b.world.onPoll() : false),
    });
    return b;
  }

  // ------------------------------------------------------------------ running

  now(): number {
    return this.sched.now();
  }

  runUntil(t: number): void {
    this.sched.runUntil(t);
  }

  runFor(ms: number): void {
    this.sched.runUntil(this.sched.now() + ms);
  }

  /** Runs until the MCU next enters deep sleep (or `limitMs` of virtual time passes). Returns true if it slept. */
  runUntilSleep(limitMs = 86_400_000): boolean {
    this.stopAtSleep = true;
    const end = this.sched.now() + limitMs;
    this.sched.runUntil(end);
    this.stopAtSleep = false;
    return this.state === 'deepSleep';
  }

  /** Frees the QuickJS runtime. The board cannot run afterwards. */
  dispose(): void {
    this.world?.dispose();
    this.world = undefined;
    this.engine.dispose();
    this.trace.close();
  }

  // ------------------------------------------------------------------ code

  /** Registers source for error positions (bundle + its source map). */
  addSource(filename: string, code: string, map?: BundleSourceMap): void {
    this.sources.set(filename, { lines: code.split('\n'), map });
  }

  /** Installs code as `.bootcde` in Storage, as flashing the app does. */
  installBootCode(code: string, filename = '.bootcde', map?: BundleSourceMap): void {
    const bytes = new Uint8Array(Buffer.from(code, 'utf8'));
    this.storage.write('.bootcde', bytes);
    this.addSource(filename, Buffer.from(bytes).toString('latin1'), map);
    this.bootFileNames.set('.bootcde', filename);
  }

  /** Filename QuickJS reports for a Storage boot file (so positions resolve through the right map). */
  private bootFileNames = new Map<string, string>();

  // ------------------------------------------------------------------ power

  /** Applies power: the ESP32 boots (after cost.bootMs) and runs the boot sequence. */
  powerOn(): void {
    if (this.state !== 'off') throw new Error('powerOn: the board is already powered');
    this.boot('powerOn');
  }

  private boot(cause: WakeCause): void {
    this.state = 'booting';
    this.wakeupCause = WAKE_CODES[cause];
    this.boots.push({ t: this.sched.now(), cause });
    this.trace.emit('boot', { cause, wakeupCause: this.wakeupCause });
    this.energy.state('mcu', this.mcuActive);
    if (this.board.power.board) this.energy.state('board', 'on' in this.board.power.board ? 'on' : Object.keys(this.board.power.board)[0]);
    this.sched.after(this.cost.bootMs, () => this.startWorld(cause), 'boot');
  }

  private newWorld(): JsWorld {
    this.world?.dispose();
    this.openFiles.clear();
    this.serialListening.clear();
    this.rxBuffers.clear();
    this.gpio.clearWatches();
    const w = new JsWorld(this.engine, this.ctx, {
      sys: (op, args) => handleSys(this, op, args),
      consoleOut: (text) => this.consoleOut(text),
      firmwareError: (e) => {
        this.errors.push(e);
        this.trace.emit('error', { ...e });
      },
    }, {
      memoryLimitBytes: this.board.mcu.memoryLimitBytes,
      stackLimitBytes: this.board.mcu.stackLimitBytes,
      cost: this.cost,
      sources: this.sources,
    });
    this.world = w;
    this.state = 'awake';
    return w;
  }

  private runFile(w: JsWorld, name: string): boolean {
    const b = this.storage.readBytes(name);
    if (b === undefined) return false;
    const filename = this.bootFileNames.get(name) ?? name;
    const text = Buffer.from(b).toString('latin1');
    if (!this.sources.has(filename)) this.addSource(filename, text);
    w.evaluate(text, filename);
    return true;
  }

  /** The boot sequence in a fresh JS world. `only`: run just that file (load(file)); `resetOnly`: reset(). */
  private startWorld(cause: WakeCause | 'load' | 'resetJs', only?: string): void {
    // Espruino mounts Storage at every boot. The mounted state is a pure function of the flash
    // contents, which only change while the MCU runs, so remounting is needed only after a power loss
    // (where mount also repairs interrupted writes) or when the flash was handed in from outside.
    if (this.remountNeeded) {
      this.storage = new EspruinoStorage(this.flash);
      this.remountNeeded = false;
    }
    const w = this.newWorld();
    this.trace.emit('js', only !== undefined ? { start: cause, file: only } : { start: cause });
    for (const l of this.jsStartListeners) l(only !== undefined ? { cause, file: only } : { cause });
    const seq: string[] = [];
    if (only !== undefined) seq.push(only);
    else if (cause === 'resetJs') seq.push('.bootrst');
    else {
      seq.push('.varimg');
      if (cause === 'powerOn' || cause === 'powerLoss') seq.push('.bootPowerOn');
      seq.push('.boot0', '.boot1', '.boot2', '.boot3');
      seq.push(this.storage.readBytes('.bootrst') !== undefined ? '.bootrst' : '.bootcde');
    }
    const varimg = seq.includes('.varimg') ? this.storage.readBytes('.varimg') : undefined;
    this.replSource = varimg && varimg.length ? [Buffer.from(varimg).toString('latin1')] : [];
    for (const f of seq) {
      if (w.halted) return;
      this.runFile(w, f);
    }
    if (!w.halted) w.dispatch('init');
  }

  /** ESP32.deepSleep(us): validated like the C int argument it is on the device. */
  deepSleep(us: number): void {
    const max = this.board.mcu.maxDeepSleepUs;
    if (!Number.isFinite(us) || us > max) {
      const e = new Error(
        `ESP32.deepSleep(${us}): the argument is a C int on the device; ${us} µs exceeds ${max} µs (${(max / 60e6).toFixed(1)} min) and would overflow. Sleep in steps (store progress in Storage).`,
      );
      e.name = 'SleepArgumentError';
      throw e;
    }
    this.enterSleep(us > 0 ? us / 1000 : undefined, undefined);
  }

  deepSleepExt(pins: string[], level: number, kind: 'ext0' | 'ext1'): void {
    for (const p of pins) this.gpio.check(p);
    this.enterSleep(undefined, { pins, level, kind });
  }

  private enterSleep(ms: number | undefined, ext: SimBoard['extWake']): void {
    const w = this.world!;
    const at = w.now();
    w.halt();
    this.sched.at(at, () => {
      this.world?.dispose();
      this.world = undefined;
      this.gpio.resetPins();
      this.state = 'deepSleep';
      this.trace.emit('sleep', { ms: ms ?? null, ext: ext ? ext.pins : undefined });
      this.energy.state('mcu', 'deepSleep');
      if (ms !== undefined) this.pendingWake = this.sched.at(this.sched.now() + ms, () => this.wake('timer'), 'wake');
      this.extWake = ext;
      if (ext) for (const p of ext.pins) this.checkExtWake(p, this.gpio.read(p));
      if (this.stopAtSleep) this.sched.stop();
    }, 'sleep');
  }

  private checkExtWake(pin: string, level: number): void {
    const e = this.extWake;
    if (this.state !== 'deepSleep' || !e || !e.pins.includes(pin)) return;
    // ext0: wake when the pin is at `level`; ext1 mode 0 = all low, mode 1 = any high (ESP-IDF esp_sleep.h).
    const hit = e.kind === 'ext0' ? level === e.level : e.level === 1 ? e.pins.some((p) => this.gpio.read(p) === 1) : e.pins.every((p) => this.gpio.read(p) === 0);
    if (hit) this.sched.at(this.sched.now(), () => this.wake(e.kind), 'wake');
  }

  private wake(cause: 'timer' | 'ext0' | 'ext1'): void {
    if (this.state !== 'deepSleep') return;
    if (this.pendingWake !== undefined) this.sched.cancel(this.pendingWake);
    this.pendingWake = undefined;
    this.extWake = undefined;
    if (this.clockAfterDeepSleep === 'resets') this.wallOffset = -this.sched.now();
    this.boot(cause);
  }

  /** E.reboot() / ESP32.reboot(): a software reset (wakeup cause 0, Storage kept). */
  softReboot(): void {
    this.replControl = true;
    const w = this.world!;
    const at = w.now();
    w.halt();
    this.sched.at(at, () => {
      this.world?.dispose();
      this.world = undefined;
      this.gpio.resetPins();
      this.boot('reset');
    }, 'reboot');
  }

  /** The supply fails now (PowerLossError from flash, or injected by a test). */
  powerLoss(reason: string): void {
    this.world?.halt();
    this.trace.emit('powerLoss', { reason });
    this.sched.at(this.sched.now(), () => {
      this.world?.dispose();
      this.world = undefined;
      this.state = 'off';
      if (this.pendingWake !== undefined) this.sched.cancel(this.pendingWake);
      this.pendingWake = undefined;
      this.extWake = undefined;
      this.gpio.resetPins();
      for (const c of Object.keys(this.board.power)) if (this.energy.stateOf(c) !== undefined) this.energy.state(c, OFF);
      this.remountNeeded = true;
      this.sched.after(this.powerLossRebootMs, () => {
        this.wallOffset = -this.sched.now(); // RTC lost power
        this.boot('powerLoss');
      }, 'powerOn');
    }, 'powerLoss');
  }

  /** load(file?): soft restart of the JS world (no hardware reset), then the boot sequence or that file. */
  load(file?: string): void {
    this.replControl = true;
    const w = this.world!;
    w.halt();
    this.sched.at(w.now(), () => this.startWorld('load', file), 'load');
  }

  /** reset(): clears the JS world; only `.bootrst` runs. reset(true) also erases Storage. */
  resetJs(clearFlash: boolean): void {
    this.replControl = true;
    const w = this.world!;
    w.halt();
    this.sched.at(w.now(), () => {
      if (clearFlash) this.storage.eraseAll();
      this.startWorld('resetJs');
    }, 'reset');
  }

  /** save(): stores what the REPL evaluated as `.varimg`, replayed at the next boot. */
  save(): void {
    this.replControl = true;
    this.storage.write('.varimg', new Uint8Array(Buffer.from(this.replSource.join('\n'), 'latin1')));
  }

  // ------------------------------------------------------------------ clock / random

  wallTime(virtualMs: number): number {
    return this.wallOffset + virtualMs;
  }

  setWallTime(wallMs: number, virtualMs: number): void {
    this.wallOffset = wallMs - virtualMs;
  }

  srand(seed: number): void {
    this.mathRandom = new Sfc32(seed >>> 0);
  }

  processEnv(): Record<string, unknown> {
    const e = this.board.mcu.espruino;
    return {
      VERSION: e.version,
      GIT_COMMIT: 'sim',
      BOARD: e.board,
      RAM: 520 * 1024,
      FLASH: 4 * 1024 * 1024,
      STORAGE: this.board.mcu.storage.bytes,
      SERIAL: 'sim-' + this.board.id,
      CONSOLE: this.consoleDevice,
      MODULES: 'Storage,crypto',
      EXPTR: 0,
    };
  }

  processMemory(): { free: number; usage: number; total: number; history: number; gc: number; gctime: number; blocksize: number } {
    const w = this.world!;
    const bs = this.board.mcu.jsVarBytes;
    const total = this.board.mcu.jsVars;
    const used = Math.max(0, w.memoryUsedBytes() - w.baselineBytes);
    const usage = Math.min(total, Math.ceil(used / bs));
    return { free: total - usage, usage, total, history: 0, gc: 0, gctime: 0, blocksize: bs };
  }

  // ------------------------------------------------------------------ GPIO / ADC

  digitalPulse(pin: string, level: 0 | 1, ms: number): void {
    const w = this.world!;
    const start = Math.max(w.now(), this.pulseFreeAt.get(pin) ?? 0);
    const end = start + Math.max(0, ms);
    this.pulseFreeAt.set(pin, end);
    this.sched.at(start, () => this.gpio.write(pin, level), 'pulse');
    this.sched.at(end, () => this.gpio.write(pin, level ? 0 : 1), 'pulse');
  }
  private pulseFreeAt = new Map<string, number>();

  analogRead(pin: string, t: number): number {
    const a = this.adc.get(pin);
    const n = Number(pin.slice(1));
    if (!(n >= 32 && n <= 39)) throw new Error(`analogRead(${pin}): only ADC1 pins D32–D39 can be read on ESP32 (ADC2 is used by Wi-Fi)`);
    if (!a) return 0;
    const v = Math.min(1, Math.max(0, a.read(t)));
    if (this.trace.enabled) this.trace.emit('adc', { pin, name: a.name, value: Math.round(v * 1e6) / 1e6 });
    return v;
  }

  // ------------------------------------------------------------------ serial / console

  uart(name: string): SimUart {
    const u = this.uarts.get(name);
    if (!u) throw new Error(`no UART ${name} (Serial1, Serial2, Serial3)`);
    return u;
  }

  i2cBus(name: string): SimI2CBus {
    const b = this.i2c.get(name);
    if (!b) throw new Error(`no I2C bus ${name} (I2C1, I2C2)`);
    return b;
  }

  serialSetup(name: string, baud: number, o: Record<string, unknown>): void {
    const u = this.uart(name);
    u.configure({ baud, bytesize: o.bytesize as number | undefined, parity: o.parity as 'none' | undefined, stopbits: o.stopbits as number | undefined, tx: o.tx as string | undefined, rx: o.rx as string | undefined });
    this.trace.emit('uart', { port: name, setup: baud });
  }

  serialWrite(name: string, bytes: Uint8Array, now: number): void {
    if (name === this.consoleDevice) {
      this.emitConsole(Buffer.from(bytes).toString('latin1'));
      return;
    }
    this.uart(name).mcuWrite(bytes, now);
  }

  rxBuffer(name: string): Uint8Array {
    return this.rxBuffers.get(name) ?? new Uint8Array(0);
  }

  serialRead(name: string, n: number): Uint8Array {
    const b = this.rxBuffer(name);
    const k = n < 0 ? b.length : Math.min(n, b.length);
    this.rxBuffers.set(name, b.slice(k));
    return b.slice(0, k);
  }

  /** Bytes arrived on a UART's RX: to the firmware's on('data'), or its input buffer. */
  serialDeliver(name: string, bytes: Uint8Array): void {
    const w = this.world;
    if (!w || w.halted) return; // MCU asleep or off: the UART is unpowered and the bytes are lost
    if (this.serialListening.get(name)) {
      w.schedule(this.sched.now(), () => w.dispatch('serial', name, bytes), 'serial');
    } else {
      const old = this.rxBuffer(name);
      const nb = new Uint8Array(old.length + bytes.length);
      nb.set(old);
      nb.set(bytes, old.length);
      this.rxBuffers.set(name, nb);
    }
  }

  private serialReceived(name: string, bytes: Uint8Array): void {
    if (name === this.consoleDevice) this.consoleWrite(bytes);
    else this.serialDeliver(name, bytes);
  }

  setConsole(dev: string): void {
    this.consoleDevice = dev;
    this.trace.emit('console', { device: dev });
  }

  /** Output of print/console.log/errors. Espruino writes "\r\n" for "\n" on the console. */
  private consoleOut(text: string): void {
    this.emitConsole(text.replace(/\r?\n/g, '\r\n'));
  }

  private emitConsole(text: string): void {
    if (this.consoleDevice !== 'Serial1' && this.consoleDevice !== 'null' && this.uarts.has(this.consoleDevice)) {
      this.uart(this.consoleDevice).mcuWrite(new Uint8Array(Buffer.from(text, 'latin1')));
    }
    this.consoleText.push(text);
    if (this.trace.enabled) this.trace.emit('console', { text: escapeBytes(text) });
    for (const l of this.consoleListeners) l(text);
  }

  /** Everything written to the console so far. */
  get consoleOutput(): string {
    return this.consoleText.join('');
  }

  /**
   * Called each time a fresh JS world starts, before any boot file runs: after power-on, a wake-up,
   * E.reboot() ('reset'), a power loss, load() ('load', with the file if one was named) or reset()
   * ('resetJs').
   */
  onJsStart(cb: (start: { cause: WakeCause | 'load' | 'resetJs'; file?: string }) => void): void {
    this.jsStartListeners.push(cb);
  }

  onConsoleOutput(cb: (text: string) => void): void {
    this.consoleListeners.push(cb);
  }

  /**
   * Types bytes into the console (Serial1 RX). While the console is on Serial1 they go to the console
   * input handler (a line REPL by default; replace it with setConsoleInputHandler); after
   * E.setConsole elsewhere / Serial1.setConsole on another device they reach the firmware's
   * Serial1.on('data').
   */
  consoleWrite(bytes: Uint8Array | string): void {
    const b = typeof bytes === 'string' ? new Uint8Array(Buffer.from(bytes, 'latin1')) : bytes;
    this.trace.emit('uart', { port: 'Serial1', dir: 'rx', data: escapeBytes(b) });
    if (this.consoleDevice === 'Serial1') (this.consoleInput ?? ((x) => this.lineRepl(x)))(b);
    else this.serialDeliver('Serial1', b);
  }

  setConsoleInputHandler(fn: ((bytes: Uint8Array) => void) | undefined): void {
    this.consoleInput = fn;
  }

  /** Evaluates code in the running JS world as the REPL does; returns the `=value` text, undefined on error. */
  evalInContext(code: string): string | undefined {
    const w = this.world;
    if (!w || w.halted) throw new Error(`evalInContext: the MCU is ${this.state === 'deepSleep' ? 'in deep sleep' : this.state}; no JS is running`);
    if (!this.sources.has('REPL')) this.addSource('REPL', '');
    this.replControl = false;
    const v = w.evalForRepl(code);
    // Lines that define state are what save() stores; lines that called save/load/reset/reboot are not.
    if (!this.replControl) this.replSource.push(code);
    return v;
  }

  /** Minimal REPL: one line at a time, echo, `=value`, prompt (Espruino console conventions). */
  private lineRepl(bytes: Uint8Array): void {
    for (const c of Buffer.from(bytes).toString('latin1')) {
      if (c === '\r' || c === '\n') {
        const line = this.replLine;
        this.replLine = '';
        if (this.echo) this.emitConsole('\r\n');
        if (line.trim() && this.world && !this.world.halted) {
          const v = this.evalInContext(line);
          if (v !== undefined && this.echo) this.emitConsole(`=${v}\r\n`);
        }
        if (this.echo) this.emitConsole('>');
      } else if (c === '\x03') {
        this.replLine = '';
      } else {
        this.replLine += c;
        if (this.echo) this.emitConsole(c);
      }
    }
  }

  // ------------------------------------------------------------------ storage files

  file(id: number): StorageFile {
    const f = this.openFiles.get(id);
    if (!f) throw new Error('StorageFile is closed');
    return f;
  }
}
