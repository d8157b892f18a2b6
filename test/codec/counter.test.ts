/**
 * Frame counter (firmware/codec/counter.ts): never reuses a value across reboots and power losses at
 * any write (clean or torn), skips at most K per boot, refuses near the limit.
 */
import { describe, expect, it } from 'vitest';
import { frameCounter } from '../../firmware/codec/counter.ts';
import { CodecError } from '../../firmware/codec/error.ts';
import { MemoryStorage } from './support.ts';

const K = 4;

/** Boots a device repeatedly; each boot issues up to `perBoot[i]` values and then loses power. */
function lifetime(storage: MemoryStorage, perBoot: number[], limit?: number): { issued: number[]; errors: string[] } {
  const issued: number[] = [];
  const errors: string[] = [];
  for (const n of perBoot) {
    const c = frameCounter(storage, 'fcnt', K, limit);
    for (let i = 0; i < n; i++) {
      const v = c.issue();
      if (v instanceof CodecError) {
        errors.push(v.code);
        break; // power is gone (or re-key needed): this boot ends
      }
      issued.push(v); // the value went out on the air
    }
    storage.reboot();
  }
  return { issued, errors };
}

const PER_BOOT = [1, 3, 7, 2, 5, 0, 9, 4, 1, 1, 6];

describe('frame counter', () => {
  it('issues increasing values, writing flash once per K values, and skips ahead after a reboot', () => {
    const st = new MemoryStorage();
    const c = frameCounter(st, 'fcnt', K);
    expect([0, 1, 2, 3, 4, 5].map(() => c.issue())).toEqual([0, 1, 2, 3, 4, 5]);
    expect(st.writes).toBe(2);
    expect([...st.files.values()]).toEqual(['{"b":4}', '{"b":8}']);
    const after = frameCounter(st, 'fcnt', K);
    expect(after.issue()).toBe(8); // 6 and 7 were reserved by the last boot: skipped, never reused
    expect(st.files.get('fcnt0')).toBe('{"b":12}'); // the write went to the slot without the newest bound
  });

  it('never reuses a value when power fails at any write, cleanly or with a torn file', () => {
    const clean = lifetime(new MemoryStorage(), PER_BOOT).issued;
    expect(clean.length).toBe(PER_BOOT.reduce((a, b) => a + b, 0));
    let scenarios = 0;
    for (const torn of [false, true]) {
      for (let failAt = 0; failAt < 20; failAt++) {
        const st = new MemoryStorage();
        st.failAt = failAt;
        st.torn = torn;
        const { issued, errors } = lifetime(st, PER_BOOT);
        for (let i = 1; i < issued.length; i++) expect(issued[i], `torn=${torn} failAt=${failAt}`).toBeGreaterThan(issued[i - 1]);
        expect(errors.length).toBeLessThanOrEqual(1);
        if (failAt < 12) expect(errors).toEqual(['STORAGE_FAILED']);
        // skipping is bounded: at most K per boot plus the block cut by the power loss
        expect(issued[issued.length - 1]).toBeLessThan(clean.length + K * (PER_BOOT.length + 1));
        scenarios++;
      }
    }
    expect(scenarios).toBe(40);
  });

  it('survives both files being unreadable except one, and ignores garbage', () => {
    const st = new MemoryStorage();
    st.files.set('fcnt0', '{"b":40}');
    st.files.set('fcnt1', '{"b":4');
    expect(frameCounter(st, 'fcnt', K).issue()).toBe(40);
    st.files.set('fcnt0', 'null');
    st.files.set('fcnt1', '{"b":"99"}');
    expect(frameCounter(st, 'fcnt', K).issue()).toBe(0);
  });

  it('refuses to issue when flash refuses the write, and issues once it works again', () => {
    let ok = false;
    const files = new Map<string, string>();
    const st = { read: (n: string) => files.get(n), write: (n: string, d: string) => (ok ? (files.set(n, d), true) : false) };
    const c = frameCounter(st, 'fcnt', K);
    const e = c.issue();
    expect(e).toBeInstanceOf(CodecError);
    expect((e as CodecError).code).toBe('STORAGE_FAILED');
    ok = true;
    expect(c.issue()).toBe(0);
  });

  it('refuses values at the limit with REKEY_NEEDED, and keeps refusing after a reboot', () => {
    const st = new MemoryStorage();
    const { issued, errors } = lifetime(st, [5, 5, 5], 10);
    expect(issued).toEqual([0, 1, 2, 3, 4, 8, 9]);
    expect(errors).toEqual(['REKEY_NEEDED', 'REKEY_NEEDED']);
    const c = frameCounter(st, 'fcnt', K, 10);
    expect(c.remaining()).toBe(0);
    const e = c.issue() as CodecError;
    expect(e.message).toBe('frame counter reached 10: re-keying needed');
  });

  it('defaults to a limit below 2^40 and checks the file name length', () => {
    const st = new MemoryStorage();
    st.files.set('fcnt0', JSON.stringify({ b: 2 ** 40 - 2 ** 16 - 1 }));
    const c = frameCounter(st, 'fcnt');
    expect(c.issue()).toBe(2 ** 40 - 2 ** 16 - 1);
    expect((c.issue() as CodecError).code).toBe('REKEY_NEEDED');
    expect(() => frameCounter(st, 'x'.repeat(28))).toThrow(/longer than 27/);
  });
});
