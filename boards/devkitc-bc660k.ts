/**
 * Soil probe: ESP32-DevKitC + Quectel BC660K-GL (NB-IoT) + Sensirion SHT3x + capacitive soil-moisture
 * probe, on 2×AA lithium cells. The pin choices below are THIS board's wiring (the DevKitC has no modem):
 * - modem UART on Serial2, TX D17 → BC660K RXD, RX D16 ← BC660K TXD (the DevKitC's "TX2/RX2" pins);
 * - BC660K RESET_N driven from D4 through an NPN transistor (so the MCU side is active high), held
 *   500 ms, then 600 ms before the first AT (modems.md, "BC660K RESET held 500 ms");
 * - PSM_EINT from D5 through an NPN transistor, a ≥100 ms pulse wakes the module from PSM;
 * - SHT3x on I2C1 (Espruino defaults SCL D22 / SDA D21) at 0x44 (ADDR pin low);
 * - soil probe on D34 and a 100k/100k battery divider on D35 (both ADC1, as Espruino's analogRead needs).
 */
import type { BoardFile } from './schema.ts';

export default {
  id: 'devkitc-bc660k',
  extends: 'esp32-devkitc',
  name: 'DevKitC + BC660K-GL soil probe',
  description: 'ESP32-DevKitC with a Quectel BC660K-GL NB-IoT modem, an SHT3x and a soil-moisture probe.',
  modem: {
    model: 'BC660K-GL',
    // 115200 is this board's setting (stored in the module with AT+IPR).
    uart: { serial: 'Serial2', tx: 'D17', rx: 'D16', baud: 115200 },
    reset: { pin: 'D4', activeHigh: true, pulseMs: 500 },
    wake: { pin: 'D5', activeHigh: true, pulseMs: 100 },
  },
  i2c: [
    {
      bus: 'I2C1',
      scl: 'D22',
      sda: 'D21',
      bitrate: 100000,
      devices: [{ type: 'SHT3x', address: 0x44, name: 'sht3x' }],
    },
  ],
  adc: [
    // ESP32 ADC with 11 dB attenuation reads up to ≈3.3 V (ESP32.setAtten(pin, 3)).
    { pin: 'D34', role: 'soil-moisture', name: 'soil', fullScaleV: 3.3 },
    { pin: 'D35', role: 'battery', name: 'battery', dividerRatio: 0.5, fullScaleV: 3.3 },
  ],
  // battery: 2×AA lithium, inherited from esp32-devkitc (NB-IoT Tx peaks need a bulk capacitor).
  power: {
    modem: {
      psm: { mA: 0.0008, source: 'Quectel BC660K-GL Hardware Design §3.4.2: deep sleep (PSM) 800 nA typ' },
      off: {
        mA: 0.0008,
        assumed: true,
        note: 'the board never cuts the modem supply; it parks in PSM, so "off" is the PSM floor',
      },
      idle: {
        mA: 0.67,
        assumed: true,
        note: 'no BC660K figure in our sources; 2.4 mW idle/light-sleep at 3.6 V from the TR 45.820 evaluation levels (Ratasuk et al., IEEE WCNCW 2016)',
      },
      rx: {
        mA: 25,
        assumed: true,
        note: 'no BC660K figure in our sources; 90 mW Rx at 3.6 V from the TR 45.820 evaluation levels (Ratasuk et al.)',
      },
      tx: {
        mA: 151,
        assumed: true,
        note: 'no BC660K figure in our sources; 543 mW Tx (23 dBm) at 3.6 V from the TR 45.820 evaluation levels (Ratasuk et al.)',
      },
    },
    sht3x: {
      idle: { mA: 0.0002, source: 'Sensirion SHT3x-DIS datasheet, electrical specification: idle current 0.2 µA typ' },
      measuring: { mA: 0.6, source: 'Sensirion SHT3x-DIS datasheet, electrical specification: measuring current 600 µA typ' },
    },
    soil: {
      off: { mA: 0, assumed: true, note: 'probe supply switched off between readings' },
      on: { mA: 5, assumed: true, note: 'typical capacitive soil probe (555-based) draws ≈5 mA while powered' },
    },
  },
  notes: [
    'Pins for the modem, sensors, LED and button are this board’s own wiring on a DevKitC, not a vendor layout.',
    'BC660K figures other than PSM are assumptions derived from 3GPP TR 45.820 power levels; replace them with measurements.',
    'The DevKitC regulator + USB bridge (3.79 mA) dominates the sleep floor: for a battery node, power the module directly.',
  ],
} satisfies BoardFile;
