/**
 * The shared 3GPP TS 27.007 part of every modem driver: AT steps as data (spread into each model's
 * scripts, never copied), parsers of the standard responses/URCs, and the PSM timer encodings of
 * 3GPP TS 24.008 (GPRS Timer 3 = T3412 extended, §10.5.7.4a; GPRS Timer 2 = T3324, §10.5.7.3).
 * Facts: modems.md "Common 3GPP baseline". Espruino subset only (runs on the device).
 */
import { ChatStep, modemError, parseArgs } from './chat.ts';

// ---- steps ---------------------------------------------------------------------------------------------

/** `AT` until OK: the modem's UART may still be booting or autobauding. */
export function syncSteps(attempts: number, perTryMs: number): ChatStep[] {
  return [{ send: 'AT', timeoutMs: perTryMs, retry: { count: attempts, delayMs: 100 }, name: 'sync' }];
}

/** Echo off and numeric +CME errors (TS 27.007 §8.1: CMEE=1 numeric). */
export var STEP_ECHO_OFF: ChatStep = { send: 'ATE0', timeoutMs: 1000 };
export var STEP_CMEE: ChatStep = { send: 'AT+CMEE=1', timeoutMs: 1000 };
/**
 * SIM ready check (`+CPIN: READY`), retried: right after boot modems answer `+CME ERROR: 14` (SIM busy)
 * or, like the A7670 in the recorded logs, `+CME ERROR: SIM failure` before `+CPIN: READY` arrives.
 */
export var STEP_CPIN: ChatStep = { send: 'AT+CPIN?', expect: ['+CPIN:'], timeoutMs: 5000, name: 'cpin', retry: { count: 20, delayMs: 1000 } };
export var STEP_CFUN1: ChatStep = { send: 'AT+CFUN=1', timeoutMs: 15000 };
export var STEP_CFUN0: ChatStep = { send: 'AT+CFUN=0', timeoutMs: 15000 };
/** n=4: stat, tac, ci, AcT and the PSM timers in URCs and reads (TS 27.007 §10.1.22). */
export var STEP_CEREG4: ChatStep = { send: 'AT+CEREG=4', timeoutMs: 1000 };
export var STEP_CEREG_READ: ChatStep = { send: 'AT+CEREG?', expect: ['+CEREG:'], timeoutMs: 1000, name: 'cereg' };
export var STEP_CSQ: ChatStep = { send: 'AT+CSQ', expect: ['+CSQ:'], timeoutMs: 1000, name: 'csq' };
export var STEP_CESQ: ChatStep = { send: 'AT+CESQ', expect: ['+CESQ:'], timeoutMs: 1000, name: 'cesq' };
export var STEP_CGSN: ChatStep = { send: 'AT+CGSN', timeoutMs: 1000, name: 'imei' };
export var STEP_CIMI: ChatStep = { send: 'AT+CIMI', timeoutMs: 1000, name: 'imsi' };
export var STEP_CCLK: ChatStep = { send: 'AT+CCLK?', expect: ['+CCLK:'], timeoutMs: 1000, name: 'cclk' };

/** Basic init common to all models: echo off, numeric errors, SIM check. */
export var INIT_STEPS: ChatStep[] = [STEP_ECHO_OFF, STEP_CMEE, STEP_CPIN];

/** `AT+CPSMS=1,,,"<T3412>","<T3324>"` (TS 27.007 §7.38). */
export function psmStep(tauS: number, activeS: number): ChatStep {
  return { send: 'AT+CPSMS=1,,,"' + encodeT3412(tauS) + '","' + encodeT3324(activeS) + '"', timeoutMs: 2000, name: 'cpsms' };
}

export var STEP_PSM_OFF: ChatStep = { send: 'AT+CPSMS=0', timeoutMs: 2000 };

/** `AT+CEDRXS=2,<AcT-type>,"<value>"` (TS 27.007 §7.40): mode 2 also enables +CEDRXP URCs. */
export function edrxStep(actType: number, value4bit: number): ChatStep {
  return { send: 'AT+CEDRXS=2,' + actType + ',"' + bits(value4bit, 4) + '"', timeoutMs: 2000, name: 'cedrxs' };
}

