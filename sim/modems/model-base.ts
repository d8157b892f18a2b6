/**
 * Shared base of the simulator's modem models (Node side, not firmware). A model is a `UartPeer` (it
 * gets the MCU's bytes and answers on the UART line) and a `PinListener` (PWRKEY/RESET/wake levels).
 *
 * What the base does for every model:
 * - AT line parser: `AT`, basic commands (`ATE0`, `ATI`), extended `AT+X=…` (set), `AT+X?` (read),
 *   `AT+X=?` (test), `AT+X` (exec); command lines end with CR (V.250 §5.2.1 / 3GPP TS 27.007 §4).
 * - Echo (ATE0/ATE1; the echo is the command line + CR), V.250 response formatting (`\r\n<line>\r\n`,
 *   final `\r\nOK\r\n`), command latency drawn per command (BC660K real capture: 21–42 ms, modems.md).
 * - `>` prompt data mode for binary sends (exactly `len` bytes follow).
 * - URC emission (with the network's late/duplicated URC faults), boot banners after the boot delay.
 * - Power states reported to `ctx.power.state('modem', s)`: the keys of the board power tables
 *   (boards/*.ts): 'off', 'psm', 'sleep' (only boards that define it), 'idle', 'rx', 'tx'. A model
 *   lists the states its boards define; `setPower` maps a missing 'sleep' to 'idle'.
 * - Radio activity after user data: 'tx' for the airtime, then 'rx' (connected, RRC inactivity tail
 *   or ~1 s with release assistance), then 'idle' for the granted active time, then PSM.
 * - Faults for tests: hang (no response until reset, or forever), per-command forced errors,
 *   spontaneous reboot (network model), lost first AT after sleep (BC660K).
 *
 * Handlers are a table `name → (cmd, reply) => void`: the name is `+CEREG`, `E`, `` (plain AT) …;
 * `reply` collects lines and the final result, which go out together after the command latency.
 */
import type { PinListener, SimContext, UartLine, UartPeer } from '../core/types.ts';
import type { NetworkModel } from './network.ts';

export interface AtCommand {
  /** The command line as received (without CR). */
  raw: string;
  /** '+CEREG', 'E', '' (plain AT) … (upper case). */
  name: string;
  kind: 'exec' | 'set' | 'read' | 'test';
  /** Set arguments split at commas outside quotes, quotes removed; basic commands: their digits. */
  args: string[];
}

