/**
 * SenML pack builder (RFC 8428) for the CBOR representation (§6, content-format 112): records are CBOR
 * maps with the integer labels of §6 Table 6, values as numbers (v), strings (vs), booleans (vb) or
 * bytes (vd, a byte string in CBOR).
 *
 * Batching: one pack carries several records. The first record holds the base fields (§4.1):
 *   bn  = the given base name (names in records are relative to it),
 *   bt  = the first record's time; every record's t is then its time minus bt, omitted when 0,
 *   bu  = the first record's unit when EVERY record has a unit; records with that unit omit u.
 * Record times are absolute (UNIX seconds); a record without a time resolves to bt (§4.6: a missing
 * t means 0, added to bt). Map keys are written in the order of RFC 8949 §4.2.1 (0, 1, 2…, then −2,
 * −3, −4) so the pack is also core-deterministic.
 *
 * Labels (§6 Table 6): bn −2, bt −3, bu −4, n 0, u 1, v 2, vs 3, vb 4, t 6, vd 8.
 */
import { CborMap, type CborKey, type CborValue } from './cbor.ts';

/** One reading as the firmware produces it. */
export interface SenmlRecord {
  /** name relative to the pack's base name, e.g. "temp" */
  n: string;
  v: number | boolean | string | Uint8Array;
  /** unit from the SenML units registry (RFC 8428 §12.1), e.g. "Cel", "%RH", "V" */
  u?: string;
  /** absolute time, UNIX seconds */
  t?: number;
}

/** The pack as a CBOR value (array of CborMap), ready for cborEncode. */
export function senmlPack(baseName: string, records: SenmlRecord[]): CborValue[] {
  var pack: CborValue[] = [];
  var bt = records.length ? records[0].t : undefined;
  var bu = records.length ? records[0].u : undefined;
  var i, r, e: Array<[CborKey, CborValue]>, v;
  for (i = 0; i < records.length; i++) if (records[i].u === undefined) bu = undefined;
  for (i = 0; i < records.length; i++) {
    r = records[i];
    e = [];
    e.push([0, r.n]); // n
    if (r.u !== undefined && r.u !== bu) e.push([1, r.u]); // u
    v = r.v;
    // v 2, vs 3, vb 4, vd 8
    e.push([typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : typeof v === 'boolean' ? 4 : 8, v]);
    // t 6: relative to bt when there is one
    if (r.t !== undefined && r.t !== bt) e.push([6, bt === undefined ? r.t : r.t - bt]);
    if (i === 0) {
      if (baseName) e.push([-2, baseName]); // bn
      if (bt !== undefined) e.push([-3, bt]); // bt
      if (bu !== undefined) e.push([-4, bu]); // bu
    }
    pack.push(new CborMap(e));
  }
  return pack;
}
