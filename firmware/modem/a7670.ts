/**
 * SIMCom A7670 (LTE Cat-1, A76xx family) driver, with the A7672 as a variant: dialogs as data + a small
 * class over ModemDriver (common.ts). Facts: modems.md "SIMCom A7670 / A7672" (sources: TinyGSM
 * TinyGsmClientA7672x.h, real logs test data a7670-1/-4 from LilyGo-Modem-Series issues 79 and 332):
 * - boot URCs `*ATREADY: 1`, `+CPIN: READY`, `SMS DONE`, `PB DONE`; the SIM may answer
 *   `+CME ERROR: SIM failure` before `+CPIN: READY` arrives (tolerated: STEP_CPIN retries); `+MSTK:`
 *   (SIM toolkit) URCs may appear anywhere and are ignored;
 * - bearer `AT+CGDCONT=1,"IP","<apn>"`, `AT+CGACT=1,1`, `AT+CGATT=1`, then `AT+NETOPEN` → OK,
 *   `+NETOPEN: 0`. Quirk: with CGACT failing (`+CGEV: ME PDN DEACT 1`) NETOPEN still returned
 *   `+NETOPEN: 0` — so the driver checks the address (`AT+IPADDR`) and reports BEARER when there is none;
 * - sockets ≤ 10; manual receive `AT+CIPRXGET=1`: `+CIPRXGET: 1,<id>` announces data, `AT+CIPRXGET=2,
 *   <id>,<len>` → `+CIPRXGET: 2,<id>,<read_len>,<rest_len>` CR LF + bytes (TinyGSM modemRead; ≤ 1460
 *   per read); `+IPCLOSE: <id>,<reason>`; `AT+CIPCLOSE=<id>`;
 * - UDP: the UDP form of CIPOPEN is UNVERIFIED on the A7670 (modems.md). This driver uses the form of
 *   SIMCom's SIM7500/SIM7600 TCP/IP command set, which the A76xx set follows for TCP:
 *   `AT+CIPOPEN=<id>,"UDP",,,<local_port>` → OK, `+CIPOPEN: <id>,<err>` (≤ 75 s, TinyGSM's connect
 *   timeout), and each send names the peer: `AT+CIPSEND=<id>,<len>,"<host>",<port>` → `>` → data → OK.
 *   Check it against the module's AT manual before relying on it;
 * - signal `AT+CSQ`, `AT+CPSI?`; ICCID `AT+CICCID` → `+ICCID:`; sleep `AT+CSCLK=1` + DTR high (the board's
 *   wake line), off `AT+CPOF`, reset `AT+CRESET`; PSM/eDRX support: unknown → capabilities false.
 * A7672: assumed to be the same as the A7670 (unverified).
 * Assumptions (marked): no documented no-response limit — 60 s (the Quectel app-note figure), the same
 * back-off; boot to `*ATREADY` within 15 s; NETOPEN result within 120 s; `+CPSI` LTE signal fields in
 * tenths of a dB as in the SIM7600 manual; a 3 s PWRKEY pulse switches a running module off.
 * Espruino subset only (runs on the device).
 */
import { ChatScript, ChatStep, ModemError, bytesToStr, modemError, parseArgs } from './chat.ts';
import { INIT_STEPS, Registration, STEP_CGSN, STEP_CIMI, STEP_CSQ, Signal, parseCsq } from './3gpp.ts';
import { CAT1_CAPS, Capabilities, CellularModem, Identity, ModemDriver, ModemOptions, Variants, PinSpec } from './common.ts';

export var A7670_CAPS: Capabilities = CAT1_CAPS;

export var A7670_VARIANTS: Variants = {
  A7670: { verified: true, note: 'TinyGSM A7672x driver, LilyGO logs; UDP socket form unverified' },
  A7672: { verified: false, note: 'assumed identical to the A7670 (unverified)' },
};

