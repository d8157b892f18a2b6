/**
 * The main job (`npm start` = `sensornode demo`): build the soil-probe firmware, provision a simulated
 * device into a fresh registry, start the embedded ingest on 127.0.0.1, simulate the node for a week
 * over real UDP, and report what a user wants to know before building one: readings sampled, delivered,
 * dropped and duplicated, uplinks and bytes on air, energy per day and battery life, flash wear, and
 * where the readings are.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type BuildResult } from './build/index.ts';
import { loadBoard } from './boards.ts';
import { startIngest } from './ingest/index.ts';
import { initFleet, openRegistry } from './registry/index.ts';
import { checkDelivery, provisionSimDevice, sampledFromConsole, type DeliveryCheck } from './scenario.ts';
import { readAppJson } from './app-json.ts';
import { simulate, type SimResult } from '../../sim/index.ts';
import { parseDuration } from '../../sim/core/duration.ts';
import type { NetworkSpec } from '../../sim/modems/network.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';
import { STATE_FILE, type NodeState } from '../../firmware/node/state.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export interface DemoOptions {
  app?: string;
  board?: string;
  duration?: string | number;
  seed?: number;
  network?: NetworkSpec;
  /** where to put the registry, key file and bundle (default: a new temporary directory) */
  dir?: string;
  /** wall-clock start of the simulated week (default 2026-11-01T00:00:00Z) */
  startTime?: string;
  /** progress lines */
  log?: (line: string) => void;
}

export interface DemoReport {
  app: string;
  board: string;
  device: string;
  days: number;
  build: BuildResult;
  sim: SimResult;
  delivery: DeliveryCheck;
  /** channels per sample (readings = samples × channels) */
  samples: number;
  droppedByDevice: number;
  pendingOnDevice: number;
  uplinks: { attempted: number; ok: number; messagesStored: number; datagramsUp: number; datagramsDown: number; bytesUp: number; bytesDown: number };
  ingest: { duplicateDatagrams: number; duplicateReadings: number; refused: Record<string, number> };
  registryPath: string;
  dir: string;
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoReport> {
  const log = o.log ?? (() => {});
  const app = resolve(o.app ?? join(ROOT, 'firmware/apps/soil-probe'));
  const appJson = readAppJson(app);
  const board = await loadBoard(o.board ?? appJson?.board ?? 'devkitc-bc660k');
  const dir = o.dir ? resolve(o.dir) : mkdtempSync(join(tmpdir(), 'sensornode-demo-'));
  mkdirSync(dir, { recursive: true });
  const durationMs = parseDuration(o.duration ?? '7d', 'duration');

  log(`building ${relative(process.cwd(), app) || app} for ${board.id}`);
  const build = await buildApp({ entry: app, board, outDir: join(dir, 'dist'), cwd: ROOT });

  const registryPath = join(dir, 'readings.db');
  initFleet({ registryPath, name: 'demo' });
  const reg = openRegistry(registryPath);
  try {
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: (l) => log(l) });
    let sim: SimResult;
    let device;
    try {
      const prov = provisionSimDevice({ reg, fleet: 'demo', board, server: { host: ingest.address, port: ingest.port }, intervals: appJson });
      device = prov.device;
      log(`provisioned ${device.id} (kid ${device.kidHex}); ingest on udp://${ingest.address}:${ingest.port}`);
      log(`simulating ${(durationMs / 86_400_000).toFixed(1)} days of ${board.id} over real UDP …`);
      sim = await simulate({
        bundlePath: build.bundlePath,
        board,
        duration: durationMs,
        seed: o.seed ?? 1,
        flash: prov.flash,
        network: o.network ?? 'good',
        startTime: o.startTime ?? '2026-11-01T00:00:00Z',
      });
    } finally {
      await ingest.close();
    }
    const stats = ingest.stats;
    const sampled = sampledFromConsole(sim.console);
    const delivery = checkDelivery(reg, device.id, sampled);
    const state = new EspruinoStorage(sim.flash).readJSON(STATE_FILE, true) as NodeState | undefined;
    const channels = sampled.length && state?.nsm ? sampled.length / state.nsm : 1;
    return {
      app: relative(ROOT, app),
      board: board.id,
      device: device.id,
      days: durationMs / 86_400_000,
      build,
      sim,
      delivery,
      samples: state?.nsm ?? 0,
      droppedByDevice: (state?.dr ?? 0) * channels,
      pendingOnDevice: state ? (state.ql - state.qa) * channels : 0,
      uplinks: {
        attempted: state?.nup ?? 0,
        ok: state?.nok ?? 0,
        messagesStored: stats.stored,
        datagramsUp: sim.network?.datagramsUp ?? 0,
        datagramsDown: sim.network?.datagramsDown ?? 0,
        bytesUp: sim.network?.bytesUp ?? 0,
        bytesDown: sim.network?.bytesDown ?? 0,
      },
      ingest: { duplicateDatagrams: stats.duplicates, duplicateReadings: stats.duplicateReadings, refused: stats.refused },
      registryPath,
      dir,
    };
  } finally {
    reg.close();
  }
}

