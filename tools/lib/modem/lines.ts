/**
 * Classifies and parses one modem output line with the firmware drivers' own parsers, so a replay can
 * annotate what the driver would understand, and tests can check that every line of a recorded log
 * parses. Unknown `+NAME:` lines are parsed generically (argv); anything else is reported as unknown.
 */
import { parseArgs, parseCmeError } from '../../../firmware/modem/chat.ts';
import { ceregIsRead, parseCclk, parseCereg, parseCesq, parseCsq } from '../../../firmware/modem/3gpp.ts';
import { parseQeng, parseQiurcRecv } from '../../../firmware/modem/bc660k.ts';
import { parseCaopen } from '../../../firmware/modem/sim7080g.ts';

export type LineKind = 'final' | 'error' | 'urc' | 'response' | 'banner' | 'data' | 'unknown';

export interface ParsedLine {
  kind: LineKind;
  /** '+CEREG', 'OK', 'SMS Ready' … */
  name: string;
  value: unknown;
}

const BANNERS = ['RDY', 'SMS Ready', 'SMS DONE', 'PB DONE', 'NORMAL POWER DOWN'];
const URC_NAMES = ['+QIURC', '+CADATAIND', '+APP PDP', '+QNBIOTEVENT', '+CPSMSTATUS', '+IP', '+IPCLOSE', '+CGEV', '+MSTK', '*ATREADY', '+CASTATE'];

/** `context`: the command the line answered (decides read vs URC form of +CEREG/+CGREG). */
export function parseLine(line: string, context?: string | null): ParsedLine {
  const l = line.trim();
  if (l === 'OK' || l === 'SEND OK' || l === 'CLOSE OK' || l === '>') return { kind: 'final', name: l, value: null };
  if (l === 'ERROR' || l === 'SEND FAIL') return { kind: 'error', name: l, value: null };
  if (l.startsWith('+CME ERROR:') || l.startsWith('+CMS ERROR:')) return { kind: 'error', name: l.slice(0, 10), value: parseCmeError(l) };
  if (BANNERS.includes(l)) return { kind: 'banner', name: l, value: null };
  const m = /^([+*][A-Z0-9]+( PDP)?):/.exec(l);
  if (!m) {
    if (/^[0-9A-F]+$/i.test(l)) return { kind: 'data', name: 'digits', value: l };
    return { kind: 'unknown', name: '', value: l };
  }
  const name = m[1];
  const read = !!context && /\?$/.test(context) && context.toUpperCase().includes(name);
  const answered = !!context && context.toUpperCase().includes(name);
  let value: unknown;
  switch (name) {
    case '+CEREG':
    case '+CGREG':
    case '+CREG':
      // a URC can arrive inside the read's response: the line's own form decides
      value = parseCereg(l, read && ceregIsRead(l));
      break;
    case '+CSQ':
      value = parseCsq(l);
      break;
    case '+CESQ':
      value = parseCesq(l);
      break;
    case '+CCLK':
      value = parseCclk(l);
      break;
    case '+QENG':
      value = parseQeng(l);
      break;
    case '+CAOPEN':
      value = parseCaopen(l);
      break;
    case '+QIURC':
      value = parseArgs(l)[0] === 'recv' ? parseQiurcRecv(l) : parseArgs(l);
      break;
    default:
      value = parseArgs(l);
  }
  const urc = URC_NAMES.includes(name) || (!answered && (name === '+CEREG' || name === '+CGREG' || name === '+CPIN'));
  return { kind: urc ? 'urc' : 'response', name, value };
}
