/**
 * What happens to the payload of a POST /u: size check → COSE_Encrypt0 open with the device key
 * looked up by kid (current key version, then the previous one during a rotation) → revocation check
 * → group commit: replay check-and-update + readings (+ taking a queued downlink) in ONE SQLite
 * transaction → only after COMMIT returned (synchronous=FULL: on disk) the answers are released.
 *
 * Group commit: datagrams that arrive in the same event-loop turn are committed together (one fsync
 * for the burst), each inside its own savepoint so one failing message cannot undo another. No answer
 * leaves before the commit that covers it, so "ACKed ⇒ stored" holds for every message.
 */
import { openUplink, type Uplink } from '../codec/uplink.ts';
import { sealDownlink } from '../codec/cose.ts';
import type { SenmlReading } from '../codec/senml.ts';
import type { DeviceKeyMaterial } from '../codec/keys.ts';
import type { Device, Registry } from '../registry/index.ts';
import type { Keyring } from './keyring.ts';

/** A CoAP answer, independent of the message layer (server.ts encodes it). */
export interface Outcome {
  /** "2.04", "4.01", … */
  code: string;
  payload?: Uint8Array;
  /** Content-Format of the payload (16 for a sealed downlink); none for diagnostics (RFC 7252 §5.5.2) */
  contentFormat?: number;
  /** Size1 in a 4.13 (RFC 7252 §5.10.9) */
  size1?: number;
  /** one log line for a refusal (the ingest logs it; never includes key material) */
  log?: string;
  /** stats bucket */
  reason?: string;
}

export interface AcceptedReading {
  fleet: string;
  device: string;
  counter: number;
  name: string;
  unit?: string;
  value?: number | string | boolean | Uint8Array;
  sum?: number;
  time: number;
}

interface DeviceKeys extends DeviceKeyMaterial {
  device: Device;
  version: number;
}

interface Job {
  up: Uplink<DeviceKeys>;
  received: number;
  done: (o: Outcome) => void;
}

/** Diagnostic payloads: short ASCII (RFC 7252 §5.5.2); every byte is airtime for the device. */
const refuse = (code: string, reason: string, diag: string, log: string): Outcome => ({ code, reason, payload: new TextEncoder().encode(diag), log });

export interface PipelineOptions {
  maxBytes: number;
  /** after the commit: every stored reading (MQTT, JSONL) */
  onStored: (r: AcceptedReading) => void;
  now?: () => number;
}

export class UplinkPipeline {
  private queue: Job[] = [];
  private scheduled = false;
  /** Readings that arrived again under a new counter (same name and time): not stored twice. */
  duplicateReadings = 0;

  constructor(
    private readonly reg: Registry,
    private readonly keyring: Keyring,
    private readonly o: PipelineOptions,
  ) {}

