/**
 * Quectel EC200U (LTE Cat-1) driver, with the EG915U and EC800N as variants: dialogs as data + a small
 * class over ModemDriver (common.ts). Facts: modems.md "Quectel EC200U / EG915U / EC800N" (source: EC200U &
 * EG915U TCP/IP Application Note V1.1):
 * - boot banner `RDY`; bearer `AT+QICSGP=1,1,"<apn>","<user>","<pwd>",<auth>` then `AT+QIACT=1` (up to
 *   150 s, blocks other commands), `AT+QIACT?` → `+QIACT: 1,1,1,"10.x.x.x"`, `AT+QIDEACT=1` (≤ 40 s);
 * - sockets 0–11: `AT+QIOPEN=1,<id>,"UDP","<host>",<port>,0,0` → OK, then `+QIOPEN: <id>,<err>` (≤ 150 s);
 *   access mode 0 = buffer mode; `AT+QISEND=<id>,<len>` → `>` → binary data → `SEND OK` | `SEND FAIL`
 *   (send buffer full: retry later) | `ERROR`; at most 1460 bytes;
 * - buffer-mode receive: `+QIURC: "recv",<id>` then `AT+QIRD=<id>,<len>` → `+QIRD: <n>` CR LF + n bytes;
 *   `+QIURC: "closed",<id>`; `+QIURC: "pdpdeact",<ctx>` (the bearer is gone: `AT+QIDEACT`, then QIACT
 *   again before the next socket); `AT+QICLOSE=<id>` (≤ 10 s); errors `AT+QIGETERROR` → 550–574;
 * - recovery (app note): reboot the module if it does not respond within 60 s, if QIACT takes longer than
 *   150 s, QICLOSE longer than 10 s or QIDEACT longer than 40 s; back off 10 min / 30 min / 1 h between
 *   reboots (RecoveryPolicy in common.ts). Breaching one of these limits rejects with NO_RESPONSE, the
 *   code that tells the caller to call recover();
 * - signal `AT+QENG="servingcell"`, `AT+QNWINFO`, `AT+CSQ`; PSM/eDRX support: unknown → capabilities
 *   false, requestPsm/requestEdrx reject NOT_SUPPORTED.
 * Variants: EG915U is covered by the same application note. EC800N: assumed to use the same QI* command
 * set — UNVERIFIED (no EC800N document in our sources).
 * Assumptions (not in our sources, marked where used): PWRKEY timings (on ≥ 500 ms as the board file
 * states; off ≥ 650 ms, the Quectel EC2x figure; the driver holds 800 ms), RESET held 300 ms on boards
 * that wire it, boot to `RDY` within 15 s, `POWERED DOWN` after a power-off, `+QENG` field order of the
 * EC2x family, QSCLK/DTR sleep as on other Quectel LTE modules.
 * Espruino subset only (runs on the device).
 */
import { ChatScript, ChatStep, ModemError, bytesToStr, modemError, parseArgs } from './chat.ts';
import { INIT_STEPS, Registration, STEP_CGSN, STEP_CIMI, STEP_CSQ, Signal, parseCsq } from './3gpp.ts';
import { CAT1_CAPS, Capabilities, CellularModem, Identity, ModemDriver, ModemOptions, Variants } from './common.ts';

export var EC200U_CAPS: Capabilities = CAT1_CAPS;

/** The variants this driver serves, with how well each is documented. */
export var EC200U_VARIANTS: Variants = {
  EC200U: { verified: true, note: 'EC200U & EG915U TCP/IP Application Note V1.1' },
  EG915U: { verified: true, note: 'EC200U & EG915U TCP/IP Application Note V1.1' },
  EC800N: { verified: false, note: 'assumed to share the EC200U QI* command set (unverified)' },
};

/** Timings as named fields (app-note limits; assumptions marked in the file comment). */
export var EC200U_TIMING = {
  pwrkeyOnMs: 500,
  pwrkeyOffMs: 800,
  resetPulseMs: 300,
  bootWaitMs: 15000,
  offWaitMs: 3000,
  noResponseMs: 60000,
  qiactTimeoutMs: 150000,
  qiopenTimeoutMs: 150000,
  qicloseTimeoutMs: 10000,
  qideactTimeoutMs: 40000,
  sendTimeoutMs: 10000,
  registrationPollMs: 2000,
  wakeSettleMs: 100,
};

/** PDP context 1 (modems.md: context ids 0/1/1/0 — EC200U uses 1) and socket 0. */
var CTX = 1;
var SOCKET = 0;
var READ_MAX = 1500;

