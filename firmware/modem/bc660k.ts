/**
 * Quectel BC660K-GL (NB-IoT) driver: dialogs as data + a small class over ModemDriver (common.ts).
 * Facts: modems.md "Quectel BC660K-GL and BC66" (Zephyr bc66x driver init order; BC660K-GL Hardware
 * Design; real capture): RESET 500 ms then 600 ms before the first AT; QSCLK; APN by
 * AT+QCGDEFCONT + AT+QRST=1; context 0; QIOPEN UDP with hex data format; QISEND hex → SEND OK/FAIL;
 * push receive `+QIURC: "recv",<id>,<len>,"<hex>"`; release assistance AT+CNMPSD; QNBIOTEVENT sleep
 * URCs; QENG signal; QCCID; the first AT after deep sleep is lost (send AT, wait 300 ms, then talk).
 * No documented no-response limit for the BC660K: 60 s is taken from the Quectel EC200U app note.
 * powerOff(): the BC660K boards park the module in PSM (boards/devkitc-bc660k.ts: "off" = PSM floor),
 * so powerOff() enables deep sleep and releases the connection. Espruino subset only.
 */
import { ChatScript, ChatStep, ModemError, fromHex, modemError, parseArgs, toHex } from './chat.ts';
import { INIT_STEPS, Registration, STEP_CEREG4, STEP_CEREG_READ, STEP_CIMI, STEP_CSQ, Signal, edrxStep,  parseCsq, psmStep } from './3gpp.ts';
import { Capabilities, CellularModem, Identity, ModemDriver, ModemOptions } from './common.ts';

export var BC660K_CAPS: Capabilities = {
  psm: true,
  edrx: true,
  rai: true,
  udp: true,
  tcp: true,
  receive: 'push',
  hexPayload: true,
  maxPayload: 1024,
};

/** Timings as named fields (modems.md; Zephyr bc66x). */
export var BC660K_TIMING = {
  resetPulseMs: 500,
  afterResetMs: 600,
  wakeProbeMs: 300,
  wakePulseMs: 100,
  openTimeoutMs: 60000,
  sendTimeoutMs: 30000,
  closeTimeoutMs: 10000,
  noResponseMs: 60000,
  registrationPollMs: 2000,
};

var CTX = 0;
var SOCKET = 0;

/** Init after sync (Zephyr bc66x order, numeric errors, hex data format, sleep URCs). */
export var BC660K_INIT: ChatScript = {
  name: 'bc660k-init',
  timeoutMs: 30000,
  steps: ([{ send: 'AT+QSCLK=0', timeoutMs: 1000 }] as ChatStep[])
    .concat(INIT_STEPS)
    .concat([STEP_CEREG4, { send: 'AT+QICFG="dataformat",1,1', timeoutMs: 1000 }, { send: 'AT+QNBIOTEVENT=1,1', timeoutMs: 1000 }]),
};

export var BC660K_APN_READ: ChatStep = { send: 'AT+QCGDEFCONT?', expect: ['+QCGDEFCONT:'], timeoutMs: 1000, name: 'apn' };
export var BC660K_APN_SET: ChatScript = {
  name: 'bc660k-apn',
  steps: [{ send: 'AT+QCGDEFCONT="IP","{apn}"', timeoutMs: 1000 }, { send: 'AT+QRST=1', timeoutMs: 1000 }],
};
export var BC660K_OPEN: ChatStep = {
  send: 'AT+QIOPEN=' + CTX + ',' + SOCKET + ',"UDP","{host}",{port},0,1',
  timeoutMs: 1000,
  then: { match: ['+QIOPEN:'], timeoutMs: BC660K_TIMING.openTimeoutMs },
};
export var BC660K_SEND: ChatStep = {
  send: 'AT+QISEND=' + SOCKET + ',{len},"{hex}"',
  timeoutMs: 1000,
  then: { match: ['SEND OK'], abort: ['SEND FAIL'], timeoutMs: BC660K_TIMING.sendTimeoutMs },
};
export var BC660K_CLOSE: ChatStep = { send: 'AT+QICLOSE=' + SOCKET, timeoutMs: 1000, then: { match: ['CLOSE OK'], timeoutMs: BC660K_TIMING.closeTimeoutMs } };
export var BC660K_RELEASE: ChatStep = { send: 'AT+CNMPSD', timeoutMs: 1000 };
export var BC660K_QENG: ChatStep = { send: 'AT+QENG=0', expect: ['+QENG:'], timeoutMs: 1000, name: 'qeng' };
export var BC660K_IDENTITY: ChatScript = {
  name: 'bc660k-identity',
  steps: [{ send: 'AT+CGSN=1', expect: ['+CGSN:'], timeoutMs: 1000, name: 'imei' }, STEP_CIMI, { send: 'AT+QCCID', expect: ['+QCCID:'], timeoutMs: 1000, name: 'iccid' }],
};
/** Lost-first-AT wake: the AT that wakes the UART gets no answer; wait 300 ms, then talk. */
export var BC660K_WAKE: ChatScript = {
  name: 'bc660k-wake',
  steps: [
    { send: 'AT', timeoutMs: BC660K_TIMING.wakeProbeMs, optional: true },
    { send: 'AT', timeoutMs: 1000, retry: { count: 3, delayMs: 100 } },
    { send: 'AT+QSCLK=0', timeoutMs: 1000 },
  ],
};

