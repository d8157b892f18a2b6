/**
 * SimFlash: a NOR flash array as used for Espruino's Storage area on the ESP32
 * (896 KB at 0x320000 = 224 sectors of 4 KB since Espruino 2v26; see the shared Espruino reference).
 *
 * NOR rules (any SPI NOR datasheet, e.g. Winbond W25Q32 §8.2.13 Page Program / §8.2.15 Sector Erase,
 * the part family used in ESP32 modules): erased bytes read 0xFF; programming can only clear bits
 * (new = old & data); only a sector erase sets bits back to 1. Programming a 1 over a 0 does nothing —
 * we count such attempts ("overwrite without erase") because on hardware they are silent bugs.
 *
 * Power-loss injection: `failAfterBytes(n)` lets exactly n more programmed bytes land, `failAfterOps(n)`
 * lets exactly n more program/erase operations complete; the operation in progress then throws
 * PowerLossError. A program op interrupted by failAfterOps lands nothing; an interrupted erase leaves
 * the page partially erased: a deterministic pseudo-random subset of its bytes is 0xFF and the rest
 * keeps its old value (real sector erase is a multi-ms internal operation whose intermediate state is
 * undefined). The trigger fires once and disarms; the caller then "reboots" (mounts again).
 */
import type { Clock, Trace } from '../core/types.ts';

export class PowerLossError extends Error {
  /** 'program' or 'erase': what was in progress. */
  readonly op: string;
  readonly addr: number;
  constructor(op: string, addr: number) {
    super(`power lost during flash ${op} at 0x${addr.toString(16)}`);
    this.name = 'PowerLossError';
    this.op = op;
    this.addr = addr;
  }
}

export interface WearReport {
  pages: number;
  totalErases: number;
  maxErases: number;
  meanErases: number;
  hottestPages: { page: number; erases: number }[];
}

export interface FlashSnapshot {
  bytes: Uint8Array;
  pageBytes: number;
  eraseCounts: Uint32Array;
}

export interface SimFlashOptions {
  bytes?: number;
  pageBytes?: number;
  trace?: Trace;
  clock?: Clock;
}

export class SimFlash {
  readonly size: number;
  readonly pageBytes: number;
  readonly pageCount: number;
  readonly eraseCounts: Uint32Array;
  /** Program attempts that tried to set a 0 bit back to 1 (no effect on NOR flash). */
  overwriteWithoutErase = 0;
  /** Totals for statistics. */
  programOps = 0;
  programmedBytes = 0;
  /** Virtual time (ms) of the last program/erase, if a clock was given (-1 before any). */
  lastOpTime = -1;
  private readonly mem: Uint8Array;
  private readonly trace?: Trace;
  private readonly clock?: Clock;
  private bytesLeft = -1;
  private opsLeft = -1;

  constructor(opts: SimFlashOptions = {}) {
    this.size = opts.bytes ?? 917504;
    this.pageBytes = opts.pageBytes ?? 4096;
    if (!Number.isInteger(this.pageBytes) || this.pageBytes <= 0) throw new Error(`SimFlash: pageBytes must be a positive integer, got ${this.pageBytes}`);
    if (!Number.isInteger(this.size) || this.size <= 0 || this.size % this.pageBytes !== 0) {
      throw new Error(`SimFlash: bytes (${this.size}) must be a positive multiple of pageBytes (${this.pageBytes})`);
    }
    this.pageCount = this.size / this.pageBytes;
    this.mem = new Uint8Array(this.size).fill(0xff);
    this.eraseCounts = new Uint32Array(this.pageCount);
    this.trace = opts.trace;
    this.clock = opts.clock;
  }

  /** Copy of len bytes at addr. */
  read(addr: number, len: number): Uint8Array {
    this.check(addr, len);
    return this.mem.slice(addr, addr + len);
  }

  /** One byte (no copy). */
  byteAt(addr: number): number {
    this.check(addr, 1);
    return this.mem[addr]!;
  }

  /** Is [addr, addr+len) all 0xFF? */
  isErased(addr: number, len: number): boolean {
    this.check(addr, len);
    for (let i = addr; i < addr + len; i++) if (this.mem[i] !== 0xff) return false;
    return true;
  }

