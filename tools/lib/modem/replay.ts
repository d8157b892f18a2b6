/**
 * `sensornode replay`: runs a firmware driver against a transcript modem (sim/modems/transcript.ts)
 * in virtual time and reports the exchange, each driver step's result, and — in strict mode — the
 * first divergence between the recorded and the sent command.
 */
import { readFileSync } from 'node:fs';
import { VirtualHarness, type WireEvent } from '../../../sim/modems/harness.ts';
import { TranscriptModem, parseTranscript, type Divergence, type ParsedTranscript } from '../../../sim/modems/transcript.ts';
import type { CellularModem } from '../../../firmware/modem/common.ts';
import { UserError } from '../errors.ts';
import { driverFor } from './drivers.ts';
import { parseLine } from './lines.ts';

export const REPLAY_STEPS: Record<string, (m: CellularModem) => Promise<unknown>> = {
  sync: (m) => m.sync(),
  init: (m) => m.init(),
  attach: (m) => m.attach(180000),
  signal: (m) => m.signal(),
  identity: (m) => m.identity(),
  time: (m) => m.networkTime(),
};

export interface ReplayOptions {
  file: string;
  model: string;
  strict: boolean;
  steps?: string[];
  apn?: string;
}

export interface StepResult {
  step: string;
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

export interface ReplayResult {
  transcript: ParsedTranscript;
  model: string;
  strict: boolean;
  wire: WireEvent[];
  steps: StepResult[];
  divergence: Divergence | null;
  unknown: string[];
  matched: number;
  reused: number;
  skippedEntries: number;
  /** Transcript entries never reached. */
  remaining: number;
}

export function loadTranscript(file: string): ParsedTranscript {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new UserError('TRANSCRIPT_UNREADABLE', `cannot read transcript ${file}: ${(e as Error).message}`);
  }
  try {
    return parseTranscript(text, file);
  } catch (e) {
    throw new UserError('TRANSCRIPT_INVALID', (e as Error).message, { hint: 'JSON lines need {"cmd": "...", "reply": "...", "delay": <ms>} per line' });
  }
}

export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const d = driverFor(opts.model);
  const steps = opts.steps ?? ['sync', 'init', 'attach'];
  for (const s of steps) if (!REPLAY_STEPS[s]) throw new UserError('BAD_STEP', `unknown replay step "${s}"`, { hint: `steps: ${Object.keys(REPLAY_STEPS).join(', ')}` });
  const transcript = loadTranscript(opts.file);
  const h = new VirtualHarness({ seed: 1 });
  const tm = h.connect(new TranscriptModem(h.ctx, transcript, opts.strict ? 'strict' : 'lenient'));
  let diverged: () => void = () => {};
  const divergence = new Promise<'diverged'>((r) => (diverged = () => r('diverged')));
  tm.onDivergence = () => diverged();
  const drv = d.create({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: d.pins, apn: opts.apn });
  const results: StepResult[] = [];
  try {
    for (const s of steps) {
      const p = REPLAY_STEPS[s](drv).then(
        (value): StepResult => ({ step: s, ok: true, value }),
        (e: { code?: string; message?: string }): StepResult => ({ step: s, ok: false, error: { code: e.code ?? 'ERROR', message: e.message ?? String(e) } }),
      );
      const r = await h.run(Promise.race([p, divergence]), 7 * 24 * 3600000);
      if (r === 'diverged') {
        results.push({ step: s, ok: false, error: { code: 'DIVERGED', message: `transcript divergence at ${tm.divergence!.source}` } });
        break;
      }
      results.push(r);
      if (!r.ok) break;
    }
  } finally {
    h.close();
  }
  return {
    transcript,
    model: d.name,
    strict: opts.strict,
    wire: h.wire,
    steps: results,
    divergence: tm.divergence,
    unknown: tm.unknown,
    matched: tm.matched,
    reused: tm.reused,
    skippedEntries: tm.skippedEntries,
    remaining: transcript.entries.length - tm.cursor,
  };
}

function show(text: string): string {
  return text.replace(/\r/g, '').replace(/[\x00-\x09\x0b-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatReplay(r: ReplayResult): string {
  const out: string[] = [];
  out.push(`replay of ${r.transcript.entries.length} transcript entries${r.transcript.origin ? ` (${r.transcript.origin})` : ''} against the ${r.model} driver, ${r.strict ? 'strict' : 'lenient'}`);
  let lastCmd: string | null = null;
  for (const w of r.wire) {
    const t = `${(w.t / 1000).toFixed(3).padStart(9)} s`;
    for (const l of show(w.text).split('\n')) {
      if (l.trim() === '') continue;
      if (w.dir === 'tx') {
        lastCmd = l.trim();
        out.push(`${t}  > ${l.trim()}`);
      } else {
        const p = parseLine(l, lastCmd);
        out.push(`${t}  < ${l.trim()}${p.kind === 'urc' || p.kind === 'banner' ? `   (${p.kind})` : ''}`);
      }
    }
  }
  for (const s of r.steps) out.push(s.ok ? `step ${s.step}: ok${s.value !== undefined ? ` ${JSON.stringify(s.value)}` : ''}` : `step ${s.step}: ${s.error!.code} — ${s.error!.message}`);
  if (r.divergence) {
    out.push(`divergence at ${r.divergence.source} (entry ${r.divergence.index + 1}):`);
    out.push(r.divergence.diff.split('\n').map((l) => `  ${l}`).join('\n'));
  }
  if (!r.strict) {
    const counts = new Map<string, number>();
    for (const u of r.unknown) counts.set(u, (counts.get(u) ?? 0) + 1);
    const list = [...counts].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', ');
    out.push(`matched ${r.matched} commands, skipped ${r.skippedEntries} transcript commands, reused ${r.reused} earlier replies, ${r.unknown.length} commands not in the transcript${list ? ` (${list})` : ''}`);
  }
  out.push(`${r.remaining} transcript entries not reached`);
  return out.join('\n');
}
