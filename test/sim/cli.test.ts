import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../tools/cli.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { out, err };
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('sensornode sim', () => {
  it('prints a summary with the firmware error at its TypeScript line and exits 1', async () => {
    const { out } = capture();
    const code = await main(['sim', 'test/fixtures/bundles/uncaught', '--board', 'devkitc-bc660k', '--duration', '1h']);
    expect(code).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/^board devkitc-bc660k: 60\.0 min virtual in [\d.]+ s wall/);
    expect(text).toContain('boots 1 (deep-sleep wake-ups 0), errors 1');
    expect(text).toContain('test/fixtures/bundles/uncaught/main.ts:10:15: Error: bad reading: garbage');
    expect(text).toMatch(/mcu +[\d.]+ mAh\/day +active240 100\.00%/);
    expect(text).toMatch(/battery 3000 mAh: ~\d+ days/);
  });
  it('--json gives the result with sensor values from --sensor', async () => {
    const { out } = capture();
    const code = await main(['sim', 'test/fixtures/bundles/sample-logger.js', '--board', 'devkitc-bc660k', '--duration', '31m', '--sensor', 'sht3x.temperature=30', '--sensor', 'battery=2.8', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out.join('\n'));
    expect(r.boots).toBe(3);
    expect(r.console.split('\r\n')[0]).toBe('#1 0,30.00,60.0,2.80');
    expect(r.errors).toEqual([]);
    expect(r.storage.files).toContain('logger.json');
  });
  it('rejects a bad --sensor and an unknown sensor name with one clear line', async () => {
    const { err } = capture();
    expect(await main(['sim', 'test/fixtures/bundles/sample-logger.js', '--board', 'devkitc-bc660k', '--sensor', 'nonsense'])).toBe(1);
    expect(await main(['sim', 'test/fixtures/bundles/sample-logger.js', '--board', 'devkitc-bc660k', '--sensor', 'sht9x.temperature=1'])).toBe(1);
    expect(err[0]).toContain('--sensor nonsense: expected name=spec');
    expect(err[1]).toContain("no sensor named 'sht9x.temperature' on board devkitc-bc660k");
  });
});
