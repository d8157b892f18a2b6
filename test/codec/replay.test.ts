/** Replay window (tools/lib/codec/replay.ts): RFC 8613 §7.4 / DTLS sliding window of 32. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkReplay, INITIAL_REPLAY_STATE, type ReplayState } from '../../tools/lib/codec/index.ts';

function run(counters: number[]): { accepted: number[]; state: ReplayState } {
  let state = INITIAL_REPLAY_STATE;
  const accepted: number[] = [];
  for (const c of counters) {
    const r = checkReplay(state, c);
    if (r.ok) {
      state = r.value;
      accepted.push(c);
    }
  }
  return { accepted, state };
}

describe('replay window', () => {
  it('accepts the first message and in-order counters, refuses an exact replay', () => {
    const s1 = checkReplay(INITIAL_REPLAY_STATE, 0);
    expect(s1).toEqual({ ok: true, value: { highest: 0, bitmap: 1 } });
    const again = checkReplay((s1 as { value: ReplayState }).value, 0);
    expect(again.ok).toBe(false);
    if (!again.ok) {
      expect(again.error.code).toBe('REPLAY');
      expect(again.error.message).toBe('counter 0 was already received');
    }
  });

  it('accepts late (reordered) messages inside the window once, refuses ones older than 32', () => {
    const { accepted, state } = run([100, 90, 69, 68, 90, 131, 100, 99]);
    // 68 is 32 behind 100; 90 and 100 repeat; 99 is new but 32 behind 131
    expect(accepted).toEqual([100, 90, 69, 131]);
    expect(state.highest).toBe(131);
    const old = checkReplay(state, 99);
    expect(old.ok ? '' : old.error.message).toMatch(/older than the replay window \(highest accepted 131\)/);
  });

  it('is pure and JSON-serializable: the state can be stored and reloaded between checks', () => {
    const s = { highest: 40, bitmap: 0b101 };
    const r = checkReplay(s, 39);
    expect(s).toEqual({ highest: 40, bitmap: 0b101 });
    expect(r.ok && JSON.parse(JSON.stringify(r.value))).toEqual({ highest: 40, bitmap: 0b111 });
    // bit 31 (the oldest slot) keeps the bitmap unsigned
    const edge = checkReplay({ highest: 31, bitmap: 1 }, 0);
    expect(edge.ok && edge.value.bitmap).toBe(0x80000001);
    expect(checkReplay({ highest: 2 ** 40 - 2, bitmap: 1 }, 2 ** 40 - 1)).toEqual({ ok: true, value: { highest: 2 ** 40 - 1, bitmap: 3 } });
  });

  it('matches a reference model: accept iff new and within 32 of the highest seen (property, seed 40)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 200 }), (counters) => {
        const seen = new Set<number>();
        let highest = -1;
        const expected: number[] = [];
        for (const c of counters) {
          if (!seen.has(c) && c > highest - 32) {
            expected.push(c);
            seen.add(c);
            highest = Math.max(highest, c);
          }
        }
        expect(run(counters).accepted).toEqual(expected);
      }),
      { seed: 40, numRuns: 500 },
    );
  });
});