/** `AT+CEREG=2`: stat, TAC, cell id and AcT; no PSM fields (PSM unknown on this module). */
export var EC200U_CEREG2: ChatStep = { send: 'AT+CEREG=2', timeoutMs: 1000 };

export var EC200U_INIT: ChatScript = {
  name: 'ec200u-init',
  timeoutMs: 60000,
  steps: INIT_STEPS.concat([EC200U_CEREG2]),
};
/** APN on context 1, IPv4 (context_type 1), no user/password, authentication 0 (none). */
export var EC200U_APN: ChatStep = { send: 'AT+QICSGP=' + CTX + ',1,"{apn}","","",0', timeoutMs: 1000 };
export var EC200U_PDP_READ: ChatStep = { send: 'AT+QIACT?', expect: ['+QIACT:'], timeoutMs: 1000, name: 'qiact' };
export var EC200U_PDP_UP: ChatStep = { send: 'AT+QIACT=' + CTX, timeoutMs: EC200U_TIMING.qiactTimeoutMs };
export var EC200U_PDP_DOWN: ChatStep = { send: 'AT+QIDEACT=' + CTX, timeoutMs: EC200U_TIMING.qideactTimeoutMs };
export var EC200U_OPEN: ChatStep = {
  send: 'AT+QIOPEN=' + CTX + ',' + SOCKET + ',"UDP","{host}",{port},0,0',
  timeoutMs: 2000,
  then: { match: ['+QIOPEN:'], timeoutMs: EC200U_TIMING.qiopenTimeoutMs },
};
export var EC200U_CLOSE: ChatStep = { send: 'AT+QICLOSE=' + SOCKET, timeoutMs: EC200U_TIMING.qicloseTimeoutMs };
export var EC200U_GETERROR: ChatStep = { send: 'AT+QIGETERROR', expect: ['+QIGETERROR:'], timeoutMs: 1000, name: 'qigeterror' };
export var EC200U_QENG: ChatStep = { send: 'AT+QENG="servingcell"', expect: ['+QENG:'], timeoutMs: 2000, name: 'qeng' };
export var EC200U_QNWINFO: ChatStep = { send: 'AT+QNWINFO', expect: ['+QNWINFO:'], timeoutMs: 2000, name: 'qnwinfo' };
export var EC200U_IDENTITY: ChatScript = {
  name: 'ec200u-identity',
  steps: [STEP_CGSN, STEP_CIMI, { send: 'AT+QCCID', expect: ['+QCCID:'], timeoutMs: 1000, name: 'iccid' }],
};

/** `+QIACT: <ctx>,<state>,<type>,"<addr>"` lines → the address of ctx when active, else null. */
export function parseQiact(lines: string[], ctx: number): string | null {
  var a: string[];
  for (var i = 0; i < lines.length; i++) {
    a = parseArgs(lines[i]);
    if (parseInt(a[0], 10) === ctx && a[1] === '1') return a[3] || '';
  }
  return null;
}

/** `+QIOPEN: <id>,<err>` → err (0 = opened). */
export function parseQiopen(line: string): { socket: number; err: number } {
  var a = parseArgs(line);
  var err = parseInt(a[1], 10);
  if (isNaN(err)) throw modemError('BAD_RESPONSE', 'no <err> in "' + line + '"');
  return { socket: parseInt(a[0], 10), err: err };
}

/** `+QIURC: "<kind>",<n>[,…]` → kind and its first number (socket id, or context for pdpdeact). */
export function parseQiurc(line: string): { kind: string; id: number } {
  var a = parseArgs(line);
  if (a.length < 2) throw modemError('BAD_RESPONSE', 'unexpected +QIURC line "' + line + '"');
  return { kind: a[0], id: parseInt(a[1], 10) };
}

/**
 * `+QENG: "servingcell",<state>,"LTE",<is_tdd>,<mcc>,<mnc>,<cellid>,<pcid>,<earfcn>,<band>,<ul_bw>,
 * <dl_bw>,<tac>,<rsrp>,<rsrq>,<rssi>,<sinr>,…` (Quectel EC2x field order; assumed for the EC200U).
 * Not camped (`"SEARCH"`, `"LIMSRV"` without the LTE part) → all values null.
 */
export function parseQengServing(line: string): Signal {
  var a = parseArgs(line);
  if (a[0] !== 'servingcell') throw modemError('BAD_RESPONSE', 'unexpected +QENG line "' + line + '"');
  if (a.length < 17 || a[2] !== 'LTE') return { rssiDbm: null, rsrpDbm: null, rsrqDb: null, sinrDb: null };
  return {
    rssiDbm: parseInt(a[15], 10),
    rsrpDbm: parseInt(a[13], 10),
    rsrqDb: parseInt(a[14], 10),
    sinrDb: parseInt(a[16], 10),
    cellId: a[6],
  };
}

