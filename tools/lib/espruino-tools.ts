/**
 * Promise API over EspruinoTools (npm `espruino` 0.1.67), for the commands that talk to a board over
 * serial — provisioning, flash, monitor — and for tests against a simulated board on a pty
 * (sim/serve.ts). The protocol work stays EspruinoTools' own: `Espruino.Core.Serial` (open, throttled
 * writes, XON/XOFF), `Espruino.Core.Utils.executeExpression` (`\x10print("<","<<",JSON.stringify(e),">>",">")`),
 * `getUploadFileCode` (`require("Storage").write(name, atob(chunk), offset, total)` in 384-byte chunks),
 * the `connected` processor that reads `process.env`, and `CodeWriter.writeToEspruino` (`\x10reset();`,
 * `\x10print()`, one `\x10` line per statement, `ESC LF` inside statements).
 *
 *   const c = await connect('/dev/ttyUSB0', { baud: 115200 });
 *   c.env.BOARD;                                   // 'ESP32'
 *   await c.uploadToStorage('.bootcde', bundle, { onProgress: (p) => bar.update(p.fraction) });
 *   await c.load();
 *   await c.close();
 *   await expr('/dev/ttyUSB0', 'process.memory().free'); // one-shot: connect, evaluate, close
 *
 * EspruinoTools keeps global state — one `Espruino.Config`, one `Espruino.Core.Serial` connection,
 * one `process.env` record — so this module serializes everything: a connection holds a process-wide
 * lock from connect() until close(); one-shot helpers take it for their duration. During each
 * operation EspruinoTools' own console logging is captured (`onLog`) instead of printed — so a caller
 * should not expect its own console.log lines to appear while an operation is awaited.
 *
 * What is changed from EspruinoTools' defaults, and why:
 *   - its "Node Serial" device is given the port we were asked for instead of listing ports
 *     (serialport's list needs udevadm and never lists ptys), and reports open errors instead of
 *     throwing them as unhandled 'error' events;
 *   - only that serial device is kept: EspruinoTools' Bluetooth and network transports are dropped (their
 *     port listing throws unhandled errors on machines without D-Bus/Bluetooth);
 *   - the board JSON (firmware-update info from espruino.com) is not downloaded: commands work offline.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from './errors.ts';

export interface ConnectOptions {
  /** Serial baud rate. Default 115200 (Espruino's ESP32 console; EspruinoTools' own default is 9600). */
  baud?: number;
  /** How long connecting and reading process.env may take (ms). Default 15000. */
  timeoutMs?: number;
  /** EspruinoTools' log lines (otherwise dropped). */
  onLog?: (line: string) => void;
}

/** process.env as Espruino reports it (keys vary by board and version). */
export interface BoardEnv {
  VERSION: string;
  BOARD: string;
  [key: string]: unknown;
}

export interface UploadProgress {
  /** File bytes sent so far (approximate while a chunk is on the wire). */
  sent: number;
  total: number;
  fraction: number;
}

export interface UploadOptions {
  onProgress?: (p: UploadProgress) => void;
  timeoutMs?: number;
  protocol?: 'repl' | 'packets';
}

