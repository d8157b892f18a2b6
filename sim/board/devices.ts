/**
 * Wires a board definition's sensors to the SimBoard: I2C devices from `board.i2c` (SHT3x, BME280
 * models from sim/devices), ADC inputs from `board.adc` (battery divider, soil-moisture probe) and
 * their physical quantities from value sources (sim/sources.ts): seeded generators by default, or
 * what the `sensors` option gives — a number, a spec string (`diurnal:mean=20,amplitude=5`,
 * `csv:data.csv,column=temp`, `walk:start=50,sd=0.5`) or a ValueSource object.
 *
 * Keys in `sensors`: `<device>.<quantity>` (e.g. `sht3x.temperature`, `bme280.pressure`), or the bare
 * quantity (`temperature`, `humidity`, `pressure`) for every device; ADC inputs by their board name
 * (`battery` in volts, `soil` in % volumetric moisture).
 */
import type { ValueSource } from '../core/types.ts';
import type { SimBoard } from './sim-board.ts';
import { Sht3x } from '../devices/sht3x.ts';
import { Bme280 } from '../devices/bme280.ts';
import { batteryDivider, soilMoistureProbe } from '../devices/analog.ts';
import { parseSourceSpec } from '../sources.ts';

export type ValueSpec = number | string | ValueSource | ({ type: string } & Record<string, unknown>);

/** Defaults: a plausible outdoor day/night cycle with slow drifts (assumptions, override with `sensors`). */
const DEFAULTS: Record<string, string> = {
  temperature: 'diurnal:mean=18,amplitude=6,noiseSd=0.3',
  humidity: 'walk:start=60,sd=0.8,min=20,max=98',
  pressure: 'walk:start=1013,sd=0.4,min=960,max=1050',
  soil: 'walk:start=35,sd=0.3,min=5,max=60',
};

/** Capacitive probe calibration (typical hobby probe at 3.3 V; see sim/devices/analog.ts). */
const SOIL_DRY_V = 2.8;
const SOIL_WET_V = 1.2;

export function resolveSource(board: SimBoard, key: string, spec: ValueSpec, baseDir: string): ValueSource {
  if (typeof spec === 'object' && spec !== null && typeof (spec as ValueSource).at === 'function') return spec as ValueSource;
  return parseSourceSpec(spec as string | number | object, { rng: board.rng.fork(`sensor:${key}`), baseDir });
}

export interface WireOptions {
  sensors?: Record<string, ValueSpec>;
  /** Directory CSV paths in sensor specs are relative to. */
  baseDir?: string;
}

export function wireDevices(board: SimBoard, opts: WireOptions = {}): void {
  const sensors = opts.sensors ?? {};
  const baseDir = opts.baseDir ?? process.cwd();
  const used = new Set<string>();
  const source = (device: string, quantity: string, fallback: ValueSpec): ValueSource => {
    const k1 = `${device}.${quantity}`;
    const key = k1 in sensors ? k1 : quantity in sensors ? quantity : undefined;
    if (key) used.add(key);
    return resolveSource(board, k1, key ? sensors[key]! : fallback, baseDir);
  };
  const b = board.board;
  for (const bus of b.i2c) {
    const sim = board.i2cBus(bus.bus);
    for (const d of bus.devices) {
      if (d.type === 'SHT3x') {
        sim.add(new Sht3x({ ctx: board.ctx, name: d.name, address: d.address, temperature: source(d.name, 'temperature', DEFAULTS.temperature), humidity: source(d.name, 'humidity', DEFAULTS.humidity) }));
      } else if (d.type === 'BME280') {
        sim.add(
          new Bme280({
            ctx: board.ctx,
            name: d.name,
            address: d.address,
            temperature: source(d.name, 'temperature', DEFAULTS.temperature),
            humidity: source(d.name, 'humidity', DEFAULTS.humidity),
            pressure: source(d.name, 'pressure', DEFAULTS.pressure),
          }),
        );
      } else {
        throw new Error(`board ${b.id}: no simulator model for I2C device type ${String(d.type)}`);
      }
    }
  }
  for (const a of b.adc) {
    const fullScaleV = a.fullScaleV ?? 3.3;
    const spec = sensors[a.name];
    if (spec !== undefined) used.add(a.name);
    if (a.role === 'battery') {
      const v = resolveSource(board, a.name, spec ?? b.battery?.nominalV ?? 3.7, baseDir);
      board.adc.set(a.pin, { name: a.name, ...batteryDivider({ ratio: a.dividerRatio ?? 1, fullScaleV, voltage: v }) });
    } else if (a.role === 'soil-moisture') {
      const m = resolveSource(board, a.name, spec ?? DEFAULTS.soil, baseDir);
      board.adc.set(a.pin, { name: a.name, ...soilMoistureProbe({ moisture: m, dryV: SOIL_DRY_V, wetV: SOIL_WET_V, fullScaleV }) });
    } else {
      // A plain analog input: the source gives volts at the pin.
      const v = resolveSource(board, a.name, spec ?? 0, baseDir);
      board.adc.set(a.pin, { name: a.name, read: (t: number) => Math.max(0, Math.min(1, v.at(t) / fullScaleV)) });
    }
  }
  const unknown = Object.keys(sensors).filter((k) => !used.has(k));
  if (unknown.length) {
    const known = [...b.i2c.flatMap((bus) => bus.devices.flatMap((d) => [`${d.name}.temperature`, `${d.name}.humidity`, ...(d.type === 'BME280' ? [`${d.name}.pressure`] : [])])), ...b.adc.map((a) => a.name)];
    throw new Error(`sensors: no sensor named ${unknown.map((k) => `'${k}'`).join(', ')} on board ${b.id} (known: ${known.join(', ') || 'none'}; also temperature, humidity, pressure for all devices)`);
  }
}
