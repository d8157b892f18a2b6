/** The `sensornode boards` command as a user runs it (spawned, through bin/sensornode.js). */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shippedBoardIds } from '../../tools/lib/boards.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'sensornode.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sensornode boards', () => {
  it('--json lists the concrete boards with MCU, modem and sensors', () => {
    const r = run('boards', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; chip: string; modem?: string; sensors: string[]; abstract: boolean }[];
    expect(list.map((b) => b.id)).toEqual(shippedBoardIds().filter((id) => id !== 'esp32-base'));
    expect(list.find((b) => b.id === 'devkitc-bc660k')).toMatchObject({ chip: 'ESP32', modem: 'BC660K-GL', sensors: ['SHT3x', 'soil-moisture'] });
    expect(list.find((b) => b.id === 'lilygo-t-sim7080g-s3')).toMatchObject({ chip: 'ESP32-S3', modem: 'SIM7080G' });
    expect(list.find((b) => b.id === 'devkitc-ec200u')?.sensors).toEqual(['pulse', 'alarm']);
  });

  it('prints a table, and --all includes the abstract base', () => {
    const r = run('boards', '--all');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+MCU\s+MODEM\s+SENSORS$/);
    expect(lines.some((l) => /^devkitc-bc660k\s+DevKitC \+ BC660K-GL soil probe\s+ESP32\s+BC660K-GL\s+SHT3x, soil-moisture$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('esp32-base (base)'))).toBe(true);
  });

  it('show <id> prints the resolved board with the power table and assumption marks', () => {
    const r = run('boards', 'show', 'devkitc-bc660k');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('lineage         esp32-base → esp32-devkitc → devkitc-bc660k');
    expect(r.stdout).toMatch(/modem\s+psm\s+0\.8 µA\s+Quectel BC660K-GL Hardware Design §3\.4\.2/);
    expect(r.stdout).toMatch(/modem\s+tx\s+151 mA\s+\[assumed\]/);
    expect(r.stdout).toMatch(/board\s+quiescent\s+3\.79 mA\s+https:\/\/lucidar\.me/);
    expect(r.stdout).toContain('reset           D4 (active high, pulse 500 ms)');
  });

  it('show <id> --json prints every resolved field', () => {
    const r = run('boards', 'show', 'lilygo-t-a7670', '--json');
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.mcu.memoryLimitBytes).toBe(458724);
    expect(b.modem.powerEnable).toEqual({ pin: 'D12', activeHigh: true });
    expect(b.lineage).toEqual(['esp32-base', 'lilygo-t-a7670']);
  });

  it('an unknown id is a one-line error listing the known ids, exit code 1', () => {
    const r = run('boards', 'show', 'devkitc-nb');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `error: unknown board "devkitc-nb"; known boards: ${shippedBoardIds().join(', ')} (or give the path of your own board file)`,
    );
  });
});
