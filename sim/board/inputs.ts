/**
 * External pin events (button presses, reed-switch pulses of a water meter, a leak alarm contact) from
 * a schedule or a CSV file, injected into the board's GPIO at their virtual times.
 *
 * CSV: one event per line `time,pin,level` — time in seconds since the simulation start (or a
 * duration like `36h`), pin as `D25` or a board role (`button`, `pulse`, `alarm`), level 0 or 1.
 * A `pulse` row without level (`time,pulse`) is a 50 ms low pulse (reed switches pull the line low).
 * `#` starts a comment; a header line `time,pin,level` is allowed.
 */
import { readFileSync } from 'node:fs';
import { parseDuration } from '../core/duration.ts';
import type { SimBoard } from './sim-board.ts';

export interface PinEvent {
  /** ms since simulation start, or a duration string ('90s', '2h'). */
  at: number | string;
  /** 'D25' or a board GPIO role: 'button' | 'pulse' | 'alarm'. */
  pin: string;
  /** Level the outside world drives; omitted = a 50 ms low pulse. */
  level?: 0 | 1;
}

const PULSE_MS = 50;

export function parsePinEventsCsv(text: string, file = 'inputs.csv'): PinEvent[] {
  const out: PinEvent[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || /^time\s*,/i.test(line)) return;
    const f = line.split(',').map((s) => s.trim());
    const where = `${file}:${i + 1}`;
    if (f.length < 2) throw new Error(`${where}: expected time,pin[,level], got '${line}'`);
    const at = /^\d+(\.\d+)?$/.test(f[0]!) ? Number(f[0]) * 1000 : parseDuration(f[0]!, where);
    let level: 0 | 1 | undefined;
    if (f[2] !== undefined && f[2] !== '') {
      if (f[2] !== '0' && f[2] !== '1') throw new Error(`${where}: level must be 0 or 1, got '${f[2]}'`);
      level = Number(f[2]) as 0 | 1;
    }
    out.push({ at, pin: f[1]!, level });
  });
  return out;
}

export function resolvePin(board: SimBoard, pin: string): string {
  if (/^D\d+$/.test(pin)) return pin;
  const g = board.board.gpio as Record<string, string | undefined>;
  const p = g[pin];
  if (!p) throw new Error(`pin '${pin}': not a pin name (D0–D39, D48 on ESP32-S3) and board ${board.board.id} has no gpio.${pin}`);
  return p;
}

export function scheduleInputs(board: SimBoard, events: PinEvent[] | string): void {
  const list = typeof events === 'string' ? parsePinEventsCsv(readFileSync(events, 'utf8'), events) : events;
  for (const e of list) {
    const at = parseDuration(e.at, 'input event time');
    const pin = resolvePin(board, e.pin);
    if (e.level === undefined) {
      board.sched.at(at, () => board.gpio.inject(pin, 0), 'input');
      board.sched.at(at + PULSE_MS, () => board.gpio.inject(pin, 1), 'input');
    } else {
      const level = e.level;
      board.sched.at(at, () => board.gpio.inject(pin, level), 'input');
    }
  }
}
