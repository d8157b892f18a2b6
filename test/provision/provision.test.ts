// provision() on simulated boards over ptys — the same serial path as a real board: failures name the
// step and the port, leave no device row, and say in the audit log what happened; re-runs verify or
// repair; dry runs write nothing.
import { chmodSync, existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { provision, type ProvisionOptions } from '../../tools/lib/provision/provision.ts';
import { serveWithModem, type SimBoardWithModem } from '../../tools/lib/provision/sim-board.ts';
import { rotateDevice } from '../../tools/lib/provision/devices.ts';
import { deriveDeviceKeys } from '../../tools/lib/codec/keys.ts';
import { openRegistry } from '../../tools/lib/registry/index.ts';
import { fleetFixture, rejection, type Fixture } from './helpers.ts';

// board-time limits short enough for quick failures, long enough for the EC200U's 5 s boot (sim/modems/ec200u.ts)
const FAST = { bootWaitMs: 8000, simWaitMs: 3000, commandMs: 1000 };

describe('provision on simulated boards', () => {
  let fx: Fixture;
  const boards: SimBoardWithModem[] = [];
  let nextSeed = 10;
  const serve = async (o: { board?: string; seed?: number; network?: false } = {}) => {
    const b = await serveWithModem({ board: o.board ?? 'devkitc-bc660k', seed: o.seed ?? nextSeed++, speed: 25, network: o.network });
    boards.push(b);
    return b;
  };
  const opts = (port: string, extra: Partial<ProvisionOptions> = {}): ProvisionOptions => ({
    port, board: 'devkitc-bc660k', registry: fx.db, server: 'udp://127.0.0.1:5683', timings: FAST, ...extra,
  });
  const cfgOf = (b: SimBoardWithModem) => {
    const t = b.board.storage.read('sn.cfg');
    return t === undefined ? undefined : (JSON.parse(t) as Record<string, unknown>);
  };

  beforeAll(() => {
    fx = fleetFixture();
  });
  afterEach(async () => {
    for (const b of boards.splice(0)) await b.close();
  });
  afterAll(() => fx?.remove());

  it('provisions a fresh board: sn.cfg on the board is what the registry derives, the device recorded after it', async () => {
    const b = await serve();
    const steps: string[] = [];
    const r = await provision(opts(b.path, { apn: 'nb.example', sampleS: 600, uplinkS: 1800, onStep: (s) => steps.push(s) }));
    expect(r.action).toBe('provisioned');
    expect(r.factory).toMatchObject({ modem: 'BC660K-GL', at: true, sim: 'READY', powered: 'already-on' });
    expect(r.factory.iccid).toMatch(/^89\d{18}$/);
    expect(r.factory.rssi).toBeGreaterThan(0);
    expect(steps.indexOf('write-config')).toBeLessThan(steps.indexOf('record'));
    const d = fx.devices().find((x) => x.id === r.device.id)!;
    expect(d).toMatchObject({ board: 'devkitc-bc660k', modem: 'BC660K-GL', iccid: r.factory.iccid, imsi: r.factory.imsi, keyVersion: 1 });
    const k = deriveDeviceKeys(fx.secret, d.id, 1);
    expect(cfgOf(b)).toEqual({
      v: 1, id: d.id, kid: d.kidHex, key: Buffer.from(k.key).toString('hex'), iv: Buffer.from(k.iv).toString('hex'), kv: 1,
      host: '127.0.0.1', port: 5683, sampleS: 600, uplinkS: 1800, apn: 'nb.example',
    });
    const last = fx.log().at(-1)!;
    expect(last).toMatchObject({ action: 'provision.ok', device: d.id });
    expect(last.detail).toMatchObject({ port: b.path, board: 'devkitc-bc660k', iccid: r.factory.iccid });
  });

  it('re-running on a provisioned board changes nothing; after a rotation it rewrites the key material', async () => {
    const b = await serve({ board: 'devkitc-ec200u' });
    const first = await provision(opts(b.path, { board: 'devkitc-ec200u', id: 'meter-1' }));
    expect(first.factory.powered).toBe('pwrkey'); // the EC200U starts off: PWRKEY pulse from the board definition
    const before = b.board.storage.read('sn.cfg');
    const again = await provision(opts(b.path, { board: undefined, server: undefined })); // board and server from the registry / sn.cfg
    expect(again.action).toBe('unchanged');
    expect(again.device.id).toBe('meter-1');
    expect(again.actions).toEqual(['sn.cfg verified: matches the registry (key version 1)']);
    expect(b.board.storage.read('sn.cfg')).toBe(before);
    expect(fx.log().at(-1)).toMatchObject({ action: 'provision.verify', device: 'meter-1', detail: { result: 'unchanged' } });

    const reg = openRegistry(fx.db);
    try {
      rotateDevice(reg, 'meter-1');
    } finally {
      reg.close();
    }
    const repaired = await provision(opts(b.path, { board: undefined, server: undefined, id: 'meter-1' }));
    expect(repaired.action).toBe('repaired');
    expect(repaired.actions[0]).toBe('sn.cfg rewritten: key version 1 → 2');
    const k2 = deriveDeviceKeys(fx.secret, 'meter-1', 2);
    expect(cfgOf(b)).toMatchObject({ id: 'meter-1', kv: 2, key: Buffer.from(k2.key).toString('hex'), iv: Buffer.from(k2.iv).toString('hex') });
    expect(fx.devices().filter((d) => d.id === 'meter-1')).toHaveLength(1);
  });

  it('--dry-run checks the board and prints the plan, and writes nothing anywhere', async () => {
    const b = await serve();
    const logBefore = fx.log().length;
    const devicesBefore = fx.devices().length;
    const r = await provision(opts(b.path, { dryRun: true, labelDir: fx.path('dry-labels') }));
    expect(r.action).toBe('dry-run');
    expect(r.actions[0]).toMatch(/^new device farm-\d+ \(kid [0-9a-f]+\) in fleet farm$/);
    expect(r.factory.sim).toBe('READY');
    expect(b.board.storage.read('sn.cfg')).toBeUndefined();
    expect(fx.devices()).toHaveLength(devicesBefore);
    expect(fx.log()).toHaveLength(logBefore);
    expect(existsSync(fx.path('dry-labels'))).toBe(false);
  });

  it('a board whose modem does not answer: MODEM_SILENT at the factory check, no device, the audit log says why', async () => {
    const b = await serve({ network: false });
    const e = await rejection(provision(opts(b.path)));
    expect(e.code).toBe('MODEM_SILENT');
    expect(e.message).toContain(`provision ${b.path}`);
    expect(e.message).toContain('factory check failed');
    expect(e.message).toContain('BC660K-GL modem does not answer AT on Serial2 (TX D17, RX D16, 115200 baud) after a RESET pulse on D4');
    expect(e.hint).toContain('wiring');
    expect(b.board.storage.read('sn.cfg')).toBeUndefined();
    const last = fx.log().at(-1)!;
    expect(last).toMatchObject({ action: 'provision.fail', detail: { port: b.path, step: 'factory-check', code: 'MODEM_SILENT' } });
    expect(fx.devices().map((d) => d.id)).not.toContain(last.device);
  });

  it('a full Storage: STORAGE_FULL before anything is written, no device', async () => {
    const b = await serve();
    const free = b.board.storage.getFree();
    b.board.storage.write('logdata', new Uint8Array(free - 200).fill(0x41));
    const n = fx.devices().length;
    const e = await rejection(provision(opts(b.path)));
    expect(e.code).toBe('STORAGE_FULL');
    expect(e.message).toMatch(/writing sn\.cfg failed: .*Storage has \d+ bytes free, \d+ needed for sn\.cfg/);
    expect(e.hint).toContain('require("Storage").erase(name)');
    expect(b.board.storage.read('sn.cfg')).toBeUndefined();
    expect(fx.devices()).toHaveLength(n);
    expect(fx.log().at(-1)).toMatchObject({ action: 'provision.fail', detail: { step: 'write-config', code: 'STORAGE_FULL' } });
  });

  it('a duplicate id: DUPLICATE_DEVICE, the new board untouched, the existing device unchanged', async () => {
    const a = await serve();
    await provision(opts(a.path, { id: 'probe-7' }));
    const b = await serve();
    const e = await rejection(provision(opts(b.path, { id: 'probe-7' })));
    expect(e.code).toBe('DUPLICATE_DEVICE');
    expect(e.message).toContain('(device probe-7): planning failed');
    expect(e.message).toContain('device "probe-7" already exists');
    expect(b.board.storage.read('sn.cfg')).toBeUndefined();
    expect(fx.devices().filter((d) => d.id === 'probe-7')).toHaveLength(1);
    expect(JSON.parse(a.board.storage.read('sn.cfg')!).id).toBe('probe-7');
    expect(fx.log().at(-1)).toMatchObject({ action: 'provision.fail', device: 'probe-7', detail: { step: 'plan', code: 'DUPLICATE_DEVICE' } });
  });

  it('a world-readable fleet key file: refused before the board is touched', async () => {
    const b = await serve();
    chmodSync(fx.keyFile, 0o644);
    try {
      const n = fx.devices().length;
      const e = await rejection(provision(opts(b.path)));
      expect(e.code).toBe('KEYFILE_PERMISSIONS');
      expect(e.message).toContain('loading the fleet key failed');
      expect(e.message).toContain('mode 644');
      expect(e.hint).toBe(`chmod 600 ${fx.keyFile}`);
      expect(b.board.storage.read('sn.cfg')).toBeUndefined();
      expect(fx.devices()).toHaveLength(n);
      expect(fx.log().at(-1)).toMatchObject({ action: 'provision.fail', fleet: 'farm', detail: { step: 'fleet-key', code: 'KEYFILE_PERMISSIONS' } });
    } finally {
      chmodSync(fx.keyFile, 0o600);
    }
  });

  it('a board that lost its sn.cfg: its modem\'s IMEI names the device; --id restores it', async () => {
    // seed 1 gives the simulated BC660K an IMEI with a valid check digit, so it is recorded
    const a = await serve({ seed: 1 });
    const r = await provision(opts(a.path, { id: 'probe-lost' }));
    expect(r.factory.imei).toMatch(/^\d{15}$/);
    await a.close();
    const again = await serve({ seed: 1 }); // the same modem, its Storage erased
    const e = await rejection(provision(opts(again.path)));
    expect(e.code).toBe('DUPLICATE_MODEM');
    expect(e.message).toContain(`the modem's IMEI ${r.factory.imei} is already recorded for device "probe-lost"`);
    expect(e.hint).toContain('restore it with --id probe-lost');
    const restored = await provision(opts(again.path, { id: 'probe-lost' }));
    expect(restored.action).toBe('repaired');
    expect(restored.actions[0]).toBe(`restoring device probe-lost (modem IMEI ${r.factory.imei} recorded for it)`);
    expect(again.board.storage.read('sn.cfg')).toBe(a.board.storage.read('sn.cfg'));
    expect(fx.devices().filter((d) => d.id === 'probe-lost')).toHaveLength(1);
  });

  // another provisioning run (another port, another operator) records a device between this run's plan and its record step
  const intruder = (times: number) => {
    let n = 0;
    return (step: string) => {
      if (step !== 'record' || n >= times) return;
      const other = openRegistry(fx.db);
      try {
        other.addDevice({ fleet: 'farm', id: `intruder-${++n}-${Date.now()}` });
      } finally {
        other.close();
      }
    };
  };

  it('another run records the planned kid first: provision plans again, rewrites sn.cfg and records that', async () => {
    const b = await serve();
    const r = await provision(opts(b.path, { onStep: intruder(1) }));
    expect(r.action).toBe('provisioned');
    expect(r.actions[0]).toMatch(/^new device farm-\d+ \(kid [0-9a-f]+\) in fleet farm \(planned again: another run recorded the first plan's kid meanwhile\)$/);
    const cfg = JSON.parse(b.board.storage.read('sn.cfg')!);
    expect(cfg).toMatchObject({ id: r.device.id, kid: r.device.kid });
    const d = fx.devices().find((x) => x.id === r.device.id)!;
    expect(d.kidHex).toBe(cfg.kid);
    expect(new Set(fx.devices().map((x) => x.kidHex)).size).toBe(fx.devices().length);
  });

  it('when every plan is taken: DUPLICATE_KID after 3 plans, and sn.cfg is erased again — no half-provisioned board', async () => {
    const b = await serve();
    const n = fx.devices().length;
    const e = await rejection(provision(opts(b.path, { onStep: intruder(3) })));
    expect(e.code).toBe('DUPLICATE_KID');
    expect(e.message).toContain('recording the device failed');
    expect(e.message).toContain('sn.cfg on the board was erased again');
    expect(b.board.storage.read('sn.cfg')).toBeUndefined();
    expect(fx.devices()).toHaveLength(n + 3); // only the other runs' devices
    expect(fx.log().at(-1)).toMatchObject({ action: 'provision.fail', detail: { step: 'record', code: 'DUPLICATE_KID' } });
  });

  it('a board already provisioned as another id refuses a different --id', async () => {
    const b = await serve();
    const r = await provision(opts(b.path));
    const e = await rejection(provision(opts(b.path, { id: 'other-1' })));
    expect(e.code).toBe('ID_MISMATCH');
    expect(e.message).toContain(`already provisioned as device "${r.device.id}"`);
    expect(fx.devices().map((d) => d.id)).not.toContain('other-1');
  });
});