/** Parses one command line; null when it does not start with AT. */
export function parseAtCommand(raw: string): AtCommand | null {
  const line = raw.trim();
  if (!/^at/i.test(line)) return null;
  const body = line.slice(2);
  if (body === '') return { raw, name: '', kind: 'exec', args: [] };
  const c0 = body[0];
  if (c0 === '+' || c0 === '*' || c0 === '$' || c0 === '^' || c0 === '#') {
    const m = /^([+*$^#][A-Za-z0-9_&]+)(=\?|\?|=)?(.*)$/.exec(body);
    if (!m) return { raw, name: body.toUpperCase(), kind: 'exec', args: [] };
    const name = m[1].toUpperCase();
    if (m[2] === '=?') return { raw, name, kind: 'test', args: [] };
    if (m[2] === '?') return { raw, name, kind: 'read', args: [] };
    if (m[2] === '=') return { raw, name, kind: 'set', args: splitArgs(m[3]) };
    return { raw, name, kind: 'exec', args: m[3] ? splitArgs(m[3]) : [] };
  }
  // Basic command: one letter (or &+letter) and an optional number (V.250 §5.3.1).
  const m = /^(&?[A-Za-z])(\d*)(\?)?$/.exec(body);
  if (!m) return { raw, name: body.toUpperCase(), kind: 'exec', args: [] };
  return { raw, name: m[1].toUpperCase(), kind: m[3] ? 'read' : 'exec', args: m[2] ? [m[2]] : [] };
}

/** Splits `1,,,"0100 0001","x"` into ['1','','','0100 0001','x'] (quotes removed). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (const ch of s) {
    if (ch === '"') q = !q;
    else if (ch === ',' && !q) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** What a handler writes; sent after the command latency (+ any extra `delay`). */
export class Reply {
  lines: string[] = [];
  final: string | null = 'OK';
  /** Extra processing time before the response (e.g. a network procedure blocking the UART). */
  delayMs = 0;
  /** Lines sent later (relative to the response) — async results such as `+QIOPEN: 0,0`. */
  later: { ms: number; lines: string[] }[] = [];
  prompt: { len: number; onData: (data: Uint8Array) => void } | null = null;

  line(...l: string[]): this {
    this.lines.push(...l);
    return this;
  }
  ok(): this {
    this.final = 'OK';
    return this;
  }
  error(): this {
    this.final = 'ERROR';
    return this;
  }
  cme(code: number | string): this {
    this.final = `+CME ERROR: ${code}`;
    return this;
  }
  /** No final result now (it comes from `after`, or after the prompt data). */
  none(): this {
    this.final = null;
    return this;
  }
  after(ms: number, ...lines: string[]): this {
    this.later.push({ ms, lines });
    return this;
  }
  /** Sends `> ` and hands the next `len` bytes to onData (which may call model.send / model.urc). */
  expectData(len: number, onData: (data: Uint8Array) => void): this {
    this.prompt = { len, onData };
    this.final = null;
    return this;
  }
}

export type Handler = (cmd: AtCommand, r: Reply) => void;

export type ModemPowerState = 'off' | 'psm' | 'sleep' | 'idle' | 'rx' | 'tx';
export type PinRole = 'pwrkey' | 'reset' | 'wake' | 'powerEnable';

export interface ModelPins {
  pwrkey?: { pin: string; activeHigh: boolean };
  reset?: { pin: string; activeHigh: boolean };
  wake?: { pin: string; activeHigh: boolean };
  powerEnable?: { pin: string; activeHigh: boolean };
}

export interface ModelFaults {
  /** 'until-reset': silent until the next reset/power cycle; 'always': a dead module. */
  hang?: 'until-reset' | 'always';
  /** Command name → forced final result (e.g. { '+QIOPEN': '+CME ERROR: 566' }). */
  forceError?: Record<string, string>;
  /** Extra delay for async results (ms), e.g. a late `+QIOPEN:` or `SEND OK`. */
  asyncDelayMs?: number;
  /** Next send fails (`SEND FAIL` or the model's equivalent). */
  sendFail?: boolean;
}

export interface ModelOptions {
  ctx: SimContext;
  network: NetworkModel;
  pins?: ModelPins;
  /** Start powered and ready (skips the power-on pulse), e.g. for a REPL. */
  startOn?: boolean;
  /** Power component name for ctx.power (default 'modem'). */
  component?: string;
  /** Network time (+CCLK) at virtual time 0, ms since 1970 (default 2026-01-01, NETWORK_EPOCH_MS). */
  networkEpochMs?: number;
}

export interface ModelSpec {
  name: string;
  /** Command latency range (ms). */
  latencyMs: [number, number];
  /** From power-on (pulse end / reset release) to the UART answering (ms). */
  bootMs: number;
  /** Lines sent when the UART becomes ready (after bootMs). */
  banner: { afterMs: number; line: string }[];
  /** Power states the model's board power tables define. */
  states: ModemPowerState[];
}

type Life = 'off' | 'booting' | 'on' | 'psm' | 'sleep';

export abstract class ModemModelBase implements UartPeer, PinListener {
  protected line?: UartLine;
  protected readonly ctx: SimContext;
  readonly net: NetworkModel;
  readonly faults: ModelFaults = {};
  protected handlers: Record<string, Handler> = {};
  life: Life = 'off';
  echo = true;
  protected inbox = '';
  private dataMode: { len: number; buf: number[]; onData: (d: Uint8Array) => void } | null = null;
  private busyUntil = 0;
  private pins: ModelPins;
  private pinSince: Record<string, number> = {};
  /** Bumped at every reboot/power-off: scheduled callbacks of an older epoch are dropped. */
  protected epoch = 0;
  private powerState: string = '';
  private radioTimer = 0;
  /** Commands received (for statistics and the benchmark). */
  commands = 0;
  /** Reboots performed (reset, power cycle, spontaneous). */
  boots = 0;
  private readonly component: string;
  /** Network time (+CCLK) at virtual time 0, ms since 1970. */
  readonly networkEpochMs: number | undefined;

  constructor(
    readonly spec: ModelSpec,
    opts: ModelOptions,
  ) {
    this.networkEpochMs = opts.networkEpochMs;
    this.ctx = opts.ctx;
    this.net = opts.network;
    this.pins = opts.pins ?? {};
    this.component = opts.component ?? 'modem';
    this.setPower('off');
    if (opts.startOn) this.ctx.sched.after(0, () => this.powerUp('start'), `${spec.name}-start`);
  }

  // ---- UartPeer / PinListener ---------------------------------------------------------------------------

  attach(line: UartLine): void {
    this.line = line;
  }

  fromMcu(bytes: Uint8Array): void {
    if (this.dataMode) return this.takeData(bytes);
    const text = Buffer.from(bytes).toString('latin1');
    if (this.life === 'psm' || this.life === 'sleep') {
      this.wakeByUart(text);
      return;
    }
    if (this.life !== 'on' || this.faults.hang) return;
    this.inbox += text;
    for (;;) {
      const i = this.inbox.indexOf('\r');
      if (i < 0) break;
      const raw = this.inbox.slice(0, i).replace(/^\n+/, '');
      this.inbox = this.inbox.slice(i + 1);
      if (raw.trim() === '') continue;
      this.handleLine(raw);
      if (this.dataMode) {
        // Bytes after the command line in the same chunk are payload.
        const rest = Buffer.from(this.inbox.replace(/^\n/, ''), 'latin1');
        this.inbox = '';
        if (rest.length) this.takeData(new Uint8Array(rest));
        return;
      }
    }
  }

  onPin(pin: string, level: 0 | 1): void {
    for (const role of ['pwrkey', 'reset', 'wake', 'powerEnable'] as PinRole[]) {
      const p = this.pins[role];
      if (!p || p.pin !== pin) continue;
      const active = (level === 1) === p.activeHigh;
      const now = this.ctx.sched.now();
      if (active) this.pinSince[role] = now;
      else if (this.pinSince[role] !== undefined) {
        const held = now - this.pinSince[role];
        delete this.pinSince[role];
        this.onPulse(role, held);
      }
      this.onLevel(role, active);
      if (role === 'reset' && active) this.hold('reset');
      if (role === 'powerEnable') {
        if (active) this.onPulse('powerEnable', 0);
        else this.powerDown('supply removed');
      }
    }
  }

  // ---- model hooks --------------------------------------------------------------------------------------

  /** A control line was active for heldMs and released (model-specific timing rules). */
  protected abstract onPulse(role: PinRole, heldMs: number): void;
  /** A control line changed level (level-sensitive lines such as SIMCom DTR). */
  protected onLevel(_role: PinRole, _active: boolean): void {}
  /** UART bytes while in PSM/sleep (BC660K: they wake the module and are lost). */
  protected abstract wakeByUart(text: string): void;
  /** Called after each reboot/power-up: reset the model's session state. */
  protected abstract resetState(): void;

  // ---- power --------------------------------------------------------------------------------------------

  setPower(state: ModemPowerState): void {
    const s = this.spec.states.includes(state) ? state : state === 'sleep' ? 'idle' : state;
    if (s === this.powerState) return;
    this.powerState = s;
    this.ctx.power.state(this.component, s);
  }

  get power(): string {
    return this.powerState;
  }

  /** Held in reset: off until released. */
  protected hold(why: string): void {
    this.epoch++;
    this.life = 'off';
    this.dataMode = null;
    this.inbox = '';
    this.setPower('off');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'hold', why });
  }

  powerUp(why: string): void {
    this.epoch++;
    const epoch = this.epoch;
    this.life = 'booting';
    this.boots++;
    if (this.faults.hang === 'until-reset') this.faults.hang = undefined;
    this.echo = true;
    this.inbox = '';
    this.dataMode = null;
    this.busyUntil = 0;
    this.resetState();
    this.setPower('idle');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'boot', why });
    this.ctx.sched.after(this.spec.bootMs, () => {
      if (epoch !== this.epoch) return;
      this.life = 'on';
      for (const b of this.spec.banner) this.at(b.afterMs, () => this.emit([b.line]));
      this.scheduleSpontaneousReboot();
    }, `${this.spec.name}-boot`);
  }

  powerDown(why: string): void {
    this.epoch++;
    this.life = 'off';
    this.dataMode = null;
    this.inbox = '';
    this.setPower('off');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'off', why });
  }

  /** Reboot as the module does by itself (spontaneous or AT reset command). */
  reboot(why: string): void {
    this.powerUp(why);
  }

  private scheduleSpontaneousReboot(): void {
    const dt = this.net.nextRebootInMs();
    if (dt === undefined) return;
    this.at(dt, () => this.reboot('spontaneous'));
  }

  /**
   * Radio activity after user data (energy model): tx for airtimeMs, then rx (connected) for the RRC
   * inactivity tail (or 1 s with release assistance), then `afterConnected()` decides idle/PSM.
   */
  protected radio(airtimeMs: number, releaseAssist: boolean, afterConnected: () => void): void {
    const epoch = this.epoch;
    const id = ++this.radioTimer;
    this.setPower('tx');
    this.at(airtimeMs, () => {
      if (id !== this.radioTimer || epoch !== this.epoch) return;
      this.setPower('rx');
      this.at(releaseAssist ? 1000 : this.net.config.rrcInactivityMs, () => {
        if (id !== this.radioTimer || epoch !== this.epoch) return;
        this.setPower('idle');
        afterConnected();
      });
    });
  }

  /** Ends any connected tail at once (e.g. release assistance command). */
  protected cancelRadio(): void {
    this.radioTimer++;
  }

  // ---- output -------------------------------------------------------------------------------------------

  /** Runs fn dt ms from now unless the module rebooted or powered off meanwhile. */
  protected at(dt: number, fn: () => void): void {
    const epoch = this.epoch;
    this.ctx.sched.after(dt, () => {
      if (epoch === this.epoch) fn();
    }, `${this.spec.name}`);
  }

  /** Lines to the MCU, each as `\r\n<line>\r\n` (V.250 §5.7.1 with ATV1). */
  protected emit(lines: string[]): void {
    if (!this.line || !lines.length || this.life === 'off') return;
    this.line.toMcu(new Uint8Array(Buffer.from(lines.map((l) => `\r\n${l}\r\n`).join(''), 'latin1')));
  }

  protected raw(text: string): void {
    if (!this.line || this.life === 'off') return;
    this.line.toMcu(new Uint8Array(Buffer.from(text, 'latin1')));
  }

  /** An unsolicited result code, with the network's late and duplicate faults applied. */
  urc(line: string, delayMs = 0): void {
    const late = this.net.urcDelayMs();
    const dup = this.net.duplicateUrc();
    this.at(delayMs + late, () => {
      if (this.life !== 'on') return;
      this.emit([line]);
      if (dup) this.emit([line]);
    });
  }

  // ---- command processing -------------------------------------------------------------------------------

  private latency(): number {
    const [a, b] = this.spec.latencyMs;
    return a + this.ctx.rng.next() * (b - a);
  }

  protected handleLine(raw: string): void {
    this.commands++;
    const now = this.ctx.sched.now();
    if (this.echo) this.raw(raw + '\r');
    const cmd = parseAtCommand(raw);
    const r = new Reply();
    if (!cmd) r.error();
    else {
      const forced = this.faults.forceError?.[cmd.name];
      const h = this.handlers[cmd.name];
      if (forced) r.final = forced;
      else if (!h) r.error();
      else {
        try {
          h(cmd, r);
        } catch (e) {
          // A handler throws a Reply-ready CME code for bad arguments (e.g. '+CME ERROR: 50').
          if (typeof e === 'string') {
            r.lines = [];
            r.later = [];
            r.prompt = null;
            r.final = e;
          } else throw e;
        }
      }
    }
    const at = Math.max(now, this.busyUntil) + this.latency() + r.delayMs;
    this.busyUntil = at;
    this.at(at - now, () => {
      const out = [...r.lines];
      if (r.final !== null) out.push(r.final);
      this.emit(out);
      if (r.prompt) {
        this.raw('\r\n> ');
        this.dataMode = { len: r.prompt.len, buf: [], onData: r.prompt.onData };
      }
      for (const l of r.later) this.at(l.ms + (this.faults.asyncDelayMs ?? 0), () => this.emit(l.lines));
    });
  }

  private takeData(bytes: Uint8Array): void {
    const dm = this.dataMode!;
    let i = 0;
    while (i < bytes.length && dm.buf.length < dm.len) dm.buf.push(bytes[i++]);
    if (dm.buf.length < dm.len) return;
    this.dataMode = null;
    const data = new Uint8Array(dm.buf);
    this.at(this.latency(), () => dm.onData(data));
    if (i < bytes.length) this.fromMcu(bytes.slice(i));
  }
}

/** Throws a CME error out of a handler (caught by the base, sent as the final result). */
export function cme(code: number | string): never {
  throw `+CME ERROR: ${code}`;
}
