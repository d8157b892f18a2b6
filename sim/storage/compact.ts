/**
 * Power-safe compaction for the simulated Storage area.
 *
 * Espruino (src/jsflash.c, jsfCompactInternal) compacts in place through a RAM swap buffer of about one
 * page, erasing each page just before rewriting it: power loss mid-way loses the buffered files. Here
 * the swap buffer is flash instead of RAM, so every step can be redone after a reboot:
 *
 *   A. pick a start page p0 (a page boundary that is also an entry boundary, lowest first — like old
 *      Espruino's "skip forward pages until the swap buffer fits"); pack the live files from p0 on;
 *      write a compaction image record — header + [magic 'SNCP', target = p0, length, CRC-32] + packed
 *      bytes — on the first page after the page holding the end of the log, and commit it;
 *   B. erase the pages from p0 up to the image (pages already erased are skipped, saving wear);
 *   C. program the packed bytes at p0;
 *   D. retire the image: clear LIVE, zero firstChars and the magic word;
 *   E. erase the image's pages.
 *
 * Mount looks for a committed, live, CRC-valid image at every page start before trusting the log, and
 * if one exists redoes B–E (each step is idempotent). A torn or retired image lies beyond the end of
 * the log and is erased by the mount's clean-up. Compaction needs free flash for the image (live bytes
 * from p0 + 48 bytes, page aligned) — the analogue of Espruino's swap-RAM requirement; if no start page
 * fits, compact() returns false and nothing changes (Espruino: "may fail ... however in this case it
 * will not lose data").
 */
import type { SimFlash } from './flash.ts';
import {
  F_NOT_PATCH, HEADER_BYTES, crc32, deleteEntry, entryExtent, readEntry, readU32, u32le, writeEntry,
  type Entry,
} from './layout.ts';

const MAGIC = 0x50434e53; // 'SNCP' little endian
const IMAGE_META = 16;
const IMAGE_NAME = '[compaction image]';

export interface Image {
  addr: number;
  extent: number;
  target: number;
  packed: Uint8Array;
}

/** Find a committed, live, CRC-valid compaction image at a page start (highest address wins). */
export function findImage(flash: SimFlash): Image | null {
  let found: Image | null = null;
  for (let p = 0; p < flash.pageCount; p++) {
    const addr = p * flash.pageBytes;
    if (addr + HEADER_BYTES + IMAGE_META > flash.size) break;
    const e = readEntry(flash, addr);
    if (!e || e.kind !== 'image' || !e.committed || e.deleted || e.size < IMAGE_META) continue;
    if (addr + e.extent > flash.size) continue;
    const meta = flash.read(addr + HEADER_BYTES, IMAGE_META);
    const target = readU32(meta, 4);
    const len = readU32(meta, 8);
    if (readU32(meta, 0) !== MAGIC || len !== e.size - IMAGE_META || target % flash.pageBytes !== 0 || target + len > addr) continue;
    const packed = flash.read(addr + HEADER_BYTES + IMAGE_META, len);
    if (crc32(packed) !== readU32(meta, 12)) continue;
    found = { addr, extent: e.extent, target, packed };
  }
  return found;
}

/** Steps B–E. Idempotent: safe to repeat after power loss at any point. */
export function rollForward(flash: SimFlash, img: Image): void {
  const P = flash.pageBytes;
  for (let p = img.target / P; p < img.addr / P; p++) {
    if (!flash.isErased(p * P, P)) flash.erasePage(p);
  }
  if (img.packed.length) flash.program(img.target, img.packed);
  deleteEntry(flash, img.addr);
  flash.program(img.addr + HEADER_BYTES, new Uint8Array(4));
  const last = Math.ceil((img.addr + img.extent) / P);
  for (let p = img.addr / P; p < last; p++) {
    if (!flash.isErased(p * P, P)) flash.erasePage(p);
  }
}

/**
 * Plan and run a compaction of the log `entries` ending at `end`. `keep` says which entries are copied.
 * `force` compacts even without trash (used by eraseAll with keep = () => false).
 * Returns false if no start page leaves room for the image.
 */
export function compactLog(flash: SimFlash, entries: Entry[], end: number, keep: (e: Entry) => boolean, force = false): boolean {
  const P = flash.pageBytes;
  const imageAddr = (Math.floor(end / P) + 1) * P;
  // Candidate start pages: entries that begin exactly on a page boundary (the log starts at 0).
  const starts: number[] = [];
  entries.forEach((e, i) => { if (e.addr % P === 0) starts.push(i); });
  if (force) starts.splice(0, starts.length, 0);
  for (const i of starts) {
    const start = i < entries.length ? entries[i]!.addr : 0;
    const tail = entries.slice(i);
    if (!force && !tail.some((e) => !keep(e))) continue;
    const live = tail.filter(keep);
    const packedLen = live.reduce((n, e) => n + e.extent, 0);
    const imageExtent = entryExtent(IMAGE_META + packedLen);
    if (imageAddr + imageExtent > flash.size) continue;
    const packed = new Uint8Array(packedLen);
    let o = 0;
    for (const e of live) {
      packed.set(flash.read(e.addr, e.extent), o);
      o += e.extent;
    }
    const payload = new Uint8Array(IMAGE_META + packedLen);
    payload.set(u32le(MAGIC), 0);
    payload.set(u32le(start), 4);
    payload.set(u32le(packedLen), 8);
    payload.set(u32le(crc32(packed)), 12);
    payload.set(packed, IMAGE_META);
    // kind = image: NOT_IMAGE written 0, NOT_PATCH written 1.
    writeEntry(flash, imageAddr, IMAGE_NAME, payload.length, F_NOT_PATCH, payload);
    rollForward(flash, { addr: imageAddr, extent: imageExtent, target: start, packed });
    return true;
  }
  return false;
}

