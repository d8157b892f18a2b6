// The Espruino console on a simulated board, without a pty: bytes in through the console UART,
// bytes out as a serial tool would see them, lines evaluated in the board's JS world.
import { afterEach, describe, expect, it } from 'vitest';
import { loadBoard } from '../../tools/lib/boards.ts';
import { createConsoleBoard } from '../../sim/repl/console.ts';
import { espruinoBanner } from '../../sim/repl/banner.ts';
import type { SimBoard } from '../../sim/board/sim-board.ts';

const boards: SimBoard[] = [];
afterEach(() => {
  for (const b of boards.splice(0)) b.dispose();
});

async function boot() {
  const def = await loadBoard('devkitc-bc660k');
  let out = '';
  const { board } = await createConsoleBoard({ board: def, output: (t) => (out += t) });
  boards.push(board);
  board.powerOn();
  board.runFor(1000);
  /** Types bytes into the console and returns what the board sent back within `ms` of virtual time. */
  const type = (s: string, ms = 50): string => {
    const from = out.length;
    board.consoleWrite(s);
    board.runFor(ms);
    return out.slice(from);
  };
  const run = (ms: number): string => {
    const from = out.length;
    board.runFor(ms);
    return out.slice(from);
  };
  return { board, type, run, out: () => out };
}

/** What EspruinoTools sends to evaluate an expression (core/utils.js executeExpression). */
const exprLine = (e: string) => `\x10print("<","<<",JSON.stringify(${e}),">>",">")\n`;

describe('Espruino console on a SimBoard', () => {
  it('boots with the 2v29 banner followed by a prompt', async () => {
    const { out } = await boot();
    expect(out()).toBe(espruinoBanner('2v29') + '\r\n>');
    expect(out()).toContain(' 2v29 (c) 2021 G.Williams\r\n');
    expect(out().startsWith('\x1B[?7l\r\n ____')).toBe(true);
  });

  it('echoes input and prints =result, then a new prompt', async () => {
    const { type } = await boot();
    expect(type('1+2\r')).toBe('1+2\r\n=3\r\n>');
    expect(type('"a"+"b"\r')).toBe('"a"+"b"\r\n="ab"\r\n>');
  });

  it("answers EspruinoTools' DLE expression line with only the marked result and a prompt", async () => {
    const { type } = await boot();
    expect(type(exprLine('process.env.BOARD'))).toBe('< << "ESP32" >> >\r\n>');
  });

  it('process.env has what EspruinoTools reads on connect', async () => {
    const { type } = await boot();
    const r = type(exprLine('process.env'));
    const json = JSON.parse(r.slice(r.indexOf('< <<') + 4, r.indexOf('>> >')));
    expect(json).toMatchObject({ VERSION: '2v29', BOARD: 'ESP32', CONSOLE: 'Serial1' });
    expect(typeof json.MODULES).toBe('string');
  });

  it('continues a line with : while brackets are open, and after ESC LF', async () => {
    const { type } = await boot();
    expect(type('function dbl(a) {\r')).toBe('function dbl(a) {\r\n:');
    type('return a*2\r');
    type('}\r');
    expect(type('dbl(21)\r')).toBe('dbl(21)\r\n=42\r\n>');
    expect(type('var q = 1\x1b\n+ 2\r')).toBe('var q = 1\r\n:+ 2\r\n=undefined\r\n>');
    expect(type('q\r')).toBe('q\r\n=3\r\n>');
  });

  it('Ctrl-C drops the typed line: nothing of it runs', async () => {
    const { type } = await boot();
    type('x = 5');
    type('\x03');
    expect(type('typeof x\r')).toBe('typeof x\r\n="undefined"\r\n>');
  });

  it('reports an uncaught error without an =result line', async () => {
    const { type } = await boot();
    const r = type('nosuch.prop\r');
    expect(r).toContain('Uncaught ReferenceError');
    expect(r).not.toContain('=');
    expect(r.endsWith('>')).toBe(true);
  });

  it('firmware output from a timer removes the prompt line and puts it back afterwards', async () => {
    const { type, run } = await boot();
    type('setTimeout(function(){print("tick")}, 200)\r');
    expect(run(500)).toBe('\r\x1B[Jtick\r\n>');
  });

  it('reset() reports =undefined, shows the banner again and clears RAM', async () => {
    const { type, run } = await boot();
    type('var keep = 7\r');
    const r = type('reset()\r', 1000) + run(500);
    expect(r).toBe('reset()\r\n=undefined\r\n' + espruinoBanner('2v29') + '\r\n>');
    expect(type('typeof keep\r')).toBe('typeof keep\r\n="undefined"\r\n>');
  });

  it('chunked require("Storage").write(name, chunk, offset, total) lands in flash and load() runs it', async () => {
    const { board, type, run } = await boot();
    const code = 'var n = 6 * 7;\nprint("UPLOADED-" + n);\n';
    const half = 20;
    type(`\x10require("Storage").write(".bootcde",${JSON.stringify(code.slice(0, half))},0,${code.length});\n`);
    type(`\x10require("Storage").write(".bootcde",${JSON.stringify(code.slice(half))},${half});\n`);
    expect(Buffer.from(board.storage.readBytes('.bootcde')!).toString('latin1')).toBe(code);
    const r = type('\x10load()\n', 1000) + run(200);
    expect(r).toContain('UPLOADED-42\r\n');
    expect(r).not.toContain('G.Williams'); // load() without a file restarts without the banner
    expect(type('n\r')).toBe('n\r\n=42\r\n>');
  });

  it('E.setBootCode(code) then load() boots that code', async () => {
    const { type, run } = await boot();
    type('E.setBootCode(\'print("FROM-BOOTCODE")\')\r');
    expect(type('load()\r', 1000) + run(200)).toContain('FROM-BOOTCODE');
  });

  it('echo(0) stops echo and =results until echo(1)', async () => {
    const { type } = await boot();
    type('echo(0)\r');
    expect(type('1+1\r')).toBe('');
    expect(type('print("still prints")\r')).toBe('still prints\r\n');
    type('echo(1)\r');
    expect(type('2+2\r')).toBe('2+2\r\n=4\r\n>');
  });

  it('save() keeps REPL state across a reboot, which then shows no banner', async () => {
    const { type, run } = await boot();
    type('var saved = 42\r');
    type('save()\r');
    const r = type('E.reboot()\r', 2000) + run(500);
    expect(r).not.toContain('G.Williams');
    expect(type('saved\r')).toBe('saved\r\n=42\r\n>');
  });

  it('Ctrl-E on an empty line answers ENQ with the version and board; on a typed line it moves to the end', async () => {
    const { type } = await boot();
    expect(type('\x05')).toBe('\r\x1B[JEspruino 2v29 ESP32\r\n>');
    expect(type('2\x013\x05+4\r')).toContain('\r\n=36\r\n>');
  });

  it('bytes sent while the MCU is in deep sleep are lost; after the wake-up the console works again', async () => {
    const { board, type, run } = await boot();
    type('ESP32.deepSleep(2000000)\r', 100);
    expect(board.state).toBe('deepSleep');
    expect(type('var lost = 1\r', 10)).toBe('');
    const wake = run(3000);
    expect(wake).toContain('G.Williams');
    expect(type('typeof lost\r')).toBe('typeof lost\r\n="undefined"\r\n>');
  });
});
