/**
 * CLI glue for `sensornode sim`: turns command-line options into simulate() options (target kind,
 * sensor specs, board from app.json) and formats the result as a short summary or JSON.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { simulate, type SimResult, type SimulateOptions } from '../../sim/index.ts';
import { parseDuration } from '../../sim/core/duration.ts';
import { UserError } from './errors.ts';
import { readAppJson } from './app-json.ts';

export interface SimCliOptions {
  target: string;
  board?: string;
  duration: string;
  seed?: number;
  trace?: string;
  console?: boolean;
  sensor?: string[];
  inputs?: string;
  clockAfterDeepSleep?: 'continues' | 'resets';
  startTime?: string;
}

/** `name=spec` pairs → sensors record; the spec grammar is sim/sources.ts parseSourceSpec. */
export function parseSensorArgs(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of list ?? []) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new UserError('SIM_SENSOR', `--sensor ${s}: expected name=spec, e.g. sht3x.temperature=diurnal:mean=20,amplitude=5 or battery=3.0`);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

function boardFromAppJson(target: string): string | undefined {
  return existsSync(target) && statSync(target).isDirectory() ? readAppJson(target)?.board : undefined;
}

export function toSimulateOptions(o: SimCliOptions): SimulateOptions {
  const target = resolve(o.target);
  if (!existsSync(target)) throw new UserError('SIM_TARGET', `${o.target}: no such app directory, .ts entry or built .js bundle`);
  const board = o.board ?? boardFromAppJson(target);
  if (!board) throw new UserError('SIM_BOARD', `sim ${o.target}: which board? pass --board <id> (see \`sensornode boards\`) or set "board" in app.json`);
  let duration: number;
  try {
    duration = parseDuration(o.duration, '--duration');
  } catch (e) {
    throw new UserError('SIM_DURATION', (e as Error).message);
  }
  const isBundle = extname(target) === '.js';
  return {
    ...(isBundle ? { bundlePath: target } : { app: o.target }),
    board,
    duration,
    seed: o.seed,
    trace: o.trace,
    sensors: parseSensorArgs(o.sensor),
    inputs: o.inputs,
    clockAfterDeepSleep: o.clockAfterDeepSleep,
    startTime: o.startTime,
    onConsole: o.console ? (t) => process.stdout.write(t) : undefined,
  };
}

export async function runSim(o: SimCliOptions): Promise<SimResult> {
  const opts = toSimulateOptions(o);
  try {
    return await simulate(opts);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const msg = (e as Error).message;
    if (/^(sensors|startTime|pin '|duration|simulate|value source|.*\.csv:\d+)/.test(msg)) throw new UserError('SIM_OPTIONS', msg);
    throw e;
  }
}

function fmtDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function fmtUAh(u: number): string {
  return u >= 1000 ? `${(u / 1000).toFixed(2)} mAh` : `${u.toFixed(1)} µAh`;
}

/** Short human summary of a run. */
export function formatSummary(r: SimResult): string {
  const out: string[] = [];
  const speed = r.wallMs > 0 ? r.durationMs / r.wallMs : Infinity;
  out.push(`board ${r.board}: ${fmtDuration(r.durationMs)} virtual in ${(r.wallMs / 1000).toFixed(2)} s wall (${speed >= 1e6 ? speed.toExponential(2) : speed.toFixed(0)}× real time)`);
  out.push(`boots ${r.boots} (deep-sleep wake-ups ${r.wakeups}), errors ${r.errors.length}`);
  const shown = r.errors.slice(0, 5);
  for (const e of shown) out.push(`  ${e.position ?? e.bundlePosition ?? '?'}: ${e.kind === 'uncaught' ? `${e.name}: ` : `${e.kind}: `}${e.message} (t=${fmtDuration(e.t)})`);
  if (r.errors.length > shown.length) out.push(`  … ${r.errors.length - shown.length} more (see --json)`);
  const en = r.energy;
  out.push(`energy: ${fmtUAh(en.perDayUAh)}/day, average ${en.averageUA.toFixed(1)} µA`);
  for (const [c, e] of Object.entries(en.components)) {
    const states = Object.entries(e.states)
      .filter(([, s]) => s.ms > 0)
      .map(([s, v]) => `${s} ${((100 * v.ms) / Math.max(1, en.durationMs)).toFixed(2)}%`)
      .join(', ');
    const assumed = Object.values(e.states).some((s) => s.assumed) ? ' (assumed figures)' : '';
    out.push(`  ${c.padEnd(8)} ${fmtUAh(e.perDayUAh).padStart(12)}/day  ${states}${assumed}`);
  }
  if (en.unrated.length) out.push(`  no current figures on this board for: ${en.unrated.join(', ')} (counted as 0)`);
  if (en.battery) out.push(`battery ${en.battery.capacityMah} mAh: ~${en.battery.lifeDays >= 730 ? `${en.battery.lifeYears.toFixed(1)} years` : `${en.battery.lifeDays.toFixed(0)} days`} at this average (ideal battery, no self-discharge)`);
  const st = r.storage.stats;
  out.push(`storage: ${st.fileCount} files, ${(st.freeBytes / 1024).toFixed(1)} KB free of ${(st.totalBytes / 1024).toFixed(0)} KB, trash ${(st.trashBytes / 1024).toFixed(1)} KB; flash erases ${r.storage.wear.totalErases} (max ${r.storage.wear.maxErases} on one page)`);
  if (typeof r.trace === 'string') out.push(`trace: ${r.trace}`);
  return out.join('\n');
}

/** JSON view of a result (without the flash object and in-memory trace). */
export function resultJson(r: SimResult): Record<string, unknown> {
  const { flash: _flash, trace, bootLog: _b, ...rest } = r;
  return { ...rest, trace: typeof trace === 'string' ? trace : undefined };
}