/** `+QNWINFO: "<act>","<oper>","<band>",<channel>` (`+QNWINFO: No Service` when not camped). */
export function parseQnwinfo(line: string): { act: string; operator: string; band: string; channel: number } | null {
  var a = parseArgs(line);
  if (a.length < 4) return null;
  return { act: a[0], operator: a[1], band: a[2], channel: parseInt(a[3], 10) };
}

/** A limit of the app note's recovery list was breached: the module must be rebooted. */
function limitBreached(e: ModemError, what: string, ms: number): ModemError {
  if (e.code !== 'TIMEOUT' && e.code !== 'NO_RESPONSE') return e;
  var out = modemError('NO_RESPONSE', 'EC200U: ' + what + ' took longer than ' + ms / 1000 + ' s (app note limit): call recover()', e.command);
  return out;
}

export interface Ec200uOptions extends ModemOptions {
  /** 'EC200U' (default), 'EG915U' or 'EC800N' (unverified). */
  variant?: string;
}

export class Ec200u extends ModemDriver implements CellularModem {
  declare variant: string;
  /** A `recv` URC came while a read loop ran: read again when it ends. */
  declare pdpUp: boolean;

  constructor(opts: Ec200uOptions) {
    var variant = opts.variant || 'EC200U';
    if (!EC200U_VARIANTS[variant]) throw modemError('BAD_ARG', 'EC200U driver: unknown variant "' + variant + '" (EC200U, EG915U, EC800N)');
    super(variant, EC200U_CAPS, opts, EC200U_TIMING.noResponseMs);
    var self = this;
    this.variant = variant;
    this.pdpUp = false;
    this.chat.onUrc('+QIURC:', function (line: string) {
      self.onQiurc(line);
    });
    // A reboot by itself (or a brown-out) prints the banner again: the session is gone.
    this.chat.onUrc('RDY', function (line: string) {
      self.pdpUp = false;
      self.dropReceivers();
      self.emit({ type: 'reboot', detail: line });
    });
    this.chat.onUrc('POWERED DOWN', function (line: string) {
      self.pdpUp = false;
      self.emit({ type: 'closed', detail: line });
    });
  }

  onQiurc(line: string): void {
    var self = this;
    var u: { kind: string; id: number };
    try {
      u = parseQiurc(line);
    } catch (e) {
      this.emit({ type: 'error', detail: (e as ModemError).message });
      return;
    }
    if (u.kind === 'recv') this.readAll(u.id);
    else if (u.kind === 'closed') {
      this.dropReceivers();
      this.emit({ type: 'closed', detail: line });
    } else if (u.kind === 'pdpdeact') {
      // The network deactivated the context: sockets are dead; free the context (app note: QIDEACT).
      this.pdpUp = false;
      this.dropReceivers();
      this.emit({ type: 'closed', detail: line });
      this.step(EC200U_PDP_DOWN).then(
        function () {},
        function (e: ModemError) {
          self.emit({ type: 'error', detail: e.message });
        },
      );
    }
  }

  /** Reads the socket's buffer with AT+QIRD until it reports 0 bytes (buffer access mode). */
  readAll(socket: number): void {
    this.readUntilEmpty('AT+QIRD=' + socket + ',' + READ_MAX, { prefix: '+QIRD:', sep: '\r\n', lenField: 0 });
  }

  /**
   * PWRKEY ≥ 500 ms (board file) unless the module already answers; then waits for `RDY`. A 500 ms pulse
   * is below the power-off length, so it never switches a running module off (assumption, see top).
   */
  powerOn(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    return this.step({ send: 'AT', timeoutMs: 500 }).then(
      function () {},
      function () {
        var rdy = self.chat.waitFor(['RDY'], EC200U_TIMING.bootWaitMs).then(
          function () {},
          function () {},
        );
        return self.pulse(pins.pwrkey, EC200U_TIMING.pwrkeyOnMs, 'PWRKEY').then(function () {
          return rdy;
        });
      },
    );
  }