/** Reads the eDRX values in use (TS 27.007 §7.41). */
export var STEP_CEDRXRDP: ChatStep = { send: 'AT+CEDRXRDP', expect: ['+CEDRXRDP:'], timeoutMs: 2000, name: 'cedrxrdp' };

// ---- timers --------------------------------------------------------------------------------------------

function bits(v: number, n: number): string {
  var s = v.toString(2);
  while (s.length < n) s = '0' + s;
  return s;
}

/** GPRS Timer 3 units (TS 24.008 Table 10.5.163a), index = unit bits; 0 = deactivated (111). */
var T3_UNITS = [600, 3600, 36000, 2, 30, 60, 1152000, 0];
/** GPRS Timer 2 units (TS 24.008 Table 10.5.163): 000 2 s, 001 1 min, 010 decihours; 111 deactivated. */
var T2_UNITS = [2, 60, 360, 0, 0, 0, 0, 0];

function encodeTimer(seconds: number, units: number[]): string {
  var best = -1;
  var bestMult = 0;
  var bestVal = 0;
  var u: number, m: number;
  if (seconds < 0) return '11100000';
  // Finest unit whose 5-bit multiplier reaches the value (rounded up, so the request is never shorter).
  for (var i = 0; i < units.length; i++) {
    u = units[i];
    if (!u) continue;
    m = Math.ceil(seconds / u);
    if (m > 31) continue;
    if (best < 0 || u * m < bestVal || (u * m === bestVal && u < units[best])) {
      best = i;
      bestMult = m;
      bestVal = u * m;
    }
  }
  if (best < 0) throw modemError('BAD_ARG', 'timer value ' + seconds + ' s cannot be encoded');
  return bits(best, 3) + bits(bestMult, 5);
}

function decodeTimer(s: string, units: number[]): number | null {
  var v: number;
  if (s.length !== 8 || s.replace(/[01]/g, '') !== '') throw modemError('BAD_RESPONSE', 'timer "' + s + '" is not 8 bits');
  v = parseInt(s, 2);
  var u = units[v >> 5];
  if (!u) return null;
  return u * (v & 31);
}

/** Periodic TAU (T3412 extended) in seconds → 8-bit string; -1 = deactivated. */
export function encodeT3412(seconds: number): string {
  return encodeTimer(seconds, T3_UNITS);
}
/** 8-bit string → seconds, or null when deactivated (unit 111). */
export function decodeT3412(s: string): number | null {
  return decodeTimer(s, T3_UNITS);
}
/** Active time (T3324) in seconds → 8-bit string; -1 = deactivated. */
export function encodeT3324(seconds: number): string {
  return encodeTimer(seconds, T2_UNITS);
}
export function decodeT3324(s: string): number | null {
  return decodeTimer(s, T2_UNITS);
}

/**
 * eDRX cycle lengths in seconds by 4-bit value (3GPP TS 24.008 Table 10.5.5.32, S1 mode; NB-S1 allows
 * a subset of the same values: 0010, 0011, 0101, 1001 … 1111).
 */
var EDRX_S = [5.12, 10.24, 20.48, 40.96, 61.44, 81.92, 102.4, 122.88, 143.36, 163.84, 327.68, 655.36, 1310.72, 2621.44, 5242.88, 10485.76];

export function edrxCycleS(value: number): number {
  if (!(value >= 0 && value <= 15)) throw modemError('BAD_ARG', 'eDRX value ' + value + ' is not 0..15');
  return EDRX_S[value];
}

export interface EdrxGrant {
  /** AcT-type the values are for (4 WB-S1, 5 NB-S1); 0 = eDRX not used. */
  actType: number;
  requested: string | null;
  /** Network-provided value, null when the network did not grant eDRX. */
  granted: string | null;
  grantedCycleS: number | null;
  /** Paging time window (4 bits) as sent. */
  ptw: string | null;
}

