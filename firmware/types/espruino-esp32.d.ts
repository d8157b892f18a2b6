/**
 * The Espruino 2v29 device API on ESP32, for firmware type-checking (firmware/tsconfig.json).
 * Hand-written from the Espruino reference (https://www.espruino.com/Reference, generated from the
 * JSON comments in src/jswrap_serial.c, jswrap_i2c.c, jswrap_io.c, jswrap_interactive.c,
 * jswrap_pin.c, jswrap_espruino.c, jswrap_process.c, jswrap_storage.c, jswrap_console.c,
 * libs/crypto/jswrap_crypto.c and targets/esp32/jswrap_esp32.c) and the ESP32 notes in espruino.md.
 */

// ---- Pins (src/jswrap_pin.c, jswrap_io.c) ------------------------------------------------------------

type PinMode = 'analog' | 'input' | 'input_pullup' | 'input_pulldown' | 'output' | 'opendrain' | 'af_output' | 'af_opendrain' | 'auto';

/** A pin: one of the D0…D39 globals (D0…D48 on ESP32-S3), `Pin(n)`, or a pin number / "Dn" name. */
type PinLike = Pin | number | `D${number}`;

interface Pin {
  /** Read the input level (sets the pin to input if it was not). */
  read(): boolean;
  write(value: boolean | number): void;
  set(): void;
  reset(): void;
  toggle(): boolean;
  mode(mode: PinMode): void;
  getMode(): PinMode;
  analog(): number;
  getInfo(): { port: string; num: number; in_addr?: number; out_addr?: number; analog?: { ADCs: number[]; channel: number }; functions?: Record<string, number> };
  toString(): string;
}
interface PinConstructor {
  (value: number | string): Pin;
  new (value: number | string): Pin;
}
declare var Pin: PinConstructor;

declare const D0: Pin; declare const D1: Pin; declare const D2: Pin; declare const D3: Pin;
declare const D4: Pin; declare const D5: Pin; declare const D6: Pin; declare const D7: Pin;
declare const D8: Pin; declare const D9: Pin; declare const D10: Pin; declare const D11: Pin;
declare const D12: Pin; declare const D13: Pin; declare const D14: Pin; declare const D15: Pin;
declare const D16: Pin; declare const D17: Pin; declare const D18: Pin; declare const D19: Pin;
declare const D20: Pin; declare const D21: Pin; declare const D22: Pin; declare const D23: Pin;
declare const D24: Pin; declare const D25: Pin; declare const D26: Pin; declare const D27: Pin;
declare const D28: Pin; declare const D29: Pin; declare const D30: Pin; declare const D31: Pin;
declare const D32: Pin; declare const D33: Pin; declare const D34: Pin; declare const D35: Pin;
declare const D36: Pin; declare const D37: Pin; declare const D38: Pin; declare const D39: Pin;
/** ESP32-S3 builds only (pins up to GPIO48). */
declare const D40: Pin; declare const D41: Pin; declare const D42: Pin; declare const D43: Pin;
declare const D44: Pin; declare const D45: Pin; declare const D46: Pin; declare const D47: Pin;
declare const D48: Pin;
/** Espruino board devices from boards/ESP32.py: LED1 = D2, BTN1 = D0. */
declare const LED1: Pin;
declare const BTN1: Pin;
declare const HIGH: 1;
declare const LOW: 0;

declare function pinMode(pin: PinLike, mode?: PinMode, automatic?: boolean): void;
declare function getPinMode(pin: PinLike): PinMode;
/** Reads one pin (0/1) or an array of pins as a binary number (first pin = most significant bit). */
declare function digitalRead(pin: PinLike | PinLike[]): number;
declare function digitalWrite(pin: PinLike | PinLike[], value: number | boolean): void;
/** Pulse `pin` to `value` for `time` ms (or a list of alternating times); returns at once. */
declare function digitalPulse(pin: PinLike, value: boolean | number, time: number | number[] | Uint8Array): void;
/** 0..1 of full scale. ESP32: ADC1 pins only (D32–D39); set the range with ESP32.setAtten. */
declare function analogRead(pin: PinLike): number;
declare function analogWrite(pin: PinLike, value: number, options?: { freq?: number; soft?: boolean; forceSoft?: boolean }): void;

