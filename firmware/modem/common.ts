/**
 * What every cellular modem driver shares: the `CellularModem` interface the node runtime uses,
 * capabilities as data (design rule 3), the options object the drivers receive (design rule 4), the
 * recovery policy, and `ModemDriver` — the base class holding the chat, the control pins, the receive
 * queue and the registration wait. Model files (bc660k.ts, sim7080g.ts, …) extend it with their
 * dialogs as data and a few methods. Espruino subset only (runs on the device).
 *
 * Errors: every failure rejects with a plain object `{ code, message, command? }` (chat.ts ModemError).
 * Codes: NO_RESPONSE (the modem said nothing — call recover()), TIMEOUT, ERROR, CME/CMS (+cme number
 * or text), ABORT (an abort line such as SEND FAIL), DENIED (registration rejected, stat 3),
 * NOT_REGISTERED (attach timed out), SOCKET (socket open/close failed, with the modem's error number),
 * SEND_FAIL, BACKOFF (recover() refused: wait `retryInMs`), NOT_SUPPORTED, BAD_ARG, BAD_RESPONSE, CLOSED.
 */
import { Chat, ChatSerial, ChatTimers, ChatScript, ChatStep, ModemError, modemError, strToBytes } from './chat.ts';
import { EdrxGrant, Registration, STEP_CCLK, STEP_CEDRXRDP, STEP_CEREG_READ, STEP_CFUN1, Signal, parseCclk, parseCedrxrdp, parseCereg, parseCeregLines, pickDigits, syncSteps } from './3gpp.ts';

/** Capabilities as data, for the node runtime, the CLI and the simulator. */
export interface Capabilities {
  psm: boolean;
  edrx: boolean;
  /** Release assistance (3GPP Rel-14 RAI) after the last exchange. */
  rai: boolean;
  udp: boolean;
  tcp: boolean;
  /** 'push': data arrives in the URC; 'read': a URC announces it, a command reads it. */
  receive: 'push' | 'read';
  /** Payloads travel as hex text in the AT command (vs binary after a `>` prompt). */
  hexPayload: boolean;
  /** Largest UDP payload one send accepts. */
  maxPayload: number;
}

/**
 * LTE Cat-1 family (EC200U, A7670): UDP and TCP, notify-then-read receive, binary payloads after a `>`
 * prompt, 1460-byte sends; PSM/eDRX/RAI unknown on these modules (reference/modems.md), so off.
 * A model file spreads this in and changes only what differs (design rule 3: families share a base).
 */
export var CAT1_CAPS: Capabilities = {
  psm: false,
  edrx: false,
  rai: false,
  udp: true,
  tcp: true,
  receive: 'read',
  hexPayload: false,
  maxPayload: 1460,
};

/** The module variants a driver serves, with how well each is documented. */
export type Variants = { [name: string]: { verified: boolean; note: string } };

export interface PinSpec {
  /** Espruino pin (D4) or its name ('D4'). */
  pin: any;
  activeHigh: boolean;
}

export interface ModemOptions {
  serial: ChatSerial;
  /** Default: Espruino's setTimeout/clearTimeout. */
  timers?: ChatTimers;
  /** Milliseconds clock for the recovery back-off. Default: Date.now. */
  now?: () => number;
  /** Default: Espruino's digitalWrite. */
  gpio?: { digitalWrite(pin: any, level: number): void };
  pins?: { pwrkey?: PinSpec; reset?: PinSpec; wake?: PinSpec };
  log?: (dir: string, line: string) => void;
  apn?: string;
  /**
   * Override the model's recovery limits. healthyResetMs: good health needed after a reboot before the
   * back-off schedule starts over (default 0: the first successful exchange resets it).
   */
  recovery?: { noResponseMs?: number; backoffMs?: number[]; healthyResetMs?: number };
}

export interface PsmGrant {
  /** Granted active time (T3324) and periodic TAU (T3412) in s; null = deactivated (PSM refused). */
  activeTimeS: number | null;
  tauS: number | null;
  activeTimeRaw: string;
  tauRaw: string;
}

export interface Identity {
  imei: string;
  imsi: string;
  iccid: string;
}

export interface ModemEvent {
  /** registration | reboot | sleep | wake | closed | ip */
  type: string;
  registration?: Registration;
  detail?: string;
}

