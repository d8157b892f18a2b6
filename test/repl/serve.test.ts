// The real path: a simulated board on a pseudo-terminal, driven by EspruinoTools' Node API through
// tools/lib/espruino-tools.ts exactly as a real board on a USB-serial port would be.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBoard, type ServedBoard } from '../../sim/serve.ts';
import { openRawPty, type RawPty } from '../../sim/repl/pty.ts';
import { buildApp } from '../../tools/lib/build/index.ts';
import { connect, expr, getEnv, uploadToStorage } from '../../tools/lib/espruino-tools.ts';
import { UserError } from '../../tools/lib/errors.ts';

const APP = join(import.meta.dirname, '../fixtures/repl/marker-app');

async function rejection(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected the promise to reject');
}

describe('serveBoard + EspruinoTools', () => {
  let served: ServedBoard;
  let bundle: string;

  beforeAll(async () => {
    served = await serveBoard({ board: 'devkitc-bc660k', seed: 1 });
    bundle = (await buildApp({ entry: APP, board: 'devkitc-bc660k', write: false })).code;
  });
  afterAll(async () => {
    await served?.close();
  });

  it('serves on a pty device path', () => {
    expect(served.path).toMatch(/^\/dev\/(pts\/\d+|ttys\d+)$/);
  });

  it("EspruinoTools reads process.env on connect and expr('process.env.BOARD') gives the board's Espruino id", async () => {
    const env = await getEnv(served.path);
    expect(env.VERSION).toBe('2v29');
    expect(env.BOARD).toBe('ESP32');
    expect(await expr(served.path, 'process.env.BOARD')).toBe('ESP32');
    expect(await expr(served.path, '[1,2].map(function(x){return x*21})')).toEqual([21, 42]);
  });

  it('uploads a built bundle to Storage .bootcde, and load() runs it on the simulated board', async () => {
    const c = await connect(served.path);
    try {
      const seen: number[] = [];
      await c.uploadToStorage('.bootcde', bundle, { onProgress: (p) => seen.push(p.sent) });
      expect(Buffer.from(served.board.storage.readBytes('.bootcde')!).toString('utf8')).toBe(bundle);
      expect(seen.at(-1)).toBe(Buffer.byteLength(bundle));
      expect(seen.every((v, i) => i === 0 || v >= seen[i - 1])).toBe(true);
      await c.load();
      const out = await c.waitForOutput('SENSORNODE-MARKER timer', 5000);
      expect(out).toContain('SENSORNODE-MARKER boot on ESP32');
      expect(await c.expr('typeof marker')).toBe('undefined'); // the bundle keeps its helpers in a closure
    } finally {
      await c.close();
    }
  });

  it('sendCode uploads to RAM after reset(), as the Espruino IDE does', async () => {
    const c = await connect(served.path);
    try {
      await c.expr('leftover = 1');
      const out = await c.sendCode('var total = 0;\nfor (var i = 1; i <= 4; i++) {\n  total += i;\n}\nprint("RAM-TOTAL " + total);\n');
      expect(out).toContain('RAM-TOTAL 10');
      expect(await c.expr('total')).toBe(10);
      expect(await c.expr('typeof leftover')).toBe('undefined'); // reset() before sending cleared RAM
    } finally {
      await c.close();
    }
  });

  it("uploads with EspruinoTools' acknowledged packet transfer (2v25+ FILE_SEND/DATA)", async () => {
    const c = await connect(served.path);
    try {
      const data = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff); // binary, several 1 KB packets
      const seen: number[] = [];
      await c.uploadToStorage('blob.bin', data, { protocol: 'packets', onProgress: (p) => seen.push(p.sent) });
      expect(Buffer.from(served.board.storage.readBytes('blob.bin')!)).toEqual(Buffer.from(data));
      expect(seen.at(-1)).toBe(3000);
    } finally {
      await c.close();
    }
  });

  it('the one-shot upload helper can load() afterwards', async () => {
    const out = await uploadToStorage(served.path, '.bootcde', 'print("ONE-SHOT " + (20+22));\n', { load: true });
    expect(out).toContain('ONE-SHOT 42');
  });
});