export var A7670_TIMING = {
  /** LilyGO T-A7670 examples: PWRKEY LOW → HIGH 100 ms → LOW; RESET held 2600 ms (boards/lilygo-t-a7670.ts). */
  pwrkeyOnMs: 100,
  pwrkeyOffMs: 3000,
  resetPulseMs: 2600,
  supplyOffMs: 1000,
  bootWaitMs: 15000,
  noResponseMs: 60000,
  netopenTimeoutMs: 120000,
  cipopenTimeoutMs: 75000,
  closeTimeoutMs: 10000,
  sendTimeoutMs: 10000,
  registrationPollMs: 2000,
  wakeSettleMs: 50,
};

var CID = 1;
var SOCKET = 0;
var READ_MAX = 1460;
/** First port of the dynamic range (IANA, RFC 6335 §6): the local port of the UDP socket by default. */
var DEFAULT_LOCAL_PORT = 49152;

export var A7670_CEREG2: ChatStep = { send: 'AT+CEREG=2', timeoutMs: 1000 };
export var A7670_INIT: ChatScript = {
  name: 'a7670-init',
  timeoutMs: 60000,
  steps: INIT_STEPS.concat([A7670_CEREG2]),
};
export var A7670_APN: ChatStep = { send: 'AT+CGDCONT=' + CID + ',"IP","{apn}"', timeoutMs: 2000 };
/** Bearer after registration (modems.md order). CGACT is optional: the quirk above. */
export var A7670_BEARER: ChatScript = {
  name: 'a7670-bearer',
  steps: [
    { send: 'AT+CGACT=1,' + CID, timeoutMs: 20000, optional: true },
    { send: 'AT+CGATT=1', timeoutMs: 20000 },
    { send: 'AT+CIPRXGET=1', timeoutMs: 1000 },
  ],
};
export var A7670_NETOPEN_READ: ChatStep = { send: 'AT+NETOPEN?', expect: ['+NETOPEN:'], timeoutMs: 2000, name: 'netopen?' };
export var A7670_NETOPEN: ChatStep = { send: 'AT+NETOPEN', timeoutMs: 2000, then: { match: ['+NETOPEN:'], timeoutMs: A7670_TIMING.netopenTimeoutMs } };
export var A7670_IPADDR: ChatStep = { send: 'AT+IPADDR', expect: ['+IPADDR:'], timeoutMs: 2000, name: 'ipaddr' };
export var A7670_OPEN: ChatStep = {
  send: 'AT+CIPOPEN=' + SOCKET + ',"UDP",,,{lport}',
  timeoutMs: 2000,
  then: { match: ['+CIPOPEN:'], timeoutMs: A7670_TIMING.cipopenTimeoutMs },
};
export var A7670_CLOSE: ChatStep = { send: 'AT+CIPCLOSE=' + SOCKET, timeoutMs: 2000, then: { match: ['+CIPCLOSE:'], timeoutMs: A7670_TIMING.closeTimeoutMs } };
export var A7670_CPSI: ChatStep = { send: 'AT+CPSI?', expect: ['+CPSI:'], timeoutMs: 2000, name: 'cpsi' };
export var A7670_IDENTITY: ChatScript = {
  name: 'a7670-identity',
  steps: [STEP_CGSN, STEP_CIMI, { send: 'AT+CICCID', expect: ['+ICCID:'], timeoutMs: 2000, name: 'iccid' }],
};

/** `+CIPOPEN: <id>,<err>` / `+NETOPEN: <err>` / `+CIPCLOSE: <id>,<err>`: the last field as a number. */
export function parseResultCode(line: string): number {
  var a = parseArgs(line);
  var v = parseInt(a[a.length - 1], 10);
  if (isNaN(v)) throw modemError('BAD_RESPONSE', 'no result code in "' + line + '"');
  return v;
}