/** The interface the node runtime uses; every method rejects with a ModemError value. */
export interface CellularModem {
  readonly model: string;
  readonly caps: Capabilities;
  /** Last registration seen (URC or read). */
  registration: Registration | null;
  /** PSM values the network granted (read back from +CEREG n=4), null until known. */
  psmGranted: PsmGrant | null;
  /** Requested vs granted are kept apart (nRF lte_lc lesson, modems.md). */
  psmRequested: { tauS: number; activeS: number } | null;
  /** eDRX in use as read back with AT+CEDRXRDP after requestEdrx(), null until known. */
  edrxGranted: EdrxGrant | null;
  powerOn(): Promise<void>;
  sync(): Promise<void>;
  init(): Promise<void>;
  attach(timeoutMs: number): Promise<Registration>;
  requestPsm(tauS: number, activeS: number): Promise<void>;
  /** value: the 4-bit eDRX cycle code of TS 24.008 Table 10.5.5.32. */
  requestEdrx(value: number): Promise<void>;
  openUdp(host: string, port: number): Promise<void>;
  send(data: Uint8Array, opts?: { releaseAssist?: boolean }): Promise<void>;
  receive(timeoutMs: number): Promise<Uint8Array>;
  /** Callback form of receive: every datagram goes to fn (null: back to the receive() queue). */
  onReceive(fn: ((d: Uint8Array) => void) | null): void;
  close(): Promise<void>;
  signal(): Promise<Signal>;
  identity(): Promise<Identity>;
  /** ms since 1970 UTC from the network clock, or null when the modem has none yet. */
  networkTime(): Promise<number | null>;
  sleep(): Promise<void>;
  wake(): Promise<void>;
  powerOff(): Promise<void>;
  /** Reboots per the recovery policy or rejects with BACKOFF { retryInMs }. */
  recover(): Promise<void>;
  onEvent(fn: (ev: ModemEvent) => void): void;
}

/**
 * Recovery policy (EC200U/EG915U TCP/IP Application Note: reboot the module when it does not respond
 * within the documented limits; back off between reboots 10 min, 30 min, 1 h). The first reboot is
 * immediate; each further reboot needs the next back-off to have passed since the previous reboot; a
 * successful exchange after a reboot resets the schedule.
 */
export class RecoveryPolicy {
  declare backoffMs: number[];
  declare reboots: number;
  declare lastRebootAt: number;
  declare resetAfterMs: number;
  constructor(backoffMs: number[], resetAfterMs?: number) {
    this.backoffMs = backoffMs;
    this.resetAfterMs = resetAfterMs || 0;
    this.reboots = 0;
    this.lastRebootAt = 0;
  }
  /** ms to wait before a reboot is allowed (0 = now). */
  waitMs(now: number): number {
    if (this.reboots === 0) return 0;
    var b = this.backoffMs[Math.min(this.reboots - 1, this.backoffMs.length - 1)];
    var left = this.lastRebootAt + b - now;
    return left > 0 ? left : 0;
  }
  rebooted(now: number): void {
    this.reboots++;
    this.lastRebootAt = now;
  }
  /**
   * The module answered: the schedule resets — at once by default, or (with `resetAfterMs` and `now`)
   * only once the last reboot is that long ago, so a module that answers after each reboot but hangs
   * again soon keeps backing off.
   */
  healthy(now?: number): void {
    if (!this.resetAfterMs || now === undefined || now - this.lastRebootAt >= this.resetAfterMs) this.reboots = 0;
  }
}

export var DEFAULT_BACKOFF_MS = [600000, 1800000, 3600000];

/** Base of every driver: chat, pins, receive queue, registration tracking, recovery. */
export class ModemDriver {
  declare model: string;
  declare caps: Capabilities;
  declare opts: ModemOptions;
  declare chat: Chat;
  declare timers: ChatTimers;
  declare now: () => number;
  declare registration: Registration | null;
  declare psmGranted: PsmGrant | null;
  declare psmRequested: { tauS: number; activeS: number } | null;
  declare edrxGranted: EdrxGrant | null;
  declare rxCallback: ((d: Uint8Array) => void) | null;
  declare policy: RecoveryPolicy;
  declare noResponseMs: number;
  declare rxQueue: Uint8Array[];
  declare rxWaiters: ((d: Uint8Array | null) => void)[];
  declare listeners: ((ev: ModemEvent) => void)[];
  declare regWaiters: ((r: Registration) => void)[];
  /** readUntilEmpty() state: a read loop is running / another pass was asked for. */
  declare reading: boolean;
  declare readAgain: boolean;

