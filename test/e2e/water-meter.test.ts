/**
 * The water-meter example end to end: EC200U (LTE Cat-1) model, pulses from a reed switch counted with
 * setWatch on an always-awake ESP32, daily uplink, and an immediate uplink on a leak alarm.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../../tools/lib/build/index.ts';
import { loadBoard } from '../../tools/lib/boards.ts';
import { startIngest } from '../../tools/lib/ingest/index.ts';
import { initFleet, openRegistry } from '../../tools/lib/registry/index.ts';
import { checkDelivery, provisionSimDevice, sampledFromConsole } from '../../tools/lib/scenario.ts';
import { simulate, type PinEvent } from '../../sim/index.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';
import type { NodeState } from '../../firmware/node/state.ts';

const ROOT = resolve(__dirname, '../..');
const HOUR = 3_600_000;

describe('water meter → EC200U model → ingest', () => {
  it('counts pulses, reports daily, and sends at once on a leak alarm', async () => {
    const board = await loadBoard('devkitc-ec200u');
    const dir = mkdtempSync(join(tmpdir(), 'sn-wm-'));
    const build = await buildApp({ entry: join(ROOT, 'firmware/apps/water-meter'), board, outDir: join(dir, 'dist'), cwd: ROOT });
    const db = join(dir, 'readings.db');
    initFleet({ registryPath: db, name: 'city' });
    const reg = openRegistry(db);
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: () => {} });
    const dev = provisionSimDevice({ reg, fleet: 'city', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 900, uplinkS: 86400 } });
    // 40 pulses (400 l) between 1 h and 1 h 20 min; the leak sensor gets wet at 30 h for 10 minutes
    const inputs: PinEvent[] = [];
    for (let i = 0; i < 40; i++) inputs.push({ at: HOUR + i * 30_000, pin: 'pulse' });
    inputs.push({ at: 30 * HOUR, pin: 'alarm', level: 0 }, { at: 30 * HOUR + 600_000, pin: 'alarm', level: 1 });
    const res = await simulate({ bundlePath: build.bundlePath, board, duration: 50 * HOUR, seed: 2, flash: dev.flash, startTime: '2026-11-01T00:00:00Z', inputs, settleWallMs: 200 });
    await ingest.close();
    expect(res.errors).toEqual([]);
    expect(res.console).not.toMatch(/ERROR/);
    const sampled = sampledFromConsole(res.console);
    const d = checkDelivery(reg, dev.device.id, sampled);
    const st = new EspruinoStorage(res.flash).readJSON('sn.st') as NodeState;
    expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
    expect(d.delivered + (st.ql - st.qa) * 2).toBe(sampled.length);
    const rows = reg.listReadings(dev.device.id);
    // every pulse counted: 10 l each
    expect(Math.max(...rows.filter((r) => r.name === 'volume').map((r) => r.value as number))).toBe(400);
    // the alarm went out within a minute, not at the next daily uplink
    const start = Date.parse('2026-11-01T00:00:00Z') / 1000;
    const wet = rows.find((r) => r.name === 'leak' && r.value === 1);
    expect(wet).toBeDefined();
    expect(wet!.time - start).toBeGreaterThanOrEqual(30 * 3600);
    expect(wet!.time - start).toBeLessThan(30 * 3600 + 60);
    // the modem is off between uplinks: power-off at the end of each session (Cat-1 has no PSM here)
    expect(res.energy.components.modem.state).toBe('off');
    reg.close();
  });
});
