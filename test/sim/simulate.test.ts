import { describe, expect, it } from 'vitest';
import { simulate, SimBoard } from '../../sim/index.ts';
import type { UartLine, UartPeer } from '../../sim/core/types.ts';
import { testBoard } from './helpers/board.ts';
import { lines } from './helpers/run.ts';

/** Reads the SHT3x once (single shot, high repeatability, datasheet §4.3) and prints °C and %RH. */
const READ_SHT3X = `
I2C1.setup({ scl: D22, sda: D21 });
I2C1.writeTo(0x44, [0x24, 0x00]);
setTimeout(function () {
  var d = I2C1.readFrom(0x44, 6);
  var t = -45 + 175 * ((d[0] << 8) | d[1]) / 65535;
  var rh = 100 * ((d[3] << 8) | d[4]) / 65535;
  print(t.toFixed(2), rh.toFixed(1), (analogRead(D35) * 3.3 / 0.5).toFixed(2));
  ESP32.deepSleep(15 * 60e6);
}, 20);
`;

describe('simulate()', () => {
  it('reads the SHT3x through I2C and the battery through the ADC with the given sensor values', async () => {
    const r = await simulate({
      bundle: READ_SHT3X,
      board: 'devkitc-bc660k',
      duration: '31m',
      sensors: { 'sht3x.temperature': 21.5, 'sht3x.humidity': 40, battery: 3.0 },
    });
    expect(r.errors).toEqual([]);
    expect(lines(r.console)).toEqual(['21.50 40.0 3.00', '21.50 40.0 3.00', '21.50 40.0 3.00']);
    expect(r.boots).toBe(3);
    expect(r.wakeups).toBe(2);
    expect(r.energy.components.sht3x.states.measuring.ms).toBeGreaterThan(0);
  });

  it('same seed ⇒ byte-identical trace; different seed ⇒ different sensor values', async () => {
    const opts = { bundle: READ_SHT3X, board: 'devkitc-bc660k', duration: '6h', trace: true } as const;
    const a = await simulate({ ...opts, seed: 7 });
    const b = await simulate({ ...opts, seed: 7 });
    const c = await simulate({ ...opts, seed: 8 });
    expect(a.errors).toEqual([]);
    const ta = (a.trace as string[]).join('\n');
    expect(ta.length).toBeGreaterThan(1000);
    expect((b.trace as string[]).join('\n')).toBe(ta);
    expect(a.console).toBe(b.console);
    expect(c.console).not.toBe(a.console);
    const kinds = new Set((a.trace as string[]).map((l) => JSON.parse(l).kind));
    for (const k of ['boot', 'power', 'i2c', 'adc', 'console', 'sleep', 'js']) expect(kinds.has(k)).toBe(true);
  });

  it('the boot-context snapshot changes nothing observable: same console and trace as fresh contexts', async () => {
    const bundle = READ_SHT3X.replace('ESP32.deepSleep', 'globalThis.leak = (globalThis.leak || 0) + 1; print(leak, typeof Map); ESP32.deepSleep');
    const opts = { bundle, board: 'devkitc-bc660k', duration: '3h', trace: true, seed: 3 } as const;
    const a = await simulate({ ...opts, snapshot: true });
    const b = await simulate({ ...opts, snapshot: false });
    expect(a.errors).toEqual([]);
    expect(lines(a.console).filter((l) => l.startsWith('1 '))).toHaveLength(a.boots);
    expect(a.console).toBe(b.console);
    expect((a.trace as string[]).join('\n')).toBe((b.trace as string[]).join('\n'));
  });

  it('reports an uncaught error with its TypeScript position through the source map', async () => {
    const r = await simulate({ app: 'test/fixtures/bundles/uncaught', board: 'devkitc-bc660k', duration: '5s' });
    expect(lines(r.console)[0]).toBe('temp 21.5');
    expect(r.console).toContain('Uncaught Error: bad reading: garbage\r\n at line 1 col ');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ kind: 'uncaught', message: 'bad reading: garbage', position: 'test/fixtures/bundles/uncaught/main.ts:10:15' });
    expect(r.errors[0].stack[1]).toContain('test/fixtures/bundles/uncaught/main.ts:18:');
  });

  it('ESP32.deepSleep beyond the C int range is a firmware error at the TS line, not a sleep', async () => {
    const r = await simulate({ app: 'test/fixtures/bundles/sleep-too-long', board: 'devkitc-bc660k', duration: '1m' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ kind: 'sleepArgument', position: 'test/fixtures/bundles/sleep-too-long/main.ts:6:9' });
    expect(r.errors[0].message).toContain('3600000000 µs exceeds 2147483647 µs');
    expect(r.boots).toBe(1);
    expect(r.energy.components.mcu.states.deepSleep).toBeUndefined();
  });

  it('energy totals match a hand computation for a known schedule', async () => {
    const board = testBoard();
    const r = await simulate({
      bundle: 'ESP32.deepSleep(60e6);',
      board,
      duration: 10 * 60_400,
      cost: { bootMs: 400, callbackMs: 0, pollMs: 0 },
    });
    // 10 cycles of 400 ms awake at 50 mA + 60 s deep sleep at 0.01 mA; board floor 0.005 mA throughout.
    const mcu = (10 * 0.4 * 50 + 10 * 60 * 0.01) / 3.6;
    const floor = (604 * 0.005) / 3.6;
    expect(r.boots).toBe(11);
    expect(r.energy.components.mcu.states.active240.ms).toBeCloseTo(4000, 6);
    expect(r.energy.components.mcu.states.deepSleep.ms).toBeCloseTo(600_000, 6);
    expect(r.energy.components.mcu.uAh).toBeCloseTo(mcu, 9);
    expect(r.energy.components.board.uAh).toBeCloseTo(floor, 9);
    expect(r.energy.totalUAh).toBeCloseTo(mcu + floor, 9);
    expect(r.energy.averageUA).toBeCloseTo((mcu + floor) / (604 / 3600), 6);
    expect(r.energy.battery!.lifeDays).toBeCloseTo((2600 * 1000) / r.energy.averageUA / 24, 6);
  });

  it('UART bytes take 10 bit times each at the configured baud rate, both ways', async () => {
    const got: { t: number; text: string }[] = [];
    let line: UartLine | undefined;
    let board: SimBoard | undefined;
    const peer: UartPeer = {
      attach(l) {
        line = l;
      },
      fromMcu(bytes) {
        got.push({ t: board!.now(), text: Buffer.from(bytes).toString('latin1') });
        line!.toMcu(new Uint8Array(Buffer.from('OK\r\n')));
      },
    };
    const r = await simulate({
      bundle: `
        Serial2.setup(9600, { tx: D17, rx: D16 });
        var t0;
        Serial2.on('data', function (d) { print(JSON.stringify(d), ((getTime() - t0) * 1000).toFixed(4)); });
        setTimeout(function () { t0 = getTime(); Serial2.write('AT+CGATT?\\r\\n'); }, 100);
      `,
      board: testBoard(),
      duration: '2s',
      cost: { callbackMs: 0 },
      peers: (b) => {
        board = b;
        b.uart('Serial2').attach(peer);
      },
    });
    expect(r.errors).toEqual([]);
    // 11 bytes out at 9600 baud: 11 × 10 / 9600 s = 11.4583 ms; then 4 bytes back: 4.1667 ms more.
    expect(got).toHaveLength(1);
    expect(got[0].text).toBe('AT+CGATT?\r\n');
    expect(got[0].t).toBeCloseTo(400 + 100 + (11 * 10 * 1000) / 9600, 9);
    expect(lines(r.console)).toEqual([`"OK\\r\\n" ${((15 * 10 * 1000) / 9600).toFixed(4)}`]);
  });

  it('external pin events from a CSV reach setWatch at their times (board roles and pin names)', async () => {
    const r = await simulate({
      bundle: `
        setWatch(function (e) { print('button', e.state ? 'up' : 'down', e.time.toFixed(2)); }, D0, { repeat: true, edge: 'both' });
        setWatch(function (e) { print('D25', e.state, e.time.toFixed(2)); }, D25, { repeat: true, edge: 'falling' });
      `,
      board: 'devkitc-bc660k',
      duration: '2m',
      inputs: 'test/fixtures/bundles/button-presses.csv',
    });
    expect(r.errors).toEqual([]);
    // The DevKitC's BOOT button (D0) idles high through its pull-up; a row without level is a 50 ms low
    // pulse; setWatch forces the pull-up on ESP32, so D25 only has a falling edge to report.
    expect(lines(r.console)).toEqual(['button down 10.00', 'button up 10.20', 'button down 60.00', 'button up 60.05', 'D25 false 90.00']);
  });

  it('reading an I2C address where nothing answers raises the error in the firmware', async () => {
    const r = await simulate({
      bundle: `I2C1.setup({ scl: D22, sda: D21 });
try { I2C1.readFrom(0x77, 2); } catch (e) { print('caught', e.message); }
I2C1.writeTo(0x40, 1);`,
      board: 'devkitc-bc660k',
      duration: '1s',
    });
    expect(lines(r.console)[0]).toBe('caught I2C1: no ACK from address 0x77 (nothing at this address)');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ name: 'InternalError', message: 'I2C1: no ACK from address 0x40 (nothing at this address)', bundlePosition: expect.stringMatching(/^bundle\.js:3:/) });
  });

  it('power loss during a Storage write: the board reboots and Storage is consistent', async () => {
    const b = await SimBoard.create({ board: testBoard(), trace: true, cost: { bootMs: 400 } });
    b.installBootCode(`
      var s = require('Storage');
      var st = s.readJSON('state', true) || { n: 0, log: '' };
      st.n++;
      st.log += 'boot' + st.n + ';';
      s.writeJSON('state', st);
      print('n', st.n, 'cause', ESP32.getWakeupCause());
      ESP32.deepSleep(10e6);
    `);
    b.powerOn();
    b.runUntilSleep();
    expect(JSON.parse(b.storage.read('state')!)).toEqual({ n: 1, log: 'boot1;' });
    b.flash.failAfterBytes(20); // the next boot's writeJSON is cut after 20 bytes reach the flash
    b.runFor(12_000);
    expect(b.boots.map((x) => x.cause)).toEqual(['powerOn', 'timer', 'powerLoss']);
    b.runUntil(50_000);
    expect(b.errors).toEqual([]);
    // The interrupted write left the old file; counting resumed from it (power-on after the loss: cause 0).
    expect(lines(b.consoleOutput)).toEqual(['n 1 cause 0', 'n 2 cause 0', 'n 3 cause 4', 'n 4 cause 4', 'n 5 cause 4']);
    expect(JSON.parse(b.storage.read('state')!)).toEqual({ n: 5, log: 'boot1;boot2;boot3;boot4;boot5;' });
    const kinds = b.trace.lines.map((l) => JSON.parse(l).kind);
    expect(kinds).toContain('powerLoss');
    b.dispose();
  });
});
