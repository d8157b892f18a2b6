/**
 * A7670 driver (firmware/modem/a7670.ts) against its simulator model (sim/modems/a7670.ts) in virtual
 * time, with real UDP datagrams to a local server. Pins: boards/lilygo-t-a7670.ts (PWRKEY D4 and RESET
 * D5 active high, DTR D25 active low, modem supply switch D12 active high).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { A7670, A7670_CAPS, parseCiprxget, parseCpsi, parseIpclose, parseResultCode } from '../../firmware/modem/a7670.ts';
import { A7670Model } from '../../sim/modems/a7670.ts';
import type { VirtualHarness } from '../../sim/modems/harness.ts';
import type { NetworkSpec } from '../../sim/modems/network.ts';
import board from '../../boards/lilygo-t-a7670.ts';
import { harness, rejection, udpServer, type UdpServer } from './helpers.ts';

const PINS = { pwrkey: { pin: 'D4', activeHigh: true }, reset: { pin: 'D5', activeHigh: true }, wake: { pin: 'D25', activeHigh: false } };
const SUPPLY = { pin: 'D12', activeHigh: true };

let h: VirtualHarness | undefined;
let server: UdpServer | undefined;
afterEach(async () => {
  h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

function setup(network: NetworkSpec = 'good', seed = 1, variant?: 'A7670' | 'A7672') {
  h = harness({ network, seed });
  const model = h.connect(new A7670Model({ ctx: h.ctx, network: h.net, udp: h.udp, pins: { ...PINS, powerEnable: SUPPLY }, variant }));
  const drv = new A7670({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: PINS, powerEnable: SUPPLY, apn: 'iot.example', variant });
  return { h, model, drv };
}

async function up(h: VirtualHarness, drv: A7670) {
  await h.run(drv.powerOn());
  await h.run(drv.sync());
  await h.run(drv.init());
  return h.run(drv.attach(180000));
}

/** Typed errors a session on a bad network may end with (never a crash or a hang). */
const NETWORK_ERRORS = ['TIMEOUT', 'DENIED', 'NOT_REGISTERED', 'SEND_FAIL', 'CLOSED', 'SOCKET', 'BEARER', 'ERROR'];

const sent = (h: VirtualHarness) => h.wire.filter((w) => w.dir === 'tx').map((w) => w.text.trim());
const received = (h: VirtualHarness) => h.wire.filter((w) => w.dir === 'rx').map((w) => w.text).join('');