/** `+CIPRXGET: 1,<id>` (data waiting) or a read header `+CIPRXGET: 2,<id>,<read>,<rest>`. */
export function parseCiprxget(line: string): { mode: number; socket: number; readLen?: number; restLen?: number } {
  var a = parseArgs(line);
  var mode = parseInt(a[0], 10);
  var out: { mode: number; socket: number; readLen?: number; restLen?: number } = { mode: mode, socket: parseInt(a[1], 10) };
  if (isNaN(mode) || isNaN(out.socket)) throw modemError('BAD_RESPONSE', 'unexpected +CIPRXGET line "' + line + '"');
  if (a.length > 2) out.readLen = parseInt(a[2], 10);
  if (a.length > 3) out.restLen = parseInt(a[3], 10);
  return out;
}

/** `+IPCLOSE: <id>,<reason>`. */
export function parseIpclose(line: string): { socket: number; reason: number } {
  var a = parseArgs(line);
  var id = parseInt(a[0], 10);
  if (isNaN(id)) throw modemError('BAD_RESPONSE', 'unexpected +IPCLOSE line "' + line + '"');
  return { socket: id, reason: parseInt(a[1], 10) };
}

/**
 * `+CPSI: LTE,Online,<mcc>-<mnc>,<tac>,<cellid>,<pcid>,<band>,<earfcn>,<dlbw>,<ulbw>,<rsrq>,<rsrp>,<rssi>,
 * <rssnr>`; RSRQ/RSRP/RSSI in tenths of a dB (SIM7600 manual form, assumed for the A7670). Any other
 * system mode (`NO SERVICE`, GSM) → nulls.
 */
export function parseCpsi(line: string): Signal {
  var a = parseArgs(line);
  if (a.length < 14 || a[0] !== 'LTE') return { rssiDbm: null, rsrpDbm: null, rsrqDb: null, sinrDb: null };
  return {
    rssiDbm: parseInt(a[12], 10) / 10,
    rsrpDbm: parseInt(a[11], 10) / 10,
    rsrqDb: parseInt(a[10], 10) / 10,
    sinrDb: parseInt(a[13], 10),
    cellId: a[4],
  };
}

/** `+MSTK: …` (SIM toolkit), `SMS DONE`, `PB DONE`, `+CPIN: READY` after boot: lines the driver ignores. */
export var A7670_IGNORED_URCS = ['+MSTK:', 'SMS DONE', 'PB DONE', '+CPIN:', '+CIPSEND:', 'DATA ACCEPT:'];

export interface A7670Options extends ModemOptions {
  /** As ModemOptions.pins, plus the board's modem supply switch (boards/schema.ts ModemDef.powerEnable). */
  pins?: { pwrkey?: PinSpec; reset?: PinSpec; wake?: PinSpec; powerEnable?: PinSpec };
  /** 'A7670' (default) or 'A7672' (unverified). */
  variant?: string;
  /**
   * Board switch that powers the module (LilyGO T-A7670: BOARD_POWERON_PIN, active high); same as
   * pins.powerEnable.
   */
  powerEnable?: PinSpec;
  /** Local port of the UDP socket (default 49152). */
  localPort?: number;
}

export class A7670 extends ModemDriver implements CellularModem {
  declare variant: string;
  declare netOpen: boolean;
  declare remote: { host: string; port: number } | null;
  declare localPort: number;
  declare powerEnable: PinSpec | undefined;

