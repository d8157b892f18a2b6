/** Runs hand-written Espruino JS on a SimBoard for tests. */
import { SimBoard, type SimBoardOptions } from '../../../sim/board/sim-board.ts';
import { testBoard } from './board.ts';

export async function boardWith(code: string, opts: Partial<SimBoardOptions> = {}): Promise<SimBoard> {
  const b = await SimBoard.create({ board: testBoard(), trace: true, ...opts });
  b.installBootCode(code, 'app.js');
  return b;
}

/** Powers on, runs for `ms` of virtual time, disposes; returns what a test inspects. */
export async function run(code: string, ms: number, opts: Partial<SimBoardOptions> = {}) {
  const b = await boardWith(code, opts);
  b.powerOn();
  b.runUntil(ms);
  const out = { console: b.consoleOutput, errors: b.errors, boots: b.boots, trace: b.trace.lines, board: b };
  b.dispose();
  return out;
}

/** Console lines without the CR Espruino adds. */
export function lines(s: string): string[] {
  return s.split('\r\n').filter((l) => l !== '');
}