describe('serveBoard --app', () => {
  it('installs the bundle as .bootcde and boots it: its output reaches the pty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-serve-'));
    const file = join(dir, 'marker.js');
    writeFileSync(file, (await buildApp({ entry: APP, board: 'devkitc-bc660k', write: false })).code);
    let seen = '';
    const s = await serveBoard({ board: 'devkitc-bc660k', app: file, onOutput: (t) => (seen += t) });
    try {
      const c = await connect(s.path);
      try {
        await c.expr('1'); // the boot output was buffered in the pty before we connected
        expect(seen).toContain('SENSORNODE-MARKER boot on ESP32');
        expect(await c.expr('require("Storage").list().indexOf(".bootcde") >= 0')).toBe(true);
      } finally {
        await c.close();
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serveBoard time', () => {
  const SLEEPER = join(import.meta.dirname, '../fixtures/repl/sleeper.js');
  const until = async (cond: () => boolean, ms: number) => {
    const t0 = Date.now();
    while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
  };

  it('skips deep sleep (nobody can talk to a sleeping board): the 10-minute sleep ends at once', async () => {
    let seen = '';
    const s = await serveBoard({ board: 'devkitc-bc660k', app: SLEEPER, onOutput: (t) => (seen += t) });
    try {
      await until(() => seen.includes('AWAKE cause=4'), 5000);
      expect(seen).toContain('AWAKE cause=0'); // power-on
      expect(seen).toContain('AWAKE cause=4'); // timer wake-up
      expect(s.board.now()).toBeGreaterThanOrEqual(600_000);
    } finally {
      await s.close();
    }
  });

  it('with realtime the board stays asleep for the wall-clock length of the sleep', async () => {
    let seen = '';
    const s = await serveBoard({ board: 'devkitc-bc660k', app: SLEEPER, realtime: true, onOutput: (t) => (seen += t) });
    try {
      await until(() => s.board.state === 'deepSleep', 5000);
      await new Promise((r) => setTimeout(r, 300));
      expect(s.board.state).toBe('deepSleep');
      expect(seen).not.toContain('AWAKE cause=4');
      expect(s.board.now()).toBeLessThan(10_000);
    } finally {
      await s.close();
    }
  });
});

describe('espruino-tools errors name the port and what to do', () => {
  it('a missing port', async () => {
    const e = await rejection(connect('/dev/ttyUSB-does-not-exist'));
    expect(e.code).toBe('SERIAL_NOT_FOUND');
    expect(e.message).toContain('/dev/ttyUSB-does-not-exist');
    expect(e.hint).toContain('sim-serve');
  });

  it('a path that is not a serial device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-port-'));
    const f = join(dir, 'not-a-port');
    writeFileSync(f, '');
    try {
      const e = await rejection(connect(f));
      expect(e.code).toBe('SERIAL_NOT_A_PORT');
      expect(e.message).toContain(f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('ptys nobody answers properly on', () => {
    let silent: RawPty;
    let garbage: RawPty;
    beforeAll(() => {
      silent = openRawPty();
      garbage = openRawPty();
      // What a console at the wrong baud rate looks like: bytes that are not text.
      garbage.onData(() => garbage.write(new Uint8Array([0xf3, 0x1c, 0x80, 0xfe, 0x9a, 0x00, 0xe7, 0xc1])));
    });
    afterAll(() => {
      silent?.close();
      garbage?.close();
    });

    it('a silent port gives a clear no-response error', async () => {
      const e = await rejection(expr(silent.path, 'process.env.BOARD'));
      expect(e.code).toBe('SERIAL_SILENT');
      expect(e.message).toContain(silent.path);
      expect(e.message).toContain('no response');
    });

    it('a port that answers with garbage suggests the baud rate', async () => {
      const e = await rejection(connect(garbage.path, { baud: 9600 }));
      expect(e.code).toBe('SERIAL_GARBAGE');
      expect(e.message).toContain(garbage.path);
      expect(e.message).toContain('9600');
      expect(e.hint).toContain('115200');
    });
  });
});