/** `+QENG: 0,<earfcn>,<offset>,<pci>,"<cellid>",<rsrp>,<rsrq>,<rssi>,<sinr>,<band>,"<tac>",<ecl>,…`. */
export function parseQeng(line: string): Signal {
  var a = parseArgs(line);
  if (a[0] !== '0' || a.length < 12) throw modemError('BAD_RESPONSE', 'unexpected +QENG line "' + line + '"');
  if (a[5] === '') return { rssiDbm: null, rsrpDbm: null, rsrqDb: null, sinrDb: null };
  return {
    rssiDbm: parseInt(a[7], 10),
    rsrpDbm: parseInt(a[5], 10),
    rsrqDb: parseInt(a[6], 10),
    sinrDb: parseInt(a[8], 10),
    cellId: a[4],
    ecl: parseInt(a[11], 10),
  };
}

/** `+QIURC: "recv",<id>,<len>,"<hex>"` → bytes (hex data format). */
export function parseQiurcRecv(line: string): { socket: number; data: Uint8Array } {
  var a = parseArgs(line);
  var len = parseInt(a[2], 10);
  var data = fromHex(a[3] || '');
  if (data.length !== len) throw modemError('BAD_RESPONSE', '+QIURC recv length ' + len + ' but ' + data.length + ' bytes of hex');
  return { socket: parseInt(a[1], 10), data: data };
}

export class Bc660k extends ModemDriver implements CellularModem {
  constructor(opts: ModemOptions) {
    super('BC660K-GL', BC660K_CAPS, opts, BC660K_TIMING.noResponseMs);
    var self = this;
    this.chat.onUrc('+QIURC:', function (line: string) {
      var a = parseArgs(line);
      if (a[0] === 'recv') {
        try {
          self.deliver(parseQiurcRecv(line).data);
        } catch (e) {
          self.emit({ type: 'error', detail: (e as ModemError).message });
        }
      } else if (a[0] === 'closed') {
        self.dropReceivers();
        self.emit({ type: 'closed', detail: line });
      }
    });
    this.chat.onUrc('+QNBIOTEVENT:', function (line: string) {
      self.emit({ type: line.indexOf('ENTER') >= 0 ? 'sleep' : 'wake', detail: line });
    });
    this.chat.onUrc('+IP:', function (line: string) {
      self.emit({ type: 'ip', detail: parseArgs(line)[0] });
    });
  }

  /** RESET pulse 500 ms, then 600 ms before the first AT (modems.md). */
  powerOn(): Promise<void> {
    var self = this;
    return this.pulse(this.opts.pins ? this.opts.pins.reset : undefined, BC660K_TIMING.resetPulseMs, 'RESET').then(function () {
      self.chat.flush();
      return self.delay(BC660K_TIMING.afterResetMs);
    });
  }

  reboot(): Promise<void> {
    var self = this;
    return this.powerOn()
      .then(function () {
        return self.sync();
      })
      .then(function () {
        return self.init();
      });
  }

