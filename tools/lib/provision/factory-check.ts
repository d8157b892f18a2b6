/**
 * The factory check, run ON the board through its REPL: a small Espruino script, built from the board
 * definition, sets up the modem UART, powers the modem per its control lines, talks AT to it, and prints
 * one marker line with the raw answers as JSON. The host waits for that line (with a timeout), parses
 * the answers and judges them. The same script runs on a real ESP32 and on a simulated board on a pty.
 *
 * Power-up on the board (what a driver does at boot, boards/schema.ts ModemDef):
 *   1. `powerEnable` (board supply switch, e.g. LilyGO T-A7670 BOARD_POWERON_PIN) driven active;
 *   2. up to 3 × `AT` 300 ms apart: a module that is already on (or in PSM, where the BC660K loses the
 *      first AT — modems.md "the first AT after sleep is lost") answers; then nothing is pulsed, since a
 *      PWRKEY pulse would switch a running SIMCom / Quectel module OFF;
 *   3. otherwise PWRKEY (else RESET) is held active for the board's `pulseMs`, released, and `AT` is
 *      polled every 200 ms until the module answers (bootWaitMs).
 * Then `ATE0`; `AT+CPIN?` polled until `+CPIN: READY` (simWaitMs; SIMs report busy for a few s after
 * boot, modems.md A7670); IMEI `AT+CGSN` (BC66x `AT+CGSN=1`, modems.md "Identity"); ICCID per vendor
 * (Quectel `AT+QCCID`, SIMCom A76xx `AT+CICCID`, SIM7080 `AT+CCID`); IMSI `AT+CIMI` (3GPP TS 27.007
 * §5.6); signal `AT+CSQ` (TS 27.007 §8.5: rssi 0..31, 99 = unknown).
 *
 * The script is Espruino-subset JS on one line (sent as one REPL statement): no arrow functions, every
 * function declared before it is called, no RegExp.
 */
import type { Board, ControlLine, ModemDef } from '../../../boards/schema.ts';
import { UserError } from '../errors.ts';
import { checkIccid, checkImei, checkImsi } from '../registry/validate.ts';

export interface FactoryTimings {
  /** Longest wait for the first `AT` → `OK` after the power pulse (ms, board time). */
  bootWaitMs: number;
  /** Longest wait for `+CPIN: READY` (ms, board time). */
  simWaitMs: number;
  /** Per-command answer timeout (ms, board time). */
  commandMs: number;
}

export const DEFAULT_TIMINGS: FactoryTimings = { bootWaitMs: 20000, simWaitMs: 15000, commandMs: 2000 };

/** Raw answers as the board collected them: each step's response lines (echo removed) and final result. */
export interface RawFactory {
  at: boolean;
  powered: 'already-on' | 'pwrkey' | 'reset' | 'none';
  steps: Record<string, { lines: string[]; final: string | null }>;
  ms: number;
}

export interface FactoryReport {
  modem: string;
  at: boolean;
  powered: RawFactory['powered'];
  sim: 'READY' | string;
  imei: string | null;
  iccid: string | null;
  imsi: string | null;
  /** AT+CSQ rssi (0..31; 99 unknown) and dBm = −113 + 2·rssi (TS 27.007 §8.5). */
  rssi: number | null;
  dbm: number | null;
  /** Board time the check took (ms). */
  ms: number;
  /** Problems that do not stop provisioning (e.g. an IMEI failing its check digit). */
  warnings: string[];
}

/** The vendor's ICCID command and how the board reads the IMEI (modems.md "Identity"). */
export function identityCommands(model: ModemDef['model']): { imei: string; iccid: string } {
  switch (model) {
    case 'BC660K-GL':
      return { imei: 'AT+CGSN=1', iccid: 'AT+QCCID' };
    case 'EC200U':
    case 'EG915U':
    case 'EC800N':
      return { imei: 'AT+CGSN', iccid: 'AT+QCCID' };
    case 'A7670':
    case 'A7672':
      return { imei: 'AT+CGSN', iccid: 'AT+CICCID' };
    case 'SIM7080G':
      return { imei: 'AT+CGSN', iccid: 'AT+CCID' };
  }
}

function pinId(p: string, where: string): string {
  if (!/^D\d{1,2}$/.test(p)) throw new UserError('BOARD_PIN', `${where}: pin "${p}" is not an Espruino pin name (D0..D48)`);
  return p;
}

function lineJs(l: ControlLine | undefined, where: string): string {
  if (!l) return 'null';
  return `{p:${pinId(l.pin, where)},h:${l.activeHigh ? 1 : 0},ms:${Math.max(1, Math.round(l.pulseMs ?? 1000))}}`;
}

