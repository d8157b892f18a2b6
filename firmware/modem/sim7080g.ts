/**
 * SIMCom SIM7080G (Cat-M / NB-IoT) driver: dialogs as data + a small class over ModemDriver.
 * Facts: modems.md "SIMCom SIM7080G" (TinyGSM SIM7080/SIM70xx, Zephyr sim7080): PWRKEY 1.5 s;
 * CNMP/CMNB; bearer CGDCONT + CNCFG + CNACT (`+APP PDP: 0,ACTIVE`, PDP index 0; after PSM wake CNACT
 * may be 0 → re-issue); sockets CAOPEN/CASEND (`>` prompt, binary)/`+CADATAIND` + CARECV/CACLOSE;
 * CPSMSTATUS; CPOWD; ICCID by AT+CCID; Zephyr timeouts: command 10 s, registration 180 s, PDP 120 s,
 * connect 90 s. No documented no-response limit: 60 s (Quectel app note figure) is used.
 * A PWRKEY pulse toggles power, so powerOn() first checks whether the module already answers.
 * Espruino subset only.
 */
import { ChatScript, ChatStep, ModemError, bytesToStr, modemError, parseArgs, strToBytes } from './chat.ts';
import { INIT_STEPS, Registration, STEP_CEREG4, STEP_CEREG_READ, STEP_CESQ, STEP_CGSN, STEP_CIMI, STEP_CSQ, Signal, edrxStep,  parseCesq, parseCsq, psmStep } from './3gpp.ts';
import { Capabilities, CellularModem, Identity, ModemDriver, ModemOptions } from './common.ts';

export var SIM7080G_CAPS: Capabilities = {
  psm: true,
  edrx: true,
  rai: false,
  udp: true,
  tcp: true,
  receive: 'read',
  hexPayload: false,
  maxPayload: 1459,
};

export var SIM7080G_TIMING = {
  pwrkeyPulseMs: 1500,
  bootWaitMs: 10000,
  noResponseMs: 60000,
  pdpTimeoutMs: 120000,
  connectTimeoutMs: 90000,
  registrationPollMs: 2000,
  wakeSettleMs: 100,
  offWaitMs: 3000,
};

var CID = 0;

/** Radio access: 'nb' (CMNB=2), 'm' (CMNB=1), 'both' (CMNB=3); LTE only (CNMP=38). */
export function ratSteps(rat: string): ChatStep[] {
  var m = rat === 'm' ? 1 : rat === 'both' ? 3 : 2;
  return [
    { send: 'AT+CNMP=38', timeoutMs: 2000 },
    { send: 'AT+CMNB=' + m, timeoutMs: 2000 },
  ];
}

export var SIM7080G_INIT: ChatScript = {
  name: 'sim7080g-init',
  timeoutMs: 60000,
  steps: INIT_STEPS.concat([STEP_CEREG4, { send: 'AT+CPSMSTATUS=1', timeoutMs: 1000 }]),
};
export var SIM7080G_APN: ChatScript = {
  name: 'sim7080g-apn',
  steps: [
    { send: 'AT+CGDCONT=1,"IP","{apn}"', timeoutMs: 2000 },
    { send: 'AT+CNCFG=0,1,"{apn}"', timeoutMs: 2000 },
  ],
};
export var SIM7080G_PDP_UP: ChatStep = {
  send: 'AT+CNACT=0,1',
  timeoutMs: 2000,
  then: { match: ['+APP PDP: 0,ACTIVE'], abort: ['+APP PDP: 0,DEACTIVE'], timeoutMs: SIM7080G_TIMING.pdpTimeoutMs },
};
export var SIM7080G_OPEN: ChatStep = {
  send: 'AT+CAOPEN=' + CID + ',0,"UDP","{host}",{port}',
  expect: ['+CAOPEN:'],
  timeoutMs: SIM7080G_TIMING.connectTimeoutMs,
};
export var SIM7080G_CLOSE: ChatStep = { send: 'AT+CACLOSE=' + CID, timeoutMs: 10000 };
export var SIM7080G_READ: ChatStep = { send: 'AT+CARECV=' + CID + ',1460', timeoutMs: 5000 };
export var SIM7080G_IDENTITY: ChatScript = {
  name: 'sim7080g-identity',
  steps: [STEP_CGSN, STEP_CIMI, { send: 'AT+CCID', timeoutMs: 2000, name: 'iccid' }],
};

