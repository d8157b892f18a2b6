/**
 * Water meter: an LTE Cat-1 node on the ESP32-DevKitC + Quectel EC200U board. A reed switch on the
 * meter gives one pulse per 10 litres, counted with setWatch (the board stays awake: a deep-sleeping
 * ESP32 cannot count pulses under Espruino). The volume is sampled every 15 minutes and sent once a day;
 * a leak alarm (the sensor pulls its line low) sends at once.
 */
import board from 'sensornode:board';
import { runNode } from '../../node/runtime.ts';
import { digitalInput, pulseCounter } from '../../drivers/pulse.ts';
import { Ec200u } from '../../modem/ec200u.ts';

var pulsePin = board.gpio.pulse || 'D25';
var alarmPin = board.gpio.alarm || 'D26';

var node = runNode({
  sensors: [pulseCounter({ pin: pulsePin, perPulse: 10, unit: 'l', name: 'volume' }), digitalInput({ pin: alarmPin, name: 'leak', activeLow: true })],
  modem: function (opts) {
    return new Ec200u(opts);
  },
  samplesPerMessage: 24,
  stayAwake: true,
  urgent: function (values) {
    return values[1] === 1;
  },
});

setWatch(
  function () {
    node.trigger('leak alarm');
  },
  (globalThis as any)[alarmPin],
  { repeat: true, edge: 'falling', debounce: 50 },
);
