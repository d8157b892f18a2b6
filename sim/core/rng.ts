/**
 * Seeded PRNG: sfc32 (Chris Doty-Humphrey's "Small Fast Chaotic" generator, PractRand suite; public
 * domain algorithm description: https://pracrand.sourceforge.net/RNG_engines.txt). 128-bit state,
 * 32-bit output. Seeding runs the generator 12 rounds to mix the state, as PractRand recommends.
 * `fork(label)` derives an independent stream from the parent's seed and an FNV-1a hash of the
 * label, so adding a new consumer does not shift the numbers any other consumer sees.
 */
import type { Rng } from './types.ts';

/** FNV-1a 32-bit hash of a string (http://www.isthe.com/chongo/tech/comp/fnv/). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /** seed: any finite number (its low 32 bits and the high part both contribute); salt: stream id. */
  constructor(
    readonly seed: number,
    private readonly salt = 0,
  ) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    this.a = lo;
    this.b = hi ^ 0x9e3779b9;
    this.c = salt >>> 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Box–Muller transform; the second value of each pair is kept for the next call. */
  normal(mean: number, sd: number): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  fork(label: string): Sfc32 {
    return new Sfc32(this.seed, (fnv1a(label) ^ Math.imul(this.salt, 0x85ebca6b)) >>> 0);
  }
}

export function createRng(seed: number): Sfc32 {
  return new Sfc32(seed);
}
