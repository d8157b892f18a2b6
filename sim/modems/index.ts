/**
 * Modem models by name, and how to wire one to a simulated board.
 *
 * Attaching a model to a board (what the engine's board setup does):
 *   const udp = new UdpBridge(ctx, network);                     // one per simulation
 *   const model = createModel(board.modem.model, { ctx, network, udp, pins: pinsFromBoard(board.modem) });
 *   attachModem(model, board.modem, { uart: uartFor(board.modem.uart.serial), gpio });
 * where `uart` is the MCU UART wired to the modem (anything with `attach(peer: UartPeer)`, e.g.
 * sim/board/uart.ts SimUart) and `gpio` anything with `addListener(pin, PinListener)` (SimGpio). The
 * model then gets the MCU's bytes with baud timing, answers through `line.toMcu`, reacts to the
 * PWRKEY/RESET/wake pins, and reports power states as `ctx.power.state('modem', …)` with the keys of
 * the board's power table. The run loop must call `await udp.settle(ms)` before advancing virtual time
 * while `udp.inFlight() > 0` (contract in udp.ts), and `udp.close()` at the end.
 */
import type { ModemDef } from '../../boards/schema.ts';
import type { PinListener, SimContext, UartPeer } from '../core/types.ts';
import { NetworkModel, type NetworkSpec } from './network.ts';
import { UdpBridge } from './udp.ts';
import { Bc660kModel } from './bc660k.ts';
import type { ModelOptions, ModelPins, ModemModelBase } from './model-base.ts';
import { Sim7080gModel } from './sim7080g.ts';
import { Ec200uModel } from './ec200u.ts';
import { A7670Model } from './a7670.ts';

export type ModelFactory = (opts: ModelOptions & { udp: UdpBridge }) => ModemModelBase;

/** Registry: lower-case key → factory. Board names (`BC660K-GL`, `SIM7080G`) map through modelKey(). */
export const MODELS: Record<string, ModelFactory> = {
  bc660k: (o) => new Bc660kModel(o),
  sim7080g: (o) => new Sim7080gModel(o),
  ec200u: (o) => new Ec200uModel({ ...o, variant: 'EC200U' }),
  eg915u: (o) => new Ec200uModel({ ...o, variant: 'EG915U' }),
  ec800n: (o) => new Ec200uModel({ ...o, variant: 'EC800N' }),
  a7670: (o) => new A7670Model({ ...o, variant: 'A7670' }),
  a7672: (o) => new A7670Model({ ...o, variant: 'A7672' }),
};

/** 'BC660K-GL' → 'bc660k', 'SIM7080G' → 'sim7080g', 'EC200U' → 'ec200u' … */
export function modelKey(name: string): string {
  return name.toLowerCase().replace(/-gl$/, '').replace(/[^a-z0-9]/g, '');
}

export function createModel(name: string, opts: ModelOptions & { udp: UdpBridge }): ModemModelBase {
  const f = MODELS[modelKey(name)];
  if (!f) throw new Error(`no simulator model for modem "${name}" (available: ${Object.keys(MODELS).join(', ')})`);
  return f(opts);
}

/** The control lines of a board's modem definition, as the model needs them. */
export function pinsFromBoard(def: ModemDef): ModelPins {
  const pins: ModelPins = {};
  if (def.pwrkey) pins.pwrkey = { pin: def.pwrkey.pin, activeHigh: def.pwrkey.activeHigh };
  if (def.reset) pins.reset = { pin: def.reset.pin, activeHigh: def.reset.activeHigh };
  if (def.wake) pins.wake = { pin: def.wake.pin, activeHigh: def.wake.activeHigh };
  if (def.powerEnable) pins.powerEnable = { pin: def.powerEnable.pin, activeHigh: def.powerEnable.activeHigh };
  return pins;
}

/** Wires the model to the board's modem UART and its control pins. */
export function attachModem(
  model: ModemModelBase,
  def: ModemDef,
  io: { uart: { attach(peer: UartPeer): void }; gpio: { addListener(pin: string, l: PinListener): void } },
): void {
  io.uart.attach(model);
  for (const line of [def.pwrkey, def.reset, def.wake, def.powerEnable]) if (line) io.gpio.addListener(line.pin, model);
}

/** A board's modem model wired up, with the UDP bridge its sockets use (close it at the end). */
export interface WiredModem {
  model: ModemModelBase;
  udp: UdpBridge;
}

/**
 * Everything a simulated board needs for its modem, in one place (simulate(), the pty board used for
 * provisioning): the seeded network model, the UDP bridge, the model for `def.model`, wired to the
 * modem UART and control pins. `networkEpochMs`: the network clock (+CCLK) at virtual time 0.
 */
export function wireBoardModem(
  io: { ctx: SimContext; uart(name: string): { attach(peer: UartPeer): void }; gpio: { addListener(pin: string, l: PinListener): void } },
  def: ModemDef,
  network: NetworkSpec,
  networkEpochMs?: number,
): WiredModem {
  const net = new NetworkModel(io.ctx.rng.fork('network'), network);
  const udp = new UdpBridge(io.ctx, net);
  const model = createModel(def.model, { ctx: io.ctx, network: net, udp, pins: pinsFromBoard(def), networkEpochMs });
  attachModem(model, def, { uart: io.uart(def.uart.serial), gpio: io.gpio });
  return { model, udp };
}