/** `+CEDRXRDP: <AcT-type>[,"<requested>"[,"<nw-provided>"[,"<ptw>"]]]` (TS 27.007 §7.41). */
export function parseCedrxrdp(line: string): EdrxGrant {
  var a = parseArgs(line);
  var act = parseInt(a[0], 10);
  var g: EdrxGrant;
  if (isNaN(act)) throw modemError('BAD_RESPONSE', 'no <AcT-type> in "' + line + '"');
  g = { actType: act, requested: a[1] || null, granted: a[2] || null, grantedCycleS: null, ptw: a[3] || null };
  if (act === 0) g.granted = null; // eDRX not in use (TS 27.007 §7.41)
  if (g.granted !== null) {
    if (g.granted.replace(/[01]/g, '') !== '' || g.granted.length !== 4) throw modemError('BAD_RESPONSE', 'eDRX value "' + g.granted + '" is not 4 bits');
    g.grantedCycleS = EDRX_S[parseInt(g.granted, 2)];
  }
  return g;
}

// ---- parsers -------------------------------------------------------------------------------------------

export interface Registration {
  /** Raw <stat>: 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming, 8 emergency. */
  stat: number;
  /** Home or roaming; unknown stat values (an A7670E returned 11) count as not registered. */
  registered: boolean;
  roaming: boolean;
  denied: boolean;
  tac?: string;
  ci?: string;
  /** Access technology: 7 E-UTRAN, 9 NB-S1 (E-UTRAN NB-IoT). */
  act?: number;
  rejectCause?: number;
  /** Granted T3324 / T3412 (n=4 fields), raw and in seconds (null = deactivated / PSM refused). */
  activeTimeRaw?: string;
  tauRaw?: string;
  activeTimeS?: number | null;
  tauS?: number | null;
}

/**
 * `+CEREG:` in read form (`+CEREG: <n>,<stat>,…`, hasN = true) or URC form (`+CEREG: <stat>,…`).
 * Real BC660K: `+CEREG: 4,5,"0001","0000ABCD",9,,,"00100011","00101010"`.
 */
export function parseCereg(line: string, hasN: boolean): Registration {
  var a = parseArgs(line);
  var o = hasN ? 1 : 0;
  var stat = parseInt(a[o], 10);
  if (isNaN(stat)) throw modemError('BAD_RESPONSE', 'no <stat> in "' + line + '"');
  var r: Registration = { stat: stat, registered: stat === 1 || stat === 5, roaming: stat === 5, denied: stat === 3 };
  if (a.length > o + 1 && a[o + 1] !== '') r.tac = a[o + 1];
  if (a.length > o + 2 && a[o + 2] !== '') r.ci = a[o + 2];
  if (a.length > o + 3 && a[o + 3] !== '') r.act = parseInt(a[o + 3], 10);
  if (a.length > o + 5 && a[o + 5] !== '') r.rejectCause = parseInt(a[o + 5], 10);
  if (a.length > o + 6 && a[o + 6] !== '') {
    r.activeTimeRaw = a[o + 6];
    r.activeTimeS = decodeT3324(a[o + 6]);
  }
  if (a.length > o + 7 && a[o + 7] !== '') {
    r.tauRaw = a[o + 7];
    r.tauS = decodeT3412(a[o + 7]);
  }
  return r;
}

/**
 * Tells the read form (`+CEREG: <n>,<stat>,…`) from the URC form (`+CEREG: <stat>[,"<tac>",…]`): the
 * read form's second field is a bare number, the URC's is the quoted TAC or absent. Needed because a
 * URC can arrive between AT+CEREG? and its response and carries the same prefix.
 */
export function ceregIsRead(line: string): boolean {
  var parts = line.substr(line.indexOf(':') + 1).split(',');
  var second = parts.length >= 2 ? parts[1].trim() : '';
  return second !== '' && second.charAt(0) !== '"';
}