  constructor(opts: A7670Options) {
    var variant = opts.variant || 'A7670';
    if (!A7670_VARIANTS[variant]) throw modemError('BAD_ARG', 'A7670 driver: unknown variant "' + variant + '" (A7670, A7672)');
    super(variant, A7670_CAPS, opts, A7670_TIMING.noResponseMs);
    var self = this;
    this.variant = variant;
    this.netOpen = false;
    this.remote = null;
    this.localPort = opts.localPort || DEFAULT_LOCAL_PORT;
    this.powerEnable = opts.powerEnable || (opts.pins ? opts.pins.powerEnable : undefined);
    for (var i = 0; i < A7670_IGNORED_URCS.length; i++) this.chat.onUrc(A7670_IGNORED_URCS[i], function () {});
    this.chat.onUrc('*ATREADY:', function (line: string) {
      self.lost();
      self.emit({ type: 'reboot', detail: line });
    });
    this.chat.onUrc('+CIPRXGET:', function (line: string) {
      var u: { mode: number; socket: number };
      try {
        u = parseCiprxget(line);
      } catch (e) {
        self.emit({ type: 'error', detail: (e as ModemError).message });
        return;
      }
      if (u.mode === 1) self.readAll(u.socket);
    });
    this.chat.onUrc('+IPCLOSE:', function (line: string) {
      self.remote = null;
      self.dropReceivers();
      self.emit({ type: 'closed', detail: line });
    });
    // SIM7600-family form `+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY`: the bearer is gone.
    this.chat.onUrc('+CIPEVENT:', function (line: string) {
      self.lost();
      self.emit({ type: 'closed', detail: line });
    });
    this.chat.onUrc('+CGEV:', function (line: string) {
      if (line.indexOf('DEACT') >= 0) self.emit({ type: 'closed', detail: line });
    });
  }

  /** The module rebooted or the network closed: socket and bearer state are gone. */
  lost(): void {
    this.netOpen = false;
    this.remote = null;
    this.dropReceivers();
  }

  /** Reads with AT+CIPRXGET=2 until a read returns no bytes (manual receive mode). */
  readAll(socket: number): void {
    this.readUntilEmpty('AT+CIPRXGET=2,' + socket + ',' + READ_MAX, { prefix: '+CIPRXGET: 2,', sep: '\r\n', lenField: 2 });
  }

  /** Supply on (if switched), then PWRKEY 100 ms unless the module already answers; waits for `*ATREADY`. */
  powerOn(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    this.level(this.powerEnable, true);
    return this.step({ send: 'AT', timeoutMs: 500 }).then(
      function () {},
      function () {
        var ready = self.chat.waitFor(['*ATREADY'], A7670_TIMING.bootWaitMs).then(
          function () {},
          function () {},
        );
        return self.pulse(pins.pwrkey, A7670_TIMING.pwrkeyOnMs, 'PWRKEY').then(function () {
          return ready;
        });
      },
    );
  }

  /**
   * Recovery reboot, by the strongest means wired: RESET (2600 ms), else a supply cycle + PWRKEY, else a
   * PWRKEY off (3 s, assumption) + on pulse. Then sync and init.
   */
  reboot(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    var ready = this.chat.waitFor(['*ATREADY'], A7670_TIMING.resetPulseMs + A7670_TIMING.supplyOffMs + A7670_TIMING.pwrkeyOffMs + A7670_TIMING.bootWaitMs).then(
      function () {},
      function () {},
    );
    var first: Promise<void>;
    this.lost();
    if (pins.reset) first = this.pulse(pins.reset, A7670_TIMING.resetPulseMs, 'RESET');
    else if (this.powerEnable) {
      this.level(this.powerEnable, false);
      first = this.delay(A7670_TIMING.supplyOffMs).then(function () {
        self.level(self.powerEnable, true);
        return self.pulse(pins.pwrkey, A7670_TIMING.pwrkeyOnMs, 'PWRKEY');
      });
    } else
      first = this.pulse(pins.pwrkey, A7670_TIMING.pwrkeyOffMs, 'PWRKEY').then(function () {
        return self.pulse(pins.pwrkey, A7670_TIMING.pwrkeyOnMs, 'PWRKEY');
      });
    return this.syncAndInit(
      first.then(function () {
        return ready;
      }),
    );
  }

  /** Echo off, numeric errors, SIM (SIM failure before READY tolerated), CEREG=2, APN of context 1. */
  init(): Promise<void> {
    return this.initWith(A7670_INIT, A7670_APN);
  }

