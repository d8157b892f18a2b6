/**
 * THE AT chat engine: every piece of imperative AT logic of the modem drivers lives here; the per-modem
 * files only hold dialogs as data. Modelled on Zephyr's modem_chat (subsys/modem/modem_chat.c): a
 * script is a list of steps `{ send, expect, timeoutMs }` with abort matches, and a URC table that is
 * checked on every received line, whatever command or script runs — also between a command's echo and
 * its final result (modems.md, "URCs can arrive anywhere").
 *
 * Runs on Espruino 2v29 (no async/await, no Map/Set, no spread/destructuring, functions declared
 * before use), in the simulator's engine and in Node tests with a virtual clock: the bus and the timers
 * come in the options object (ARCHITECTURE.md design rule 4).
 *
 * Line framing: bytes are cut into lines at CR or LF; empty lines are dropped; a partial line waits for
 * more bytes. A `>` prompt (no line end follows it) is recognised only while a command waits for one.
 * Echo: while a command runs, a line equal to the command text is its echo and is dropped (ATE1 or
 * before ATE0 took effect).
 *
 * Results: OK → resolve; ERROR, `+CME ERROR: <n|text>`, `+CMS ERROR: …` and the command's abort
 * matches → reject with a typed error (plain object, see errors below). An asynchronous result after
 * OK (`+QIOPEN: 0,0`, `SEND OK`, `+CAOPEN: 0,0`) is awaited with its own timeout (`then`).
 */

/** What the chat needs from a UART: Espruino's Serial object satisfies it. */
export interface ChatSerial {
  write(data: string): void;
  on(ev: 'data', fn: (d: string) => void): void;
  removeListener?(ev: 'data', fn: (d: string) => void): void;
}

/** setTimeout/clearTimeout pair; default: Espruino's globals. */
export interface ChatTimers {
  setTimeout(fn: () => void, ms: number): any;
  clearTimeout(id: any): void;
}

export interface ChatOptions {
  serial: ChatSerial;
  timers?: ChatTimers;
  /** Called with ('>', line) for bytes sent and ('<', line) for lines received. */
  log?: (dir: string, line: string) => void;
  /** Default command timeout in ms (Zephyr sim7080 uses 10 s; Quectel documents 300 ms for most). */
  timeoutMs?: number;
}

/** A typed error value (never an Error subclass: Espruino cannot extend Error). */
export interface ModemError {
  /** TIMEOUT | NO_RESPONSE | ERROR | CME | CMS | ABORT | CLOSED | BAD_ARG | BAD_RESPONSE | … */
  code: string;
  message: string;
  /** The AT command that failed, if any. */
  command?: string;
  /** `+CME ERROR: <n>` number (CMEE=1). */
  cme?: number;
  /** `+CME ERROR: <text>` (CMEE=2) or the abort line. */
  text?: string;
}

export function modemError(code: string, message: string, command?: string): ModemError {
  var e: ModemError = { code: code, message: message };
  if (command !== undefined) e.command = command;
  return e;
}

/** True for the plain-object errors this module family rejects with. */
export function isModemError(e: any): boolean {
  return !!e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string';
}

/** Async result awaited after OK (e.g. `+QIOPEN: 0,` with 60 s). */
export interface ThenSpec {
  /** Line prefixes that complete the command. */
  match: string[];
  /** Line prefixes that fail it (e.g. `SEND FAIL`). */
  abort?: string[];
  timeoutMs: number;
}

export interface CommandOptions {
  /** Prefixes of information lines that belong to this command's response (e.g. `+CEREG:`). */
  expect?: string[];
  timeoutMs?: number;
  /** Extra final lines that fail the command (startsWith match). */
  abort?: string[];
  /** Extra final lines that complete it like OK (e.g. `NORMAL POWER DOWN` of AT+CPOWD=1, sent without OK). */
  final?: string[];
  /** Async result after OK. */
  then?: ThenSpec;
  /** Binary/text payload written after the `>` prompt (each char one byte). */
  data?: string;
  /**
   * A response that carries raw bytes: header `prefix … sep` whose field `lenField` (parseArgs index)
   * gives the byte count that follows sep — `+CARECV: <len>,<data>` (sep ','), `+QIRD: <len>\r\n<data>`
   * (sep '\r\n'). The header goes to `lines`, the bytes to the result's `data`.
   */
  binary?: { prefix: string; sep: string; lenField: number };
}

export interface CommandResult {
  command: string;
  /** Information lines (matching `expect`, or any non-URC line while the command ran). */
  lines: string[];
  /** The final line: OK, or the async result line when `then` was given. */
  final: string;
  /** Raw bytes of a `binary` response (8-bit string). */
  data?: string;
}

