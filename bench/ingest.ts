/**
 * Ingest benchmark: simulated devices with real keys (derived from a real fleet key file) send CoAP
 * CON POSTs (COSE_Encrypt0, SenML-CBOR, 3 readings each, sealed with the device codec) over real UDP
 * on loopback to `sensornode ingest` running as its own process on a real SQLite file (WAL,
 * synchronous=FULL). Each device is closed-loop: next message when the ACK is back, so latency =
 * send → ACK = send → durable storage.
 *
 *   phase 1: one device, sequential            → latency of a lone message (one fsync per ACK)
 *   phase 2: N devices, one message in flight each → sustained authenticated readings/s, p50/p99
 *
 * Messages are sealed before each phase so the generator's crypto does not compete with the ingest
 * for the CPU. Afterwards the database is checked: stored readings = 3 × ACKed messages.
 * Run: node bin/run-ts.js bench/ingest.ts [--devices 64] [--seconds 8] [--profile <dir>]   (≤ 30 s)
 * --profile writes a V8 CPU profile of the ingest process into <dir> (open it in Chrome DevTools).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initFleet, openRegistry, readKeyFile } from '../tools/lib/registry/index.ts';
import { SimDevice } from '../test/ingest/device.ts';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const DEVICES = Math.max(1, Math.min(arg('devices', 64), 1000));
const SECONDS = Math.max(1, Math.min(arg('seconds', 8), 15));
const LONE_SECONDS = 2;
const POOL = 60_000; // sealed messages available to phase 2 (≈ 2.6 s of sealing)
const CLI = fileURLToPath(new URL('../bin/sensornode.js', import.meta.url));
const profIdx = process.argv.indexOf('--profile');
const NODE_ARGS = profIdx > 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[profIdx + 1] ?? 'ingest-profile'] : [];

function startIngest(db: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, CLI, 'ingest', '--listen', 'udp://127.0.0.1:0', '--registry', db], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`ingest exited (${code}): ${err}`)));
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (x: number): string => `${x.toFixed(2)} ms`;

interface Sealed {
  bytes: Uint8Array;
  mid: number;
}

function sealPool(d: SimDevice, from: number, count: number): Sealed[] {
  const out: Sealed[] = [];
  for (let c = from; c < from + count; c++) {
    const t = 1_700_000_000 + c * 60;
    out.push(d.datagram(c, [
      { n: 'temp', u: 'Cel', v: 18 + (c % 100) / 10, t },
      { n: 'hum', u: '%RH', v: 40 + (c % 30), t },
      { n: 'bat', u: 'V', v: 3.6 + (c % 10) / 100, t },
    ]));
  }
  return out;
}

/** Closed loop over one device's pool until `until` (ms since epoch). Retransmits after 2 s. */
async function drive(d: SimDevice, pool: Sealed[], until: number, lat: number[]): Promise<{ acked: number; retransmits: number; exhausted: boolean }> {
  let acked = 0, retransmits = 0, i = 0;
  while (Date.now() < until && i < pool.length) {
    const m = pool[i++]!;
    const t0 = process.hrtime.bigint();
    for (;;) {
      const r = await d.send(m.bytes, m.mid, 2000).catch(() => null);
      if (r) {
        if (r.code !== '2.04') throw new Error(`${d.id}: unexpected ${r.code} ${r.text}`);
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        acked++;
        break;
      }
      retransmits++;
    }
  }
  return { acked, retransmits, exhausted: i >= pool.length && Date.now() < until };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sensornode-bench-'));
  const db = join(dir, 'bench.db');
  let ingest: { child: ChildProcess; port: number } | undefined;
  try {
    initFleet({ registryPath: db, name: 'bench' });
    const secret = readKeyFile(join(dir, 'bench.fleet-key')).secret;
    const reg = openRegistry(db);
    const regs = Array.from({ length: DEVICES + 1 }, (_, i) => reg.addDevice({ fleet: 'bench', id: `dev-${i}` }));
    reg.close();
    ingest = await startIngest(db);
    const devs = await Promise.all(regs.map((r) => new SimDevice(r.id, r.kid, secret, ingest!.port).open()));
    console.log(`ingest benchmark: ${DEVICES} devices, 3 readings per message, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}`);
    console.log(`  ingest: separate process, SQLite WAL + synchronous=FULL on ${tmpdir()}; ACK only after COMMIT`);

    // phase 1: one device, one message at a time
    const lone = devs[DEVICES]!;
    const lonePool = sealPool(lone, 0, 5000);
    const loneLat: number[] = [];
    await drive(lone, lonePool.slice(0, 50), Date.now() + 500, []); // warm-up (JIT, page cache)
    const l = await drive(lone, lonePool.slice(50), Date.now() + LONE_SECONDS * 1000, loneLat);
    loneLat.sort((a, b) => a - b);
    console.log(`  lone device:  ${l.acked} messages in ${LONE_SECONDS} s; send→ACK p50 ${ms(pct(loneLat, 50))}, p99 ${ms(pct(loneLat, 99))}`);

    // phase 2: all devices in parallel
    const per = Math.ceil(POOL / DEVICES);
    const sealStart = Date.now();
    const pools = devs.slice(0, DEVICES).map((d) => sealPool(d, 0, per));
    const sealMs = Date.now() - sealStart;
    const lat: number[] = [];
    const start = Date.now();
    const results = await Promise.all(devs.slice(0, DEVICES).map((d, i) => drive(d, pools[i]!, start + SECONDS * 1000, lat)));
    const elapsed = (Date.now() - start) / 1000;
    const acked = results.reduce((a, r) => a + r.acked, 0);
    const retransmits = results.reduce((a, r) => a + r.retransmits, 0);
    lat.sort((a, b) => a - b);
    console.log(`  ${DEVICES} devices:   ${acked} messages in ${elapsed.toFixed(1)} s = ${Math.round(acked / elapsed)} msg/s = ${Math.round((3 * acked) / elapsed)} authenticated readings/s sustained`);
    console.log(`                send→ACK p50 ${ms(pct(lat, 50))}, p90 ${ms(pct(lat, 90))}, p99 ${ms(pct(lat, 99))}, max ${ms(lat[lat.length - 1] ?? NaN)}; retransmissions ${retransmits}`);
    if (results.some((r) => r.exhausted)) console.log(`  note: some devices used up their ${per} pre-sealed messages before the end (sealing took ${sealMs} ms); raise POOL`);

    ingest.child.kill('SIGTERM');
    await new Promise((r) => ingest!.child.once('exit', r));
    ingest = undefined;
    const check = openRegistry(db);
    const rows = check.db.prepare('SELECT count(*) FROM readings').pluck().get() as number;
    check.close();
    const expected = 3 * (acked + l.acked + 50);
    console.log(`  check: ${rows} readings in SQLite for ${expected / 3} ACKed messages ${rows === expected ? '(= 3 × ACKed)' : `(MISMATCH: expected ${expected})`}`);
    for (const d of devs) d.close();
    if (rows !== expected) process.exitCode = 1;
  } finally {
    ingest?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