/** Parses every +CEREG line of a response, whichever form each has. */
export function parseCeregLines(lines: string[]): Registration[] {
  var out: Registration[] = [];
  for (var i = 0; i < lines.length; i++) if (lines[i].indexOf('+CEREG:') === 0) out.push(parseCereg(lines[i], ceregIsRead(lines[i])));
  return out;
}

export interface Signal {
  /** dBm or null when unknown. */
  rssiDbm: number | null;
  rsrpDbm?: number | null;
  rsrqDb?: number | null;
  sinrDb?: number | null;
  /** Coverage enhancement level (NB-IoT ECL 0/1/2), where the modem reports it. */
  ecl?: number;
  cellId?: string;
}

/** `+CSQ: <rssi>,<ber>`: dBm = −113 + 2·rssi, 99 unknown (TS 27.007 §8.5). */
export function parseCsq(line: string): Signal {
  var a = parseArgs(line);
  var v = parseInt(a[0], 10);
  if (isNaN(v)) throw modemError('BAD_RESPONSE', 'no <rssi> in "' + line + '"');
  return { rssiDbm: v === 99 ? null : -113 + 2 * v };
}

/** `+CESQ: rxlev,ber,rscp,ecno,rsrq,rsrp`: rsrp dBm = −140 + v, rsrq dB = −20 + v/2, 255 unknown (§8.69). */
export function parseCesq(line: string): Signal {
  var a = parseArgs(line);
  if (a.length < 6) throw modemError('BAD_RESPONSE', '+CESQ needs 6 fields: "' + line + '"');
  var rsrq = parseInt(a[4], 10);
  var rsrp = parseInt(a[5], 10);
  return { rssiDbm: null, rsrqDb: rsrq === 255 ? null : -20 + rsrq / 2, rsrpDbm: rsrp === 255 ? null : -140 + rsrp };
}

/** `+CCLK: "yy/MM/dd,hh:mm:ss±zz"` (zz in quarter hours) → ms since 1970 UTC, or null when unset. */
export function parseCclk(line: string): number | null {
  var s = line.substr(line.indexOf('"') + 1);
  var y = parseInt(s.substr(0, 2), 10);
  var mo = parseInt(s.substr(3, 2), 10);
  var d = parseInt(s.substr(6, 2), 10);
  var h = parseInt(s.substr(9, 2), 10);
  var mi = parseInt(s.substr(12, 2), 10);
  var se = parseInt(s.substr(15, 2), 10);
  var sign = s.charAt(17) === '-' ? -1 : 1;
  var q = parseInt(s.substr(18, 2), 10) || 0;
  if (isNaN(y) || isNaN(mo) || isNaN(d) || isNaN(h) || isNaN(mi) || isNaN(se)) throw modemError('BAD_RESPONSE', 'bad +CCLK time "' + line + '"');
  // Until NITZ arrives modems report a default such as 80/01/06 (1980, the GPS epoch) or their build
  // year: two-digit years 70–99 are read as 19xx and, like years before 2020, mean "no network time".
  if (y < 20 || y >= 70) return null;
  // Days from civil (Howard Hinnant's algorithm; no Date.UTC on Espruino).
  var yy = 2000 + y - (mo <= 2 ? 1 : 0);
  var era = Math.floor(yy / 400);
  var yoe = yy - era * 400;
  var doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  var days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + se * 1000 - sign * q * 15 * 60000;
}

/** The identity line of AT+CGSN / AT+CIMI / ICCID reads: the first line of digits (optionally prefixed). */
export function pickDigits(lines: string[], what: string): string {
  for (var i = 0; i < lines.length; i++) {
    var l = lines[i];
    var c = l.indexOf(':');
    if (c >= 0) l = l.substr(c + 1);
    l = l.trim();
    if (l.charAt(0) === '"') l = l.substr(1, l.length - 2);
    if (l !== '' && l.replace(/[0-9A-Fa-f]/g, '') === '') return l;
  }
  throw modemError('BAD_RESPONSE', 'no ' + what + ' in response "' + lines.join(' | ') + '"');
}
