/**
 * Errors an I2C device model raises on the bus. The bus (sim/board/i2c.ts) turns them into the
 * exception Espruino raises in the firmware when the ESP32 I2C driver reports a failed transfer.
 */

/** The device did not acknowledge (e.g. SHT3x read header while a no-stretch measurement runs). */
export class I2CNackError extends Error {
  readonly address: number;
  constructor(address: number, reason: string) {
    super(`I2C device 0x${address.toString(16).padStart(2, '0')} did not acknowledge (NACK): ${reason}`);
    this.name = 'I2CNackError';
    this.address = address;
  }
}
