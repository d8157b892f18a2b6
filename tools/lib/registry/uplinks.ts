/**
 * The registry's write path for traffic: storing an authenticated uplink and handing out queued
 * downlinks. Callers (Registry) wrap each call in a transaction; the ingest nests several of them in
 * one outer transaction (group commit) so one fsync covers a burst of datagrams.
 *
 * recordUplink = check-and-update of the replay window (RFC 8613 §7.4: "the replay window MUST be
 * updated ... atomically" with accepting the message) + the readings + last_seen/last_counter. The
 * UNIQUE (device, key version, counter, record) constraint in schema.ts is a second guard: even a bug
 * in the window logic could not store a reading twice. A sample sent again under a NEW counter (the
 * device never saw the ACK) is caught by UNIQUE (device, name, time): ignored and counted.
 */
import { UserError } from '../errors.ts';
import { checkReplay, INITIAL_REPLAY_STATE, type ReplayState } from '../codec/replay.ts';
import type { SenmlReading } from '../codec/senml.ts';
import { scanCbor, type ScanLimits } from '../codec/wellformed.ts';
import { MAX_COUNTER } from '../codec/cose.ts';
import type { Db } from './schema.ts';
import type { DeviceRow, LogEntry } from './registry.ts';

export interface UplinkRecord {
  deviceId: string;
  /** the key version the message authenticated under */
  keyVersion: number;
  counter: number;
  readings: SenmlReading[];
  /** UNIX seconds; default now */
  received?: number;
}

export type RecordRefusal = 'UNKNOWN_DEVICE' | 'REVOKED' | 'STALE_KEY' | 'REPLAY';

export type RecordResult =
  | {
      ok: true;
      stored: number;
      /** readings already stored from an earlier message (same name and time; schema v2) */
      duplicates: number;
      /** per reading of the message: true when it was stored now */
      inserted: boolean[];
      keySwitched: boolean;
    }
  | { ok: false; reason: RecordRefusal; message: string };

export interface TakenDownlink {
  id: number;
  payload: Uint8Array;
  /** downlink Partial IV to seal it with (strictly increasing per device) */
  counter: number;
}

/** Largest downlink plaintext: it rides in one ACK (RFC 7252 §4.6: keep datagrams within the path MTU). */
export const MAX_DOWNLINK_BYTES = 256;
/** The device decodes downlinks with limits like these (firmware/codec/cbor.ts DOWNLINK_LIMITS). */
const DOWNLINK_SCAN: ScanLimits = { maxDepth: 8, maxItems: 256, allowTags: [] };

export class UplinkStore {
  private readonly insertReading;
  private readonly updateCurrent;
  private readonly updatePrevious;
  private readonly ackDownlinks;
  private readonly nextDownlink;
  private readonly setDownlinkCounter;
  private readonly markSent;

  constructor(
    private readonly db: Db,
    private readonly deviceRow: (id: string) => DeviceRow | undefined,
    private readonly log: (e: LogEntry) => void,
  ) {
    this.insertReading = db.prepare(
      `INSERT INTO readings (device_id, key_version, counter, idx, name, unit, value, value_string, value_bool, value_data, sum, time, received)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, name, time) DO NOTHING`,
    );
    this.updateCurrent = db.prepare(
      `UPDATE devices SET replay_highest = ?, replay_bitmap = ?, last_seen = ?, last_counter = ?,
         prev_key_version = NULL, prev_replay_highest = NULL, prev_replay_bitmap = NULL WHERE id = ?`,
    );
    this.updatePrevious = db.prepare('UPDATE devices SET prev_replay_highest = ?, prev_replay_bitmap = ?, last_seen = ? WHERE id = ?');
    this.ackDownlinks = db.prepare('UPDATE downlinks SET acked = ? WHERE device_id = ? AND sent IS NOT NULL AND acked IS NULL');
    this.nextDownlink = db.prepare('SELECT id, payload FROM downlinks WHERE device_id = ? AND sent IS NULL ORDER BY id LIMIT 1');
    this.setDownlinkCounter = db.prepare('UPDATE devices SET downlink_counter = ? WHERE id = ?');
    this.markSent = db.prepare('UPDATE downlinks SET sent = ?, counter = ?, via_counter = ? WHERE id = ?');
  }

