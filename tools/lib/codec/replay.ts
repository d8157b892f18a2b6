/**
 * Replay protection: a per-device sliding window of 32 counters (RFC 8613 §7.4, the DTLS anti-replay
 * window of RFC 6347 §4.1.2.6). A pure function on a small JSON-serializable state, so the ingest can
 * check and store the new state in the same database transaction as the readings (check-and-update
 * must be atomic, RFC 8613 §7.4).
 *
 * State: `highest` = highest counter accepted (−1 before the first); `bitmap` = 32-bit unsigned, bit i
 * set ⇔ counter `highest − i` was accepted. A counter above `highest` slides the window; one inside
 * the window is accepted once; one below it (highest − counter ≥ 32) is refused as too old.
 */
import { CodecError, fail, ok, type Result } from './errors.ts';

export const REPLAY_WINDOW = 32;

export interface ReplayState {
  highest: number;
  bitmap: number;
}

export const INITIAL_REPLAY_STATE: ReplayState = Object.freeze({ highest: -1, bitmap: 0 });

/** Accept `counter` (→ the new state) or refuse it as a REPLAY. The input state is not modified. */
export function checkReplay(state: ReplayState, counter: number): Result<ReplayState> {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new CodecError('BAD_STRUCTURE', `counter ${counter} is not a non-negative integer`);
  const { highest, bitmap } = state;
  if (counter > highest) {
    const shift = counter - highest;
    const moved = shift >= REPLAY_WINDOW ? 0 : (bitmap << shift) >>> 0;
    return ok({ highest: counter, bitmap: (moved | 1) >>> 0 });
  }
  const age = highest - counter;
  if (age >= REPLAY_WINDOW) return fail('REPLAY', `counter ${counter} is older than the replay window (highest accepted ${highest})`);
  const bit = (1 << age) >>> 0;
  if (bitmap & bit) return fail('REPLAY', `counter ${counter} was already received`);
  return ok({ highest, bitmap: (bitmap | bit) >>> 0 });
}
