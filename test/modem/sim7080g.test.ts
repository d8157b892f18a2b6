/**
 * SIM7080G driver (firmware/modem/sim7080g.ts) against its simulator model (sim/modems/sim7080g.ts)
 * in virtual time, with real UDP datagrams to a local server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Sim7080g } from '../../firmware/modem/sim7080g.ts';
import { Sim7080gModel } from '../../sim/modems/sim7080g.ts';
import type { VirtualHarness } from '../../sim/modems/harness.ts';
import type { NetworkSpec } from '../../sim/modems/network.ts';
import { harness, rejection, udpServer, type UdpServer } from './helpers.ts';

// boards/lilygo-t-sim7080g-s3.ts: PWRKEY D41 active high, DTR D42 (low keeps the module awake)
const PINS = { pwrkey: { pin: 'D41', activeHigh: true }, wake: { pin: 'D42', activeHigh: false } };

let h: VirtualHarness | undefined;
let server: UdpServer | undefined;
afterEach(async () => {
  h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

function setup(network: NetworkSpec = 'good', seed = 1) {
  h = harness({ network, seed });
  const model = h.connect(new Sim7080gModel({ ctx: h.ctx, network: h.net, udp: h.udp, pins: PINS }));
  const drv = new Sim7080g({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: PINS, apn: 'iot.example', rat: 'nb' });
  return { h, model, drv };
}

async function up(h: VirtualHarness, drv: Sim7080g) {
  await h.run(drv.powerOn());
  await h.run(drv.sync());
  await h.run(drv.init());
  return h.run(drv.attach(180000));
}

const sent = (h: VirtualHarness) => h.wire.filter((w) => w.dir === 'tx').map((w) => w.text.trim());

describe('SIM7080G driver ⇄ model', () => {
  it('powers on with a 1.5 s PWRKEY pulse, selects NB-IoT, configures the APN and activates PDP', async () => {
    const { h, model, drv } = setup();
    const reg = await up(h, drv);
    expect(reg).toMatchObject({ registered: true, act: 9 });
    const pk = h.pinLog.filter((p) => p.pin === 'D41');
    expect(pk[0].level).toBe(1);
    expect(pk[1].t - pk[0].t).toBe(1500);
    expect(sent(h)).toEqual(expect.arrayContaining(['AT+CNMP=38', 'AT+CMNB=2', 'AT+CGDCONT=1,"IP","iot.example"', 'AT+CNCFG=0,1,"iot.example"', 'AT+CNACT=0,1']));
    expect(model.cnact).toBe(1);
    // powerOn on a running module does not pulse PWRKEY (a pulse would switch it off)
    await h.run(drv.powerOn());
    expect(h.pinLog.filter((p) => p.pin === 'D41').length).toBe(2);
  });

  it('keeps PSM requested and granted apart (poor preset imposes 60 s / 12 h)', async () => {
    const { h, drv } = setup('poor');
    await up(h, drv);
    await h.run(drv.requestPsm(3600, 120));
    expect(drv.psmRequested).toEqual({ tauS: 3600, activeS: 120 });
    expect(drv.psmGranted).toMatchObject({ activeTimeS: 60, tauS: 43200 });
  });

  it('sends binary data after the > prompt and reads pushed datagrams with CARECV', async () => {
    const payload = Buffer.from([0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0x00, 0xff]); // contains "\r\nOK\r\n"
    server = await udpServer((d) => Buffer.concat([d, d]));
    const { h, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array(payload)));
    const got = await h.run(drv.receive(30000));
    expect(Buffer.from(server.received[0])).toEqual(payload);
    expect(Buffer.from(got)).toEqual(Buffer.concat([payload, payload]));
    expect(sent(h)).toContain('AT+CASEND=0,8');
    await h.run(drv.close());
  });

  it('rejects a denied registration with DENIED', async () => {
    const { h, drv } = setup({ deniedProb: 1 });
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    expect(await rejection(h.run(drv.attach(180000)))).toMatchObject({ code: 'DENIED' });
  });

  it('no response: recover() switches a hung module off and on, with the 10/30/60 min back-off', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.hang = 'always';
    expect((await rejection(h.run(drv.sync()))).code).toBe('NO_RESPONSE');
    const attempt = () => h.run(drv.recover().then(() => null, (e) => e));
    expect(await attempt()).toMatchObject({ code: 'NO_RESPONSE' });
    const b1 = await attempt();
    expect(b1).toMatchObject({ code: 'BACKOFF' });
    await h.advance(b1.retryInMs);
    expect(await attempt()).toMatchObject({ code: 'NO_RESPONSE' });
    const b2 = await attempt();
    expect(b2.retryInMs).toBeGreaterThan(600000);
    expect(b2.retryInMs).toBeLessThanOrEqual(1800000);
    // the module was power-cycled by PWRKEY each time (pulse off + pulse on)
    expect(model.boots).toBeGreaterThanOrEqual(3);
    model.faults.hang = 'until-reset';
    await h.advance(b2.retryInMs);
    await h.run(drv.recover());
    await h.run(drv.sync());
    expect(drv.policy.reboots).toBe(0);
  });

  it('surfaces +CME ERROR from the bearer command with its number', async () => {
    const { h, model, drv } = setup();
    model.faults.forceError = { '+CNACT': '+CME ERROR: 3' };
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    expect(await rejection(h.run(drv.attach(180000)))).toMatchObject({ code: 'CME', cme: 3, command: 'AT+CNACT=0,1' });
  });

  it('reports a failed CASEND as SEND_FAIL; the next send goes through', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.faults.sendFail = true;
    expect((await rejection(h.run(drv.send(new Uint8Array([1]))))).code).toBe('SEND_FAIL');
    await h.run(drv.send(new Uint8Array([2])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x02');
  });

  it('modem reboot mid-session: SMS Ready is reported, the socket is gone, recovery restores it', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(e.type));
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.reboot('spontaneous');
    await h.advance(5000);
    expect(events).toContain('reboot');
    expect((await rejection(h.run(drv.send(new Uint8Array([1]))))).code).toBe('ERROR');
    await h.run(drv.init());
    await h.run(drv.attach(180000));
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array([3])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x03');
  });

  it('waits for a late +APP PDP up to 120 s and times out beyond', async () => {
    const { h, model, drv } = setup();
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    model.faults.asyncDelayMs = 130000;
    const e = await rejection(h.run(drv.attach(180000)));
    expect(e).toMatchObject({ code: 'TIMEOUT', command: 'AT+CNACT=0,1' });
    model.faults.asyncDelayMs = 100000;
    await h.run(drv.attach(180000));
    expect(model.cnact).toBe(1);
  });

  it('after PSM the bearer is down: wake() uses PWRKEY and openUdp re-activates CNACT', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(e.type));
    await up(h, drv);
    await h.run(drv.requestPsm(3600, 10));
    await h.run(drv.sleep());
    await h.advance(60000);
    expect(model.life).toBe('psm');
    expect(events).toContain('sleep');
    expect(h.powerLog.at(-1)).toMatchObject({ state: 'psm' });
    await h.run(drv.wake());
    expect(model.life).toBe('on');
    await h.run(drv.openUdp('127.0.0.1', server.port));
    expect(sent(h).filter((l) => l === 'AT+CNACT=0,1').length).toBe(2);
    await h.run(drv.send(new Uint8Array([9])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x09');
  });

  it('sleeps with CSCLK=1 + DTR high when idle, and powers off with CPOWD', async () => {
    const { h, model, drv } = setup({ psm: 'refuse' });
    await up(h, drv);
    await h.run(drv.sleep());
    await h.advance(30000);
    expect(model.life).toBe('sleep');
    expect(h.powerLog.at(-1)).toMatchObject({ state: 'sleep' });
    await h.run(drv.wake());
    expect(model.life).toBe('on');
    await h.run(drv.powerOff());
    await h.advance(1000);
    expect(model.life).toBe('off');
    expect(h.powerLog.at(-1)).toMatchObject({ state: 'off' });
  });

  it('reads signal, identity and network time', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    const s = await h.run(drv.signal());
    expect(s.rssiDbm!).toBeLessThan(-50);
    expect(s.rsrpDbm!).toBeGreaterThan(-110);
    expect(await h.run(drv.identity())).toEqual({ imei: model.imei, imsi: model.imsi, iccid: model.iccid });
    expect(await h.run(drv.networkTime())).toBeGreaterThan(Date.UTC(2026, 0, 1));
  });

  it.each(['good', 'poor', 'flaky'] as const)('full session on a %s network ends with a reply or a typed error', async (net) => {
    server = await udpServer();
    const out: string[] = [];
    for (const seed of [1, 2, 3]) {
      const { h, drv } = setup(net, seed);
      try {
        await up(h, drv);
        await h.run(drv.openUdp('127.0.0.1', server.port));
        await h.run(drv.send(new Uint8Array([seed])));
        out.push(Buffer.from(await h.run(drv.receive(60000))).toString('latin1'));
      } catch (e) {
        expect(typeof (e as { code?: string }).code).toBe('string');
        out.push((e as { code: string }).code);
      }
      h.close();
    }
    if (net === 'good') expect(out).toEqual(['ACK:\x01', 'ACK:\x02', 'ACK:\x03']);
    else expect(out.length).toBe(3);
  });
});