const n = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** UDP + IPv4 headers per datagram: what the radio carries besides the payload (no ROHC assumed). */
const UDP_IP_OVERHEAD = 28;

/**
 * A dev board's regulator and USB bridge often draw more than everything else together (DevKitC:
 * 3.8 mA). What the same firmware would last on a carrier board without that floor is the figure a
 * user needs to decide on hardware.
 */
function whatIfNoBoardFloor(e: DemoReport['sim']['energy']): string[] {
  const floor = e.components.board?.perDayUAh ?? 0;
  if (!e.battery || floor <= 0 || floor < 0.5 * e.perDayUAh) return [];
  const days = (e.battery.capacityMah * 1000) / (e.perDayUAh - floor);
  return [`  the board's own floor is ${n((100 * floor) / e.perDayUAh)} % of it: without it the same battery lasts ${n(days)} days (${n(days / 365, 1)} years)`];
}

export function formatDemoReport(r: DemoReport): string {
  const e = r.sim.energy;
  const days = r.days;
  const lost = r.delivery.sampled - r.delivery.delivered - r.droppedByDevice - r.pendingOnDevice;
  const air = r.uplinks.bytesUp + r.uplinks.bytesDown + UDP_IP_OVERHEAD * (r.uplinks.datagramsUp + r.uplinks.datagramsDown);
  const comps = Object.entries(e.components)
    .map(([name, c]) => ({ name, perDay: c.perDayUAh }))
    .sort((a, b) => b.perDay - a.perDay);
  const wear = r.sim.storage.wear;
  const lines = [
    '',
    `sensornode — ${r.app} on ${r.board}, device ${r.device}, ${n(days, 1)} simulated days (${n(r.sim.wallMs / 1000, 1)} s wall)`,
    '',
    'readings',
    `  sampled      ${n(r.delivery.sampled).padStart(8)}   (${n(r.samples)} samples)`,
    `  delivered    ${n(r.delivery.delivered).padStart(8)}   values and timestamps equal at the ingest: ${r.delivery.mismatched === 0 && r.delivery.unexpected === 0 ? 'yes' : `NO (${r.delivery.mismatched} differ, ${r.delivery.unexpected} unexpected)`}`,
    `  dropped      ${n(r.droppedByDevice).padStart(8)}   (device queue full)`,
    `  pending      ${n(r.pendingOnDevice).padStart(8)}   (still queued on the device at the end)`,
    `  duplicated   ${n(r.delivery.duplicated).padStart(8)}   (${n(r.ingest.duplicateReadings)} re-sent readings and ${n(r.ingest.duplicateDatagrams)} retransmitted datagrams were recognised and not stored twice)`,
    `  lost         ${n(lost).padStart(8)}`,
    '',
    'uplinks',
    `  sessions     ${n(r.uplinks.ok)} ok of ${n(r.uplinks.attempted)}, ${n(r.uplinks.messagesStored)} messages stored by the ingest`,
    `  datagrams    ${n(r.uplinks.datagramsUp)} up, ${n(r.uplinks.datagramsDown)} down`,
    `  bytes on air ${n(air)} (${n(r.uplinks.bytesUp)} B CoAP up + ${n(r.uplinks.bytesDown)} B down + ${UDP_IP_OVERHEAD} B UDP/IP per datagram), ${n(air / days)} B/day`,
    '',
    'energy',
    `  average      ${n(e.averageUA, 1)} µA, ${n(e.perDayUAh / 1000, 2)} mAh/day`,
    ...comps.map((c) => `  ${c.name.padEnd(12)} ${n(c.perDay / 1000, 3).padStart(9)} mAh/day`),
    e.battery
      ? `  battery      ${n(e.battery.capacityMah)} mAh → ${n(e.battery.lifeDays)} days (${n(e.battery.lifeYears, 1)} years) at this rate`
      : '  battery      (the board defines no battery)',
    ...whatIfNoBoardFloor(e),
    ...(e.unrated.length ? [`  unrated      ${e.unrated.join(', ')} (no current figures in the board file)`] : []),
    '',
    'flash',
    `  ${n(wear.totalErases)} page erases in ${n(days, 1)} days (max ${n(wear.maxErases)} on one page of ${n(wear.pages)}); at this rate the hottest page reaches 100,000 erases in ${wear.maxErases ? n((100_000 / wear.maxErases) * days / 365, 0) : '∞'} years`,
    `  ${n(r.sim.storage.stats.freeBytes)} B of Storage free, ${r.sim.storage.files.length} files`,
    '',
    `firmware     ${relative(process.cwd(), r.build.bundlePath)} (${n(r.build.size.rawBytes)} B, gzip ${n(r.build.size.gzipBytes)} B)`,
    `readings     ${r.registryPath}   (SQLite: SELECT * FROM readings)`,
    ...(r.sim.errors.length ? ['', `firmware errors: ${r.sim.errors.length}`, ...r.sim.errors.slice(0, 5).map((x) => `  ${JSON.stringify(x)}`)] : []),
    '',
  ];
  return lines.join('\n');
}
