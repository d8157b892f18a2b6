/**
 * SenML-CBOR (RFC 8428 §6) pack → resolved records (§4.6): base name prefixes the name, base time adds
 * to the time, base unit is the default unit, base value / base sum add to v / s. Base fields apply to
 * the record they are in and every later one until changed (§4.1).
 *
 * Checks (BAD_STRUCTURE, with the record index): the pack is an array of maps; labels have the types
 * of §6 Table 6; at most one of v/vs/vb/vd and at least one value or sum (§4.2: a record without
 * either carries nothing); resolved names are non-empty and use the §4.5.1 characters; labels ending
 * in "_" (must-understand, §4.4) are refused; unknown other labels are ignored (§4.4); bver ≤ 10
 * (§4.4, version 10 is RFC 8428's).
 */
import { decodeCbor } from './cbor.ts';
import { fail, ok, type Result } from './errors.ts';

export interface SenmlReading {
  name: string;
  unit?: string;
  value?: number | string | boolean | Uint8Array;
  sum?: number;
  /** seconds; absolute UNIX time, or resolved against `now` when the pack's time was relative */
  time: number;
}

const BVER = -1, BN = -2, BT = -3, BU = -4, BV = -5, BS = -6;
const N = 0, U = 1, V = 2, VS = 3, VB = 4, S = 5, T = 6, UT = 7, VD = 8;
const NUMBER_LABELS = [BVER, BT, BV, BS, V, S, T, UT];
const STRING_LABELS = [BN, BU, N, U, VS];
/** RFC 8428 §4.5.3: times below 2^28 are relative to the current time. */
const RELATIVE_TIME_LIMIT = 2 ** 28;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;

export interface ResolveOptions {
  /** receipt time (UNIX seconds) used to resolve relative times; without it they stay relative */
  now?: number;
}

export function resolveSenml(pack: unknown, opts: ResolveOptions = {}): Result<SenmlReading[]> {
  if (!Array.isArray(pack)) return fail('BAD_STRUCTURE', 'SenML pack must be an array of records');
  const out: SenmlReading[] = [];
  let bn = '', bt = 0;
  let bu: string | undefined, bv: number | undefined, bs: number | undefined; // undefined: not set (so −0 stays −0)
  for (let i = 0; i < pack.length; i++) {
    const rec = pack[i];
    const where = `SenML record ${i}`;
    if (!(rec instanceof Map)) return fail('BAD_STRUCTURE', `${where} is not a map`);
    let valueCount = 0;
    for (const [k, v] of rec) {
      if (typeof k === 'string') {
        if (k.endsWith('_')) return fail('BAD_STRUCTURE', `${where}: must-understand label "${k}" is not supported`);
        continue;
      }
      if (typeof k !== 'number') return fail('BAD_STRUCTURE', `${where}: label of type ${typeof k}`);
      if (NUMBER_LABELS.includes(k) && (typeof v !== 'number' || !Number.isFinite(v))) return fail('BAD_STRUCTURE', `${where}: label ${k} must be a finite number`);
      if (STRING_LABELS.includes(k) && typeof v !== 'string') return fail('BAD_STRUCTURE', `${where}: label ${k} must be a text string`);
      if (k === VB && typeof v !== 'boolean') return fail('BAD_STRUCTURE', `${where}: vb (4) must be a boolean`);
      if (k === VD && !(v instanceof Uint8Array)) return fail('BAD_STRUCTURE', `${where}: vd (8) must be a byte string`);
      if (k === V || k === VS || k === VB || k === VD) valueCount++;
    }
    const bver = rec.get(BVER);
    if (bver !== undefined && bver > 10) return fail('BAD_STRUCTURE', `${where}: SenML version ${bver} is newer than 10`);
    if (rec.has(BN)) bn = rec.get(BN);
    if (rec.has(BT)) bt = rec.get(BT);
    if (rec.has(BU)) bu = rec.get(BU);
    if (rec.has(BV)) bv = rec.get(BV);
    if (rec.has(BS)) bs = rec.get(BS);
    if (valueCount > 1) return fail('BAD_STRUCTURE', `${where} has more than one of v, vs, vb, vd`);
    if (valueCount === 0 && !rec.has(S)) return fail('BAD_STRUCTURE', `${where} has no value and no sum`);
    const name = bn + (rec.get(N) ?? '');
    if (!NAME_RE.test(name)) return fail('BAD_STRUCTURE', `${where}: name "${name}" is empty or has characters RFC 8428 §4.5.1 does not allow`);
    let time = bt + (rec.get(T) ?? 0);
    if (time < RELATIVE_TIME_LIMIT && opts.now !== undefined) time += opts.now;
    const reading: SenmlReading = { name, time };
    const unit = rec.get(U) ?? bu;
    if (unit !== undefined) reading.unit = unit;
    if (rec.has(V)) reading.value = bv === undefined ? rec.get(V) : bv + rec.get(V);
    else if (rec.has(VS)) reading.value = rec.get(VS);
    else if (rec.has(VB)) reading.value = rec.get(VB);
    else if (rec.has(VD)) reading.value = rec.get(VD);
    if (rec.has(S)) reading.sum = bs === undefined ? rec.get(S) : bs + rec.get(S);
    out.push(reading);
  }
  return ok(out);
}

/** SenML-CBOR bytes (untrusted) → resolved records. */
export function decodeSenml(bytes: Uint8Array, opts: ResolveOptions = {}): Result<SenmlReading[]> {
  const d = decodeCbor(bytes);
  return d.ok ? resolveSenml(d.value, opts) : d;
}