/** `+CAOPEN: <cid>,<result>` → result number. */
export function parseCaopen(line: string): number {
  var a = parseArgs(line);
  var r = parseInt(a[1], 10);
  if (isNaN(r)) throw modemError('BAD_RESPONSE', 'no result in "' + line + '"');
  return r;
}

export class Sim7080g extends ModemDriver implements CellularModem {
  declare rat: string;
  declare reading: boolean;

  constructor(opts: ModemOptions & { rat?: string }) {
    super('SIM7080G', SIM7080G_CAPS, opts, SIM7080G_TIMING.noResponseMs);
    var self = this;
    this.rat = opts.rat || 'nb';
    this.reading = false;
    this.chat.onUrc('+CADATAIND:', function () {
      self.readAll();
    });
    this.chat.onUrc('+CPSMSTATUS:', function (line: string) {
      self.emit({ type: line.indexOf('ENTER') >= 0 ? 'sleep' : 'wake', detail: line });
    });
    this.chat.onUrc('SMS Ready', function (line: string) {
      self.emit({ type: 'reboot', detail: line });
    });
    this.chat.onUrc('+CASTATE:', function (line: string) {
      if (parseArgs(line)[1] === '0') {
        self.dropReceivers();
        self.emit({ type: 'closed', detail: line });
      }
    });
    this.chat.onUrc('+APP PDP:', function (line: string) {
      self.emit({ type: 'ip', detail: line });
    });
  }

  /** Reads queued datagrams with AT+CARECV until the module reports 0 bytes. */
  readAll(): void {
    var self = this;
    if (this.reading) return;
    this.reading = true;
    function loop() {
      self.chat.command(SIM7080G_READ.send!, { timeoutMs: SIM7080G_READ.timeoutMs, binary: { prefix: '+CARECV:', sep: ',', lenField: 0 }, expect: ['+CARECV:'] }).then(
        function (r) {
          if (r.data !== undefined && r.data.length) {
            self.deliver(strToBytes(r.data));
            loop();
          } else self.reading = false;
        },
        function () {
          self.reading = false;
        },
      );
    }
    loop();
  }

  /** PWRKEY 1.5 s unless the module already answers (a pulse would switch it off). */
  powerOn(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    return this.step({ send: 'AT', timeoutMs: 500 }).then(
      function () {},
      function () {
        return self.pulse(pins.pwrkey, SIM7080G_TIMING.pwrkeyPulseMs, 'PWRKEY').then(function () {
          self.chat.flush();
          return self.chat.waitFor(['SMS Ready'], SIM7080G_TIMING.bootWaitMs).then(
            function () {},
            function () {},
          );
        });
      },
    );
  }

  /** RESET line if wired (100 ms), else PWRKEY off/on: a hung module is switched off, then on. */
  reboot(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    var first: Promise<void>;
    if (pins.reset) first = this.pulse(pins.reset, 100, 'RESET').then(function () {
      return self.delay(SIM7080G_TIMING.offWaitMs);
    });
    else
      first = this.pulse(pins.pwrkey, SIM7080G_TIMING.pwrkeyPulseMs, 'PWRKEY')
        .then(function () {
          return self.delay(SIM7080G_TIMING.offWaitMs);
        })
        .then(function () {
          return self.step({ send: 'AT', timeoutMs: 500 }).then(
            function () {},
            function () {
              return self.pulse(pins.pwrkey, SIM7080G_TIMING.pwrkeyPulseMs, 'PWRKEY').then(function () {
                return self.delay(SIM7080G_TIMING.offWaitMs);
              });
            },
          );
        });
    return first
      .then(function () {
        return self.sync();
      })
      .then(function () {
        return self.init();
      });
  }

  init(): Promise<void> {
    var self = this;
    return this.run(SIM7080G_INIT)
      .then(function () {
        return self.run({ name: 'sim7080g-rat', steps: ratSteps(self.rat) });
      })
      .then(function () {
        if (self.opts.apn !== undefined) return self.run(SIM7080G_APN, { apn: self.opts.apn });
      })
      .then(function () {});
  }

  /** CFUN=1, wait for +CEREG registered (URC or 2 s polling), then the PDP context (CNACT). */
  attach(timeoutMs: number): Promise<Registration> {
    var self = this;
    return this.attachWith(timeoutMs, SIM7080G_TIMING.registrationPollMs, function () {
      return self.step(SIM7080G_PDP_UP);
    });
  }

