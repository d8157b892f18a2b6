/**
 * EC200U driver (firmware/modem/ec200u.ts) against its simulator model (sim/modems/ec200u.ts) in virtual
 * time, with real UDP datagrams to a local server. Pins: boards/devkitc-ec200u.ts (PWRKEY D4 active
 * high, no RESET, no DTR).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EC200U_CAPS, Ec200u, parseQengServing, parseQiact, parseQnwinfo } from '../../firmware/modem/ec200u.ts';
import { Ec200uModel } from '../../sim/modems/ec200u.ts';
import type { VirtualHarness } from '../../sim/modems/harness.ts';
import type { NetworkSpec } from '../../sim/modems/network.ts';
import board from '../../boards/devkitc-ec200u.ts';
import { harness, rejection, udpServer, type UdpServer } from './helpers.ts';

const PINS = { pwrkey: { pin: 'D4', activeHigh: true } };

let h: VirtualHarness | undefined;
let server: UdpServer | undefined;
afterEach(async () => {
  h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

function setup(network: NetworkSpec = 'good', seed = 1, variant?: 'EC200U' | 'EG915U' | 'EC800N') {
  h = harness({ network, seed });
  const model = h.connect(new Ec200uModel({ ctx: h.ctx, network: h.net, udp: h.udp, pins: PINS, variant }));
  const drv = new Ec200u({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: PINS, apn: 'iot.example', variant });
  return { h, model, drv };
}

async function up(h: VirtualHarness, drv: Ec200u) {
  await h.run(drv.powerOn());
  await h.run(drv.sync());
  await h.run(drv.init());
  return h.run(drv.attach(180000));
}

/** Typed errors a session on a bad network may end with (never a crash or a hang). */
const NETWORK_ERRORS = ['TIMEOUT', 'DENIED', 'NOT_REGISTERED', 'SEND_FAIL', 'CLOSED', 'SOCKET', 'BEARER', 'ERROR'];

const sent = (h: VirtualHarness) => h.wire.filter((w) => w.dir === 'tx').map((w) => w.text.trim());
const received = (h: VirtualHarness) => h.wire.filter((w) => w.dir === 'rx').map((w) => w.text).join('');

