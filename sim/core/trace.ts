/**
 * Event trace: one JSON object per line, `{"t":<virtual ms>,"kind":"...",...}`. Lines are kept in
 * memory and/or appended to a file (`--trace run.jsonl`). Only virtual time appears in a line, and
 * keys are written in insertion order, so the same run gives a byte-identical trace.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Clock, Trace } from './types.ts';

export interface TraceOptions {
  /** Keep lines in memory (default true when no file is given). */
  memory?: boolean;
  /** Append lines to this file (created/truncated). */
  file?: string;
  /** Called with each event as it is emitted (e.g. a live viewer). */
  onEvent?: (ev: TraceEvent) => void;
}

export interface TraceEvent {
  t: number;
  kind: string;
  [k: string]: unknown;
}

/** Bytes as text for a trace line: printable ASCII kept, everything else escaped like JSON/C (\r \n \xHH). */
export function escapeBytes(bytes: Uint8Array | string): string {
  let s = '';
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = typeof bytes === 'string' ? bytes.charCodeAt(i) & 0xff : bytes[i];
    if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return s;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Rounds a virtual time to 1 ns so float noise never reaches the trace. */
export function traceTime(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

export class TraceRecorder implements Trace {
  readonly lines: string[] = [];
  private readonly keep: boolean;
  private fd: number | undefined;
  private buf: string[] = [];
  private bufLen = 0;
  private readonly onEvent?: (ev: TraceEvent) => void;
  /** Number of events emitted. */
  count = 0;

  constructor(
    private readonly clock: Clock,
    opts: TraceOptions = {},
  ) {
    this.keep = opts.memory ?? !opts.file;
    if (opts.file) this.fd = openSync(opts.file, 'w');
    this.onEvent = opts.onEvent;
  }

  /** False when neither memory, file nor listener is attached (callers may skip building events). */
  get enabled(): boolean {
    return this.keep || this.fd !== undefined || this.onEvent !== undefined;
  }

  emit(kind: string, data: Record<string, unknown>): void {
    if (!this.enabled) return;
    const ev: TraceEvent = { t: traceTime(this.clock.now()), kind, ...data };
    this.count++;
    const line = JSON.stringify(ev);
    if (this.keep) this.lines.push(line);
    if (this.fd !== undefined) {
      this.buf.push(line, '\n');
      this.bufLen += line.length + 1;
      if (this.bufLen > 1 << 16) this.flush();
    }
    this.onEvent?.(ev);
  }

  /** Events kept in memory, parsed. */
  events(): TraceEvent[] {
    return this.lines.map((l) => JSON.parse(l) as TraceEvent);
  }

  flush(): void {
    if (this.fd === undefined || this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bufLen = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** False only for a TraceRecorder with nowhere to write: lets hot paths skip formatting the event. */
export function traceOn(t: Trace): boolean {
  return !(t instanceof TraceRecorder) || t.enabled;
}

/** A trace that records nothing. */
export const nullTrace: Trace = { emit() {} };
