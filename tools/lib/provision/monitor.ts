/**
 * `sensornode monitor`: the board's console, and a recorder that turns the firmware's AT log into the
 * transcript JSON lines the simulator replays (sim/modems/transcript.ts):
 *
 *   {"cmd": "AT+CSQ", "reply": "+CSQ: 20,99\r\nOK", "delay": 35}   a command, its answer up to the final result
 *   {"reply": "+CEREG: 1"}                                       unsolicited output between commands
 *   {"log": "sn: uplink #3: 4 samples, 401 B sealed, ack 2.04"}  any other console line (debug log)
 *
 * The transcript parser reads a `{"log"}` line as an entry without command and without reply, which
 * a replay skips, so one file carries both the AT session and the firmware's log around it.
 *
 * Turning the AT log on — the modem drivers log every line through their `log` option
 * (firmware/modem/common.ts ModemOptions.log, called by the chat engine with '>' for what it sends and
 * '<' for each line it receives). In the app's modem factory:
 *
 *   modem: function (opts) {
 *     opts.log = function (dir, line) { console.log('AT' + dir + ' ' + line); };
 *     return new Bc660k(opts);
 *   },
 *
 * so the console shows `AT> AT+CSQ` and `AT< +CSQ: 20,99`. `delay` is the wall time between the two
 * console lines as they arrived here (the console link adds its own latency).
 */
import { writeFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { connect, type ConnectOptions } from '../espruino-tools.ts';

export const AT_TX = 'AT> ';
export const AT_RX = 'AT< ';

/** Final result codes (V.250 §5.7 / TS 27.007 §9.2) and the vendors' send/close results. */
const FINAL = /^(OK|ERROR|\+CME ERROR:.*|\+CMS ERROR:.*|NO CARRIER|SEND OK|SEND FAIL|CLOSE OK|NORMAL POWER DOWN)$/;

interface Entry {
  cmd?: string;
  reply: string[];
  delay?: number;
  log?: string;
  t: number;
  done: boolean;
}

export class SessionRecorder {
  private partial = '';
  private readonly entries: Entry[] = [];
  private cur: Entry | null = null;
  /** AT lines seen (sent + received). */
  atLines = 0;

  /** Console text as it arrives, with its arrival time (ms). */
  feed(text: string, tMs: number): void {
    this.partial += text;
    const parts = this.partial.split(/\r\n|\n|\r/);
    this.partial = parts.pop()!;
    for (const p of parts) this.line(p, tMs);
  }

  private line(raw: string, t: number): void {
    // Espruino redraws its prompt around printed output (`\r` + ESC[J erase, src/jsinteractive.c), and
    // the `>` prompt may sit in front of a printed line: neither is part of what the firmware printed.
    const line = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/^>+/, '').trimEnd();
    if (line.trim() === '') return;
    if (line.startsWith(AT_TX)) {
      const cmd = line.slice(AT_TX.length).trim();
      this.atLines++;
      if (!/^AT/i.test(cmd)) return; // payload bytes after a `>` prompt are not part of the format
      this.cur = { cmd, reply: [], t, done: false };
      this.entries.push(this.cur);
      return;
    }
    if (line.startsWith(AT_RX)) {
      const l = line.slice(AT_RX.length).trim();
      this.atLines++;
      if (l === '') return;
      const cur = this.cur;
      if (cur && !cur.done && l === cur.cmd) return; // echo
      if (cur && !cur.done) {
        if (cur.delay === undefined) cur.delay = Math.max(0, Math.round(t - cur.t));
        cur.reply.push(l);
        if (FINAL.test(l)) cur.done = true;
        return;
      }
      const last = this.entries[this.entries.length - 1];
      if (last && last.cmd === undefined && last.log === undefined) last.reply.push(l);
      else this.entries.push({ reply: [l], t, done: true });
      return;
    }
    this.entries.push({ log: line, reply: [], t, done: true });
  }

  /** The transcript so far (JSON lines). */
  jsonl(): string {
    const out = this.entries.map((e) =>
      e.log !== undefined ? { log: e.log } : e.cmd === undefined ? { reply: e.reply.join('\r\n') } : { cmd: e.cmd, reply: e.reply.join('\r\n'), delay: e.delay ?? 0 },
    );
    return out.map((o) => JSON.stringify(o)).join('\n') + (out.length ? '\n' : '');
  }
}

export interface MonitorOptions extends ConnectOptions {
  port: string;
  /** write the transcript here when the monitor stops */
  record?: string;
  /** stop after this many ms (default: until the signal aborts) */
  durationMs?: number;
  signal?: AbortSignal;
  /** console text as it arrives */
  onText?: (text: string) => void;
}

export interface MonitorResult {
  bytes: number;
  atLines: number;
  record?: string;
}

/** Shows the console until `durationMs` or `signal`; writes the transcript on the way out. */
export async function monitorPort(o: MonitorOptions): Promise<MonitorResult> {
  const conn = await connect(o.port, o);
  const rec = new SessionRecorder();
  const t0 = performance.now();
  let seen = 0;
  const pump = (): void => {
    const all = conn.output();
    if (all.length > seen) {
      const text = all.slice(seen);
      seen = all.length;
      o.onText?.(text);
      rec.feed(text, performance.now() - t0);
    }
  };
  try {
    while (!o.signal?.aborted && (o.durationMs === undefined || performance.now() - t0 < o.durationMs)) {
      pump();
      await new Promise((r) => setTimeout(r, 50));
      await conn.waitForOutput('', 10); // throws SERIAL_DISCONNECTED when the port went away
    }
    pump();
  } finally {
    await conn.close();
    if (o.record) {
      try {
        writeFileSync(o.record, rec.jsonl());
      } catch (e) {
        throw new UserError('RECORD_WRITE', `--record ${o.record}: cannot write the transcript (${(e as Error).message})`);
      }
    }
  }
  return { bytes: seen, atLines: rec.atLines, record: o.record };
}