/** A step of a script: dialogs as data (Zephyr modem_chat_script_chat). */
export interface ChatStep {
  /** Command text without CR; `{name}` placeholders are filled from the script's vars. */
  send?: string;
  expect?: string[];
  timeoutMs?: number;
  abort?: string[];
  then?: ThenSpec;
  /** Failures of this step are ignored (e.g. the lost first AT after BC660K sleep). */
  optional?: boolean;
  /** Repeat until success: `count` attempts, `delayMs` between them (sync `AT`). */
  retry?: { count: number; delayMs: number };
  /** Wait this long after the step (or, without `send`, just wait). */
  delayMs?: number;
  /** Key in the script result (default: the command text). */
  name?: string;
}

export interface ChatScript {
  name: string;
  steps: ChatStep[];
  /** Whole-script timeout in ms (Zephyr's script timeout_s). */
  timeoutMs?: number;
  /** Abort matches applied to every step. */
  abort?: string[];
}

interface Urc {
  prefix: string;
  fn: (line: string) => void;
}

interface Pending {
  data: string | undefined;
  cmd: string;
  opts: CommandOptions;
  lines: string[];
  phase: number;
  earlyAsync: string | null;
  promptSent: boolean;
  rxAtStart: number;
  timer: any;
  resolve: (r: CommandResult) => void;
  reject: (e: ModemError) => void;
}

function startsWithAny(line: string, list: string[] | undefined): boolean {
  if (!list) return false;
  for (var i = 0; i < list.length; i++) if (line.indexOf(list[i]) === 0) return true;
  return false;
}

/** Uppercase hex of bytes (for `AT+QISEND=0,3,"AABBCC"` and `+QIURC: "recv"` payloads). */
export function toHex(bytes: Uint8Array): string {
  var s = '';
  var digits = '0123456789ABCDEF';
  for (var i = 0; i < bytes.length; i++) s += digits.charAt(bytes[i] >> 4) + digits.charAt(bytes[i] & 15);
  return s;
}

/** Parses hex (either case) into bytes; throws a BAD_RESPONSE error value on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2) throw modemError('BAD_RESPONSE', 'hex payload has odd length ' + hex.length);
  var out = new Uint8Array(hex.length / 2);
  for (var i = 0; i < out.length; i++) {
    var hi = '0123456789ABCDEF'.indexOf(hex.charAt(2 * i).toUpperCase());
    var lo = '0123456789ABCDEF'.indexOf(hex.charAt(2 * i + 1).toUpperCase());
    if (hi < 0 || lo < 0) throw modemError('BAD_RESPONSE', 'bad hex digit at offset ' + (hi < 0 ? 2 * i : 2 * i + 1) + ' of payload');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Bytes → 8-bit string (what Espruino's Serial.write sends byte for byte). */
