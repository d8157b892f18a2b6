// Provision 20 simulated boards from a CSV (each on its own pty, through EspruinoTools as a real board
// would be), then run each provisioned flash with its app for 2 virtual hours against an embedded
// ingest: every device's readings arrive, decrypted with the keys the registry derives.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../tools/lib/build/index.ts';
import { startIngest, type Ingest, type ReadingJson } from '../../tools/lib/ingest/index.ts';
import { provisionBatch, readBatchFile, summaryTable, type BatchRowResult } from '../../tools/lib/provision/batch.ts';
import { openRegistry } from '../../tools/lib/registry/index.ts';
import { simulate } from '../../sim/index.ts';
import { fleetFixture, ROOT, type Fixture } from './helpers.ts';

const CSV = join(import.meta.dirname, '../fixtures/provision/batch-20.csv');
const APPS: Record<string, string> = { 'devkitc-bc660k': 'firmware/apps/soil-probe', 'devkitc-ec200u': 'firmware/apps/water-meter' };

describe('batch: 20 simulated boards from a CSV, then their readings at the ingest', () => {
  let fx: Fixture;
  let ingest: Ingest;
  const readings: ReadingJson[] = [];
  const lines: string[] = [];
  let results: BatchRowResult[];

  beforeAll(async () => {
    fx = fleetFixture();
    ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: fx.db, log: (l) => lines.push(l), onReading: (r) => readings.push(r) });
    results = await provisionBatch({
      rows: readBatchFile(CSV),
      registry: fx.db,
      server: `udp://127.0.0.1:${ingest.port}`,
      sampleS: 900,
      uplinkS: 3600,
      simSpeed: 25,
      simSeed: 100,
    });
  });
  afterAll(async () => {
    await ingest?.close();
    fx?.remove();
  });

  it('provisions every row: distinct ids and kids, the CSV ids kept, one provision.ok per device', () => {
    expect(results.map((r) => r.error ?? 'ok')).toEqual(Array(20).fill('ok'));
    expect(results.map((r) => r.action)).toEqual(Array(20).fill('provisioned'));
    const devices = fx.devices();
    expect(devices).toHaveLength(20);
    expect(new Set(devices.map((d) => d.kidHex)).size).toBe(20);
    expect(devices.filter((d) => d.id.startsWith('meter-')).map((d) => d.id).sort()).toEqual(['meter-04', 'meter-09', 'meter-14', 'meter-19']);
    for (const d of devices) {
      expect(d.iccid).toMatch(/^89\d{18}$/);
      expect(d.imsi).toMatch(/^00101\d{10}$/);
      expect(d.modem).toBe(d.board === 'devkitc-ec200u' ? 'EC200U' : 'BC660K-GL');
    }
    const ok = fx.log().filter((l) => l.action === 'provision.ok');
    expect(ok.map((l) => l.device).sort()).toEqual(devices.map((d) => d.id).sort());
    const table = summaryTable(results);
    expect(table).toContain('20 of 20 rows provisioned');
    expect(table.split('\n')).toHaveLength(22);
  });

  it('runs each provisioned flash with its app for 2 virtual hours: every device delivers readings the ingest stores', async () => {
    const bundles: Record<string, string> = {};
    await Promise.all(Object.entries(APPS).map(async ([board, app]) => (bundles[board] = (await buildApp({ entry: join(ROOT, app), board, write: false })).code)));
    for (const r of results) {
      const run = await simulate({ bundle: bundles[r.board]!, board: r.board, duration: '2h', flash: r.flash, seed: r.row });
      expect(run.errors, `${r.deviceId}: ${run.console.slice(-400)}`).toEqual([]);
      expect(run.console).not.toContain('not provisioned');
      expect(run.network!.datagramsUp, r.deviceId).toBeGreaterThanOrEqual(1);
    }
    const reg = openRegistry(fx.db);
    try {
      for (const r of results) {
        const stored = reg.listReadings(r.deviceId!);
        expect(stored.length, r.deviceId).toBeGreaterThan(0);
        expect(reg.getDevice(r.deviceId!).lastCounter, r.deviceId).not.toBeNull();
      }
    } finally {
      reg.close();
    }
    expect(new Set(readings.map((x) => x.device)).size).toBe(20);
    expect(ingest.stats.refused).toEqual({});
    const soil = readings.filter((x) => x.device.startsWith('farm-'));
    expect(new Set(soil.map((x) => x.name))).toEqual(new Set(['temp', 'hum', 'soil', 'bat']));
  });
});