describe('EC200U driver ⇄ model', () => {
  it('powers on with a 500 ms PWRKEY pulse, waits for RDY, sets the APN and activates context 1', async () => {
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(`${e.type}:${e.detail ?? ''}`));
    const reg = await up(h, drv);
    expect(reg).toMatchObject({ registered: true, act: 7, tac: model.tac, ci: model.ci });
    // a 500 ms AT probe found the module off, then PWRKEY was held 500 ms (active high on D4)
    expect(h.pinLog.slice(0, 2)).toEqual([
      { t: 500, pin: 'D4', level: 1 },
      { t: 1000, pin: 'D4', level: 0 },
    ]);
    expect(received(h)).toContain('\r\nRDY\r\n');
    expect(sent(h)).toEqual(expect.arrayContaining(['AT+QICSGP=1,1,"iot.example","","",0', 'AT+CEREG=2', 'AT+QIACT?', 'AT+QIACT=1']));
    expect(model.apn).toBe('iot.example');
    expect(model.pdp).toBe(true);
    expect(events.some((e) => /^ip:10\.\d+\.\d+\.\d+$/.test(e))).toBe(true);
    // a running module is not pulsed again; an active context is not activated twice
    await h.run(drv.powerOn());
    await h.run(drv.attach(180000));
    expect(h.pinLog.length).toBe(2);
    expect(sent(h).filter((l) => l === 'AT+QIACT=1').length).toBe(1);
  });

  it('answers raw AT lines with the application note syntax (what the REPL shows)', async () => {
    const { h, model } = setup();
    const say = async (line: string, ms = 400) => {
      const from = h.wire.length;
      h.serial.write(`${line}\r`);
      await h.advance(ms);
      return h.wire.slice(from).filter((w) => w.dir === 'rx').map((w) => w.text).join('');
    };
    expect(await say('AT', 1000)).toBe(''); // off: silent
    h.gpio.digitalWrite('D4', 1);
    await h.advance(500);
    h.gpio.digitalWrite('D4', 0);
    await h.advance(4900);
    expect(received(h)).toBe('');
    await h.advance(200);
    expect(received(h)).toBe('\r\nRDY\r\n');
    expect(await say('ATE0')).toBe('ATE0\r\r\nOK\r\n');
    expect(await say('AT+QIACT?')).toBe('\r\nOK\r\n'); // no context active yet
    expect(await say('AT+QISEND=0,5')).toBe('\r\nERROR\r\n'); // no socket
    expect(await say('AT+QIOPEN=1,12,"UDP","127.0.0.1",5683,0,0')).toBe('\r\n+CME ERROR: 552\r\n');
    await h.advance(20000); // registered by now
    expect(await say('AT+QIACT=1', 4000)).toBe('\r\nOK\r\n');
    expect(await say('AT+QIACT?')).toMatch(/^\r\n\+QIACT: 1,1,1,"10\.\d+\.\d+\.\d+"\r\n\r\nOK\r\n$/);
    expect(await say('AT+QIOPEN=1,0,"UDP","127.0.0.1",5683,0,0')).toBe('\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n');
    expect(await say('AT+QIRD=0,1500')).toBe('\r\n+QIRD: 0\r\n\r\nOK\r\n');
    expect(await say('AT+QIGETERROR')).toBe('\r\n+QIGETERROR: 0,operation successful\r\n\r\nOK\r\n');
    expect(await say('AT+QICLOSE=0')).toBe('\r\nOK\r\n');
    expect(model.commands).toBe(10); // the AT sent while off never reached the module's parser
  });

  it('declares PSM and eDRX unknown: capabilities false, requests rejected with NOT_SUPPORTED', async () => {
    const { h, drv } = setup();
    expect(EC200U_CAPS).toMatchObject({ psm: false, edrx: false, receive: 'read', hexPayload: false, maxPayload: 1460 });
    await up(h, drv);
    expect(await rejection(h.run(drv.requestPsm(3600, 60)))).toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(await rejection(h.run(drv.requestEdrx(5)))).toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(drv.psmRequested).toEqual({ tauS: 3600, activeS: 60 });
    expect(drv.psmGranted).toBeNull();
    expect(sent(h).some((l) => l.startsWith('AT+CPSMS'))).toBe(false);
  });

  it('uses the power states of the DevKitC + EC200U board power table', async () => {
    const { h, model, drv } = setup();
    expect([...model.spec.states].sort()).toEqual(Object.keys(board.power.modem).sort());
    await up(h, drv);
    const states = new Set(h.powerLog.filter((p) => p.component === 'modem').map((p) => p.state));
    for (const s of states) expect(Object.keys(board.power.modem)).toContain(s);
    expect(states).toContain('tx');
  });

  it('sends binary data after the > prompt (SEND OK) and reads buffered datagrams with QIRD', async () => {
    const payload = Buffer.from([0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0x00, 0xff, 0x3e]); // "\r\nOK\r\n\0\xff>"
    server = await udpServer((d) => Buffer.concat([d, Buffer.from('|'), d]));
    const { h, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array(payload)));
    const got = await h.run(drv.receive(30000));
    expect(Buffer.from(server.received[0])).toEqual(payload);
    expect(Buffer.from(got)).toEqual(Buffer.concat([payload, Buffer.from('|'), payload]));
    expect(sent(h)).toEqual(expect.arrayContaining([`AT+QIOPEN=1,0,"UDP","127.0.0.1",${server.port},0,0`, 'AT+QISEND=0,9', 'AT+QIRD=0,1500']));
    expect(received(h)).toContain('+QIURC: "recv",0\r\n');
    await h.run(drv.close());
    expect(sent(h)).toContain('AT+QICLOSE=0');
    expect(await rejection(h.run(drv.send(new Uint8Array(1461))))).toMatchObject({ code: 'BAD_ARG' });
  });

  it('rejects a denied registration with DENIED', async () => {
    const { h, drv } = setup({ deniedProb: 1 });
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    expect(await rejection(h.run(drv.attach(180000)))).toMatchObject({ code: 'DENIED', command: 'AT+CEREG?' });
    expect(sent(h)).not.toContain('AT+QIACT=1');
  });

  it('no response for 60 s: recover() power-cycles by PWRKEY, then backs off 10 min and 30 min', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.hang = 'always';
    const t0 = h.sched.now();
    expect(await rejection(h.run(drv.sync()))).toMatchObject({ code: 'NO_RESPONSE' });
    expect(h.sched.now() - t0).toBeGreaterThan(59000); // the app note's 60 s, in 500 ms AT attempts
    expect(h.sched.now() - t0).toBeLessThan(61000);
    const attempt = () => h.run(drv.recover().then(() => null, (e) => e));
    expect(await attempt()).toMatchObject({ code: 'NO_RESPONSE' });
    // PWRKEY 800 ms switched it off (POWERED DOWN), then 500 ms switched it on again
    const highs = h.pinLog.filter((p) => p.level === 1).map((p) => p.t);
    const lows = h.pinLog.filter((p) => p.level === 0).map((p) => p.t);
    expect(lows[1] - highs[1]).toBe(800);
    expect(lows[2] - highs[2]).toBe(500);
    expect(received(h)).toContain('POWERED DOWN');
    expect(model.boots).toBe(2);
    const b1 = await attempt();
    expect(b1).toMatchObject({ code: 'BACKOFF' });
    expect(b1.retryInMs).toBeGreaterThan(0);
    expect(b1.retryInMs).toBeLessThanOrEqual(600000);
    await h.advance(b1.retryInMs);
    expect(await attempt()).toMatchObject({ code: 'NO_RESPONSE' });
    const b2 = await attempt();
    expect(b2.retryInMs).toBeGreaterThan(600000);
    expect(b2.retryInMs).toBeLessThanOrEqual(1800000);
    // a module that answers after the next reboot clears the schedule
    model.faults.hang = 'until-reset';
    await h.advance(b2.retryInMs);
    await h.run(drv.recover());
    expect(drv.policy.reboots).toBe(0);
    await h.run(drv.attach(180000));
    expect(model.pdp).toBe(true);
  });

  it('QIACT beyond 150 s and QICLOSE beyond 10 s are app-note reboot cases: NO_RESPONSE', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    model.qiactMs = 160000;
    const e = await rejection(h.run(drv.attach(180000)));
    expect(e).toMatchObject({ code: 'NO_RESPONSE', command: 'AT+QIACT=1' });
    expect(e.message).toContain('150 s');
    model.qiactMs = 120000; // slow but within the limit: accepted
    await h.advance(60000);
    await h.run(drv.recover());
    await h.run(drv.attach(180000));
    expect(model.pdp).toBe(true);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.faults.hang = 'until-reset';
    const c = await rejection(h.run(drv.close()));
    expect(c).toMatchObject({ code: 'NO_RESPONSE', command: 'AT+QICLOSE=0' });
    expect(c.message).toContain('10 s');
    const t0 = h.sched.now();
    const d = await rejection(h.run(drv.deactivate()));
    expect(d).toMatchObject({ code: 'NO_RESPONSE', command: 'AT+QIDEACT=1' });
    expect(d.message).toContain('40 s');
    expect(h.sched.now() - t0).toBeGreaterThanOrEqual(40000);
  });

  it('reopens socket 0 when it is still held (+QIOPEN: 0,563) and reports the last error via QIGETERROR', async () => {
    server = await udpServer();
    const { h, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    const r = await h.run(drv.chat.command(`AT+QIOPEN=1,0,"UDP","127.0.0.1",${server.port},0,0`, { then: { match: ['+QIOPEN:'], timeoutMs: 5000 } }));
    expect(r.final).toBe('+QIOPEN: 0,563');
    expect(await h.run(drv.lastError())).toEqual({ code: 563, text: 'socket identity has been used' });
    await h.run(drv.openUdp('127.0.0.1', server.port)); // 563 → QICLOSE → open again
    const tx = sent(h);
    expect(tx.slice(tx.lastIndexOf('AT+QICLOSE=0') - 1, tx.lastIndexOf('AT+QICLOSE=0') + 2).map((l) => l.slice(0, 12))).toEqual(['AT+QIOPEN=1,', 'AT+QICLOSE=0', 'AT+QIOPEN=1,']);
    expect(await h.run(drv.lastError())).toEqual({ code: 0, text: 'operation successful' });
    await h.run(drv.send(new Uint8Array([8])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x08');
  });

  it('surfaces +CME ERROR with its number and the command; +QIOPEN errors as SOCKET', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.forceError = { '+QIOPEN': '+CME ERROR: 552' };
    const e = await rejection(h.run(drv.openUdp('127.0.0.1', server.port)));
    expect(e).toMatchObject({ code: 'CME', cme: 552 });
    expect(e.command).toContain('AT+QIOPEN=1,0,"UDP"');
    model.faults.forceError = {};
    model.pdp = false; // context lost without notice: QIACT? shows it, the driver activates again
    await h.run(drv.openUdp('127.0.0.1', server.port));
    expect(sent(h).filter((l) => l === 'AT+QIACT=1').length).toBe(2);
  });

  it('reports SEND FAIL as SEND_FAIL (buffer full) and the next send goes through', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.faults.sendFail = true;
    const e = await rejection(h.run(drv.send(new Uint8Array([1, 2]))));
    expect(e.code).toBe('SEND_FAIL');
    expect(e.message).toContain('retry');
    expect(server.received.length).toBe(0);
    await h.run(drv.send(new Uint8Array([3])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x03');
  });

  it('modem reboot mid-session: RDY is reported, the socket is gone, a new session works', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(e.type));
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.reboot('spontaneous');
    await h.advance(8000);
    expect(events).toContain('reboot');
    expect(drv.pdpUp).toBe(false);
    expect(await rejection(h.run(drv.send(new Uint8Array([1]))))).toMatchObject({ code: 'ERROR' });
    await h.run(drv.init());
    await h.run(drv.attach(180000));
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array([4])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x04');
  });

  it('+QIURC "pdpdeact": the driver frees the context (QIDEACT) and re-activates before the next socket', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(`${e.type}:${e.detail ?? ''}`));
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    const waiting = drv.receive(60000).then(() => 'data', (e) => e.code);
    model.pdpDeact();
    await h.advance(2000);
    expect(await waiting).toBe('CLOSED');
    expect(events).toContain('closed:+QIURC: "pdpdeact",1');
    expect(sent(h)).toContain('AT+QIDEACT=1');
    await h.run(drv.openUdp('127.0.0.1', server.port)); // QIOPEN 563 (id still held) → QICLOSE → reopen
    await h.run(drv.send(new Uint8Array([5])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x05');
    expect(sent(h).filter((l) => l === 'AT+QIACT=1').length).toBe(2);
  });

  it('waits for a late +QIOPEN up to 150 s; beyond, TIMEOUT and the socket is closed', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.asyncDelayMs = 140000;
    const t0 = h.sched.now();
    await h.run(drv.openUdp('127.0.0.1', server.port));
    expect(h.sched.now() - t0).toBeGreaterThan(140000);
    model.faults.asyncDelayMs = 0;
    await h.run(drv.close());
    model.faults.asyncDelayMs = 160000;
    const e = await rejection(h.run(drv.openUdp('127.0.0.1', server.port)));
    expect(e).toMatchObject({ code: 'TIMEOUT' });
    expect(e.message).toContain('+QIOPEN:');
    expect(sent(h).filter((l) => l === 'AT+QICLOSE=0').length).toBe(2);
  });

  it('reads signal (CSQ + QENG servingcell), network info, identity and network time', async () => {
    const { h, model, drv } = setup('poor');
    await up(h, drv);
    const s = await h.run(drv.signal());
    expect(s.rsrpDbm!).toBeLessThan(-110);
    expect(s.rssiDbm!).toBeLessThan(-80);
    expect(s.cellId).toBe(model.ci);
    expect(await h.run(drv.networkInfo())).toEqual({ act: 'FDD LTE', operator: '00101', band: 'LTE BAND 3', channel: 1650 });
    expect(await h.run(drv.identity())).toEqual({ imei: model.imei, imsi: model.imsi, iccid: model.iccid });
    const t = await h.run(drv.networkTime());
    expect(Math.abs(t! - (Date.UTC(2026, 0, 1) + h.sched.now()))).toBeLessThan(2000);
  });

  it('sleeps with QSCLK=1 when idle (no DTR wired), wakes on AT, powers off with QPOWD', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.sleep());
    await h.advance(30000);
    expect(model.life).toBe('sleep');
    expect(h.powerLog.at(-1)).toMatchObject({ component: 'modem', state: 'sleep' });
    await h.run(drv.wake());
    expect(model.life).toBe('on');
    expect(model.sclk).toBe(0);
    await h.run(drv.powerOff());
    expect(model.life).toBe('off');
    expect(h.powerLog.at(-1)).toMatchObject({ state: 'off' });
  });

  it('serves the EG915U and EC800N as variants and refuses unknown ones', async () => {
    const { h, model, drv } = setup('good', 1, 'EC800N');
    expect(drv.model).toBe('EC800N');
    expect(model.spec.name).toBe('EC800N');
    await up(h, drv);
    expect(model.pdp).toBe(true);
    expect(new Ec200u({ serial: h.serial, timers: h.timers, variant: 'EG915U' }).model).toBe('EG915U');
    expect(() => new Ec200u({ serial: h.serial, timers: h.timers, variant: 'EC21' })).toThrow();
    try {
      new Ec200u({ serial: h.serial, timers: h.timers, variant: 'EC21' });
    } catch (e) {
      expect(e).toMatchObject({ code: 'BAD_ARG' });
      expect((e as { message: string }).message).toContain('EC21');
    }
  });

  it('parses the response lines of the application note forms', () => {
    expect(parseQiact(['+QIACT: 1,1,1,"10.7.157.1"'], 1)).toBe('10.7.157.1');
    expect(parseQiact(['+QIACT: 2,1,1,"10.0.0.9"', '+QIACT: 1,0,1,"0.0.0.0"'], 1)).toBeNull();
    expect(parseQengServing('+QENG: "servingcell","NOCONN","LTE","FDD",460,00,1A2D001,1,1650,3,5,5,DE10,-90,-9,-60,14,10,-,-32')).toEqual({
      rssiDbm: -60,
      rsrpDbm: -90,
      rsrqDb: -9,
      sinrDb: 14,
      cellId: '1A2D001',
    });
    expect(parseQengServing('+QENG: "servingcell","SEARCH"').rsrpDbm).toBeNull();
    expect(() => parseQengServing('+QENG: 0,1694')).toThrow();
    expect(parseQnwinfo('+QNWINFO: No Service')).toBeNull();
  });

  it('two uplink cycles as the node runtime runs them: power on … send, receive … close, power off', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    for (const n of [1, 2]) {
      await up(h, drv);
      expect(await h.run(drv.networkTime())).not.toBeNull();
      await h.run(drv.openUdp('127.0.0.1', server.port));
      await h.run(drv.send(new Uint8Array([0x40 + n])));
      expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe(`ACK:${String.fromCharCode(0x40 + n)}`);
      await h.run(drv.close());
      await h.run(drv.powerOff());
      expect(model.life).toBe('off');
      expect(h.powerLog.at(-1)).toMatchObject({ component: 'modem', state: 'off' });
      await h.advance(3600000);
    }
    expect(model.boots).toBe(2);
    expect(server.received.map((b) => b[0])).toEqual([0x41, 0x42]);
  });

  it.each(['good', 'poor', 'flaky'] as const)('full session on a %s network: a reply or a typed error, registration as slow as the network', async (net) => {
    server = await udpServer();
    const out: string[] = [];
    const attachMs: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const { h, drv } = setup(net, seed);
      try {
        await h.run(drv.powerOn());
        await h.run(drv.sync());
        await h.run(drv.init());
        const t0 = h.sched.now();
        await h.run(drv.attach(180000));
        attachMs.push(h.sched.now() - t0);
        await h.run(drv.openUdp('127.0.0.1', server.port));
        await h.run(drv.send(new Uint8Array([seed])));
        out.push(Buffer.from(await h.run(drv.receive(60000))).toString('latin1'));
      } catch (e) {
        out.push((e as { code: string }).code); // a harness failure (hang, crash) has no code and fails below
      }
      h.close();
    }
    for (let i = 0; i < out.length; i++) expect([`ACK:${String.fromCharCode(i + 1)}`, ...NETWORK_ERRORS]).toContain(out[i]);
    if (net === 'good') {
      expect(out).toEqual(['ACK:\x01', 'ACK:\x02', 'ACK:\x03', 'ACK:\x04']);
      expect(Math.max(...attachMs)).toBeLessThan(12000);
    }
    if (net === 'poor') expect(Math.min(...attachMs)).toBeGreaterThanOrEqual(8000); // preset: attach ≥ 8 s
  });
});
