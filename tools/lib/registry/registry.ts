/**
 * The device registry: fleets, devices (kid, key version, status, replay window), the provisioning /
 * audit log, and pending downlinks, in one SQLite file (schema.ts). Used by the ingest server and by
 * the provisioning CLI; every change that matters for security (fleet created, device added, revoked,
 * key rotated) is logged in the same transaction as the change itself.
 *
 * Uplink storage (recordUplink in uplinks.ts) lives next to this file; both share these row types.
 */
import { resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { kidFromIndex, kidToHex, MAX_KID_LENGTH } from '../codec/keys.ts';
import { INITIAL_REPLAY_STATE, type ReplayState } from '../codec/replay.ts';
import { corruptError, openDatabase, type Db } from './schema.ts';
import { checkIccid, checkImei, checkImsi, checkName } from './validate.ts';
import { UplinkStore, type RecordResult, type UplinkRecord, type TakenDownlink } from './uplinks.ts';

export interface Fleet {
  id: number;
  name: string;
  created: number;
  hkdfSalt: Uint8Array;
  params: Record<string, unknown>;
  keyFile: string;
}

export type DeviceStatus = 'active' | 'revoked';

export interface Device {
  id: string;
  fleet: string;
  fleetId: number;
  kid: Uint8Array;
  kidHex: string;
  board: string | null;
  modem: string | null;
  imei: string | null;
  iccid: string | null;
  imsi: string | null;
  keyVersion: number;
  /** the previous key version, still accepted until the device sends with the new one */
  previousKeyVersion: number | null;
  status: DeviceStatus;
  created: number;
  revoked: number | null;
  lastSeen: number | null;
  lastCounter: number | null;
  replay: ReplayState;
  previousReplay: ReplayState | null;
  downlinkCounter: number;
}

export interface NewDevice {
  fleet: string;
  /** allocated as `<fleet>-<kid index>` when omitted */
  id?: string;
  /** allocated from the registry's kid sequence when omitted (tools/lib/codec/keys.ts kidFromIndex) */
  kid?: Uint8Array;
  board?: string;
  modem?: string;
  imei?: string;
  iccid?: string;
  imsi?: string;
  keyVersion?: number;
}

export interface NewFleet {
  name: string;
  keyFile: string;
  hkdfSalt?: Uint8Array;
  params?: Record<string, unknown>;
}

export interface LogEntry {
  action: string;
  fleet?: string | null;
  device?: string | null;
  detail?: Record<string, unknown>;
  actor?: string;
}

export interface LogRow extends Required<Omit<LogEntry, 'detail'>> {
  seq: number;
  at: number;
  detail: Record<string, unknown>;
}

export interface DeviceRow {
  id: string;
  fleet_id: number;
  fleet: string;
  kid: Buffer;
  board: string | null;
  modem: string | null;
  imei: string | null;
  iccid: string | null;
  imsi: string | null;
  key_version: number;
  prev_key_version: number | null;
  prev_replay_highest: number | null;
  prev_replay_bitmap: number | null;
  status: DeviceStatus;
  created: number;
  revoked: number | null;
  last_seen: number | null;
  last_counter: number | null;
  replay_highest: number;
  replay_bitmap: number;
  downlink_counter: number;
}

const DEVICE_SELECT = 'SELECT d.*, f.name AS fleet FROM devices d JOIN fleets f ON f.id = d.fleet_id';

export function toDevice(r: DeviceRow): Device {
  const kid = new Uint8Array(r.kid);
  return {
    id: r.id, fleet: r.fleet, fleetId: r.fleet_id, kid, kidHex: kidToHex(kid), board: r.board, modem: r.modem,
    imei: r.imei, iccid: r.iccid, imsi: r.imsi, keyVersion: r.key_version, previousKeyVersion: r.prev_key_version,
    status: r.status, created: r.created, revoked: r.revoked, lastSeen: r.last_seen, lastCounter: r.last_counter,
    replay: { highest: r.replay_highest, bitmap: r.replay_bitmap },
    previousReplay: r.prev_key_version === null ? null : { highest: r.prev_replay_highest ?? -1, bitmap: r.prev_replay_bitmap ?? 0 },
    downlinkCounter: r.downlink_counter,
  };
}

export interface StoredReading {
  id: number;
  device: string;
  keyVersion: number;
  counter: number;
  index: number;
  name: string;
  unit: string | null;
  value: number | string | boolean | Uint8Array | null;
  sum: number | null;
  time: number;
  received: number;
}

interface ReadingRow {
  id: number;
  device_id: string;
  key_version: number;
  counter: number;
  idx: number;
  name: string;
  unit: string | null;
  value: number | null;
  value_string: string | null;
  value_bool: number | null;
  value_data: Buffer | null;
  sum: number | null;
  time: number;
  received: number;
}

function toStoredReading(r: ReadingRow): StoredReading {
  const value =
    r.value !== null ? r.value : r.value_string !== null ? r.value_string : r.value_bool !== null ? r.value_bool === 1 : r.value_data !== null ? new Uint8Array(r.value_data) : null;
  return {
    id: r.id, device: r.device_id, keyVersion: r.key_version, counter: r.counter, index: r.idx, name: r.name, unit: r.unit,
    value, sum: r.sum, time: r.time, received: r.received,
  };
}

const nowSeconds = (): number => Date.now() / 1000;

export class Registry {
  readonly path: string;
  readonly db: Db;
  private readonly uplinks: UplinkStore;
  private readonly byKid;
  private readonly byId;

  constructor(path: string, db: Db) {
    this.path = path;
    this.db = db;
    this.byKid = db.prepare(`${DEVICE_SELECT} WHERE d.kid = ?`);
    this.byId = db.prepare(`${DEVICE_SELECT} WHERE d.id = ?`);
    this.uplinks = new UplinkStore(db, (id) => this.byId.get(id) as DeviceRow | undefined, (e) => this.appendLog(e));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Run `fn` in one IMMEDIATE transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw corruptError(this.path, e) ?? e;
    }
  }

  appendLog(e: LogEntry): void {
    this.db
      .prepare('INSERT INTO audit_log (at, actor, action, fleet, device, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(nowSeconds(), e.actor ?? 'sensornode', e.action, e.fleet ?? null, e.device ?? null, JSON.stringify(e.detail ?? {}));
  }

  readLog(opts: { device?: string; fleet?: string } = {}): LogRow[] {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE (? IS NULL OR device = ?) AND (? IS NULL OR fleet = ?) ORDER BY seq')
      .all(opts.device ?? null, opts.device ?? null, opts.fleet ?? null, opts.fleet ?? null) as (Omit<LogRow, 'detail'> & { detail: string })[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  // ── fleets ──────────────────────────────────────────────────────────────────────────────────

  createFleet(f: NewFleet): Fleet {
    checkName('fleet name', f.name);
    return this.transaction(() => {
      if (this.findFleet(f.name)) {
        throw new UserError('DUPLICATE_FLEET', `${this.path}: fleet "${f.name}" already exists`, { hint: 'choose another name; a fleet is never replaced' });
      }
      const keyFile = resolve(f.keyFile);
      this.db
        .prepare('INSERT INTO fleets (name, created, hkdf_salt, params, key_file) VALUES (?, ?, ?, ?, ?)')
        .run(f.name, nowSeconds(), Buffer.from(f.hkdfSalt ?? new Uint8Array(0)), JSON.stringify(f.params ?? {}), keyFile);
      this.appendLog({ action: 'fleet.create', fleet: f.name, detail: { keyFile } });
      return this.getFleet(f.name);
    });
  }

  findFleet(name: string): Fleet | undefined {
    const r = this.db.prepare('SELECT * FROM fleets WHERE name = ?').get(name) as
      | { id: number; name: string; created: number; hkdf_salt: Buffer; params: string; key_file: string }
      | undefined;
    if (!r) return undefined;
    return { id: r.id, name: r.name, created: r.created, hkdfSalt: new Uint8Array(r.hkdf_salt), params: JSON.parse(r.params), keyFile: r.key_file };
  }

  getFleet(name: string): Fleet {
    const f = this.findFleet(name);
    if (!f) throw new UserError('UNKNOWN_FLEET', `${this.path}: no fleet "${name}"`, { hint: `create it with: sensornode fleet init ${name}` });
    return f;
  }

  listFleets(): Fleet[] {
    const names = this.db.prepare('SELECT name FROM fleets ORDER BY name').pluck().all() as string[];
    return names.map((n) => this.getFleet(n));
  }

  // ── devices ─────────────────────────────────────────────────────────────────────────────────

  /** Add a device; allocates a unique kid (and id) when not given. Duplicates are UserErrors. */
  addDevice(d: NewDevice): Device {
    if (d.id !== undefined) checkName('device id', d.id);
    if (d.kid !== undefined && (d.kid.length < 1 || d.kid.length > MAX_KID_LENGTH)) {
      throw new UserError('KID_LENGTH', `kid ${kidToHex(d.kid)} must be 1-${MAX_KID_LENGTH} bytes (RFC 8613 §3.3)`);
    }
    if (d.imei !== undefined) checkImei(d.imei);
    if (d.iccid !== undefined) checkIccid(d.iccid);
    if (d.imsi !== undefined) checkImsi(d.imsi);
    const version = d.keyVersion ?? 1;
    if (!Number.isInteger(version) || version < 0 || version > 0xffffffff) throw new UserError('KEY_VERSION', `key version ${version} is not an integer in 0..2^32-1`);
    return this.transaction(() => {
      const fleet = this.getFleet(d.fleet);
      let kid = d.kid;
      let index: number | undefined;
      if (!kid) {
        const next = this.db.prepare("SELECT value FROM meta WHERE key = 'next_kid_index'").pluck();
        index = next.get() as number;
        while (this.byKid.get(Buffer.from(kidFromIndex(index)))) index++;
        kid = kidFromIndex(index);
        this.db.prepare("UPDATE meta SET value = ? WHERE key = 'next_kid_index'").run(index + 1);
      } else if (this.byKid.get(Buffer.from(kid))) {
        throw new UserError('DUPLICATE_KID', `${this.path}: kid ${kidToHex(kid)} is already used by device "${this.getDeviceByKid(kid).id}"`);
      }
      let id = d.id;
      if (id === undefined) {
        id = `${fleet.name}-${index ?? kidToHex(kid)}`;
        for (let n = 2; this.byId.get(id); n++) id = `${fleet.name}-${index ?? kidToHex(kid)}-${n}`;
      } else if (this.byId.get(id)) {
        throw new UserError('DUPLICATE_DEVICE', `${this.path}: device "${id}" already exists (fleet ${(this.byId.get(id) as DeviceRow).fleet})`, {
          hint: 'device ids are permanent (they feed the key derivation); choose another id',
        });
      }
      this.db
        .prepare('INSERT INTO devices (id, fleet_id, kid, board, modem, imei, iccid, imsi, key_version, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, fleet.id, Buffer.from(kid), d.board ?? null, d.modem ?? null, d.imei ?? null, d.iccid ?? null, d.imsi ?? null, version, nowSeconds());
      this.appendLog({ action: 'device.add', fleet: fleet.name, device: id, detail: { kid: kidToHex(kid), keyVersion: version, board: d.board, modem: d.modem, imei: d.imei } });
      return this.getDevice(id);
    });
  }

  findDevice(id: string): Device | undefined {
    const r = this.byId.get(id) as DeviceRow | undefined;
    return r && toDevice(r);
  }

  findDeviceByKid(kid: Uint8Array): Device | undefined {
    const r = this.byKid.get(Buffer.from(kid.buffer, kid.byteOffset, kid.length)) as DeviceRow | undefined;
    return r && toDevice(r);
  }

  getDevice(id: string): Device {
    const d = this.findDevice(id);
    if (!d) throw new UserError('UNKNOWN_DEVICE', `${this.path}: no device "${id}"`, { hint: 'list devices with their ids and kids' });
    return d;
  }

  getDeviceById(id: string): Device {
    return this.getDevice(id);
  }

  getDeviceByKid(kid: Uint8Array): Device {
    const d = this.findDeviceByKid(kid);
    if (!d) throw new UserError('UNKNOWN_DEVICE', `${this.path}: no device with kid ${kidToHex(kid)}`);
    return d;
  }

  listDevices(opts: { fleet?: string; status?: DeviceStatus } = {}): Device[] {
    if (opts.fleet !== undefined) this.getFleet(opts.fleet);
    const rows = this.db
      .prepare(`${DEVICE_SELECT} WHERE (? IS NULL OR f.name = ?) AND (? IS NULL OR d.status = ?) ORDER BY f.name, d.kid`)
      .all(opts.fleet ?? null, opts.fleet ?? null, opts.status ?? null, opts.status ?? null) as DeviceRow[];
    return rows.map(toDevice);
  }

  /** Refuse every later message of the device (the ingest answers 4.03). Idempotent errors: revoking twice is an error. */
  revokeDevice(id: string, reason = ''): Device {
    return this.transaction(() => {
      const d = this.getDevice(id);
      if (d.status === 'revoked') throw new UserError('ALREADY_REVOKED', `${this.path}: device "${id}" is already revoked`);
      this.db.prepare("UPDATE devices SET status = 'revoked', revoked = ? WHERE id = ?").run(nowSeconds(), id);
      this.appendLog({ action: 'device.revoke', fleet: d.fleet, device: id, detail: { reason } });
      return this.getDevice(id);
    });
  }

  /**
   * Start a key rotation: key_version + 1 with a fresh replay window (new key and IV, so counters may
   * restart, tools/lib/codec/keys.ts). The old version (and its window) stays accepted until the
   * first message under the new one arrives; a second rotation before that drops the oldest version.
   */
  rotateDeviceKey(id: string): Device {
    return this.transaction(() => {
      const d = this.getDevice(id);
      if (d.status === 'revoked') throw new UserError('DEVICE_REVOKED', `${this.path}: device "${id}" is revoked; add a new device instead of rotating`);
      if (d.keyVersion >= 0xffffffff) throw new UserError('KEY_VERSION', `device "${id}" is at the last key version`);
      this.db
        .prepare(
          `UPDATE devices SET prev_key_version = key_version, prev_replay_highest = replay_highest, prev_replay_bitmap = replay_bitmap,
             key_version = key_version + 1, replay_highest = ?, replay_bitmap = ? WHERE id = ?`,
        )
        .run(INITIAL_REPLAY_STATE.highest, INITIAL_REPLAY_STATE.bitmap, id);
      this.appendLog({ action: 'device.rotate', fleet: d.fleet, device: id, detail: { from: d.keyVersion, to: d.keyVersion + 1 } });
      return this.getDevice(id);
    });
  }

  // ── uplinks and downlinks (uplinks.ts) ──────────────────────────────────────────────────────

  /** Replay check-and-update + readings + last_seen/last_counter in ONE transaction. */
  recordUplink(u: UplinkRecord): RecordResult {
    return this.transaction(() => this.uplinks.record(u));
  }

  queueDownlink(deviceId: string, payload: Uint8Array): number {
    return this.transaction(() => this.uplinks.queueDownlink(deviceId, payload));
  }

  /** The oldest unsent downlink for the device, marked sent with the next downlink counter. */
  takeDownlink(deviceId: string, viaCounter: number | null = null): TakenDownlink | null {
    return this.transaction(() => this.uplinks.takeDownlink(deviceId, viaCounter));
  }

  /** Stored readings of a device in arrival order (SenML value in `value` whatever its type). */
  listReadings(deviceId: string, opts: { limit?: number } = {}): StoredReading[] {
    const rows = this.db
      .prepare('SELECT * FROM readings WHERE device_id = ? ORDER BY id LIMIT ?')
      .all(deviceId, opts.limit ?? -1) as ReadingRow[];
    return rows.map(toStoredReading);
  }

  pendingDownlinks(deviceId: string): number {
    return this.db.prepare('SELECT count(*) FROM downlinks WHERE device_id = ? AND sent IS NULL').pluck().get(deviceId) as number;
  }
}

/** Open (create/migrate) a registry file. Errors: REGISTRY_CORRUPT, REGISTRY_TOO_NEW, REGISTRY_FOREIGN. */
export function openRegistry(path: string): Registry {
  return new Registry(path, openDatabase(path));
}
