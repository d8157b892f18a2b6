/**
 * The host side of the Espruino API: every `__sys(op, ...)` call the prelude makes lands here and is
 * routed to the board's peripherals, Storage and crypto. Binary data arrives and leaves as Uint8Array
 * (ArrayBuffer in the sandbox). Errors thrown here surface in the firmware as JS exceptions at the
 * calling line (the world keeps the error's name).
 */
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync } from 'node:crypto';
import type { SimBoard } from './sim-board.ts';
import type { PinMode } from './gpio.ts';
import { PowerLossError } from '../storage/flash.ts';

function bytes(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

function fromLatin1(s: string | undefined): Uint8Array | undefined {
  return s === undefined ? undefined : new Uint8Array(Buffer.from(s, 'latin1'));
}

/** Approximate JsVar count of a JSON value (Espruino: one 14-byte block per value/name, ~12 chars per string block). */
function jsVarsOf(v: unknown): number {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'string') return 1 + Math.max(0, Math.ceil((v.length - 8) / 12));
    return 1;
  }
  let n = 1;
  if (Array.isArray(v)) for (const x of v) n += 1 + jsVarsOf(x);
  else for (const [k, x] of Object.entries(v as Record<string, unknown>)) n += jsVarsOf(k) + jsVarsOf(x);
  return n;
}

const HASHERS: Record<string, string> = { SHA1: 'sha1', SHA224: 'sha224', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

export function handleSys(b: SimBoard, op: string, a: unknown[]): unknown {
  const w = b.world!;
  switch (op) {
    // ---- console / time / random ----
    case 'echo':
      b.echo = a[0] as boolean;
      return undefined;
    case 'now':
      return b.wallTime(w.now());
    case 'setTime':
      b.setWallTime(a[0] as number, w.now());
      return undefined;
    case 'random':
      return b.mathRandom.next();
    case 'srand':
      b.srand(a[0] as number);
      return undefined;
    case 'hwRand':
      return b.hwRandom.u32() | 0;
    case 'temperature':
      // Classic ESP32: temprature_sens_read() raw value; chips without the sensor read 128 (espruino.md:
      // "E.getTemperature() returns a raw unconverted value on classic ESP32").
      return 128;
    case 'env':
      return b.processEnv();
    case 'maxPin':
      return b.gpio.maxPin;
    case 'memory':
      return b.processMemory();
    case 'sizeOf':
      return jsVarsOf(JSON.parse(a[0] as string));

    // ---- power / boot ----
    case 'deepSleep':
      b.deepSleep(a[0] as number);
      return undefined;
    case 'deepSleepExt0':
      b.deepSleepExt([a[0] as string], a[1] as number, 'ext0');
      return undefined;
    case 'deepSleepExt1':
      b.deepSleepExt(JSON.parse(a[0] as string) as string[], a[1] as number, 'ext1');
      return undefined;
    case 'wakeupCause':
      return b.wakeupCause;
    case 'espState': {
      const m = b.processMemory();
      return { sdkVersion: 'v4.4.8', freeHeap: m.free * m.blocksize, BLE: b.radios.ble, Wifi: b.radios.wifi, minHeap: m.free * m.blocksize };
    }
    case 'radio':
      b.radios[a[0] as 'wifi' | 'ble'] = a[1] as boolean;
      return undefined;
    case 'reboot':
      b.softReboot();
      return undefined;
    case 'load':
      b.load((a[0] as string | null) ?? undefined);
      return undefined;
    case 'reset':
      b.resetJs(a[0] as boolean);
      return undefined;
    case 'save':
      b.save();
      return undefined;
    case 'setBootCode':
      return storageCall(b, () => b.storage.write(a[1] ? '.bootrst' : '.bootcde', bytes(a[0])));
    case 'setConsole':
      b.setConsole(a[0] as string);
      return undefined;
    case 'getConsole':
      return b.consoleDevice;

    // ---- GPIO / ADC ----
    case 'pinMode':
      b.gpio.mode(a[0] as string, a[1] as PinMode);
      return undefined;
    case 'getPinMode':
      return b.gpio.getMode(a[0] as string);
    case 'pinState':
      return b.gpio.read(a[0] as string);
    case 'digitalWrite':
      b.gpio.write(a[0] as string, a[1] as 0 | 1);
      return undefined;
    case 'digitalRead':
      return b.gpio.read(a[0] as string);
    case 'digitalPulse':
      b.digitalPulse(a[0] as string, a[1] as 0 | 1, a[2] as number);
      return undefined;
    case 'analogRead':
      return b.analogRead(a[0] as string, w.now());
    case 'analogWrite':
      b.ctx.trace.emit('pin', { pin: a[0], pwm: a[1] });
      return undefined;
    case 'setAtten':
      b.attenuation.set(a[0] as string, a[1] as number);
      return undefined;
    case 'setWatch': {
      const o = JSON.parse(a[2] as string) as { repeat: boolean; edge: 'rising' | 'falling' | 'both'; debounce?: number };
      b.gpio.watch(a[0] as number, a[1] as string, o);
      return undefined;
    }
    case 'clearWatch':
      b.gpio.clearWatch(a[0] as number);
      return undefined;

    // ---- Serial ----
    case 'serialSetup': {
      const o = JSON.parse(a[2] as string) as Record<string, unknown>;
      b.serialSetup(a[0] as string, a[1] as number, o);
      return undefined;
    }
    case 'serialWrite':
      b.serialWrite(a[0] as string, bytes(a[1]), w.now());
      return undefined;
    case 'serialListen':
      b.serialListening.set(a[0] as string, a[1] as boolean);
      return undefined;
    case 'serialAvailable':
      return b.rxBuffer(a[0] as string).length;
    case 'serialRead':
      return b.serialRead(a[0] as string, a[1] as number);
    case 'serialInject':
      b.serialDeliver(a[0] as string, bytes(a[1]));
      return undefined;

    // ---- I2C ----
    case 'i2cSetup':
      b.i2cBus(a[0] as string).configured = JSON.parse(a[1] as string) as object;
      return undefined;
    case 'i2cWrite':
      b.i2cBus(a[0] as string).write(a[1] as number, bytes(a[2]), a[3] as boolean);
      return undefined;
    case 'i2cRead':
      return b.i2cBus(a[0] as string).read(a[1] as number, a[2] as number);

    // ---- Storage ----
    case 'stWrite': {
      const off = a[2] as number;
      const size = a[3] as number;
      return storageCall(b, () => b.storage.write(a[0] as string, bytes(a[1]), off < 0 ? undefined : off, size < 0 ? undefined : size));
    }
    case 'stRead': {
      const len = a[2] as number;
      return b.storage.readBytes(a[0] as string, a[1] as number, len < 0 ? undefined : len);
    }
    case 'stList': {
      const re = a[0] === null ? undefined : new RegExp(a[0] as string, a[1] as string);
      return b.storage.list(re, JSON.parse(a[2] as string) as { sf?: boolean });
    }
    case 'stErase':
      return storageCall(b, () => b.storage.erase(a[0] as string));
    case 'stEraseAll':
      return storageCall(b, () => b.storage.eraseAll());
    case 'stCompact':
      return storageCall(b, () => b.storage.compact());
    case 'stFree':
      return b.storage.getFree();
    case 'stStats':
      return b.storage.getStats();
    case 'stHash':
      return b.storage.hash(a[0] === null ? undefined : new RegExp(a[0] as string, a[1] as string));
    case 'sfOpen': {
      const mode = a[1] as string;
      if (mode !== 'r' && mode !== 'w' && mode !== 'a') throw new Error(`Invalid mode '${mode}': use 'r', 'w' or 'a'`);
      const f = storageCall(b, () => b.storage.open(a[0] as string, mode));
      if (f === undefined) return 0;
      const id = b.nextFileId++;
      b.openFiles.set(id, f);
      return id;
    }
    case 'sfRead':
      return fromLatin1(b.file(a[0] as number).read((a[1] as number) < 0 ? 1 << 30 : (a[1] as number)));
    case 'sfReadLine':
      return fromLatin1(b.file(a[0] as number).readLine());
    case 'sfLength':
      return b.file(a[0] as number).getLength();
    case 'sfWrite':
      return storageCall(b, () => b.file(a[0] as number).write(latin1(bytes(a[1]))));
    case 'sfErase':
      return storageCall(b, () => b.file(a[0] as number).erase());

    // ---- crypto / encoding ----
    case 'hash':
      return new Uint8Array(createHash(a[0] as string).update(bytes(a[1])).digest());
    case 'pbkdf2': {
      const alg = HASHERS[String(a[4]).toUpperCase()];
      if (!alg) throw new Error(`Unknown hasher ${String(a[4])}: use SHA1, SHA224, SHA256, SHA384 or SHA512`);
      return new Uint8Array(pbkdf2Sync(bytes(a[0]), bytes(a[1]), a[3] as number, (a[2] as number) * 4, alg));
    }
    case 'aes':
      return aes(a[0] as boolean, bytes(a[1]), bytes(a[2]), a[3] instanceof Uint8Array ? a[3] : undefined, String(a[4]));
    case 'btoa':
      return Buffer.from(bytes(a[0])).toString('base64');
    case 'atob':
      return new Uint8Array(Buffer.from(a[0] as string, 'base64'));
  }
  throw new Error(`simulator: unknown API call '${op}'`);
}

/** Runs a Storage operation; a PowerLossError means the board lost power in the middle of it. */
function storageCall<T>(b: SimBoard, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PowerLossError) {
      b.powerLoss(e.message);
      return undefined;
    }
    throw e;
  }
}

