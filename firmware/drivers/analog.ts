/**
 * ADC front ends on the ESP32's ADC1 (analogRead → 0..1 of the full scale; 11 dB attenuation reads up
 * to ≈3.3 V — ESP32 datasheet §4.1.2; Espruino: `ESP32.setAtten(pin, 3)`).
 */
import { pinOf, type Sensor } from './sensor.ts';

/**
 * Capacitive soil-moisture probe: its output falls linearly from `dryV` (in air, 0 %) to `wetV` (in
 * water, 100 %). Calibrate both per probe; the defaults are typical of the common v1.2 probes (assumed).
 */
export function soilMoisture(opts: { pin: any; dryV?: number; wetV?: number; fullScaleV?: number; name?: string }): Sensor {
  var dry = opts.dryV || 2.8;
  var wet = opts.wetV || 1.2;
  var fs = opts.fullScaleV || 3.3;
  var pin = pinOf(opts.pin);
  return {
    channels: [{ name: opts.name || 'soil', unit: '%', digits: 1 }],
    read: function () {
      var v = analogRead(pin) * fs;
      var pct = ((dry - v) / (dry - wet)) * 100;
      return Promise.resolve([pct < 0 ? 0 : pct > 100 ? 100 : pct]);
    },
  };
}

/** Battery voltage through a resistive divider: V_pin = V_batt · ratio. */
export function batteryVoltage(opts: { pin: any; ratio: number; fullScaleV?: number; name?: string }): Sensor {
  var fs = opts.fullScaleV || 3.3;
  var pin = pinOf(opts.pin);
  return {
    channels: [{ name: opts.name || 'bat', unit: 'V', digits: 3 }],
    read: function () {
      return Promise.resolve([(analogRead(pin) * fs) / opts.ratio]);
    },
  };
}
