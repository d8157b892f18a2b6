/**
 * The fleet root secret (IKM of tools/lib/codec/keys.ts deriveDeviceKeys): 32 random bytes from
 * node:crypto's CSPRNG, kept in its own file, never in the registry database, never printed.
 *
 * File: versioned JSON, created with O_EXCL and mode 0600 (never overwrites). Reading refuses a file
 * that group or others may read or write (like OpenSSH refuses "UNPROTECTED PRIVATE KEY FILE"), with
 * the `chmod 600` fix in the hint.
 *
 *   plain:     { format, version: 1, fleet, created, secret: base64 }
 *   protected: { format, version: 1, fleet, created,
 *                kdf: { name: "scrypt", N, r, p, salt: base64(16) },   (RFC 7914)
 *                cipher: "xchacha20poly1305", nonce: base64(24), ciphertext: base64(32 + 16) }
 *
 * Protected files: key = scrypt(passphrase, salt, N, r, p, 32); the secret is sealed with
 * XChaCha20-Poly1305 (random 24-byte nonce, safe to pick at random, draft-irtf-cfrg-xchacha §3.1)
 * and the AAD binds format, version, fleet and the KDF parameters, so editing any of them makes
 * opening fail. Default scrypt cost N = 2^17, r = 8, p = 1 (OWASP Password Storage Cheat Sheet,
 * "scrypt ... N=2^17, r=8, p=1"): about 0.6 s and 128 MiB here, once per ingest start.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { scrypt } from '@noble/hashes/scrypt.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { UserError } from '../errors.ts';

export const KEY_FILE_FORMAT = 'sensornode-fleet-key';
export const KEY_FILE_VERSION = 1;
export const ROOT_SECRET_BYTES = 32;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

export interface CreateKeyFileOptions {
  /** protect the secret with this passphrase */
  passphrase?: string;
  /** scrypt cost (tests use a small N) */
  scrypt?: ScryptParams;
}

export interface KeyFileInfo {
  path: string;
  fleet: string;
  passphraseProtected: boolean;
}

export interface LoadedKey extends KeyFileInfo {
  secret: Uint8Array;
}

