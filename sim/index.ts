/**
 * The simulator's entry points.
 *
 *   simulate(opts)  runs a built bundle (or builds an app first) on a simulated board for a virtual
 *                   duration and returns console output, trace, energy report, Storage state, errors
 *                   with TypeScript positions, boots and timing.
 *   SimBoard        the lower-level runner (power on, run for/until, type into the console, evaluate
 *                   in the running JS world, attach UART peers and pin listeners) that the REPL and
 *                   modem models build on.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Board } from '../boards/schema.ts';
import type { SimContext } from './core/types.ts';
import { parseDuration } from './core/duration.ts';
import type { EnergyReport } from './core/energy.ts';
import type { WearReport } from './storage/flash.ts';
import { SimFlash } from './storage/flash.ts';
import type { StorageStats } from './storage/storage.ts';
import { SimBoard, type BootRecord, type SimBoardOptions } from './board/sim-board.ts';
import { wireDevices, type ValueSpec } from './board/devices.ts';
import { scheduleInputs, type PinEvent } from './board/inputs.ts';
import { BundleSourceMap } from './engine/sourcemap.ts';
import type { FirmwareError } from './engine/world.ts';
import type { CostModel } from './engine/cost.ts';

export { SimBoard } from './board/sim-board.ts';
export type { SimBoardOptions, BootRecord, WakeCause } from './board/sim-board.ts';
export { SimUart } from './board/uart.ts';
export { SimGpio } from './board/gpio.ts';
export { SimI2CBus } from './board/i2c.ts';
export { wireDevices, type ValueSpec } from './board/devices.ts';
export { scheduleInputs, parsePinEventsCsv, type PinEvent } from './board/inputs.ts';
export { DEFAULT_COST, type CostModel } from './engine/cost.ts';
export type { FirmwareError } from './engine/world.ts';
export { BundleSourceMap } from './engine/sourcemap.ts';
export { parseDuration } from './core/duration.ts';
export { SimFlash } from './storage/flash.ts';
import type { NetworkSpec } from './modems/network.ts';
import type { UdpBridge } from './modems/udp.ts';
import { wireBoardModem } from './modems/index.ts';
import type { ModemModelBase } from './modems/model-base.ts';

export interface SimulateOptions {
  /** Bundle source (one Espruino script). */
  bundle?: string;
  /** Path of a built bundle; its source map (`<bundle>.map` or sourceMappingURL) is used for positions. */
  bundlePath?: string;
  /** App directory or .ts entry: built first with buildApp for the board. */
  app?: string;
  /** Source map for `bundle` (JSON text, object, or a BundleSourceMap). */
  sourceMap?: string | object | BundleSourceMap;
  board: Board | string;
  /** Virtual duration: ms or '7d', '36h', '15m'. */
  duration: number | string;
  seed?: number;
  sensors?: Record<string, ValueSpec>;
  /** External pin events (button, pulse, alarm) or a CSV file of them. */
  inputs?: PinEvent[] | string;
  /** true: trace lines in the result; a path: JSONL file; false/undefined: no trace. */
  trace?: boolean | string;
  /** Attach modem models / test peers: called after the board is wired, before power-on. */
  peers?: (board: SimBoard, ctx: SimContext) => unknown;
  clockAfterDeepSleep?: 'continues' | 'resets';
  /** Wall-clock time at start: ms since 1970 or an ISO date. Default 0 (Espruino's RTC at power-on). */
  startTime?: number | string;
  /** Flash to continue from (a previous run's `result.flash`): its Storage is kept, the bundle is reinstalled. */
  flash?: SimFlash;
  onConsole?: (text: string) => void;
  cost?: Partial<CostModel>;
  powerLossRebootMs?: number;
  /** Directory sensor CSV paths are relative to (default: cwd). */
  baseDir?: string;
  /** Restore each boot's fresh JS context from a memory snapshot (default true; see sim/engine/engine.ts). */
  snapshot?: boolean;
  /**
   * The cell network the board's modem sees (preset or settings; sim/modems/network.ts). When the board
   * has a modem, its simulator model is wired to the modem UART and control pins, and its sockets send
   * real UDP datagrams from 127.0.0.1. `false`: no modem model (the modem UART stays silent).
   */
  network?: NetworkSpec | false;
  /**
   * Wall ms the run loop waits for a UDP reply before it lets virtual time move on (default 500: a
   * server on loopback answers in milliseconds; a server that is down costs this much per datagram).
   */
  settleWallMs?: number;
}

/** What went over the air (UDP through the modem model). */
export interface NetworkReport {
  datagramsUp: number;
  datagramsDown: number;
  bytesUp: number;
  bytesDown: number;
  lostUp: number;
  lostDown: number;
  /** Replies that came after the run loop stopped waiting (non-deterministic timing). */
  late: number;
  modemBoots: number;
}

export interface SimResult {
  board: string;
  console: string;
  /** Trace lines (trace: true) or the JSONL path (trace: '<path>'); undefined when off. */
  trace: string[] | string | undefined;
  energy: EnergyReport;
  storage: { files: string[]; stats: StorageStats; wear: WearReport };
  errors: FirmwareError[];
  boots: number;
  /** Boots caused by a deep-sleep wake-up (timer or pin). */
  wakeups: number;
  bootLog: BootRecord[];
  /** Virtual time simulated (ms). */
  durationMs: number;
  /** Host time the simulation took (ms). */
  wallMs: number;
  /** The flash, to continue in another simulate() call. */
  flash: SimFlash;
  /** Present when a modem model was attached. */
  network?: NetworkReport;
}

