// The CLI as a user runs it (node bin/sensornode.js …) against simulated boards served by this process:
// provision, labels, devices list/show/export, revoke (the ingest refuses the next message) and rotate
// (the key update rides in the next ACK, sealed with the key the device still uses).
import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { sealReadings, openDownlink } from '../../firmware/codec/index.ts';
import { CborMap } from '../../firmware/codec/cbor.ts';
import { coapDecode, coapPost, type CoapMessage } from '../../firmware/codec/coap.ts';
import { CodecError } from '../../firmware/codec/error.ts';
import { deriveDeviceKeys } from '../../tools/lib/codec/keys.ts';
import { startIngest, type Ingest } from '../../tools/lib/ingest/index.ts';
import { openRegistry } from '../../tools/lib/registry/index.ts';
import { serveWithModem, type SimBoardWithModem } from '../../tools/lib/provision/sim-board.ts';
import { cliAsync, fleetFixture, type Fixture } from './helpers.ts';
import { readPng } from './png.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** One CoAP CON POST of sealed readings from a device's sn.cfg keys; resolves with the response. */
async function uplink(port: number, cfg: { kid: string; key: string; iv: string }, counter: number): Promise<CoapMessage> {
  const sock = dgram.createSocket('udp4');
  try {
    const payload = sealReadings(unhex(cfg.key), unhex(cfg.iv), unhex(cfg.kid), counter, '', [{ n: 'temp', u: 'Cel', v: 21.5, t: 1767225600 + counter }]);
    const mid = 0x1200 + counter;
    const reply = new Promise<CoapMessage>((res, rej) => {
      const t = setTimeout(() => rej(new Error('no CoAP response within 3 s')), 3000);
      sock.on('message', (b) => {
        const m = coapDecode(new Uint8Array(b));
        if (!(m instanceof CodecError) && m.mid === mid) {
          clearTimeout(t);
          res(m);
        }
      });
    });
    sock.send(coapPost(mid, Uint8Array.of(counter), 'u', payload), port, '127.0.0.1');
    return await reply;
  } finally {
    sock.close();
  }
}
const codeText = (m: CoapMessage) => `${m.code >> 5}.${String(m.code & 31).padStart(2, '0')}`;

