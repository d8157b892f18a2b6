/**
 * Sensirion SHT3x-DIS temperature/humidity over I2C (datasheet: "Datasheet SHT3x-DIS", v6/v7):
 *   - single shot, high repeatability, no clock stretching: command 0x2400 (Table 9);
 *   - measurement takes ≤ 15 ms at high repeatability (Table 4), so read after 16 ms;
 *   - 6 bytes: T msb, T lsb, CRC, RH msb, RH lsb, CRC; CRC-8 poly 0x31, init 0xFF (§4.12);
 *   - T = −45 + 175·S_T/(2^16 − 1) °C, RH = 100·S_RH/(2^16 − 1) % (§4.13).
 */
import { pinOf, type Sensor } from './sensor.ts';

export function sht3xCrc(b0: number, b1: number): number {
  var crc = 0xff;
  var data = [b0, b1];
  for (var i = 0; i < 2; i++) {
    crc ^= data[i];
    for (var bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

export interface Sht3xOptions {
  bus: any;
  /** 0x44 (ADDR low, default) or 0x45 */
  address?: number;
  /** set the bus up first (pins by name, e.g. from sensornode:board) */
  setup?: { scl: string; sda: string; bitrate?: number };
}

export function sht3x(opts: Sht3xOptions): Sensor {
  var addr = opts.address || 0x44;
  if (opts.setup) opts.bus.setup({ scl: pinOf(opts.setup.scl), sda: pinOf(opts.setup.sda), bitrate: opts.setup.bitrate || 100000 });
  return {
    channels: [
      { name: 'temp', unit: 'Cel', digits: 2 },
      { name: 'hum', unit: '%RH', digits: 1 },
    ],
    read: function () {
      return new Promise(function (resolve, reject) {
        opts.bus.writeTo(addr, [0x24, 0x00]);
        setTimeout(function () {
          try {
            var d = opts.bus.readFrom(addr, 6);
            if (sht3xCrc(d[0], d[1]) !== d[2] || sht3xCrc(d[3], d[4]) !== d[5]) throw new Error('SHT3x CRC mismatch');
            var st = (d[0] << 8) | d[1];
            var srh = (d[3] << 8) | d[4];
            resolve([-45 + (175 * st) / 65535, (100 * srh) / 65535]);
          } catch (e) {
            reject(e);
          }
        }, 16);
      });
    },
  };
}
