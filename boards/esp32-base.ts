/**
 * Abstract base for every classic-ESP32 board running Espruino 2v29. Holds the MCU facts only; a real
 * board extends it with its console wiring, modem, sensors, battery and board-level currents.
 *
 * Sources:
 * - Espruino boards/ESP32_IDF4.py (2v2x): 'variables' 16383 (the 14 B/JsVar format), ESP_STACK_SIZE
 *   25000, saved_code at 0x320000 in 4096 B pages, default console EV_SERIAL1 at 115200.
 * - Espruino ESP32 port notes (targets/esp32): JsVars = (free heap − 40000 B) / 14, capped at 16383.
 * - ESP32 datasheet, table "Power consumption by power modes" (currents below).
 */
import type { BoardFile } from './schema.ts';

/**
 * jsVars: the formula gives (free heap − 40000) / 14. ASSUMPTION: with Wi-Fi and BLE not started the
 * free heap at jsvInit is ≥ 269,362 B (16383 × 14 + 40000), which ESP32 modules without PSRAM reach
 * (≈ 290 KB free of 520 KB SRAM), so the cap applies: min((290000 − 40000) / 14 = 17857, 16383) = 16383.
 * If Wi-Fi or BLE is enabled before boot the real figure is lower; check process.memory().total.
 */
const JS_VARS = 16383;

export default {
  id: 'esp32-base',
  abstract: true,
  name: 'ESP32 (Espruino 2v29) base',
  description: 'Classic ESP32 MCU facts shared by every ESP32 board: memory, Storage, sleep limits, console, chip currents.',
  mcu: {
    chip: 'ESP32',
    // process.env.BOARD of the ESP32 build (boards/ESP32.py → espruino_2v29_esp32.bin) and JS_VERSION.
    espruino: { board: 'ESP32', version: '2v29' },
    jsVars: JS_VARS,
    // 14 B per JsVar for the 16383-variable format (boards/ESP32_IDF4.py table; process.memory().blocksize).
    jsVarBytes: 14,
    // ESP_STACK_SIZE=25000 in the ESP32 board files. QuickJS frames are smaller (a trivial recursion
    // reaches depth 140 with this limit), so the simulator is more lenient on recursion than the board.
    stackLimitBytes: 25000,
    // Storage since 2v26: 896 KB at 0x320000, 224 pages of 4 KB.
    storage: { bytes: 896 * 1024, pageBytes: 4096 },
    // ESP32.deepSleep(us) takes a C int: 2^31 − 1 µs ≈ 35.8 min.
    maxDeepSleepUs: 2147483647,
  },
  // Espruino console: Serial1 = UART0 on TX D1 / RX D3 at 115200 (boards/ESP32.py default_console).
  console: { serial: 'Serial1', tx: 'D1', rx: 'D3', baud: 115200 },
  i2c: [],
  adc: [],
  gpio: {},
  power: {
    mcu: {
      active240: {
        mA: 50,
        source: 'ESP32 datasheet, "Power consumption by power modes": modem-sleep, CPU 240 MHz, 30–50 mA',
        note: 'upper bound of the range; Wi-Fi/BT off (Espruino does not start them unless asked)',
      },
      active80: {
        mA: 25,
        source: 'ESP32 datasheet, "Power consumption by power modes": modem-sleep, CPU 80 MHz, 20–25 mA',
        note: 'upper bound of the range',
      },
      lightSleep: { mA: 0.8, source: 'ESP32 datasheet, "Power consumption by power modes": light-sleep 0.8 mA' },
      deepSleep: {
        mA: 0.01,
        source: 'ESP32 datasheet, "Power consumption by power modes": deep-sleep, RTC timer + RTC memory, 10 µA',
      },
      hibernation: {
        mA: 0.005,
        source: 'ESP32 datasheet, "Power consumption by power modes": hibernation, RTC timer only, 5 µA',
      },
    },
  },
  notes: [
    'jsVars 16383 assumes ≥ 269 KB free heap at boot (Wi-Fi/BLE off); the formula is (free heap − 40000) / 14, capped at 16383.',
    'getTime() across deep sleep is not guaranteed: waking is a reboot; keep state in Storage.',
  ],
} satisfies BoardFile;
