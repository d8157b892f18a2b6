/**
 * LilyGO T-A7670 (T-SIM A7670E/G/SA; ESP32-WROVER-E + SIMCom A7670), with an 18650 cell in the board's
 * holder. Pins are LilyGO's published layout: Xinyuan-LilyGO/LilyGO-T-A76XX examples/ATdebug/utilities.h,
 * block LILYGO_T_A7670:
 *   MODEM_TX_PIN 26, MODEM_RX_PIN 27 (ESP32 side; SerialAT.begin(baud, SERIAL_8N1, MODEM_RX_PIN, MODEM_TX_PIN)),
 *   MODEM_BAUDRATE 115200, BOARD_PWRKEY_PIN 4, BOARD_POWERON_PIN 12 (must be HIGH to power the modem),
 *   MODEM_RESET_PIN 5 with MODEM_RESET_LEVEL HIGH, MODEM_DTR_PIN 25, MODEM_RING_PIN 33, BOARD_BAT_ADC_PIN 35.
 * Pulse widths from LilyGO's examples: PWRKEY LOW → HIGH 100 ms → LOW; RESET at its level for 2600 ms.
 */
import type { BoardFile } from './schema.ts';

const NO_A7670_FIGURES = 'energy.md: A7670 currents unknown; plausible LTE Cat-1 figure, replace with a measurement';

export default {
  id: 'lilygo-t-a7670',
  extends: 'esp32-base',
  name: 'LilyGO T-A7670',
  description: 'LilyGO T-A7670 (ESP32-WROVER-E + SIMCom A7670 LTE Cat-1) with an 18650 cell.',
  modem: {
    model: 'A7670',
    uart: { serial: 'Serial2', tx: 'D26', rx: 'D27', baud: 115200 },
    pwrkey: { pin: 'D4', activeHigh: true, pulseMs: 100 },
    reset: { pin: 'D5', activeHigh: true, pulseMs: 2600 },
    // SIMCom DTR: low keeps the module awake, high lets it sleep after AT+CSCLK=1.
    wake: { pin: 'D25', activeHigh: false },
    ring: { pin: 'D33', activeHigh: false },
    powerEnable: { pin: 'D12', activeHigh: true },
  },
  adc: [
    // LilyGO's examples read the battery as analogReadMilliVolts(BOARD_BAT_ADC_PIN) * 2: a 1:2 divider.
    { pin: 'D35', role: 'battery', name: 'battery', dividerRatio: 0.5, fullScaleV: 3.3 },
  ],
  // No user LED on this board; GPIO0 is the BOOT button.
  gpio: { button: 'D0' },
  battery: {
    chemistry: '18650 Li-ion',
    capacityMah: 3000,
    nominalV: 3.6,
    assumed: true,
    note: 'typical 18650 cell rated 2500–3500 mAh; 3000 mAh used',
  },
  power: {
    board: {
      quiescent: {
        mA: 0.5,
        assumed: true,
        note: 'no measurement of this board in our sources; charger, regulator and the CH9102 USB bridge assumed ≈0.5 mA',
      },
    },
    modem: {
      off: { mA: 0.02, assumed: true, note: `${NO_A7670_FIGURES}; modem supply switched off by BOARD_POWERON_PIN` },
      sleep: { mA: 2, assumed: true, note: NO_A7670_FIGURES },
      idle: { mA: 20, assumed: true, note: NO_A7670_FIGURES },
      rx: { mA: 60, assumed: true, note: NO_A7670_FIGURES },
      tx: { mA: 450, assumed: true, note: `${NO_A7670_FIGURES}; average over a burst at 23 dBm, peaks near 2 A` },
    },
  },
  notes: [
    'Modem pins from LilyGO’s utilities.h (Xinyuan-LilyGO/LilyGO-T-A76XX, LILYGO_T_A7670).',
    'GPIO16/17 are taken by the WROVER module’s PSRAM: do not use them.',
    'All A7670 currents and the board quiescent current are assumptions.',
  ],
} satisfies BoardFile;
