import { describe, expect, it } from 'vitest';
import { run, lines, boardWith } from './helpers/run.ts';

const BOOT_MS = 400; // DEFAULT_COST.bootMs

describe('timers run in virtual time', () => {
  it('setTimeout/setInterval/changeInterval/clearInterval with extra arguments and getTime()', async () => {
    const r = await run(
      `
      var t0 = getTime();
      var n = 0;
      setTimeout(function (a, b) { print('timeout', a, b, (getTime() - t0).toFixed(3)); }, 1500, 'x', 7);
      var iv = setInterval(function (tag) {
        n++;
        print(tag, n, (getTime() - t0).toFixed(3));
        if (n === 2) changeInterval(iv, 5000);
        if (n === 4) clearInterval(iv);
      }, 1000, 'tick');
      `,
      60_000,
      { cost: { callbackMs: 0, bootMs: BOOT_MS } },
    );
    expect(r.errors).toEqual([]);
    expect(lines(r.console)).toEqual(['tick 1 1.000', 'timeout x 7 1.500', 'tick 2 2.000', 'tick 3 7.000', 'tick 4 12.000']);
  });
  it('Date and Date.now follow the virtual clock, not the host clock', async () => {
    const r = await run(`print(Date.now(), new Date().getTime(), new Date(0).toString()); setTimeout(function(){ print(Date.now()); }, 86400000);`, 2 * 86_400_000, {
      cost: { callbackMs: 0, bootMs: 0 },
      startTime: Date.UTC(2026, 0, 1),
    });
    const t = Date.UTC(2026, 0, 1);
    expect(lines(r.console)).toEqual([`${t} ${t} Thu Jan 1 1970 00:00:00 GMT+0000`, `${t + 86_400_000}`]);
  });
  it('Math.random is seeded: same seed, same numbers; E.srand reseeds', async () => {
    const code = `print(Math.random(), Math.random()); E.srand(5); var a = Math.random(); E.srand(5); print(a === Math.random());`;
    const a = await run(code, 1000, { seed: 1 });
    const b = await run(code, 1000, { seed: 1 });
    const c = await run(code, 1000, { seed: 2 });
    expect(a.console).toBe(b.console);
    expect(lines(a.console)[0]).not.toBe(lines(c.console)[0]);
    expect(lines(a.console)[1]).toBe('true');
  });
});

describe('the sandbox is Espruino, not Node or a browser', () => {
  it('new Map() is a ReferenceError; Array.from, Math.imul, Symbol and friends are absent', async () => {
    const r = await run(
      `
      var absent = [typeof Map, typeof Set, typeof WeakMap, typeof Symbol, typeof Proxy, typeof Reflect, typeof BigInt,
        typeof Array.from, typeof Math.imul, typeof Math.trunc, typeof Number.isInteger, typeof [].flat, typeof [].at,
        typeof "".trimStart, typeof Object.freeze, typeof Date.UTC, typeof Promise.prototype.finally, typeof queueMicrotask,
        typeof require('Storage').write, typeof ESP32.deepSleep, typeof I2C1.readFrom, typeof D2, typeof E.getSizeOf];
      print(absent.join(','));
      try { new Map(); } catch (e) { print(e.name + ': ' + e.message); }
      `,
      1000,
    );
    expect(lines(r.console)).toEqual([
      'undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,function,function,function,object,function',
      "ReferenceError: 'Map' is not defined",
    ]);
  });
  it('an uncaught ReferenceError is printed like Espruino and reported', async () => {
    const r = await run(`var x = 1;\nvar m = new Map();\n`, 1000);
    expect(r.console).toContain("Uncaught ReferenceError: 'Map' is not defined\r\n at line 2 col");
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ kind: 'uncaught', name: 'ReferenceError', bundlePosition: expect.stringMatching(/^app\.js:2:\d+$/) });
  });
  it('the board memory limit stops a runaway allocation with Out of Memory, and the board keeps running', async () => {
    const r = await run(
      `
      var m0 = process.memory();
      print(m0.total, m0.blocksize, m0.usage < 200);
      var hog = [];
      setTimeout(function () { while (true) hog.push('reading ' + hog.length + ' ' + getTime()); }, 10);
      setTimeout(function () { hog = null; print('still alive'); }, 1000);
      `,
      5000,
    );
    expect(lines(r.console)[0]).toBe('16383 14 true');
    expect(r.console).toContain('ERROR: Out of Memory!');
    expect(r.console).toContain('still alive');
    expect(r.errors.map((e) => e.kind)).toEqual(['outOfMemory']);
  });
  it('a callback that never returns is stopped by the watchdog and reported', async () => {
    const r = await run(`setTimeout(function () { for (;;) {} }, 10); setTimeout(function () { print('next'); }, 100);`, 600_000, {
      cost: { maxCallbackMs: 1000 },
    });
    expect(r.errors.map((e) => e.kind)).toEqual(['watchdog']);
    expect(r.console).toContain('Execution Interrupted');
    expect(r.console).toContain('next');
  });
});

