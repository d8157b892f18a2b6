import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/index.ts';
import { sampleLoggerBundle } from './helpers/sample-logger.ts';
import { lines } from './helpers/run.ts';

describe('sample-logger for a virtual year', () => {
  it('wakes every 15 minutes for 365 days, keeps its log bounded, and projects the battery life', async () => {
    const app = await sampleLoggerBundle();
    const r = await simulate({ bundle: app.code, sourceMap: app.sourceMap, board: 'devkitc-bc660k', duration: '365d', seed: 42 });
    // Measured wall time is part of the result: print it so test logs show how long a year takes.
    console.log(`virtual year: ${r.boots} boots in ${(r.wallMs / 1000).toFixed(1)} s wall`);
    expect(r.errors).toEqual([]);
    // Each cycle: 400 ms boot (not seen by getTime-based awake time) + a 15-minute grid → 900.4 s.
    expect(r.boots).toBe(Math.floor((365 * 86_400_000) / 900_400) + 1);
    expect(r.wakeups).toBe(r.boots - 1);
    const out = lines(r.console);
    expect(out).toHaveLength(r.boots);
    expect(out[out.length - 1]).toMatch(new RegExp(`^#${r.boots} \\d+,-?\\d+\\.\\d\\d,\\d+\\.\\d,3\\.00$`));
    // Storage: two rotating weekly files and the state; never more than 2 × 672 lines.
    const files = r.storage.files;
    expect(files).toContain('logger.json');
    expect(files).toContain('.bootcde');
    const chunks = files.filter((f) => f !== 'logger.json' && f !== '.bootcde');
    for (const f of chunks) expect(f).toMatch(/^log[01][\x01-\x09]$/);
    // 672 lines of ≤ 40 bytes per file in StorageFile chunks of 4064 bytes: at most 7 chunks per file.
    expect(chunks.filter((f) => f.startsWith('log0')).length).toBeLessThanOrEqual(7);
    expect(chunks.filter((f) => f.startsWith('log1')).length).toBeLessThanOrEqual(7);
    expect(chunks.filter((f) => f.startsWith('log1')).length).toBeGreaterThan(0);
    expect(r.storage.stats.freeBytes).toBeGreaterThan(100 * 1024);
    expect(r.storage.wear.maxErases).toBeGreaterThan(0);
    // Energy: the MCU sleeps > 99.9 % of the time; the DevKitC's regulator + USB bridge floor dominates.
    const mcu = r.energy.components.mcu;
    expect(mcu.states.deepSleep.ms / r.energy.durationMs).toBeGreaterThan(0.999);
    expect(r.energy.components.board.uAh).toBeGreaterThan(mcu.uAh);
    expect(r.energy.battery!.lifeDays).toBeGreaterThan(20);
    expect(r.energy.battery!.lifeDays).toBeLessThan(40);
  });
});