  /** Init script, then the APN: stored in NV, so only when it differs (set + AT+QRST=1 + re-init). */
  init(): Promise<void> {
    var self = this;
    var apn = this.opts.apn;
    return this.run(BC660K_INIT)
      .then(function () {
        if (apn === undefined) return;
        return self.step(BC660K_APN_READ).then(function (r) {
          var cur = r.lines.length ? parseArgs(r.lines[0])[1] : '';
          if (cur === apn) return;
          return self
            .run(BC660K_APN_SET, { apn: apn as string })
            .then(function () {
              return self.delay(BC660K_TIMING.afterResetMs);
            })
            .then(function () {
              return self.sync();
            })
            .then(function () {
              return self.run(BC660K_INIT);
            });
        });
      })
      .then(function () {});
  }

  attach(timeoutMs: number): Promise<Registration> {
    return this.attachWith(timeoutMs, BC660K_TIMING.registrationPollMs);
  }

  /** Requests PSM; the granted values are read back from +CEREG (n=4) into psmGranted. */
  requestPsm(tauS: number, activeS: number): Promise<void> {
    var self = this;
    this.psmRequested = { tauS: tauS, activeS: activeS };
    return this.step(psmStep(tauS, activeS))
      .then(function () {
        return self.step(STEP_CEREG_READ);
      })
      .then(function (r) {
        self.noteCereg(r.lines);
      });
  }

  /** AT+CEDRXS, then the grant read back with AT+CEDRXRDP into edrxGranted. */
  requestEdrx(value: number): Promise<void> {
    var self = this;
    return this.step(edrxStep(5, value))
      .then(function () {
        return self.readEdrx();
      })
      .then(function () {});
  }

  openUdp(host: string, port: number): Promise<void> {
    return this.step(BC660K_OPEN, { host: host, port: port }).then(function (r) {
      var a = parseArgs(r.final);
      var err = parseInt(a[1], 10);
      var e: ModemError;
      if (err !== 0) {
        e = modemError('SOCKET', 'BC660K: UDP socket to ' + host + ':' + port + ' failed with error ' + err, 'AT+QIOPEN');
        e.cme = err;
        throw e;
      }
    });
  }

  send(data: Uint8Array, opts?: { releaseAssist?: boolean }): Promise<void> {
    var self = this;
    if (data.length > BC660K_CAPS.maxPayload) return Promise.reject(modemError('BAD_ARG', 'BC660K: payload of ' + data.length + ' bytes exceeds ' + BC660K_CAPS.maxPayload));
    return this.step(BC660K_SEND, { len: data.length, hex: toHex(data) })
      .then(undefined, function (e: ModemError) {
        if (e.code === 'ABORT' && e.text === 'SEND FAIL') e.code = 'SEND_FAIL';
        throw e;
      })
      .then(function () {
        if (opts && opts.releaseAssist) return self.release();
      });
  }

  /** Release assistance now (AT+CNMPSD): ends the RRC connection after the last exchange. */
  release(): Promise<void> {
    return this.step(BC660K_RELEASE).then(function () {});
  }

  close(): Promise<void> {
    var self = this;
    return this.step(BC660K_CLOSE).then(function () {
      self.dropReceivers();
    });
  }

  signal(): Promise<Signal> {
    var self = this;
    return this.step(BC660K_QENG).then(function (r) {
      if (r.lines.length) return parseQeng(r.lines[0]);
      return self.step(STEP_CSQ).then(function (q) {
        return parseCsq(q.lines[0]);
      });
    });
  }

  identity(): Promise<Identity> {
    return this.identityFrom(BC660K_IDENTITY);
  }


  /** Allows deep sleep (AT+QSCLK=1); the module enters PSM after the granted active time. */
  sleep(): Promise<void> {
    return this.step({ send: 'AT+QSCLK=1', timeoutMs: 1000 }).then(function () {});
  }

  /**
   * Wakes from deep sleep: a PSM_EINT pulse (≥ 100 ms) when the wake pin is wired, then the UART
   * sequence — the first AT may be lost, wait 300 ms, then talk (modems.md).
   */
  wake(): Promise<void> {
    var self = this;
    var pin = this.opts.pins ? this.opts.pins.wake : undefined;
    var first: Promise<void> = pin ? this.pulse(pin, BC660K_TIMING.wakePulseMs, 'PSM_EINT') : Promise.resolve();
    return first.then(function () {
      self.chat.flush();
      return self.run(BC660K_WAKE);
    }).then(function () {});
  }

  powerOff(): Promise<void> {
    var self = this;
    return this.sleep().then(function () {
      return self.release();
    });
  }
}