  /** NOR program: new = old & data. Throws PowerLossError if an armed failure triggers. */
  program(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    if (data.length === 0) return;
    if (this.opsLeft === 0) {
      this.opsLeft = -1;
      throw new PowerLossError('program', addr);
    }
    let n = data.length;
    let fail = false;
    if (this.bytesLeft >= 0 && this.bytesLeft < n) {
      n = this.bytesLeft;
      fail = true;
    }
    for (let i = 0; i < n; i++) {
      const old = this.mem[addr + i]!;
      const d = data[i]!;
      if ((~old & d & 0xff) !== 0) this.overwriteWithoutErase++;
      this.mem[addr + i] = old & d;
    }
    this.programmedBytes += n;
    this.lastOpTime = this.clock ? this.clock.now() : this.lastOpTime;
    if (this.bytesLeft >= 0) this.bytesLeft -= n;
    this.trace?.emit('storage', { op: 'write', addr, len: n });
    if (fail) {
      this.bytesLeft = -1;
      throw new PowerLossError('program', addr + n);
    }
    this.programOps++;
    if (this.opsLeft > 0) this.opsLeft--;
  }

  /** Erase one page to 0xFF (counts wear). */
  erasePage(page: number): void {
    if (!Number.isInteger(page) || page < 0 || page >= this.pageCount) throw new RangeError(`SimFlash: no page ${page}`);
    const start = page * this.pageBytes;
    this.eraseCounts[page]!++;
    this.lastOpTime = this.clock ? this.clock.now() : this.lastOpTime;
    if (this.opsLeft === 0) {
      this.opsLeft = -1;
      // Deterministic partial erase: a hash of (page, byte index, erase count) picks the erased bytes.
      const salt = this.eraseCounts[page]!;
      for (let i = 0; i < this.pageBytes; i++) {
        const h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(page + 1, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35);
        if (((h >>> 15) & 1) === 1) this.mem[start + i] = 0xff;
      }
      this.trace?.emit('storage', { op: 'erase', page, interrupted: true });
      throw new PowerLossError('erase', start);
    }
    this.mem.fill(0xff, start, start + this.pageBytes);
    this.trace?.emit('storage', { op: 'erase', page });
    if (this.opsLeft > 0) this.opsLeft--;
  }

  /** Power fails after n more programmed bytes have landed (n = 0: the next programmed byte is lost). */
  failAfterBytes(n: number): void {
    this.bytesLeft = n;
    this.opsLeft = -1;
  }

  /** Power fails after n more program/erase operations have completed. */
  failAfterOps(n: number): void {
    this.opsLeft = n;
    this.bytesLeft = -1;
  }

  /** Disarm any pending failure. */
  clearFailure(): void {
    this.bytesLeft = -1;
    this.opsLeft = -1;
  }

  wearReport(top = 5): WearReport {
    let total = 0;
    let max = 0;
    const pages: { page: number; erases: number }[] = [];
    for (let p = 0; p < this.pageCount; p++) {
      const e = this.eraseCounts[p]!;
      total += e;
      if (e > max) max = e;
      if (e > 0) pages.push({ page: p, erases: e });
    }
    pages.sort((a, b) => b.erases - a.erases || a.page - b.page);
    return { pages: this.pageCount, totalErases: total, maxErases: max, meanErases: total / this.pageCount, hottestPages: pages.slice(0, top) };
  }

  snapshot(): FlashSnapshot {
    return { bytes: this.mem.slice(), pageBytes: this.pageBytes, eraseCounts: this.eraseCounts.slice() };
  }

  static fromSnapshot(s: FlashSnapshot, opts: { trace?: Trace; clock?: Clock } = {}): SimFlash {
    const f = new SimFlash({ bytes: s.bytes.length, pageBytes: s.pageBytes, trace: opts.trace, clock: opts.clock });
    if (s.eraseCounts.length !== f.pageCount) throw new Error(`SimFlash snapshot: ${s.eraseCounts.length} erase counts for ${f.pageCount} pages`);
    f.mem.set(s.bytes);
    f.eraseCounts.set(s.eraseCounts);
    return f;
  }

  private check(addr: number, len: number): void {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr < 0 || len < 0 || addr + len > this.size) {
      throw new RangeError(`SimFlash: access 0x${addr.toString(16)}+${len} outside 0..0x${this.size.toString(16)}`);
    }
  }
}