// ---- setWatch (src/jswrap_io.c) ---------------------------------------------------------------------

interface WatchEvent {
  /** Pin level after the change. */
  state: boolean;
  /** getTime() of the change (seconds). */
  time: number;
  /** getTime() of the previous change. */
  lastTime: number;
  /** Level of the `data` pin at the edge (when options.data was given). */
  data?: boolean;
}
interface WatchOptions {
  repeat?: boolean;
  edge?: 'rising' | 'falling' | 'both' | 1 | -1 | 0;
  /** ms; 0 = none. */
  debounce?: number;
  irq?: boolean;
  data?: PinLike;
  hispeed?: boolean;
}
/** ESP32: pins 0, 12–19, 21, 22, 25–27, 34–39 only (targets/esp32 jshCanWatch); forces a pull-up. */
declare function setWatch(callback: (e: WatchEvent) => void, pin: PinLike, options?: WatchOptions | boolean): number;
declare function clearWatch(id?: number): void;

// ---- Timers and time (src/jswrap_interactive.c) -------------------------------------------------------

declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
/** No argument: clears every timeout. */
declare function clearTimeout(id?: number): void;
declare function clearInterval(id?: number): void;
declare function changeInterval(id: number, ms: number): void;
/** Seconds since power-on (or since setTime), as a float. */
declare function getTime(): number;
declare function setTime(seconds: number): void;

// ---- Console and REPL ---------------------------------------------------------------------------------

declare function print(...text: any[]): void;
interface Console {
  log(...data: any[]): void;
}
declare var console: Console;
/** Run the code in Storage `.bootcde` (or the named file) after a reset. */
declare function load(filename?: string): void;
/** Soft reset; `reset(true)` also clears the saved code. */
declare function reset(clearFlash?: boolean): void;
/** Save RAM state (.varimg) to flash. */
declare function save(): void;
declare function dump(): void;
declare function trace(root?: any): void;
declare function echo(echoOn: boolean): void;
declare function edit(funcName: string | Function): void;
/**
 * Convention: Espruino calls the global `onInit` after boot (after E.on('init') handlers). Assign it
 * from module code: `globalThis.onInit = main;`.
 */
declare var onInit: (() => void) | undefined;

// ---- Event emitter shape shared by Serial, E, process --------------------------------------------------

interface EventEmitter<Events extends Record<string, (...args: any[]) => void>> {
  on<K extends keyof Events & string>(event: K, listener: Events[K]): void;
  addListener<K extends keyof Events & string>(event: K, listener: Events[K]): void;
  prependListener<K extends keyof Events & string>(event: K, listener: Events[K]): void;
  removeListener<K extends keyof Events & string>(event: K, listener: Events[K]): void;
  removeAllListeners(event?: keyof Events & string): void;
  emit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): void;
}

// ---- Serial (src/jswrap_serial.c) ---------------------------------------------------------------------

