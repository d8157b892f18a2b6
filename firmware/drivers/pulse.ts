/**
 * Pulse counter for meters with a reed-switch or open-collector output (e.g. 1 pulse per 10 L): counts
 * falling edges with Espruino's setWatch while the MCU is awake (a deep-sleeping ESP32 cannot count:
 * Espruino 2v29 has no ULP/PCNT API). The total survives reboots: it is persisted in Storage at every
 * read (a sample), so a power loss loses at most the pulses since the last sample.
 */
import { pinOf, type Sensor } from './sensor.ts';

export interface PulseOptions {
  pin: any;
  /** Units per pulse, e.g. litres. Default 1. */
  perPulse?: number;
  unit?: string;
  name?: string;
  /** Storage file for the total (≤ 28 chars). */
  file?: string;
  /** Debounce in ms (reed switches bounce). Default 20. */
  debounceMs?: number;
}

export function pulseCounter(opts: PulseOptions): Sensor {
  var storage = require('Storage');
  var file = opts.file || 'pulse.cnt';
  var saved = storage.readJSON(file, true);
  var count = saved && typeof saved.n === 'number' ? saved.n : 0;
  var per = opts.perPulse || 1;
  var pin = pinOf(opts.pin);
  pinMode(pin, 'input_pullup');
  setWatch(
    function () {
      count++;
    },
    pin,
    { repeat: true, edge: 'falling', debounce: opts.debounceMs || 20 },
  );
  return {
    channels: [{ name: opts.name || 'volume', unit: opts.unit || 'l', digits: 3 }],
    read: function () {
      storage.writeJSON(file, { n: count });
      return Promise.resolve([count * per]);
    },
  };
}

/** A digital input as a 0/1 channel (e.g. a leak sensor that pulls its line low when wet). */
export function digitalInput(opts: { pin: any; name: string; activeLow?: boolean }): Sensor {
  var pin = pinOf(opts.pin);
  pinMode(pin, opts.activeLow ? 'input_pullup' : 'input_pulldown');
  return {
    channels: [{ name: opts.name, unit: '', digits: 0 }],
    read: function () {
      var v = digitalRead(pin) ? 1 : 0;
      return Promise.resolve([opts.activeLow ? 1 - v : v]);
    },
  };
}