describe('deep sleep and boot', () => {
  it('deep sleep loses RAM (globals) but keeps Storage; wake-up cause is 4 (timer)', async () => {
    const r = await run(
      `
      var s = require('Storage');
      var n = (s.readJSON('n', true) || 0) + 1;
      s.writeJSON('n', n);
      print('boot', n, 'cause', ESP32.getWakeupCause(), 'global', typeof globalThis.seen);
      globalThis.seen = 1;
      ESP32.deepSleep(10e6);
      print('not reached');
      `,
      25_000,
    );
    expect(r.errors).toEqual([]);
    expect(lines(r.console)).toEqual(['boot 1 cause 0 global undefined', 'boot 2 cause 4 global undefined', 'boot 3 cause 4 global undefined']);
    expect(r.boots.map((b) => b.cause)).toEqual(['powerOn', 'timer', 'timer']);
  });
  it('boot order: .bootcde, then E.on("init") handlers, then onInit()', async () => {
    const r = await run(
      `
      print('bootcde');
      E.on('init', function () { print('init 1'); });
      E.on('init', function () { print('init 2'); });
      function onInit() { print('onInit'); }
      `,
      1000,
    );
    expect(lines(r.console)).toEqual(['bootcde', 'init 1', 'init 2', 'onInit']);
  });
  it('.bootrst from E.setBootCode(code, true) runs instead of .bootcde', async () => {
    const b = await boardWith(`print('app')`);
    b.storage.write('.bootrst', new Uint8Array(Buffer.from("print('rst')")));
    b.powerOn();
    b.runUntil(1000);
    expect(lines(b.consoleOutput)).toEqual(['rst']);
    b.dispose();
  });
  it('clockAfterDeepSleep: getTime continues by default, restarts at 0 with "resets"', async () => {
    const code = `print(getTime().toFixed(1)); ESP32.deepSleep(60e6);`;
    const a = await run(code, 70_000, { cost: { bootMs: 400, callbackMs: 0 } });
    const b = await run(code, 70_000, { cost: { bootMs: 400, callbackMs: 0 }, clockAfterDeepSleep: 'resets' });
    expect(lines(a.console)).toEqual(['0.4', '60.8']);
    expect(lines(b.console)).toEqual(['0.4', '0.4']);
  });
  it('deepSleepExt0 wakes on the pin level with cause 2', async () => {
    const b = await boardWith(`print('cause', ESP32.getWakeupCause()); if (ESP32.getWakeupCause() === 0) ESP32.deepSleepExt0(D0, 0);`);
    b.powerOn();
    b.runUntil(5000);
    expect(b.state).toBe('deepSleep');
    b.gpio.inject('D0', 0);
    b.runUntil(10_000);
    expect(lines(b.consoleOutput)).toEqual(['cause 0', 'cause 2']);
    b.dispose();
  });
  it('E.reboot() restarts the JS world with cause 0 and Storage intact', async () => {
    const r = await run(
      `var s = require('Storage'); var n = (s.readJSON('r', true) || 0); print('run', n); if (n < 2) { s.writeJSON('r', n + 1); E.reboot(); }`,
      10_000,
    );
    expect(lines(r.console)).toEqual(['run 0', 'run 1', 'run 2']);
    expect(r.boots.map((b) => b.cause)).toEqual(['powerOn', 'reset', 'reset']);
  });
});