interface SerialOptions {
  rx?: PinLike;
  tx?: PinLike;
  ck?: PinLike;
  cts?: PinLike;
  bytesize?: 7 | 8 | 9;
  parity?: null | 'none' | 'o' | 'odd' | 'e' | 'even';
  stopbits?: 1 | 2;
  flow?: null | undefined | 'none' | 'xon' | 'xoff';
  path?: string;
  /** Emit 'framing' / 'parity' events on errors. */
  errors?: boolean;
}
type SerialEvents = {
  data: (data: string) => void;
  framing: () => void;
  parity: () => void;
};
type SerialData = string | number | number[] | Uint8Array | ArrayBuffer | { data: any; count: number };
interface Serial extends EventEmitter<SerialEvents> {
  setup(baudrate?: number, options?: SerialOptions): void;
  unsetup(): void;
  /** Strings are sent as 8-bit bytes; arrays/typed arrays as bytes. */
  write(...data: SerialData[]): void;
  print(string: any): void;
  println(string: any): void;
  /** Bytes waiting to be read (only when no 'data' listener is attached). */
  available(): number;
  read(chars?: number): string;
  /** Pretend `data` arrived on RX. */
  inject(...data: SerialData[]): void;
  setConsole(force?: boolean): void;
  pipe(destination: any, options?: { chunkSize?: number; end?: boolean; complete?: () => void }): void;
}
interface SerialConstructor {
  new (): Serial;
  find(pin: PinLike): Serial | undefined;
}
declare var Serial: SerialConstructor;
/** UART0: the Espruino console on ESP32 (TX D1 / RX D3, 115200). */
declare const Serial1: Serial;
/** Default pins TX D4 / RX D5; any pins via setup options. */
declare const Serial2: Serial;
/** Default pins TX D17 / RX D16. */
declare const Serial3: Serial;
/** Loopback devices, used to move the console: LoopbackA.setConsole(). */
declare const LoopbackA: Serial;
declare const LoopbackB: Serial;

// ---- I2C (src/jswrap_i2c.c) ---------------------------------------------------------------------------

interface I2CSetupOptions {
  scl?: PinLike;
  sda?: PinLike;
  /** Hz, default 100000. */
  bitrate?: number;
}
type I2CAddress = number | { address: number; stop?: boolean };
interface I2C {
  setup(options?: I2CSetupOptions): void;
  writeTo(address: I2CAddress, ...data: (number | string | number[] | Uint8Array | ArrayBuffer | { data: any; count: number })[]): void;
  readFrom(address: I2CAddress, quantity: number): Uint8Array;
  /** Write `reg`, then read `count` bytes with a repeated start. */
  readReg(address: number, reg: number, count: number): Uint8Array;
}
interface I2CConstructor {
  /** Software I2C on any pins. */
  new (): I2C;
  find(pin: PinLike): I2C | undefined;
}
declare var I2C: I2CConstructor;
/** Hardware I2C, default SCL D22 / SDA D21. */
declare const I2C1: I2C;
/** Hardware I2C, default SCL D16 / SDA D17. */
declare const I2C2: I2C;

// ---- E (src/jswrap_espruino.c) ------------------------------------------------------------------------