interface KeyFileJson {
  format: string;
  version: number;
  fleet: string;
  created: string;
  secret?: string;
  kdf?: { name: string; salt: string } & ScryptParams;
  cipher?: string;
  nonce?: string;
  ciphertext?: string;
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');

function aadFor(j: KeyFileJson): Uint8Array {
  const k = j.kdf!;
  return new TextEncoder().encode(`${j.format}\n${j.version}\n${j.fleet}\n${k.name}:${k.N}:${k.r}:${k.p}\n${j.cipher}`);
}

function deriveWrapKey(passphrase: string, salt: Uint8Array, p: ScryptParams): Uint8Array {
  return scrypt(new TextEncoder().encode(passphrase.normalize('NFC')), salt, { N: p.N, r: p.r, p: p.p, dkLen: 32, maxmem: 2 ** 31 });
}

function checkPassphrase(passphrase: string | undefined): void {
  if (passphrase !== undefined && passphrase.length < 8) {
    throw new UserError('KEYFILE_PASSPHRASE', 'the key file passphrase is shorter than 8 characters', { hint: 'use a longer passphrase' });
  }
}

/**
 * Create a key file with a fresh secret; refuses to overwrite (O_EXCL). The file is written and
 * fsynced, then its directory is fsynced, so a crash cannot leave a fleet whose key is not on disk.
 */
export function createKeyFile(path: string, fleet: string, opts: CreateKeyFileOptions = {}): LoadedKey {
  checkPassphrase(opts.passphrase);
  const secret = new Uint8Array(randomBytes(ROOT_SECRET_BYTES));
  const json: KeyFileJson = { format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION, fleet, created: new Date().toISOString() };
  if (opts.passphrase === undefined) {
    json.secret = b64(secret);
  } else {
    const params = opts.scrypt ?? DEFAULT_SCRYPT;
    const salt = new Uint8Array(randomBytes(16));
    const nonce = new Uint8Array(randomBytes(24));
    json.kdf = { name: 'scrypt', ...params, salt: b64(salt) };
    json.cipher = 'xchacha20poly1305';
    json.nonce = b64(nonce);
    json.ciphertext = b64(xchacha20poly1305(deriveWrapKey(opts.passphrase, salt, params), nonce, aadFor(json)).encrypt(secret));
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError('KEYFILE_EXISTS', `${path}: key file already exists; it is never overwritten`, { hint: 'choose another --key-file, or remove the old file yourself if it is truly unused' });
    throw new UserError('KEYFILE_WRITE', `${path}: cannot create key file: ${(e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, JSON.stringify(json, null, 2) + '\n');
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw new UserError('KEYFILE_WRITE', `${path}: cannot write key file: ${(e as Error).message}`, { cause: e });
  }
  closeSync(fd);
  syncDir(dirname(path));
  return { path, fleet, passphraseProtected: opts.passphrase !== undefined, secret };
}

function syncDir(dir: string): void {
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // some platforms cannot fsync a directory; the file itself is synced
  }
}

function formatError(path: string, what: string): UserError {
  return new UserError('KEYFILE_FORMAT', `${path}: not a sensornode fleet key file (${what})`);
}

function decodeB64(path: string, field: string, s: unknown, length: number): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw formatError(path, `field "${field}" is not base64`);
  const b = new Uint8Array(Buffer.from(s, 'base64'));
  if (b.length !== length) throw formatError(path, `field "${field}" is ${b.length} bytes, expected ${length}`);
  return b;
}

/** Read a key file: refuses loose permissions, unknown versions and wrong passphrases. */
export function readKeyFile(path: string, opts: { passphrase?: string } = {}): LoadedKey {
  let text: string;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('KEYFILE_MISSING', `${path}: fleet key file not found`, { hint: 'pass --key-file with the fleet key file (created by `sensornode fleet init`)' });
    throw new UserError('KEYFILE_READ', `${path}: cannot read key file: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserError('KEYFILE_READ', `${path}: not a regular file`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new UserError('KEYFILE_PERMISSIONS', `${path}: key file is accessible by group/others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); refusing to use it`, {
        hint: `chmod 600 ${path}`,
      });
    }
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let j: KeyFileJson;
  try {
    j = JSON.parse(text) as KeyFileJson;
  } catch {
    throw formatError(path, 'not JSON');
  }
  if (j === null || typeof j !== 'object' || j.format !== KEY_FILE_FORMAT) throw formatError(path, `"format" is not "${KEY_FILE_FORMAT}"`);
  if (j.version !== KEY_FILE_VERSION) {
    throw new UserError('KEYFILE_VERSION', `${path}: key file version ${String(j.version)} is not supported (this sensornode reads version ${KEY_FILE_VERSION})`, { hint: 'upgrade sensornode' });
  }
  if (typeof j.fleet !== 'string') throw formatError(path, 'no "fleet"');
  const info = { path, fleet: j.fleet };
  if (j.secret !== undefined) return { ...info, passphraseProtected: false, secret: decodeB64(path, 'secret', j.secret, ROOT_SECRET_BYTES) };

  const k = j.kdf;
  if (!k || k.name !== 'scrypt' || ![k.N, k.r, k.p].every((x) => Number.isInteger(x) && x > 0) || j.cipher !== 'xchacha20poly1305') {
    throw formatError(path, 'neither "secret" nor a supported "kdf"/"cipher" pair');
  }
  if (k.N > 2 ** 20 || (k.N & (k.N - 1)) !== 0 || k.r > 32 || k.p > 16) throw formatError(path, `scrypt parameters N=${k.N} r=${k.r} p=${k.p} are out of range`);
  if (opts.passphrase === undefined) {
    throw new UserError('KEYFILE_PASSPHRASE_NEEDED', `${path}: key file is passphrase-protected`, { hint: 'pass --passphrase-env VAR naming an environment variable that holds the passphrase' });
  }
  const salt = decodeB64(path, 'kdf.salt', k.salt, 16);
  const nonce = decodeB64(path, 'nonce', j.nonce, 24);
  const ct = decodeB64(path, 'ciphertext', j.ciphertext, ROOT_SECRET_BYTES + 16);
  try {
    const secret = xchacha20poly1305(deriveWrapKey(opts.passphrase, salt, k), nonce, aadFor(j)).decrypt(ct);
    return { ...info, passphraseProtected: true, secret };
  } catch {
    throw new UserError('KEYFILE_PASSPHRASE', `${path}: wrong passphrase (or the key file was modified)`, { hint: 'check the environment variable named by --passphrase-env' });
  }
}

/** The passphrase from an environment variable named on the command line, or undefined. */
export function passphraseFromEnv(varName: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (varName === undefined) return undefined;
  const v = env[varName];
  if (v === undefined || v === '') throw new UserError('KEYFILE_PASSPHRASE', `environment variable ${varName} (--passphrase-env) is not set or empty`);
  return v;
}
