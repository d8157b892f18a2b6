/**
 * EspruinoStorage: `require("Storage")` of Espruino 2v29 (src/jswrap_storage.c, src/jsflash.c) on a
 * SimFlash. All RAM state is rebuilt from flash by the constructor, so a reboot is `new
 * EspruinoStorage(sameFlash)`. Layout: see layout.ts; compaction: see compact.ts.
 *
 * Order of flash operations (how each call stays consistent if power fails at any byte):
 *   - creating/replacing a file: append header (name, size, flags with PENDING=1), data, clear
 *     PENDING (commit), then delete the older copy. Espruino deletes first and writes after; here a
 *     reboot between commit and delete finds two live copies and keeps the later one (higher address).
 *   - writing into an existing file (write with offset, StorageFile appends) goes through a journal
 *     record: a 'patch' entry holding [target address, length, bytes] is appended and committed, then the
 *     bytes are programmed in place, then the patch is deleted. Mount re-applies a committed, live patch
 *     (programming the same bytes again is a no-op on NOR flash). Espruino writes in place directly; the
 *     journal costs 40 bytes + the data as trash until the next compact().
 *   - deleting: one byte (flag LIVE cleared) is the commit point, then name.firstChars = 0 as Espruino.
 * Mount: redo an unfinished compaction, scan the log, re-apply pending patches, drop duplicate copies,
 * erase pages beyond the end of the log that are not clean (torn compaction images).
 */
import type { SimFlash, WearReport } from './flash.ts';
import { compactLog, findImage, rollForward } from './compact.ts';
import {
  ESP32_STORAGE_BASE, F_NOT_IMAGE, F_NOT_PATCH, F_STORAGEFILE, HEADER_BYTES, NAME_BYTES, crc32, deleteEntry,
  entryExtent, isLiveFile, readU32, scan, u32le, writeEntry, type Entry,
} from './layout.ts';
import { StorageFile } from './storage-file.ts';

export interface StorageStats {
  totalBytes: number;
  freeBytes: number;
  fileBytes: number;
  fileCount: number;
  trashBytes: number;
  trashCount: number;
}

export type StorageData = string | Uint8Array | ArrayBufferView | ArrayBuffer | number[] | object;

/** Bytes of a JS value as Espruino writes it: strings as 8-bit chars (UTF-8 if any char > 255). */
export function toBytes(data: StorageData): Uint8Array {
  if (typeof data === 'string') {
    let wide = false;
    for (let i = 0; i < data.length; i++) if (data.charCodeAt(i) > 255) { wide = true; break; }
    if (wide) return new Uint8Array(Buffer.from(data, 'utf8'));
    const b = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) b[i] = data.charCodeAt(i);
    return b;
  }
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Uint8Array.from(data, (v) => Number(v) & 0xff);
  return toBytes(JSON.stringify(data) ?? 'undefined');
}

export function bytesToString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Espruino exceptions are plain Errors; the engine rethrows them inside the firmware. */
function fail(msg: string): never {
  throw new Error(msg);
}

export class EspruinoStorage {
  readonly flash: SimFlash;
  /** StorageFile chunk size: min(page, 4096) - header (STORAGEFILE_CHUNKSIZE in jswrap_storage.c). */
  readonly chunkSize: number;
  private entries: Entry[] = [];
  private end = 0;
  private files = new Map<string, Entry>();
  /** Running totals (kept in step with `entries`, so writes stay O(1) in the number of files). */
  private liveBytes = 0;
  private liveCount = 0;
  private trashBytes = 0;
  private trashCount = 0;

  constructor(flash: SimFlash) {
    this.flash = flash;
    this.chunkSize = Math.min(flash.pageBytes, 4096) - HEADER_BYTES;
    this.mount();
  }

  // ------------------------------------------------------------------ mount

