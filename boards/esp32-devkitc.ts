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
  battery: {
    chemistry: '2×AA Li-FeS2 (e.g. Energizer L91) in series',
    capacityMah: 3000,
    nominalV: 3.0,
    assumed: true,
    note: 'fed to the 3V3 pin (2.7–3.6 V over the cell life). L91 capacity depends on load and temperature (vendor curves ≈3000–3500 mAh at light loads); 3000 mAh used',
  },
  power: {
    board: {
      quiescent: {
        mA: 3.79,
        source: 'https://lucidar.me/en/esp32/power-consumption-of-esp32/ (DevKitC whole board in deep sleep: 3.8 mA)',
        note: 'regulator + USB bridge: the measured 3.8 mA whole-board figure minus the chip’s own 10 µA deep-sleep current; measured powered through the regulator, so an upper bound when the cells feed 3V3 directly',
      },
    },
  },
} satisfies BoardFile;
