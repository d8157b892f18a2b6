/**
 * Device registry operations behind `sensornode devices …`: list/show, revoke, key rotation with an
 * over-the-air key update, and export.
 *
 * Rotation (registry rotateDeviceKey: key_version + 1; the previous version stays accepted until the
 * device sends with the new one) queues an authenticated downlink carrying the new key material, as a
 * CBOR map with text keys (RFC 8949 §3.1 major type 5):
 *
 *   { "kv": <new key version>, "key": <32-byte bstr>, "iv": <12-byte bstr> }
 *
 * The ingest seals a queued downlink into the ACK of the device's next uplink with the keys of the
 * version that uplink authenticated under (tools/lib/ingest/pipeline.ts: sealDownlink(up.device.key,
 * up.device.iv, …)), i.e. the version the device still uses, so the device can open it. The device then
 * rewrites sn.cfg with the new kv/key/iv. Alternatively rotate over serial: `sensornode provision
 * --port <dev> --id <id>` rewrites sn.cfg with the registry's current version.
 */
import { UserError } from '../errors.ts';
import { deriveDeviceKeys } from '../codec/keys.ts';
import { encodeCbor } from '../codec/cbor.ts';
import { loadFleetSecret, type Device, type LogRow, type Registry } from '../registry/index.ts';

export interface DeviceView {
  id: string;
  fleet: string;
  kid: string;
  status: string;
  keyVersion: number;
  previousKeyVersion: number | null;
  board: string | null;
  modem: string | null;
  imei: string | null;
  iccid: string | null;
  imsi: string | null;
  created: string;
  revoked: string | null;
  lastSeen: string | null;
  lastCounter: number | null;
}

const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());

export function deviceView(d: Device): DeviceView {
  return {
    id: d.id, fleet: d.fleet, kid: d.kidHex, status: d.status, keyVersion: d.keyVersion, previousKeyVersion: d.previousKeyVersion,
    board: d.board, modem: d.modem, imei: d.imei, iccid: d.iccid, imsi: d.imsi,
    created: iso(d.created)!, revoked: iso(d.revoked), lastSeen: iso(d.lastSeen), lastCounter: d.lastCounter,
  };
}

export interface DeviceDetail extends DeviceView {
  pendingDownlinks: number;
  readings: number;
  log: { at: string; action: string; actor: string; detail: Record<string, unknown> }[];
}

export function showDevice(reg: Registry, id: string): DeviceDetail {
  const d = reg.getDevice(id);
  const readings = reg.db.prepare('SELECT count(*) FROM readings WHERE device_id = ?').pluck().get(id) as number;
  return {
    ...deviceView(d),
    pendingDownlinks: reg.pendingDownlinks(id),
    readings,
    log: reg.readLog({ device: id }).map((l: LogRow) => ({ at: iso(l.at)!, action: l.action, actor: l.actor, detail: l.detail })),
  };
}

/** The key-update downlink: CBOR {"kv", "key", "iv"} (header). */
export function keyUpdatePayload(keyVersion: number, key: Uint8Array, iv: Uint8Array): Uint8Array {
  return encodeCbor(new Map<string, unknown>([['kv', keyVersion], ['key', key], ['iv', iv]]));
}

export interface RotateResult {
  device: Device;
  from: number;
  to: number;
  downlinkId: number;
}

/**
 * Rotates the key and queues the key-update downlink in ONE transaction. Refuses a second rotation
 * while the first is pending: the registry accepts only the current and the previous version, so the
 * device (still on the oldest) would be locked out.
 */
export function rotateDevice(reg: Registry, id: string, opts: { keyFile?: string; passphrase?: string } = {}): RotateResult {
  const before = reg.getDevice(id);
  if (before.status === 'revoked') throw new UserError('DEVICE_REVOKED', `device "${id}" is revoked; add a new device instead of rotating`);
  if (before.previousKeyVersion !== null) {
    throw new UserError('ROTATION_PENDING', `device "${id}" has a rotation pending: it has not yet sent with key version ${before.keyVersion} (still on ${before.previousKeyVersion})`, {
      hint: `wait for its next uplink (it receives the new key in that ACK), or re-provision it over serial: sensornode provision --port <dev> --id ${id}`,
    });
  }
  const secret = loadFleetSecret(reg, before.fleet, opts);
  const salt = reg.getFleet(before.fleet).hkdfSalt;
  return reg.transaction(() => {
    const d = reg.rotateDeviceKey(id);
    const k = deriveDeviceKeys(secret, d.id, d.keyVersion, salt.length ? salt : undefined);
    const downlinkId = reg.queueDownlink(d.id, keyUpdatePayload(d.keyVersion, k.key, k.iv));
    return { device: d, from: before.keyVersion, to: d.keyVersion, downlinkId };
  });
}

export interface ExportRow extends DeviceView {
  key?: string;
  iv?: string;
}

/** Devices for export; key and IV (hex, current version) only when `withSecrets`. */
export function exportRows(reg: Registry, opts: { fleet?: string; withSecrets?: boolean; keyFile?: string; passphrase?: string } = {}): ExportRow[] {
  const devices = reg.listDevices({ fleet: opts.fleet });
  const secrets = new Map<string, Uint8Array>();
  return devices.map((d) => {
    const row: ExportRow = deviceView(d);
    if (opts.withSecrets) {
      let s = secrets.get(d.fleet);
      if (!s) {
        s = loadFleetSecret(reg, d.fleet, { keyFile: opts.keyFile, passphrase: opts.passphrase });
        secrets.set(d.fleet, s);
      }
      const salt = reg.getFleet(d.fleet).hkdfSalt;
      const k = deriveDeviceKeys(s, d.id, d.keyVersion, salt.length ? salt : undefined);
      row.key = Buffer.from(k.key).toString('hex');
      row.iv = Buffer.from(k.iv).toString('hex');
    }
    return row;
  });
}

const CSV_COLUMNS: (keyof ExportRow)[] = ['id', 'fleet', 'kid', 'status', 'keyVersion', 'previousKeyVersion', 'board', 'modem', 'imei', 'iccid', 'imsi', 'created', 'revoked', 'lastSeen', 'lastCounter'];

/** RFC 4180 CSV: a header line, CRLF line ends, fields with , " CR LF quoted. */
export function toCsv(rows: ExportRow[], withSecrets: boolean): string {
  const cols = withSecrets ? [...CSV_COLUMNS, 'key', 'iv'] as (keyof ExportRow)[] : CSV_COLUMNS;
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