  private mount(): void {
    const img = findImage(this.flash);
    if (img) rollForward(this.flash, img);
    this.rescan();
    const P = this.flash.pageBytes;
    const tailEnd = Math.min(this.flash.size, Math.ceil(this.end / P) * P);
    if (this.scanOverrun || !this.flash.isErased(this.end, tailEnd - this.end)) {
      // Not produced by this implementation's write order; Espruino treats it as corrupt storage and
      // erases it (jsfIsStorageValid -> jsfResetStorage).
      for (let p = 0; p < this.flash.pageCount; p++) if (!this.flash.isErased(p * P, P)) this.flash.erasePage(p);
      this.rescan();
      return;
    }
    for (let p = tailEnd / P; p < this.flash.pageCount; p++) {
      if (!this.flash.isErased(p * P, P)) this.flash.erasePage(p);
    }
    let changed = false;
    for (const e of this.entries) {
      if (e.kind === 'patch' && e.committed && !e.deleted) {
        this.applyPatch(e);
        changed = true;
      }
    }
    const newest = new Map<string, Entry>();
    for (const e of this.entries) {
      if (!isLiveFile(e)) continue;
      const prev = newest.get(e.name);
      if (prev) {
        deleteEntry(this.flash, prev.addr);
        changed = true;
      }
      newest.set(e.name, e);
    }
    if (changed) this.rescan();
  }

  private scanOverrun = false;

  private rescan(): void {
    const r = scan(this.flash);
    this.entries = r.entries;
    this.end = r.end;
    this.scanOverrun = r.overrun;
    this.files = new Map();
    this.liveBytes = this.liveCount = this.trashBytes = this.trashCount = 0;
    for (const e of this.entries) {
      if (isLiveFile(e)) {
        this.files.set(e.name, e);
        this.liveBytes += e.extent;
        this.liveCount++;
      } else {
        this.trashBytes += e.extent;
        this.trashCount++;
      }
    }
  }

  /** Book-keeping when a live file becomes trash. */
  private retire(e: Entry): void {
    e.deleted = true;
    this.liveBytes -= e.extent;
    this.liveCount--;
    this.trashBytes += e.extent;
    this.trashCount++;
  }

  private applyPatch(e: Entry): void {
    const body = this.flash.read(e.addr + HEADER_BYTES, e.size);
    const target = readU32(body, 0);
    const len = readU32(body, 4);
    if (len === e.size - 8 && target + len <= this.flash.size) this.flash.program(target, body.subarray(8));
    deleteEntry(this.flash, e.addr);
  }

  // ------------------------------------------------------------------ internals used by StorageFile

  /** @internal live file entry by exact name */
  findEntry(name: string): Entry | undefined {
    return this.files.get(name);
  }

  /** @internal raw bytes of a live file */
  fileBytes(e: Entry, offset = 0, len = e.size - offset): Uint8Array {
    return this.flash.read(e.addr + HEADER_BYTES + offset, len);
  }

  /** @internal delete a live file (atomic) */
  deleteFile(name: string): boolean {
    const e = this.files.get(name);
    if (!e) return false;
    deleteEntry(this.flash, e.addr);
    this.retire(e);
    this.files.delete(name);
    return true;
  }

  /**
   * Make room for `extent` bytes at the end of the log (jsfCreateFile). Espruino compacts only when
   * the log is full, using RAM as swap; this compaction needs free flash for its image (compact.ts),
   * so it runs as soon as a write would leave too little room to compact later — with small live data
   * that is only a couple of pages earlier than Espruino would.
   */
  private reserve(extent: number): number {
    const size = this.flash.size;
    const P = this.flash.pageBytes;
    const live = this.liveBytes;
    const end = this.end + extent;
    const compactableAfter = (Math.floor(end / P) + 1) * P + entryExtent(16 + live + extent) <= size;
    if ((end > size || !compactableAfter) && this.trashCount > 0) this.compact();
    if (this.end + extent <= size) return this.end;
    return fail('Unable to find or create file');
  }

  /** @internal create (or replace) a file: new copy committed first, old copy deleted after. */
  createFile(name: string, size: number, userFlags: number, data: Uint8Array): Entry {
    const addr = this.reserve(entryExtent(size));
    writeEntry(this.flash, addr, name, size, userFlags | F_NOT_PATCH | F_NOT_IMAGE, data);
    const old = this.files.get(name);
    if (old) {
      deleteEntry(this.flash, old.addr);
      this.retire(old);
    }
    const e: Entry = { addr, extent: entryExtent(size), kind: 'file', size, userFlags, name, committed: true, deleted: false };
    this.entries.push(e);
    this.liveBytes += e.extent;
    this.liveCount++;
    this.end = addr + e.extent;
    this.files.set(name, e);
    return e;
  }

