/**
 * The recorded A7670 sessions (test/fixtures/at-logs/a7670-1.txt, a7670-4.txt; sources on their first
 * lines: LilyGo-Modem-Series issues 79 and 332) against the A7670 driver: every response and URC line
 * parses with the driver's parsers, the boot URCs are absorbed by its URC table (also between a
 * command's echo and its result), and the logged boot — `+CME ERROR: SIM failure` until `+CPIN: READY`,
 * `+MSTK:` in between — is replayed through the driver's init().
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { A7670 } from '../../firmware/modem/a7670.ts';
import { parseArgs, parseCmeError } from '../../firmware/modem/chat.ts';
import { parseCereg } from '../../firmware/modem/3gpp.ts';
import { VirtualScheduler } from '../../sim/core/scheduler.ts';

const LOGS = ['a7670-1.txt', 'a7670-4.txt'];

/** Lines of a log without its source line and the serial monitor's `23:13:27.192 -> ` timestamps. */
function logLines(name: string): { line: string; at: string }[] {
  const text = readFileSync(fileURLToPath(new URL(`../fixtures/at-logs/${name}`, import.meta.url)), 'latin1');
  const out: { line: string; at: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (i === 0 && raw.startsWith('# source:')) return;
    const line = raw.replace(/^\d\d:\d\d:\d\d\.\d{3} -> ?/, '').trim();
    if (line) out.push({ line, at: `${name}:${i + 1}` });
  });
  return out;
}

/** What the modem said (final results, information responses, URCs) — not echoes, not host chatter. */
const MODEM_LINE = /^(OK|ERROR|\+[A-Z]+:|\*[A-Z]+:|SMS DONE|PB DONE)/;

/** Parses one modem line the way the driver does; throws (a ModemError) on a malformed line. */
function parseModemLine(line: string): unknown {
  if (line === 'OK' || line === 'ERROR') return line;
  if (line.startsWith('+CME ERROR:')) return parseCmeError(line);
  if (line.startsWith('+CGREG:') || line.startsWith('+CEREG:')) return parseCereg(line, true);
  return parseArgs(line);
}

/** A driver on a scripted line: `answer(cmd)` gives the modem's bytes, delivered 20 ms (virtual) later. */
function rig(answer?: (cmd: string) => string) {
  const sched = new VirtualScheduler();
  const written: string[] = [];
  let onData: (d: string) => void = () => {};
  const serial = {
    write: (d: string) => {
      written.push(d);
      if (answer) {
        const reply = answer(d.replace(/\r$/, ''));
        sched.after(20, () => onData(reply));
      }
    },
    on: (_e: 'data', fn: (d: string) => void) => void (onData = fn),
  };
  const timers = { setTimeout: (fn: () => void, ms: number) => sched.after(ms, fn), clearTimeout: (id: number) => sched.cancel(id) };
  const drv = new A7670({ serial, timers, now: () => sched.now() });
  const feed = (s: string) => onData(s);
  async function run<T>(p: Promise<T>): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 100000 && !done; i++) {
      await new Promise<void>((r) => setImmediate(r));
      const t = sched.peekTime();
      if (done || t === undefined) break;
      sched.runUntil(t);
    }
    return p;
  }
  return { sched, drv, feed, written, run };
}

describe('A7670 recorded sessions', () => {
  it.each(LOGS)('%s: every response and URC line parses with the driver parsers', (name) => {
    const lines = logLines(name).filter((l) => MODEM_LINE.test(l.line));
    expect(lines.length).toBeGreaterThan(5);
    for (const { line, at } of lines) {
      let parsed: unknown;
      expect(() => (parsed = parseModemLine(line)), `${at}: ${line}`).not.toThrow();
      if (line.startsWith('+CME ERROR:')) expect(parsed, at).toMatchObject({ code: 'CME', text: 'SIM failure' });
      if (line.startsWith('+CGREG:')) expect(parsed, at).toMatchObject({ stat: 0, registered: false, denied: false });
      if (line.startsWith('*ATREADY:')) expect(parsed, at).toEqual(['1']);
    }
  });

  it('a7670-4.txt: the long +MSTK line splits into its command number and quoted hex', () => {
    const mstk = logLines('a7670-4.txt').filter((l) => l.line.startsWith('+MSTK:'));
    expect(mstk.length).toBe(3);
    const first = parseArgs(mstk[0].line);
    expect(first[0]).toBe('11');
    expect(first[1]).toMatch(/^D07B[0-9A-F]+01$/);
    expect(first[1].length % 2).toBe(0);
    expect(parseArgs(mstk[2].line)).toEqual(['14']);
  });

  it.each(LOGS)('%s: boot URCs go to the URC table — *ATREADY is a reboot event, the rest is ignored', async (name) => {
    const { drv, feed } = rig();
    const events: string[] = [];
    drv.onEvent((e) => events.push(e.type));
    const urcs = logLines(name)
      .map((l) => l.line)
      .filter((l) => /^(\*ATREADY:|\+MSTK:|\+CPIN: READY|SMS DONE|PB DONE)/.test(l));
    expect(urcs).toContain('*ATREADY: 1');
    for (const u of urcs) feed(`\r\n${u}\r\n`);
    expect(events).toEqual(['reboot']);
    expect(drv.chat.unknown).toEqual([]);
  });

  it('a7670-4.txt: the logged boot replays through init() — SIM failure twice, URCs in between, then READY', async () => {
    const log = logLines('a7670-4.txt').map((l) => l.line);
    const simFailure = log.filter((l) => l === '+CME ERROR: SIM failure');
    const between = log.slice(log.lastIndexOf('+CME ERROR: SIM failure') + 1).filter((l) => MODEM_LINE.test(l));
    expect(simFailure.length).toBe(2);
    expect(between[0]).toMatch(/^\+MSTK: 11, "D07B/);
    let cpin = 0;
    const answered: string[] = [];
    // Answers each command, echoing it first (the log was recorded with echo on).
    const { drv, run } = rig((cmd) => {
      answered.push(cmd);
      if (cmd !== 'AT+CPIN?') return `${cmd}\r\r\nOK\r\n`;
      cpin++;
      if (cpin > simFailure.length) return `${cmd}\r\r\n+CPIN: READY\r\n\r\nOK\r\n`;
      let reply = `${cmd}\r\r\n${simFailure[cpin - 1]}\r\n`;
      // the log's URCs (+MSTK, +CPIN: READY, SMS DONE) came after the second failure
      if (cpin === simFailure.length) reply += between.map((l) => `\r\n${l}\r\n`).join('');
      return reply;
    });
    await run(drv.init());
    expect(answered).toEqual(['ATE0', 'AT+CMEE=1', 'AT+CPIN?', 'AT+CPIN?', 'AT+CPIN?', 'AT+CEREG=2']);
    expect(drv.chat.unknown).toEqual([]);
  });
});
