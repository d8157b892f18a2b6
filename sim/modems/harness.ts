/**
 * A small virtual-time harness that wires a firmware modem driver (imported directly, in Node) to a
 * simulator modem model without the QuickJS engine — for tests, the replay/REPL CLI and the benchmark.
 *
 * - Driver timers are scheduler timers (VirtualScheduler); the clock is virtual ms.
 * - Serial: a UART with 8N1 baud timing (10 bits per byte) in each direction; the driver's
 *   `write(string)` reaches the model's `fromMcu` when the last byte has left the wire; the model's
 *   `toMcu` reaches the driver's `on('data')` when the last byte has arrived.
 * - Pins: `digitalWrite(pin, level)` reaches the model's `onPin`.
 * - `run(promise)` drives the clock event by event, letting promise chains (microtasks) run between
 *   events (Espruino runs microtasks before timers), and honours the UDP bridge contract: whenever
 *   an exchange is in flight it awaits `udp.settle()` before advancing the clock.
 */
import { VirtualScheduler } from '../core/scheduler.ts';
import { createRng } from '../core/rng.ts';
import type { SimContext, UartLine, UartPeer, PinListener } from '../core/types.ts';
import { NetworkModel, type NetworkSpec } from './network.ts';
import { UdpBridge } from './udp.ts';

export interface WireEvent {
  t: number;
  dir: 'tx' | 'rx';
  text: string;
}

export interface HarnessOptions {
  seed?: number;
  network?: NetworkSpec;
  baud?: number;
  /** Wall ms settle() may wait for UDP replies (default 2000). */
  settleWallMs?: number;
}

export class VirtualHarness implements UartLine {
  readonly sched = new VirtualScheduler();
  readonly ctx: SimContext;
  readonly net: NetworkModel;
  readonly udp: UdpBridge;
  /** Power state changes: component, state, time. */
  readonly powerLog: { t: number; component: string; state: string }[] = [];
  readonly traceLog: { t: number; kind: string; [k: string]: unknown }[] = [];
  /** Everything on the wire, both directions (for the CLI and diagnostics). */
  readonly wire: WireEvent[] = [];
  readonly pinLog: { t: number; pin: string; level: 0 | 1 }[] = [];
  private peer?: UartPeer & Partial<PinListener>;
  private dataFns: ((d: string) => void)[] = [];
  private txFreeAt = 0;
  private rxFreeAt = 0;
  private readonly byteMs: number;
  private readonly settleWallMs: number;
  /** Keep `wire` (off in the benchmark). */
  recordWire = true;

  constructor(opts: HarnessOptions = {}) {
    const rng = createRng(opts.seed ?? 1);
    const sched = this.sched;
    this.ctx = {
      sched,
      rng,
      trace: { emit: (kind, data) => this.traceLog.length < 100000 && this.traceLog.push({ t: sched.now(), kind, ...data }) },
      power: { state: (component, state) => this.powerLog.push({ t: sched.now(), component, state }) },
    };
    this.net = new NetworkModel(rng.fork('network'), opts.network ?? 'good');
    this.udp = new UdpBridge(this.ctx, this.net);
    this.byteMs = 10000 / (opts.baud ?? 115200);
    this.settleWallMs = opts.settleWallMs ?? 2000;
  }

  /** Wires the model (UART peer + pin listener). */
  connect<T extends UartPeer & Partial<PinListener>>(model: T): T {
    this.peer = model;
    model.attach(this);
    return model;
  }

  /** The serial object the driver gets (Espruino Serial subset). */
  readonly serial = {
    write: (data: string) => {
      if (!data.length) return;
      const now = this.sched.now();
      const done = Math.max(now, this.txFreeAt) + data.length * this.byteMs;
      this.txFreeAt = done;
      if (this.recordWire) this.wire.push({ t: now, dir: 'tx', text: data });
      const bytes = new Uint8Array(Buffer.from(data, 'latin1'));
      this.sched.at(done, () => this.peer?.fromMcu(bytes), 'uart-tx');
    },
    on: (_ev: 'data', fn: (d: string) => void) => {
      this.dataFns.push(fn);
    },
    removeListener: (_ev: 'data', fn: (d: string) => void) => {
      this.dataFns = this.dataFns.filter((f) => f !== fn);
    },
  };

  readonly timers = {
    setTimeout: (fn: () => void, ms: number) => this.sched.after(ms, fn, 'driver-timer'),
    clearTimeout: (id: number) => this.sched.cancel(id),
  };

  readonly gpio = {
    digitalWrite: (pin: unknown, level: number) => {
      const name = String(pin);
      const l = (level ? 1 : 0) as 0 | 1;
      this.pinLog.push({ t: this.sched.now(), pin: name, level: l });
      this.peer?.onPin?.(name, l);
    },
  };

  now = (): number => this.sched.now();

  /** UartLine: model → MCU with baud timing. */
  toMcu(bytes: Uint8Array): void {
    const now = this.sched.now();
    const done = Math.max(now, this.rxFreeAt) + bytes.length * this.byteMs;
    this.rxFreeAt = done;
    const text = Buffer.from(bytes).toString('latin1');
    this.sched.at(done, () => {
      if (this.recordWire) this.wire.push({ t: done, dir: 'rx', text });
      for (const f of this.dataFns) f(text);
    }, 'uart-rx');
  }

  /**
   * Drives virtual time until `p` settles (or the virtual limit passes: then rejects with a message
   * naming the limit). Returns p's value / rethrows its error.
   */
  async run<T>(p: Promise<T>, limitMs = 24 * 3600000): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    const deadline = this.sched.now() + limitMs;
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (settled) break;
      if (this.udp.inFlight()) {
        await this.udp.settle(this.settleWallMs);
        continue;
      }
      const t = this.sched.peekTime();
      if (t === undefined) throw new Error(`harness: nothing scheduled and the promise is still pending at t=${this.sched.now()} ms`);
      if (t > deadline) throw new Error(`harness: virtual time limit of ${limitMs} ms reached at t=${this.sched.now()} ms`);
      this.sched.runUntil(t);
    }
    return p;
  }

  /** Advances virtual time by ms (running everything due), settling UDP exchanges on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.sched.now() + ms;
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.udp.inFlight()) {
        await this.udp.settle(this.settleWallMs);
        continue;
      }
      const t = this.sched.peekTime();
      if (t === undefined || t > end) break;
      this.sched.runUntil(t);
    }
    this.sched.runUntil(end);
    await new Promise<void>((r) => setImmediate(r));
  }

  close(): void {
    this.udp.close();
  }
}