  /**
   * Recovery reboot: RESET line if wired; else PWRKEY off (800 ms) and, once `POWERED DOWN` came (or 3 s
   * passed), PWRKEY on. If the off pulse instead booted a module that was off (`RDY`), that is enough.
   */
  reboot(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    var first: Promise<void>;
    var seen: Promise<string>;
    this.pdpUp = false;
    this.dropReceivers();
    if (pins.reset) {
      first = this.pulse(pins.reset, EC200U_TIMING.resetPulseMs, 'RESET').then(function () {
        return self.chat.waitFor(['RDY'], EC200U_TIMING.bootWaitMs).then(
          function () {},
          function () {},
        );
      });
    } else {
      seen = this.chat.waitFor(['RDY', 'POWERED DOWN'], EC200U_TIMING.pwrkeyOffMs + EC200U_TIMING.offWaitMs).then(
        function (l) {
          return l;
        },
        function () {
          return '';
        },
      );
      first = this.pulse(pins.pwrkey, EC200U_TIMING.pwrkeyOffMs, 'PWRKEY')
        .then(function () {
          return seen;
        })
        .then(function (line: string) {
          if (line === 'RDY') return;
          var rdy = self.chat.waitFor(['RDY'], EC200U_TIMING.bootWaitMs).then(
            function () {},
            function () {},
          );
          return self.pulse(pins.pwrkey, EC200U_TIMING.pwrkeyOnMs, 'PWRKEY').then(function () {
            return rdy;
          });
        });
    }
    return this.syncAndInit(first);
  }

  /** Echo off, numeric errors, SIM, CEREG=2, then the APN of context 1 (QICSGP). */
  init(): Promise<void> {
    return this.initWith(EC200U_INIT, EC200U_APN);
  }

  /** CFUN=1, wait for +CEREG registered (URC or 2 s polling), then the PDP context (QIACT ≤ 150 s). */
  attach(timeoutMs: number): Promise<Registration> {
    var self = this;
    return this.attachWith(timeoutMs, EC200U_TIMING.registrationPollMs, function () {
      return self.activate();
    });
  }

  /** QIACT? and, when context 1 is down, QIACT=1 (blocking, ≤ 150 s). Resolves with the IP address. */
  activate(): Promise<string> {
    var self = this;
    return this.step(EC200U_PDP_READ).then(function (r) {
      var addr = parseQiact(r.lines, CTX);
      if (addr !== null) {
        self.pdpUp = true;
        return addr;
      }
      return self
        .step(EC200U_PDP_UP)
        .then(undefined, function (e: ModemError) {
          throw limitBreached(e, 'AT+QIACT', EC200U_TIMING.qiactTimeoutMs);
        })
        .then(function () {
          return self.step(EC200U_PDP_READ);
        })
        .then(function (r2) {
          var a2 = parseQiact(r2.lines, CTX);
          if (a2 === null) throw modemError('BEARER', 'EC200U: context ' + CTX + ' not active after AT+QIACT', 'AT+QIACT?');
          self.pdpUp = true;
          self.emit({ type: 'ip', detail: a2 });
          return a2;
        });
    });
  }

