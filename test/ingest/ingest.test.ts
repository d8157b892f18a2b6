/**
 * The ingest end to end over real UDP on 127.0.0.1 and a real SQLite file: devices seal with the
 * device codec and send with the device CoAP encoder; we check what is stored, what each device gets
 * back (code, payload), and that each refusal stores nothing and logs one line.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coapEncode, coapDecode, coapOption, coapPost, COAP_CON, COAP_NON, COAP_RST, type CoapMessage } from '../../firmware/codec/coap.ts';
import { CborMap, CodecError, type SenmlRecord } from '../../firmware/codec/index.ts';
import { rig, type Rig } from './setup.ts';
import { startIngest } from '../../tools/lib/ingest/index.ts';
import { SimDevice } from './device.ts';

let r: Rig;
beforeEach(async () => {
  r = await rig({ devices: ['p1', 'p2'] });
});
afterEach(async () => {
  await r.stop();
});

const T = 1_700_000_000;
const three = (i: number): SenmlRecord[] => [
  { n: 'temp', u: 'Cel', v: 20 + i / 8, t: T + i * 60 + 0.5 },
  { n: 'hum', u: '%RH', v: 40 + i, t: T + i * 60 + 0.5 },
  { n: 'bat', u: 'V', v: 3.7 - i / 100, t: T + i * 60 + 1.25 },
];
const stored = (id = 'p1') => r.reg.listReadings(id);

describe('uplinks', () => {
  it('stores the readings of each CON POST with equal values and timestamps, ACKs 2.04 after the commit', async () => {
    const d = await r.device('p1');
    for (let c = 0; c < 5; c++) {
      const reply = await d.uplink(c, three(c));
      expect(reply.code).toBe('2.04');
      expect(reply.msg.payload.length).toBe(0);
      // ACK ⇒ durable: the rows are visible through another connection when the ACK arrives
      expect(stored().filter((x) => x.counter === c).length).toBe(3);
    }
    const rows = stored();
    expect(rows.length).toBe(15);
    for (let c = 0; c < 5; c++) {
      const want = three(c);
      const got = rows.filter((x) => x.counter === c);
      expect(got.map((x) => [x.name, x.unit, x.value, x.time])).toEqual(want.map((w) => [w.n, w.u, w.v, w.t]));
    }
    expect(r.reg.getDevice('p1')).toMatchObject({ lastCounter: 4, replay: { highest: 4, bitmap: 0b11111 } });
    expect(r.jsonl.length).toBe(15);
    expect(r.jsonl[0]).toEqual({ fleet: 'farm', device: 'p1', name: 'temp', unit: 'Cel', value: 20, time: T + 0.5, counter: 0 });
    expect(r.ingest.stats).toMatchObject({ stored: 5, readings: 15, duplicates: 0, refused: {} });
    expect(r.logs).toEqual([]);
  });

  it('string, boolean and byte values and a base name survive the trip', async () => {
    const d = await r.device('p1');
    const payload = d.seal(0, [{ n: 'state', v: 'ok', t: T }, { n: 'door', v: true, t: T }, { n: 'raw', v: Uint8Array.of(1, 2, 250), t: T }], 'probe:');
    const reply = await d.send(coapPost(77, Uint8Array.of(1), 'u', payload), 77);
    expect(reply.code).toBe('2.04');
    expect(stored().map((x) => [x.name, x.value])).toEqual([['probe:state', 'ok'], ['probe:door', true], ['probe:raw', Uint8Array.of(1, 2, 250)]]);
    expect(r.jsonl[2]!.value).toBe(Buffer.from([1, 2, 250]).toString('base64'));
  });

  it('a retransmitted CON (same bytes, mid, endpoint) gets the same ACK and stores nothing twice', async () => {
    r.reg.queueDownlink('p1', Uint8Array.of(0xa1, 0x01, 0x02));
    const d = await r.device('p1');
    const { bytes, mid } = d.datagram(0, three(0));
    const replies: CoapMessage[] = [];
    const first = d.send(bytes, mid).then((x) => replies.push(x.msg));
    d.fire(bytes); // immediately, while the first is still in its transaction
    await first;
    // later retransmissions (ACK lost): answered from the exchange table
    for (let i = 0; i < 2; i++) replies.push((await d.send(bytes, mid)).msg);
    expect(replies.length).toBe(3);
    for (const m of replies) expect(Buffer.from(coapEncode(m)).equals(Buffer.from(coapEncode(replies[0]!)))).toBe(true);
    expect(replies[0]!.payload.length).toBeGreaterThan(0); // the downlink, sealed once
    expect(stored().length).toBe(3);
    expect(r.reg.db.prepare('SELECT count(*) FROM downlinks WHERE sent IS NOT NULL').pluck().get()).toBe(1);
    expect(r.ingest.stats.duplicates).toBeGreaterThanOrEqual(2);
    expect(r.ingest.stats.stored).toBe(1);
  });

  it('a replayed datagram outside its exchange (another endpoint, or another mid) is refused 4.01 "replay"', async () => {
    const d = await r.device('p1');
    const { bytes, mid } = d.datagram(3, three(3));
    expect((await d.send(bytes, mid)).code).toBe('2.04');
    const attacker = await r.device('p1'); // same kid/keys, different UDP port = another endpoint
    const again = await attacker.send(bytes, mid);
    expect([again.code, again.text]).toEqual(['4.01', 'replay']);
    const rewrapped = d.datagram(3, three(3), 999); // the same counter in a new CoAP message (mid 999)
    const r2 = await d.send(rewrapped.bytes, 999);
    expect([r2.code, r2.text]).toEqual(['4.01', 'replay']);
    expect(stored().length).toBe(3);
    expect(r.ingest.stats.refused).toEqual({ replay: 2 });
    expect(r.logs.length).toBe(2);
    expect(r.logs[0]).toMatch(/4\.01 replay .*device "p1" kid 00 counter 3/);
  });

  it('bit flips anywhere in the sealed payload are refused (4.01 or 4.00) and store nothing', async () => {
    const d = await r.device('p1');
    const payload = d.seal(1, three(1));
    const codes = new Set<string>();
    for (let bit = 0; bit < payload.length * 8; bit += 3) {
      const p = Uint8Array.from(payload);
      p[bit >> 3]! ^= 1 << (bit & 7);
      const mid = 1000 + bit;
      const reply = await d.send(coapPost(mid, Uint8Array.of(9), 'u', p), mid);
      expect(['4.00', '4.01']).toContain(reply.code);
      codes.add(reply.code);
    }
    expect(codes.has('4.01')).toBe(true); // flips in the ciphertext / tag: authentication fails
    expect(stored().length).toBe(0);
    expect((await d.uplink(1, three(1))).code).toBe('2.04'); // the genuine message still goes through
  });

  it('unknown kid → 4.01 "auth"; wrong key → 4.01', async () => {
    const ghost = await new SimDevice('ghost', Uint8Array.of(0x42), r.secret, r.ingest.port).open();
    r.devices.push(ghost);
    const a = await ghost.uplink(0, three(0));
    expect([a.code, a.text]).toEqual(['4.01', 'auth']);
    const impostor = await new SimDevice('p2', r.reg.getDevice('p1').kid, r.secret, r.ingest.port).open(); // p1's kid, p2's key
    r.devices.push(impostor);
    expect((await impostor.uplink(0, three(0))).code).toBe('4.01');
    expect(r.ingest.stats.refused).toEqual({ 'unknown-kid': 1, 'auth-failed': 1 });
    expect(r.logs.map((l) => l.split(':')[0] + ':' + l.split(' ')[1])).toEqual(['ingest:4.01', 'ingest:4.01']);
    expect(stored('p1').length + stored('p2').length).toBe(0);
  });

  it('a device revoked while the ingest runs is refused 4.03 from its next message', async () => {
    const d = await r.device('p1');
    expect((await d.uplink(0, three(0))).code).toBe('2.04');
    r.reg.revokeDevice('p1', 'lost in the field');
    const reply = await d.uplink(1, three(1));
    expect([reply.code, reply.text]).toEqual(['4.03', 'revoked']);
    expect(stored().length).toBe(3);
    expect(r.logs[0]).toContain('revoked');
  });

  it('oversize → 4.13 with Size1 = the limit', async () => {
    const d = await r.device('p1');
    const big: SenmlRecord[] = Array.from({ length: 60 }, (_, i) => ({ n: `s${i}`, v: i + 0.1, u: 'Cel', t: T + i }));
    const reply = await d.uplink(0, big);
    expect(reply.code).toBe('4.13');
    expect(Buffer.from(coapOption(reply.msg, 60)!).readUIntBE(0, 2)).toBe(1024);
    expect(stored().length).toBe(0);
  });

  it('CoAP-level refusals: 4.04 path, 4.05 method, 4.15 content-format, 4.02 critical option, 4.00 bad COSE, RST for format errors and pings', async () => {
    const d = await r.device('p1');
    const sealed = d.seal(0, three(0));
    const req = (mid: number, over: Partial<CoapMessage>) =>
      coapEncode({ type: COAP_CON, code: 2, mid, token: Uint8Array.of(1), options: [{ num: 11, value: Uint8Array.of(0x75) }, { num: 12, value: Uint8Array.of(16) }], payload: sealed, ...over });
    const cases: [string, Uint8Array, number][] = [
      ['4.04', coapPost(1, Uint8Array.of(1), 'up', sealed), 1],
      ['4.05', req(2, { code: 1 }), 2],
      ['4.15', coapPost(3, Uint8Array.of(1), 'u', sealed, 60), 3],
      ['4.15', req(4, { options: [{ num: 11, value: Uint8Array.of(0x75) }] }), 4],
      ['4.02', req(5, { options: [{ num: 11, value: Uint8Array.of(0x75) }, { num: 12, value: Uint8Array.of(16) }, { num: 2051, value: Uint8Array.of(1) }] }), 5],
      ['4.00', coapPost(6, Uint8Array.of(1), 'u', Uint8Array.of(0x83, 0x01)), 6],
    ];
    for (const [code, bytes, mid] of cases) expect((await d.send(bytes, mid)).code, code).toBe(code);
    const rst = await d.send(Uint8Array.of(0x40, 0x02, 0x00, 0x07, 0xf0), 7); // reserved nibble 15
    expect(rst.msg.type).toBe(COAP_RST);
    const ping = await d.send(Uint8Array.of(0x40, 0x00, 0x00, 0x08), 8);
    expect(ping.msg.type).toBe(COAP_RST);
    expect(stored().length).toBe(0);
    expect(r.logs.length).toBe(7); // one line per refusal (the ping is not an error)
    // nothing consumed the counter: the genuine message is accepted
    expect((await d.uplink(0, three(0))).code).toBe('2.04');
  });

  it('a NON request is stored and answered with a NON 2.04 carrying the token', async () => {
    const d = await r.device('p1');
    const bytes = coapEncode({ type: COAP_NON, code: 2, mid: 50, token: Uint8Array.of(5, 6), options: [{ num: 11, value: Uint8Array.of(0x75) }, { num: 12, value: Uint8Array.of(16) }], payload: d.seal(0, three(0)) });
    const got = new Promise<CoapMessage>((resolve) => {
      const s = (d as unknown as { sock: import('node:dgram').Socket }).sock;
      s.once('message', (b) => resolve(coapDecode(new Uint8Array(b)) as CoapMessage));
    });
    d.fire(bytes);
    const m = await got;
    expect([m.type, m.code, [...m.token]]).toEqual([COAP_NON, 68, [5, 6]]);
    expect(stored().length).toBe(3);
  });
});

describe('downlinks', () => {
  it('a queued downlink rides in the next ACK, sealed for the device, and opens with the device codec', async () => {
    r.reg.queueDownlink('p1', Uint8Array.of(0xa2, 0x67, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x53, 0x18, 0x3c, 0x01, 0x02)); // {"sampleS": 60, 1: 2}
    r.reg.queueDownlink('p1', Uint8Array.of(0x05));
    const d = await r.device('p1');
    const first = await d.uplink(0, three(0));
    expect(first.code).toBe('2.04');
    expect(coapOption(first.msg, 12)).toEqual(Uint8Array.of(16));
    const dl = d.openDownlink(first.msg.payload);
    if (dl instanceof CodecError) throw new Error(dl.message);
    expect(dl.counter).toBe(0);
    expect(dl.value).toBeInstanceOf(CborMap);
    expect((dl.value as CborMap).get('sampleS')).toBe(60);
    const second = await d.uplink(1, three(1));
    expect(d.openDownlink(second.msg.payload)).toEqual({ counter: 1, value: 5 });
    expect((await d.uplink(2, three(2))).msg.payload.length).toBe(0);
    // another device's key cannot open it
    const other = await r.device('p2');
    expect(other.openDownlink(first.msg.payload)).toBeInstanceOf(CodecError);
    expect(r.ingest.stats.downlinks).toBe(2);
  });
});

describe('key rotation', () => {
  it('the old key works until the device switches; afterwards only the new one', async () => {
    const old = await r.device('p1');
    expect((await old.uplink(10, three(0))).code).toBe('2.04');
    r.reg.rotateDeviceKey('p1');
    expect((await old.uplink(11, three(1))).code).toBe('2.04'); // still on version 1
    const renewed = await r.device('p1', { keyVersion: 2 });
    expect((await renewed.uplink(0, three(2))).code).toBe('2.04'); // switched; counters restart
    const late = await old.uplink(12, three(3));
    expect(late.code).toBe('4.01');
    expect(stored().map((x) => [x.keyVersion, x.counter])).toEqual([[1, 10], [1, 10], [1, 10], [1, 11], [1, 11], [1, 11], [2, 0], [2, 0], [2, 0]]);
  });
});

describe('start-up errors', () => {
  it('a missing registry file, a bad --listen, a second ingest on the same port, and a loose key file are clear errors', async () => {
    await expect(startIngest({ registry: r.tmp.path('nope.db'), listen: 'udp://127.0.0.1:0' })).rejects.toThrow(/nope\.db: no registry file/);
    await expect(startIngest({ registry: r.db, listen: 'http://127.0.0.1:80' })).rejects.toThrow(/--listen http:\/\/127\.0\.0\.1:80: expected udp:\/\/host:port/);
    await expect(startIngest({ registry: r.db, listen: `udp://127.0.0.1:${r.ingest.port}` })).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+/);
    const { chmodSync } = await import('node:fs');
    chmodSync(r.tmp.path('farm.fleet-key'), 0o644);
    await expect(startIngest({ registry: r.db, listen: 'udp://127.0.0.1:0' })).rejects.toThrow(/accessible by group\/others/);
  });
});
