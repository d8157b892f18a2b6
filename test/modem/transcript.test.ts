/**
 * Transcript modem and replays: the recorded real logs (test/fixtures/at-logs, first line = source
 * URL) parse into exchanges and every response/URC line parses with the drivers' parsers; a session
 * recorded from driver + model replays strictly; a changed command shows a diff; lenient mode copes.
 */
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTranscript, recordTranscript, commandDiff } from '../../sim/modems/transcript.ts';
import { parseLine } from '../../tools/lib/modem/lines.ts';
import { formatReplay, replay } from '../../tools/lib/modem/replay.ts';
import { Bc660k } from '../../firmware/modem/bc660k.ts';
import { Bc660kModel } from '../../sim/modems/bc660k.ts';
import type { VirtualHarness } from '../../sim/modems/harness.ts';
import { harness } from './helpers.ts';

const LOGS = join(import.meta.dirname, '..', 'fixtures', 'at-logs');
const read = (f: string) => readFileSync(join(LOGS, f), 'latin1');

let h: VirtualHarness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

describe('plain AT logs', () => {
  it('strips timestamps, chatter and echoes (a7670-4 serial-monitor capture)', () => {
    const t = parseTranscript(read('a7670-4.txt'), 'a7670-4.txt');
    expect(t.origin).toBe('https://github.com/Xinyuan-LilyGO/LilyGo-Modem-Series/issues/332');
    const cmds = t.entries.filter((e) => e.cmd).map((e) => e.cmd);
    expect(cmds).toEqual(['AT', 'AT', 'AT', 'AT+CPIN?', 'AT+CPIN?']);
    const cpin = t.entries.find((e) => e.cmd === 'AT+CPIN?')!;
    expect(cpin.reply).toEqual(['+CME ERROR: SIM failure']);
    const urcs = t.entries.filter((e) => e.cmd === null).flatMap((e) => e.reply);
    expect(urcs).toContain('*ATREADY: 1');
    expect(urcs).toContain('+CPIN: READY');
    expect(urcs).toContain('SMS DONE');
    expect(t.skipped.map((s) => s.text)).toContain('.');
  });

  it('cuts chatter glued in front of a command and keeps the log line as source', () => {
    const t = parseTranscript(read('sim7080-3.txt'), 'sim7080-3.txt');
    expect(t.entries[0]).toMatchObject({ cmd: 'AT+CPIN?', reply: ['+CPIN: READY', 'OK'], source: 'sim7080-3.txt:2' });
    expect(t.skipped[0]).toEqual({ source: 'sim7080-3.txt:2', text: 'Modem started!' });
    // the reboot in the middle of polling is an unsolicited SMS Ready
    expect(t.entries.some((e) => e.cmd === null && e.reply.includes('SMS Ready'))).toBe(true);
    const a1 = parseTranscript(read('a7670-1.txt'), 'a7670-1.txt');
    expect(a1.skipped.map((s) => s.text)).toEqual(expect.arrayContaining(['Start modem...', 'Done testing AT.', 'Wait for the modem to register with the network.']));
  });

  it('every response and URC line of the shared logs parses with the drivers’ parsers', () => {
    let n = 0;
    for (const f of readdirSync(LOGS)) {
      const t = parseTranscript(read(f), f);
      for (const e of t.entries) {
        for (const l of e.reply) {
          const p = parseLine(l, e.cmd);
          expect(p.kind, `${e.source}: ${l}`).not.toBe('unknown');
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(40);
    expect(parseLine('+CEREG: 0,2', 'AT+CEREG?').value).toMatchObject({ stat: 2, registered: false });
    expect(parseLine('+CGREG: 0,0', 'AT+CGREG?').value).toMatchObject({ stat: 0, registered: false });
    expect(parseLine('+CME ERROR: SIM failure', 'AT+CPIN?').value).toMatchObject({ code: 'CME', text: 'SIM failure' });
    expect(parseLine('+CPIN: READY', null).kind).toBe('urc');
    expect(parseLine('+CPIN: READY', 'AT+CPIN?').kind).toBe('response');
    expect(parseLine('+MSTK: 14', null)).toMatchObject({ kind: 'urc', value: ['14'] });
    expect(parseLine('SMS Ready', 'AT+CEREG?').kind).toBe('banner');
  });
});

describe('JSON-lines transcripts and replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sn-transcript-'));

  async function recordSession(): Promise<string> {
    h = harness({ seed: 5 });
    const pins = { reset: { pin: 'D4', activeHigh: true }, wake: { pin: 'D5', activeHigh: true } };
    h.connect(new Bc660kModel({ ctx: h.ctx, network: h.net, udp: h.udp, pins }));
    const drv = new Bc660k({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins });
    await h.run(drv.sync());
    await h.run(drv.init());
    await h.run(drv.attach(180000));
    return recordTranscript(h.wire);
  }

  it('a session recorded from driver + model replays strictly, step by step', async () => {
    const jsonl = await recordSession();
    const [first, second] = jsonl.split('\n').slice(0, 2).map((l) => JSON.parse(l));
    // the module is still booting at t=0: the first AT is unanswered (replayed as silence), the retry gets OK
    expect(first).toMatchObject({ cmd: 'AT', reply: '' });
    expect(second).toMatchObject({ cmd: 'AT', reply: 'OK' });
    expect(second.delay).toBeGreaterThanOrEqual(21); // BC660K command latency 21–42 ms + UART time
    const file = join(dir, 'bc660k.jsonl');
    writeFileSync(file, jsonl);
    const r = await replay({ file, model: 'bc660k', strict: true });
    expect(r.divergence).toBeNull();
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ['sync', true],
      ['init', true],
      ['attach', true],
    ]);
    expect(r.steps[2].value).toMatchObject({ registered: true, act: 9 });
    expect(formatReplay(r)).toContain('> AT+CEREG=4');
  });

  it('strict replay stops at a changed command and shows the diff', async () => {
    const jsonl = (await recordSession()).replace('"cmd":"AT+CMEE=1"', '"cmd":"AT+CMEE=2"');
    const cmeeLine = jsonl.split('\n').findIndex((l) => l.includes('AT+CMEE=2')) + 1;
    const file = join(dir, 'changed.jsonl');
    writeFileSync(file, jsonl);
    const r = await replay({ file, model: 'bc660k', strict: true });
    expect(r.divergence).toMatchObject({ expected: 'AT+CMEE=2', got: 'AT+CMEE=1', source: `${file}:${cmeeLine}` });
    expect(r.divergence!.diff).toBe('- AT+CMEE=2\n+ AT+CMEE=1\n          ^ first difference at column 9');
    expect(r.steps.at(-1)).toMatchObject({ step: 'init', ok: false, error: { code: 'DIVERGED' } });
    expect(formatReplay(r)).toContain(`divergence at ${file}:${cmeeLine}`);
  });

  it('lenient replay skips a command missing from the transcript', async () => {
    const jsonl = (await recordSession())
      .split('\n')
      .filter((l) => !l.includes('"cmd":"AT+QNBIOTEVENT=1,1"'))
      .join('\n');
    const file = join(dir, 'missing.jsonl');
    writeFileSync(file, jsonl);
    const strict = await replay({ file, model: 'bc660k', strict: true });
    expect(strict.divergence?.got).toBe('AT+QNBIOTEVENT=1,1');
    const lenient = await replay({ file, model: 'bc660k', strict: false });
    expect(lenient.steps.every((s) => s.ok)).toBe(true);
    expect(lenient.unknown).toEqual(['AT+QNBIOTEVENT=1,1']);
  });

  it('rejects a malformed JSON line with file:line', () => {
    expect(() => parseTranscript('{"cmd":"AT","reply":"OK"}\n{"cmd": 5}\n', 's.jsonl')).toThrow('s.jsonl:2: "cmd" must be a string');
    expect(() => parseTranscript('{"cmd":"AT"\n', 's.jsonl')).toThrow(/^s\.jsonl:1: not a JSON object/);
    expect(commandDiff(null, 'AT')).toBe('- (end of transcript)\n+ AT');
  });
});
