/**
 * A model wired to a board the way the simulator does it (sim/modems/index.ts attachModem): the board
 * file's modem UART (SimUart, baud timing) and control pins (SimGpio listeners). The driver talks
 * through the MCU side of that UART; every power state the model reports must be a key of the
 * board's power table for 'modem' (so the energy meter can price it).
 */
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../tools/lib/boards.ts';
import { SimUart } from '../../sim/board/uart.ts';
import { SimGpio } from '../../sim/board/gpio.ts';
import { VirtualScheduler } from '../../sim/core/scheduler.ts';
import { createRng } from '../../sim/core/rng.ts';
import type { SimContext } from '../../sim/core/types.ts';
import { NetworkModel } from '../../sim/modems/network.ts';
import { UdpBridge } from '../../sim/modems/udp.ts';
import { attachModem, createModel, modelKey, pinsFromBoard } from '../../sim/modems/index.ts';
import { Bc660k } from '../../firmware/modem/bc660k.ts';

describe('attaching a model to a board', () => {
  it('devkitc-bc660k: RESET on D4 and Serial2 reach the BC660K model; power states match the board table', async () => {
    const board = await loadBoard('devkitc-bc660k');
    const sched = new VirtualScheduler();
    const states: string[] = [];
    const ctx: SimContext = { sched, rng: createRng(3), trace: { emit() {} }, power: { state: (c, s) => c === 'modem' && states.push(s) } };
    const net = new NetworkModel(ctx.rng.fork('network'), 'good');
    const udp = new UdpBridge(ctx, net);
    const def = board.modem!;
    expect(modelKey(def.model)).toBe('bc660k');
    const uart = new SimUart(def.uart.serial, ctx, { baud: def.uart.baud, tx: def.uart.tx, rx: def.uart.rx });
    const gpio = new SimGpio(ctx);
    const model = createModel(def.model, { ctx, network: net, udp, pins: pinsFromBoard(def) });
    attachModem(model, def, { uart, gpio });

    // The driver on the MCU side of the board's UART (what Serial2 is in the engine).
    let onData: (d: string) => void = () => {};
    uart.onReceive = (b) => onData(Buffer.from(b).toString('latin1'));
    const serial = { write: (d: string) => void uart.mcuWrite(new Uint8Array(Buffer.from(d, 'latin1'))), on: (_e: 'data', fn: (d: string) => void) => (onData = fn) };
    const pins = { reset: { pin: def.reset!.pin, activeHigh: def.reset!.activeHigh } };
    const drv = new Bc660k({
      serial,
      pins,
      timers: { setTimeout: (fn, ms) => sched.after(ms, fn), clearTimeout: (id) => sched.cancel(id) },
      gpio: { digitalWrite: (p, l) => gpio.write(String(p), l ? 1 : 0) },
      now: () => sched.now(),
    });
    const run = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      p.then(() => (done = true), () => (done = true));
      while (!done) {
        await new Promise((r) => setImmediate(r));
        const t = sched.peekTime();
        if (t === undefined || done) continue;
        sched.runUntil(t);
      }
      return p;
    };
    await run(drv.powerOn());
    expect(model.boots).toBe(2); // boots at power, again after the RESET pulse on D4
    await run(drv.sync());
    await run(drv.init());
    const reg = await run(drv.attach(180000));
    expect(reg.registered).toBe(true);
    const keys = Object.keys(board.power.modem);
    expect(states.length).toBeGreaterThan(2);
    for (const s of states) expect(keys).toContain(s);
    udp.close();
  });
});
