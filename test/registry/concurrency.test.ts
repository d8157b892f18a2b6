/**
 * recordUplink atomicity across processes: several processes race to store the same counters of
 * one device in one SQLite file. Every counter must end up stored exactly once (3 readings each), the
 * accepted totals must add up, and the replay window must match what is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '../../tools/lib/registry/index.ts';
import { tempDir } from './helpers.ts';

const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const HAMMER = fileURLToPath(new URL('./fixtures/hammer.ts', import.meta.url));
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir()));
afterAll(() => tmp.remove());

function hammer(db: string, tag: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [RUN_TS, HAMMER, db, 'p1', String(count), tag], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', errText = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (errText += d));
    p.on('close', (code) => (code === 0 ? resolve((JSON.parse(out) as { accepted: number }).accepted) : reject(new Error(`hammer ${tag} exited ${code}: ${errText}`))));
  });
}

describe('concurrent recordUplink', () => {
  it('three processes racing over counters 0..299 store each counter exactly once', async () => {
    const db = tmp.path('r.db');
    const reg = openRegistry(db);
    reg.createFleet({ name: 'farm', keyFile: tmp.path('k') });
    reg.addDevice({ fleet: 'farm', id: 'p1' });
    reg.close();
    const N = 300;
    const accepted = await Promise.all(['a', 'b', 'c'].map((t) => hammer(db, t, N)));
    expect(accepted.reduce((x, y) => x + y, 0)).toBe(N);
    expect(accepted.filter((n) => n > 0).length).toBeGreaterThanOrEqual(1);
    const check = openRegistry(db);
    try {
      const rows = check.db.prepare('SELECT counter, count(*) AS n, count(DISTINCT substr(name, 1, 1)) AS writers FROM readings GROUP BY counter ORDER BY counter').all() as { counter: number; n: number; writers: number }[];
      expect(rows.length).toBe(N);
      expect(rows.every((r, i) => r.counter === i && r.n === 3 && r.writers === 1)).toBe(true);
      expect(check.getDevice('p1').replay).toEqual({ highest: N - 1, bitmap: 0xffffffff });
    } finally {
      check.close();
    }
  });
});
