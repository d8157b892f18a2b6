/**
 * Firmware drivers by model name, for the host-side tools (replay, REPL, benchmark): each entry
 * builds the driver (imported directly from firmware/modem) and its simulator model on a harness.
 * Cat-1: EC200U (EG915U, EC800N variants) and A7670 (A7672 variant).
 */
import { Bc660k } from '../../../firmware/modem/bc660k.ts';
import { Sim7080g } from '../../../firmware/modem/sim7080g.ts';
import { Ec200u } from '../../../firmware/modem/ec200u.ts';
import { A7670 } from '../../../firmware/modem/a7670.ts';
import type { CellularModem, ModemDriver, ModemOptions } from '../../../firmware/modem/common.ts';
import type { ModelPins } from '../../../sim/modems/model-base.ts';
import { UserError } from '../errors.ts';

export interface DriverEntry {
  /** Board-style name. */
  name: string;
  create(opts: ModemOptions): ModemDriver & CellularModem;
  /** Control lines as on the reference board (boards/*.ts), for driver and model alike. */
  pins: ModelPins;
}

const A7670_PINS: ModelPins = {
  pwrkey: { pin: 'D4', activeHigh: true },
  reset: { pin: 'D5', activeHigh: true },
  wake: { pin: 'D25', activeHigh: false },
  powerEnable: { pin: 'D12', activeHigh: true },
};

export const DRIVERS: Record<string, DriverEntry> = {
  bc660k: {
    name: 'BC660K-GL',
    create: (o) => new Bc660k(o),
    pins: { reset: { pin: 'D4', activeHigh: true }, wake: { pin: 'D5', activeHigh: true } }, // boards/devkitc-bc660k.ts
  },
  sim7080g: {
    name: 'SIM7080G',
    create: (o) => new Sim7080g(o),
    pins: { pwrkey: { pin: 'D41', activeHigh: true }, wake: { pin: 'D42', activeHigh: false } }, // boards/lilygo-t-sim7080g-s3.ts
  },
  ec200u: { name: 'EC200U', create: (o) => new Ec200u({ ...o, variant: 'EC200U' }), pins: { pwrkey: { pin: 'D4', activeHigh: true } } }, // boards/devkitc-ec200u.ts
  eg915u: { name: 'EG915U', create: (o) => new Ec200u({ ...o, variant: 'EG915U' }), pins: { pwrkey: { pin: 'D4', activeHigh: true } } },
  ec800n: { name: 'EC800N', create: (o) => new Ec200u({ ...o, variant: 'EC800N' }), pins: { pwrkey: { pin: 'D4', activeHigh: true } } },
  // boards/lilygo-t-a7670.ts
  a7670: { name: 'A7670', create: (o) => new A7670({ ...o, variant: 'A7670' }), pins: A7670_PINS },
  a7672: { name: 'A7672', create: (o) => new A7670({ ...o, variant: 'A7672' }), pins: A7670_PINS },
};

export function driverFor(model: string): DriverEntry & { key: string } {
  const key = model.toLowerCase().replace(/-gl$/, '').replace(/[^a-z0-9]/g, '');
  const d = DRIVERS[key];
  if (!d) throw new UserError('UNKNOWN_MODEM', `no driver for modem "${model}"`, { hint: `available: ${Object.keys(DRIVERS).join(', ')}` });
  return { ...d, key };
}