type EEvents = {
  /** After boot code ran; also after load(). */
  init: () => void;
  /** Before reset()/load()/save() tears the interpreter down. */
  kill: () => void;
  /** An error flag (e.g. FIFO_FULL, MEMORY) was set: `flags` lists them. */
  errorFlag: (flags: string[]) => void;
};
type ErrorFlag = 'FIFO_FULL' | 'BUFFER_FULL' | 'CALLBACK' | 'LOW_MEMORY' | 'MEMORY' | 'MEMORY_BUSY' | 'UART_OVERFLOW';
interface EspruinoE extends EventEmitter<EEvents> {
  /** ESP32: libc rand(), NOT a hardware RNG — never use it for keys or nonces. */
  hwRand(): number;
  /** Seed Math.random. */
  srand(v: number): void;
  getSizeOf(v: any, depth?: number): number | { name: string; size: number; more?: any }[];
  getAddressOf(v: any, flatAddress: boolean): number;
  /** Write `.bootcde` (or `.bootrst` when alwaysExec) so the code runs at every boot. */
  setBootCode(code: string, alwaysExec?: boolean): void;
  toUint8Array(...args: (string | number | number[] | ArrayBuffer | Uint8Array | { data: any; count: number })[]): Uint8Array;
  toString(...args: (string | number | number[] | ArrayBuffer | Uint8Array | { data: any; count: number })[]): string;
  toArrayBuffer(str: string): ArrayBuffer;
  toJS(v: any): string;
  /** ESP32: a raw, unconverted value (espruino.md). */
  getTemperature(): number;
  getAnalogVRef(): number;
  setConsole(device: 'Serial1' | 'USB' | 'Bluetooth' | 'Telnet' | 'Terminal' | 'LoopbackA' | 'LoopbackB' | Serial | null, options?: { force?: boolean }): void;
  getConsole(): string | undefined;
  reboot(): void;
  getErrorFlags(): ErrorFlag[];
  getFlags(): Record<string, boolean>;
  setFlags(flags: Record<string, boolean | number>): void;
  enableWatchdog(timeout: number, isAuto?: boolean): void;
  kickWatchdog(): void;
  lockConsole(): void;
  setPassword(password: string | undefined): void;
  setTimeZone(zone: number): void;
  clip(x: number, min: number, max: number): number;
  sum(arr: ArrayLike<number>): number;
  variance(arr: ArrayLike<number>, mean: number): number;
  interpolate(array: ArrayLike<number>, index: number): number;
  /** CRC32 of the data (IEEE 802.3 polynomial). */
  CRC32(data: string | ArrayLike<number> | ArrayBuffer): number;
  reverseByte(x: number): number;
  mapInPlace(from: ArrayLike<number>, to: ArrayLike<number>, map?: ((v: number) => number) | ArrayLike<number>, bits?: number): void;
  dumpStr(): string;
  defrag(): void;
  memoryArea(addr: number, len: number): string;
}
declare var E: EspruinoE;

// ---- process (src/jswrap_process.c) ------------------------------------------------------------------

interface ProcessMemory {
  free: number;
  usage: number;
  total: number;
  history: number;
  gc: number;
  gctime: number;
  /** Bytes per JsVar (14 on ESP32). */
  blocksize: number;
  stackEndAddress?: number;
  stackFree?: number;
  flash_start?: number;
  flash_binary_end?: number;
  flash_code_start?: number;
  flash_length?: number;
}
interface ProcessEnv {
  VERSION: string;
  GIT_COMMIT: string;
  BOARD: string;
  RAM: number;
  FLASH: number;
  SPIFLASH: number;
  STORAGE: number;
  SERIAL: string;
  CONSOLE: string;
  MODULES: string;
  EXPTR: number;
  [key: string]: unknown;
}
type ProcessEvents = {
  uncaughtException: (exception: any) => void;
};
interface Process extends EventEmitter<ProcessEvents> {
  readonly version: string;
  readonly env: ProcessEnv;
  /** `gc` (default true) runs a garbage collection first. */
  memory(gc?: boolean): ProcessMemory;
}
declare var process: Process;

// ---- Storage (src/jswrap_storage.c) -------------------------------------------------------------------

interface StorageFile {
  /** Up to `len` chars, or undefined at the end. */
  read(len: number): string | undefined;
  readLine(): string | undefined;
  getLength(): number;
  /** Appends; the data may not contain "\xFF". */
  write(data: string): void;
  erase(): void;
  pipe(destination: any, options?: { chunkSize?: number; end?: boolean; complete?: () => void }): void;
}
interface StorageStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}
interface StorageModule {
  /** Names ≤ 28 chars. With offset/size, writes a part of a file created with the full size. */
  write(name: string, data: string | ArrayBuffer | ArrayBufferView | number[], offset?: number, size?: number): boolean;
  /** Memory-mapped string of the file (or a part), undefined if it does not exist. */
  read(name: string, offset?: number, length?: number): string | undefined;
  readJSON(name: string, noExceptions?: boolean): any;
  writeJSON(name: string, data: any): boolean;
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  list(regex?: RegExp | string, filter?: { sf?: boolean }): string[];
  erase(name: string): void;
  eraseAll(): void;
  compact(showMessage?: boolean): void;
  getFree(checkInternalFlash?: boolean): number;
  getStats(checkInternalFlash?: boolean): StorageStats;
  hash(regex?: RegExp): number;
  debug(): void;
  open(name: string, mode: 'r' | 'w' | 'a'): StorageFile;
}