describe('A7670 driver ⇄ model', () => {
  it('switches the supply on, pulses PWRKEY 100 ms, waits for *ATREADY, tolerates SIM failure and opens the network', async () => {
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(`${e.type}:${e.detail ?? ''}`));
    const reg = await up(h, drv);
    expect(reg).toMatchObject({ registered: true, act: 7 });
    expect(h.pinLog[0]).toEqual({ t: 0, pin: 'D12', level: 1 });
    const pk = h.pinLog.filter((p) => p.pin === 'D4');
    expect(pk.map((p) => p.level)).toEqual([1, 0]);
    expect(pk[1].t - pk[0].t).toBe(100);
    const rx = received(h);
    expect(rx).toContain('*ATREADY: 1');
    expect(rx).toContain('+CME ERROR: 13'); // SIM failure before +CPIN: READY (numeric after CMEE=1)
    expect(rx).toContain('+MSTK: 11');
    expect(sent(h).filter((l) => l === 'AT+CPIN?').length).toBeGreaterThan(1);
    expect(sent(h)).toEqual(expect.arrayContaining(['AT+CGDCONT=1,"IP","iot.example"', 'AT+CGACT=1,1', 'AT+CGATT=1', 'AT+CIPRXGET=1', 'AT+NETOPEN', 'AT+IPADDR']));
    expect(rx).toContain('+NETOPEN: 0');
    expect(model.netOpen && model.pdp && model.manualRx).toBe(true);
    expect(events.some((e) => /^ip:10\.\d+\.\d+\.\d+$/.test(e))).toBe(true);
    expect(drv.chat.unknown.filter((l) => l.startsWith('+MSTK') || l.startsWith('+CPIN'))).toEqual([]);
    // a running module is not pulsed again; an open network is not opened twice
    await h.run(drv.powerOn());
    await h.run(drv.attach(180000));
    expect(h.pinLog.filter((p) => p.pin === 'D4').length).toBe(2);
    expect(sent(h).filter((l) => l === 'AT+NETOPEN').length).toBe(1);
  });

  it('answers raw AT lines as the A76xx set does (what the REPL shows)', async () => {
    const { h } = setup();
    const say = async (line: string, ms = 400) => {
      const from = h.wire.length;
      h.serial.write(`${line}\r`);
      await h.advance(ms);
      return h.wire.slice(from).filter((w) => w.dir === 'rx').map((w) => w.text).join('');
    };
    h.gpio.digitalWrite('D12', 1);
    h.gpio.digitalWrite('D4', 1);
    await h.advance(100);
    h.gpio.digitalWrite('D4', 0);
    expect(await say('AT', 1000)).toBe(''); // still booting: silent, as in the recorded logs
    await h.advance(2100); // UART ready 3 s after the pulse
    expect(received(h)).toBe('\r\n*ATREADY: 1\r\n');
    expect(await say('AT+CPIN?')).toBe('AT+CPIN?\r\r\n+CME ERROR: SIM failure\r\n'); // echo on, text errors
    await h.advance(5000);
    expect(received(h)).toContain('\r\n+MSTK: 11, "D00D8103010500820281829902090A"\r\n\r\n+CPIN: READY\r\n');
    expect(received(h)).toContain('\r\nSMS DONE\r\n');
    expect(received(h)).toContain('\r\nPB DONE\r\n');
    expect(await say('ATE0')).toBe('ATE0\r\r\nOK\r\n');
    await h.advance(20000); // registered by now
    expect(await say('AT+NETOPEN', 1000)).toBe('\r\nOK\r\n\r\n+NETOPEN: 0\r\n');
    expect(await say('AT+NETOPEN')).toBe('\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n');
    expect(await say('AT+NETOPEN?')).toBe('\r\n+NETOPEN: 1\r\n\r\nOK\r\n');
    expect(await say('AT+CIPOPEN=0,"UDP",,,49152')).toBe('\r\nOK\r\n\r\n+CIPOPEN: 0,0\r\n');
    expect(await say('AT+CIPOPEN=0,"UDP",,,49152')).toBe('\r\nOK\r\n\r\n+CIPOPEN: 0,4\r\n'); // in use
    expect(await say('AT+CIPRXGET=2,0,1460')).toBe('\r\n+CIPRXGET: 2,0,0,0\r\n\r\nOK\r\n');
    expect(await say('AT+CICCID')).toMatch(/^\r\n\+ICCID: 8988\d{16}\r\n\r\nOK\r\n$/);
    expect(await say('AT+CIPCLOSE=0')).toBe('\r\nOK\r\n\r\n+CIPCLOSE: 0,0\r\n');
  });

  it('declares PSM and eDRX unknown: capabilities false, requests rejected with NOT_SUPPORTED', async () => {
    const { h, drv } = setup();
    expect(A7670_CAPS).toMatchObject({ psm: false, edrx: false, receive: 'read', hexPayload: false });
    await up(h, drv);
    expect(await rejection(h.run(drv.requestPsm(3600, 60)))).toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(await rejection(h.run(drv.requestEdrx(5)))).toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(drv.psmGranted).toBeNull();
  });

  it('uses the power states of the LilyGO T-A7670 board power table', async () => {
    const { h, model, drv } = setup();
    expect([...model.spec.states].sort()).toEqual(Object.keys(board.power.modem).sort());
    await up(h, drv);
    const states = new Set(h.powerLog.filter((p) => p.component === 'modem').map((p) => p.state));
    for (const s of states) expect(Object.keys(board.power.modem)).toContain(s);
    expect(states).toContain('tx');
  });

  it('sends UDP with CIPSEND after the > prompt and reads with CIPRXGET=2 after +CIPRXGET: 1', async () => {
    const payload = Buffer.from([0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0x00, 0xff, 0x3e, 0x2b]); // "\r\nOK\r\n\0\xff>+"
    server = await udpServer((d) => Buffer.concat([d, Buffer.from('|'), d]));
    const { h, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array(payload)));
    const got = await h.run(drv.receive(30000));
    expect(Buffer.from(server.received[0])).toEqual(payload);
    expect(Buffer.from(got)).toEqual(Buffer.concat([payload, Buffer.from('|'), payload]));
    expect(sent(h)).toEqual(expect.arrayContaining(['AT+CIPOPEN=0,"UDP",,,49152', `AT+CIPSEND=0,10,"127.0.0.1",${server.port}`, 'AT+CIPRXGET=2,0,1460']));
    expect(received(h)).toContain('+CIPRXGET: 1,0\r\n');
    await h.run(drv.close());
    expect(received(h)).toContain('+CIPCLOSE: 0,0');
    expect(await rejection(h.run(drv.send(new Uint8Array([1]))))).toMatchObject({ code: 'CLOSED' });
  });

  it('rejects a denied registration with DENIED', async () => {
    const { h, drv } = setup({ deniedProb: 1 });
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    expect(await rejection(h.run(drv.attach(180000)))).toMatchObject({ code: 'DENIED' });
    expect(sent(h)).not.toContain('AT+NETOPEN');
  });

  it('no response: recover() restarts by RESET (2600 ms) with the 10 min / 30 min back-off', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.hang = 'always';
    expect(await rejection(h.run(drv.sync()))).toMatchObject({ code: 'NO_RESPONSE' });
    const attempt = () => h.run(drv.recover().then(() => null, (e) => e));
    expect(await attempt()).toMatchObject({ code: 'NO_RESPONSE' });
    const rst = h.pinLog.filter((p) => p.pin === 'D5');
    expect(rst.map((p) => p.level)).toEqual([1, 0]);
    expect(rst[1].t - rst[0].t).toBe(2600);
    expect(model.boots).toBe(2);
    const b1 = await attempt();
    expect(b1).toMatchObject({ code: 'BACKOFF' });
    expect(b1.retryInMs).toBeLessThanOrEqual(600000);
    await h.advance(b1.retryInMs);
    expect(await attempt()).toMatchObject({ code: 'NO_RESPONSE' });
    const b2 = await attempt();
    expect(b2.retryInMs).toBeGreaterThan(600000);
    expect(b2.retryInMs).toBeLessThanOrEqual(1800000);
    model.faults.hang = 'until-reset';
    await h.advance(b2.retryInMs);
    await h.run(drv.recover());
    expect(drv.policy.reboots).toBe(0);
    await h.run(drv.attach(180000));
    expect(model.netOpen).toBe(true);
  });

  it('surfaces +CME ERROR with its number and the command', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.forceError = { '+CIPOPEN': '+CME ERROR: 3' };
    const e = await rejection(h.run(drv.openUdp('127.0.0.1', server.port)));
    expect(e).toMatchObject({ code: 'CME', cme: 3, command: 'AT+CIPOPEN=0,"UDP",,,49152' });
  });

  it('reports ERROR after the data as SEND_FAIL; the next send goes through', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.faults.sendFail = true;
    expect((await rejection(h.run(drv.send(new Uint8Array([1]))))).code).toBe('SEND_FAIL');
    expect(server.received.length).toBe(0);
    await h.run(drv.send(new Uint8Array([2])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x02');
  });

  it('modem reboot mid-session: *ATREADY is reported, the session is gone, a new one works', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    const events: string[] = [];
    drv.onEvent((e) => events.push(e.type));
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.reboot('spontaneous');
    await h.advance(8000);
    expect(events).toContain('reboot');
    expect(drv.netOpen).toBe(false);
    expect(await rejection(h.run(drv.send(new Uint8Array([1]))))).toMatchObject({ code: 'CLOSED' });
    await h.run(drv.init());
    await h.run(drv.attach(180000));
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array([3])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x03');
  });

  it('waits for a late +NETOPEN up to 120 s and a late +CIPOPEN up to 75 s, and times out beyond', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    model.faults.asyncDelayMs = 100000;
    const t0 = h.sched.now();
    await h.run(drv.attach(180000));
    expect(h.sched.now() - t0).toBeGreaterThan(100000);
    model.faults.asyncDelayMs = 80000;
    const e = await rejection(h.run(drv.openUdp('127.0.0.1', server.port)));
    expect(e).toMatchObject({ code: 'TIMEOUT' });
    expect(e.message).toContain('+CIPOPEN:');
    model.faults.asyncDelayMs = 60000;
    await h.run(drv.openUdp('127.0.0.1', server.port)); // socket from the late open: closed, reopened
    await h.run(drv.send(new Uint8Array([6])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x06');
  });

  it('NETOPEN quirk: +NETOPEN: 0 with the PDN deactivated is caught by the address check (BEARER)', async () => {
    const { h, model, drv } = setup();
    model.pdnFault = true;
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    const e = await rejection(h.run(drv.attach(180000)));
    expect(e).toMatchObject({ code: 'BEARER', command: 'AT+IPADDR' });
    const rx = received(h);
    expect(rx).toContain('+CGEV: ME PDN DEACT 1');
    expect(rx).toContain('+NETOPEN: 0');
  });

  it('network loss: +IPCLOSE and +CIPEVENT close the session; the next openUdp reopens the network', async () => {
    server = await udpServer();
    const { h, drv } = setup({ outages: [{ fromMs: 60000, toMs: 90000 }] });
    const events: string[] = [];
    drv.onEvent((e) => events.push(`${e.type}:${e.detail ?? ''}`));
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    const waiting = drv.receive(120000).then(() => 'data', (e) => e.code);
    await h.advance(65000 - h.sched.now());
    expect(await waiting).toBe('CLOSED');
    expect(events).toEqual(expect.arrayContaining(['closed:+IPCLOSE: 0,1', 'closed:+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY']));
    expect(drv.netOpen).toBe(false);
    await h.advance(60000);
    await h.run(drv.attach(180000));
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array([7])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x07');
  });

  it('reads signal (CSQ + CPSI), identity (CICCID) and network time', async () => {
    const { h, model, drv } = setup('poor');
    await up(h, drv);
    const s = await h.run(drv.signal());
    expect(s.rsrpDbm!).toBeLessThan(-110);
    expect(s.rssiDbm!).toBeLessThan(-80);
    expect(s.cellId).toBe(String(parseInt(model.ci, 16)));
    expect(await h.run(drv.identity())).toEqual({ imei: model.imei, imsi: model.imsi, iccid: model.iccid });
    const t = await h.run(drv.networkTime());
    expect(Math.abs(t! - (Date.UTC(2026, 0, 1) + h.sched.now()))).toBeLessThan(2000);
  });

  it('sleeps with CSCLK=1 + DTR high, wakes with DTR low, powers off with CPOF and the supply switch', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.sleep());
    expect(h.pinLog.at(-1)).toMatchObject({ pin: 'D25', level: 1 });
    await h.advance(30000);
    expect(model.life).toBe('sleep');
    expect(h.powerLog.at(-1)).toMatchObject({ component: 'modem', state: 'sleep' });
    await h.run(drv.wake());
    expect(h.pinLog.at(-1)).toMatchObject({ pin: 'D25', level: 0 });
    expect(model.life).toBe('on');
    await h.run(drv.powerOff());
    expect(sent(h)).toContain('AT+CPOF');
    expect(model.life).toBe('off');
    expect(h.pinLog.at(-1)).toMatchObject({ pin: 'D12', level: 0 });
    expect(h.powerLog.at(-1)).toMatchObject({ state: 'off' });
    // without a DTR line the module could not be woken: sleep() refuses
    const bare = new A7670({ serial: h.serial, timers: h.timers, pins: { pwrkey: PINS.pwrkey } });
    expect(await rejection(bare.sleep())).toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('takes the supply switch from pins.powerEnable as the board definition has it', async () => {
    h = harness();
    const model = h.connect(new A7670Model({ ctx: h.ctx, network: h.net, udp: h.udp, pins: { ...PINS, powerEnable: SUPPLY } }));
    const drv = new A7670({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: { ...PINS, powerEnable: SUPPLY } });
    await h.run(drv.powerOn());
    expect(h.pinLog[0]).toEqual({ t: 0, pin: 'D12', level: 1 });
    expect(model.life).toBe('on');
    // without the supply switched on, PWRKEY does nothing: the module stays off
    const h2 = harness();
    const off = h2.connect(new A7670Model({ ctx: h2.ctx, network: h2.net, udp: h2.udp, pins: { ...PINS, powerEnable: SUPPLY } }));
    const bare = new A7670({ serial: h2.serial, timers: h2.timers, gpio: h2.gpio, now: h2.now, pins: PINS });
    await h2.run(bare.powerOn());
    expect(off.life).toBe('off');
    expect(await rejection(h2.run(bare.sync()))).toMatchObject({ code: 'NO_RESPONSE' });
    h2.close();
  });

  it('AT+CRESET restarts the module and waits for *ATREADY', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.softReset());
    expect(model.boots).toBe(2);
    await h.run(drv.sync());
  });

  it('serves the A7672 as a variant and refuses unknown ones', async () => {
    const { h, model, drv } = setup('good', 2, 'A7672');
    expect(drv.model).toBe('A7672');
    expect(model.spec.name).toBe('A7672');
    await up(h, drv);
    expect(model.netOpen).toBe(true);
    let err: unknown;
    try {
      new A7670({ serial: h.serial, timers: h.timers, variant: 'SIM7600' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'BAD_ARG' });
  });

  it('parses the socket and signal response forms', () => {
    expect(parseResultCode('+CIPOPEN: 0,4')).toBe(4);
    expect(parseResultCode('+NETOPEN: 0')).toBe(0);
    expect(() => parseResultCode('+NETOPEN: x')).toThrow();
    expect(parseCiprxget('+CIPRXGET: 2,0,5,12')).toEqual({ mode: 2, socket: 0, readLen: 5, restLen: 12 });
    expect(parseCiprxget('+CIPRXGET: 1,3')).toEqual({ mode: 1, socket: 3 });
    expect(parseIpclose('+IPCLOSE: 0,1')).toEqual({ socket: 0, reason: 1 });
    expect(parseCpsi('+CPSI: LTE,Online,460-00,0x5A1E,187214615,257,EUTRAN-BAND3,1650,5,5,-94,-850,-545,15')).toEqual({
      rssiDbm: -54.5,
      rsrpDbm: -85,
      rsrqDb: -9.4,
      sinrDb: 15,
      cellId: '187214615',
    });
    expect(parseCpsi('+CPSI: NO SERVICE,Online').rsrpDbm).toBeNull();
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
