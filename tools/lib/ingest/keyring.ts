/**
 * Device keys for the ingest: the fleet root secrets (loaded once at start from the key files) and a
 * bounded cache of derived per-device keys (HKDF per tools/lib/codec/keys.ts; deriving costs two
 * HKDF-SHA256 runs, caching makes it one Map lookup per datagram).
 */
import { deriveDeviceKeys, type DeviceKeyMaterial } from '../codec/keys.ts';
import type { Device, Fleet } from '../registry/index.ts';

export interface FleetSecret {
  fleet: Fleet;
  secret: Uint8Array;
}

const MAX_CACHED = 50_000;

export class Keyring {
  private readonly fleets = new Map<number, FleetSecret>();
  private readonly cache = new Map<string, DeviceKeyMaterial>();

  add(f: FleetSecret): void {
    this.fleets.set(f.fleet.id, f);
  }

  serves(fleetId: number): boolean {
    return this.fleets.has(fleetId);
  }

  get fleetNames(): string[] {
    return [...this.fleets.values()].map((f) => f.fleet.name);
  }

  /** Keys of `device` for `version`, or undefined when its fleet is not served by this ingest. */
  keys(device: Device, version: number): DeviceKeyMaterial | undefined {
    const f = this.fleets.get(device.fleetId);
    if (!f) return undefined;
    const k = `${device.fleetId}|${device.id}|${version}`;
    let m = this.cache.get(k);
    if (!m) {
      m = deriveDeviceKeys(f.secret, device.id, version, f.fleet.hkdfSalt.length ? f.fleet.hkdfSalt : undefined);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(k, m);
    }
    return m;
  }
}
