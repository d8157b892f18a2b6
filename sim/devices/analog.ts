/**
 * Analog front ends as seen by `analogRead(pin)` on the ESP32: a value 0..1 from the 12-bit SAR ADC
 * (Espruino returns raw/4095; quantized here to 1/4095). `fullScaleV` is the input voltage that reads
 * as 1.0 for the pin's attenuation (ESP32 datasheet §5.5 / ESP-IDF ADC docs: about 1.1 V at 0 dB,
 * 1.5 V at 2.5 dB, 2.2 V at 6 dB, 3.1–3.3 V at 11 dB, the Espruino default). Non-linearity and
 * per-chip gain error are not modelled.
 */
import type { ValueSource } from '../core/types.ts';

export interface AnalogInput {
  /** Normalized analogRead value 0..1 at virtual time t (ms). */
  read(t: number): number;
}

const STEPS = 4095;

/** Quantize a voltage to the normalized 12-bit reading (clamped to 0..1). */
export function adcNormalize(volts: number, fullScaleV: number): number {
  if (!(fullScaleV > 0)) throw new Error(`ADC full scale must be > 0 V, got ${fullScaleV}`);
  const code = Math.round((volts / fullScaleV) * STEPS);
  return Math.max(0, Math.min(STEPS, code)) / STEPS;
}

/**
 * Battery voltage through a resistor divider: V_pin = V_bat · ratio (e.g. 100k/100k → 0.5).
 */
export function batteryDivider(opts: { ratio: number; fullScaleV: number; voltage: ValueSource }): AnalogInput {
  if (!(opts.ratio > 0 && opts.ratio <= 1)) throw new Error(`batteryDivider: ratio must be in (0, 1], got ${opts.ratio}`);
  return { read: (t) => adcNormalize(opts.voltage.at(t) * opts.ratio, opts.fullScaleV) };
}

/**
 * Capacitive soil-moisture probe (the common "v1.2/v2.0" boards): output falls linearly from dryV
 * at 0 % to wetV at 100 % volumetric moisture. The defaults callers use (e.g. dryV 2.8 V, wetV 1.2 V
 * at 3.3 V supply) are assumptions from typical hobby-probe calibrations, not a datasheet: calibrate
 * the real probe in dry and saturated soil.
 */
export function soilMoistureProbe(opts: { moisture: ValueSource; dryV: number; wetV: number; fullScaleV: number }): AnalogInput {
  if (opts.dryV === opts.wetV) throw new Error('soilMoistureProbe: dryV and wetV must differ');
  return {
    read: (t) => {
      const m = Math.max(0, Math.min(100, opts.moisture.at(t)));
      return adcNormalize(opts.dryV + ((opts.wetV - opts.dryV) * m) / 100, opts.fullScaleV);
    },
  };
}
