/**
 * One uplink session: bring the modem up (wake it from PSM when it is still registered, else power on,
 * init, attach), take the network time, open the UDP socket, then for each batch of queued samples:
 * issue a frame counter, seal the batch as SenML-CBOR in COSE_Encrypt0, send it as a CoAP CON POST and
 * wait for the ACK (retransmitting with NB-IoT timers). Only the ACK deletes the batch from the queue;
 * an ACK payload is a downlink sealed by the ingest, opened and applied here. The last message asks for
 * release assistance where the modem has it. Resolves true when everything queued was delivered.
 */
import { sealReadings, openDownlink, CborMap, CodecError, type SenmlRecord } from '../codec/index.ts';
import { coapPost, CoapExchange, type CoapMessage } from '../codec/coap.ts';
import type { FrameCounter } from '../codec/counter.ts';
import type { CellularModem, ModemOptions } from '../modem/common.ts';
import type { Channel } from '../drivers/sensor.ts';
import { pinOf } from '../drivers/sensor.ts';
import type { NodeConfig } from './config.ts';
import { CONFIG_FILE, OVERRIDES_FILE, replaceConfig } from './config.ts';
import { toHex } from '../modem/chat.ts';
import { ack, pending, readPending, type Sample } from './queue.ts';
import type { NodeState } from './state.ts';
import { saveState } from './state.ts';

export interface UplinkContext {
  app: { modem: (opts: ModemOptions) => CellularModem; samplesPerMessage?: number };
  cfg: NodeConfig;
  st: NodeState;
  storage: any;
  counter: FrameCounter;
  channels: Channel[];
  board: any;
  log: (s: string) => void;
}

/** Attach timeout: NB-IoT registration can take minutes in poor coverage (Zephyr uses 180 s). */
var ATTACH_MS = 180000;
/** Longest number of messages one session sends (the rest waits for the next session). */
var MAX_MESSAGES = 24;

function errText(e: any): string {
  if (!e) return 'unknown error';
  return (e.code ? e.code + ': ' : '') + (e.message || String(e)) + (e.command ? ' (' + e.command + ')' : '');
}

export function records(samples: Sample[], channels: Channel[]): SenmlRecord[] {
  var out: SenmlRecord[] = [];
  samples.forEach(function (s) {
    for (var i = 0; i < channels.length && i < s.v.length; i++) {
      if (typeof s.v[i] === 'number') out.push({ n: channels[i].name, u: channels[i].unit, v: s.v[i], t: s.t });
    }
  });
  return out;
}

/**
 * One driver per boot: a driver owns the modem UART's data listener and its chat state, so an
 * always-awake node (stayAwake) must reuse it across sessions instead of stacking listeners.
 */
var driver: CellularModem | undefined;

function modemFor(c: UplinkContext): CellularModem {
  if (driver) return driver;
  var m = c.board.modem;
  var serial = (globalThis as any)[m.uart.serial];
  serial.setup(m.uart.baud, { tx: pinOf(m.uart.tx), rx: pinOf(m.uart.rx) });
  var pins: any = {};
  if (m.pwrkey) pins.pwrkey = { pin: pinOf(m.pwrkey.pin), activeHigh: m.pwrkey.activeHigh };
  if (m.reset) pins.reset = { pin: pinOf(m.reset.pin), activeHigh: m.reset.activeHigh };
  if (m.wake) pins.wake = { pin: pinOf(m.wake.pin), activeHigh: m.wake.activeHigh };
  if (m.powerEnable) pins.powerEnable = { pin: pinOf(m.powerEnable.pin), activeHigh: m.powerEnable.activeHigh };
  driver = c.app.modem({ serial: serial, pins: pins, apn: c.cfg.apn });
  return driver;
}

/**
 * Key rotation by downlink (`sensornode devices rotate`): {"kv": n, "key": 32 bytes, "iv": 12 bytes},
 * authenticated and encrypted under the current key. The new key material replaces the config; the
 * frame counter simply continues (never reused under either key). This protects against key wear-out,
 * not against a leaked key — for that, re-provision the device.
 */
function applyRekey(c: UplinkContext, value: any): boolean {
  var kv = value.get('kv');
  var key = value.get('key');
  var iv = value.get('iv');
  if (kv === undefined && key === undefined && iv === undefined) return false;
  if (typeof kv !== 'number' || kv <= c.cfg.kv || !(key instanceof Uint8Array) || key.length !== 32 || !(iv instanceof Uint8Array) || iv.length !== 12) {
    c.log('rekey downlink refused: needs kv above ' + c.cfg.kv + ', a 32-byte key and a 12-byte iv');
    return true;
  }
  var file: any = JSON.parse(c.storage.read(CONFIG_FILE) as string);
  file.kv = kv;
  file.key = toHex(key);
  file.iv = toHex(iv);
  if (!replaceConfig(c.storage, file)) {
    c.log('ERROR rekey: could not write the new config');
    return true;
  }
  c.cfg.kv = kv;
  c.cfg.key = key;
  c.cfg.iv = iv;
  c.log('key rotated to version ' + kv);
  return true;
}

