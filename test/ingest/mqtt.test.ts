/**
 * --mqtt: each stored reading is published once, QoS 1, as JSON on sensornode/<fleet>/<device>, to a
 * real broker (aedes) on loopback; retransmissions and replays publish nothing more.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { rig, type Rig } from './setup.ts';
import type { SenmlRecord } from '../../firmware/codec/index.ts';

let broker: Aedes | undefined;
let server: Server | undefined;
let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
  await new Promise<void>((res) => (broker ? broker.close(() => res()) : res()));
});

const T = 1_700_000_000;
const three = (c: number): SenmlRecord[] => ['temp', 'hum', 'bat'].map((n, i) => ({ n, v: c * 10 + i, u: 'Cel', t: T + c }));

describe('MQTT output', () => {
  it('a subscriber receives each reading exactly once, with the documented JSON', async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((res) => server!.listen(0, '127.0.0.1', () => res()));
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sub = await mqtt.connectAsync(url);
    const got: { topic: string; body: Record<string, unknown>; qos: number }[] = [];
    sub.on('message', (topic, payload, pkt) => got.push({ topic, body: JSON.parse(payload.toString()), qos: pkt.qos }));
    await sub.subscribeAsync('sensornode/#', { qos: 1 });

    r = await rig({ devices: ['p1', 'p2'], mqtt: url });
    const a = await r.device('p1');
    const b = await r.device('p2');
    for (let c = 0; c < 4; c++) {
      expect((await a.uplink(c, three(c))).code).toBe('2.04');
      expect((await b.uplink(c, three(c))).code).toBe('2.04');
    }
    const { bytes, mid } = a.datagram(4, three(4));
    await a.send(bytes, mid);
    await a.send(bytes, mid); // retransmission
    const replay = await (await r.device('p1')).send(bytes, mid); // replay from elsewhere
    expect(replay.code).toBe('4.01');

    const want = 2 * 4 * 3 + 3;
    const deadline = Date.now() + 5000;
    while (got.length < want && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    await new Promise((res) => setTimeout(res, 300)); // anything extra would arrive now
    await sub.endAsync();

    expect(got.length).toBe(want);
    const keys = got.map((g) => `${g.body.device}/${g.body.counter}/${g.body.name}`);
    expect(new Set(keys).size).toBe(want);
    expect(got.every((g) => g.qos === 1 && g.topic === `sensornode/farm/${g.body.device}`)).toBe(true);
    expect(got.find((g) => g.body.device === 'p2' && g.body.counter === 2 && g.body.name === 'hum')!.body).toEqual({
      fleet: 'farm', device: 'p2', name: 'hum', unit: 'Cel', value: 21, time: T + 2, counter: 2,
    });
    expect(r.ingest.stats.published).toBe(want);
  });

  it('an unreachable broker at start is a clear error', async () => {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', () => res()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((res) => probe.close(() => res()));
    await expect(rig({ mqtt: `mqtt://127.0.0.1:${port}` })).rejects.toThrow(/--mqtt mqtt:\/\/127\.0\.0\.1:\d+: cannot connect/);
  });
});
