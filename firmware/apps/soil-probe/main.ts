/**
 * Soil probe: an NB-IoT node on the ESP32-DevKitC + Quectel BC660K-GL board. Every 15 minutes it reads
 * air temperature and humidity (SHT3x), soil moisture (capacitive probe on an ADC pin) and the battery
 * voltage; every hour it sends what it has queued, sealed and over CoAP, then sleeps with the modem in
 * PSM. Intervals come from the provisioned config (sn.cfg) and can be changed by a downlink.
 */
import board from 'sensornode:board';
import { runNode } from '../../node/runtime.ts';
import { sht3x } from '../../drivers/sht3x.ts';
import { batteryVoltage, soilMoisture } from '../../drivers/analog.ts';
import { Bc660k } from '../../modem/bc660k.ts';

var bus = board.i2c[0];
var soil = board.adc.filter(function (a) {
  return a.role === 'soil-moisture';
})[0];
var battery = board.adc.filter(function (a) {
  return a.role === 'battery';
})[0];

runNode({
  sensors: [
    sht3x({ bus: I2C1, address: bus.devices[0].address, setup: { scl: bus.scl, sda: bus.sda, bitrate: bus.bitrate } }),
    soilMoisture({ pin: soil.pin, fullScaleV: soil.fullScaleV }),
    batteryVoltage({ pin: battery.pin, ratio: battery.dividerRatio || 0.5, fullScaleV: battery.fullScaleV }),
  ],
  modem: function (opts) {
    return new Bc660k(opts);
  },
  samplesPerMessage: 4,
});