  /**
   * Authenticate one payload. Refusals are answered at once (they store nothing, so nothing needs
   * to be durable first); accepted uplinks join the next group commit and `done` is called after it.
   */
  submit(payload: Uint8Array, done: (o: Outcome) => void): void {
    const received = (this.o.now ?? Date.now)() / 1000;
    let found: Device | undefined;
    let notServed = false;
    const lookup = (version: 'current' | 'previous') => (kid: Uint8Array): DeviceKeys | undefined => {
      found = this.reg.findDeviceByKid(kid);
      if (!found) return undefined;
      const v = version === 'current' ? found.keyVersion : found.previousKeyVersion;
      if (v === null) return undefined;
      const k = this.keyring.keys(found, v);
      if (!k) notServed = true;
      return k && { ...k, device: found, version: v };
    };
    let r = openUplink(payload, lookup('current'), { maxBytes: this.o.maxBytes, now: received });
    if (!r.ok && r.error.code === 'AUTH_FAILED' && found && found.previousKeyVersion !== null) {
      r = openUplink(payload, lookup('previous'), { maxBytes: this.o.maxBytes, now: received });
    }
    if (!r.ok) {
      const e = r.error;
      switch (e.code) {
        case 'OVERSIZE':
          return done({ ...refuse('4.13', 'oversize', 'too large', e.message), size1: this.o.maxBytes });
        case 'UNKNOWN_KID':
          return done(refuse('4.01', 'unknown-kid', 'auth', notServed ? `${e.message} (its fleet "${found?.fleet}" is not served by this ingest)` : e.message));
        case 'AUTH_FAILED':
          return done(refuse('4.01', 'auth-failed', 'auth', e.message));
        default: // MALFORMED_CBOR, BAD_STRUCTURE
          return done(refuse('4.00', 'malformed', 'malformed', `${e.code}: ${e.message}`));
      }
    }
    const up = r.value;
    if (up.device.device.status === 'revoked') {
      return done(refuse('4.03', 'revoked', 'revoked', `device "${up.device.device.id}" (kid ${up.kidHex}) is revoked; counter ${up.counter} refused`));
    }
    this.queue.push({ up, received, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commit everything queued; then answer. Also called by close(). */
  flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const outcomes: Outcome[] = [];
    const stored: AcceptedReading[][] = [];
    try {
      this.reg.transaction(() => {
        for (const j of jobs) {
          try {
            const res = this.record(j);
            outcomes.push(res.outcome);
            stored.push(res.readings);
          } catch (e) {
            // this job's savepoint was rolled back; the others stand
            outcomes.push({ code: '5.00', reason: 'internal', payload: new TextEncoder().encode('server error'), log: `storing counter ${j.up.counter} of kid ${j.up.kidHex} failed: ${(e as Error).message}` });
            stored.push([]);
          }
        }
      });
    } catch (e) {
      // the COMMIT itself failed (disk full, I/O error, lock timeout): nothing of the batch is stored
      const msg = `commit of ${jobs.length} uplink(s) failed: ${(e as Error).message}`;
      for (const j of jobs) j.done({ code: '5.00', reason: 'internal', payload: new TextEncoder().encode('server error'), log: msg });
      return;
    }
    jobs.forEach((j, i) => {
      for (const s of stored[i]!) this.o.onStored(s);
      j.done(outcomes[i]!);
    });
  }

  /** One job inside the group transaction (its own savepoint). */
  private record(j: Job): { outcome: Outcome; readings: AcceptedReading[] } {
    const { up } = j;
    const dev = up.device.device;
    return this.reg.transaction(() => {
      const res = this.reg.recordUplink({ deviceId: dev.id, keyVersion: up.device.version, counter: up.counter, readings: up.readings, received: j.received });
      if (!res.ok) {
        const where = `device "${dev.id}" kid ${up.kidHex} counter ${up.counter}`;
        const outcome =
          res.reason === 'REVOKED' ? refuse('4.03', 'revoked', 'revoked', `${where}: revoked`)
          : res.reason === 'REPLAY' ? refuse('4.01', 'replay', 'replay', `${where}: replay refused (${res.message})`)
          : refuse('4.01', 'stale-key', 'auth', `${where}: ${res.message}`);
        return { outcome, readings: [] };
      }
      const outcome: Outcome = { code: '2.04', reason: 'stored' };
      this.duplicateReadings += res.duplicates;
      const dl = this.reg.takeDownlink(dev.id, up.counter);
      if (dl) {
        outcome.payload = sealDownlink(up.device.key, up.device.iv, dl.counter, dl.payload);
        outcome.contentFormat = 16;
        outcome.reason = 'stored+downlink';
      }
      // only readings stored now are published: a re-sent sample (same name and time) is not news
      return { outcome, readings: up.readings.filter((_, i) => res.inserted[i]).map((r) => toStored(dev, up.counter, r)) };
    });
  }
}

function toStored(dev: Device, counter: number, r: SenmlReading): AcceptedReading {
  const s: AcceptedReading = { fleet: dev.fleet, device: dev.id, counter, name: r.name, time: r.time };
  if (r.unit !== undefined) s.unit = r.unit;
  if (r.value !== undefined) s.value = r.value;
  if (r.sum !== undefined) s.sum = r.sum;
  return s;
}
