/**
 * A UART as the MCU sees it, with baud-rate timing: each byte occupies 10 bit times on the wire
 * (start + 8 data + stop, the 8N1 default of Espruino's Serial.setup; 9N1/parity/2 stop bits add
 * bits). Bytes the MCU writes queue behind each other and reach the peer when the last one has left
 * the wire; bytes a peer sends reach the firmware's `on('data')` as one chunk when the last byte of
 * that send has arrived (Espruino delivers whatever is in its input buffer when its idle loop runs).
 * Peers (modem models, transcript modems, test harnesses) implement `UartPeer` from sim/core/types.ts.
 */
import type { SimContext, UartLine, UartPeer } from '../core/types.ts';
import { escapeBytes, traceOn } from '../core/trace.ts';

export interface UartSetup {
  baud: number;
  bytesize?: number;
  parity?: 'none' | 'odd' | 'even' | null;
  stopbits?: number;
  tx?: string;
  rx?: string;
}

export class SimUart implements UartLine {
  setup: UartSetup;
  private peers: UartPeer[] = [];
  private txFreeAt = 0;
  private rxFreeAt = 0;
  /** Receives bytes that reached the MCU (the board routes them to JS or the console). */
  onReceive: (bytes: Uint8Array) => void = () => {};
  /** Observers of bytes the MCU transmits, at the time each write starts (console output uses this). */
  private txTaps: ((bytes: Uint8Array) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly ctx: SimContext,
    setup: UartSetup,
  ) {
    this.setup = { ...setup };
  }

  /** Seconds... no: milliseconds one byte occupies on the wire at the current setup. */
  byteTimeMs(): number {
    const s = this.setup;
    const bits = 1 + (s.bytesize ?? 8) + (s.parity && s.parity !== 'none' ? 1 : 0) + (s.stopbits ?? 1);
    return (bits * 1000) / s.baud;
  }

  configure(setup: Partial<UartSetup>): void {
    if (setup.baud !== undefined && !(setup.baud > 0)) throw new Error(`${this.name}.setup: baud rate must be positive, got ${setup.baud}`);
    this.setup = { ...this.setup, ...Object.fromEntries(Object.entries(setup).filter(([, v]) => v !== undefined)) };
  }

  /** Wires a peer to this UART (it gets `attach(line)` once). */
  attach(peer: UartPeer): void {
    this.peers.push(peer);
    peer.attach(this);
  }

  tapTx(fn: (bytes: Uint8Array) => void): void {
    this.txTaps.push(fn);
  }

  /** The MCU transmits bytes at time `now` (ms). Returns when (virtual ms) the last byte leaves the wire. */
  mcuWrite(bytes: Uint8Array, now = this.ctx.sched.now()): number {
    if (bytes.length === 0) return now;
    const start = Math.max(now, this.txFreeAt);
    const done = start + bytes.length * this.byteTimeMs();
    this.txFreeAt = done;
    if (traceOn(this.ctx.trace)) this.ctx.trace.emit('uart', { port: this.name, dir: 'tx', data: escapeBytes(bytes), done: Math.round(done * 1e6) / 1e6 });
    for (const tap of this.txTaps) tap(bytes);
    if (this.peers.length) {
      const copy = bytes.slice();
      this.ctx.sched.at(done, () => {
        for (const p of this.peers) p.fromMcu(copy);
      }, `${this.name}-tx`);
    }
    return done;
  }

  /** UartLine: a peer sends bytes to the MCU's RX; they arrive at baud-rate pace. */
  toMcu(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const now = this.ctx.sched.now();
    const start = Math.max(now, this.rxFreeAt);
    const done = start + bytes.length * this.byteTimeMs();
    this.rxFreeAt = done;
    const copy = bytes.slice();
    this.ctx.sched.at(done, () => {
      if (traceOn(this.ctx.trace)) this.ctx.trace.emit('uart', { port: this.name, dir: 'rx', data: escapeBytes(copy) });
      this.onReceive(copy);
    }, `${this.name}-rx`);
  }
}
