/**
 * Building blocks for end-to-end runs (the main job, `npm start`, and the end-to-end tests): provision a
 * simulated device into a registry (the same `sn.cfg` a real board gets), read back what the firmware
 * sampled from its console, and compare it with what the ingest stored.
 */
import type { Board } from '../../boards/schema.ts';
import { SimFlash } from '../../sim/storage/flash.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';
import { CONFIG_FILE, deviceConfig, appIntervals } from './provision/device-config.ts';
import { loadFleetSecret, type Device, type Registry } from './registry/index.ts';
import type { ConfigFile } from '../../firmware/node/config.ts';

export interface SimDevice {
  device: Device;
  config: ConfigFile;
  /** The board's flash with sn.cfg written, ready for simulate({ flash }). */
  flash: SimFlash;
}

/** Registers a new device in `fleet` and writes its config into a fresh flash for `board`. */
export function provisionSimDevice(o: {
  reg: Registry;
  fleet: string;
  board: Board;
  server: { host: string; port: number };
  intervals?: { sampleS?: number; uplinkS?: number };
  apn?: string;
  id?: string;
}): SimDevice {
  const device = o.reg.addDevice({ fleet: o.fleet, id: o.id, board: o.board.id, modem: o.board.modem?.model });
  const config = deviceConfig({
    device,
    fleet: o.reg.getFleet(o.fleet),
    rootSecret: loadFleetSecret(o.reg, o.fleet),
    host: o.server.host,
    port: o.server.port,
    apn: o.apn ?? o.board.modem?.apn,
    ...appIntervals(o.intervals),
  });
  const flash = new SimFlash({ bytes: o.board.mcu.storage.bytes, pageBytes: o.board.mcu.storage.pageBytes });
  new EspruinoStorage(flash).write(CONFIG_FILE, JSON.stringify(config));
  o.reg.appendLog({ action: 'device.provisioned', actor: 'simulator', fleet: o.fleet, device: device.id, detail: { board: o.board.id, path: 'simulated flash' } });
  return { device, config, flash };
}

export interface SampledReading {
  time: number;
  name: string;
  value: number;
}

/** Every reading the node runtime sampled, from its console lines `sn: sample t=<s> name=value …`. */
export function sampledFromConsole(consoleText: string): SampledReading[] {
  const out: SampledReading[] = [];
  for (const line of consoleText.split(/\r?\n/)) {
    const m = /^sn: sample t=(\d+(?:\.\d+)?) (.*?)(?: \(queue full.*)?$/.exec(line);
    if (!m) continue;
    for (const kv of m[2].split(' ')) {
      const eq = kv.indexOf('=');
      if (eq > 0) out.push({ time: Number(m[1]), name: kv.slice(0, eq), value: Number(kv.slice(eq + 1)) });
    }
  }
  return out;
}

export interface DeliveryCheck {
  sampled: number;
  delivered: number;
  /** stored more than once (must be 0) */
  duplicated: number;
  /** stored with another value than sampled (must be 0) */
  mismatched: number;
  /** sampled, not stored: still in the device's queue or dropped by it */
  notDelivered: SampledReading[];
  /** stored but never sampled (must be 0) */
  unexpected: number;
}

/** Compares the firmware's samples with the registry's readings of one device. */
export function checkDelivery(reg: Registry, deviceId: string, sampled: SampledReading[]): DeliveryCheck {
  const stored = reg.listReadings(deviceId);
  const key = (name: string, time: number) => `${name}@${time}`;
  const byKey = new Map<string, number[]>();
  for (const r of stored) {
    const k = key(r.name, r.time);
    const list = byKey.get(k) ?? [];
    list.push(typeof r.value === 'number' ? r.value : NaN);
    byKey.set(k, list);
  }
  let delivered = 0;
  let mismatched = 0;
  let duplicated = 0;
  const notDelivered: SampledReading[] = [];
  const seen = new Set<string>();
  for (const s of sampled) {
    const k = key(s.name, s.time);
    seen.add(k);
    const got = byKey.get(k);
    if (!got) {
      notDelivered.push(s);
      continue;
    }
    delivered++;
    if (got.length > 1) duplicated += got.length - 1;
    if (Math.abs(got[0] - s.value) > 1e-9) mismatched++;
  }
  let unexpected = 0;
  for (const k of byKey.keys()) if (!seen.has(k)) unexpected++;
  return { sampled: sampled.length, delivered, duplicated, mismatched, notDelivered, unexpected };
}
