import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRng } from '../../sim/core/rng.ts';
import { constant, csvSource, diurnal, parseSourceSpec, randomWalk } from '../../sim/sources.ts';
import { UserError } from '../../tools/lib/errors.ts';

const H = 3_600_000;
const fixtures = resolve(import.meta.dirname, '../fixtures');

function csvError(text: string): UserError {
  try {
    csvSource(text, { file: 'data/t.csv' });
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('value sources', () => {
  it('constant', () => {
    expect(constant(21.5).at(123456)).toBe(21.5);
  });

  it('diurnal: peak at phase, trough 12 h later, deterministic and order-independent noise', () => {
    const clean = diurnal({ mean: 20, amplitude: 5, rng: createRng(1) });
    expect(clean.at(15 * H)).toBeCloseTo(25, 10);
    expect(clean.at(3 * H)).toBeCloseTo(15, 10);
    const times = Array.from({ length: 200 }, (_, i) => i * 7 * 60_000 + 13);
    const a = diurnal({ mean: 20, amplitude: 5, noiseSd: 0.5, rng: createRng(42) });
    const b = diurnal({ mean: 20, amplitude: 5, noiseSd: 0.5, rng: createRng(42) });
    const forward = times.map((t) => a.at(t));
    const backward = [...times].reverse().map((t) => b.at(t)).reverse();
    expect(backward).toEqual(forward);
    const c = diurnal({ mean: 20, amplitude: 5, noiseSd: 0.5, rng: createRng(43) });
    expect(times.map((t) => c.at(t))).not.toEqual(forward);
    const dev = forward.map((v, i) => v - clean.at(times[i]!));
    const sd = Math.sqrt(dev.reduce((s, d) => s + d * d, 0) / dev.length);
    expect(sd).toBeGreaterThan(0.2);
    expect(sd).toBeLessThan(0.8);
    // smooth: 1 s apart differs far less than the noise sd
    expect(Math.abs(a.at(5 * H) - a.at(5 * H + 1000))).toBeLessThan(0.05);
  });

  it('randomWalk: same values whatever the query order, stays inside reflecting bounds', () => {
    const mk = () => randomWalk({ start: 50, sd: 3, stepMs: 60_000, min: 0, max: 100, rng: createRng(7) });
    const a = mk();
    const b = mk();
    const late = b.at(500 * 60_000 + 30_000);
    const seq = Array.from({ length: 600 }, (_, i) => a.at(i * 60_000 + 30_000));
    expect(seq[500]).toBe(late);
    expect(a.at(0)).toBe(50);
    expect(Math.min(...seq)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...seq)).toBeLessThanOrEqual(100);
    expect(new Set(seq.map((v) => Math.round(v))).size).toBeGreaterThan(10);
    expect(() => randomWalk({ start: 0, sd: 1, min: 5, max: 1, rng: createRng(1) })).toThrow(UserError);
  });

  it('csv in seconds: step and linear interpolation, clamped before first / after last row', () => {
    const text = '# soil moisture\n0,30\n60,32\n\n120,31\n';
    const step = csvSource(text, { file: 'm.csv' });
    const lin = csvSource(text, { file: 'm.csv', interpolate: 'linear' });
    expect(step.points).toBe(3);
    expect(step.at(-5000)).toBe(30);
    expect(step.at(30_000)).toBe(30);
    expect(lin.at(30_000)).toBe(31);
    expect(lin.at(90_000)).toBe(31.5);
    expect(step.at(60_000)).toBe(32);
    expect(step.at(10_000_000)).toBe(31);
  });

  it('csv with header and ISO 8601 times relative to the first row; column by name', () => {
    const text = readFileSync(resolve(fixtures, 'csv/field-station-48h.csv'), 'utf8');
    const t = csvSource(text, { file: 'field-station-48h.csv', column: 'temp_c' });
    const rh = csvSource(text, { file: 'field-station-48h.csv', column: 'rh_pct', interpolate: 'linear' });
    expect(t.points).toBe(193);
    expect(t.at(0)).toBe(9.72); // 2026-05-01T00:00Z
    expect(t.at(15 * 60_000)).toBe(9.46);
    expect(rh.at(7.5 * 60_000)).toBeCloseTo((83.1 + 83.3) / 2, 10);
    expect(t.at(15 * H)).toBeGreaterThan(t.at(3 * H) + 8); // afternoon warmer than night
  });

  it('csv errors name file:line and what is wrong', () => {
    expect(csvError('0,1\n10,abc\n').message).toBe('data/t.csv:2: value "abc" is not a number');
    expect(csvError('0,1\n# c\n5,2\n5,3\n').message).toBe('data/t.csv:4: timestamp 5 does not increase (previous row is at 5 s)');
    expect(csvError('time,v\n0,1\nnoon,2\n').message).toMatch(/^data\/t\.csv:3: timestamp "noon" is neither seconds nor an ISO 8601 time$/);
    expect(csvError('0,1\n2026-01-01T00:00:00Z,2\n').message).toMatch(/^data\/t\.csv:2: .*ISO 8601 but earlier rows use seconds/);
    expect(csvError('0\n').message).toBe('data/t.csv:1: expected a value in column 2, found 1 column(s)');
    expect(csvError('# only comments\n').message).toBe('data/t.csv: no data rows');
    expect(() => csvSource('t,a\n0,1\n', { file: 'x.csv', column: 'b' })).toThrow('x.csv:1: no column "b" in header (t, a)');
    expect(csvError('0,1\n1,\n').code).toBe('CSV_INVALID');
  });

  it('parseSourceSpec: numbers, constant:, diurnal:, walk:, csv: relative to baseDir, objects', () => {
    const opts = { rng: createRng(3), baseDir: fixtures };
    expect(parseSourceSpec(21.5, opts).at(0)).toBe(21.5);
    expect(parseSourceSpec('21.5', opts).at(0)).toBe(21.5);
    expect(parseSourceSpec('constant:-3', opts).at(9)).toBe(-3);
    const d = parseSourceSpec('diurnal:mean=20,amplitude=5,periodMs=12h,phaseMs=0', opts);
    expect(d.at(0)).toBeCloseTo(25, 10);
    expect(d.at(6 * H)).toBeCloseTo(15, 10);
    const w = parseSourceSpec('walk:start=50,sd=0.5,stepMs=10m,min=0,max=100', opts);
    expect(w.at(0)).toBe(50);
    const c = parseSourceSpec('csv:csv/field-station-48h.csv,column=rh_pct,interpolate=linear', opts);
    expect(c.at(0)).toBe(83.1);
    const c2 = parseSourceSpec({ type: 'csv', file: 'csv/field-station-48h.csv', column: 1 }, opts);
    expect(c2.at(0)).toBe(9.72);
    expect(parseSourceSpec({ type: 'diurnal', mean: 1, amplitude: 0 }, opts).at(5)).toBe(1);
  });

  it('parseSourceSpec errors are UserErrors saying what is wrong', () => {
    const opts = { rng: createRng(3), baseDir: fixtures };
    expect(() => parseSourceSpec('warm', opts)).toThrow(/value source "warm" not understood/);
    expect(() => parseSourceSpec('diurnal:mean=20', opts)).toThrow(/"amplitude" is required/);
    expect(() => parseSourceSpec('diurnal:mean=x,amplitude=1', opts)).toThrow(/mean=x is not a number/);
    expect(() => parseSourceSpec('diurnal:mean=1,amplitude=1,color=red', opts)).toThrow(/unknown key "color"/);
    expect(() => parseSourceSpec('diurnal:mean=1,amplitude=1,periodMs=soon', opts)).toThrow(/periodMs/);
    expect(() => parseSourceSpec('csv:nope.csv', opts)).toThrow(/cannot read .*nope\.csv: ENOENT/);
    expect(() => parseSourceSpec('csv:csv/field-station-48h.csv,interpolate=cubic', opts)).toThrow(/step or linear/);
    expect(() => parseSourceSpec({ type: 'sine' }, opts)).toThrow(/unknown type "sine"/);
    try {
      parseSourceSpec('warm', opts);
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).hint).toMatch(/csv:<file>/);
    }
  });
});
