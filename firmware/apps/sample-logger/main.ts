/**
 * sample-logger: the smallest useful sensor node. Every 15 minutes the ESP32 wakes from deep sleep,
 * reads temperature and humidity from an SHT3x on I2C1, reads the battery through its divider on D35,
 * appends one CSV line to a log in Storage, and goes back to deep sleep.
 *
 * Storage layout (bounded, so the flash never fills up):
 *   "logger.json"  {n: readings so far, f: 0|1 the file being written, lines: lines in it}
 *   "log0", "log1" StorageFiles of at most LINES_PER_FILE lines; when one is full the other one is
 *                  erased and written next, so the newest 1–2 weeks are kept.
 *
 * Wiring (boards/devkitc-bc660k.ts): SHT3x at 0x44 on SCL D22 / SDA D21, battery divider 100k/100k on D35.
 * Deep sleep: waking is a reboot — RAM is gone, so everything that must survive is in Storage.
 */

var INTERVAL_MS = 15 * 60 * 1000;
var LINES_PER_FILE = 96 * 7; // one week of 15-minute readings per file
var SHT3X = 0x44;
/** Single shot, high repeatability, no clock stretching (SHT3x-DIS datasheet §4.3 Table 9). */
var CMD_MEASURE_HIGH = [0x24, 0x00];
/** Max measurement duration, high repeatability (datasheet Table 4): 15 ms. */
var MEASURE_MS = 16;
var BATTERY_PIN = D35;
/** Divider ratio and ADC full scale at 11 dB attenuation (board file). */
var BATTERY_RATIO = 0.5;
var ADC_FULL_SCALE_V = 3.3;

var storage = require('Storage');
var wokeAt = getTime();

interface LoggerState {
  n: number;
  f: number;
  lines: number;
}

/** CRC-8 of the SHT3x (datasheet §4.12: polynomial 0x31, init 0xFF). */
function crc8(a: number, b: number): number {
  var crc = 0xff;
  var data = [a, b];
  for (var i = 0; i < 2; i++) {
    crc ^= data[i];
    for (var bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function loadState(): LoggerState {
  var s = storage.readJSON('logger.json', true) as LoggerState | undefined;
  if (!s || typeof s.n !== 'number') return { n: 0, f: 0, lines: 0 };
  return s;
}

function append(line: string): number {
  var st = loadState();
  if (st.lines >= LINES_PER_FILE) {
    // Rotate: the other file is erased and becomes the current one.
    st.f = st.f ? 0 : 1;
    st.lines = 0;
    storage.open('log' + st.f, 'w').erase();
  }
  storage.open('log' + st.f, 'a').write(line + '\n');
  st.n++;
  st.lines++;
  storage.writeJSON('logger.json', st);
  return st.n;
}

function sleep(): void {
  var awakeMs = (getTime() - wokeAt) * 1000;
  var ms = INTERVAL_MS - awakeMs;
  if (ms < 1000) ms = 1000;
  ESP32.deepSleep(Math.round(ms * 1000));
}

function readBatteryV(): number {
  return (analogRead(BATTERY_PIN) * ADC_FULL_SCALE_V) / BATTERY_RATIO;
}

function finish(): void {
  var d = I2C1.readFrom(SHT3X, 6);
  var line: string;
  if (crc8(d[0], d[1]) !== d[2] || crc8(d[3], d[4]) !== d[5]) {
    line = Math.round(getTime()) + ',crc-error';
  } else {
    var t = -45 + (175 * ((d[0] << 8) | d[1])) / 65535;
    var rh = (100 * ((d[3] << 8) | d[4])) / 65535;
    line = Math.round(getTime()) + ',' + t.toFixed(2) + ',' + rh.toFixed(1) + ',' + readBatteryV().toFixed(2);
  }
  var n = append(line);
  console.log('#' + n + ' ' + line);
  sleep();
}

function measure(): void {
  I2C1.setup({ scl: D22, sda: D21, bitrate: 100000 });
  try {
    I2C1.writeTo(SHT3X, CMD_MEASURE_HIGH);
  } catch (e) {
    append(Math.round(getTime()) + ',no-sensor');
    sleep();
    return;
  }
  setTimeout(finish, MEASURE_MS);
}

measure();
