/**
 * The configuration file a provisioned node boots with (`sn.cfg`, read by firmware/node/config.ts):
 * identity, key material derived from the fleet root secret (HKDF, tools/lib/codec/keys.ts), server
 * address, APN and intervals. One function for every provisioning path — a real board over serial, a
 * simulated board over its pty, or a simulated flash prepared directly — so they all write the same bytes.
 */
import { UserError } from '../errors.ts';
import { deriveDeviceKeys } from '../codec/keys.ts';
import { configProblem, CONFIG_FILE, type ConfigFile } from '../../../firmware/node/config.ts';
import type { Device, Fleet } from '../registry/index.ts';

export { CONFIG_FILE };

export interface ConfigInputs {
  device: Device;
  fleet: Fleet;
  rootSecret: Uint8Array;
  host: string;
  port: number;
  apn?: string;
  sampleS: number;
  uplinkS: number;
  path?: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function deviceConfig(i: ConfigInputs): ConfigFile {
  const { key, iv } = deriveDeviceKeys(i.rootSecret, i.device.id, i.device.keyVersion, i.fleet.hkdfSalt);
  const cfg: ConfigFile = {
    v: 1,
    id: i.device.id,
    kid: i.device.kidHex,
    key: hex(key),
    iv: hex(iv),
    kv: i.device.keyVersion,
    host: i.host,
    port: i.port,
    sampleS: i.sampleS,
    uplinkS: i.uplinkS,
  };
  if (i.apn) cfg.apn = i.apn;
  if (i.path) cfg.path = i.path;
  const problem = configProblem(cfg);
  if (problem) throw new UserError('CONFIG_INVALID', `device ${i.device.id}: the config would be rejected by the firmware: ${problem}`);
  return cfg;
}

/** The app's default intervals from <app>/app.json (sampleS, uplinkS), if it has them. */
export function appIntervals(appJson: { sampleS?: unknown; uplinkS?: unknown } | undefined): { sampleS: number; uplinkS: number } {
  const s = typeof appJson?.sampleS === 'number' ? appJson.sampleS : 900;
  const u = typeof appJson?.uplinkS === 'number' ? appJson.uplinkS : 3600;
  return { sampleS: s, uplinkS: u };
}
