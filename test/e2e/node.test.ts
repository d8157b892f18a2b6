/**
 * End to end, as a user runs it: the soil-probe firmware built by `sensornode build`, running in the
 * simulator on the DevKitC + BC660K board, talking AT to the BC660K model, whose socket sends real UDP
 * datagrams to the ingest on 127.0.0.1, which stores into a real SQLite file.
 *   - a simulated week: the ingest holds exactly the sampled readings, equal values and timestamps;
 *   - a 2-day server outage: nothing is lost, the queue drains afterwards;
 *   - the ingest SIGKILLed mid-run (while a datagram is in flight) and restarted: no ACKed reading lost,
 *     none stored twice;
 *   - MQTT subscribers receive each reading exactly once;
 *   - a device revoked mid-run is refused from its next message and keeps its readings queued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { buildApp, type BuildResult } from '../../tools/lib/build/index.ts';
import { loadBoard } from '../../tools/lib/boards.ts';
import { startIngest, type Ingest } from '../../tools/lib/ingest/index.ts';
import { initFleet, openRegistry, type Registry } from '../../tools/lib/registry/index.ts';
import { checkDelivery, provisionSimDevice, sampledFromConsole, type SimDevice } from '../../tools/lib/scenario.ts';
import { simulate } from '../../sim/index.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';
import type { Board } from '../../boards/schema.ts';
import type { NodeState } from '../../firmware/node/state.ts';
import { encodeCbor } from '../../tools/lib/codec/index.ts';
import { rotateDevice } from '../../tools/lib/provision/devices.ts';

const ROOT = resolve(__dirname, '../..');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = '2026-11-01T00:00:00Z';
let board: Board;
let build: BuildResult;

beforeAll(async () => {
  board = await loadBoard('devkitc-bc660k');
  build = await buildApp({ entry: join(ROOT, 'firmware/apps/soil-probe'), board, outDir: mkdtempSync(join(tmpdir(), 'sn-e2e-dist-')), cwd: ROOT });
});

function freshRegistry(): { reg: Registry; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'sn-e2e-')), 'readings.db');
  initFleet({ registryPath: path, name: 'farm' });
  return { reg: openRegistry(path), path };
}

function deviceState(flash: SimDevice['flash']): NodeState {
  return new EspruinoStorage(flash).readJSON('sn.st') as NodeState;
}

describe('soil probe → BC660K model → real UDP → ingest → SQLite', () => {
  it('after a simulated week the ingest holds exactly the sampled readings, equal values and timestamps', async () => {
    const { reg } = freshRegistry();
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: () => {} });
    const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 900, uplinkS: 3600 } });
    const res = await simulate({ bundlePath: build.bundlePath, board, duration: 7 * DAY, seed: 7, flash: dev.flash, startTime: START });
    await ingest.close();
    expect(res.errors).toEqual([]);
    const sampled = sampledFromConsole(res.console);
    expect(sampled.length).toBe(672 * 4); // every 15 min for a week, 4 channels
    const d = checkDelivery(reg, dev.device.id, sampled);
    const st = deviceState(res.flash);
    // delivered = everything except what was sampled after the last uplink of the week
    expect(d.delivered + (st.ql - st.qa) * 4).toBe(sampled.length);
    expect(st.ql - st.qa).toBeLessThanOrEqual(4);
    expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
    expect(st.dr).toBe(0);
    expect(ingest.stats.refused).toEqual({});
    // flash wear budget: one state write + one queue line per wake; no page erased more than twice a week
    expect(res.storage.wear.maxErases).toBeLessThanOrEqual(2);
    const rows = reg.listReadings(dev.device.id);
    expect(new Set(rows.map((r) => r.name))).toEqual(new Set(['temp', 'hum', 'soil', 'bat']));
    expect(rows.find((r) => r.name === 'temp')!.unit).toBe('Cel');
    reg.close();
  });

  it('a 2-day server outage loses nothing: the queue drains when the ingest is back', async () => {
    const { reg, path } = freshRegistry();
    let ingest: Ingest | undefined = await startIngest({ listen: 'udp://127.0.0.1:0', registry: path, log: () => {} });
    const port = ingest.port;
    const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port }, intervals: { sampleS: 900, uplinkS: 3600 } });
    let restarted: Promise<Ingest> | undefined;
    const res = await simulate({
      bundlePath: build.bundlePath,
      board,
      duration: 5 * DAY,
      seed: 11,
      flash: dev.flash,
      startTime: START,
      // while the server is down every datagram waits this long (wall) for a reply that never comes
      settleWallMs: 100,
      peers: (_sb, ctx) => {
        ctx.sched.at(1 * DAY, () => {
          void ingest!.close();
          ingest = undefined;
        });
        ctx.sched.at(3 * DAY, () => {
          restarted = startIngest({ listen: `udp://127.0.0.1:${port}`, registry: path, log: () => {} });
        });
      },
    });
    await (await restarted!).close();
    const sampled = sampledFromConsole(res.console);
    const d = checkDelivery(reg, dev.device.id, sampled);
    const st = deviceState(res.flash);
    expect(res.console).toMatch(/ERROR uplink/); // the device noticed the outage
    expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
    expect(st.ql - st.qa).toBeLessThanOrEqual(4); // drained
    expect(d.delivered + (st.ql - st.qa) * 4).toBe(sampled.length);
    expect(st.dr).toBe(0);
    reg.close();
  });

  it('the ingest killed (SIGKILL) while datagrams are in flight and restarted loses no ACKed reading and stores none twice', async () => {
    const { reg, path } = freshRegistry();
    const portProbe = await startIngest({ listen: 'udp://127.0.0.1:0', registry: path, log: () => {} });
    const port = portProbe.port;
    await portProbe.close();
    const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port }, intervals: { sampleS: 900, uplinkS: 3600 } });
    const children: ChildProcess[] = [];
    let live: ChildProcess | undefined;
    const exited = new WeakMap<ChildProcess, Promise<void>>();
    const startChild = () =>
      new Promise<void>((ok, fail) => {
        const c = spawn(process.execPath, [join(ROOT, 'bin/sensornode.js'), 'ingest', '--listen', `udp://127.0.0.1:${port}`, '--registry', path], { stdio: ['ignore', 'ignore', 'pipe'] });
        children.push(c);
        exited.set(c, new Promise((r) => c.on('exit', () => r())));
        let err = '';
        c.stderr!.on('data', (b) => {
          err += String(b);
          if (/listening/.test(err)) {
            live = c;
            ok();
          }
        });
        c.on('exit', (code) => (code ? fail(new Error(`ingest exited ${code}: ${err}`)) : undefined));
      });
    // a restart waits until the killed process is gone (its port is free again)
    const restart = (dead: ChildProcess) => exited.get(dead)!.then(startChild);
    const restarts: Promise<void>[] = [];
    await startChild();
    let ups = 0;
    const killAt = [6, 20, 33];
    const kills: number[] = [];
    try {
      const res = await simulate({
        bundlePath: build.bundlePath,
        board,
        duration: 2 * DAY,
        seed: 5,
        flash: dev.flash,
        startTime: START,
        peers: (sb) => {
          const emit = sb.trace.emit.bind(sb.trace);
          sb.trace.emit = (kind, data) => {
            emit(kind, data);
            // kill the running ingest right as the 6th, 20th and 33rd uplink datagram (or the next one
            // after it, if the ingest is still restarting) leaves the modem
            if (kind === 'packet' && data.dir === 'up' && ++ups >= killAt[kills.length] && live) {
              kills.push(sb.now());
              const dead = live;
              live = undefined;
              dead.kill('SIGKILL');
              sb.sched.after(HOUR, () => restarts.push(restart(dead)));
            }
          };
        },
      });
      expect(kills.length).toBe(3);
      await Promise.all(restarts); // every restart came up (a failed one would reject here)
      const sampled = sampledFromConsole(res.console);
      const d = checkDelivery(reg, dev.device.id, sampled);
      const st = deviceState(res.flash);
      // every reading the device deleted (it got the ACK) is stored; the rest is still queued
      expect(d.delivered + (st.ql - st.qa) * 4).toBe(sampled.length);
      expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
      expect(st.ql - st.qa).toBeLessThanOrEqual(8);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      reg.close();
    }
  });

  describe('MQTT', () => {
    let broker: Aedes;
    let server: Server;
    beforeAll(async () => {
      broker = await Aedes.createBroker();
      server = createServer(broker.handle);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    });
    afterAll(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    });

    it('a subscriber receives each stored reading exactly once', async () => {
      const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const sub = await mqtt.connectAsync(url);
      const got: { device: string; name: string; time: number; value: number }[] = [];
      sub.on('message', (topic, payload) => {
        const j = JSON.parse(String(payload));
        expect(topic).toBe(`sensornode/farm/${j.device}`);
        got.push(j);
      });
      await sub.subscribeAsync('sensornode/#', { qos: 1 });
      const { reg } = freshRegistry();
      const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, mqtt: url, log: () => {} });
      const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 900, uplinkS: 3600 } });
      await simulate({ bundlePath: build.bundlePath, board, duration: DAY, seed: 3, flash: dev.flash, startTime: START, network: 'flaky' });
      await ingest.close();
      await new Promise((r) => setTimeout(r, 300));
      await sub.endAsync();
      const stored = reg.listReadings(dev.device.id);
      expect(stored.length).toBeGreaterThan(0);
      expect(got.length).toBe(stored.length);
      const keys = new Set(got.map((g) => `${g.name}@${g.time}`));
      expect(keys.size).toBe(got.length);
      reg.close();
    });
  });

  it('an authenticated downlink changes the uplink interval; the node applies and persists it', async () => {
    const { reg } = freshRegistry();
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: () => {} });
    const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 900, uplinkS: 3600 } });
    reg.queueDownlink(dev.device.id, encodeCbor(new Map<string, number>([['uplinkS', 4 * 3600]])));
    const res = await simulate({ bundlePath: build.bundlePath, board, duration: DAY, seed: 13, flash: dev.flash, startTime: START });
    await ingest.close();
    expect(ingest.stats.downlinks).toBe(1);
    expect(res.console).toMatch(/downlink applied: \{"uplinkS":14400\}/);
    // the first session carried the downlink; after it, one session every 4 hours instead of every hour
    const st = deviceState(res.flash);
    expect(st.nup).toBeGreaterThanOrEqual(6);
    expect(st.nup).toBeLessThanOrEqual(8);
    // each 4-hour session sends its 16 samples as 4 messages of 4
    expect(res.console.split(/\r?\n/).filter((l) => /^sn: uplink #\d+: 4 samples/.test(l)).length).toBeGreaterThanOrEqual(20);
    expect(new EspruinoStorage(res.flash).readJSON('sn.ov')).toEqual({ uplinkS: 14400 });
    const d = checkDelivery(reg, dev.device.id, sampledFromConsole(res.console));
    expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
    reg.close();
  });

  it('a key rotation reaches the device by downlink; its messages switch to the new key version, nothing is lost', async () => {
    const { reg } = freshRegistry();
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: () => {} });
    const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 900, uplinkS: 3600 } });
    const res = await simulate({
      bundlePath: build.bundlePath,
      board,
      duration: 12 * HOUR,
      seed: 17,
      flash: dev.flash,
      startTime: START,
      peers: (_sb, ctx) => ctx.sched.at(4 * HOUR + 600_000, () => rotateDevice(reg, dev.device.id)),
    });
    await ingest.close();
    expect(res.console).toMatch(/key rotated to version 2/);
    expect(reg.getDevice(dev.device.id)).toMatchObject({ keyVersion: 2, previousKeyVersion: null });
    const rows = reg.listReadings(dev.device.id);
    expect(new Set(rows.map((r) => r.keyVersion))).toEqual(new Set([1, 2]));
    expect(JSON.parse(new EspruinoStorage(res.flash).read('sn.cfg')!).kv).toBe(2);
    const d = checkDelivery(reg, dev.device.id, sampledFromConsole(res.console));
    expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
    expect(d.notDelivered.length).toBeLessThanOrEqual(16);
    expect(reg.readLog({ device: dev.device.id }).map((l) => l.action)).toContain('device.key-switched');
    reg.close();
  });

  it('a board without a provisioned config says so on its console and sleeps safely (no crash loop)', async () => {
    const bad = await simulate({ bundlePath: build.bundlePath, board, duration: 3 * HOUR, seed: 1, startTime: START });
    expect(bad.errors).toEqual([]);
    expect(bad.console).toMatch(/sn: ERROR no sn\.cfg in Storage: this device is not provisioned\. Provision it/);
    // one wake per hour (each a 2,147 s chunk + the rest), not a reboot loop
    expect(bad.boots).toBeLessThanOrEqual(7);
    const flash = new (await import('../../sim/storage/flash.ts')).SimFlash({ bytes: board.mcu.storage.bytes, pageBytes: board.mcu.storage.pageBytes });
    new EspruinoStorage(flash).write('sn.cfg', '{"v":1,"id":"x",');
    const corrupt = await simulate({ bundlePath: build.bundlePath, board, duration: HOUR, seed: 1, flash, startTime: START });
    expect(corrupt.console).toMatch(/sn: ERROR sn\.cfg is not valid JSON/);
    expect(corrupt.errors).toEqual([]);
  });

  it('a device revoked mid-run is refused (4.03) from its next message and keeps what it could not deliver', async () => {
    const { reg } = freshRegistry();
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: () => {} });
    const dev = provisionSimDevice({ reg, fleet: 'farm', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 900, uplinkS: 3600 } });
    const res = await simulate({
      bundlePath: build.bundlePath,
      board,
      duration: 6 * HOUR,
      seed: 9,
      flash: dev.flash,
      startTime: START,
      peers: (_sb, ctx) => ctx.sched.at(3 * HOUR - 60_000, () => reg.revokeDevice(dev.device.id)),
    });
    await ingest.close();
    const d = checkDelivery(reg, dev.device.id, sampledFromConsole(res.console));
    expect(ingest.stats.refused.revoked).toBeGreaterThan(0);
    expect(res.console).toMatch(/ERROR uplink: COAP_4\.03/);
    const st = deviceState(res.flash);
    // delivered: the sample taken at power-on (sent at once) and the uplinks at 1 h and 2 h (4 samples each)
    expect(d.delivered).toBe((1 + 4 + 4) * 4);
    expect(st.ql - st.qa).toBe(d.sampled / 4 - 9);
    reg.close();
  });
});
