/**
 * A simulated board on a pseudo-terminal: the board's console UART (Serial1 = UART0 on the ESP32)
 * is the pty, and it speaks the Espruino REPL (sim/repl/), so serial tools — EspruinoTools, the
 * provisioning helper, screen/picocom — talk to it as to a real Espruino ESP32 over USB-serial.
 *
 *   const s = await serveBoard({ board: 'devkitc-bc660k', app: 'dist/sample-logger.js' });
 *   // s.path is e.g. /dev/pts/4;  s.board is the SimBoard;  await s.close();
 *
 * Time: someone is talking to the board, so virtual time follows the wall clock (`speed` × wall time,
 * default 1×). Bytes from the pty reach the MCU at the console's baud rate. While the MCU is in deep
 * sleep nothing can talk to it (its UART is unpowered), so the sleep is skipped and the board wakes at
 * once — unless `realtime` is set, in which case sleeps last their real length too.
 *
 * If `app` is given it is installed as `.bootcde` (as flashing does) and the board boots it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Board } from '../boards/schema.ts';
import type { SimContext } from './core/types.ts';
import type { SimBoard } from './board/sim-board.ts';
import { wireDevices, type ValueSpec } from './board/devices.ts';
import { BundleSourceMap } from './engine/sourcemap.ts';
import { createConsoleBoard, type EspruinoConsole } from './repl/console.ts';
import { openRawPty, type RawPty } from './repl/pty.ts';

export interface ServeOptions {
  board: Board | string;
  /** Built bundle (.js) or app directory / .ts entry (built first for the board). */
  app?: string;
  seed?: number;
  /** Virtual ms per wall-clock ms while the MCU is awake. Default 1. */
  speed?: number;
  /** Let deep sleep last its virtual length in wall time too (default: skip it). */
  realtime?: boolean;
  sensors?: Record<string, ValueSpec>;
  /** Attach modem models / test peers: called after the board is wired, before power-on (as in simulate()). */
  peers?: (board: SimBoard, ctx: SimContext) => unknown;
  /** true: keep trace lines in memory (board.trace.lines); a path: JSONL file. */
  trace?: boolean | string;
  /** Also receives every byte the board sends on the pty (e.g. to show the console). */
  onOutput?: (text: string) => void;
  /** How often virtual time catches up with the wall clock when nothing else happens (ms). Default 10. */
  tickMs?: number;
}

export interface ServedBoard {
  /** The pty device tools open, e.g. /dev/pts/4. */
  readonly path: string;
  readonly board: SimBoard;
  readonly console: EspruinoConsole;
  /** Stops the board and closes the pty (idempotent). */
  close(): Promise<void>;
  /** Settles when the board stops: resolves on close(), rejects if the simulation failed. */
  readonly done: Promise<void>;
}

async function resolveBoard(board: Board | string): Promise<Board> {
  if (typeof board !== 'string') return board;
  const { loadBoard } = await import('../tools/lib/boards.ts');
  return loadBoard(board);
}

async function installApp(sb: SimBoard, app: string, board: Board): Promise<string> {
  if (app.endsWith('.js')) {
    const p = resolve(app);
    let code: string;
    try {
      code = readFileSync(p, 'utf8');
    } catch (e) {
      throw new Error(`--app ${app}: cannot read the bundle (${(e as Error).message})`);
    }
    sb.installBootCode(code, p.split('/').pop()!, BundleSourceMap.forBundle(p, code));
    return dirname(p);
  }
  const { buildApp } = await import('../tools/lib/build/index.ts');
  const r = await buildApp({ entry: app, board, write: false });
  sb.installBootCode(r.code, `${r.name}.js`, new BundleSourceMap(r.map, r.mapPath));
  return resolve(app);
}

export async function serveBoard(opts: ServeOptions): Promise<ServedBoard> {
  const board = await resolveBoard(opts.board);
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a positive number, got ${opts.speed}`);
  let pty: RawPty | undefined;
  const write = (text: string): void => {
    pty?.write(text);
    opts.onOutput?.(text);
  };
  const { board: sb, console: con } = await createConsoleBoard({ board, seed: opts.seed, trace: opts.trace, output: write });
  try {
    const baseDir = opts.app ? await installApp(sb, opts.app, board) : process.cwd();
    wireDevices(sb, { sensors: opts.sensors, baseDir });
    opts.peers?.(sb, sb.ctx);
    pty = openRawPty();
  } catch (e) {
    sb.dispose();
    throw e;
  }
  const port = pty;
  // The pty is UART0: when the firmware moves the console elsewhere, what it writes to Serial1 still goes out here.
  const serial1 = sb.uart('Serial1');
  serial1.tapTx((bytes) => write(Buffer.from(bytes).toString('latin1')));

  const wall0 = performance.now();
  let offset = 0; // virtual ms skipped (deep sleep without realtime)
  let closed = false;
  let fail: (e: unknown) => void = () => {};
  let finish: () => void = () => {};
  const done = new Promise<void>((res, rej) => {
    finish = res;
    fail = rej;
  });
  done.catch(() => {}); // a caller that never awaits `done` must not see an unhandled rejection

  const tick = (): void => {
    if (closed) return;
    try {
      let target = offset + (performance.now() - wall0) * speed;
      if (!opts.realtime && sb.state === 'deepSleep') {
        const next = sb.sched.peekTime();
        if (next !== undefined && next > target) {
          offset += next - target;
          target = next;
        }
      }
      if (target > sb.now()) sb.runUntil(target);
    } catch (e) {
      stop();
      fail(e);
    }
  };

  port.onData((bytes) => {
    if (closed) return;
    tick();
    serial1.toMcu(bytes);
    tick();
  });

  const timer = setInterval(tick, opts.tickMs ?? 10);
  const stop = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    port.close();
    sb.dispose();
  };

  sb.powerOn();
  tick();

  return {
    path: port.path,
    board: sb,
    console: con,
    done,
    async close() {
      stop();
      finish();
    },
  };
}