  /** Deactivates context 1 (AT+QIDEACT, ≤ 40 s). */
  deactivate(): Promise<void> {
    var self = this;
    return this.step(EC200U_PDP_DOWN).then(
      function () {
        self.pdpUp = false;
      },
      function (e: ModemError) {
        throw limitBreached(e, 'AT+QIDEACT', EC200U_TIMING.qideactTimeoutMs);
      },
    );
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
   * Opens UDP socket 0 in buffer mode, activating the context first when it is down (after a reboot or a
   * `pdpdeact`). `+QIOPEN: 0,<err>` ≠ 0 → SOCKET with the error (563 = socket id in use: closed and
   * retried once). No `+QIOPEN` within 150 s → the socket is closed and TIMEOUT is returned.
   */
  openUdp(host: string, port: number): Promise<void> {
    var self = this;
    function open(retry: boolean): Promise<void> {
      return self.step(EC200U_OPEN, { host: host, port: port }).then(
        function (r) {
          var res = parseQiopen(r.final);
          var e: ModemError;
          if (res.err === 0) return;
          if (res.err === 563 && retry)
            return self.step(EC200U_CLOSE).then(function () {
              return open(false);
            });
          e = modemError('SOCKET', self.model + ': UDP socket to ' + host + ':' + port + ' failed with error ' + res.err, 'AT+QIOPEN');
          e.cme = res.err;
          throw e;
        },
        function (e: ModemError) {
          if (e.code !== 'TIMEOUT') throw e;
          return self.step(EC200U_CLOSE).then(
            function () {
              throw e;
            },
            function () {
              throw e;
            },
          );
        },
      );
    }
    return this.activate().then(function () {
      return open(true);
    });
  }

  /**
   * QISEND with `>` prompt and binary data: `SEND OK` resolves; `SEND FAIL` (send buffer full) rejects
   * SEND_FAIL — retry later; `ERROR` after the data also SEND_FAIL; `ERROR` instead of the prompt (no
   * such socket) stays ERROR.
   */
  send(data: Uint8Array, opts?: { releaseAssist?: boolean }): Promise<void> {
    var self = this;
    void opts; // no release assistance on this module (capabilities: rai false)
    if (data.length === 0 || data.length > EC200U_CAPS.maxPayload) return Promise.reject(modemError('BAD_ARG', this.model + ': payload must be 1..' + EC200U_CAPS.maxPayload + ' bytes, got ' + data.length));
    return this.chat.command('AT+QISEND=' + SOCKET + ',' + data.length, { data: bytesToStr(data), final: ['SEND OK'], abort: ['SEND FAIL'], timeoutMs: EC200U_TIMING.sendTimeoutMs }).then(
      function () {
        self.policy.healthy();
      },
      function (e: ModemError) {
        if (e.code === 'ABORT' && e.text === 'SEND FAIL') {
          e.code = 'SEND_FAIL';
          e.message = self.model + ': SEND FAIL (send buffer full): retry later';
        } else if (e.code === 'ERROR' && self.chat.lastPrompt) e.code = 'SEND_FAIL';
        throw e;
      },
    );
  }

  /** QICLOSE (≤ 10 s; longer → NO_RESPONSE: reboot per the app note). */
  close(): Promise<void> {
    var self = this;
    return this.step(EC200U_CLOSE).then(
      function () {
        self.dropReceivers();
      },
      function (e: ModemError) {
        throw limitBreached(e, 'AT+QICLOSE', EC200U_TIMING.qicloseTimeoutMs);
      },
    );
  }

  /** The last TCP/IP error (AT+QIGETERROR → 550–574) as { code, text }. */
  lastError(): Promise<{ code: number; text: string }> {
    return this.step(EC200U_GETERROR).then(function (r) {
      var a = parseArgs(r.lines[0] || '+QIGETERROR: ,');
      return { code: parseInt(a[0], 10), text: a[1] || '' };
    });
  }

  /** CSQ for RSSI, then the serving cell (QENG) for RSRP/RSRQ/SINR and the cell id. */
  signal(): Promise<Signal> {
    var self = this;
    return this.step(STEP_CSQ).then(function (q) {
      var s = parseCsq(q.lines[0]);
      return self.step(EC200U_QENG).then(function (r) {
        var e = parseQengServing(r.lines[0] || '+QENG: "servingcell","SEARCH"');
        s.rsrpDbm = e.rsrpDbm;
        s.rsrqDb = e.rsrqDb;
        s.sinrDb = e.sinrDb;
        if (e.cellId !== undefined) s.cellId = e.cellId;
        return s;
      });
    });
  }

  /** Access technology, operator, band and channel (AT+QNWINFO); null when not camped. */
  networkInfo(): Promise<{ act: string; operator: string; band: string; channel: number } | null> {
    return this.step(EC200U_QNWINFO).then(function (r) {
      return r.lines.length ? parseQnwinfo(r.lines[0]) : null;
    });
  }

  identity(): Promise<Identity> {
    return this.identityFrom(EC200U_IDENTITY);
  }


  /** AT+QSCLK=1 and DTR inactive (if wired): the module sleeps when idle (assumption, see top). */
  sleep(): Promise<void> {
    var self = this;
    return this.step({ send: 'AT+QSCLK=1', timeoutMs: 1000 }).then(function () {
      self.level(self.opts.pins ? self.opts.pins.wake : undefined, false);
    });
  }

  /** DTR active (if wired), then AT until it answers (the first bytes may be lost), then QSCLK=0. */
  wake(): Promise<void> {
    var self = this;
    this.level(this.opts.pins ? this.opts.pins.wake : undefined, true);
    this.chat.flush();
    return this.delay(EC200U_TIMING.wakeSettleMs)
      .then(function () {
        return self.run({ name: 'ec200u-wake', steps: [{ send: 'AT', timeoutMs: 500, retry: { count: 4, delayMs: 100 } }, { send: 'AT+QSCLK=0', timeoutMs: 1000 }] });
      })
      .then(function () {});
  }

  /** AT+QPOWD=1: OK, then `POWERED DOWN`. */
  powerOff(): Promise<void> {
    var self = this;
    var down = this.chat.waitFor(['POWERED DOWN'], EC200U_TIMING.offWaitMs + 2000).then(
      function () {},
      function () {},
    );
    this.pdpUp = false;
    return this.chat.command('AT+QPOWD=1', { timeoutMs: 2000 }).then(
      function () {
        return down;
      },
      function (e: ModemError) {
        if (e.code !== 'NO_RESPONSE') throw e;
        self.dropReceivers();
      },
    );
  }
}
