/**
 * validateBoard: each rule gives one message naming the board file and the field path, in the form
 * `<file>: <path> <problem>`. Cases start from a valid resolved board and break one thing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Board } from '../../boards/schema.ts';
import { loadBoard, validateBoard } from '../../tools/lib/boards.ts';
import { UserError } from '../../tools/lib/errors.ts';

const FILE = 'boards/foo.ts';
let good: Board;
let goodS3: Board;

beforeAll(async () => {
  const { abstract: _a, file: _f, ...b } = await loadBoard('devkitc-bc660k');
  good = b;
  const { abstract: _b, file: _g, ...s3 } = await loadBoard('lilygo-t-sim7080g-s3');
  goodS3 = s3;
});

/** A deep copy of the good board changed by `edit`. */
function variant(edit: (b: any) => void, from?: Board): unknown {
  const b = structuredClone(from ?? good) as any;
  edit(b);
  return b;
}

function problems(raw: unknown): string[] {
  try {
    validateBoard(raw, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toBe('BOARD_INVALID');
    return (e as UserError).message.split('\n');
  }
  throw new Error('board validated but should not have');
}

describe('validateBoard', () => {
  it('accepts the valid board and fills the memory limit default', () => {
    const { memoryLimitBytes: _m, ...mcu } = good.mcu;
    const b = validateBoard({ ...good, mcu }, FILE);
    expect(b.mcu.memoryLimitBytes).toBe(16383 * 14 * 2);
  });

  const cases: [string, (b: any) => void, string][] = [
    ['baud not a number', (b) => (b.modem.uart.baud = 'x'), 'modem.uart.baud must be a positive integer, got "x"'],
    ['baud zero', (b) => (b.console.baud = 0), 'console.baud must be a positive integer, got 0'],
    ['missing name', (b) => delete b.name, 'name must be a non-empty string, got nothing'],
    ['missing mcu', (b) => delete b.mcu, 'mcu must be an object, got nothing'],
    ['missing jsVars', (b) => delete b.mcu.jsVars, 'mcu.jsVars must be a positive integer, got nothing'],
    ['unknown field (typo)', (b) => (b.modem.uart.bauds = 9600), 'modem.uart.bauds is not a known field (expected one of: serial, tx, rx, baud)'],
    ['unknown serial', (b) => (b.modem.uart.serial = 'Serial4'), 'modem.uart.serial must be one of Serial1, Serial2, Serial3, got "Serial4"'],
    ['unknown modem model', (b) => (b.modem.model = 'BG96'), 'modem.model must be one of BC660K-GL, SIM7080G, EC200U, EG915U, EC800N, A7670, A7672, got "BG96"'],
    ['pin name not Espruino', (b) => (b.modem.reset.pin = 'GPIO4'), 'modem.reset.pin must be an Espruino pin name like "D21", got "GPIO4"'],
    ['pin that does not exist', (b) => (b.gpio.led = 'D24'), 'gpio.led D24 does not exist on the ESP32 (valid: GPIO 0–19, 21–23, 25–27, 32–39)'],
    ['flash pin', (b) => (b.gpio.led = 'D6'), 'gpio.led D6 is wired to the module\'s SPI flash/PSRAM on the ESP32 (GPIO 6–11)'],
    ['ADC on an ADC2 pin', (b) => (b.adc[0].pin = 'D25'), 'adc[0].pin D25 is not an ADC1 pin; Espruino\'s analogRead on the ESP32 reads ADC1 only (GPIO 32–39)'],
    ['setWatch on a pin Espruino cannot watch', (b) => (b.gpio.button = 'D23'), 'gpio.button D23 cannot be used with Espruino setWatch on the ESP32 (watchable: GPIO 0, 12–19, 21–22, 25–27, 34–39)'],
    ['output on an input-only pin', (b) => (b.modem.wake.pin = 'D36'), 'modem.wake.pin D36 is input-only on the ESP32 (GPIO 34–39) and cannot drive this line'],
    ['pin used for two roles', (b) => (b.gpio.led = 'D17'), 'gpio.led D17 is already used by modem.uart.tx'],
    ['two ADC channels on one pin', (b) => (b.adc[1].pin = 'D34'), 'adc[1].pin D34 is already used by adc[0].pin'],
    ['negative current', (b) => (b.power.modem.tx.mA = -1), 'power.modem.tx.mA must be a number ≥ 0, got -1'],
    [
      'current without source or assumed',
      (b) => (b.power.modem.rx = { mA: 25 }),
      'power.modem.rx needs a source (datasheet section, URL of a measurement) or `assumed: true` with a note',
    ],
    ['I2C address too high', (b) => (b.i2c[0].devices[0].address = 0x80), 'i2c[0].devices[0].address must be a 7-bit I2C address 0x08–0x77, got 0x80'],
    ['I2C reserved address', (b) => (b.i2c[0].devices[0].address = 0x03), 'i2c[0].devices[0].address must be a 7-bit I2C address 0x08–0x77, got 0x3'],
    [
      'I2C address twice on a bus',
      (b) => b.i2c[0].devices.push({ type: 'BME280', address: 0x44, name: 'bme' }),
      'i2c[0].devices[1].address 0x44 is used twice on I2C1',
    ],
    ['modem on the console UART', (b) => (b.modem.uart.serial = 'Serial1'), 'modem.uart.serial Serial1 is the Espruino console (console.serial); use another UART'],
    ['deep sleep beyond a C int', (b) => (b.mcu.maxDeepSleepUs = 2147483648), 'mcu.maxDeepSleepUs must be ≤ 2147483647 (ESP32.deepSleep takes a C int), got 2147483648'],
    ['storage not whole pages', (b) => (b.mcu.storage.bytes = 5000), 'mcu.storage.bytes must be a whole number of pages (4096 B), got 5000'],
    ['divider ratio out of range', (b) => (b.adc[1].dividerRatio = 2), 'adc[1].dividerRatio must be a number in (0, 1], got 2'],
    ['I2C device without power figures', (b) => delete b.power.sht3x, 'power.sht3x is required for the I2C device "sht3x"'],
    ['modem without power figures', (b) => delete b.power.modem, 'power.modem is required when the board has a modem'],
    ['battery without source or assumed', (b) => delete b.battery.assumed, 'battery needs a source for its capacity or `assumed: true` with a note'],
  ];
  for (const [what, edit, message] of cases) {
    it(`${what}: "${message.slice(0, 50)}…"`, () => {
      expect(problems(variant(edit))).toContain(`${FILE}: ${message}`);
    });
  }

  it('ESP32-S3 pins follow the S3 rules', () => {
    expect(problems(variant((b) => (b.gpio.led = 'D23'), goodS3))).toContain(
      `${FILE}: gpio.led D23 does not exist on the ESP32-S3 (valid: GPIO 0–21, 26–48)`,
    );
    expect(problems(variant((b) => b.adc.push({ pin: 'D34', role: 'analog', name: 'a' }), goodS3))).toContain(
      `${FILE}: adc[0].pin D34 is not an ADC1 pin; Espruino's analogRead on the ESP32-S3 reads ADC1 only (GPIO 1–10)`,
    );
  });

  it('reports every problem, one per line', () => {
    const p = problems(
      variant((b) => {
        b.modem.uart.baud = 'x';
        b.gpio.led = 'D17';
      }),
    );
    expect(p).toEqual([`${FILE}: modem.uart.baud must be a positive integer, got "x"`, `${FILE}: gpio.led D17 is already used by modem.uart.tx`]);
  });

  it('rejects something that is not an object', () => {
    expect(problems(42)).toEqual([`${FILE}: board must be an object, got number`]);
  });
});
