/**
 * The provisioned configuration a node boots with: written to Storage by `sensornode provision` (or the
 * simulator's provisioning of a virtual board) as JSON in `sn.cfg`, read at every boot. Secrets (key, IV)
 * never leave the device. Downlinks may override the intervals; the overrides live in `sn.ov` so the
 * provisioned file is never rewritten in the field.
 */
import { fromHex } from '../modem/chat.ts';

export var CONFIG_FILE = 'sn.cfg';
/** A new config being installed (key rotation): written first, so a power loss never leaves none. */
export var CONFIG_NEXT_FILE = 'sn.cfn';
export var OVERRIDES_FILE = 'sn.ov';

/** The JSON stored in sn.cfg (format version 1). */
export interface ConfigFile {
  v: number;
  /** device id, e.g. "sn-000001" */
  id: string;
  /** COSE kid, hex (1–6 bytes) */
  kid: string;
  /** ChaCha20-Poly1305 key, hex (32 bytes) */
  key: string;
  /** COSE/OSCORE common IV, hex (12 bytes) */
  iv: string;
  /** key version (rotation) */
  kv: number;
  host: string;
  port: number;
  apn?: string;
  /** CoAP Uri-Path of the ingest (default "u") */
  path?: string;
  sampleS: number;
  uplinkS: number;
}

export interface NodeConfig {
  id: string;
  kid: Uint8Array;
  key: Uint8Array;
  iv: Uint8Array;
  kv: number;
  host: string;
  port: number;
  apn: string | undefined;
  path: string;
  sampleS: number;
  uplinkS: number;
}

function isHex(s: any, minBytes: number, maxBytes: number): boolean {
  if (typeof s !== 'string' || s.length % 2 !== 0) return false;
  if (s.length < minBytes * 2 || s.length > maxBytes * 2) return false;
  for (var i = 0; i < s.length; i++) if ('0123456789abcdefABCDEF'.indexOf(s[i]) < 0) return false;
  return true;
}

function positive(n: any): boolean {
  return typeof n === 'number' && n > 0 && n < 1e9;
}

/**
 * Checks a parsed sn.cfg. Returns the problem as text (what is wrong, so the console message says what
 * to fix), or '' when it is valid.
 */
export function configProblem(c: any): string {
  if (!c || typeof c !== 'object') return 'not a JSON object';
  if (c.v !== 1) return 'unknown format version ' + c.v;
  if (typeof c.id !== 'string' || !c.id) return 'missing id';
  if (!isHex(c.kid, 1, 6)) return 'kid must be 1-6 bytes of hex';
  if (!isHex(c.key, 32, 32)) return 'key must be 32 bytes of hex';
  if (!isHex(c.iv, 12, 12)) return 'iv must be 12 bytes of hex';
  if (typeof c.kv !== 'number') return 'missing key version kv';
  if (typeof c.host !== 'string' || !c.host) return 'missing server host';
  if (!(c.port > 0 && c.port < 65536)) return 'bad server port';
  if (!positive(c.sampleS) || !positive(c.uplinkS)) return 'sampleS and uplinkS must be positive seconds';
  return '';
}

function parseConfig(text: string | undefined, name: string): any {
  var c: any;
  if (text === undefined) return 'no ' + name + ' in Storage: this device is not provisioned';
  try {
    c = JSON.parse(text);
  } catch (e) {
    return name + ' is not valid JSON';
  }
  var p = configProblem(c);
  return p ? name + ': ' + p : c;
}

/**
 * Replaces sn.cfg (key rotation): the new file goes to sn.cfn first, then sn.cfg, then sn.cfn is
 * erased. Espruino rewrites a file by deleting the old copy first, so without sn.cfn a power loss at
 * the wrong moment would leave the node without a config; loadConfig falls back to sn.cfn.
 */
export function replaceConfig(storage: { write(name: string, data: string): boolean; erase(name: string): void }, c: ConfigFile): boolean {
  var text = JSON.stringify(c);
  if (!storage.write(CONFIG_NEXT_FILE, text)) return false;
  if (!storage.write(CONFIG_FILE, text)) return false;
  storage.erase(CONFIG_NEXT_FILE);
  return true;
}

/** Loads sn.cfg (+ sn.ov overrides). Returns the config, or a string saying what is wrong. */
export function loadConfig(storage: { read(name: string): string | undefined }): NodeConfig | string {
  var c: any = parseConfig(storage.read(CONFIG_FILE), CONFIG_FILE);
  var ov: any;
  if (typeof c === 'string') {
    // an interrupted replaceConfig(): the new config is complete in sn.cfn
    var next = parseConfig(storage.read(CONFIG_NEXT_FILE), CONFIG_NEXT_FILE);
    if (typeof next === 'string') return c;
    c = next;
  }
  var cfg: NodeConfig = {
    id: c.id,
    kid: fromHex(c.kid),
    key: fromHex(c.key),
    iv: fromHex(c.iv),
    kv: c.kv,
    host: c.host,
    port: c.port,
    apn: c.apn,
    path: c.path || 'u',
    sampleS: c.sampleS,
    uplinkS: c.uplinkS,
  };
  var ovText = storage.read(OVERRIDES_FILE);
  if (ovText !== undefined) {
    try {
      ov = JSON.parse(ovText);
      if (positive(ov.sampleS)) cfg.sampleS = ov.sampleS;
      if (positive(ov.uplinkS)) cfg.uplinkS = ov.uplinkS;
    } catch (e) {
      // a corrupt override file is ignored: the provisioned intervals stay valid
    }
  }
  return cfg;
}