async function resolveBoard(board: Board | string): Promise<Board> {
  if (typeof board !== 'string') return board;
  const { loadBoard } = await import('../tools/lib/boards.ts');
  return loadBoard(board);
}

interface LoadedBundle {
  code: string;
  filename: string;
  map?: BundleSourceMap;
}

async function loadBundle(opts: SimulateOptions, board: Board): Promise<LoadedBundle> {
  const given = [opts.bundle !== undefined, opts.bundlePath !== undefined, opts.app !== undefined].filter(Boolean).length;
  if (given !== 1) throw new Error('simulate: give exactly one of bundle, bundlePath or app');
  if (opts.app !== undefined) {
    const { buildApp } = await import('../tools/lib/build/index.ts');
    const r = await buildApp({ entry: opts.app, board, write: false });
    return { code: r.code, filename: `${r.name}.js`, map: new BundleSourceMap(r.map, r.mapPath) };
  }
  if (opts.bundlePath !== undefined) {
    const p = resolve(opts.bundlePath);
    const code = readFileSync(p, 'utf8');
    return { code, filename: p.split('/').pop()!, map: BundleSourceMap.forBundle(p, code) };
  }
  const sm = opts.sourceMap;
  return { code: opts.bundle!, filename: 'bundle.js', map: sm === undefined ? undefined : sm instanceof BundleSourceMap ? sm : new BundleSourceMap(sm) };
}

export async function simulate(opts: SimulateOptions): Promise<SimResult> {
  let udp: UdpBridge | undefined;
  let model: ModemModelBase | undefined;
  const board = await resolveBoard(opts.board);
  const bundle = await loadBundle(opts, board);
  const durationMs = parseDuration(opts.duration, 'duration');
  const startTime = typeof opts.startTime === 'string' ? Date.parse(opts.startTime) : opts.startTime;
  if (startTime !== undefined && !Number.isFinite(startTime)) throw new Error(`startTime: cannot parse '${String(opts.startTime)}' (use ms since 1970 or an ISO date)`);
  const bopts: SimBoardOptions = {
    board,
    seed: opts.seed,
    trace: opts.trace,
    cost: opts.cost,
    clockAfterDeepSleep: opts.clockAfterDeepSleep,
    startTime,
    flash: opts.flash,
    powerLossRebootMs: opts.powerLossRebootMs,
    onConsole: opts.onConsole,
    snapshot: opts.snapshot,
  };
  const sb = await SimBoard.create(bopts);
  const t0 = performance.now();
  try {
    wireDevices(sb, { sensors: opts.sensors, baseDir: opts.baseDir ?? (opts.bundlePath ? dirname(resolve(opts.bundlePath)) : process.cwd()) });
    if (opts.inputs) scheduleInputs(sb, opts.inputs);
    if (opts.network !== false && board.modem) {
      // The network's clock agrees with the simulation's wall clock at start (the board's RTC may not).
      ({ model, udp } = wireBoardModem(sb, board.modem, opts.network ?? 'good', startTime));
    }
    opts.peers?.(sb, sb.ctx);
    sb.installBootCode(bundle.code, bundle.filename, bundle.map);
    sb.powerOn();
    if (udp) await runSettling(sb, udp, durationMs, opts.settleWallMs ?? 500);
    else sb.runUntil(durationMs);
    const wallMs = performance.now() - t0;
    const energy = sb.energy.report();
    const result: SimResult = {
      board: board.id,
      console: sb.consoleOutput,
      trace: opts.trace === true ? sb.trace.lines : typeof opts.trace === 'string' ? opts.trace : undefined,
      energy,
      storage: { files: sb.storage.list(), stats: sb.storage.getStats(), wear: sb.storage.wear() },
      errors: sb.errors,
      boots: sb.boots.length,
      wakeups: sb.boots.filter((b) => b.cause === 'timer' || b.cause === 'ext0' || b.cause === 'ext1').length,
      bootLog: sb.boots,
      durationMs,
      wallMs,
      flash: sb.flash,
      network: udp
        ? {
            datagramsUp: udp.stats.sent,
            datagramsDown: udp.stats.received,
            bytesUp: udp.stats.bytesUp,
            bytesDown: udp.stats.bytesDown,
            lostUp: udp.stats.lostUp,
            lostDown: udp.stats.lostDown,
            late: udp.stats.late,
            modemBoots: model?.boots ?? 0,
          }
        : undefined,
    };
    return result;
  } finally {
    udp?.close();
    sb.dispose();
  }
}

/**
 * The run loop when real UDP is involved (udp.ts, "the settle() contract"): the scheduler runs in long
 * stretches and stops when a datagram leaves; the loop then waits (in wall time, bounded) for the
 * server's reply, which the bridge schedules at send time + modelled round trip, and goes on.
 */
async function runSettling(sb: SimBoard, udp: UdpBridge, end: number, settleWallMs: number): Promise<void> {
  udp.onSend = () => sb.sched.stop();
  for (;;) {
    sb.runUntil(end);
    if (udp.inFlight()) await udp.settle(settleWallMs);
    if (sb.now() >= end) break;
  }
  udp.onSend = undefined;
}
