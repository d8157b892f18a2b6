/**
 * What the node must remember across deep sleep (which erases RAM): schedule, queue bookkeeping, drop
 * and failure counts, the downlink counter and the modem's state. One small JSON file, `sn.st`, written
 * at most once per boot (flash wear: one write per wake-up; see README of firmware/node).
 */
export var STATE_FILE = 'sn.st';

export interface NodeState {
  /** next sample due (epoch s) */
  ns: number;
  /** next uplink due (epoch s) */
  nu: number;
  /** lines in the queue file */
  ql: number;
  /** lines at the head of the queue file already delivered (acked) or dropped */
  qa: number;
  /** readings dropped because the queue was full (total since provisioning) */
  dr: number;
  /** uplink sessions that failed in a row (back-off) */
  uf: number;
  /** highest downlink counter accepted (−1: none) */
  dc: number;
  /** modem: 0 off, 1 registered and in PSM (wake instead of power-on) */
  ms: number;
  /** epoch s when the node went to sleep, and for how long (to restore the clock if it reset) */
  sa: number;
  ss: number;
  /** wake target of a chained sleep (epoch s), 0 when none */
  su: number;
  /** statistics: boots, samples, uplinks ok, uplink attempts */
  nb: number;
  nsm: number;
  nok: number;
  nup: number;
}

export function newState(now: number): NodeState {
  return { ns: now, nu: now, ql: 0, qa: 0, dr: 0, uf: 0, dc: -1, ms: 0, sa: 0, ss: 0, su: 0, nb: 0, nsm: 0, nok: 0, nup: 0 };
}

export function loadState(storage: { read(name: string): string | undefined }, now: number): NodeState {
  var text = storage.read(STATE_FILE);
  var s: any;
  if (text === undefined) return newState(now);
  try {
    s = JSON.parse(text);
  } catch (e) {
    return newState(now);
  }
  var d = newState(now);
  for (var k in d) if (typeof s[k] !== 'number') s[k] = (d as any)[k];
  return s as NodeState;
}

export function saveState(storage: { write(name: string, data: string): boolean }, s: NodeState): boolean {
  return storage.write(STATE_FILE, JSON.stringify(s));
}
