/**
 * One JS world = one QuickJS context = the RAM of one boot. Created at power-on / wake-up, disposed
 * at deep sleep, reboot or power loss (everything in RAM is gone, as on the ESP32). It installs the
 * Espruino API (prelude.ts), marshals `__sys` calls to the host (the SimBoard), runs timers in
 * virtual time, charges execution cost (cost.ts) and turns uncaught errors into Espruino-style
 * console output plus structured FirmwareErrors with TypeScript positions.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { Engine } from './engine.ts';
import type { SimContext, TimerId } from '../core/types.ts';
import type { CostModel } from './cost.ts';
import { PRELUDE, PRELUDE_CHUNKS, PRELUDE_FILENAME } from './prelude.ts';
import { formatPosition, parseStack, type BundleSourceMap, type SourcePosition } from './sourcemap.ts';

export interface FirmwareError {
  /** Virtual time (ms). */
  t: number;
  kind: 'uncaught' | 'outOfMemory' | 'stackOverflow' | 'watchdog' | 'sleepArgument' | 'boot';
  name: string;
  message: string;
  /** Position in the bundle ("bundle.js:3:9"). */
  bundlePosition?: string;
  /** Position in the firmware's TypeScript source via the source map ("firmware/apps/x/main.ts:12:7"). */
  position?: string;
  /** Resolved stack, innermost first. */
  stack: string[];
}

/** Source text (and map) of code evaluated in the world, by filename — used to report positions. */
export interface LoadedSource {
  lines: string[];
  map?: BundleSourceMap;
}

export interface WorldHost {
  /** An API call from the sandbox. Throw an Error (its name is kept) to raise it in the sandbox. */
  sys(op: string, args: unknown[]): unknown;
  consoleOut(text: string): void;
  firmwareError(err: FirmwareError): void;
}

export interface WorldOptions {
  memoryLimitBytes: number;
  stackLimitBytes: number;
  cost: CostModel;
  sources: Map<string, LoadedSource>;
}



/** Ops the world itself answers; everything else goes to the host. */
const WORLD_OPS = new Set(['timer', 'clearTimer', 'changeInterval', 'print']);

export class JsWorld {
  get ctx(): QuickJSContext {
    return this.engine.ctx!;
  }
  halted = false;
  disposed = false;
  /** Memory the engine itself uses after the API is installed (not counted against the firmware). */
  readonly baselineBytes: number;
  private dispatchFn: QuickJSHandle | undefined;
  private timers = new Map<number, { ev: TimerId; ms: number; rep: boolean; next: number }>();
  private running = 0;
  /** Virtual cost charged to the run in progress (ms). */
  private busyMs = 0;
  /** The MCU is busy with JS until this virtual time; events wait for it. */
  busyUntil = 0;
  private watchdogTripped = false;
  /** Interrupt polls observed (statistics). */
  polls = 0;

  constructor(
    private readonly engine: Engine,
    private readonly sim: SimContext,
    private readonly host: WorldHost,
    private readonly opts: WorldOptions,
  ) {
    engine.target = (op, hs) => this.onSys(op, hs);
    engine.freshContext(PRELUDE, PRELUDE_FILENAME, PRELUDE_CHUNKS);
    engine.markUsed();
    this.dispatchFn = engine.dispatchFn;
    this.baselineBytes = engine.baselineBytes;
    engine.rt.setMemoryLimit(this.baselineBytes + opts.memoryLimitBytes);
  }

  memoryUsedBytes(): number {
    return this.engine.memoryUsedBytes();
  }

  /** Virtual time as the firmware sees it: the event's time plus the cost of the run so far. */
  now(): number {
    return this.sim.sched.now() + (this.running ? this.busyMs : 0);
  }

  /** Called by the runtime's interrupt handler. Returns true to stop the JS that is running. */
  onPoll(): boolean {
    if (this.halted || this.disposed) return true;
    this.polls++;
    this.busyMs += this.opts.cost.pollMs;
    if (this.busyMs > this.opts.cost.maxCallbackMs) {
      this.watchdogTripped = true;
      return true;
    }
    return false;
  }

  /** Schedules fn at virtual time t, but never while the MCU is still busy with earlier JS. */
  schedule(t: number, fn: () => void, label?: string): TimerId {
    const run = (): void => {
      if (this.disposed || this.halted) return;
      if (this.sim.sched.now() < this.busyUntil) {
        this.sim.sched.at(this.busyUntil, run, label);
        return;
      }
      fn();
    };
    return this.sim.sched.at(t, run, label);
  }

  /** Evaluates code at global scope (boot code from Storage). */
  evaluate(code: string, filename: string): void {
    this.run(() => this.ctx.evalCode(code, filename), false);
  }

