/**
 * Execution-cost model. Firmware JavaScript runs in zero virtual time on the host; to keep the MCU's
 * awake time (and so its energy) realistic, each run of firmware code is charged a deterministic
 * virtual duration:
 *
 *   bootMs        from power-on / wake-up to the first line of JS. ESP32 ROM + 2nd-stage bootloader +
 *                 Espruino init (heap, Storage mount) — ASSUMPTION: ~0.4 s; Espruino publishes no
 *                 figure for ESP32 boot time. Tune with a measurement of your board.
 *   callbackMs    fixed cost of entering JS for one event (timer, watch, serial data): ASSUMPTION 0.5 ms.
 *   pollMs        QuickJS calls its interrupt handler every few thousand branches/calls (measured in this
 *                 engine: 1,000,000 iterations of an empty `for` loop → 200 polls, i.e. every ~5000
 *                 iterations). Espruino is an AST-walking interpreter; ASSUMPTION ~5 µs per simple loop
 *                 iteration on a 240 MHz ESP32 → 25 ms per poll.
 *   maxCallbackMs a callback that runs longer than this (virtual) is stopped and reported as a
 *                 'watchdog' error — on the device the ESP32 task watchdog or a hang would follow.
 *
 * All figures are configurable through `simulate({ cost })` / `new SimBoard({ cost })`.
 */
export interface CostModel {
  bootMs: number;
  callbackMs: number;
  pollMs: number;
  maxCallbackMs: number;
}

export const DEFAULT_COST: CostModel = {
  bootMs: 400,
  callbackMs: 0.5,
  pollMs: 25,
  maxCallbackMs: 60_000,
};
