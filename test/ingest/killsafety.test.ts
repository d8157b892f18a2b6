/**
 * Kill safety: the ingest runs as a child process (`node bin/sensornode.js ingest ...`); devices send
 * a stream of CONs (retransmitting like the firmware does) while the process is SIGKILLed at random
 * moments and restarted. Every reading whose 2.04 ACK a device received must be in SQLite exactly
 * once afterwards, and nothing may be stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initFleet, openRegistry, readKeyFile } from '../../tools/lib/registry/index.ts';
import { tempDir } from '../registry/helpers.ts';
import { SimDevice } from './device.ts';

const CLI = fileURLToPath(new URL('../../bin/sensornode.js', import.meta.url));
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir('sensornode-kill-')));
afterAll(() => tmp.remove());

/** Start the ingest CLI; resolves with the child and its UDP port once it is listening. */
function startChild(db: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ingest', '--listen', 'udp://127.0.0.1:0', '--registry', db], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code, sig) => reject(new Error(`ingest exited early (${code ?? sig}): ${err}`)));
  });
}

// small deterministic PRNG (mulberry32) so a failure can be replayed
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('kill safety', () => {
  it('SIGKILL at random moments: every ACKed reading is stored exactly once', async () => {
    const db = tmp.path('r.db');
    initFleet({ registryPath: db, name: 'farm' });
    const secret = readKeyFile(tmp.path('farm.fleet-key')).secret;
    const reg = openRegistry(db);
    const ids = ['k0', 'k1', 'k2', 'k3'];
    const kids = ids.map((id) => reg.addDevice({ fleet: 'farm', id }).kid);
    reg.close();

    const seed = Date.now() >>> 0;
    const rnd = prng(seed);
    let current = await startChild(db);
    const devices = await Promise.all(ids.map((id, i) => new SimDevice(id, kids[i]!, secret, current.port).open()));
    const acked = new Map<string, Set<number>>(ids.map((id) => [id, new Set()]));
    const sent = new Map<string, number>();
    let running = true;
    let kills = 0;

    const pump = async (d: SimDevice) => {
      for (let c = 0; running; c++) {
        sent.set(d.id, c + 1);
        const { bytes, mid } = d.datagram(c, [0, 1, 2].map((i) => ({ n: `m${i}`, v: c * 3 + i, t: 1_700_000_000 + c })));
        // retransmit until an answer (across restarts); 2.04 = stored now, 4.01 replay = stored by a killed incarnation
        for (;;) {
          d.port = current.port;
          const reply = await d.send(bytes, mid, 150).catch(() => null);
          if (reply?.code === '2.04') acked.get(d.id)!.add(c);
          if (reply) {
            expect(['2.04', '4.01']).toContain(reply.code);
            break;
          }
          if (!running) return;
        }
      }
    };
    const pumps = devices.map(pump);

    for (let k = 0; k < 3; k++) {
      await new Promise((res) => setTimeout(res, 100 + rnd() * 500));
      current.child.kill('SIGKILL');
      await new Promise((res) => current.child.once('exit', res));
      kills++;
      current = await startChild(db);
    }
    await new Promise((res) => setTimeout(res, 300));
    running = false;
    await Promise.all(pumps);
    current.child.kill('SIGKILL');
    await new Promise((res) => current.child.once('exit', res));
    for (const d of devices) d.close();

    const check = openRegistry(db);
    try {
      expect(check.db.pragma('integrity_check', { simple: true })).toBe('ok');
      let totalAcked = 0;
      for (const id of ids) {
        const rows = check.db.prepare('SELECT counter, count(*) AS n, sum(value) AS s FROM readings WHERE device_id = ? GROUP BY counter').all(id) as { counter: number; n: number; s: number }[];
        const byCounter = new Map(rows.map((r) => [r.counter, r]));
        for (const c of acked.get(id)!) {
          const row = byCounter.get(c);
          expect(row, `${id} counter ${c} was ACKed (seed ${seed})`).toBeDefined();
          expect(row!.n).toBe(3);
          expect(row!.s).toBe(c * 9 + 3);
        }
        for (const r of rows) {
          expect(r.n, `${id} counter ${r.counter} stored ${r.n} rows (seed ${seed})`).toBe(3);
          expect(r.counter).toBeLessThan(sent.get(id)!);
        }
        totalAcked += acked.get(id)!.size;
      }
      expect(kills).toBe(3);
      expect(totalAcked).toBeGreaterThan(20);
    } finally {
      check.close();
    }
  });
});