  /** Calls the sandbox's dispatcher (timers, watches, serial data, init). */
  dispatch(kind: string, ...args: unknown[]): void {
    if (!this.dispatchFn || this.disposed || this.halted) return;
    const fn = this.dispatchFn;
    this.run(() => {
      const hs = [this.ctx.newString(kind), ...args.map((a) => this.toHandle(a))];
      const r = this.ctx.callFunction(fn, this.ctx.undefined, ...hs);
      for (const h of hs) if (h.alive) h.dispose();
      return r;
    }, false);
  }

  /** REPL: evaluates `code` with indirect eval and returns Espruino's `=value` text (without '='). */
  evalForRepl(code: string): string | undefined {
    if (!this.dispatchFn || this.disposed || this.halted) return undefined;
    const fn = this.dispatchFn;
    return this.run(() => {
      const k = this.ctx.newString('eval');
      const c = this.ctx.newString(code);
      const r = this.ctx.callFunction(fn, this.ctx.undefined, k, c);
      k.dispose();
      c.dispose();
      return r;
    }, true);
  }

  private run(call: () => { error?: QuickJSHandle; value?: QuickJSHandle }, format: boolean): string | undefined {
    if (this.disposed || this.halted) return undefined;
    const outer = this.running === 0;
    if (outer) {
      this.busyMs = this.opts.cost.callbackMs;
      this.watchdogTripped = false;
    }
    this.running++;
    let out: string | undefined;
    try {
      const r = call() as { error?: QuickJSHandle; value?: QuickJSHandle };
      if (r.error) {
        this.handleError(r.error);
        r.error.dispose();
      } else if (r.value) {
        if (format && !this.halted) out = this.format(r.value);
        r.value.dispose();
      }
      if (outer) this.runJobs();
    } finally {
      this.running--;
      if (outer) this.busyUntil = Math.max(this.busyUntil, this.sim.sched.now() + this.busyMs);
    }
    return out;
  }

  private format(v: QuickJSHandle): string | undefined {
    if (!this.dispatchFn) return undefined;
    const k = this.ctx.newString('format');
    const r = this.ctx.callFunction(this.dispatchFn, this.ctx.undefined, k, v);
    k.dispose();
    if (r.error) {
      r.error.dispose();
      return undefined;
    }
    const s = this.ctx.typeof(r.value) === 'string' ? this.ctx.getString(r.value) : undefined;
    r.value.dispose();
    return s;
  }

  /** Promise jobs run after each callback (Espruino runs microtasks before timers). */
  private runJobs(): void {
    for (let guard = 0; guard < 1000 && !this.halted && !this.disposed; guard++) {
      if (!this.engine.rt.hasPendingJob()) return;
      const r = this.engine.rt.executePendingJobs();
      if (r.error) {
        this.handleError(r.error);
        r.error.dispose();
      } else r.value;
    }
  }

  private handleError(h: QuickJSHandle): void {
    if (this.halted || this.disposed) return; // interrupted because the world ended (deep sleep, reboot)
    const e = this.ctx.dump(h) as unknown;
    const t = this.now();
    let name = 'Error';
    let message: string;
    let stack: string | undefined;
    if (e && typeof e === 'object' && 'message' in e) {
      const o = e as { name?: string; message?: string; stack?: string };
      name = o.name ?? 'Error';
      message = String(o.message ?? '');
      stack = o.stack;
    } else {
      name = '';
      message = JSON.stringify(e) ?? String(e);
    }
    let kind: FirmwareError['kind'] = 'uncaught';
    if (this.watchdogTripped && name === 'InternalError' && message === 'interrupted') {
      kind = 'watchdog';
      message = `a callback ran longer than ${this.opts.cost.maxCallbackMs} ms of virtual CPU time and was stopped`;
    } else if (name === 'InternalError' && message === 'out of memory') kind = 'outOfMemory';
    else if (name === 'InternalError' && /stack overflow/.test(message)) kind = 'stackOverflow';
    else if (name === 'SleepArgumentError') kind = 'sleepArgument';
    const frames = parseStack(stack).filter((f) => f.file !== PRELUDE_FILENAME);
    const resolved = frames.map((f) => {
      const src = this.opts.sources.get(f.file);
      const ts = src?.map?.resolve(f.line, f.column);
      return { f, ts };
    });
    const top = resolved[0];
    const err: FirmwareError = {
      t,
      kind,
      name: kind === 'sleepArgument' ? 'Error' : name,
      message,
      bundlePosition: top ? `${top.f.file}:${top.f.line}:${top.f.column}` : undefined,
      position: top?.ts ? formatPosition(top.ts) : top ? `${top.f.file}:${top.f.line}:${top.f.column}` : undefined,
      stack: resolved.map((r) => `${r.f.fn} (${r.ts ? formatPosition(r.ts) : `${r.f.file}:${r.f.line}:${r.f.column}`})`),
    };
    this.host.consoleOut(this.espruinoMessage(err, top?.f, top?.ts));
    this.host.firmwareError(err);
  }

