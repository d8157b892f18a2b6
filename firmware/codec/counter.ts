/**
 * Frame counter (the COSE Partial IV / OSCORE Sender Sequence Number) that survives deep sleep and
 * power loss without ever issuing a value twice, after RFC 8613 Appendix B.1.1.
 *
 * Write-ahead reservation: flash holds a bound B such that no value ≥ B has ever been issued. Before
 * the first value of a block is issued, B is raised by `step` (K in App. B.1.1) and written; only when
 * the write reports success are values below the new B handed out. After a reboot the counter resumes
 * AT the stored B: values between the last one really issued and B are skipped (at most K per boot),
 * none is reused. A power loss before or during the write leaves the old bound, and nothing at or above
 * it was issued yet, so resuming there is safe too. This is B.1.1's "stored + K" with the reservation
 * made before use instead of after, so no extra margin F is needed.
 *
 * Torn writes: Espruino's Storage rewrites a file by erasing and appending, which a power loss can cut
 * in half. The bound therefore alternates between two files, `<name>0` and `<name>1`; a write always
 * goes to the file that does NOT hold the highest valid bound, so the newest good copy survives any
 * single interrupted write. Content: JSON `{"b":<bound>}`; anything unparsable is ignored.
 *
 * Limit: sequence numbers must stay below 2^40 (RFC 8613 §7.2.1). Values ≥ `limit` (default
 * 2^40 − 2^16, lower in tests) are refused with REKEY_NEEDED: the device must get a new key version.
 * Flash wear: one small write per `step` messages, at most one per boot.
 */
import { CodecError } from './error.ts';
import { floor } from './bytes.ts';

/** The subset of Espruino's `require("Storage")` the counter needs (tests pass an in-memory one). */
export interface CounterStorage {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
}

export var COUNTER_LIMIT = 1099511562240; // 2^40 − 2^16

export interface FrameCounter {
  /** The next counter value, or REKEY_NEEDED / STORAGE_FAILED (then nothing was issued). */
  issue(): number | CodecError;
  /** Values left before the limit, so the runtime can ask for a re-key early. */
  remaining(): number;
}

/**
 * Load the counter stored under `name` (≤ 27 chars: Storage names are ≤ 28 and a digit is appended).
 * `step` = K, values reserved per flash write (default 32); `limit` = first refused value (default
 * COUNTER_LIMIT). Closures rather than a class keep the minified device code small.
 */
export function frameCounter(storage: CounterStorage, name: string, step?: number, limit?: number): FrameCounter {
  var k = step || 32;
  var lim = limit || COUNTER_LIMIT;
  var bound = 0; // persisted: values below it may be issued
  var slot = 1; // file (0/1) holding `bound`
  var next: number;
  var i, b, s;
  if (name.length > 27) throw new Error('counter file name longer than 27 chars: ' + name);
  for (i = 0; i < 2; i++) {
    try {
      s = storage.read(name + i);
      b = s ? JSON.parse(s).b : -1;
    } catch (e) {
      b = -1;
    }
    if (typeof b === 'number' && b === floor(b) && b > bound) {
      bound = b;
      slot = i;
    }
  }
  next = bound;
  return {
    issue: function (): number | CodecError {
      var nb, ns, ok;
      if (next >= lim) return new CodecError('REKEY_NEEDED', 'frame counter reached ' + lim + ': re-keying needed', 0);
      if (next >= bound) {
        nb = next + k > lim ? lim : next + k;
        ns = 1 - slot;
        try {
          ok = storage.write(name + ns, JSON.stringify({ b: nb }));
        } catch (e) {
          ok = false;
        }
        if (!ok) return new CodecError('STORAGE_FAILED', 'could not persist frame counter ' + name, 0);
        bound = nb;
        slot = ns;
      }
      return next++;
    },
    remaining: function (): number {
      return lim - next;
    },
  };
}