  /** @internal write bytes into erased space of a live file through a journal record. */
  patchFile(name: string, offset: number, data: Uint8Array): void {
    if (!data.length) return;
    const body = new Uint8Array(8 + data.length);
    const size = body.length;
    const addr = this.reserve(entryExtent(size));
    // reserve() may have compacted: look the target up again.
    const target = this.files.get(name);
    if (!target) fail('Unable to find or create file');
    const targetAddr = target.addr + HEADER_BYTES + offset;
    body.set(u32le(targetAddr), 0);
    body.set(u32le(data.length), 4);
    body.set(data, 8);
    writeEntry(this.flash, addr, name, size, F_NOT_IMAGE, body);
    const e: Entry = { addr, extent: entryExtent(size), kind: 'patch', size, userFlags: 0, name, committed: true, deleted: false };
    this.entries.push(e);
    this.end = addr + e.extent;
    this.flash.program(targetAddr, data);
    deleteEntry(this.flash, addr);
    e.deleted = true;
    this.trashBytes += e.extent;
    this.trashCount++;
  }

  // ------------------------------------------------------------------ public API (jswrap_storage.c)

  /**
   * Validate a file name: JsfFileName is 28 bytes (jsflash.h; "max 28 characters" since 2v05). The
   * Espruino sources (jsfNameFromVar) silently cut longer names to 28 bytes, so two long names can
   * collide on the device; the simulator rejects them instead, with this message (not Espruino's).
   * `max` is 27 for StorageFile (the last byte holds the chunk number).
   */
  static checkName(name: unknown, max = NAME_BYTES): string {
    const s = String(name);
    if (s.length === 0) fail('File name must not be empty');
    if (s.length > max) fail(`File name too long (${s.length} > ${max} chars): ${JSON.stringify(s)}`);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c > 255) fail(`File name ${JSON.stringify(s)} contains character code ${c}`);
    }
    return s;
  }

  /** jsfWriteFile semantics; see the module comment for the power-safe order. */
  write(name: string, data: StorageData, offset?: number, size?: number): boolean {
    const n = EspruinoStorage.checkName(name);
    let off = Math.trunc(Number(offset ?? 0)) || 0;
    let sz = Math.trunc(Number(size ?? 0)) || 0;
    if (typeof data === 'object' && data !== null && !(data instanceof Uint8Array) && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer) && !Array.isArray(data)) {
      off = 0; // jswrap_storage_write: objects are JSON-stringified and written whole
      sz = 0;
    }
    return this.writeFlags(n, toBytes(data), off, sz, 0);
  }

  /** @internal */
  writeFlags(name: string, d: Uint8Array, offset: number, _size: number, flags: number): boolean {
    if (offset < 0 || _size < 0) return false;
    const size = _size || d.length;
    if (!size) fail("Can't create zero length file");
    if (size > 0xffffff) fail('Unable to find or create file');
    let e = this.files.get(name);
    const erased = (x: Entry, o: number, l: number): boolean => this.flash.isErased(x.addr + HEADER_BYTES + o, l);
    if ((!e && offset === 0) || (e && offset === 0 && (flags !== e.userFlags || size !== e.size || !erased(e, 0, size)))) {
      if (e && size === e.size && flags === e.userFlags && d.length === size && bytesEqual(this.fileBytes(e), d)) return true;
      if (offset + d.length > size) fail('Too much data for file size');
      this.createFile(name, size, flags, d);
      return true;
    }
    if (!e) fail('Unable to find or create file');
    e = e!;
    if (offset + d.length > e.size) fail('Too much data for file size');
    if (!erased(e, offset, d.length)) fail('File already written with different data');
    this.patchFile(name, offset, d);
    return true;
  }

  read(name: string, offset?: number, length?: number): string | undefined {
    const b = this.readBytes(name, offset, length);
    return b === undefined ? undefined : bytesToString(b);
  }

  /** jsfReadFile clipping: offset < 0 → 0, length <= 0 → whole file, both clipped to the file. */
  readBytes(name: string, offset?: number, length?: number): Uint8Array | undefined {
    const e = this.files.get(EspruinoStorage.checkName(name));
    if (!e) return undefined;
    let off = Math.trunc(Number(offset ?? 0)) || 0;
    let len = Math.trunc(Number(length ?? 0)) || 0;
    if (off < 0) off = 0;
    if (len <= 0) len = e.size;
    if (off > e.size) off = e.size;
    if (off + len > e.size) len = e.size - off;
    if (len <= 0) return new Uint8Array(0);
    return this.fileBytes(e, off, len);
  }

  readJSON(name: string, noExceptions?: boolean): unknown {
    const s = this.read(name);
    if (s === undefined) return undefined;
    try {
      return JSON.parse(s);
    } catch (err) {
      if (noExceptions) return undefined;
      throw err;
    }
  }

  writeJSON(name: string, data: unknown): boolean {
    return this.write(name, JSON.stringify(data) ?? 'undefined');
  }

  readArrayBuffer(name: string): ArrayBuffer | undefined {
    const b = this.readBytes(name);
    if (!b) return undefined;
    return b.slice().buffer;
  }

  /**
   * Live files in log order (jsfListFiles). StorageFile chunks are listed once, as "name\x01", unless
   * filter.sf is given: {sf:true} lists only StorageFiles without the chunk byte, {sf:false} none.
   */
  list(regex?: RegExp, filter?: { sf?: boolean }): string[] {
    const out: string[] = [];
    for (const e of this.entries) {
      if (!isLiveFile(e)) continue;
      const sf = (e.userFlags & F_STORAGEFILE) !== 0;
      if (filter && filter.sf === false && sf) continue;
      if (filter && filter.sf === true && !sf) continue;
      let name = e.name;
      if (sf) {
        if (name.charCodeAt(name.length - 1) !== 1) continue;
        if (filter && filter.sf === true) name = name.slice(0, -1);
      }
      if (regex) {
        regex.lastIndex = 0;
        if (name.match(regex) === null) continue;
      }
      out.push(name);
    }
    return out;
  }

  erase(name: string): void {
    this.deleteFile(EspruinoStorage.checkName(name));
  }

  /** Erase the whole area (through a compaction image with nothing kept, so it is power-safe). */
  eraseAll(): void {
    if (!compactLog(this.flash, this.entries, this.end, () => false, true)) {
      // No free page for the image (area completely full): plain erase, as Espruino does.
      for (let p = 0; p < this.flash.pageCount; p++) {
        if (!this.flash.isErased(p * this.flash.pageBytes, this.flash.pageBytes)) this.flash.erasePage(p);
      }
    }
    this.rescan();
  }

  /** Reclaim trash. True if done (or nothing to do); false if there was no room to compact safely. */
  compact(): boolean {
    if (this.trashCount === 0) return true;
    const ok = compactLog(this.flash, this.entries, this.end, isLiveFile);
    if (ok) this.rescan();
    return ok;
  }

  /** Bytes between the end of the log and the end of the area (jsfGetStorageStats().free). */
  getFree(): number {
    return this.flash.size - this.end;
  }

  getStats(): StorageStats {
    return {
      totalBytes: this.flash.size, freeBytes: this.getFree(),
      fileBytes: this.liveBytes, fileCount: this.liveCount, trashBytes: this.trashBytes, trashCount: this.trashCount,
    };
  }

  /**
   * jsfHashFiles: start 0xABCDDCBA; for each matching non-StorageFile file: rotate left 1, xor header
   * address (ESP32 flash address) and CRC-32 of the name. Returned as a 32-bit signed int (JsVarInt).
   */
  hash(regex?: RegExp): number {
    let h = 0xabcddcba;
    for (const e of this.entries) {
      if (!isLiveFile(e) || (e.userFlags & F_STORAGEFILE)) continue;
      if (regex) {
        regex.lastIndex = 0;
        if (e.name.match(regex) === null) continue;
      }
      h = ((h << 1) | (h >>> 31)) >>> 0;
      h = (h ^ (ESP32_STORAGE_BASE + e.addr) ^ crc32(toBytes(e.name))) >>> 0;
    }
    return h | 0;
  }

  open(name: string, mode: 'r' | 'w' | 'a'): StorageFile {
    if (mode !== 'r' && mode !== 'w' && mode !== 'a') fail(`Invalid mode ${JSON.stringify(mode)}`);
    return new StorageFile(this, EspruinoStorage.checkName(name, NAME_BYTES - 1), mode);
  }

  wear(): WearReport {
    return this.flash.wearReport();
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export { F_STORAGEFILE };
