/** Parses a virtual duration: a number of ms, or a string like '7d', '36h', '15m', '90s', '250ms', '1y', '1d12h'. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

export function parseDuration(v: number | string, what = 'duration'): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${what}: expected a non-negative number of ms, got ${v}`);
    return v;
  }
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (pos !== s.length || pos === 0) {
    throw new Error(`${what}: cannot parse '${v}' (use ms or a number with a unit: 250ms, 90s, 15m, 36h, 7d, 1y)`);
  }
  return total;
}
