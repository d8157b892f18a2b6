/**
 * Where stored readings go after the commit: MQTT (QoS 1, one JSON message per reading on
 * `sensornode/<fleet>/<device>`) and JSON lines. SQLite is the record; these are copies. A reading is
 * published after its commit, so a crash between the commit and the PUBACK can lose the MQTT copy (at
 * most once on a crash, exactly once otherwise); mqtt.js queues publishes in memory while the broker
 * is unreachable and sends them when it reconnects.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { UserError } from '../errors.ts';
import type { AcceptedReading } from './pipeline.ts';

/** The JSON a consumer gets (MQTT payload and JSONL line). Byte values (SenML vd) as base64. */
export interface ReadingJson {
  fleet: string;
  device: string;
  name: string;
  unit?: string;
  value?: number | string | boolean;
  sum?: number;
  time: number;
  counter: number;
}

export function readingJson(r: AcceptedReading): ReadingJson {
  const j: ReadingJson = { fleet: r.fleet, device: r.device, name: r.name } as ReadingJson;
  if (r.unit !== undefined) j.unit = r.unit;
  if (r.value !== undefined) j.value = r.value instanceof Uint8Array ? Buffer.from(r.value).toString('base64') : r.value;
  if (r.sum !== undefined) j.sum = r.sum;
  j.time = r.time;
  j.counter = r.counter;
  return j;
}

export const topicFor = (fleet: string, device: string): string => `sensornode/${fleet}/${device}`;

export class MqttOutput {
  private inflight = new Set<Promise<unknown>>();
  published = 0;

  private constructor(
    private readonly client: MqttClient,
    private readonly log: (line: string) => void,
  ) {}

  static async connect(url: string, log: (line: string) => void): Promise<MqttOutput> {
    if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(url)) throw new UserError('BAD_MQTT_URL', `--mqtt ${url}: expected mqtt://host:port (or mqtts://, ws://, wss://)`);
    try {
      const client = await mqtt.connectAsync(url, { clientId: `sensornode-ingest-${process.pid}-${Date.now().toString(36)}`, connectTimeout: 5000, reconnectPeriod: 1000 });
      client.on('error', (e) => log(`mqtt: ${e.message}`));
      return new MqttOutput(client, log);
    } catch (e) {
      throw new UserError('MQTT_CONNECT', `--mqtt ${url}: cannot connect: ${(e as Error).message}`, { hint: 'check that the broker runs and the URL is right', cause: e });
    }
  }

  publish(r: AcceptedReading): void {
    const p = this.client
      .publishAsync(topicFor(r.fleet, r.device), JSON.stringify(readingJson(r)), { qos: 1 })
      .then(() => {
        this.published++;
      })
      .catch((e: Error) => this.log(`mqtt: publish to ${topicFor(r.fleet, r.device)} failed: ${e.message}`))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /** Wait (at most `waitMs`) for outstanding PUBACKs, then disconnect. */
  async close(waitMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all([...this.inflight]).then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!drained) this.log(`mqtt: ${this.inflight.size} publish(es) not acknowledged by the broker at shutdown (stored in SQLite)`);
    await this.client.endAsync(!drained);
  }
}
