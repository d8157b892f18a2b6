/**
 * Value sources for simulated sensors (ValueSource: value at virtual time t in ms).
 *
 * Every generator is a pure function of (seed, t): noise is "value noise" — Gaussian values at knots
 * t = k·step, derived by hashing (seed, k), blended with a smoothstep — so `at(t)` does not depend on
 * which times were asked before or in which order. The seed is drawn once from the Rng given.
 *
 * CSV replay: rows `timestamp,value[,more]`; the timestamp is either seconds since the start of the
 * simulation (a number, fractional allowed) or an ISO 8601 date-time, taken relative to the first row
 * (all rows must use the same form). An optional header row names the columns; `#` starts a comment
 * line; blank lines are ignored. Timestamps must increase. Before the first row the first value
 * holds, after the last row the last value.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Rng, ValueSource } from './core/types.ts';
import { parseDuration } from './core/duration.ts';
import { UserError } from '../tools/lib/errors.ts';

const DAY_MS = 86_400_000;

/** 32-bit hash of (seed, k) — a murmur3-style finalizer over both words. */
function hash2(seed: number, k: number): number {
  let h = (seed ^ Math.imul(k | 0, 0x9e3779b1) ^ Math.imul(Math.floor(k / 4294967296), 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Standard normal deviate for knot k (Box–Muller on two hashed uniforms). */
function gaussAt(seed: number, k: number): number {
  const u1 = (hash2(seed, 2 * k) + 1) / 4294967297;
  const u2 = hash2(seed ^ 0x5bd1e995, 2 * k + 1) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Smooth value noise with unit variance at the knots, knots every stepMs. */
export function valueNoise(seed: number, stepMs: number): (t: number) => number {
  return (t) => {
    const x = t / stepMs;
    const k = Math.floor(x);
    const f = x - k;
    const s = f * f * (3 - 2 * f);
    return gaussAt(seed, k) * (1 - s) + gaussAt(seed, k + 1) * s;
  };
}

function drawSeed(rng: Rng): number {
  return rng.int(4294967296) >>> 0;
}

export function constant(v: number): ValueSource {
  if (!Number.isFinite(v)) throw new UserError('SOURCE_INVALID', `constant source: ${v} is not a finite number`);
  return { at: () => v };
}

export interface DiurnalOptions {
  mean: number;
  amplitude: number;
  /** Cycle length, ms (default 24 h). */
  periodMs?: number;
  /** Time of the daily maximum, ms after the start of the cycle (default 15 h: mid-afternoon). */
  phaseMs?: number;
  /** Standard deviation of the added smooth noise (default 0). */
  noiseSd?: number;
  /** Noise knot spacing, ms (default 10 min). */
  noiseStepMs?: number;
  rng: Rng;
}

/** mean + amplitude·cos(2π(t − phase)/period) + smooth seeded noise. */
export function diurnal(o: DiurnalOptions): ValueSource {
  const period = o.periodMs ?? DAY_MS;
  const phase = o.phaseMs ?? 15 * 3_600_000;
  const sd = o.noiseSd ?? 0;
  if (!(period > 0)) throw new UserError('SOURCE_INVALID', `diurnal source: periodMs must be > 0, got ${period}`);
  const noise = valueNoise(drawSeed(o.rng), o.noiseStepMs ?? 600_000);
  return { at: (t) => o.mean + o.amplitude * Math.cos((2 * Math.PI * (t - phase)) / period) + (sd ? sd * noise(t) : 0) };
}

export interface RandomWalkOptions {
  start: number;
  /** Standard deviation of each step. */
  sd: number;
  /** Step spacing, ms (default 10 min); values between steps are interpolated linearly. */
  stepMs?: number;
  /** Reflecting bounds. */
  min?: number;
  max?: number;
  rng: Rng;
}

/**
 * Gaussian random walk with reflecting bounds. Step i's increment is a hash of (seed, i); values are
 * cached in step order, so the walk is the same whatever times are asked and in whatever order.
 */
export function randomWalk(o: RandomWalkOptions): ValueSource {
  const step = o.stepMs ?? 600_000;
  if (!(step > 0)) throw new UserError('SOURCE_INVALID', `randomWalk source: stepMs must be > 0, got ${step}`);
  if (o.min !== undefined && o.max !== undefined && !(o.min < o.max)) {
    throw new UserError('SOURCE_INVALID', `randomWalk source: min (${o.min}) must be below max (${o.max})`);
  }
  const seed = drawSeed(o.rng);
  const values: number[] = [o.start];
  const valueAt = (n: number): number => {
    while (values.length <= n) {
      const i = values.length;
      let v = values[i - 1]! + o.sd * gaussAt(seed, i);
      for (let guard = 0; guard < 8; guard++) {
        if (o.max !== undefined && v > o.max) v = 2 * o.max - v;
        else if (o.min !== undefined && v < o.min) v = 2 * o.min - v;
        else break;
      }
      if (o.max !== undefined) v = Math.min(v, o.max);
      if (o.min !== undefined) v = Math.max(v, o.min);
      values.push(v);
    }
    return values[n]!;
  };
  return {
    at: (t) => {
      if (t <= 0) return o.start;
      const x = t / step;
      const k = Math.floor(x);
      const a = valueAt(k);
      return a + (valueAt(k + 1) - a) * (x - k);
    },
  };
}

export interface CsvOptions {
  /** Name used in error messages (file:line). */
  file: string;
  /** Value column: index (1 = first after the timestamp) or header name. Default 1. */
  column?: number | string;
  interpolate?: 'step' | 'linear';
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function csvSource(text: string, o: CsvOptions): ValueSource & { points: number } {
  const bad = (line: number, msg: string): never => {
    throw new UserError('CSV_INVALID', `${o.file}:${line}: ${msg}`, { hint: 'rows are "timestamp,value": seconds since start or ISO 8601 time; "#" starts a comment' });
  };
  const ts: number[] = [];
  const vs: number[] = [];
  let col = typeof o.column === 'number' ? o.column : 1;
  let form: 'seconds' | 'iso' | undefined;
  let t0 = 0;
  let first = true; // next non-comment line is the first one (may be a header)
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const raw = lines[i]!.trim();
    if (!raw || raw.startsWith('#')) continue;
    const cells = raw.split(',').map((c) => c.trim());
    const tsCell = cells[0]!;
    const isNum = tsCell !== '' && Number.isFinite(Number(tsCell));
    const isIso = ISO_RE.test(tsCell) && Number.isFinite(Date.parse(tsCell));
    const wasFirst = first;
    first = false;
    if (wasFirst && !isNum && !isIso) {
      if (typeof o.column === 'string') {
        const idx = cells.indexOf(o.column);
        if (idx < 1) bad(ln, `no column "${o.column}" in header (${cells.join(', ')})`);
        col = idx;
      }
      continue;
    }
    if (wasFirst && typeof o.column === 'string') bad(ln, `column "${o.column}" requested but the file has no header row`);
    if (!isNum && !isIso) bad(ln, `timestamp "${tsCell}" is neither seconds nor an ISO 8601 time`);
    const f = isNum ? 'seconds' : 'iso';
    if (form && f !== form) bad(ln, `timestamp "${tsCell}" is ${f === 'iso' ? 'ISO 8601' : 'in seconds'} but earlier rows use ${form === 'iso' ? 'ISO 8601' : 'seconds'}`);
    form = f;
    let tSec: number;
    if (f === 'seconds') tSec = Number(tsCell);
    else {
      const ms = Date.parse(tsCell);
      if (ts.length === 0) t0 = ms;
      tSec = (ms - t0) / 1000;
    }
    if (cells.length <= col) bad(ln, `expected a value in column ${col + 1}, found ${cells.length} column(s)`);
    const vCell = cells[col]!;
    const v = Number(vCell);
    if (vCell === '' || !Number.isFinite(v)) bad(ln, `value "${vCell}" is not a number`);
    if (ts.length && tSec <= ts[ts.length - 1]!) bad(ln, `timestamp ${tsCell} does not increase (previous row is at ${ts[ts.length - 1]} s)`);
    ts.push(tSec);
    vs.push(v);
  }
  if (!ts.length) throw new UserError('CSV_INVALID', `${o.file}: no data rows`, { hint: 'add rows "timestamp,value"' });
  const linear = (o.interpolate ?? 'step') === 'linear';
  return {
    points: ts.length,
    at: (t) => {
      const s = t / 1000;
      if (s <= ts[0]!) return vs[0]!;
      if (s >= ts[ts.length - 1]!) return vs[vs.length - 1]!;
      let lo = 0;
      let hi = ts.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (ts[mid]! <= s) lo = mid;
        else hi = mid;
      }
      if (!linear) return vs[lo]!;
      return vs[lo]! + ((vs[hi]! - vs[lo]!) * (s - ts[lo]!)) / (ts[hi]! - ts[lo]!);
    },
  };
}

type SpecObject = { type: string } & Record<string, unknown>;

const SPEC_HELP = 'use a number (21.5), csv:<file>[,column=<n|name>][,interpolate=linear], diurnal:mean=20,amplitude=5[,periodMs=24h,phaseMs=15h,noiseSd=0.3], walk:start=50,sd=0.5[,stepMs=10m,min=0,max=100]';

/**
 * A source from a CLI/config spec:
 *   21.5 | "21.5" | "constant:21.5"
 *   "csv:data/temp.csv" [",column=temp" | ",column=2"] [",interpolate=linear"]  (path relative to baseDir)
 *   "diurnal:mean=20,amplitude=5,periodMs=24h,phaseMs=15h,noiseSd=0.3,noiseStepMs=10m"
 *   "walk:start=50,sd=0.5,stepMs=10m,min=0,max=100"  (also "randomWalk:")
 *   or an object { type: 'csv' | 'diurnal' | 'walk' | 'constant', ... } with the same keys
 *   (csv: file; constant: value).
 */
export function parseSourceSpec(spec: string | number | object, opts: { rng: Rng; baseDir: string }): ValueSource {
  if (typeof spec === 'number') return constant(spec);
  let obj: SpecObject;
  if (typeof spec === 'string') {
    const s = spec.trim();
    if (s !== '' && Number.isFinite(Number(s))) return constant(Number(s));
    const colon = s.indexOf(':');
    if (colon < 0) throw new UserError('SOURCE_INVALID', `value source "${spec}" not understood`, { hint: SPEC_HELP });
    const type = s.slice(0, colon);
    const rest = s.slice(colon + 1);
    obj = { type };
    const parts = rest.split(',');
    let i = 0;
    if (type === 'csv') {
      obj.file = parts[0];
      i = 1;
    } else if (type === 'constant') {
      obj.value = parts[0];
      i = 1;
    }
    for (; i < parts.length; i++) {
      const p = parts[i]!.trim();
      if (!p) continue;
      const eq = p.indexOf('=');
      if (eq < 1) throw new UserError('SOURCE_INVALID', `value source "${spec}": "${p}" is not key=value`, { hint: SPEC_HELP });
      obj[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
  } else {
    obj = spec as SpecObject;
    if (!obj || typeof obj.type !== 'string') throw new UserError('SOURCE_INVALID', `value source ${JSON.stringify(spec)} has no "type"`, { hint: SPEC_HELP });
  }
  const where = typeof spec === 'string' ? `"${spec}"` : JSON.stringify(spec);
  const allowed = (keys: string[]) => {
    for (const k of Object.keys(obj)) {
      if (k !== 'type' && !keys.includes(k)) throw new UserError('SOURCE_INVALID', `value source ${where}: unknown key "${k}" (known: ${keys.join(', ')})`, { hint: SPEC_HELP });
    }
  };
  const num = (k: string, required: boolean): number | undefined => {
    const v = obj[k];
    if (v === undefined) {
      if (required) throw new UserError('SOURCE_INVALID', `value source ${where}: "${k}" is required`, { hint: SPEC_HELP });
      return undefined;
    }
    const n = Number(v);
    if (typeof v === 'boolean' || v === '' || !Number.isFinite(n)) throw new UserError('SOURCE_INVALID', `value source ${where}: ${k}=${String(v)} is not a number`);
    return n;
  };
  const dur = (k: string): number | undefined => {
    const v = obj[k];
    if (v === undefined) return undefined;
    try {
      return parseDuration(typeof v === 'number' ? v : String(v), k);
    } catch (e) {
      throw new UserError('SOURCE_INVALID', `value source ${where}: ${(e as Error).message}`);
    }
  };
  switch (obj.type) {
    case 'constant':
      allowed(['value']);
      return constant(num('value', true)!);
    case 'diurnal':
      allowed(['mean', 'amplitude', 'periodMs', 'phaseMs', 'noiseSd', 'noiseStepMs']);
      return diurnal({
        mean: num('mean', true)!, amplitude: num('amplitude', true)!, periodMs: dur('periodMs'), phaseMs: dur('phaseMs'),
        noiseSd: num('noiseSd', false), noiseStepMs: dur('noiseStepMs'), rng: opts.rng,
      });
    case 'walk':
    case 'randomWalk':
      allowed(['start', 'sd', 'stepMs', 'min', 'max']);
      return randomWalk({ start: num('start', true)!, sd: num('sd', true)!, stepMs: dur('stepMs'), min: num('min', false), max: num('max', false), rng: opts.rng });
    case 'csv': {
      allowed(['file', 'column', 'interpolate']);
      const file = obj.file;
      if (typeof file !== 'string' || !file) throw new UserError('SOURCE_INVALID', `value source ${where}: csv needs a file`, { hint: SPEC_HELP });
      const path = isAbsolute(file) ? file : resolve(opts.baseDir, file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new UserError('SOURCE_FILE', `value source ${where}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const interp = obj.interpolate;
      if (interp !== undefined && interp !== 'step' && interp !== 'linear') {
        throw new UserError('SOURCE_INVALID', `value source ${where}: interpolate must be step or linear, got ${String(interp)}`);
      }
      const c = obj.column;
      const column = c === undefined ? undefined : typeof c === 'number' || /^\d+$/.test(String(c)) ? Number(c) : String(c);
      return csvSource(text, { file, column, interpolate: interp as 'step' | 'linear' | undefined });
    }
    default:
      throw new UserError('SOURCE_INVALID', `value source ${where}: unknown type "${obj.type}"`, { hint: SPEC_HELP });
  }
}
