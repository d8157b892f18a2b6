/**
 * Pin capabilities of the ESP32 chips the boards use, as Espruino 2v29 sees them. Data only; the board
 * loader (tools/lib/boards.ts) checks board files against it.
 */
import type { McuDef } from '../schema.ts';

export interface ChipPins {
  /** GPIO numbers that exist (Espruino names them D<n>). */
  gpio: readonly number[];
  /** GPIOs wired to the module's SPI flash / PSRAM: unusable for anything else. */
  reserved: readonly number[];
  /** Input-only GPIOs (no output driver). */
  inputOnly: readonly number[];
  /** ADC1 channels: the only ones Espruino's analogRead reads on ESP32 (ADC2 is shared with Wi-Fi). */
  adc1: readonly number[];
  /** Pins Espruino's setWatch accepts (jshCanWatch). */
  watchable: readonly number[];
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * Espruino's ESP32 setWatch: targets/esp32/jshardware.c jshCanWatch returns true only for
 * 0, 12–19, 21, 22, 25–27, 34–39 (same code for the S3 build; only the C3 differs). Other pins fail
 * with "Unable to set watch".
 */
const ESPRUINO_WATCHABLE = [0, ...range(12, 19), 21, 22, 25, 26, 27, ...range(34, 39)];

export const CHIP_PINS: Record<McuDef['chip'], ChipPins> = {
  /**
   * ESP32 datasheet §2.2 (pin description): GPIO 0–19, 21–23, 25–27, 32–39; 6–11 connect the
   * integrated SPI flash; 34–39 are input-only; ADC1 = GPIO 32–39 (Espruino boards/ESP32_IDF4.py maps
   * ADC1_IN0..7 to D36, D37, D38, D39, D32, D33, D34, D35).
   */
  ESP32: {
    gpio: [...range(0, 19), 21, 22, 23, 25, 26, 27, ...range(32, 39)],
    reserved: range(6, 11),
    inputOnly: range(34, 39),
    adc1: range(32, 39),
    watchable: ESPRUINO_WATCHABLE,
  },
  /**
   * ESP32-S3 datasheet (pin overview): GPIO 0–21 and 26–48 (22–25 do not exist, see also the comment
   * in Espruino boards/ESP32S3_IDF4.py); GPIO 26–32 connect the SPI flash / PSRAM; ADC1 = GPIO 1–10;
   * no input-only pins.
   */
  'ESP32-S3': {
    gpio: [...range(0, 21), ...range(26, 48)],
    reserved: range(26, 32),
    inputOnly: [],
    adc1: range(1, 10),
    watchable: ESPRUINO_WATCHABLE.filter((p) => p <= 21 || p >= 26),
  },
};
