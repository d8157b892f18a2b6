/**
 * The persistent reading queue: one line per sample appended to a StorageFile (`sn.q`, append mode —
 * Espruino appends StorageFile chunks in place, so a sample costs only its own bytes of flash, not a
 * rewrite). Line = JSON `[t, v1, v2, …]`: epoch seconds and the values in the app's channel order.
 *
 * Bookkeeping lives in the node state: `ql` lines in the file, the first `qa` of them delivered or
 * dropped. Delivered lines are never re-read; when every line is delivered the file is erased. Bounded:
 * more than `max` pending lines drops the oldest (counted in `dr`). A file carrying many dead lines
 * (long outage) is rewritten with only the live ones.
 */
import type { NodeState } from './state.ts';

export var QUEUE_FILE = 'sn.q';

export interface Sample {
  t: number;
  v: number[];
}

interface FileLike {
  readLine(): string | undefined;
  write(s: string): void;
  erase(): void;
}

export interface QueueStorage {
  open(name: string, mode: 'r' | 'w' | 'a'): FileLike;
}

export function pending(st: NodeState): number {
  return st.ql - st.qa;
}

function lineOf(s: Sample): string {
  return JSON.stringify([s.t].concat(s.v)) + '\n';
}

function parseLine(line: string): Sample | undefined {
  var a: any;
  try {
    a = JSON.parse(line);
  } catch (e) {
    return undefined;
  }
  if (!Array.isArray(a) || typeof a[0] !== 'number') return undefined;
  return { t: a[0], v: a.slice(1) };
}

/** Reads up to `max` pending samples (the oldest first). Unparsable lines (torn by a power loss) are skipped but counted. */
export function readPending(storage: QueueStorage, st: NodeState, max: number): { samples: Sample[]; lines: number } {
  var f = storage.open(QUEUE_FILE, 'r');
  var out: Sample[] = [];
  var i = 0;
  var used = 0;
  var line: string | undefined;
  // readLine() gives undefined at the end (Espruino); stop on any empty result too
  while (out.length < max && (line = f.readLine())) {
    if (i >= st.qa) {
      used++;
      var s = parseLine(line);
      if (s) out.push(s);
    }
    i++;
  }
  return { samples: out, lines: used };
}

/** Appends one sample; drops the oldest pending ones beyond `max`. Returns how many were dropped. */
export function append(storage: QueueStorage, st: NodeState, s: Sample, max: number): number {
  var dropped = 0;
  if (st.ql - st.qa > 2 * max) compactQueue(storage, st);
  storage.open(QUEUE_FILE, 'a').write(lineOf(s));
  st.ql++;
  if (st.ql - st.qa > max) {
    dropped = st.ql - st.qa - max;
    st.qa += dropped;
    st.dr += dropped;
  }
  return dropped;
}

/** Marks `n` lines delivered; erases the file once everything in it is delivered. */
export function ack(storage: QueueStorage, st: NodeState, n: number): void {
  st.qa += n;
  if (st.qa >= st.ql) {
    storage.open(QUEUE_FILE, 'r').erase();
    st.ql = 0;
    st.qa = 0;
  }
}

/** Rewrites the file with only its live lines (after a long outage filled it with dead ones). */
export function compactQueue(storage: QueueStorage, st: NodeState): void {
  var live = readPending(storage, st, st.ql - st.qa);
  storage.open(QUEUE_FILE, 'r').erase();
  var f = storage.open(QUEUE_FILE, 'w');
  for (var i = 0; i < live.samples.length; i++) f.write(lineOf(live.samples[i]));
  st.ql = live.samples.length;
  st.qa = 0;
}