// ---- crypto (libs/crypto/jswrap_crypto.c) --------------------------------------------------------------

type CryptoData = string | ArrayBuffer | ArrayBufferView | number[];
interface AESOptions {
  iv?: CryptoData;
  /** In CTR mode the iv option is ignored (espruino.md). */
  mode?: 'CBC' | 'CFB' | 'CTR' | 'OFB' | 'ECB';
}
interface CryptoModule {
  SHA1(message: CryptoData): ArrayBuffer;
  SHA224(message: CryptoData): ArrayBuffer;
  SHA256(message: CryptoData): ArrayBuffer;
  SHA384(message: CryptoData): ArrayBuffer;
  SHA512(message: CryptoData): ArrayBuffer;
  PBKDF2(passphrase: CryptoData, salt: CryptoData, options?: { keySize?: number; iterations?: number; hasher?: 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512' }): ArrayBuffer;
  AES: {
    encrypt(passphrase: CryptoData, key: CryptoData, options?: AESOptions): ArrayBuffer;
    decrypt(passphrase: CryptoData, key: CryptoData, options?: AESOptions): ArrayBuffer;
  };
}

// ---- require ----------------------------------------------------------------------------------------

declare function require(name: 'Storage'): StorageModule;
declare function require(name: 'crypto'): CryptoModule;
/** Other modules are untyped: check what you get. */
declare function require(name: string): unknown;

// ---- ESP32 (targets/esp32/jswrap_esp32.c) ------------------------------------------------------------
// Not declared: ESP32.lightSleep(ms) exists in Espruino's current source but we could not confirm it is
// in 2v29.

interface ESP32State {
  sdkVersion: string;
  freeHeap: number;
  BLE: boolean;
  Wifi: boolean;
  minHeap: number;
}
interface ESP32Class {
  /** Deep sleep for `us` µs (C int: max 2147483647 ≈ 35.8 min). Waking is a full reboot. */
  deepSleep(us: number): void;
  /**
   * Deep sleep until `pin` reaches `level`. The pin must be an RTC GPIO (ESP32: 0, 2, 4, 12–15, 25–27,
   * 32–39), else "Invalid pin".
   */
  deepSleepExt0(pin: PinLike, level: 0 | 1): void;
  /** Deep sleep until the RTC GPIOs match `mode`: 0 = all LOW (ESP_EXT1_WAKEUP_ALL_LOW), 1 = any HIGH. */
  deepSleepExt1(pins: PinLike[] | PinLike, mode: 0 | 1): void;
  /** 0 undefined/reset, 2 EXT0, 3 EXT1, 4 timer, 5 touchpad, 6 ULP. */
  getWakeupCause(): number;
  getState(): ESP32State;
  /** ADC attenuation of an ADC1 pin: 0 = 0 dB … 3 = 11 dB (≈ 3.3 V full scale). */
  setAtten(pin: PinLike, atten: 0 | 1 | 2 | 3): void;
  reboot(): void;
  /**
   * Switch BLE on/off (stored in NVS). REMOVES THE SAVED CODE FROM FLASH and restarts; with BLE off the
   * next boot has more heap for JsVars.
   */
  enableBLE(enable: boolean): void;
  /** Switch Wi-Fi on/off (stored in NVS). REMOVES THE SAVED CODE FROM FLASH and restarts. */
  enableWifi(enable: boolean): void;
  setBLE_Debug(level: number): void;
  /** Mark the running OTA image valid (or invalid to roll back). */
  setOTAValid(isValid: boolean): void;
}
declare var ESP32: ESP32Class;
