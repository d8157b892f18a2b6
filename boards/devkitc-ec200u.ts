/**
 * Water meter: ESP32-DevKitC + Quectel EC200U (LTE Cat-1), a reed-switch pulse input and a leak alarm,
 * on an 18650 Li-ion cell (Cat-1 transmit peaks are too high for AA cells). Pins are THIS board's wiring:
 * - modem UART on Serial2, TX D17 → EC200U RXD, RX D16 ← EC200U TXD;
 * - PWRKEY from D4 through an NPN transistor (MCU side active high);
 * - reed switch on D25 and leak sensor on D26: both pins Espruino can setWatch on ESP32
 *   (targets/esp32/jshardware.c jshCanWatch: 0, 12–19, 21, 22, 25–27, 34–39);
 * - battery divider 100k/100k on D35 (ADC1).
 */
import type { BoardFile } from './schema.ts';

const NO_EC200U_FIGURES = 'energy.md: EC200U currents unknown; plausible LTE Cat-1 figure, replace with a measurement';

export default {
  id: 'devkitc-ec200u',
  extends: 'esp32-devkitc',
  name: 'DevKitC + EC200U water meter',
  description: 'ESP32-DevKitC with a Quectel EC200U LTE Cat-1 modem, a pulse input and a leak alarm.',
  modem: {
    model: 'EC200U',
    uart: { serial: 'Serial2', tx: 'D17', rx: 'D16', baud: 115200 },
    // Pulse length ASSUMED 500 ms (the Quectel LTE-module convention); check the EC200U Hardware Design.
    pwrkey: { pin: 'D4', activeHigh: true, pulseMs: 500 },
  },
  adc: [{ pin: 'D35', role: 'battery', name: 'battery', dividerRatio: 0.5, fullScaleV: 3.3 }],
  gpio: { led: 'D2', button: 'D0', pulse: 'D25', alarm: 'D26' },
  battery: {
    chemistry: '18650 Li-ion',
    capacityMah: 3000,
    nominalV: 3.6,
    assumed: true,
    note: 'typical 18650 cell rated 2500–3500 mAh; 3000 mAh used',
  },
  power: {
    modem: {
      off: { mA: 0.02, assumed: true, note: NO_EC200U_FIGURES },
      sleep: { mA: 1.5, assumed: true, note: NO_EC200U_FIGURES },
      idle: { mA: 18, assumed: true, note: NO_EC200U_FIGURES },
      rx: { mA: 60, assumed: true, note: NO_EC200U_FIGURES },
      tx: { mA: 450, assumed: true, note: `${NO_EC200U_FIGURES}; average over a burst at 23 dBm, peaks near 2 A` },
    },
  },
  notes: [
    'Pins for the modem, pulse and alarm inputs are this board’s own wiring on a DevKitC.',
    'All EC200U currents are assumptions (no vendor figure in our sources); PSM/eDRX support of the module is unknown.',
  ],
} satisfies BoardFile;
