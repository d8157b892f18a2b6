/**
 * StorageFile (require("Storage").open): a file stored as numbered chunks "name\x01", "name\x02", ...
 * each a Storage file of STORAGEFILE_CHUNKSIZE bytes (page size - 32 header bytes, max 4064) flagged
 * JSFF_STORAGEFILE. The end of the data is the first 0xFF byte, so "\xFF" cannot be written
 * (jswrap_storage.c, StorageFile class docs). Behaviour follows jswrap_storagefile_*; writes that
 * cross chunks create the later chunks first (invisible to readers until the current chunk is full),
 * then fill the current chunk through a journal record, so an append is all-or-nothing.
 */
import type { EspruinoStorage } from './storage.ts';
import { F_STORAGEFILE } from './layout.ts';

const MAX_CHUNK = 255;

export class StorageFile {
  readonly name: string;
  private mode: 'r' | 'w' | 'a' | '';
  private chunk = 1;
  private offset = 0;
  /** Whether the current chunk exists (Espruino keeps its address; we look it up by name). */
  private has = false;

  constructor(private readonly storage: EspruinoStorage, name: string, mode: 'r' | 'w' | 'a') {
    this.name = name;
    this.mode = mode;
    this.has = !!storage.findEntry(this.chunkName(1));
    if (mode === 'w' && this.has) {
      this.eraseChunks();
      this.mode = 'w';
    }
    if (mode === 'a') {
      let e = storage.findEntry(this.chunkName(1));
      while (e && this.lastByte(e.name) !== 0xff && this.chunk < MAX_CHUNK) {
        this.chunk++;
        e = storage.findEntry(this.chunkName(this.chunk));
      }
      this.has = !!e;
      if (e) {
        const b = storage.fileBytes(e, 0, Math.min(e.size, storage.chunkSize));
        let i = 0;
        while (i < b.length && b[i] !== 0xff) i++;
        this.offset = i;
      }
    }
  }

  private chunkName(c: number): string {
    return this.name + String.fromCharCode(c);
  }

  private lastByte(chunkName: string): number {
    const e = this.storage.findEntry(chunkName)!;
    return this.storage.fileBytes(e, e.size - 1, 1)[0]!;
  }

  /** Read up to len bytes; undefined at end of file (jswrap_storagefile_read). */
  read(len: number): string | undefined {
    let n = Math.trunc(Number(len)) || 0;
    if (n < 0) n = 0;
    return this.readInternal(n, false);
  }

  /** Read up to and including "\n"; undefined at end of file. */
  readLine(): string | undefined {
    return this.readInternal(Infinity, true);
  }

  private readInternal(len: number, line: boolean): string | undefined {
    if (this.mode !== 'r') throw new Error("Can't read in this mode");
    if (!this.has) return undefined;
    const cs = this.storage.chunkSize;
    let out: string | undefined;
    while (len > 0) {
      if (this.offset >= cs) {
        this.offset = 0;
        if (this.chunk >= MAX_CHUNK) this.has = false;
        else {
          this.chunk++;
          this.has = !!this.storage.findEntry(this.chunkName(this.chunk));
        }
        if (!this.has) return out;
      }
      const e = this.storage.findEntry(this.chunkName(this.chunk));
      if (!e) {
        this.has = false;
        return out;
      }
      const avail = Math.min(cs - this.offset, len, e.size - this.offset);
      const b = this.storage.fileBytes(e, this.offset, avail);
      let l = 0;
      let stop = false;
      while (l < b.length) {
        if (b[l] === 0xff) { stop = true; break; }
        l++;
        if (line && b[l - 1] === 0x0a) { stop = true; len = 0; break; }
      }
      if (l > 0) {
        out = (out ?? '') + String.fromCharCode(...b.subarray(0, l));
        this.offset += l;
        len -= l;
      }
      if (stop || l === 0) break;
    }
    return out;
  }

  /** Total length: full chunks plus the used part of the last one (jswrap_storagefile_getLength). */
  getLength(): number {
    let c = 1;
    let length = 0;
    let e = this.storage.findEntry(this.chunkName(c));
    while (e && this.lastByte(e.name) !== 0xff && c < MAX_CHUNK) {
      length += e.size;
      c++;
      e = this.storage.findEntry(this.chunkName(c));
    }
    if (e) {
      const b = this.storage.fileBytes(e, 0, Math.min(e.size, this.storage.chunkSize));
      let i = 0;
      while (i < b.length && b[i] !== 0xff) i++;
      length += i;
    }
    return length;
  }

  /** Append data (jswrap_storagefile_write). */
  write(data: string | Uint8Array): void {
    if (this.mode !== 'w' && this.mode !== 'a') throw new Error("Can't write in this mode");
    const s = typeof data === 'string' ? data : String.fromCharCode(...data);
    if (!s.length) return;
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0xff) throw new Error(`StorageFile can't contain "\\xFF" (char code 255): found at index ${i}`);
      if (c > 0xff) throw new Error(`StorageFile data must be 8-bit: char code ${c} at index ${i}`);
      bytes[i] = c;
    }
    const cs = this.storage.chunkSize;
    // Split: head fills the current chunk (or starts it), the rest go to new chunks.
    const parts: Uint8Array[] = [];
    const remaining = this.has ? cs - this.offset : cs;
    let pos = Math.min(remaining, bytes.length);
    const head = bytes.subarray(0, pos);
    const fillsChunk = this.has ? bytes.length >= remaining : bytes.length >= cs;
    if (fillsChunk) {
      do {
        parts.push(bytes.subarray(pos, Math.min(pos + cs, bytes.length)));
        pos += cs;
      } while (pos <= bytes.length && parts[parts.length - 1]!.length === cs);
    }
    if (this.chunk + parts.length > MAX_CHUNK) throw new Error('File too big!');
    // 1. later chunks first: invisible until the current one is full.
    for (let i = 0; i < parts.length; i++) {
      this.storage.writeFlags(this.chunkName(this.chunk + 1 + i), parts[i]!, 0, cs, F_STORAGEFILE);
    }
    // 2. the current chunk: create it, or journal-append into its free tail.
    if (!this.has) this.storage.writeFlags(this.chunkName(this.chunk), head, 0, cs, F_STORAGEFILE);
    else this.storage.patchFile(this.chunkName(this.chunk), this.offset, head);
    if (parts.length) {
      this.chunk += parts.length;
      this.offset = parts[parts.length - 1]!.length;
    } else {
      this.offset += head.length;
    }
    this.has = true;
  }

  /** Erase all chunks of this file; the object is then closed (mode cleared, as in Espruino). */
  erase(): void {
    this.eraseChunks();
    this.mode = '';
  }

  private eraseChunks(): void {
    // Chunk 1 first: once it is gone the file reads as empty.
    for (let c = 1; c <= MAX_CHUNK; c++) {
      if (!this.storage.deleteFile(this.chunkName(c))) break;
    }
    this.chunk = 1;
    this.offset = 0;
    this.has = false;
  }
}