describe('sensornode provision + devices (CLI)', () => {
  let fx: Fixture;
  let ingest: Ingest;
  let a: SimBoardWithModem;
  let b: SimBoardWithModem;
  const cfg = (s: SimBoardWithModem) => JSON.parse(s.board.storage.read('sn.cfg')!) as { id: string; kid: string; key: string; iv: string; kv: number };
  const reg = (...args: string[]) => [...args, '--registry', fx.db];
  let idA = '';
  let kidA = '';
  let kidB = '';

  beforeAll(async () => {
    fx = fleetFixture();
    ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: fx.db, log: () => {} });
    a = await serveWithModem({ board: 'devkitc-bc660k', seed: 31, speed: 25 });
    b = await serveWithModem({ board: 'devkitc-bc660k', seed: 32, speed: 25 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ingest?.close();
    fx?.remove();
  });

  it('provision --json and the human summary, two boards provisioned at the same time (two processes, one registry)', async () => {
    const [r1, r2] = await Promise.all([
      cliAsync(reg('provision', '--port', a.path, '--board', 'devkitc-bc660k', '--server', `udp://127.0.0.1:${ingest.port}`, '--label-dir', fx.path('labels'), '--json')),
      cliAsync(reg('provision', '--port', b.path, '--board', 'devkitc-bc660k', '--server', `udp://127.0.0.1:${ingest.port}`, '--id', 'probe-b')),
    ]);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    const j = JSON.parse(r1.stdout);
    expect(j).toMatchObject({ action: 'provisioned', board: 'devkitc-bc660k', device: { keyVersion: 1 }, factory: { sim: 'READY', at: true } });
    // both runs plan kid index 0; whichever records second plans again
    idA = j.device.id;
    kidA = j.device.kid;
    expect([idA, kidA]).toEqual(kidA === '00' ? ['farm-0', '00'] : ['farm-1', '01']);
    kidB = kidA === '00' ? '01' : '00';
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain(`provisioned probe-b (fleet farm, kid ${kidB}, key version 1) on ${b.path} — board devkitc-bc660k, Espruino 2v29 (ESP32)`);
    expect(r2.stdout).toMatch(/factory check: BC660K-GL answered AT \(already-on\), SIM READY, IMEI .*, ICCID 89\d{18}, IMSI 00101\d{10}, signal \d+ \(-\d+ dBm\)/);
    expect(r2.stderr).toContain('… factory check');
  });

  it('labels: PNG and SVG with a QR code of fleet, id and kid — never the key', () => {
    const key = cfg(a).key;
    const iv = cfg(a).iv;
    const svg = readFileSync(fx.path(`labels/${idA}.svg`), 'utf8');
    expect(svg).toContain(`device ${idA}`);
    expect(svg).toContain(`kid ${kidA}`);
    const pngBytes = readFileSync(fx.path(`labels/${idA}.png`));
    for (const text of [svg, pngBytes.toString('latin1')]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(iv);
    }
    const png = readPng(pngBytes);
    expect(png.text).toEqual({ Title: `sensornode device ${idA}`, Comment: `fleet=farm id=${idA} kid=${kidA}` });
    // the QR code in the PNG is exactly the encoding of the identity text (8 px modules, 4-module margin)
    const qr = QRCode.create(`sensornode:farm/${idA}?kid=${kidA}`, { errorCorrectionLevel: 'M' }).modules;
    expect(png.width).toBe((qr.size + 8) * 8);
    for (let y = 0; y < qr.size; y++) {
      for (let x = 0; x < qr.size; x++) {
        const px = png.at((x + 4) * 8 + 4, (y + 4) * 8 + 4);
        expect(px < 128, `module ${x},${y}`).toBe(qr.get(y, x) === 1);
      }
    }
  });

  it('devices list / show / export (no secrets by default); an unknown id is a clear error', async () => {
    // independent read-only commands: run them side by side
    const [list, table, show, csv, refused, secrets, unknown] = await Promise.all([
      cliAsync(reg('devices', 'list', '--json')),
      cliAsync(reg('devices', 'list')),
      cliAsync(reg('devices', 'show', 'probe-b', '--json')),
      cliAsync(reg('devices', 'export')),
      cliAsync(reg('devices', 'export', '--with-secrets')),
      cliAsync(reg('devices', 'export', '--format', 'json', '--with-secrets', '--yes')),
      cliAsync(reg('devices', 'rotate', 'nope-9')),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no device "nope-9"');
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout).map((d: { id: string; kid: string }) => [d.id, d.kid]);
    expect(listed).toEqual(kidA === '00' ? [[idA, kidA], ['probe-b', kidB]] : [['probe-b', kidB], [idA, kidA]]); // ordered by kid
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+FLEET\s+KID\s+STATUS\s+KV\s+BOARD\s+IMEI\s+LAST SEEN$/);
    expect(table.stdout).toMatch(new RegExp(`probe-b\\s+farm\\s+${kidB}\\s+active\\s+1\\s+devkitc-bc660k`));

    const s = JSON.parse(show.stdout);
    expect(s).toMatchObject({ id: 'probe-b', status: 'active', keyVersion: 1, pendingDownlinks: 0 });
    expect(s.log.map((l: { action: string }) => l.action)).toEqual(['device.add', 'provision.ok']);

    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,fleet,kid,status,keyVersion,previousKeyVersion,board,modem,imei,iccid,imsi,created,revoked,lastSeen,lastCounter');
    expect(lines).toHaveLength(3);
    expect(csv.stdout).not.toContain(cfg(a).key);
    expect(csv.stderr).toBe('');

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--with-secrets writes every device key in clear text');
    expect(refused.stdout).toBe('');

    expect(secrets.code).toBe(0);
    expect(secrets.stderr).toContain('warning: this export holds the keys of 2 device(s) in clear text');
    const rows = JSON.parse(secrets.stdout) as { id: string; key: string; iv: string }[];
    expect(rows.find((r) => r.id === idA)).toMatchObject({ key: cfg(a).key, iv: cfg(a).iv });
    const k = deriveDeviceKeys(fx.secret, 'probe-b', 1);
    expect(rows.find((r) => r.id === 'probe-b')).toMatchObject({ key: hex(k.key), iv: hex(k.iv) });
  });

  it('revoke: the ingest refuses the device from its next message (4.03), others still get 2.04', async () => {
    expect(codeText(await uplink(ingest.port, cfg(a), 0))).toBe('2.04');
    const r = await cliAsync(reg('devices', 'revoke', idA, '--reason', 'stolen'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`device ${idA} (kid ${kidA}) revoked`);
    expect(codeText(await uplink(ingest.port, cfg(a), 1))).toBe('4.03');
    expect(codeText(await uplink(ingest.port, cfg(b), 0))).toBe('2.04');
    const r2 = openRegistry(fx.db);
    try {
      expect(r2.getDevice(idA).status).toBe('revoked');
      expect(r2.readLog({ device: idA }).at(-1)).toMatchObject({ action: 'device.revoke', detail: { reason: 'stolen' } });
    } finally {
      r2.close();
    }
  });

  let batch: Promise<{ code: number; stdout: string; stderr: string }>;
  it('rotate: key version + 1 and a key-update downlink sealed with the key the device still uses', async () => {
    // the batch test's run, started now to overlap (it only adds devices)
    const csv = fx.path('mixed.csv');
    writeFileSync(csv, 'port,board,id\n/dev/ttyUSB-missing,devkitc-bc660k,batch-1\nsim,devkitc-bc660k,batch-2\n');
    batch = cliAsync(reg('provision', '--batch', csv, '--server', `udp://127.0.0.1:${ingest.port}`, '--sim-speed', '25'));
    const r = await cliAsync(reg('devices', 'rotate', 'probe-b'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('device probe-b: key version 1 → 2');
    expect(r.stdout).toContain('sensornode provision --port <dev> --id probe-b');
    const pending = await cliAsync(reg('devices', 'rotate', 'probe-b'));
    expect(pending.code).toBe(1);
    expect(pending.stderr).toContain('has a rotation pending');

    const old = cfg(b); // the board still runs key version 1
    const ack = await uplink(ingest.port, old, 1);
    expect(codeText(ack)).toBe('2.04');
    expect(ack.payload.length).toBeGreaterThan(0);
    const dl = openDownlink(unhex(old.key), unhex(old.iv), ack.payload, -1);
    if (dl instanceof CodecError) throw new Error(`downlink did not open with key version 1: ${dl.message}`);
    expect(dl.value).toBeInstanceOf(CborMap);
    const m = dl.value as CborMap;
    const k2 = deriveDeviceKeys(fx.secret, 'probe-b', 2);
    expect(m.get('kv')).toBe(2);
    expect(hex(m.get('key') as Uint8Array)).toBe(hex(k2.key));
    expect(hex(m.get('iv') as Uint8Array)).toBe(hex(k2.iv));

    // the device switches to version 2: accepted, and the rotation is complete
    expect(codeText(await uplink(ingest.port, { kid: old.kid, key: hex(k2.key), iv: hex(k2.iv) }, 0))).toBe('2.04');
    const r2 = openRegistry(fx.db);
    try {
      expect(r2.getDevice('probe-b')).toMatchObject({ keyVersion: 2, previousKeyVersion: null });
      expect(r2.pendingDownlinks('probe-b')).toBe(0);
    } finally {
      r2.close();
    }
    // and version 1 is no longer accepted
    expect(codeText(await uplink(ingest.port, old, 2))).toBe('4.01');
  });

  it('--batch continues past a failed row, prints a summary table and exits 1', async () => {
    const r = await batch;
    expect(r.code).toBe(1);
    const out = r.stdout.trimEnd().split('\n');
    expect(out[0]).toMatch(/^ROW\s+PORT\s+BOARD\s+DEVICE\s+RESULT$/);
    expect(out[1]).toMatch(/^1\s+\/dev\/ttyUSB-missing\s+devkitc-bc660k\s+-\s+FAILED provision \/dev\/ttyUSB-missing \(device batch-1\): connecting failed: serial port \/dev\/ttyUSB-missing does not exist$/);
    expect(out[2]).toMatch(/^2\s+sim\s+devkitc-bc660k\s+batch-2 \(kid 02\)\s+provisioned$/);
    expect(out[3]).toBe('1 of 2 rows provisioned, 1 failed');
    expect(r.stderr).toContain('[1/2] ');
    expect(r.stderr).toContain('error: 1 of 2 rows failed (see the table)');
    expect(fx.devices().map((d) => d.id)).toContain('batch-2');
    expect(fx.devices().map((d) => d.id)).not.toContain('batch-1');
  });
});