  constructor(model: string, caps: Capabilities, opts: ModemOptions, noResponseMs: number) {
    var g: any = globalThis;
    var self = this;
    this.model = model;
    this.caps = caps;
    this.opts = opts;
    this.timers = opts.timers || { setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
    this.now =
      opts.now ||
      function () {
        return Date.now();
      };
    this.chat = new Chat({ serial: opts.serial, timers: this.timers, log: opts.log, timeoutMs: 5000 });
    this.registration = null;
    this.psmGranted = null;
    this.psmRequested = null;
    this.edrxGranted = null;
    this.rxCallback = null;
    this.policy = new RecoveryPolicy((opts.recovery && opts.recovery.backoffMs) || DEFAULT_BACKOFF_MS, opts.recovery && opts.recovery.healthyResetMs);
    this.noResponseMs = (opts.recovery && opts.recovery.noResponseMs) || noResponseMs;
    this.rxQueue = [];
    this.reading = false;
    this.readAgain = false;
    this.rxWaiters = [];
    this.listeners = [];
    this.regWaiters = [];
    // +CEREG URC form (no <n>): registration changes and granted PSM timers (TS 27.007 §10.1.22).
    this.chat.onUrc('+CEREG:', function (line: string) {
      self.noteRegistration(parseCereg(line, false));
    });
  }

  onEvent(fn: (ev: ModemEvent) => void): void {
    this.listeners.push(fn);
  }

  emit(ev: ModemEvent): void {
    for (var i = 0; i < this.listeners.length; i++) this.listeners[i](ev);
  }

  noteRegistration(r: Registration): void {
    var w: ((r: Registration) => void)[];
    this.registration = r;
    if (r.activeTimeRaw !== undefined && r.tauRaw !== undefined) {
      this.psmGranted = { activeTimeS: r.activeTimeS as number | null, tauS: r.tauS as number | null, activeTimeRaw: r.activeTimeRaw, tauRaw: r.tauRaw };
    }
    this.emit({ type: 'registration', registration: r });
    if (r.registered || r.denied) {
      w = this.regWaiters;
      this.regWaiters = [];
      for (var i = 0; i < w.length; i++) w[i](r);
    }
  }

  /** Notes each +CEREG line of a read response (a URC may be among them, see ceregIsRead). */
  noteCereg(lines: string[]): void {
    var regs = parseCeregLines(lines);
    for (var i = 0; i < regs.length; i++) this.noteRegistration(regs[i]);
  }

  /** Runs a script; a success after a reboot resets the back-off schedule. */
  run(script: ChatScript, vars?: { [k: string]: string | number }) {
    var self = this;
    return this.chat.run(script, vars).then(function (r) {
      self.policy.healthy(self.now());
      return r;
    });
  }

  step(step: ChatStep, vars?: { [k: string]: string | number }) {
    return this.run({ name: step.name || step.send || 'step', steps: [step] }, vars).then(function (r) {
      var k = Object.keys(r);
      return r[k[0]];
    });
  }

  /** Holds a control line active for ms, then releases it. */
  pulse(spec: PinSpec | undefined, ms: number, what: string): Promise<void> {
    var self = this;
    var g: any = globalThis;
    var gpio = this.opts.gpio || { digitalWrite: g.digitalWrite };
    if (!spec) return Promise.reject(modemError('NOT_SUPPORTED', this.model + ': no ' + what + ' pin in the options'));
    gpio.digitalWrite(spec.pin, spec.activeHigh ? 1 : 0);
    return new Promise<void>(function (resolve) {
      self.timers.setTimeout(function () {
        gpio.digitalWrite(spec.pin, spec.activeHigh ? 0 : 1);
        resolve();
      }, ms);
    });
  }

  /** Drives a level line (SIMCom DTR) active or inactive; no-op without the pin. */
  level(spec: PinSpec | undefined, active: boolean): void {
    var g: any = globalThis;
    var gpio = this.opts.gpio || { digitalWrite: g.digitalWrite };
    if (spec) gpio.digitalWrite(spec.pin, active === spec.activeHigh ? 1 : 0);
  }

  delay(ms: number): Promise<void> {
    return this.chat.delay(ms);
  }

  /**
   * `AT` until OK for up to the model's no-response limit. Rejects with NO_RESPONSE (call recover())
   * when the modem stayed silent for the whole limit.
   */
  sync(): Promise<void> {
    var self = this;
    var perTry = 500;
    var attempts = Math.max(1, Math.ceil(this.noResponseMs / (perTry + 100)));
    this.chat.flush();
    return this.run({ name: 'sync', steps: syncSteps(attempts, perTry) }).then(
      function () {},
      function (e: ModemError) {
        throw modemError('NO_RESPONSE', self.model + ' did not answer AT for ' + self.noResponseMs + ' ms (' + e.message + '): call recover()', 'AT');
      },
    );
  }

  /** Network time from +CCLK (TS 27.007 §8.15), ms since 1970; null until the network has sent it. */
  networkTime(): Promise<number | null> {
    return this.step(STEP_CCLK).then(function (r) {
      return r.lines.length ? parseCclk(r.lines[0]) : null;
    });
  }

  /** IMEI, IMSI and ICCID from the model's identity script (its steps are named imei, imsi, iccid). */
  identityFrom(script: ChatScript): Promise<Identity> {
    return this.run(script).then(function (r) {
      return { imei: pickDigits(r.imei.lines, 'IMEI'), imsi: pickDigits(r.imsi.lines, 'IMSI'), iccid: pickDigits(r.iccid.lines, 'ICCID') };
    });
  }

  /**
   * Notify-then-read receive (EC200U AT+QIRD, A7670 AT+CIPRXGET=2): reads until a read returns no
   * bytes, delivering each datagram. One reader at a time; a notification during a read asks for
   * another pass.
   */
  readUntilEmpty(send: string, binary: { prefix: string; sep: string; lenField: number }): void {
    var self = this;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    this.readAgain = false;
    function loop() {
      self.chat.command(send, { timeoutMs: 5000, binary: binary, expect: [binary.prefix] }).then(
        function (r) {
          if (r.data !== undefined && r.data.length) {
            self.deliver(strToBytes(r.data));
            loop();
          } else if (self.readAgain) {
            self.readAgain = false;
            loop();
          } else self.reading = false;
        },
        function (e: ModemError) {
          self.reading = false;
          self.emit({ type: 'error', detail: e.message });
        },
      );
    }
    loop();
  }

  /** init(): the model's init script, then its APN step when the options name an APN. */
  initWith(script: ChatScript, apnStep: ChatStep): Promise<void> {
    var self = this;
    return this.run(script)
      .then(function () {
        if (self.opts.apn !== undefined) return self.step(apnStep, { apn: self.opts.apn });
      })
      .then(function () {});
  }

  /** After a power-up: drop what the boot printed, then sync (AT until OK) and init. */
  syncAndInit(poweredUp: Promise<any>): Promise<void> {
    var self = this;
    return poweredUp
      .then(function () {
        self.chat.flush();
        return self.sync();
      })
      .then(function () {
        return self.init();
      });
  }

  /** Implemented by each model: its init dialog. */
  init(): Promise<void> {
    return Promise.reject(modemError('NOT_SUPPORTED', this.model + ': no init dialog'));
  }

  /**
   * The attach every model shares (TS 27.007): radio on (AT+CFUN=1), wait for registration, then the
   * model's own bearer step if it has one (PDP context, NETOPEN, CNACT…); resolves with the registration.
   */
  attachWith(timeoutMs: number, pollMs: number, bearer?: () => Promise<any>): Promise<Registration> {
    var self = this;
    var reg: Registration;
    return this.step(STEP_CFUN1)
      .then(function () {
        return self.waitRegistered(timeoutMs, pollMs, STEP_CEREG_READ);
      })
      .then(function (r: Registration) {
        reg = r;
        if (bearer) return bearer();
      })
      .then(function () {
        return reg;
      });
  }

  /** Waits for a registered/denied +CEREG (URC), polling AT+CEREG? every pollMs as Zephyr does (2 s). */
  waitRegistered(timeoutMs: number, pollMs: number, readStep: ChatStep): Promise<Registration> {
    var self = this;
    var start = this.now();
    return new Promise<Registration>(function (resolve, reject) {
      var done = false;
      var pollTimer: any = null;
      function finish(r: Registration | null, e: ModemError | null) {
        if (done) return;
        done = true;
        self.timers.clearTimeout(timer);
        if (pollTimer !== null) self.timers.clearTimeout(pollTimer);
        self.regWaiters = self.regWaiters.filter(function (w) {
          return w !== onReg;
        });
        if (e) reject(e);
        else resolve(r!);
      }
      function onReg(r: Registration) {
        if (r.denied) {
          var e = modemError('DENIED', self.model + ': registration denied by the network (stat 3' + (r.rejectCause !== undefined ? ', cause ' + r.rejectCause : '') + ')', 'AT+CEREG?');
          finish(null, e);
        } else finish(r, null);
      }
      function poll() {
        pollTimer = null;
        self.step(readStep).then(
          function (res) {
            if (done) return;
            self.noteCereg(res.lines);
            if (!done) pollTimer = self.timers.setTimeout(poll, pollMs);
          },
          function (e: ModemError) {
            if (!done && e.code === 'NO_RESPONSE') finish(null, e);
            else if (!done) pollTimer = self.timers.setTimeout(poll, pollMs);
          },
        );
      }
      var timer = self.timers.setTimeout(function () {
        finish(null, modemError('NOT_REGISTERED', self.model + ': not registered after ' + (self.now() - start) + ' ms (last stat ' + (self.registration ? self.registration.stat : 'none') + ')', 'AT+CEREG?'));
      }, timeoutMs);
      self.regWaiters.push(onReg);
      poll();
    });
  }

  /** Received datagram: to the onReceive callback, a waiting receive() or the queue. */
  deliver(d: Uint8Array): void {
    var w: ((d: Uint8Array | null) => void) | undefined;
    if (this.rxCallback) return this.rxCallback(d);
    w = this.rxWaiters.shift();
    if (w) w(d);
    else this.rxQueue.push(d);
  }

  onReceive(fn: ((d: Uint8Array) => void) | null): void {
    var q: Uint8Array | undefined;
    this.rxCallback = fn;
    while (fn && (q = this.rxQueue.shift())) fn(q);
  }

  /** Reads the eDRX grant (AT+CEDRXRDP) into edrxGranted; drivers call it after AT+CEDRXS. */
  readEdrx(): Promise<EdrxGrant | null> {
    var self = this;
    return this.step(STEP_CEDRXRDP).then(function (r) {
      self.edrxGranted = r.lines.length ? parseCedrxrdp(r.lines[0]) : null;
      return self.edrxGranted;
    });
  }

  receive(timeoutMs: number): Promise<Uint8Array> {
    var self = this;
    var q = this.rxQueue.shift();
    if (q) return Promise.resolve(q);
    return new Promise<Uint8Array>(function (resolve, reject) {
      var timer: any;
      function got(d: Uint8Array | null) {
        self.timers.clearTimeout(timer);
        if (d) resolve(d);
        else reject(modemError('CLOSED', self.model + ': socket closed while receiving'));
      }
      timer = self.timers.setTimeout(function () {
        self.rxWaiters = self.rxWaiters.filter(function (w) {
          return w !== got;
        });
        reject(modemError('TIMEOUT', self.model + ': no datagram within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      self.rxWaiters.push(got);
    });
  }

  /** Fails pending receive() calls (socket closed by the modem or the network). */
  dropReceivers(): void {
    var w = this.rxWaiters;
    this.rxWaiters = [];
    for (var i = 0; i < w.length; i++) w[i](null);
  }

  /**
   * Recovery: reboots the modem (the model's `reboot()`: RESET or PWRKEY cycle) when the policy
   * allows it, else rejects with BACKOFF and `retryInMs`.
   */
  recover(): Promise<void> {
    var self = this;
    var wait = this.policy.waitMs(this.now());
    var e: any;
    if (wait > 0) {
      e = modemError('BACKOFF', this.model + ': reboot ' + (this.policy.reboots + 1) + ' not before ' + Math.ceil(wait / 1000) + ' s (back-off)');
      e.retryInMs = wait;
      return Promise.reject(e);
    }
    this.policy.rebooted(this.now());
    this.emit({ type: 'reboot', detail: 'recovery reboot ' + this.policy.reboots });
    this.chat.flush();
    this.registration = null;
    return this.reboot();
  }

  /** Model-specific hardware reboot; overridden. */
  reboot(): Promise<void> {
    return Promise.reject(modemError('NOT_SUPPORTED', this.model + ': no reboot'));
  }
}