export interface EspruinoConnection {
  readonly port: string;
  /** process.env read when the connection was opened. */
  readonly env: BoardEnv;
  /** Everything the board printed that no command consumed (banner, prompts, firmware output). */
  output(): string;
  /** Waits until the console output (since connect) matches; resolves with all output so far. */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Evaluates an expression on the board and returns its value (JSON round trip). */
  expr<T = unknown>(expression: string, opts?: { timeoutMs?: number }): Promise<T>;
  /** Runs statements; resolves with what they printed. */
  statement(code: string, opts?: { timeoutMs?: number }): Promise<string>;
  /** RAM upload through EspruinoTools' transform + codeWriter (reset() first, as the IDE does). Resolves with the output. */
  sendCode(code: string, opts?: { timeoutMs?: number }): Promise<string>;
  /**
   * Writes a file to Storage and checks its length on the board. `protocol`: 'repl' (default, any
   * Espruino version) sends `require("Storage").write(…)` lines; 'packets' uses the acknowledged
   * FILE_SEND/DATA packets of Espruino 2v25+ (EspruinoTools' espruinoSendFile).
   */
  uploadToStorage(name: string, data: string | Uint8Array, opts?: UploadOptions): Promise<void>;
  /** `load()`: restart JS and run the boot code. Resolves with the output that followed. */
  load(opts?: { settleMs?: number; timeoutMs?: number }): Promise<string>;
  /** `reset()`: clear RAM (Storage kept). Resolves with the output that followed. */
  resetBoard(opts?: { settleMs?: number; timeoutMs?: number }): Promise<string>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------- EspruinoTools globals

interface SerialDevice {
  name: string;
  getPorts(cb: (ports: { path: string; description?: string }[], instant: boolean) => void): void;
  open(path: string, openCb: (info: unknown) => void, receiveCb: (data: ArrayBuffer) => void, disconnectCb: () => void): void;
  write(data: string, cb: () => void): void;
  close(): void;
}

interface EspruinoGlobal {
  Config: Record<string, unknown>;
  Core: {
    Serial: {
      devices: SerialDevice[];
      getPorts(cb: (ports: unknown[], shouldCallAgain: boolean) => void): void;
      open(port: string, connected: (status: unknown) => void, disconnected: () => void): void;
      close(): void;
      isConnected(): boolean;
      startListening(cb: (data: ArrayBuffer | string) => void): unknown;
      write(data: string, showStatus?: boolean, cb?: () => void): void;
      connection: {
        write(data: string): Promise<void>;
        espruinoSendFile(name: string, data: string, opts: { progress?: (sent: number, total: number) => void; chunkSize?: number }): Promise<void>;
      };
    };
    Utils: {
      executeExpression(e: string, cb: (r: string | undefined) => void, opts?: Record<string, unknown>): void;
      executeStatement(e: string, cb: (r: string | undefined) => void, opts?: Record<string, unknown>): void;
      getUploadFileCode(name: string, contents: string): string;
    };
    Env: { getData(): Record<string, unknown> };
    CodeWriter: { writeToEspruino(code: string, cb: () => void): void };
    Notifications: Record<'success' | 'error' | 'warning' | 'info', (m: string) => void>;
    Status: { setStatus(text: string, max?: number): void; hasProgress(): boolean; incrementProgress(n: number): void };
  };
  callProcessor(ev: string, data: unknown, cb: (d: unknown) => void): void;
}

interface SerialPortLike {
  open(cb: (err: Error | null) => void): void;
  write(data: Buffer, cb: (err?: Error | null) => void): void;
  close(cb?: (err?: Error | null) => void): void;
  on(ev: 'data', cb: (d: Buffer) => void): void;
  on(ev: 'close' | 'error', cb: (e?: Error) => void): void;
  readonly isOpen: boolean;
}

// ---------------------------------------------------------------------------- global state

/** What the current operation wants to know from EspruinoTools' callbacks. */
interface Session {
  port: string;
  baud: number;
  rx: string;
  openError?: Error;
  errors: string[];
  log: (line: string) => void;
  progress?: (amount: number, max?: number) => void;
  onDisconnect?: () => void;
  closed: boolean;
}

let tools: EspruinoGlobal | undefined;
let session: Session | undefined;
let lock: Promise<void> = Promise.resolve();

/** Runs fn while holding the EspruinoTools lock; EspruinoTools' console logging goes to `log`. */
async function acquire(): Promise<() => void> {
  let release!: () => void;
  const prev = lock;
  lock = new Promise<void>((r) => (release = r));
  await prev;
  return release;
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
type ConsoleMethod = (typeof CONSOLE_METHODS)[number];
let savedConsole: Partial<Record<ConsoleMethod, (...a: unknown[]) => void>> | undefined;
let captureDepth = 0;

/**
 * Runs an EspruinoTools operation with console.log & co. going to `log`: EspruinoTools logs every
 * chunk it sends. Only for the operation's duration, so the caller's own logging between operations
 * (progress lines, prompts) is untouched.
 */
async function captured<T>(log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  if (captureDepth++ === 0) {
    savedConsole = {};
    for (const m of CONSOLE_METHODS) {
      savedConsole[m] = console[m];
      console[m] = (...a: unknown[]) => log(a.map((x) => (typeof x === 'string' ? x : safeJson(x))).join(' '));
    }
  }
  try {
    return await fn();
  } finally {
    if (--captureDepth === 0 && savedConsole) {
      for (const m of CONSOLE_METHODS) if (savedConsole[m]) console[m] = savedConsole[m]!;
      savedConsole = undefined;
    }
  }
}

function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** Loads and initialises EspruinoTools once, and installs the serial device and settings described above. */
async function loadTools(): Promise<EspruinoGlobal> {
  if (tools) return tools;
  const require = createRequire(import.meta.url);
  const espruinoMain = require.resolve('espruino');
  const api = require('espruino') as { init(cb: () => void): void };
  await new Promise<void>((res) => api.init(res));
  const E = (globalThis as unknown as { Espruino: EspruinoGlobal }).Espruino;
  const { SerialPort } = createRequire(espruinoMain)('serialport') as { SerialPort: new (o: Record<string, unknown>) => SerialPortLike };

  E.Config.BOARD_JSON_URL = join(dirname(espruinoMain), 'board-json-not-downloaded');
  E.Core.Notifications = {
    success: (m) => session?.log(`success: ${m}`),
    info: (m) => session?.log(`info: ${m}`),
    warning: (m) => session?.log(`warning: ${m}`),
    error: (m) => {
      session?.log(`error: ${m}`);
      session?.errors.push(m);
    },
  };
  E.Core.Status = {
    setStatus: (_t, max) => session?.progress?.(0, max),
    hasProgress: () => false,
    incrementProgress: (n) => session?.progress?.(n),
  };

  let sp: SerialPortLike | undefined;
  const device: SerialDevice = {
    name: 'Node Serial',
    getPorts: (cb) => cb(session ? [{ path: session.port, description: 'serial port' }] : [], true),
    open: (path, openCb, receiveCb, disconnectCb) => {
      const s = session;
      const port = new SerialPort({ path, baudRate: s?.baud ?? 115200, autoOpen: false });
      sp = port;
      port.on('error', (e) => s?.log(`serial error: ${e?.message}`));
      port.on('data', (d) => {
        const a = new Uint8Array(d.length);
        a.set(d);
        receiveCb(a.buffer);
      });
      port.open((err) => {
        if (err) {
          if (s) s.openError = err;
          openCb(undefined);
          return;
        }
        port.on('close', () => {
          if (sp === port) sp = undefined;
          disconnectCb();
        });
        openCb('Ok');
      });
    },
    write: (data, cb) => {
      if (!sp) return cb();
      sp.write(Buffer.from(data, 'latin1'), () => cb());
    },
    close: () => {
      const port = sp;
      if (port?.isOpen) port.close();
    },
  };
  // Only serial ports: listing ports also asks the Bluetooth and network transports, and the BLE ones
  // throw unhandled errors on machines without D-Bus/Bluetooth.
  E.Core.Serial.devices.splice(0, E.Core.Serial.devices.length, device);
  tools = E;
  return E;
}

// ---------------------------------------------------------------------------- errors

function describeBytes(s: string, max = 24): string {
  let out = '';
  for (const ch of s.slice(0, max)) {
    const c = ch.charCodeAt(0);
    out += c >= 0x20 && c < 0x7f ? ch : c === 13 ? '\\r' : c === 10 ? '\\n' : '\\x' + c.toString(16).padStart(2, '0');
  }
  return s.length > max ? out + '…' : out;
}

/** True when most of what arrived is not console text: typical of a baud-rate mismatch. */
function looksLikeGarbage(s: string): boolean {
  if (s.length === 0) return false;
  let bad = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (!((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || c === 8 || c === 0x1b)) bad++;
  }
  return bad / s.length > 0.2;
}

function checkPortPath(port: string): void {
  let st;
  try {
    st = statSync(port);
  } catch {
    throw new UserError('SERIAL_NOT_FOUND', `serial port ${port} does not exist`, {
      hint: 'plug the board in and check the path (Linux: ls /dev/ttyUSB* /dev/ttyACM*; macOS: ls /dev/cu.*), or start a simulated board with `sensornode sim-serve --board <id>` and use the path it prints',
    });
  }
  if (!st.isCharacterDevice()) {
    throw new UserError('SERIAL_NOT_A_PORT', `${port} is not a serial device (it is a ${st.isDirectory() ? 'directory' : 'file'})`, {
      hint: 'give the device path of the USB-serial adapter, e.g. /dev/ttyUSB0',
    });
  }
  try {
    accessSync(port, constants.R_OK | constants.W_OK);
  } catch {
    throw new UserError('SERIAL_PERMISSION', `no permission to open ${port}`, {
      hint: process.platform === 'linux' ? 'add your user to the group that owns the port (often `dialout`: sudo usermod -aG dialout $USER, then log in again)' : 'check the permissions of the device file',
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((res, rej) => {
    const t = setTimeout(() => rej(onTimeout()), ms);
    p.then(
      (v) => (clearTimeout(t), res(v)),
      (e) => (clearTimeout(t), rej(e)),
    );
  });
}

// ---------------------------------------------------------------------------- connection

export async function connect(port: string, opts: ConnectOptions = {}): Promise<EspruinoConnection> {
  const release = await acquire();
  const baud = opts.baud ?? 115200;
  const timeoutMs = opts.timeoutMs ?? 15000;
  const s: Session = { port, baud, rx: '', errors: [], log: (l) => opts.onLog?.(l), closed: false };
  try {
    checkPortPath(port);
    const conn = await captured(s.log, () => openConnection(port, baud, timeoutMs, s, release));
    return conn;
  } catch (e) {
    if (session === s) session = undefined;
    release();
    throw e;
  }
}

async function openConnection(port: string, baud: number, timeoutMs: number, s: Session, release: () => void): Promise<EspruinoConnection> {
  {
    const E = await loadTools();
    session = s;
    E.Config.BAUD_RATE = baud;
    const env = E.Core.Env.getData();
    for (const k of Object.keys(env)) delete env[k];
    // EspruinoTools calls this with an ArrayBuffer, except when getEspruinoPrompt/executeExpression hand
    // back what they collected while they were listening themselves: that comes as a string.
    E.Core.Serial.startListening((data: ArrayBuffer | string) => {
      s.rx += typeof data === 'string' ? data : Buffer.from(new Uint8Array(data)).toString('latin1');
    });
    // EspruinoTools only opens ports from its last port listing: list again now (our device lists the
    // session's port), or it waits 500 ms, logs "not found - checking ports again", and lists then.
    await new Promise<void>((res) => E.Core.Serial.getPorts(() => res()));
    const opened = new Promise<void>((res, rej) => {
      E.Core.Serial.open(
        port,
        (status) => {
          if (status === undefined) {
            const why = s.openError?.message ?? 'EspruinoTools could not open it';
            rej(new UserError('SERIAL_OPEN_FAILED', `cannot open serial port ${port}: ${why}`, { hint: 'close other programs using the port (screen, minicom, an IDE, another sensornode command) and try again' }));
          } else res();
        },
        () => {
          s.closed = true;
          s.onDisconnect?.();
        },
      );
    });
    await withTimeout(opened, timeoutMs, () => new UserError('SERIAL_TIMEOUT', `${port}: opening the port and reading process.env took longer than ${timeoutMs} ms`, { hint: 'check that the board is powered and running Espruino' }));
    const data = E.Core.Env.getData();
    if (typeof data.VERSION !== 'string' || typeof data.BOARD !== 'string') {
      const rx = s.rx;
      await closeSerial(E, s);
      if (rx.length === 0) {
        throw new UserError('SERIAL_SILENT', `${port}: no response from Espruino (nothing received at ${baud} baud)`, {
          hint: 'check that the board is powered and running Espruino, that this is its console port, and that nothing else has it open',
        });
      }
      if (looksLikeGarbage(rx)) {
        throw new UserError('SERIAL_GARBAGE', `${port}: received ${rx.length} bytes that are not Espruino console text at ${baud} baud ("${describeBytes(rx)}")`, {
          hint: 'the baud rate is probably wrong: Espruino on ESP32 uses 115200 (pass --baud 115200)',
        });
      }
      throw new UserError('SERIAL_NOT_ESPRUINO', `${port}: the device answered but not like Espruino ("${describeBytes(rx, 60)}")`, {
        hint: 'flash Espruino first (sensornode flash), or check that this is the board’s console port',
      });
    }
    return new Connection(E, s, { ...data } as BoardEnv, release);
  }
}

async function closeSerial(E: EspruinoGlobal, s: Session): Promise<void> {
  if (s.closed || !E.Core.Serial.isConnected()) {
    s.closed = true;
    return;
  }
  await withTimeout(
    new Promise<void>((res) => {
      s.onDisconnect = res;
      E.Core.Serial.close();
    }),
    3000,
    () => new UserError('SERIAL_CLOSE_TIMEOUT', `${s.port}: the port did not close within 3 s`),
  ).catch(() => {});
  s.closed = true;
}

class Connection implements EspruinoConnection {
  private consumed = 0;
  private released = false;

  constructor(
    private readonly E: EspruinoGlobal,
    private readonly s: Session,
    readonly env: BoardEnv,
    private readonly release: () => void,
  ) {}

  get port(): string {
    return this.s.port;
  }

  output(): string {
    return this.s.rx.slice(this.consumed);
  }

  private check(what: string): void {
    if (this.released) throw new Error(`${what}: the connection to ${this.port} is closed`);
    if (this.s.closed) throw new UserError('SERIAL_DISCONNECTED', `${this.port}: the serial port closed (board unplugged or reset?) before ${what}`, { hint: 'reconnect the board and try again' });
  }

  async waitForOutput(pattern: string | RegExp, timeoutMs = 5000): Promise<string> {
    this.check('waiting for output');
    const test = (): boolean => (typeof pattern === 'string' ? this.s.rx.includes(pattern) : pattern.test(this.s.rx));
    const start = Date.now();
    while (!test()) {
      if (Date.now() - start > timeoutMs) {
        throw new UserError('SERIAL_TIMEOUT', `${this.port}: ${String(pattern)} did not appear in the console output within ${timeoutMs} ms (last output: "${describeBytes(this.s.rx.slice(-80), 80)}")`);
      }
      if (this.s.closed) this.check('waiting for output');
      await sleep(20);
    }
    return this.s.rx;
  }

  /** Resolves when no byte has arrived for `settleMs` (after at least one arrived, or `maxMs`). */
  private async settle(settleMs: number, maxMs: number): Promise<string> {
    const start = this.s.rx.length;
    const t0 = Date.now();
    let len = this.s.rx.length;
    let quietSince = Date.now();
    while (Date.now() - t0 < maxMs) {
      await sleep(20);
      if (this.s.rx.length !== len) {
        len = this.s.rx.length;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= settleMs && (len > start || Date.now() - t0 >= settleMs * 3)) break;
    }
    return this.s.rx.slice(start);
  }

  expr<T = unknown>(expression: string, opts: { timeoutMs?: number } = {}): Promise<T> {
    return captured(this.s.log, () => this.exprImpl<T>(expression, opts));
  }

  private async exprImpl<T>(expression: string, opts: { timeoutMs?: number }): Promise<T> {
    this.check(`evaluating ${expression}`);
    const timeoutMs = opts.timeoutMs ?? 10000;
    const r = await withTimeout(
      new Promise<string | undefined>((res) => this.E.Core.Utils.executeExpression(expression, res)),
      timeoutMs,
      () => new UserError('SERIAL_TIMEOUT', `${this.port}: no answer to \`${expression}\` within ${timeoutMs} ms`, { hint: 'the board may be busy or have crashed: reset it and try again' }),
    );
    if (r === undefined) {
      throw new UserError('EXPR_NO_RESULT', `${this.port}: the board printed no result for \`${expression}\` (output: "${describeBytes(this.output().slice(-80), 80)}")`, {
        hint: 'check the expression on the board’s console; an exception on the board is printed as "Uncaught ..."',
      });
    }
    const text = r.trim();
    if (text === 'undefined') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UserError('EXPR_BAD_RESULT', `${this.port}: the result of \`${expression}\` is not JSON: "${describeBytes(text, 80)}"`);
    }
  }

  statement(code: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    return captured(this.s.log, () => this.statementImpl(code, opts));
  }

  private async statementImpl(code: string, opts: { timeoutMs?: number }): Promise<string> {
    this.check('running a statement');
    const timeoutMs = opts.timeoutMs ?? 10000;
    const r = await withTimeout(
      new Promise<string | undefined>((res) => this.E.Core.Utils.executeStatement(code, res)),
      timeoutMs,
      () => new UserError('SERIAL_TIMEOUT', `${this.port}: the statement did not finish within ${timeoutMs} ms`),
    );
    if (r === undefined) {
      throw new UserError('STATEMENT_FAILED', `${this.port}: the statement did not complete (output: "${describeBytes(this.output().slice(-120), 120)}")`, {
        hint: 'an exception on the board is printed as "Uncaught ..." in that output',
      });
    }
    return r;
  }

  sendCode(code: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    return captured(this.s.log, () => this.sendCodeImpl(code, opts));
  }

  private async sendCodeImpl(code: string, opts: { timeoutMs?: number }): Promise<string> {
    this.check('sending code');
    const timeoutMs = opts.timeoutMs ?? 60000;
    const start = this.s.rx.length;
    this.s.errors.length = 0;
    await withTimeout(
      new Promise<void>((res) => {
        this.E.callProcessor('transformForEspruino', code, (out) => {
          this.E.Core.CodeWriter.writeToEspruino(out as string, res);
        });
      }),
      timeoutMs,
      () => new UserError('SERIAL_TIMEOUT', `${this.port}: sending ${code.length} bytes of code took longer than ${timeoutMs} ms`),
    );
    if (this.s.errors.length) throw new UserError('SEND_FAILED', `${this.port}: ${this.s.errors.join('; ')}`);
    await this.settle(300, 5000);
    return this.s.rx.slice(start);
  }

  uploadToStorage(name: string, data: string | Uint8Array, opts: UploadOptions = {}): Promise<void> {
    return captured(this.s.log, () => this.uploadImpl(name, data, opts));
  }

  private async uploadImpl(name: string, data: string | Uint8Array, opts: UploadOptions): Promise<void> {
    this.check(`uploading ${name}`);
    if (name.length === 0 || name.length > 28) throw new UserError('STORAGE_NAME', `Storage file name "${name}" must be 1 to 28 characters (Espruino's limit)`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    const contents = bytes.toString('latin1');
    if (opts.protocol === 'packets') {
      await this.sendFilePackets(name, contents, opts);
      return;
    }
    const js = this.E.Core.Utils.getUploadFileCode(name, contents).replace(/\n/g, '\n\x10');
    const total = contents.length;
    let max = js.length;
    let sent = 0;
    this.s.progress = (n, m) => {
      if (m !== undefined) {
        max = m || max;
        sent = 0;
      } else sent += n;
      const fraction = Math.min(1, max ? sent / max : 0);
      opts.onProgress?.({ sent: Math.round(fraction * total), total, fraction });
    };
    // EspruinoTools pauses 250 ms after each Storage.write line (STORAGE_UPLOAD_METHOD 0) so boards without flow control keep up.
    const timeoutMs = opts.timeoutMs ?? 30000 + 400 * Math.ceil(total / 384);
    try {
      await this.statement(js, { timeoutMs });
    } finally {
      this.s.progress = undefined;
    }
    const len = await this.expr<number>(`(require("Storage").read(${JSON.stringify(name)})||"").length`);
    if (len !== total) {
      throw new UserError('UPLOAD_INCOMPLETE', `${this.port}: Storage file ${name} has ${len} bytes after the upload, expected ${total}`, {
        hint: 'the serial link lost data or Storage is full: check require("Storage").getFree() and try again',
      });
    }
    opts.onProgress?.({ sent: total, total, fraction: 1 });
  }

  private async sendFilePackets(name: string, contents: string, opts: UploadOptions): Promise<void> {
    const v = /^(\d+)v(\d+)/.exec(this.env.VERSION);
    if (!v || Number(v[1]) * 100 + Number(v[2]) < 225) {
      throw new UserError('UPLOAD_PROTOCOL', `${this.port}: Espruino ${this.env.VERSION} has no packet file transfer (added in 2v25)`, { hint: "upload with protocol 'repl' or update the firmware" });
    }
    const total = contents.length;
    const timeoutMs = opts.timeoutMs ?? 30000 + 200 * Math.ceil(total / 1024);
    await withTimeout(
      this.E.Core.Serial.connection
        .espruinoSendFile(name, contents, {
          progress: (sent, max) => {
            // EspruinoTools counts 100 for the FILE_SEND packet, then the file bytes.
            const bytes = Math.max(0, Math.min(total, sent - 100));
            opts.onProgress?.({ sent: bytes, total, fraction: max > 0 ? Math.min(1, sent / max) : 1 });
          },
        })
        .catch((e: unknown) => {
          throw new UserError('UPLOAD_FAILED', `${this.port}: packet upload of ${name} failed: ${String(e)}`, { hint: 'the board refused a packet (NAK) or did not acknowledge it in time; try protocol \'repl\'' });
        }),
      timeoutMs,
      () => new UserError('SERIAL_TIMEOUT', `${this.port}: packet upload of ${name} (${total} bytes) took longer than ${timeoutMs} ms`),
    );
    const len = await this.exprImpl<number>(`(require("Storage").read(${JSON.stringify(name)})||"").length`, {});
    if (len !== total) {
      throw new UserError('UPLOAD_INCOMPLETE', `${this.port}: Storage file ${name} has ${len} bytes after the upload, expected ${total}`);
    }
    opts.onProgress?.({ sent: total, total, fraction: 1 });
  }

  private restart(cmd: string, opts: { settleMs?: number; timeoutMs?: number }): Promise<string> {
    return captured(this.s.log, () => this.restartImpl(cmd, opts));
  }

  private async restartImpl(cmd: string, opts: { settleMs?: number; timeoutMs?: number }): Promise<string> {
    this.check(cmd);
    const start = this.s.rx.length;
    await withTimeout(
      // Serial.write only calls back for long writes with status shown; the connection's write resolves when sent.
      this.E.Core.Serial.connection.write(`\x10${cmd}\n`),
      opts.timeoutMs ?? 5000,
      () => new UserError('SERIAL_TIMEOUT', `${this.port}: could not send ${cmd}`),
    );
    await this.settle(opts.settleMs ?? 400, opts.timeoutMs ?? 5000);
    return this.s.rx.slice(start);
  }

  load(opts: { settleMs?: number; timeoutMs?: number } = {}): Promise<string> {
    return this.restart('load()', opts);
  }

  resetBoard(opts: { settleMs?: number; timeoutMs?: number } = {}): Promise<string> {
    return this.restart('reset();', opts);
  }

  async close(): Promise<void> {
    if (this.released) return;
    try {
      await captured(this.s.log, () => closeSerial(this.E, this.s));
    } finally {
      this.released = true;
      if (session === this.s) session = undefined;
      this.release();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------- one-shot helpers

async function withConnection<T>(port: string, opts: ConnectOptions, fn: (c: EspruinoConnection) => Promise<T>): Promise<T> {
  const c = await connect(port, opts);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** Connects, evaluates `expression`, closes. */
export function expr<T = unknown>(port: string, expression: string, opts: ConnectOptions = {}): Promise<T> {
  return withConnection(port, opts, (c) => c.expr<T>(expression));
}

/** process.env of the board on `port`. */
export function getEnv(port: string, opts: ConnectOptions = {}): Promise<BoardEnv> {
  return withConnection(port, opts, async (c) => c.env);
}

/** RAM upload (EspruinoTools' codeWriter, reset() first). Resolves with the board's output. */
export function sendCode(port: string, code: string, opts: ConnectOptions = {}): Promise<string> {
  return withConnection(port, opts, (c) => c.sendCode(code));
}

/** Writes `data` to Storage file `name` (and runs load() after it when `load` is set). */
export function uploadToStorage(
  port: string,
  name: string,
  data: string | Uint8Array,
  opts: ConnectOptions & { onProgress?: (p: UploadProgress) => void; load?: boolean; protocol?: 'repl' | 'packets' } = {},
): Promise<string> {
  return withConnection(port, opts, async (c) => {
    await c.uploadToStorage(name, data, { onProgress: opts.onProgress, protocol: opts.protocol });
    return opts.load ? c.load() : '';
  });
}

/** reset() on the board: RAM cleared, Storage kept. */
export function resetBoard(port: string, opts: ConnectOptions = {}): Promise<string> {
  return withConnection(port, opts, (c) => c.resetBoard());
}