  /** CFUN=1, wait for registration (URC or 2 s polling), then the bearer (CGACT, CGATT, NETOPEN). */
  attach(timeoutMs: number): Promise<Registration> {
    var self = this;
    return this.attachWith(timeoutMs, A7670_TIMING.registrationPollMs, function () {
      return self.bearer();
    });
  }

  /** CGACT/CGATT/CIPRXGET=1, NETOPEN unless open, then the address check (the NETOPEN quirk). */
  bearer(): Promise<string> {
    var self = this;
    return this.run(A7670_BEARER)
      .then(function () {
        return self.step(A7670_NETOPEN_READ);
      })
      .then(function (r) {
        if (r.lines.length && parseResultCode(r.lines[0]) === 1) return;
        return self.step(A7670_NETOPEN).then(function (n) {
          var err = parseResultCode(n.final);
          var e: ModemError;
          if (err !== 0) {
            e = modemError('BEARER', self.model + ': AT+NETOPEN failed with +NETOPEN: ' + err, 'AT+NETOPEN');
            e.cme = err;
            throw e;
          }
        });
      })
      .then(function () {
        return self.step(A7670_IPADDR).then(
          function (r) {
            var addr = r.lines.length ? parseArgs(r.lines[0])[0] : '';
            if (addr === '' || addr === '0.0.0.0') throw modemError('BEARER', self.model + ': NETOPEN reported success but the PDP context has no address', 'AT+IPADDR');
            self.netOpen = true;
            self.emit({ type: 'ip', detail: addr });
            return addr;
          },
          function (e: ModemError) {
            if (e.code === 'NO_RESPONSE') throw e;
            throw modemError('BEARER', self.model + ': NETOPEN reported success but the PDP context is not active (' + e.message + ')', 'AT+IPADDR');
          },
        );
      });
  }

  requestPsm(tauS: number, activeS: number): Promise<void> {
    this.psmRequested = { tauS: tauS, activeS: activeS };
    return Promise.reject(modemError('NOT_SUPPORTED', this.model + ': PSM support of this module is unknown (capabilities.psm false)'));
  }

  requestEdrx(value: number): Promise<void> {
    void value;
    return Promise.reject(modemError('NOT_SUPPORTED', this.model + ': eDRX support of this module is unknown (capabilities.edrx false)'));
  }

  /**
   * UDP socket 0 (UNVERIFIED form, see top), opening the network first when needed. A non-zero
   * `+CIPOPEN` result is retried once after AT+CIPCLOSE (a socket left open by an earlier session), then
   * rejected as SOCKET with the result in `cme`.
   */
  openUdp(host: string, port: number): Promise<void> {
    var self = this;
    function open(retry: boolean): Promise<void> {
      return self.step(A7670_OPEN, { lport: self.localPort }).then(function (r) {
        var err = parseResultCode(r.final);
        var e: ModemError;
        if (err === 0) {
          self.remote = { host: host, port: port };
          return;
        }
        if (retry)
          return self.step(A7670_CLOSE).then(
            function () {
              return open(false);
            },
            function () {
              return open(false);
            },
          );
        e = modemError('SOCKET', self.model + ': UDP socket for ' + host + ':' + port + ' failed with +CIPOPEN error ' + err, 'AT+CIPOPEN');
        e.cme = err;
        throw e;
      });
    }
    return (this.netOpen ? Promise.resolve('') : this.bearer()).then(function () {
      return open(true);
    });
  }

