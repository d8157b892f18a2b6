/**
 * Espressif ESP32-DevKitC (ESP32-WROOM-32 module). Adds the board-level sleep floor: the DevKitC's
 * AMS1117 LDO and CP2102 USB-UART bridge stay powered in deep sleep, so the whole board draws 3.8 mA
 * (measured, https://lucidar.me/en/esp32/power-consumption-of-esp32/) against 10 µA for the chip.
 */
import type { BoardFile } from './schema.ts';

export default {
  id: 'esp32-devkitc',
  extends: 'esp32-base',
  name: 'ESP32-DevKitC',
  description: 'Espressif ESP32-DevKitC V4 (ESP32-WROOM-32), powered through its 3V3/5V regulator.',
  // BOOT button on GPIO0 (Espruino BTN1 = D0); Espruino's LED1 is D2 (no LED is fitted on the DevKitC,
  // add one there).
  gpio: { button: 'D0', led: 'D2' },
  power: {
    board: {
      quiescent: {
        mA: 3.79,
        source: 'https://lucidar.me/en/esp32/power-consumption-of-esp32/ (DevKitC whole board in deep sleep: 3.8 mA)',
        note: 'regulator + USB bridge: the measured 3.8 mA whole-board figure minus the chip’s own 10 µA deep-sleep current',
      },
    },
  },
} satisfies BoardFile;