/** The one-line Espruino script; it prints `<marker> <RawFactory JSON>` when done. */
export function factoryCheckScript(board: Board, marker: string, t: FactoryTimings = DEFAULT_TIMINGS): string {
  const m = board.modem;
  if (!m) throw new UserError('NO_MODEM', `board ${board.id} has no modem in its definition`);
  const where = `${board.file ?? board.id}: modem`;
  const ids = identityCommands(m.model);
  const cfg = `{pk:${lineJs(m.pwrkey, where)},rs:${lineJs(m.reset, where)},pe:${lineJs(m.powerEnable, where)},` +
    `boot:${t.bootWaitMs},sim:${t.simWaitMs},cmd:${t.commandMs},imei:${JSON.stringify(ids.imei)},iccid:${JSON.stringify(ids.iccid)},mk:${JSON.stringify(marker)}}`;
  const src = [
    '(function(){',
    `var C=${cfg};`,
    `var S=${m.uart.serial};`,
    'var buf="";var t0=getTime();var R={at:false,powered:"none",steps:{},ms:0};',
    'function now(){return getTime()*1000;}',
    'function lv(l,on){return (on?l.h:!l.h)?1:0;}',
    'function done(){S.removeAllListeners("data");R.ms=Math.round((getTime()-t0)*1000);print(C.mk+" "+JSON.stringify(R));}',
    'function lines(c){var a=buf.split("\\n"),o=[],i,s;for(i=0;i<a.length;i++){s=a[i].trim();if(s.length&&s!=c)o.push(s);}return o;}',
    'function fin(ls){for(var i=0;i<ls.length;i++){var s=ls[i];if(s=="OK"||s=="ERROR"||s.indexOf("+CME ERROR")==0||s.indexOf("+CMS ERROR")==0)return s;}return null;}',
    'function cmd(c,ms,cb){buf="";S.write(c+"\\r");var st=now();function poll(){var ls=lines(c);var f=fin(ls);if(f!==null||now()-st>ms){cb(ls,f);}else setTimeout(poll,20);}setTimeout(poll,20);}',
    'function step(name,c,cb){cmd(c,C.cmd,function(ls,f){var k=ls.indexOf(f);R.steps[name]={lines:k>=0?ls.slice(0,k):ls,final:f};cb(ls,f);});}',
    'function probe(n,cb){cmd("AT",300,function(ls,f){if(f=="OK")cb(true);else if(n>1)probe(n-1,cb);else cb(false);});}',
    'function pulse(l,cb){digitalWrite(l.p,lv(l,true));setTimeout(function(){digitalWrite(l.p,lv(l,false));cb();},l.ms);}',
    'function waitAt(end,cb){cmd("AT",500,function(ls,f){if(f=="OK")cb(true);else if(now()>end)cb(false);else setTimeout(function(){waitAt(end,cb);},200);});}',
    'function ident(){step("ate0","ATE0",function(){cpin(now()+C.sim);});}',
    'function cpin(end){step("cpin","AT+CPIN?",function(ls,f){var ok=false;for(var i=0;i<ls.length;i++)if(ls[i].indexOf("READY")>=0)ok=true;if(ok||now()>end)ids();else setTimeout(function(){cpin(end);},500);});}',
    'function ids(){step("imei",C.imei,function(){step("iccid",C.iccid,function(){step("imsi","AT+CIMI",function(){step("csq","AT+CSQ",function(){done();});});});});}',
    'function up(ok){R.at=ok;if(ok)ident();else done();}',
    'S.setup(' + m.uart.baud + ',{tx:' + pinId(m.uart.tx, where) + ',rx:' + pinId(m.uart.rx, where) + '});',
    'S.on("data",function(d){buf+=d;});',
    'if(C.pe)digitalWrite(C.pe.p,lv(C.pe,true));',
    'if(C.pk)digitalWrite(C.pk.p,lv(C.pk,false));',
    'probe(3,function(on){if(on){R.powered="already-on";up(true);return;}var l=C.pk||C.rs;if(!l){waitAt(now()+C.boot,up);return;}R.powered=C.pk?"pwrkey":"reset";pulse(l,function(){waitAt(now()+C.boot,up);});});',
    '})();',
  ];
  return src.join('');
}

/** Finds `<marker> {json}` in the console output. */
export function parseFactoryOutput(output: string, marker: string): RawFactory | undefined {
  const i = output.indexOf(marker + ' {');
  if (i < 0) return undefined;
  const end = output.indexOf('\n', i);
  if (end < 0) return undefined;
  const json = output.slice(i + marker.length + 1, end).trim();
  try {
    return JSON.parse(json) as RawFactory;
  } catch {
    return undefined;
  }
}

function stepLines(raw: RawFactory, name: string): string[] {
  return raw.steps[name]?.lines ?? [];
}

