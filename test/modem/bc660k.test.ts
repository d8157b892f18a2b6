/**
 * BC660K-GL driver (firmware/modem/bc660k.ts) against its simulator model (sim/modems/bc660k.ts) in
 * virtual time, with real UDP datagrams to a local server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Bc660k } from '../../firmware/modem/bc660k.ts';
import { Bc660kModel } from '../../sim/modems/bc660k.ts';
import type { VirtualHarness } from '../../sim/modems/harness.ts';
import type { NetworkSpec } from '../../sim/modems/network.ts';
import { harness, rejection, udpServer, type UdpServer } from './helpers.ts';

const PINS = { reset: { pin: 'D4', activeHigh: true }, wake: { pin: 'D5', activeHigh: true } };

let h: VirtualHarness | undefined;
let server: UdpServer | undefined;
afterEach(async () => {
  h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

function setup(network: NetworkSpec = 'good', seed = 1, settleWallMs = 1500, driverPins: Partial<typeof PINS> = PINS) {
  h = harness({ network, seed, settleWallMs });
  const model = h.connect(new Bc660kModel({ ctx: h.ctx, network: h.net, udp: h.udp, pins: PINS }));
  const drv = new Bc660k({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: driverPins, apn: 'iot.example' });
  return { h, model, drv };
}

async function up(h: VirtualHarness, drv: Bc660k) {
  await h.run(drv.powerOn());
  await h.run(drv.sync());
  await h.run(drv.init());
  return h.run(drv.attach(180000));
}

describe('BC660K driver ⇄ model', () => {
  it('powers on with the RESET timing, sets the APN (QCGDEFCONT + QRST) and registers on NB-IoT', async () => {
    const { h, model, drv } = setup();
    const reg = await up(h, drv);
    expect(reg).toMatchObject({ registered: true, act: 9, tac: model.tac, ci: model.ci });
    // RESET held 500 ms (modems.md), driven active-high on D4
    expect(h.pinLog.slice(0, 2)).toEqual([
      { t: 0, pin: 'D4', level: 1 },
      { t: 500, pin: 'D4', level: 0 },
    ]);
    const tx = h.wire.filter((w) => w.dir === 'tx').map((w) => w.text.trim());
    expect(tx).toContain('AT+QCGDEFCONT="IP","iot.example"');
    expect(tx).toContain('AT+QRST=1');
    expect(tx).toContain('AT+QICFG="dataformat",1,1');
    expect(model.apn).toBe('iot.example');
    // a second init with the same APN does not reboot again
    const before = model.boots;
    await h.run(drv.init());
    expect(model.boots).toBe(before);
  });

  it('keeps PSM requested and granted apart: the network imposes its own timers (poor preset)', async () => {
    const { h, drv } = setup('poor');
    await up(h, drv);
    await h.run(drv.requestPsm(10 * 3600, 180));
    expect(drv.psmRequested).toEqual({ tauS: 36000, activeS: 180 });
    expect(drv.psmGranted).toMatchObject({ activeTimeS: 60, tauS: 12 * 3600, activeTimeRaw: '00100001', tauRaw: '00101100' });
  });

  it('requests eDRX and reads the grant back; a refusing network leaves it unused', async () => {
    const { h, drv } = setup();
    await up(h, drv);
    await h.run(drv.requestEdrx(5));
    expect(drv.edrxGranted).toMatchObject({ actType: 5, granted: '0101', grantedCycleS: 81.92 });
    const poor = setup('poor');
    await up(poor.h, poor.drv);
    await poor.h.run(poor.drv.requestEdrx(5));
    expect(poor.drv.edrxGranted).toMatchObject({ actType: 0, granted: null });
    poor.h.close();
  });

  it('hands datagrams to an onReceive callback when one is set', async () => {
    server = await udpServer();
    const { h, drv } = setup();
    await up(h, drv);
    const got: string[] = [];
    drv.onReceive((d) => got.push(Buffer.from(d).toString('latin1')));
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array([0x41])));
    await h.advance(5000);
    expect(got).toEqual(['ACK:A']);
  });

  it('reports PSM refused as a null active time', async () => {
    const { h, drv } = setup({ psm: 'refuse' });
    await up(h, drv);
    await h.run(drv.requestPsm(3600, 60));
    expect(drv.psmGranted).toMatchObject({ activeTimeS: null, activeTimeRaw: '11100000' });
  });

  it('sends and receives real UDP datagrams (hex QISEND, +QIURC "recv" push)', async () => {
    server = await udpServer();
    const { h, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    const payload = new Uint8Array([0x44, 0x01, 0x00, 0xff, 0x0d, 0x0a]);
    await h.run(drv.send(payload));
    const got = await h.run(drv.receive(30000));
    expect(Buffer.from(server.received[0])).toEqual(Buffer.from(payload));
    expect(Buffer.from(got)).toEqual(Buffer.concat([Buffer.from('ACK:'), Buffer.from(payload)]));
    const tx = h.wire.filter((w) => w.dir === 'tx').map((w) => w.text.trim());
    expect(tx).toContain(`AT+QISEND=0,6,"440100FF0D0A"`);
    await h.run(drv.close());
  });

  it('rejects a denied registration with DENIED', async () => {
    const { h, drv } = setup({ deniedProb: 1 });
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    const e = await rejection(h.run(drv.attach(180000)));
    expect(e).toMatchObject({ code: 'DENIED', command: 'AT+CEREG?' });
  });

  it('times out an attach without coverage with NOT_REGISTERED', async () => {
    const { h, drv } = setup({ rsrpDbm: { mean: -150, sd: 1 } });
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    const e = await rejection(h.run(drv.attach(60000)));
    expect(e.code).toBe('NOT_REGISTERED');
    expect(h.sched.now()).toBeGreaterThanOrEqual(61100);
  });

  it('no response: recover() reboots at once, then only after 10 min, 30 min and 1 h back-off', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.hang = 'always';
    const e = await rejection(h.run(drv.sync()));
    expect(e.code).toBe('NO_RESPONSE');
    const resets: number[] = [];
    const tryRecover = async () => {
      const r = await h.run(drv.recover().then(() => 'ok', (x) => x));
      return r;
    };
    // Reboot 1 at once (fails again: dead module)
    let r = await tryRecover();
    expect(r).toMatchObject({ code: 'NO_RESPONSE' });
    resets.push(h.pinLog.filter((p) => p.level === 1).length);
    // Next attempt is refused with the back-off
    r = await tryRecover();
    expect(r).toMatchObject({ code: 'BACKOFF' });
    const wait1 = (r as { retryInMs: number }).retryInMs;
    expect(wait1).toBeGreaterThan(0);
    expect(wait1).toBeLessThanOrEqual(600000);
    await h.advance(wait1);
    r = await tryRecover();
    expect(r).toMatchObject({ code: 'NO_RESPONSE' });
    r = await tryRecover();
    expect((r as { retryInMs: number }).retryInMs).toBeGreaterThan(600000);
    expect((r as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(1800000);
    await h.advance((r as { retryInMs: number }).retryInMs);
    r = await tryRecover();
    expect(r).toMatchObject({ code: 'NO_RESPONSE' });
    r = await tryRecover();
    expect((r as { retryInMs: number }).retryInMs).toBeGreaterThan(1800000);
    expect((r as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(3600000);
    // Reset pulses: one for powerOn + one per reboot (3)
    const pulses = h.pinLog.filter((p) => p.pin === 'D4' && p.level === 1).map((p) => p.t);
    expect(pulses.length).toBe(4);
    expect(pulses[2] - pulses[1]).toBeGreaterThanOrEqual(600000);
    expect(pulses[3] - pulses[2]).toBeGreaterThanOrEqual(1800000);
    // A module that answers again after the reboot resets the schedule
    model.faults.hang = 'until-reset';
    await h.advance(3600000);
    await h.run(drv.recover());
    expect(drv.policy.reboots).toBe(0);
  });

  it('surfaces +CME ERROR with its number and the command', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.forceError = { '+QIOPEN': '+CME ERROR: 569' };
    const e = await rejection(h.run(drv.openUdp('127.0.0.1', server.port)));
    expect(e).toMatchObject({ code: 'CME', cme: 569 });
    expect(e.command).toContain('AT+QIOPEN=0,0,"UDP","127.0.0.1"');
  });

  it('reports SEND FAIL as SEND_FAIL and the next send works', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.faults.sendFail = true;
    const e = await rejection(h.run(drv.send(new Uint8Array([1, 2, 3]))));
    expect(e.code).toBe('SEND_FAIL');
    await h.run(drv.send(new Uint8Array([4])));
    await h.run(drv.receive(30000));
    expect(server.received.length).toBe(1);
  });

  it('modem reboot mid-session: the lost socket errors, recover() brings the session back', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    model.reboot('spontaneous');
    await h.advance(1000);
    const e = await rejection(h.run(drv.send(new Uint8Array([1]))));
    expect(e.code).toBe('ERROR');
    await h.run(drv.recover());
    await h.run(drv.attach(180000));
    await h.run(drv.openUdp('127.0.0.1', server.port));
    await h.run(drv.send(new Uint8Array([2])));
    expect(Buffer.from(await h.run(drv.receive(30000))).toString('latin1')).toBe('ACK:\x02');
  });

  it('waits for a late +QIOPEN up to 60 s, and times out beyond', async () => {
    server = await udpServer();
    const { h, model, drv } = setup();
    await up(h, drv);
    model.faults.asyncDelayMs = 50000;
    const t0 = h.sched.now();
    await h.run(drv.openUdp('127.0.0.1', server.port));
    expect(h.sched.now() - t0).toBeGreaterThan(50000);
    model.faults.asyncDelayMs = 0;
    await h.run(drv.close());
    model.faults.asyncDelayMs = 70000;
    const e = await rejection(h.run(drv.openUdp('127.0.0.1', server.port)));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('+QIOPEN:');
  });

  it('deep sleep: enters PSM after the active time; the first AT after sleep is lost and wake() copes', async () => {
    const { h, model, drv } = setup('good', 1, 1500, { reset: PINS.reset }); // no PSM_EINT wired: UART wake
    const events: string[] = [];
    drv.onEvent((ev) => events.push(ev.type));
    await up(h, drv);
    await h.run(drv.requestPsm(3600, 20));
    await h.run(drv.sleep());
    await h.advance(60000);
    expect(model.life).toBe('psm');
    expect(h.powerLog.at(-1)).toMatchObject({ component: 'modem', state: 'psm' });
    expect(events).toContain('sleep');
    // A plain AT is lost: no OK, only the module's wake-up URC
    const lost = await rejection(h.run(drv.step({ send: 'AT', timeoutMs: 300 })));
    expect(lost.code).toBe('TIMEOUT');
    expect(h.wire.filter((w) => w.dir === 'rx').at(-1)!.text).toContain('EXIT DEEPSLEEP');
    await h.advance(60000); // the active timer runs out again: back to deep sleep
    expect(model.life).toBe('psm');
    await h.run(drv.wake());
    expect(model.life).toBe('on');
    expect(events).toContain('wake');
  });

  it('wakes by a 100 ms PSM_EINT pulse when the wake pin is wired', async () => {
    const { h, model, drv } = setup();
    await up(h, drv);
    await h.run(drv.requestPsm(3600, 20));
    await h.run(drv.sleep());
    await h.advance(60000);
    expect(model.life).toBe('psm');
    const t0 = h.sched.now();
    await h.run(drv.wake());
    expect(model.life).toBe('on');
    const d5 = h.pinLog.filter((p) => p.pin === 'D5' && p.t >= t0);
    expect(d5).toEqual([
      { t: t0, pin: 'D5', level: 1 },
      { t: t0 + 100, pin: 'D5', level: 0 },
    ]);
    expect(h.traceLog.some((e) => e.kind === 'modem' && e.event === 'wake' && e.why === 'PSM_EINT')).toBe(true);
  });

  it('release assistance shortens the connected (rx) tail', async () => {
    server = await udpServer(() => null);
    const tail = async (release: boolean) => {
      const { h, drv } = setup('good', 3, 20); // no reply expected: do not wait for one
      await up(h, drv);
      await h.advance(20000);
      await h.run(drv.openUdp('127.0.0.1', server!.port));
      await h.run(drv.send(new Uint8Array([1]), { releaseAssist: release }));
      await h.advance(30000);
      const rx = h.powerLog.filter((p) => p.state === 'rx').at(-1)!;
      const after = h.powerLog.find((p) => p.t >= rx.t && p.state !== 'rx')!;
      h.close();
      return after.t - rx.t;
    };
    const withRai = await tail(true);
    const without = await tail(false);
    expect(withRai).toBeLessThan(1500);
    expect(without).toBeGreaterThanOrEqual(10000);
  });

  it('an outage drops registration and the socket (receive fails with CLOSED); the modem re-registers after it', async () => {
    server = await udpServer(() => null);
    const { h, drv } = setup({ outages: [{ fromMs: 120000, toMs: 180000 }] }, 1, 20);
    const events: string[] = [];
    drv.onEvent((e) => events.push(e.type + (e.registration ? `:${e.registration.stat}` : '')));
    await up(h, drv);
    await h.run(drv.openUdp('127.0.0.1', server.port));
    const e = await rejection(h.run(drv.receive(300000)));
    expect(e.code).toBe('CLOSED');
    expect(h.sched.now()).toBeGreaterThanOrEqual(120000);
    expect(h.sched.now()).toBeLessThan(121000);
    expect(events).toContain('registration:2');
    expect(events).toContain('closed');
    await h.advance(120000);
    expect(drv.registration).toMatchObject({ registered: true });
    expect(events.filter((x) => x === 'registration:1').length).toBeGreaterThanOrEqual(2);
  });

  it('reads signal (QENG with ECL), identity and network time', async () => {
    const { h, model, drv } = setup('poor');
    await up(h, drv);
    const s = await h.run(drv.signal());
    expect(s.rsrpDbm!).toBeLessThan(-110);
    expect(s.ecl).toBe(2);
    expect(await h.run(drv.identity())).toEqual({ imei: model.imei, imsi: model.imsi, iccid: model.iccid });
    const t = await h.run(drv.networkTime());
    expect(Math.abs(t! - (Date.UTC(2026, 0, 1) + h.sched.now()))).toBeLessThan(2000);
  });

  it.each(['good', 'poor', 'flaky'] as const)('full session on a %s network ends with a reply or a typed error', async (net) => {
    server = await udpServer();
    const results: string[] = [];
    for (const seed of [1, 2, 3]) {
      const { h, drv } = setup(net, seed);
      try {
        await up(h, drv);
        await h.run(drv.openUdp('127.0.0.1', server.port));
        await h.run(drv.send(new Uint8Array([seed])));
        const r = await h.run(drv.receive(60000));
        results.push(Buffer.from(r).toString('latin1'));
      } catch (e) {
        const err = e as { code?: string };
        expect(typeof err.code).toBe('string'); // never a crash or hang: a typed error
        results.push(err.code!);
      }
      h.close();
    }
    if (net === 'good') expect(results).toEqual(['ACK:\x01', 'ACK:\x02', 'ACK:\x03']);
    else expect(results.length).toBe(3);
  });
});
