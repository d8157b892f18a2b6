/**
 * Transcript modem: replays a recorded session against a driver, as a UartPeer.
 *
 * Two input forms (modems.md "Recorded sessions"):
 * - JSON lines `{"cmd": "AT+CSQ", "reply": "+CSQ: 20,99\r\nOK", "delay": 35}` — one command per line,
 *   reply lines separated by CR/LF, delay in ms before the reply; an entry without `cmd` (or with an
 *   empty one) is unsolicited output (URCs) sent after the previous reply.
 * - Plain AT logs such as test/fixtures/at-logs/*: `# …` comment lines and serial-monitor timestamps
 *   (`23:13:27.192 -> `) are stripped; host chatter (lines that are neither an AT command nor a modem
 *   response, e.g. `Start modem...`) is dropped and listed in `skipped`; chatter glued in front of a
 *   command (`Modem started!AT+CPIN?`) is cut off; a command repeated on the next line is its echo;
 *   response lines belong to the open command until its final result (OK, ERROR, +CME/+CMS ERROR);
 *   known URCs (`SMS Ready`, `*ATREADY: 1`, `+CPIN: READY` outside AT+CPIN?, …) become unsolicited
 *   entries. A command with no reply in the log gets none in the replay (the driver times out).
 *   These are heuristics: real logs interleave host prints and modem output ambiguously.
 *
 * Replay: strict mode stops at the first command that differs from the transcript's next command
 * (`divergence` holds expected vs sent and a diff); lenient mode skips transcript entries up to the
 * next matching command, and answers commands missing from the transcript with OK (listed in
 * `unknown`). Replies go out `delay` ms (default 30 ms) after the command arrived.
 */
import type { SimContext, UartLine, UartPeer } from '../core/types.ts';

export interface TranscriptEntry {
  /** Command sent by the host, or null for unsolicited output. */
  cmd: string | null;
  reply: string[];
  /** ms between command and reply (JSON form), default 30. */
  delayMs?: number;
  /** Where the entry came from (`file:line`). */
  source: string;
}

export interface ParsedTranscript {
  entries: TranscriptEntry[];
  /** Host chatter dropped from plain logs, with their `file:line`. */
  skipped: { source: string; text: string }[];
  /** `# source: …` line of the file, if any. */
  origin?: string;
}