function firstMatch(lines: string[], re: RegExp): string | null {
  for (const l of lines) {
    const m = re.exec(l);
    if (m) return m[1]!;
  }
  return null;
}

function validOr(check: (v: string) => void, v: string | null, what: string, warnings: string[]): string | null {
  if (v === null) return null;
  try {
    check(v);
    return v;
  } catch (e) {
    warnings.push(`${what}: ${(e as Error).message}; not recorded`);
    return null;
  }
}

/** Interprets the raw answers (no judgement yet: see judgeFactory). */
export function interpretFactory(raw: RawFactory, model: string): FactoryReport {
  const warnings: string[] = [];
  const cpin = raw.steps['cpin'];
  const cpinLines = stepLines(raw, 'cpin');
  const sim = cpinLines.some((l) => /^\+CPIN:\s*READY/.test(l)) ? 'READY' : (cpinLines.find((l) => l.startsWith('+CPIN:')) ?? cpin?.final ?? 'no answer to AT+CPIN?');
  // `+CGSN: <imei>` (BC66x AT+CGSN=1) or the bare 15 digits (TS 27.007 §5.4)
  const imei = firstMatch(stepLines(raw, 'imei'), /^(?:\+CGSN:\s*"?)?(\d{15})"?$/);
  // `+QCCID: x`, `+ICCID: x` or bare digits; some SIMs end in F padding (ITU-T E.118)
  const iccid = firstMatch(stepLines(raw, 'iccid'), /^(?:\+(?:QCCID|ICCID|CCID):\s*)?"?(89[0-9]{16,17}[0-9Ff]?)"?$/);
  const imsi = firstMatch(stepLines(raw, 'imsi'), /^(?:\+CIMI:\s*)?(\d{6,15})$/);
  const csq = firstMatch(stepLines(raw, 'csq'), /^\+CSQ:\s*(\d+),\d+$/);
  const rssi = csq === null ? null : Number(csq);
  return {
    modem: model,
    at: raw.at,
    powered: raw.powered,
    sim,
    imei: validOr(checkImei, imei, 'IMEI', warnings),
    iccid: validOr(checkIccid, iccid, 'ICCID', warnings),
    imsi: validOr(checkImsi, imsi, 'IMSI', warnings),
    rssi,
    dbm: rssi === null || rssi === 99 ? null : -113 + 2 * Math.min(rssi, 31),
    ms: raw.ms,
    warnings,
  };
}

/** The checks a board must pass; a failure is a UserError naming what to do. Returns warnings. */
export function judgeFactory(r: FactoryReport, board: Board, opts: { allowNoSignal?: boolean } = {}): void {
  const m = board.modem!;
  if (!r.at) {
    const how = r.powered === 'pwrkey' ? `after a ${m.pwrkey?.pulseMs ?? 1000} ms PWRKEY pulse on ${m.pwrkey?.pin}` : r.powered === 'reset' ? `after a RESET pulse on ${m.reset?.pin}` : 'with no power line to pulse';
    throw new UserError('MODEM_SILENT', `the ${m.model} modem does not answer AT on ${m.uart.serial} (TX ${m.uart.tx}, RX ${m.uart.rx}, ${m.uart.baud} baud) ${how}`, {
      hint: `check the modem's supply, its UART wiring and baud rate against ${board.file ?? board.id}, and that --board names the right board`,
    });
  }
  if (r.sim !== 'READY') {
    throw new UserError('SIM_NOT_READY', `the SIM is not ready (AT+CPIN? answered "${r.sim}")`, { hint: 'insert the SIM (contacts down, fully seated) or check that it needs no PIN, then run provision again' });
  }
  if (r.imei === null && !r.warnings.some((w) => w.startsWith('IMEI'))) {
    throw new UserError('MODEM_IDENTITY', 'the modem reported no IMEI', { hint: 'check the modem firmware; run the check again' });
  }
  if (r.iccid === null && !r.warnings.some((w) => w.startsWith('ICCID'))) throw new UserError('SIM_IDENTITY', 'the SIM reported no ICCID', { hint: 'reseat the SIM and run provision again' });
  if (r.imsi === null && !r.warnings.some((w) => w.startsWith('IMSI'))) throw new UserError('SIM_IDENTITY', 'the SIM reported no IMSI (AT+CIMI)', { hint: 'reseat the SIM and run provision again' });
  if ((r.rssi === null || r.rssi === 99) && !opts.allowNoSignal) {
    throw new UserError('NO_SIGNAL', `no signal (AT+CSQ: ${r.rssi ?? 'no answer'})`, {
      hint: 'connect the antenna and check coverage at the bench, or pass --allow-no-signal to provision without one',
    });
  }
}
