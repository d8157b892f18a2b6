/**
 * Registry queries the provisioning CLI needs on top of registry.ts (additions only; the schema is
 * unchanged). Provisioning writes a device's config to the board BEFORE the device is recorded, so it
 * first asks which id and kid `addDevice` would allocate (planDevice), writes and verifies the config,
 * and only then records the device with exactly that id and kid (addPlannedDevice), advancing the kid
 * sequence in the same transaction. If another process took the id or kid meanwhile, addPlannedDevice
 * throws DUPLICATE_* and the caller plans again and rewrites the board.
 */
import { UserError } from '../errors.ts';
import { kidFromIndex, kidToHex } from '../codec/keys.ts';
import type { Device, NewDevice, Registry } from './registry.ts';
import { checkIccid, checkImei, checkImsi, checkName } from './validate.ts';

export interface PlannedDevice {
  fleet: string;
  id: string;
  kid: Uint8Array;
  kidHex: string;
  /** index in the kid sequence (tools/lib/codec/keys.ts kidFromIndex) */
  kidIndex: number;
  keyVersion: number;
}

/** What addDevice would allocate now for `fleet` (and `id`, when given); writes nothing. */
export function planDevice(reg: Registry, fleet: string, id?: string): PlannedDevice {
  const f = reg.getFleet(fleet);
  if (id !== undefined) {
    checkName('device id', id);
    const other = reg.findDevice(id);
    if (other) {
      throw new UserError('DUPLICATE_DEVICE', `${reg.path}: device "${id}" already exists (fleet ${other.fleet}, kid ${other.kidHex})`, {
        hint: 'device ids are permanent (they feed the key derivation); choose another id, or connect the board that holds this device to re-provision it',
      });
    }
  }
  let index = reg.db.prepare("SELECT value FROM meta WHERE key = 'next_kid_index'").pluck().get() as number;
  while (reg.findDeviceByKid(kidFromIndex(index))) index++;
  const kid = kidFromIndex(index);
  let devId = id;
  if (devId === undefined) {
    devId = `${f.name}-${index}`;
    for (let n = 2; reg.findDevice(devId); n++) devId = `${f.name}-${index}-${n}`;
  }
  return { fleet: f.name, id: devId, kid, kidHex: kidToHex(kid), kidIndex: index, keyVersion: 1 };
}

/** The Device a plan will become (for deviceConfig before the row exists). */
export function plannedAsDevice(reg: Registry, p: PlannedDevice, extra: Pick<NewDevice, 'board' | 'modem' | 'imei' | 'iccid' | 'imsi'> = {}): Device {
  const f = reg.getFleet(p.fleet);
  return {
    id: p.id, fleet: f.name, fleetId: f.id, kid: p.kid, kidHex: p.kidHex, board: extra.board ?? null, modem: extra.modem ?? null,
    imei: extra.imei ?? null, iccid: extra.iccid ?? null, imsi: extra.imsi ?? null, keyVersion: p.keyVersion, previousKeyVersion: null,
    status: 'active', created: Date.now() / 1000, revoked: null, lastSeen: null, lastCounter: null, replay: { highest: -1, bitmap: 0 },
    previousReplay: null, downlinkCounter: -1,
  };
}

/**
 * Records a planned device (exact id and kid) and moves the kid sequence past it, with the audit
 * entry `device.add` (from addDevice) and the caller's own entry (e.g. provision.ok), in one transaction.
 */
export function addPlannedDevice(
  reg: Registry,
  p: PlannedDevice,
  extra: Pick<NewDevice, 'board' | 'modem' | 'imei' | 'iccid' | 'imsi'>,
  log?: { action: string; detail: Record<string, unknown> },
): Device {
  return reg.transaction(() => {
    const d = reg.addDevice({ fleet: p.fleet, id: p.id, kid: p.kid, keyVersion: p.keyVersion, ...extra });
    reg.db.prepare("UPDATE meta SET value = max(value, ?) WHERE key = 'next_kid_index'").run(p.kidIndex + 1);
    if (log) reg.appendLog({ action: log.action, fleet: d.fleet, device: d.id, detail: log.detail });
    return d;
  });
}

/** Devices whose modem has this IMEI (a board provisioned before whose config was lost). */
export function findDevicesByImei(reg: Registry, imei: string): Device[] {
  const ids = reg.db.prepare('SELECT id FROM devices WHERE imei = ? ORDER BY created').pluck().all(imei) as string[];
  return ids.map((id) => reg.getDevice(id));
}

export interface Identity {
  board?: string | null;
  modem?: string | null;
  imei?: string | null;
  iccid?: string | null;
  imsi?: string | null;
}

/**
 * Updates what provisioning read from the board (a swapped SIM or modem, a board id recorded late),
 * with a `device.identity` audit entry listing old and new values. Returns the changed field names.
 */
export function updateDeviceIdentity(reg: Registry, id: string, next: Identity, actor?: string): string[] {
  if (next.imei) checkImei(next.imei);
  if (next.iccid) checkIccid(next.iccid);
  if (next.imsi) checkImsi(next.imsi);
  return reg.transaction(() => {
    const d = reg.getDevice(id);
    const changed: string[] = [];
    const detail: Record<string, unknown> = {};
    for (const k of ['board', 'modem', 'imei', 'iccid', 'imsi'] as const) {
      const v = next[k];
      if (v === undefined || v === null || v === d[k]) continue;
      changed.push(k);
      detail[k] = { from: d[k], to: v };
      reg.db.prepare(`UPDATE devices SET ${k} = ? WHERE id = ?`).run(v, id);
    }
    if (changed.length) reg.appendLog({ action: 'device.identity', fleet: d.fleet, device: id, detail, actor });
    return changed;
  });
}