export function bytesToStr(bytes: Uint8Array): string {
  var s = '';
  for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** 8-bit string → bytes. */
export function strToBytes(s: string): Uint8Array {
  var out = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

/**
 * Splits a response line into its fields: the `+NAME:` prefix is removed, fields are separated by
 * commas outside double quotes, quotes are removed, surrounding blanks trimmed, empty fields kept as ''.
 * `+QENG: 0,1694,12,284,"022FE6CF",-92` → ['0','1694','12','284','022FE6CF','-92'].
 */
export function parseArgs(line: string): string[] {
  var body = line;
  if (line.charAt(0) === '+' || line.charAt(0) === '*') {
    var c = line.indexOf(':');
    if (c >= 0) body = line.substr(c + 1);
  }
  var out: string[] = [];
  var cur = '';
  var quoted = false;
  var wasQuoted = false;
  for (var i = 0; i < body.length; i++) {
    var ch = body.charAt(i);
    if (ch === '"') {
      if (!quoted && !wasQuoted) cur = ''; // blanks before the opening quote
      quoted = !quoted;
      wasQuoted = true;
    } else if (ch === ',' && !quoted) {
      out.push(wasQuoted ? cur : cur.trim());
      cur = '';
      wasQuoted = false;
    } else cur += ch;
  }
  if (quoted) throw modemError('BAD_RESPONSE', 'unterminated quote in "' + line + '"');
  out.push(wasQuoted ? cur : cur.trim());
  if (out.length === 1 && out[0] === '' && body.trim() === '') return [];
  return out;
}

/** Parses `+CME ERROR: 10` / `+CME ERROR: SIM not inserted` (TS 27.007 §9.2) into an error value. */
export function parseCmeError(line: string, command?: string): ModemError {
  var isCms = line.indexOf('+CMS ERROR:') === 0;
  var rest = line.substr(line.indexOf(':') + 1).trim();
  var e = modemError(isCms ? 'CMS' : 'CME', line, command);
  var n = parseInt(rest, 10);
  if (rest !== '' && String(n) === rest) e.cme = n;
  else e.text = rest;
  return e;
}

export class Chat {
  declare serial: ChatSerial;
  declare timers: ChatTimers;
  declare log: (dir: string, line: string) => void;
  declare defaultTimeoutMs: number;
  declare buf: string;
  declare urcs: Urc[];
  declare cur: Pending | null;
  declare queue: (() => void)[];
  /** Count of lines received (recovery uses it to tell "no response" from "wrong response"). */
  declare rxLines: number;
  /** Lines that matched no command and no URC (kept for diagnostics, last 20). */
  declare unknown: string[];
  declare onDataBound: (d: string) => void;
  /** Whether the last command that sends data saw its `>` prompt (tells "rejected" from "send failed"). */
  declare lastPrompt: boolean;

  constructor(opts: ChatOptions) {
    var g: any = globalThis;
    this.serial = opts.serial;
    this.timers = opts.timers || { setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
    this.log = opts.log || function () {};
    this.defaultTimeoutMs = opts.timeoutMs || 5000;
    this.buf = '';
    this.urcs = [];
    this.cur = null;
    this.queue = [];
    this.rxLines = 0;
    this.unknown = [];
    this.lastPrompt = false;
    var self = this;
    this.onDataBound = function (d: string) {
      self.onData(d);
    };
    this.serial.on('data', this.onDataBound);
  }

  /** Adds a URC handler: called for every line starting with `prefix`, at any time. */
  onUrc(prefix: string, fn: (line: string) => void): void {
    this.urcs.push({ prefix: prefix, fn: fn });
  }

  /** Removes the handlers registered for `prefix`. */
  offUrc(prefix: string): void {
    this.urcs = this.urcs.filter(function (u) {
      return u.prefix !== prefix;
    });
  }

  /** Detaches from the serial port and fails the running and queued commands with CLOSED. */
  close(): void {
    if (this.serial.removeListener) this.serial.removeListener('data', this.onDataBound);
    if (this.cur) this.finish(null, modemError('CLOSED', 'chat closed', this.cur.cmd));
    this.queue = [];
  }

  /** Drops any partial line (after a modem reboot or a wake-up with garbage on the line). */
  flush(): void {
    this.buf = '';
  }

  /** Writes raw text (no CR added). */
  write(data: string): void {
    this.log('>', data);
    this.serial.write(data);
  }

  /** Sends `cmd` + CR and resolves with its response; commands queue behind each other. */
  command(cmd: string, opts?: CommandOptions): Promise<CommandResult> {
    var self = this;
    var o: CommandOptions = opts || {};
    return new Promise<CommandResult>(function (resolve, reject) {
      var p: Pending = {
        data: undefined,
        cmd: cmd,
        opts: o,
        lines: [],
        phase: 1,
        earlyAsync: null,
        promptSent: false,
        rxAtStart: 0,
        timer: null,
        resolve: resolve,
        reject: reject,
      };
      self.queue.push(function () {
        self.begin(p);
      });
      if (!self.cur) self.next();
    });
  }

  /** Waits for a line with one of the prefixes (no command sent), e.g. `SMS Ready` after a reboot. */
  waitFor(prefixes: string[], timeoutMs: number): Promise<string> {
    var self = this;
    return new Promise<string>(function (resolve, reject) {
      var done = false;
      var u: Urc[] = [];
      function cleanup() {
        done = true;
        self.timers.clearTimeout(timer);
        self.urcs = self.urcs.filter(function (x) {
          return u.indexOf(x) < 0;
        });
      }
      var timer = self.timers.setTimeout(function () {
        if (done) return;
        cleanup();
        reject(modemError('TIMEOUT', 'no ' + prefixes.join(' or ') + ' within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      for (var i = 0; i < prefixes.length; i++) {
        u.push({
          prefix: prefixes[i],
          fn: function (line: string) {
            if (done) return;
            cleanup();
            resolve(line);
          },
        });
      }
      // Checked before the permanent URC table (unshift), so the waiter sees the line first.
      for (var j = 0; j < u.length; j++) self.urcs.unshift(u[j]);
    });
  }

  /** Resolves after ms on the chat's timers. */
  delay(ms: number): Promise<void> {
    var self = this;
    return new Promise<void>(function (resolve) {
      self.timers.setTimeout(resolve, ms);
    });
  }

  /**
   * Runs a script: its steps in order, with `{name}` placeholders filled from vars. Resolves with the
   * results by step name (or command text); rejects with the first failing step's error (the script
   * name is added to the message), or TIMEOUT when the whole script exceeds its timeoutMs.
   */
  run(script: ChatScript, vars?: { [k: string]: string | number }): Promise<{ [k: string]: CommandResult }> {
    var self = this;
    var results: { [k: string]: CommandResult } = {};
    var expired = false;
    var scriptTimer: any = null;
    function fill(s: string): string {
      if (!vars) return s;
      var keys = Object.keys(vars);
      for (var i = 0; i < keys.length; i++) s = s.split('{' + keys[i] + '}').join(String(vars[keys[i]]));
      return s;
    }
    function attempt(step: ChatStep, cmd: string, left: number): Promise<CommandResult> {
      var abort = (script.abort || []).concat(step.abort || []);
      return self.command(cmd, { expect: step.expect, timeoutMs: step.timeoutMs, abort: abort, then: step.then }).then(
        undefined,
        function (e: ModemError) {
          if (expired || left <= 1) throw e;
          return self.delay(step.retry ? step.retry.delayMs : 0).then(function () {
            return attempt(step, cmd, left - 1);
          });
        },
      );
    }
    function runStep(i: number): Promise<{ [k: string]: CommandResult }> {
      var step: ChatStep;
      var p: Promise<any>;
      var cmd: string;
      if (expired) return Promise.reject(modemError('TIMEOUT', 'script ' + script.name + ' exceeded ' + script.timeoutMs + ' ms'));
      if (i >= script.steps.length) return Promise.resolve(results);
      step = script.steps[i];
      if (step.send !== undefined) {
        cmd = fill(step.send);
        p = attempt(step, cmd, step.retry ? step.retry.count : 1).then(
          function (r: CommandResult) {
            results[step.name || cmd] = r;
          },
          function (e: ModemError) {
            if (step.optional && !expired) return;
            if (e.message.indexOf(script.name) !== 0) e.message = script.name + ': ' + e.message;
            throw e;
          },
        );
      } else p = Promise.resolve();
      return p
        .then(function () {
          return step.delayMs ? self.delay(step.delayMs) : undefined;
        })
        .then(function () {
          return runStep(i + 1);
        });
    }
    return new Promise(function (resolve, reject) {
      if (script.timeoutMs) {
        scriptTimer = self.timers.setTimeout(function () {
          expired = true;
          reject(modemError('TIMEOUT', 'script ' + script.name + ' exceeded ' + script.timeoutMs + ' ms'));
        }, script.timeoutMs);
      }
      runStep(0).then(
        function (r) {
          if (scriptTimer !== null) self.timers.clearTimeout(scriptTimer);
          resolve(r);
        },
        function (e) {
          if (scriptTimer !== null) self.timers.clearTimeout(scriptTimer);
          reject(e);
        },
      );
    });
  }

  // ---- internals -------------------------------------------------------------------------------------

  next(): void {
    var job = this.queue.shift();
    if (job) job();
  }

  begin(p: Pending): void {
    this.cur = p;
    this.lastPrompt = false;
    p.rxAtStart = this.rxLines;
    this.arm(p, p.opts.timeoutMs || this.defaultTimeoutMs);
    this.write(p.cmd + '\r');
  }

  arm(p: Pending, ms: number): void {
    var self = this;
    if (p.timer !== null) this.timers.clearTimeout(p.timer);
    p.timer = this.timers.setTimeout(function () {
      p.timer = null;
      if (self.cur !== p) return;
      var silent = self.rxLines === p.rxAtStart;
      var what = p.phase === 2 ? 'no ' + p.opts.then!.match.join(' or ') + ' after OK' : silent ? 'no response' : 'no final result';
      self.finish(null, modemError(silent && p.phase === 1 ? 'NO_RESPONSE' : 'TIMEOUT', p.cmd + ': ' + what + ' within ' + ms + ' ms', p.cmd));
    }, ms);
  }

  finish(r: CommandResult | null, e: ModemError | null): void {
    var p = this.cur;
    if (!p) return;
    if (p.timer !== null) this.timers.clearTimeout(p.timer);
    p.timer = null;
    this.cur = null;
    if (e) p.reject(e);
    else p.resolve(r!);
    this.next();
  }

  /** Cuts a `binary` response out of the buffer: 0 not one, 1 taken, 2 header seen but bytes missing. */
  takeBinary(p: Pending): number {
    var b = p.opts.binary!;
    var s = this.buf;
    var k = 0;
    var idx: number, n: number, header: string;
    while (k < s.length && (s.charAt(k) === '\r' || s.charAt(k) === '\n')) k++;
    if (s.length - k < b.prefix.length) return b.prefix.indexOf(s.substr(k)) === 0 && s.length > k ? 2 : 0;
    if (s.substr(k, b.prefix.length) !== b.prefix) return 0;
    idx = s.indexOf(b.sep, k + b.prefix.length);
    if (idx < 0) return 2;
    header = s.substr(k, idx - k);
    n = parseInt(parseArgs(header)[b.lenField], 10);
    if (isNaN(n) || n < 0) return 0;
    if (s.length < idx + b.sep.length + n) return 2;
    p.data = s.substr(idx + b.sep.length, n);
    this.buf = s.substr(idx + b.sep.length + n);
    this.log('<', header + ' [' + n + ' bytes]');
    this.rxLines++;
    p.lines.push(header);
    return 1;
  }

  onData(d: string): void {
    var cr: number, lf: number, i: number, p: Pending | null, line: string, bin: number;
    this.buf += d;
    for (;;) {
      p = this.cur;
      if (p && p.opts.binary && p.data === undefined && p.phase === 1) {
        bin = this.takeBinary(p);
        if (bin === 1) continue;
        if (bin === 2) return;
      }
      cr = this.buf.indexOf('\r');
      lf = this.buf.indexOf('\n');
      i = cr < 0 ? lf : lf < 0 ? cr : cr < lf ? cr : lf;
      if (i < 0) {
        p = this.cur;
        // `>` prompt: the modem waits for data without sending a line end (3GPP-style "> ").
        if (p && p.opts.data !== undefined && !p.promptSent && this.buf.trim() === '>') {
          this.buf = '';
          p.promptSent = true;
          this.lastPrompt = true;
          this.log('<', '>');
          this.rxLines++;
          this.write(p.opts.data);
        }
        return;
      }
      line = this.buf.substr(0, i);
      this.buf = this.buf.substr(i + 1);
      if (line.length) this.handleLine(line);
    }
  }

  handleLine(line: string): void {
    var p = this.cur;
    var o: CommandOptions;
    var ea: ModemError;
    var i: number;
    this.log('<', line);
    this.rxLines++;
    if (p) {
      o = p.opts;
      if (p.phase === 1) {
        if (line === p.cmd) return; // echo
        if (line === 'OK') {
          if (o.then) {
            if (p.earlyAsync !== null) return this.completeAsync(p, p.earlyAsync);
            p.phase = 2;
            this.arm(p, o.then.timeoutMs);
            return;
          }
          return this.finish({ command: p.cmd, lines: p.lines, final: 'OK', data: p.data }, null);
        }
        if (line === 'ERROR') return this.finish(null, modemError('ERROR', p.cmd + ': ERROR', p.cmd));
        if (startsWithAny(line, o.final)) return this.finish({ command: p.cmd, lines: p.lines, final: line, data: p.data }, null);
        if (line.indexOf('+CME ERROR:') === 0 || line.indexOf('+CMS ERROR:') === 0) return this.finish(null, parseCmeError(line, p.cmd));
        if (startsWithAny(line, o.abort)) {
          ea = modemError('ABORT', p.cmd + ': ' + line, p.cmd);
          ea.text = line;
          return this.finish(null, ea);
        }
        if (startsWithAny(line, o.expect)) {
          p.lines.push(line);
          return;
        }
        if (o.then && (startsWithAny(line, o.then.match) || startsWithAny(line, o.then.abort))) {
          p.earlyAsync = line;
          return;
        }
      } else {
        if (startsWithAny(line, o.then!.match) || startsWithAny(line, o.then!.abort)) return this.completeAsync(p, line);
        if (line.indexOf('+CME ERROR:') === 0) return this.finish(null, parseCmeError(line, p.cmd));
        if (startsWithAny(line, o.expect)) {
          p.lines.push(line);
          return;
        }
      }
    }
    for (i = 0; i < this.urcs.length; i++) {
      if (line.indexOf(this.urcs[i].prefix) === 0) {
        this.urcs[i].fn(line);
        return;
      }
    }
    if (p && p.phase === 1) {
      p.lines.push(line); // un-prefixed information text, e.g. the IMSI of AT+CIMI
      return;
    }
    this.unknown.push(line);
    if (this.unknown.length > 20) this.unknown.shift();
  }

  completeAsync(p: Pending, line: string): void {
    if (startsWithAny(line, p.opts.then!.abort)) {
      var e = modemError('ABORT', p.cmd + ': ' + line, p.cmd);
      e.text = line;
      return this.finish(null, e);
    }
    this.finish({ command: p.cmd, lines: p.lines, final: line }, null);
  }
}
