/**
 * Registry: schema and migrations, fleets and devices (allocation, duplicates, identifiers), the
 * append-only audit log, revocation and rotation, recordUplink (replay window + readings in one
 * transaction), downlink queue and counter, and the errors a user sees for bad files.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openRegistry, SCHEMA_VERSION, APPLICATION_ID, type Registry } from '../../tools/lib/registry/index.ts';
import { UserError } from '../../tools/lib/errors.ts';
import { tempDir, hex } from './helpers.ts';

let tmp: ReturnType<typeof tempDir>;
let reg: Registry;

beforeEach(() => {
  tmp = tempDir();
  reg = openRegistry(tmp.path('r.db'));
  reg.createFleet({ name: 'farm', keyFile: tmp.path('farm.fleet-key') });
});
afterEach(() => {
  reg.close();
  tmp.remove();
});

const T = 1_700_000_000;
const reading = (name: string, value: number | string | boolean | Uint8Array, time = 1_700_000_000.25) => ({ name, value, unit: 'Cel', time });

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('schema', () => {
  it('is WAL, synchronous=FULL, foreign keys on, versioned and marked as a sensornode registry', () => {
    expect(reg.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(reg.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(reg.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(reg.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(reg.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    const tables = reg.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['audit_log', 'devices', 'downlinks', 'fleets', 'meta', 'readings']));
    const cols = (t: string) => reg.db.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all();
    expect(cols('devices')).toEqual(expect.arrayContaining(['kid', 'imei', 'iccid', 'imsi', 'key_version', 'prev_key_version', 'status', 'last_seen', 'last_counter', 'replay_highest', 'replay_bitmap', 'downlink_counter']));
    expect(cols('fleets')).not.toContain('secret');
  });

  it('reopening an up-to-date file keeps its data', () => {
    reg.addDevice({ fleet: 'farm', id: 'probe-1' });
    reg.close();
    reg = openRegistry(tmp.path('r.db'));
    expect(reg.getDevice('probe-1').fleet).toBe('farm');
  });

  it('refuses a file from a newer schema version and leaves it unchanged', () => {
    reg.close();
    const raw = new Database(tmp.path('r.db'));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const e = userError(() => openRegistry(tmp.path('r.db')));
    expect(e.code).toBe('REGISTRY_TOO_NEW');
    expect(e.message).toContain('r.db');
    expect(e.message).toContain(`version ${SCHEMA_VERSION + 1}`);
    const again = new Database(tmp.path('r.db'));
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    again.close();
    reg = openRegistry(tmp.path('other.db'));
  });

  it('refuses a corrupt file and another program’s database, naming the file', () => {
    writeFileSync(tmp.path('junk.db'), Buffer.alloc(8192, 0x5a));
    const e = userError(() => openRegistry(tmp.path('junk.db')));
    expect(e.code).toBe('REGISTRY_CORRUPT');
    expect(e.message).toContain('junk.db');
    const other = new Database(tmp.path('other.db'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(userError(() => openRegistry(tmp.path('other.db'))).code).toBe('REGISTRY_FOREIGN');
  });
});

describe('fleets and devices', () => {
  it('allocates unique kids and ids, and finds devices by id and kid', () => {
    const a = reg.addDevice({ fleet: 'farm' });
    const b = reg.addDevice({ fleet: 'farm', board: 'devkitc-bc660k', modem: 'BC660K-GL', imei: '490154203237518', iccid: '8944500102198304826', imsi: '234150999999999' });
    expect(hex(a.kid)).toBe('00');
    expect(hex(b.kid)).toBe('01');
    expect(a.id).toBe('farm-0');
    expect(b).toMatchObject({ id: 'farm-1', board: 'devkitc-bc660k', modem: 'BC660K-GL', imei: '490154203237518', keyVersion: 1, status: 'active', replay: { highest: -1, bitmap: 0 } });
    expect(reg.getDeviceByKid(Uint8Array.of(1)).id).toBe('farm-1');
    expect(reg.getDeviceById('farm-0').kidHex).toBe('00');
    // a user-chosen kid is skipped by the allocator
    reg.addDevice({ fleet: 'farm', id: 'fixed', kid: Uint8Array.of(2) });
    expect(hex(reg.addDevice({ fleet: 'farm' }).kid)).toBe('03');
    expect(reg.listDevices({ fleet: 'farm' }).map((d) => d.id)).toEqual(['farm-0', 'farm-1', 'fixed', 'farm-3']);
  });

  it('duplicate id, duplicate kid, duplicate fleet, unknown device/fleet are UserErrors with what and where', () => {
    reg.addDevice({ fleet: 'farm', id: 'probe-1', kid: Uint8Array.of(9) });
    const dup = userError(() => reg.addDevice({ fleet: 'farm', id: 'probe-1' }));
    expect(dup.code).toBe('DUPLICATE_DEVICE');
    expect(dup.message).toMatch(/r\.db: device "probe-1" already exists/);
    const dupKid = userError(() => reg.addDevice({ fleet: 'farm', id: 'probe-2', kid: Uint8Array.of(9) }));
    expect(dupKid.code).toBe('DUPLICATE_KID');
    expect(dupKid.message).toContain('probe-1');
    expect(userError(() => reg.createFleet({ name: 'farm', keyFile: 'x' })).code).toBe('DUPLICATE_FLEET');
    expect(userError(() => reg.getDevice('nope')).message).toContain('no device "nope"');
    expect(userError(() => reg.addDevice({ fleet: 'orchard' })).code).toBe('UNKNOWN_FLEET');
    expect(userError(() => reg.getDeviceByKid(Uint8Array.of(0x77))).message).toContain('kid 77');
    // failed adds change nothing, not even the kid sequence or the log
    expect(reg.listDevices().length).toBe(1);
    expect(reg.readLog().map((l) => l.action)).toEqual(['fleet.create', 'device.add']);
  });

  it('checks identifiers: names usable as MQTT topic levels, IMEI Luhn digit, ICCID, IMSI, kid length', () => {
    expect(userError(() => reg.addDevice({ fleet: 'farm', id: 'a/b' })).code).toBe('BAD_NAME');
    expect(userError(() => reg.addDevice({ fleet: 'farm', id: 'x#' })).code).toBe('BAD_NAME');
    expect(userError(() => reg.addDevice({ fleet: 'farm', imei: '490154203237519' })).message).toContain('check digit');
    expect(userError(() => reg.addDevice({ fleet: 'farm', iccid: '1234' })).code).toBe('BAD_ICCID');
    expect(userError(() => reg.addDevice({ fleet: 'farm', imsi: '23415x' })).code).toBe('BAD_IMSI');
    expect(userError(() => reg.addDevice({ fleet: 'farm', kid: new Uint8Array(7) })).code).toBe('KID_LENGTH');
    expect(userError(() => reg.createFleet({ name: 'a b', keyFile: 'x' })).code).toBe('BAD_NAME');
  });
});

describe('audit log', () => {
  it('records provisioning actions in order and refuses UPDATE and DELETE', () => {
    reg.addDevice({ fleet: 'farm', id: 'p1' });
    reg.rotateDeviceKey('p1');
    reg.revokeDevice('p1', 'stolen');
    reg.appendLog({ action: 'note', device: 'p1', detail: { by: 'test' }, actor: 'alice' });
    const log = reg.readLog({ device: 'p1' });
    expect(log.map((l) => l.action)).toEqual(['device.add', 'device.rotate', 'device.revoke', 'note']);
    expect(log[1]!.detail).toEqual({ from: 1, to: 2 });
    expect(log[2]!.detail).toEqual({ reason: 'stolen' });
    expect(log[3]).toMatchObject({ actor: 'alice', detail: { by: 'test' } });
    expect(() => reg.db.prepare("UPDATE audit_log SET action = 'x'").run()).toThrow(/append-only/);
    expect(() => reg.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(reg.readLog().length).toBe(5);
  });
});

describe('recordUplink', () => {
  beforeEach(() => {
    reg.addDevice({ fleet: 'farm', id: 'p1' });
  });

  it('stores readings of every SenML value type with equal values and the window, last_seen, last_counter', () => {
    const r = reg.recordUplink({
      deviceId: 'p1', keyVersion: 1, counter: 5, received: 1_700_000_100.5,
      readings: [reading('temp', 21.5), reading('state', 'ok'), reading('door', true), reading('raw', Uint8Array.of(1, 2, 3)), { name: 'rain', sum: 4.25, time: 1_700_000_000 }],
    });
    expect(r).toMatchObject({ ok: true, stored: 5, duplicates: 0, keySwitched: false });
    const rows = reg.listReadings('p1');
    expect(rows.map((x) => [x.counter, x.index, x.name, x.value, x.time])).toEqual([
      [5, 0, 'temp', 21.5, 1_700_000_000.25],
      [5, 1, 'state', 'ok', 1_700_000_000.25],
      [5, 2, 'door', true, 1_700_000_000.25],
      [5, 3, 'raw', Uint8Array.of(1, 2, 3), 1_700_000_000.25],
      [5, 4, 'rain', null, 1_700_000_000],
    ]);
    expect(rows[4]!.sum).toBe(4.25);
    expect(rows[0]!.received).toBe(1_700_000_100.5);
    expect(reg.getDevice('p1')).toMatchObject({ lastSeen: 1_700_000_100.5, lastCounter: 5, replay: { highest: 5, bitmap: 1 } });
  });

  it('refuses a replayed or too old counter and stores nothing for it; accepts out-of-order counters in the window once', () => {
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 40, readings: [reading('t', 1, T + 1)] }).ok).toBe(true);
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 39, readings: [reading('t', 2, T + 2)] }).ok).toBe(true);
    const again = reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 39, readings: [reading('t', 3, T + 3)] });
    expect(again).toMatchObject({ ok: false, reason: 'REPLAY' });
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 8, readings: [reading('t', 4, T + 4)] })).toMatchObject({ ok: false, reason: 'REPLAY' });
    expect(reg.listReadings('p1').map((x) => x.value)).toEqual([1, 2]);
    expect(reg.getDevice('p1').replay).toEqual({ highest: 40, bitmap: 0b11 });
  });

  it('a failure while inserting readings rolls back the replay window too (one transaction)', () => {
    const bad = reading('t', 1) as { name: string; value: number; unit: string; time: number };
    bad.time = NaN; // NOT NULL time: SQLite stores NaN as NULL and refuses the row
    expect(() => reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 1, readings: [reading('ok', 1), bad] })).toThrow();
    expect(reg.listReadings('p1')).toEqual([]);
    expect(reg.getDevice('p1')).toMatchObject({ replay: { highest: -1, bitmap: 0 }, lastCounter: null });
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 1, readings: [reading('ok', 1)] }).ok).toBe(true);
  });

  it('a sample sent again under a new counter (ACK lost) is counted as a duplicate, not stored twice', () => {
    const first = reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 7, readings: [reading('t', 1, T + 1), reading('h', 50, T + 1)] });
    expect(first).toMatchObject({ ok: true, stored: 2, duplicates: 0 });
    const again = reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 8, readings: [reading('t', 1, T + 1), reading('h', 50, T + 1), reading('t', 2, T + 901)] });
    expect(again).toMatchObject({ ok: true, stored: 1, duplicates: 2, inserted: [false, false, true] });
    expect(reg.listReadings('p1').map((x) => [x.counter, x.name, x.value, x.time])).toEqual([
      [7, 't', 1, T + 1],
      [7, 'h', 50, T + 1],
      [8, 't', 2, T + 901],
    ]);
    expect(reg.getDevice('p1').replay.highest).toBe(8);
  });

  it('revoked devices are refused from their next message', () => {
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 0, readings: [reading('t', 1)] }).ok).toBe(true);
    reg.revokeDevice('p1');
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 1, readings: [reading('t', 2)] })).toMatchObject({ ok: false, reason: 'REVOKED' });
    expect(reg.listReadings('p1').length).toBe(1);
    expect(userError(() => reg.revokeDevice('p1')).code).toBe('ALREADY_REVOKED');
  });

  it('rotation: the old version is accepted with its own window until the first message under the new one', () => {
    reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 100, readings: [reading('t', 1, T + 1)] });
    const d = reg.rotateDeviceKey('p1');
    expect(d).toMatchObject({ keyVersion: 2, previousKeyVersion: 1, replay: { highest: -1 }, previousReplay: { highest: 100, bitmap: 1 } });
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 100, readings: [reading('t', 9, T + 9)] })).toMatchObject({ ok: false, reason: 'REPLAY' });
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 101, readings: [reading('t', 2, T + 2)] }).ok).toBe(true);
    // the new version starts its counters again at 0
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 2, counter: 0, readings: [reading('t', 3, T + 3)] })).toMatchObject({ ok: true, stored: 1, keySwitched: true });
    expect(reg.getDevice('p1')).toMatchObject({ keyVersion: 2, previousKeyVersion: null, lastCounter: 0 });
    expect(reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 102, readings: [reading('t', 4, T + 4)] })).toMatchObject({ ok: false, reason: 'STALE_KEY' });
    expect(reg.listReadings('p1').map((x) => [x.keyVersion, x.counter, x.value])).toEqual([[1, 100, 1], [1, 101, 2], [2, 0, 3]]);
    expect(reg.readLog({ device: 'p1' }).map((l) => l.action)).toContain('device.key-switched');
  });
});

describe('downlinks', () => {
  it('queue → take in order with a strictly increasing per-device counter; acked by the next new uplink', () => {
    reg.addDevice({ fleet: 'farm', id: 'p1' });
    reg.addDevice({ fleet: 'farm', id: 'p2' });
    const a = reg.queueDownlink('p1', Uint8Array.of(0xa1, 0x01, 0x02)); // {1: 2}
    reg.queueDownlink('p1', Uint8Array.of(0x05));
    reg.queueDownlink('p2', Uint8Array.of(0x06));
    expect(reg.pendingDownlinks('p1')).toBe(2);
    const t1 = reg.takeDownlink('p1', 7);
    expect(t1).toEqual({ id: a, payload: Uint8Array.of(0xa1, 0x01, 0x02), counter: 0 });
    expect(reg.takeDownlink('p1')!.counter).toBe(1);
    expect(reg.takeDownlink('p1')).toBeNull();
    expect(reg.takeDownlink('p2')!.counter).toBe(0);
    expect(reg.getDevice('p1').downlinkCounter).toBe(1);
    const acked = () => reg.db.prepare("SELECT count(*) FROM downlinks WHERE device_id = 'p1' AND acked IS NOT NULL").pluck().get();
    expect(acked()).toBe(0);
    reg.recordUplink({ deviceId: 'p1', keyVersion: 1, counter: 8, readings: [reading('t', 1)] });
    expect(acked()).toBe(2);
  });

  it('refuses payloads the device could not decode, oversize ones, and revoked devices', () => {
    reg.addDevice({ fleet: 'farm', id: 'p1' });
    expect(userError(() => reg.queueDownlink('p1', Uint8Array.of(0x82, 0x01))).code).toBe('DOWNLINK_CBOR');
    expect(userError(() => reg.queueDownlink('p1', new Uint8Array(300))).code).toBe('DOWNLINK_SIZE');
    reg.revokeDevice('p1');
    expect(userError(() => reg.queueDownlink('p1', Uint8Array.of(1))).code).toBe('DEVICE_REVOKED');
  });
});