describe('GPIO, watches and the REPL', () => {
  it('setWatch reports edges with state and time; debounce filters bounces', async () => {
    const b = await boardWith(`
      setWatch(function (e) { print('btn', e.state, e.time.toFixed(3)); }, D0, { repeat: true, edge: 'falling', debounce: 20 });
      setWatch(function (e) { print('once', e.state); }, D4, { repeat: false, edge: 'rising' });
    `, { cost: { callbackMs: 0, bootMs: 0 } });
    b.powerOn();
    b.runUntil(100);
    // a bouncing press at 1 s: 0,1,0 within 5 ms, then stable low
    b.sched.at(1000, () => b.gpio.inject('D0', 0));
    b.sched.at(1002, () => b.gpio.inject('D0', 1));
    b.sched.at(1004, () => b.gpio.inject('D0', 0));
    b.sched.at(2000, () => b.gpio.inject('D0', 1));
    b.sched.at(3000, () => b.gpio.inject('D0', 0));
    b.sched.at(1500, () => b.gpio.inject('D4', 1));
    b.sched.at(1600, () => b.gpio.inject('D4', 0));
    b.sched.at(1700, () => b.gpio.inject('D4', 1));
    b.runUntil(5000);
    expect(lines(b.consoleOutput)).toEqual(['btn false 1.004', 'once true', 'btn false 3.000']);
    b.dispose();
  });
  it('digitalWrite reaches pin listeners (modem PWRKEY) and digitalPulse times the pulse', async () => {
    const b = await boardWith(`digitalWrite(D4, 1); digitalPulse(D5, 1, 500);`, { cost: { callbackMs: 0, bootMs: 0 } });
    const seen: string[] = [];
    b.gpio.addListener('*', { onPin: (pin, level) => seen.push(`${b.now()}:${pin}=${level}`) });
    b.powerOn();
    b.runUntil(2000);
    expect(seen).toEqual(['0:D4=1', '0:D5=1', '500:D5=0']);
    b.dispose();
  });
  it('evalInContext and console input act as the REPL', async () => {
    const b = await boardWith(`var counter = 41;`);
    b.powerOn();
    b.runUntil(1000);
    expect(b.evalInContext('counter + 1')).toBe('42');
    expect(b.evalInContext('({a: [1, "x"]})')).toBe('{ "a": [ 1, "x" ] }');
    b.consoleWrite('counter = 7\r');
    expect(b.consoleOutput.endsWith('counter = 7\r\n=7\r\n>')).toBe(true);
    b.dispose();
  });
});

describe('load(), reset(), save() and serial input', () => {
  it('save() keeps what the REPL defined across a reboot; reset() clears RAM and runs only .bootrst', async () => {
    const b = await boardWith(`print('app')`, { cost: { callbackMs: 0 } });
    const starts: string[] = [];
    b.onJsStart((s) => starts.push(s.cause));
    b.powerOn();
    b.runUntil(1000);
    b.evalInContext('var saved = 42');
    b.evalInContext('save()');
    b.evalInContext('E.reboot()');
    b.runUntil(3000);
    expect(b.evalInContext('saved')).toBe('42');
    b.evalInContext('reset()');
    b.runUntil(4000);
    expect(b.evalInContext('typeof saved')).toBe('"undefined"');
    b.evalInContext("load()");
    b.runUntil(5000);
    expect(b.evalInContext('saved')).toBe('42');
    expect(lines(b.consoleOutput)).toEqual(['app', 'app', 'app']);
    expect(starts).toEqual(['powerOn', 'reset', 'resetJs', 'load']);
    b.dispose();
  });
  it('without on("data"), received bytes wait in the buffer for available()/read()', async () => {
    const b = await boardWith(`Serial2.setup(115200); setTimeout(function () { print(Serial2.available(), JSON.stringify(Serial2.read(3)), JSON.stringify(Serial2.read())); }, 100);`);
    b.powerOn();
    b.runUntil(450);
    b.uart('Serial2').toMcu(new Uint8Array(Buffer.from('+CEREG: 5\r\n')));
    b.runUntil(2000);
    expect(lines(b.consoleOutput)).toEqual(['11 "+CE" "REG: 5\\r\\n"']);
    b.dispose();
  });
});

describe('Storage and crypto bridges', () => {
  it('binary data survives the boundary both ways; StorageFile appends lines; SHA256 matches node:crypto', async () => {
    const r = await run(
      `
      var s = require('Storage');
      s.write('bin', new Uint8Array([0, 255, 128, 10]));
      var b = s.read('bin');
      print(b.length, b.charCodeAt(0), b.charCodeAt(1), b.charCodeAt(2));
      var f = s.open('log', 'a'); f.write('a,1\\n'); f.write('b,2\\n');
      var g = s.open('log', 'r'); print(JSON.stringify(g.readLine()), JSON.stringify(g.readLine()), g.readLine());
      print(s.list().sort().join(' '));
      var h = new Uint8Array(require('crypto').SHA256('abc'));
      var hex = ''; for (var i = 0; i < 4; i++) hex += (h[i] < 16 ? '0' : '') + h[i].toString(16);
      print(hex, btoa('\\x00\\xff'), E.toString(atob('AP8=')).charCodeAt(1));
      `,
      1000,
    );
    expect(r.errors).toEqual([]);
    expect(lines(r.console)).toEqual(['4 0 255 128', '"a,1\\n" "b,2\\n" undefined', '.bootcde bin log\x01', 'ba7816bf AP8= 255']);
  });
});