/**
 * AES via node:crypto with Espruino's options (jswrap_crypto.c): key 128/192/256 bit, mode CBC (default),
 * CFB, CTR or ECB; in CTR mode the iv option is ignored (espruino.md) so a zero counter block is used.
 * mbedtls needs whole blocks for CBC/ECB: the message is zero-padded to 16 bytes here.
 */
function aes(encrypt: boolean, msg: Uint8Array, key: Uint8Array, iv: Uint8Array | undefined, mode: string): Uint8Array {
  const m = mode.toUpperCase();
  if (![16, 24, 32].includes(key.length)) throw new Error(`AES key must be 128, 192 or 256 bits, got ${key.length * 8}`);
  if (!['CBC', 'CFB', 'CTR', 'ECB'].includes(m)) throw new Error(`Unknown AES mode ${mode}`);
  const alg = `aes-${key.length * 8}-${m === 'CFB' ? 'cfb' : m.toLowerCase()}`;
  let data = msg;
  if ((m === 'CBC' || m === 'ECB') && data.length % 16) {
    data = new Uint8Array(Math.ceil(data.length / 16) * 16);
    data.set(msg);
  }
  const ivv = m === 'ECB' ? null : m === 'CTR' ? new Uint8Array(16) : iv ?? new Uint8Array(16);
  const c = encrypt ? createCipheriv(alg, key, ivv) : createDecipheriv(alg, key, ivv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}
