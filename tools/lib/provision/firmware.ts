/**
 * Writing files to a board's Storage and proving what is there, for provisioning and `sensornode
 * flash`. Verification reads back a hash computed ON the board: `require("crypto").SHA256(
 * require("Storage").read(name))` (Espruino's crypto module, espruino.md; Storage.read returns the
 * file memory-mapped, so hashing costs no RAM copy) compared to the local SHA-256 — one short
 * answer instead of reading the whole file back over the serial line.
 *
 * Uploads use Espruino's acknowledged packet transfer on 2v25+ (FILE_SEND/DATA, each 1 KB packet
 * ACKed; 45 KB in ≈0.5 s on a simulated board) and EspruinoTools' `Storage.write` lines otherwise
 * (one 384-byte chunk per line with a 250 ms pause: ≈30 s for the same file).
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.ts';
import type { EspruinoConnection, UploadProgress } from '../espruino-tools.ts';

/** Each Storage file carries a header (Espruino src/jsflash.h JsfFileHeader: size + name) and is padded to the flash's alignment: 64 bytes covers both. */
const FILE_OVERHEAD = 64;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest('hex');
}

/** SHA-256 (hex) of a Storage file computed on the board, or null when the file does not exist. */
export async function boardSha256(conn: EspruinoConnection, name: string): Promise<string | null> {
  const n = JSON.stringify(name);
  return conn.expr<string | null>(
    `(function(){var d=require("Storage").read(${n});if(d===undefined)return null;var a=new Uint8Array(require("crypto").SHA256(d)),s="",i;for(i=0;i<a.length;i++)s+=(a[i]+256).toString(16).substr(1);return s;})()`,
    { timeoutMs: 20000 },
  );
}

/** Packet transfer exists from Espruino 2v25 (README_Protocol.md). */
export function packetProtocol(version: string): 'packets' | 'repl' {
  const v = /^(\d+)v(\d+)/.exec(version);
  return v && Number(v[1]) * 100 + Number(v[2]) >= 225 ? 'packets' : 'repl';
}

/** Throws STORAGE_FULL when the board's Storage cannot take `bytes` more (plus file headers). */
export async function checkFreeSpace(conn: EspruinoConnection, files: { name: string; bytes: number }[]): Promise<void> {
  const free = await conn.expr<number>('require("Storage").getFree()');
  const need = files.reduce((s, f) => s + f.bytes + FILE_OVERHEAD, 0);
  if (typeof free !== 'number' || free < need) {
    const stats = await conn.expr<{ fileCount?: number; trashBytes?: number }>('require("Storage").getStats()').catch(() => ({}) as { fileCount?: number; trashBytes?: number });
    const trash = stats.trashBytes ?? 0;
    throw new UserError(
      'STORAGE_FULL',
      `${conn.port}: Storage has ${free} bytes free, ${need} needed for ${files.map((f) => `${f.name} (${f.bytes} B)`).join(' and ')}` +
        (stats.fileCount !== undefined ? ` (${stats.fileCount} files, ${trash} bytes of deleted files)` : ''),
      {
        hint:
          trash >= need - free
            ? 'reclaim the deleted files\' space on the board with require("Storage").compact(), then run again'
            : 'erase files you do not need (require("Storage").list() shows them; require("Storage").erase(name)), or require("Storage").eraseAll() on a board with nothing to keep',
      },
    );
  }
}

/**
 * Uploads with the packet protocol when the board has it, else (or when a packet is refused) with
 * `Storage.write` lines; either way EspruinoTools' wrapper checks the length on the board.
 */
export async function upload(conn: EspruinoConnection, name: string, data: Uint8Array | string, onProgress?: (p: UploadProgress) => void): Promise<void> {
  const bytes = new Uint8Array(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  const protocol = packetProtocol(conn.env.VERSION);
  try {
    await conn.uploadToStorage(name, bytes, { onProgress, protocol });
  } catch (e) {
    // A busy board NAKs a packet it did not get whole within 1 s (README_Protocol.md): send it again the slow, plain way.
    if (protocol !== 'packets' || (e as UserError).code !== 'UPLOAD_FAILED') throw e;
    await conn.uploadToStorage(name, bytes, { onProgress, protocol: 'repl' });
  }
}

export interface FlashResult {
  name: string;
  bytes: number;
  sha256: string;
  /** false: the board already had exactly these bytes */
  uploaded: boolean;
}

/** Writes `data` to Storage `name` (unless identical), then proves it by the on-board SHA-256. */
export async function writeVerified(
  conn: EspruinoConnection,
  name: string,
  data: Uint8Array | string,
  opts: { onProgress?: (p: UploadProgress) => void; force?: boolean; checkSpace?: boolean } = {},
): Promise<FlashResult> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const want = sha256Hex(bytes);
  if (!opts.force && (await boardSha256(conn, name)) === want) return { name, bytes: bytes.length, sha256: want, uploaded: false };
  if (opts.checkSpace !== false) await checkFreeSpace(conn, [{ name, bytes: bytes.length }]);
  await upload(conn, name, bytes, opts.onProgress);
  const got = await boardSha256(conn, name);
  if (got !== want) {
    throw new UserError('VERIFY_FAILED', `${conn.port}: Storage file ${name} does not match what was sent (SHA-256 on the board ${got ?? 'none'}, expected ${want})`, {
      hint: 'the serial link corrupted data or the flash is failing: run the command again; if it repeats, try another cable or board',
    });
  }
  return { name, bytes: bytes.length, sha256: want, uploaded: true };
}