  record(u: UplinkRecord): RecordResult {
    const received = u.received ?? Date.now() / 1000;
    const row = this.deviceRow(u.deviceId);
    if (!row) return { ok: false, reason: 'UNKNOWN_DEVICE', message: `no device "${u.deviceId}"` };
    if (row.status === 'revoked') return { ok: false, reason: 'REVOKED', message: `device "${u.deviceId}" is revoked` };
    let state: ReplayState;
    const current = u.keyVersion === row.key_version;
    if (current) state = { highest: row.replay_highest, bitmap: row.replay_bitmap };
    else if (row.prev_key_version !== null && u.keyVersion === row.prev_key_version) {
      state = { highest: row.prev_replay_highest ?? INITIAL_REPLAY_STATE.highest, bitmap: row.prev_replay_bitmap ?? INITIAL_REPLAY_STATE.bitmap };
    } else {
      return { ok: false, reason: 'STALE_KEY', message: `device "${u.deviceId}": key version ${u.keyVersion} is no longer accepted (current ${row.key_version})` };
    }
    const next = checkReplay(state, u.counter);
    if (!next.ok) return { ok: false, reason: 'REPLAY', message: `device "${u.deviceId}": ${next.error.message}` };

    const inserted: boolean[] = [];
    u.readings.forEach((r, idx) => {
      const v = r.value;
      const info = this.insertReading.run(
        u.deviceId, u.keyVersion, u.counter, idx, r.name, r.unit ?? null,
        typeof v === 'number' ? v : null,
        typeof v === 'string' ? v : null,
        typeof v === 'boolean' ? (v ? 1 : 0) : null,
        v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.length) : null,
        r.sum ?? null, r.time, received,
      );
      inserted.push(info.changes > 0);
    });
    const switched = current && row.prev_key_version !== null;
    if (current) this.updateCurrent.run(next.value.highest, next.value.bitmap, received, next.value.highest, u.deviceId);
    else this.updatePrevious.run(next.value.highest, next.value.bitmap, received, u.deviceId);
    if (switched) this.log({ action: 'device.key-switched', fleet: row.fleet, device: u.deviceId, detail: { from: row.prev_key_version, to: row.key_version } });
    // a new message means the device stopped retransmitting the one whose ACK carried a downlink
    this.ackDownlinks.run(received, u.deviceId);
    const stored = inserted.filter(Boolean).length;
    return { ok: true, stored, duplicates: inserted.length - stored, inserted, keySwitched: switched };
  }

  queueDownlink(deviceId: string, payload: Uint8Array): number {
    const row = this.deviceRow(deviceId);
    if (!row) throw new UserError('UNKNOWN_DEVICE', `no device "${deviceId}"`);
    if (row.status === 'revoked') throw new UserError('DEVICE_REVOKED', `device "${deviceId}" is revoked; it gets no downlinks`);
    if (payload.length === 0 || payload.length > MAX_DOWNLINK_BYTES) {
      throw new UserError('DOWNLINK_SIZE', `downlink for "${deviceId}" is ${payload.length} bytes; it must be 1-${MAX_DOWNLINK_BYTES} bytes of CBOR`);
    }
    const problem = scanCbor(payload, DOWNLINK_SCAN);
    if (problem) throw new UserError('DOWNLINK_CBOR', `downlink for "${deviceId}" is not CBOR the device can decode: ${problem.message}`);
    const id = this.db
      .prepare('INSERT INTO downlinks (device_id, payload, created) VALUES (?, ?, ?)')
      .run(deviceId, Buffer.from(payload.buffer, payload.byteOffset, payload.length), Date.now() / 1000).lastInsertRowid;
    this.log({ action: 'downlink.queue', fleet: row.fleet, device: deviceId, detail: { id: Number(id), bytes: payload.length } });
    return Number(id);
  }

  takeDownlink(deviceId: string, viaCounter: number | null): TakenDownlink | null {
    const dl = this.nextDownlink.get(deviceId) as
      | { id: number; payload: Buffer }
      | undefined;
    if (!dl) return null;
    const row = this.deviceRow(deviceId);
    if (!row || row.status === 'revoked') return null;
    const counter = row.downlink_counter + 1;
    if (counter > MAX_COUNTER) throw new UserError('REKEY_NEEDED', `device "${deviceId}": downlink counter exhausted; rotate its key`);
    this.setDownlinkCounter.run(counter, deviceId);
    this.markSent.run(Date.now() / 1000, counter, viaCounter, dl.id);
    return { id: dl.id, payload: new Uint8Array(dl.payload), counter };
  }
}
