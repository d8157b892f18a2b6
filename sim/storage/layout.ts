/**
 * On-flash layout of the simulated Espruino Storage area, and the scanner that rebuilds RAM state.
 *
 * Follows Espruino's src/jsflash.c / jsflash.h (2v2x):
 *   - a log of entries from the start of the area, each a 32-byte JsfFileHeader
 *       [0..3]  uint32 LE: bits 0..23 = data length, bits 24..31 = flags (JSFF_STORAGEFILE 0x40,
 *               JSFF_COMPRESSED 0x80)
 *       [4..31] file name, 28 bytes, zero padded (JsfFileName; "max 28 characters" since 2v05)
 *     followed by the data, padded to JSF_ALIGNMENT (4) with 0xFF; the next header follows at once
 *     (files may straddle pages; since Espruino issue #2232 new files are not page aligned);
 *   - a deleted/replaced file has the first 4 name bytes (name.firstChars) programmed to 0;
 *   - the log ends at the first header that reads all 0xFF; getFree() = end of area - end of log.
 *
 * Additions for power-loss safety (Espruino itself deletes the old copy before writing the new one and
 * is not power-safe). The low 4 flag bits, which Espruino leaves 0, are used with erased-state logic
 * (1 = "not yet"), so each state change only clears bits, one byte at a time:
 *   0x01 PENDING   written 1, cleared once all data has landed (the commit point);
 *   0x02 LIVE      written 1, cleared when the entry is deleted (atomic one-byte delete marker, then
 *                  firstChars is zeroed as Espruino does);
 *   0x04 NOT_PATCH written 0 for a journal record of an in-place write (see storage.ts);
 *   0x08 NOT_IMAGE written 0 for a compaction image record (see compact.ts).
 * Bits 0x10/0x20 are always written 0, so a completed flags byte is never 0xFF. A header is written
 * name first, then the 3 size bytes, then the flags byte: a header whose flags byte is still 0xFF is
 * an interrupted header — no data follows it, so the scanner skips exactly 32 bytes.
 */
import type { SimFlash } from './flash.ts';

export const HEADER_BYTES = 32;
export const NAME_BYTES = 28;
/** JSF_ALIGNMENT for the ESP32 build. */
export const ALIGN = 4;
/** Storage area base address on the ESP32 (used only where Espruino exposes addresses: hash()). */
export const ESP32_STORAGE_BASE = 0x320000;

export const F_PENDING = 0x01;
export const F_LIVE = 0x02;
export const F_NOT_PATCH = 0x04;
export const F_NOT_IMAGE = 0x08;
export const F_STORAGEFILE = 0x40;
export const F_COMPRESSED = 0x80;
export const F_USER_MASK = 0xf0;

export type EntryKind = 'file' | 'patch' | 'image' | 'torn';

export interface Entry {
  addr: number;
  /** Bytes the entry occupies (header + aligned data), i.e. distance to the next header. */
  extent: number;
  kind: EntryKind;
  /** Data length (0 for a torn header). */
  size: number;
  /** User flags (JSFF_*). */
  userFlags: number;
  name: string;
  committed: boolean;
  deleted: boolean;
}

export function alignUp(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

export function entryExtent(size: number): number {
  return HEADER_BYTES + alignUp(size);
}

/** Is this entry a live, committed user file? */
export function isLiveFile(e: Entry): boolean {
  return e.kind === 'file' && e.committed && !e.deleted;
}

export function nameBytes(name: string): Uint8Array {
  const b = new Uint8Array(NAME_BYTES);
  for (let i = 0; i < name.length && i < NAME_BYTES; i++) b[i] = name.charCodeAt(i) & 0xff;
  return b;
}

export function decodeName(h: Uint8Array): string {
  let s = '';
  for (let i = 4; i < HEADER_BYTES && h[i] !== 0; i++) s += String.fromCharCode(h[i]!);
  return s;
}

/** Decode the header at addr, or null if it is all 0xFF (end of log). */
export function readEntry(flash: SimFlash, addr: number): Entry | null {
  const h = flash.read(addr, HEADER_BYTES);
  let allFF = true;
  for (let i = 0; i < HEADER_BYTES; i++) if (h[i] !== 0xff) { allFF = false; break; }
  if (allFF) return null;
  const flags = h[3]!;
  const firstCharsZero = h[4] === 0 && h[5] === 0 && h[6] === 0 && h[7] === 0;
  if (flags === 0xff) {
    return { addr, extent: HEADER_BYTES, kind: 'torn', size: 0, userFlags: 0, name: '', committed: false, deleted: true };
  }
  const size = h[0]! | (h[1]! << 8) | (h[2]! << 16);
  const kind: EntryKind = (flags & F_NOT_IMAGE) === 0 ? 'image' : (flags & F_NOT_PATCH) === 0 ? 'patch' : 'file';
  return {
    addr,
    extent: entryExtent(size),
    kind,
    size,
    userFlags: flags & F_USER_MASK,
    name: decodeName(h),
    committed: (flags & F_PENDING) === 0,
    deleted: (flags & F_LIVE) === 0 || firstCharsZero,
  };
}

export interface ScanResult {
  entries: Entry[];
  /** Address of the first free byte (end of the log). */
  end: number;
  /** True if an entry claimed to run past the end of the area (the rest is unusable until compacted). */
  overrun: boolean;
}

/** Walk the log from the start of the area (jsfGetNextFileHeader without the page hop). */
export function scan(flash: SimFlash): ScanResult {
  const entries: Entry[] = [];
  let addr = 0;
  let overrun = false;
  while (addr + HEADER_BYTES <= flash.size) {
    const e = readEntry(flash, addr);
    if (!e) break;
    if (addr + e.extent > flash.size) {
      overrun = true;
      addr = flash.size;
      break;
    }
    entries.push(e);
    addr += e.extent;
  }
  return { entries, end: Math.min(addr, flash.size), overrun };
}

/** Write a new entry at addr: name, size, flags (PENDING), data, then commit. Returns the data address. */
export function writeEntry(flash: SimFlash, addr: number, name: string, size: number, flags: number, data: Uint8Array): number {
  flash.program(addr + 4, nameBytes(name));
  flash.program(addr, new Uint8Array([size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff]));
  flash.program(addr + 3, new Uint8Array([flags | F_PENDING | F_LIVE]));
  if (data.length) flash.program(addr + HEADER_BYTES, data);
  flash.program(addr + 3, new Uint8Array([(flags | F_LIVE) & ~F_PENDING & 0xff]));
  return addr + HEADER_BYTES;
}

/** Delete an entry: clear LIVE (the atomic step), then zero name.firstChars as Espruino does. */
export function deleteEntry(flash: SimFlash, addr: number): void {
  flash.program(addr + 3, new Uint8Array([flash.byteAt(addr + 3) & ~F_LIVE]));
  flash.program(addr + 4, new Uint8Array(4));
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as E.CRC32 in Espruino. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function u32le(v: number): Uint8Array {
  return new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