  requestPsm(tauS: number, activeS: number): Promise<void> {
    var self = this;
    this.psmRequested = { tauS: tauS, activeS: activeS };
    return this.step(psmStep(tauS, activeS))
      .then(function () {
        return self.delay(1000); // the grant arrives with the next TAU (modelled: ~0.5 s)
      })
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
    return this.step(edrxStep(this.rat === 'm' ? 4 : 5, value))
      .then(function () {
        return self.readEdrx();
      })
      .then(function () {});
  }

  /** CAOPEN; result 21 (network not active, e.g. after PSM wake) → CNACT=0,1 and one retry. */
  openUdp(host: string, port: number): Promise<void> {
    var self = this;
    function open(retry: boolean): Promise<void> {
      return self.step(SIM7080G_OPEN, { host: host, port: port }).then(function (r) {
        var res = parseCaopen(r.lines[0] || '+CAOPEN: 0,');
        var e: ModemError;
        if (res === 0) return;
        if (res === 21 && retry)
          return self.step(SIM7080G_PDP_UP).then(function () {
            return open(false);
          });
        e = modemError('SOCKET', 'SIM7080G: UDP socket to ' + host + ':' + port + ' failed with result ' + res, 'AT+CAOPEN');
        e.cme = res;
        throw e;
      });
    }
    return open(true);
  }

  /** CASEND with `>` prompt and binary data; a failed send (ERROR after the data) is SEND_FAIL. */
  send(data: Uint8Array, opts?: { releaseAssist?: boolean }): Promise<void> {
    var self = this;
    var cmd = 'AT+CASEND=' + CID + ',' + data.length;
    if (data.length === 0 || data.length > SIM7080G_CAPS.maxPayload) return Promise.reject(modemError('BAD_ARG', 'SIM7080G: payload must be 1..' + SIM7080G_CAPS.maxPayload + ' bytes, got ' + data.length));
    void opts; // no release assistance command on this module (capabilities: rai false)
    return this.chat.command(cmd, { data: bytesToStr(data), timeoutMs: 10000 }).then(
      function () {},
      function (e: ModemError) {
        // ERROR after the data = send failed; ERROR instead of the prompt = no such socket (stays ERROR)
        if (e.code === 'ERROR' && self.chat.lastPrompt) e.code = 'SEND_FAIL';
        throw e;
      },
    );
  }

  close(): Promise<void> {
    var self = this;
    return this.step(SIM7080G_CLOSE).then(function () {
      self.dropReceivers();
    });
  }

  signal(): Promise<Signal> {
    var self = this;
    return this.step(STEP_CSQ).then(function (q) {
      var s = parseCsq(q.lines[0]);
      return self.step(STEP_CESQ).then(function (c) {
        var e = parseCesq(c.lines[0]);
        s.rsrpDbm = e.rsrpDbm;
        s.rsrqDb = e.rsrqDb;
        return s;
      });
    });
  }

  identity(): Promise<Identity> {
    return this.identityFrom(SIM7080G_IDENTITY);
  }


  /** AT+CSCLK=1 and DTR inactive: the module sleeps when idle and enters PSM after the active time. */
  sleep(): Promise<void> {
    var self = this;
    return this.step({ send: 'AT+CSCLK=1', timeoutMs: 1000 }).then(function () {
      self.level(self.opts.pins ? self.opts.pins.wake : undefined, false);
    });
  }

  /** DTR active wakes from sleep; from PSM a PWRKEY pulse is needed; then AT. */
  wake(): Promise<void> {
    var self = this;
    var pins = this.opts.pins || {};
    this.level(pins.wake, true);
    return this.delay(SIM7080G_TIMING.wakeSettleMs)
      .then(function () {
        return self.step({ send: 'AT', timeoutMs: 500 }).then(
          function () {},
          function () {
            return self.pulse(pins.pwrkey, 200, 'PWRKEY').then(function () {
              return self.delay(500);
            });
          },
        );
      })
      .then(function () {
        return self.step({ send: 'AT+CSCLK=0', timeoutMs: 1000, retry: { count: 3, delayMs: 200 } });
      })
      .then(function () {});
  }

  powerOff(): Promise<void> {
    return this.chat.command('AT+CPOWD=1', { timeoutMs: 5000, final: ['NORMAL POWER DOWN'] }).then(
      function () {},
      function (e: ModemError) {
        if (e.code !== 'NO_RESPONSE') throw e;
      },
    );
  }
}
