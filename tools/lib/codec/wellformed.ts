/**
 * Well-formedness and policy scan of untrusted CBOR before any decoder allocates anything
 * (RFC 8949 §5.3.1 and Appendix C "well-formedness" algorithm), with exact byte offsets.
 *
 * Checks: every head is complete and its additional information is not reserved (28–30); no
 * indefinite lengths (COSE requires definite ones, RFC 9052 §9); string lengths and array/map counts
 * fit in the bytes left; simple values encoded with 0xf8 are ≥ 32 (§3.3); text is valid UTF-8
 * (§5.3.1); exactly one data item with nothing after it. Policy (reported as BAD_STRUCTURE): nesting
 * depth, total item count, tags outside `allowTags`, simple values other than false/true/null/undefined,
 * and duplicate map keys (RFC 8949 §5.6, RFC 9052 §9).
 *
 * Work is O(input length): each item consumes ≥ 1 byte and recursion depth is capped.
 */

export interface ScanLimits {
  /** maximum nesting depth (top level = 0) */
  maxDepth: number;
  /** maximum number of data items in total */
  maxItems: number;
  /** tags that may appear (any depth) */
  allowTags: readonly number[];
}

export interface ScanProblem {
  code: 'MALFORMED_CBOR' | 'BAD_STRUCTURE';
  offset: number;
  message: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Stop {
  constructor(readonly problem: ScanProblem) {}
}

export function scanCbor(b: Uint8Array, limits: ScanLimits): ScanProblem | null {
  let pos = 0;
  let items = 0;
  const malformed = (message: string, offset: number) => new Stop({ code: 'MALFORMED_CBOR', offset, message: `${message} at byte ${offset}` });
  const policy = (message: string, offset: number) => new Stop({ code: 'BAD_STRUCTURE', offset, message: `${message} at byte ${offset}` });

  const need = (n: number, start: number) => {
    if (n > b.length - pos) throw malformed('unexpected end of input', start);
  };
  const arg = (ai: number, start: number): number => {
    if (ai < 24) return ai;
    if (ai > 27) throw malformed(ai === 31 ? 'indefinite length (not allowed)' : `reserved additional information ${ai}`, start);
    const n = 1 << (ai - 24);
    need(n, start);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[pos + i];
    pos += n;
    return v; // above 2^53 this rounds, but such lengths fail the size checks anyway
  };

  const item = (depth: number): void => {
    const start = pos;
    if (++items > limits.maxItems) throw policy(`more than ${limits.maxItems} data items`, start);
    if (depth > limits.maxDepth) throw policy(`nesting deeper than ${limits.maxDepth}`, start);
    need(1, start);
    const ib = b[pos++];
    const major = ib >> 5;
    const ai = ib & 31;
    if (major === 7) {
      if (ai === 24) {
        need(1, start);
        const sv = b[pos++];
        if (sv < 32) throw malformed(`simple value ${sv} in two bytes`, start);
        throw policy(`unsupported simple value ${sv}`, start);
      }
      if (ai >= 25 && ai <= 27) {
        const n = 1 << (ai - 24);
        need(n, start);
        pos += n;
        return;
      }
      if (ai >= 20 && ai <= 23) return;
      if (ai === 31) throw malformed('unexpected break', start);
      if (ai > 27) throw malformed(`reserved additional information ${ai}`, start);
      throw policy(`unsupported simple value ${ai}`, start);
    }
    const n = arg(ai, start);
    switch (major) {
      case 0:
      case 1:
        return;
      case 2:
      case 3:
        if (n > b.length - pos) throw malformed(`string of ${n} bytes exceeds the input`, start);
        if (major === 3) {
          try {
            utf8.decode(b.subarray(pos, pos + n));
          } catch {
            throw malformed('invalid UTF-8 in text string', start);
          }
        }
        pos += n;
        return;
      case 4:
        if (n > b.length - pos) throw malformed(`array of ${n} items exceeds the input`, start);
        for (let i = 0; i < n; i++) item(depth + 1);
        return;
      case 5: {
        if (n * 2 > b.length - pos) throw malformed(`map of ${n} entries exceeds the input`, start);
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const k = pos;
          item(depth + 1);
          const key = Buffer.from(b.buffer, b.byteOffset + k, pos - k).toString('latin1');
          if (seen.has(key)) throw policy('duplicate map key', k);
          seen.add(key);
          item(depth + 1);
        }
        return;
      }
      case 6:
        if (!limits.allowTags.includes(n)) throw policy(`unexpected tag ${n}`, start);
        item(depth + 1);
        return;
    }
  };

  try {
    item(0);
    if (pos !== b.length) throw malformed('trailing bytes after the data item', pos);
    return null;
  } catch (e) {
    if (e instanceof Stop) return e.problem;
    throw e;
  }
}