  /** CIPSEND to the socket's peer with `>` and binary data → OK; ERROR after the data → SEND_FAIL. */
  send(data: Uint8Array, opts?: { releaseAssist?: boolean }): Promise<void> {
    var self = this;
    var r = this.remote;
    void opts; // no release assistance on this module (capabilities: rai false)
    if (data.length === 0 || data.length > A7670_CAPS.maxPayload) return Promise.reject(modemError('BAD_ARG', this.model + ': payload must be 1..' + A7670_CAPS.maxPayload + ' bytes, got ' + data.length));
    if (!r) return Promise.reject(modemError('CLOSED', this.model + ': no open UDP socket (call openUdp first)', 'AT+CIPSEND'));
    return this.chat.command('AT+CIPSEND=' + SOCKET + ',' + data.length + ',"' + r.host + '",' + r.port, { data: bytesToStr(data), timeoutMs: A7670_TIMING.sendTimeoutMs }).then(
      function () {
        self.policy.healthy();
      },
      function (e: ModemError) {
        if (e.code === 'ERROR' && self.chat.lastPrompt) {
          e.code = 'SEND_FAIL';
          e.message = self.model + ': send failed after the data was written (' + e.message + ')';
        }
        throw e;
      },
    );
  }

  close(): Promise<void> {
    var self = this;
    return this.step(A7670_CLOSE).then(function () {
      self.remote = null;
      self.dropReceivers();
    });
  }

  /** CSQ for RSSI, CPSI for RSRP/RSRQ/SINR and the cell id. */
  signal(): Promise<Signal> {
    var self = this;
    return this.step(STEP_CSQ).then(function (q) {
      var s = parseCsq(q.lines[0]);
      return self.step(A7670_CPSI).then(function (c) {
        var p = parseCpsi(c.lines[0] || '+CPSI: NO SERVICE,Online');
        s.rsrpDbm = p.rsrpDbm;
        s.rsrqDb = p.rsrqDb;
        s.sinrDb = p.sinrDb;
        if (p.cellId !== undefined) s.cellId = p.cellId;
        return s;
      });
    });
  }

  identity(): Promise<Identity> {
    return this.identityFrom(A7670_IDENTITY);
  }


  /** AT+CSCLK=1, then DTR inactive (high): the module sleeps when idle. Needs the DTR (wake) line. */
  sleep(): Promise<void> {
    var self = this;
    var wake = this.opts.pins ? this.opts.pins.wake : undefined;
    if (!wake) return Promise.reject(modemError('NOT_SUPPORTED', this.model + ': sleep needs the DTR line (pins.wake) to wake the module again'));
    return this.step({ send: 'AT+CSCLK=1', timeoutMs: 1000 }).then(function () {
      self.level(wake, false);
    });
  }

  /** DTR active (low) wakes the UART; then AT until it answers. */
  wake(): Promise<void> {
    var self = this;
    this.level(this.opts.pins ? this.opts.pins.wake : undefined, true);
    this.chat.flush();
    return this.delay(A7670_TIMING.wakeSettleMs)
      .then(function () {
        return self.run({ name: 'a7670-wake', steps: [{ send: 'AT', timeoutMs: 500, retry: { count: 4, delayMs: 100 } }] });
      })
      .then(function () {});
  }

  /** AT+CPOF (the module switches off after OK), then the board supply off when switched. */
  powerOff(): Promise<void> {
    var self = this;
    this.lost();
    return this.chat.command('AT+CPOF', { timeoutMs: 5000 }).then(
      function () {
        return self.delay(500).then(function () {
          self.level(self.powerEnable, false);
        });
      },
      function (e: ModemError) {
        if (e.code !== 'NO_RESPONSE') throw e;
        self.level(self.powerEnable, false);
      },
    );
  }

  /** Software reset (AT+CRESET): OK, then the module reboots and prints `*ATREADY: 1`. */
  softReset(): Promise<void> {
    var self = this;
    var ready = this.chat.waitFor(['*ATREADY'], A7670_TIMING.bootWaitMs).then(
      function () {
        return true;
      },
      function () {
        return false;
      },
    );
    this.lost();
    return this.step({ send: 'AT+CRESET', timeoutMs: 2000 }).then(function () {
      return ready.then(function (ok) {
        if (!ok) throw modemError('TIMEOUT', self.model + ': no *ATREADY within ' + A7670_TIMING.bootWaitMs + ' ms after AT+CRESET', 'AT+CRESET');
        self.chat.flush();
      });
    });
  }
}