  /** Espruino's console form (src/jsinteractive.c jsiCheckErrors / jsvTrace of the exception). */
  private espruinoMessage(err: FirmwareError, f?: { file: string; line: number; column: number }, _ts?: SourcePosition): string {
    let s: string;
    if (err.kind === 'outOfMemory') s = 'ERROR: Out of Memory!\n';
    else if (err.kind === 'stackOverflow') s = 'ERROR: Too much recursion - the stack is about to overflow\n';
    else if (err.kind === 'watchdog') s = 'Execution Interrupted\n';
    else s = err.name ? `Uncaught ${err.name}: ${err.message}\n` : `Uncaught ${err.message}\n`;
    if (f) {
      s += ` at line ${f.line} col ${f.column}\n`;
      const line = this.opts.sources.get(f.file)?.lines[f.line - 1];
      if (line !== undefined && line.length < 200) s += `${line}\n${' '.repeat(Math.max(0, f.column - 1))}^\n`;
    }
    return s;
  }

  // ---- host boundary ----

  private onSys(op: string, hs: QuickJSHandle[]): QuickJSHandle | undefined {
    if (this.halted || this.disposed) return undefined;
    const args = hs.map((h) => this.fromHandle(h));
    let v: unknown;
    if (WORLD_OPS.has(op)) v = this.worldOp(op, args);
    else v = this.host.sys(op, args);
    return this.toHandle(v);
  }

  private worldOp(op: string, a: unknown[]): unknown {
    switch (op) {
      case 'print':
        this.host.consoleOut(String(a[0]));
        return undefined;
      case 'timer': {
        const id = a[0] as number;
        const ms = a[1] as number;
        const rep = a[2] as boolean;
        this.armTimer(id, this.now() + ms, ms, rep);
        return undefined;
      }
      case 'clearTimer': {
        const tm = this.timers.get(a[0] as number);
        if (tm) this.sim.sched.cancel(tm.ev);
        this.timers.delete(a[0] as number);
        return undefined;
      }
      case 'changeInterval': {
        const id = a[0] as number;
        const tm = this.timers.get(id);
        if (!tm) return undefined;
        this.sim.sched.cancel(tm.ev);
        this.armTimer(id, this.now() + (a[1] as number), a[1] as number, tm.rep);
        return undefined;
      }
    }
    return undefined;
  }

  private armTimer(id: number, at: number, ms: number, rep: boolean): void {
    const ev = this.schedule(
      at,
      () => {
        const tm = this.timers.get(id);
        if (!tm) return;
        if (tm.rep) this.armTimer(id, tm.next + Math.max(ms, 0.001), ms, true);
        else this.timers.delete(id);
        this.dispatch('timer', id);
      },
      'timer',
    );
    this.timers.set(id, { ev, ms, rep, next: at });
  }

  /** Number of timers armed (Espruino keeps running while any exist). */
  get timerCount(): number {
    return this.timers.size;
  }

  private fromHandle(h: QuickJSHandle): unknown {
    switch (this.ctx.typeof(h)) {
      case 'number':
        return this.ctx.getNumber(h);
      case 'string':
        return this.ctx.getString(h);
      case 'boolean':
        return this.ctx.sameValue(h, this.ctx.true);
      case 'undefined':
        return undefined;
      case 'object': {
        if (this.ctx.sameValue(h, this.ctx.null)) return null;
        const lt = this.ctx.getArrayBuffer(h);
        const u = new Uint8Array(lt.value);
        lt.dispose();
        return u;
      }
      default:
        return undefined;
    }
  }

  private toHandle(v: unknown): QuickJSHandle {
    const ctx = this.ctx;
    if (v === undefined) return ctx.undefined;
    if (v === null) return ctx.null;
    if (typeof v === 'number') return ctx.newNumber(v);
    if (typeof v === 'string') return ctx.newString(v);
    if (typeof v === 'boolean') return v ? ctx.true : ctx.false;
    if (v instanceof Uint8Array) return ctx.newArrayBuffer(v.slice().buffer);
    if (Array.isArray(v)) {
      const arr = ctx.newArray();
      v.forEach((x, i) => {
        const h = this.toHandle(x);
        ctx.setProp(arr, i, h);
        h.dispose();
      });
      return arr;
    }
    if (typeof v === 'object') {
      const o = ctx.newObject();
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        const h = this.toHandle(x);
        ctx.setProp(o, k, h);
        h.dispose();
      }
      return o;
    }
    return ctx.undefined;
  }

  /** Ends the world: no more JS runs; pending timers are dropped. Safe to call from inside a sys call. */
  halt(): void {
    this.halted = true;
    for (const tm of this.timers.values()) this.sim.sched.cancel(tm.ev);
    this.timers.clear();
  }

  /** Ends this boot's JS world for good; the engine resets the context before the next boot. */
  dispose(): void {
    if (this.disposed) return;
    this.halt();
    this.disposed = true;
    this.dispatchFn = undefined;
    if (this.engine.target) this.engine.target = undefined;
    this.engine.rt.setMemoryLimit(-1);
  }

  get isRunning(): boolean {
    return this.running > 0;
  }
}
