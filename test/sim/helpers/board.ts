/** A minimal ESP32 board for engine tests (figures as in boards/esp32-base.ts). */
import type { Board } from '../../../boards/schema.ts';

export function testBoard(over: Partial<Board> = {}): Board {
  return {
    id: 'test-esp32',
    name: 'Test ESP32',
    description: 'engine tests',
    lineage: ['test-esp32'],
    mcu: {
      chip: 'ESP32',
      espruino: { board: 'ESP32', version: '2v29' },
      jsVars: 16383,
      jsVarBytes: 14,
      memoryLimitBytes: 16383 * 14 * 2,
      stackLimitBytes: 25000,
      storage: { bytes: 64 * 4096, pageBytes: 4096 },
      maxDeepSleepUs: 2147483647,
    },
    console: { serial: 'Serial1', tx: 'D1', rx: 'D3', baud: 115200 },
    i2c: [],
    adc: [],
    gpio: { led: 'D2', button: 'D0' },
    battery: { chemistry: 'Li-SOCl2', capacityMah: 2600, nominalV: 3.6 },
    power: {
      mcu: { active240: { mA: 50 }, deepSleep: { mA: 0.01 } },
      board: { quiescent: { mA: 0.005 } },
    },
    ...over,
  };
}
