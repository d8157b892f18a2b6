// Firmware to .bootcde through provision --firmware and `sensornode flash` (SHA-256 computed on the board),
// then `monitor --record`: the running app's AT traffic becomes a transcript the simulator parses and replays.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../tools/lib/build/index.ts';
import { startIngest, type Ingest } from '../../tools/lib/ingest/index.ts';
import { provision } from '../../tools/lib/provision/provision.ts';
import { monitorPort, SessionRecorder } from '../../tools/lib/provision/monitor.ts';
import { sha256Hex } from '../../tools/lib/provision/firmware.ts';
import { serveWithModem, type SimBoardWithModem } from '../../tools/lib/provision/sim-board.ts';
import { parseTranscript, TranscriptModem } from '../../sim/modems/transcript.ts';
import { cliAsync, fleetFixture, type Fixture } from './helpers.ts';

const APP = join(import.meta.dirname, '../fixtures/provision/at-log-app');

describe('firmware and console', () => {
  let fx: Fixture;
  let ingest: Ingest;
  let served: SimBoardWithModem;
  let bundle: string;
  let bundlePath: string;

  beforeAll(async () => {
    fx = fleetFixture();
    ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: fx.db, log: () => {} });
    // 4× real time: Espruino NAKs a file packet not complete within 1 s of board time (250 ms here)
    served = await serveWithModem({ board: 'devkitc-bc660k', seed: 41, speed: 4 });
    bundle = (await buildApp({ entry: APP, board: 'devkitc-bc660k', write: false })).code;
    bundlePath = fx.path('at-log-app.js');
    writeFileSync(bundlePath, bundle);
  });
  afterAll(async () => {
    await served?.close();
    await ingest?.close();
    fx?.remove();
  });

  it('provision --firmware writes .bootcde with progress, proves it by SHA-256 and restarts the app', async () => {
    const seen: number[] = [];
    const r = await provision({
      port: served.path, board: 'devkitc-bc660k', registry: fx.db, server: `udp://127.0.0.1:${ingest.port}`, firmware: bundlePath,
      sampleS: 60, uplinkS: 60, onProgress: (p) => seen.push(p.sent),
    });
    expect(r.firmware).toEqual({ name: '.bootcde', bytes: Buffer.byteLength(bundle), sha256: sha256Hex(bundle), uploaded: true });
    expect(r.actions).toContain(`firmware written to .bootcde (${Buffer.byteLength(bundle)} B, SHA-256 verified)`);
    expect(seen.at(-1)).toBe(Buffer.byteLength(bundle));
    expect(Buffer.from(served.board.storage.readBytes('.bootcde')!).toString('utf8')).toBe(bundle);
    expect(fx.log().map((l) => l.action)).toEqual(['fleet.create', 'device.add', 'provision.ok', 'provision.firmware']);
  });

  it('monitor --record: the AT session and the debug log as transcript JSON lines the simulator replays', async () => {
    const file = fx.path('session.jsonl');
    let text = '';
    const stop = new AbortController();
    // until the app's first uplink is ACKed by the ingest (bounded)
    const r = await monitorPort({
      port: served.path, record: file, durationMs: 15000, signal: stop.signal,
      onText: (t) => {
        text += t;
        if (/sn: uplink #\d+: .* ack 2\.04/.test(text)) stop.abort();
      },
    });
    expect(text).toMatch(/sn: uplink #\d+: .* ack 2\.04/);
    expect(r.atLines).toBeGreaterThan(10);
    expect(text).toContain('AT> AT');
    const jsonl = readFileSync(file, 'utf8');
    const records = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as { cmd?: string; reply?: string; delay?: number; log?: string });
    const cmds = records.filter((x) => x.cmd !== undefined);
    expect(cmds.length).toBeGreaterThan(3);
    for (const c of cmds) {
      expect(c.cmd).toMatch(/^AT/);
      expect(typeof c.delay).toBe('number');
    }
    expect(cmds.some((c) => /(^|\r\n)OK$/.test(c.reply!))).toBe(true);
    expect(records.some((x) => /^sn: uplink #\d+: /.test(x.log ?? ''))).toBe(true);
    expect(cmds.some((c) => c.cmd!.startsWith('AT+QISEND'))).toBe(true);
    // the simulator's transcript parser takes the file as is; log lines are entries a replay skips
    const t = parseTranscript(jsonl, 'session.jsonl');
    expect(t.entries.filter((e) => e.cmd !== null).map((e) => e.cmd)).toEqual(cmds.map((c) => c.cmd));
    // replay the first command against the transcript modem: it answers with the recorded reply
    const first = t.entries.find((e) => e.cmd !== null)!;
    const sent: string[] = [];
    const pending: (() => void)[] = [];
    const ctx = { sched: { after: (_ms: number, fn: () => void) => pending.push(fn) }, trace: { emit: () => {} } };
    const modem = new TranscriptModem(ctx as never, t, 'lenient');
    modem.attach({ toMcu: (b: Uint8Array) => sent.push(Buffer.from(b).toString('latin1')) } as never);
    modem.fromMcu(new Uint8Array(Buffer.from(first.cmd + '\r')));
    while (pending.length) pending.shift()!();
    expect(sent.join('')).toContain(first.reply.join('\r\n'));
  });

  it('SessionRecorder: echo dropped, reply up to the final result, URCs and log lines between commands', () => {
    const rec = new SessionRecorder();
    rec.feed('sn: boot\r\nAT> AT+CSQ\r\r\n\r\x1b[JAT< AT+CSQ\r\nAT< +CSQ: 20,99\r\n', 0);
    rec.feed('AT< OK\r\nAT< +CEREG: 1\r\n>AT> AT+QIOPEN=0,0\r\n', 35);
    rec.feed('AT< ERROR\r\nAT> 0102\r\npartial', 50);
    expect(rec.jsonl()).toBe(
      [
        '{"log":"sn: boot"}',
        '{"cmd":"AT+CSQ","reply":"+CSQ: 20,99\\r\\nOK","delay":0}',
        '{"reply":"+CEREG: 1"}',
        '{"cmd":"AT+QIOPEN=0,0","reply":"ERROR","delay":15}',
      ].join('\n') + '\n',
    );
  });

  it('sensornode flash: an identical bundle is not sent again; a new one is written, verified and loaded', async () => {
    const missing = cliAsync(['flash', fx.path('nope.js'), '--port', served.path]); // fails before it opens the port
    const same = await cliAsync(['flash', bundlePath, '--port', served.path, '--json']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ uploaded: false, sha256: sha256Hex(bundle), loaded: true });
    const other = fx.path('hello.js');
    writeFileSync(other, 'print("HELLO FROM FLASH " + (6*7));\n');
    const r = await cliAsync(['flash', other, '--port', served.path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${served.path}: .bootcde written (${readFileSync(other).length} B, SHA-256 ${sha256Hex(readFileSync(other))} verified on the board); restarted with load()`);
    expect(r.stdout).toContain('HELLO FROM FLASH 42');
    const m = await missing;
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('cannot read the bundle');
  });
});