const FINAL = /^(OK|ERROR|\+CME ERROR:.*|\+CMS ERROR:.*|NO CARRIER|SEND OK|SEND FAIL|CLOSE OK|NORMAL POWER DOWN)$/;
/** Lines a modem sends by itself (boot banners and URCs of the supported modems). */
const URC = /^(RDY|SMS Ready|SMS DONE|PB DONE|\*ATREADY:.*|\+MSTK:.*|\+QIURC:.*|\+CADATAIND:.*|\+APP PDP:.*|\+QNBIOTEVENT:.*|\+CPSMSTATUS:.*|\+IP:.*|\+IPCLOSE:.*|\+CGEV:.*|\+CPIN: READY|\+CEREG:.*|\+CGREG:.*|\+QIOPEN:.*|\+CAOPEN:.*|\+NETOPEN:.*|\+CIPOPEN:.*|\+CIPRXGET: 1,.*|\+CASTATE:.*)$/;
const RESPONSE = /^([+*][A-Z0-9]+:.*|\+CM[ES] ERROR:.*|OK|ERROR|>|\d+|[0-9A-F]{18,22}|SMS Ready|SMS DONE|PB DONE|RDY|SEND OK|SEND FAIL|CLOSE OK|NORMAL POWER DOWN)$/;
const COMMAND = /(^|[^A-Za-z])(AT([+*$^&#][A-Za-z][A-Za-z0-9]*[^\s]*|[A-Za-z]\d*)?)$/;
const TIMESTAMP = /^\d\d:\d\d:\d\d(\.\d+)? -> ?/;

/** `+CEREG: …` → '+CEREG'; `AT+CEREG?` → '+CEREG'. */
function respName(line: string): string {
  const m = /^([+*][A-Z0-9]+):/.exec(line);
  return m ? m[1] : '';
}
function cmdName(cmd: string): string {
  const m = /^AT([+*$^&#][A-Za-z0-9]+)/i.exec(cmd);
  return m ? m[1].toUpperCase() : '';
}

export function parseTranscript(text: string, file = 'transcript'): ParsedTranscript {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '');
  if (first && first.trim().startsWith('{')) return parseJsonLines(text, file);
  return parsePlainLog(text, file);
}

function parseJsonLines(text: string, file: string): ParsedTranscript {
  const entries: TranscriptEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not a JSON object (${(e as Error).message})`);
    }
    if (!o || typeof o !== 'object') throw new Error(`${file}:${i + 1}: expected {"cmd","reply","delay"}`);
    const rec = o as { cmd?: unknown; reply?: unknown; delay?: unknown };
    if (rec.cmd !== undefined && rec.cmd !== null && typeof rec.cmd !== 'string') throw new Error(`${file}:${i + 1}: "cmd" must be a string`);
    if (rec.reply !== undefined && typeof rec.reply !== 'string') throw new Error(`${file}:${i + 1}: "reply" must be a string`);
    if (rec.delay !== undefined && !(typeof rec.delay === 'number' && rec.delay >= 0)) throw new Error(`${file}:${i + 1}: "delay" must be a number of ms ≥ 0`);
    const cmd = typeof rec.cmd === 'string' && rec.cmd.trim() !== '' ? rec.cmd.trim() : null;
    const reply = (typeof rec.reply === 'string' ? rec.reply : '').split(/\r\n|\r|\n/).filter((x) => x.trim() !== '');
    entries.push({ cmd, reply, delayMs: rec.delay as number | undefined, source: `${file}:${i + 1}` });
  });
  return { entries, skipped: [] };
}

function parsePlainLog(text: string, file: string): ParsedTranscript {
  const entries: TranscriptEntry[] = [];
  const skipped: { source: string; text: string }[] = [];
  let origin: string | undefined;
  let open: (TranscriptEntry & { echoed: boolean; done: boolean }) | null = null;
  const unsolicited = (line: string, source: string) => {
    const last = entries[entries.length - 1];
    if (last && last.cmd === null && last !== open) last.reply.push(line);
    else entries.push({ cmd: null, reply: [line], source });
  };
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const source = `${file}:${i + 1}`;
    if (/^\s*#/.test(rawLine)) {
      const m = /^\s*#\s*source:\s*(.*)$/.exec(rawLine);
      if (m) origin = m[1].trim();
      return;
    }
    const line = rawLine.replace(TIMESTAMP, '').trim();
    if (line === '') return;
    const cm = COMMAND.exec(line);
    if (cm && !RESPONSE.test(line)) {
      const cmd = cm[2];
      if (cm.index + cm[1].length > 0) skipped.push({ source, text: line.slice(0, cm.index + cm[1].length) });
      if (open && !open.echoed && !open.done && open.reply.length === 0 && open.cmd === cmd) {
        open.echoed = true; // the modem's echo of the command just logged
        return;
      }
      open = { cmd, reply: [], source, echoed: false, done: false };
      entries.push(open);
      return;
    }
    if (RESPONSE.test(line) || URC.test(line)) {
      const belongs = open && !open.done && (!URC.test(line) || (respName(line) !== '' && respName(line) === cmdName(open.cmd!)) || FINAL.test(line));
      if (open && belongs) {
        open.reply.push(line);
        if (FINAL.test(line)) open.done = true;
      } else unsolicited(line, source);
      return;
    }
    skipped.push({ source, text: line });
  });
  for (const e of entries) {
    delete (e as Partial<{ echoed: boolean; done: boolean }>).echoed;
    delete (e as Partial<{ echoed: boolean; done: boolean }>).done;
  }
  return { entries, skipped, origin };
}

export interface Divergence {
  /** Index of the transcript entry expected. */
  index: number;
  source: string;
  expected: string | null;
  got: string;
  /** Human-readable diff (`- expected` / `+ sent`, with the first differing column marked). */
  diff: string;
}

export function commandDiff(expected: string | null, got: string): string {
  if (expected === null) return `- (end of transcript)\n+ ${got}`;
  let i = 0;
  while (i < expected.length && i < got.length && expected[i] === got[i]) i++;
  return `- ${expected}\n+ ${got}\n  ${' '.repeat(i)}^ first difference at column ${i + 1}`;
}

export class TranscriptModem implements UartPeer {
  private line?: UartLine;
  private inbox = '';
  /** Next entry to play. */
  cursor = 0;
  divergence: Divergence | null = null;
  /** Commands the transcript did not have (lenient mode). */
  readonly unknown: string[] = [];
  /** Commands answered with the reply recorded for an earlier identical command (lenient mode). */
  reused = 0;
  /** Entries skipped in lenient mode. */
  skippedEntries = 0;
  /** Commands answered from the transcript. */
  matched = 0;
  onDivergence: (d: Divergence) => void = () => {};

  constructor(
    private readonly ctx: SimContext,
    readonly transcript: ParsedTranscript,
    readonly mode: 'strict' | 'lenient' = 'strict',
  ) {}

  attach(line: UartLine): void {
    this.line = line;
    // Unsolicited output at the very start (boot banners) goes out at once.
    this.ctx.sched.after(0, () => this.flushUnsolicited(), 'transcript-start');
  }

  /** True when every entry was played. */
  get finished(): boolean {
    return this.cursor >= this.transcript.entries.length;
  }

  fromMcu(bytes: Uint8Array): void {
    if (this.divergence) return;
    this.inbox += Buffer.from(bytes).toString('latin1');
    for (;;) {
      const i = this.inbox.indexOf('\r');
      if (i < 0) break;
      const cmd = this.inbox.slice(0, i).replace(/^\n+/, '').trim();
      this.inbox = this.inbox.slice(i + 1);
      if (cmd !== '') this.command(cmd);
      if (this.divergence) return;
    }
  }

  private send(lines: string[]): void {
    if (lines.length && this.line) this.line.toMcu(new Uint8Array(Buffer.from(lines.map((l) => `\r\n${l}\r\n`).join(''), 'latin1')));
  }

  private flushUnsolicited(): void {
    const es = this.transcript.entries;
    while (this.cursor < es.length && es[this.cursor].cmd === null) this.send(es[this.cursor++].reply);
  }

  private command(cmd: string): void {
    const es = this.transcript.entries;
    this.flushUnsolicited();
    let idx = this.cursor;
    if (this.mode === 'strict') {
      const exp = idx < es.length ? es[idx] : null;
      if (!exp || exp.cmd !== cmd) {
        this.divergence = { index: idx, source: exp?.source ?? 'end of transcript', expected: exp?.cmd ?? null, got: cmd, diff: commandDiff(exp?.cmd ?? null, cmd) };
        this.ctx.trace.emit('transcript', { event: 'divergence', expected: exp?.cmd ?? null, got: cmd });
        this.onDivergence(this.divergence);
        return;
      }
    } else {
      while (idx < es.length && es[idx].cmd !== cmd) idx++;
      if (idx >= es.length) {
        // Not ahead in the transcript: reuse the latest recorded reply to the same command (polls such
        // as AT+CEREG?), else answer OK and list it as unknown.
        let prev: TranscriptEntry | undefined;
        for (let j = Math.min(this.cursor, es.length) - 1; j >= 0 && !prev; j--) if (es[j].cmd === cmd) prev = es[j];
        if (prev) this.reused++;
        else this.unknown.push(cmd);
        const reply = prev ? prev.reply : ['OK'];
        this.ctx.sched.after(prev?.delayMs ?? 30, () => this.send(reply), 'transcript-unknown');
        return;
      }
      this.skippedEntries += es.slice(this.cursor, idx).filter((e) => e.cmd !== null).length;
    }
    const e = es[idx];
    this.cursor = idx + 1;
    this.matched++;
    this.ctx.sched.after(e.delayMs ?? 30, () => {
      this.send(e.reply);
      this.flushUnsolicited();
    }, 'transcript-reply');
  }
}

/**
 * Records a session seen on the wire (harness `wire` events) as JSON lines {"cmd","reply","delay"}:
 * each AT command with the lines that answered it up to its final result (echo dropped), delay = ms to
 * the first answer; output between commands becomes entries without "cmd". Payload bytes written after
 * a `>` prompt are not part of the format and are left out.
 */
export function recordTranscript(wire: { t: number; dir: 'tx' | 'rx'; text: string }[]): string {
  const out: { cmd?: string; reply: string[]; delay?: number }[] = [];
  let cur: { cmd?: string; reply: string[]; delay?: number; t: number; done: boolean } | null = null;
  let buf = '';
  for (const w of wire) {
    if (w.dir === 'tx') {
      const cmd = w.text.replace(/\r$/, '');
      if (!/^AT/i.test(cmd)) continue;
      cur = { cmd, reply: [], t: w.t, done: false };
      out.push(cur);
      continue;
    }
    buf += w.text;
    const parts = buf.split(/\r\n|\r|\n/);
    buf = parts.pop()!;
    for (const l of parts) {
      if (l.trim() === '') continue;
      if (cur && !cur.done && l === cur.cmd) continue;
      if (cur && !cur.done) {
        if (cur.delay === undefined) cur.delay = Math.round(w.t - cur.t);
        cur.reply.push(l);
        if (FINAL.test(l)) cur.done = true;
      } else {
        const last = out[out.length - 1];
        if (last && last.cmd === undefined) last.reply.push(l);
        else out.push({ reply: [l] });
      }
    }
  }
  return out.map((e) => JSON.stringify(e.cmd === undefined ? { reply: e.reply.join('\r\n') } : { cmd: e.cmd, reply: e.reply.join('\r\n'), delay: e.delay ?? 0 })).join('\n') + '\n';
}