/** Applies a downlink: a CBOR map with text keys; known keys: sampleS, uplinkS (seconds), kv/key/iv (rotation). */
function applyDownlink(c: UplinkContext, value: any): void {
  if (!(value instanceof CborMap)) {
    c.log('downlink ignored: not a map');
    return;
  }
  applyRekey(c, value);
  var ov: any = {};
  var text = c.storage.read(OVERRIDES_FILE);
  if (text !== undefined) {
    try {
      ov = JSON.parse(text);
    } catch (e) {
      ov = {};
    }
  }
  var changed = false;
  ['sampleS', 'uplinkS'].forEach(function (k) {
    var v = value.get(k);
    if (typeof v === 'number' && v > 0 && v < 1e9) {
      ov[k] = v;
      (c.cfg as any)[k] = v;
      changed = true;
    }
  });
  if (changed) {
    c.storage.write(OVERRIDES_FILE, JSON.stringify(ov));
    c.log('downlink applied: ' + JSON.stringify(ov));
  }
}

function sendBatches(c: UplinkContext, modem: CellularModem, sent: number): Promise<number> {
  var per = c.app.samplesPerMessage || 4;
  var batch = readPending(c.storage, c.st, per);
  if (batch.lines === 0 || sent >= MAX_MESSAGES) return Promise.resolve(sent);
  var ctr = c.counter.issue();
  if (ctr instanceof CodecError) return Promise.reject({ code: 'COUNTER', message: ctr.message });
  var payload = sealReadings(c.cfg.key, c.cfg.iv, c.cfg.kid, ctr as number, '', records(batch.samples, c.channels));
  var last = pending(c.st) <= batch.lines || sent + 1 >= MAX_MESSAGES;
  var token = new Uint8Array([(ctr as number) >>> 16 & 0xff, (ctr as number) >>> 8 & 0xff, (ctr as number) & 0xff]);
  var msg = coapPost((ctr as number) & 0xffff, token, c.cfg.path, payload);
  var ex = new CoapExchange({
    send: function (bytes: Uint8Array) {
      // release assistance (e.g. BC660K AT+CNMPSD) on the session's last message: the radio is
      // released as soon as the ACK is in, instead of after the network's inactivity timer.
      return modem.send(bytes, { releaseAssist: last });
    },
    receive: function (ms: number) {
      return modem.receive(ms);
    },
  });
  return ex.request(msg).then(function (resp: CoapMessage) {
    if (resp.code >> 5 !== 2) throw { code: 'COAP_' + (resp.code >> 5) + '.' + ('0' + (resp.code & 31)).slice(-2), message: 'the ingest refused the message' };
    ack(c.storage, c.st, batch.lines);
    saveState(c.storage, c.st);
    c.log('uplink #' + ctr + ': ' + batch.samples.length + ' samples, ' + payload.length + ' B sealed, ack ' + (resp.code >> 5) + '.' + ('0' + (resp.code & 31)).slice(-2));
    if (resp.payload && resp.payload.length) {
      var d = openDownlink(c.cfg.key, c.cfg.iv, resp.payload, c.st.dc);
      if (d instanceof CodecError) c.log('downlink rejected: ' + d.code + ' ' + d.message);
      else {
        c.st.dc = d.counter;
        applyDownlink(c, d.value);
      }
    }
    return sendBatches(c, modem, sent + 1);
  });
}

export function runUplink(c: UplinkContext): Promise<boolean> {
  var modem = modemFor(c);
  var psm = modem.caps.psm;
  var up: Promise<any>;
  if (c.st.ms === 1 && psm) {
    up = modem.wake().then(function () {
      return modem.attach(ATTACH_MS);
    });
  } else {
    up = modem
      .powerOn()
      .then(function () {
        return modem.sync();
      })
      .then(function () {
        return modem.init();
      })
      .then(function () {
        // T3412 above the uplink interval so the modem needs no TAU between uplinks; 2 s active time.
        if (psm) return modem.requestPsm(Math.max(c.cfg.uplinkS * 2, 3600), 2);
      })
      .then(function () {
        return modem.attach(ATTACH_MS);
      });
  }
  return up
    .then(function () {
      if (modem.psmGranted) c.log('PSM granted: TAU ' + modem.psmGranted.tauS + ' s, active ' + modem.psmGranted.activeTimeS + ' s');
      return modem.networkTime();
    })
    .then(function (ms: number | null) {
      var d = ms === null ? 0 : ms / 1000 - getTime();
      if (Math.abs(d) > 2) {
        // The RTC was off (e.g. 1970 after power-on): take the network's time and move the schedule
        // with it. Samples already queued keep the time they were taken with.
        c.log('clock set from the network: ' + (d > 0 ? '+' : '') + Math.round(d) + ' s');
        setTime(getTime() + d);
        c.st.ns += d;
        c.st.nu += d;
      }
      return modem.openUdp(c.cfg.host, c.cfg.port);
    })
    .then(function () {
      return sendBatches(c, modem, 0);
    })
    .then(function () {
      return modem.close();
    })
    .then(function () {
      if (psm) {
        c.st.ms = 1;
        return modem.sleep();
      }
      c.st.ms = 0;
      return modem.powerOff();
    })
    .then(
      function () {
        return pending(c.st) === 0;
      },
      function (e: any) {
        c.log('ERROR uplink: ' + errText(e));
        c.st.ms = 0;
        return modem.powerOff().then(
          function () {
            return false;
          },
          function () {
            return false;
          },
        );
      },
    );
}
