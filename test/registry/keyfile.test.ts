/**
 * Fleet key files: 0600 on create, never overwritten, loose permissions refused with the chmod fix,
 * passphrase round trip and wrong-passphrase error, tamper detection, and `sensornode fleet init`
 * creating registry + key file without ever printing the secret.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createKeyFile, readKeyFile, initFleet, loadFleetSecret, openRegistry } from '../../tools/lib/registry/index.ts';
import { UserError } from '../../tools/lib/errors.ts';
import { tempDir, hex } from './helpers.ts';

const FAST = { N: 2 ** 10, r: 8, p: 1 }; // test cost only; the default is N = 2^17
const CLI = fileURLToPath(new URL('../../bin/sensornode.js', import.meta.url));
let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.remove());

function err(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('key file', () => {
  it('is created with mode 0600, holds 32 random bytes, and reads back', () => {
    const p = tmp.path('k.json');
    const a = createKeyFile(p, 'farm');
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(a.secret.length).toBe(32);
    expect(readKeyFile(p)).toMatchObject({ fleet: 'farm', passphraseProtected: false, secret: a.secret });
    const b = createKeyFile(tmp.path('k2.json'), 'farm');
    expect(hex(b.secret)).not.toBe(hex(a.secret));
  });

  it('is never overwritten', () => {
    const p = tmp.path('k.json');
    const a = createKeyFile(p, 'farm');
    expect(err(() => createKeyFile(p, 'farm')).code).toBe('KEYFILE_EXISTS');
    expect(readKeyFile(p).secret).toEqual(a.secret);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o602])('mode %o (group/others access) is refused with the chmod 600 fix', (mode) => {
    const p = tmp.path('k.json');
    createKeyFile(p, 'farm');
    chmodSync(p, mode);
    const e = err(() => readKeyFile(p));
    expect(e.code).toBe('KEYFILE_PERMISSIONS');
    expect(e.message).toContain(p);
    expect(e.hint).toBe(`chmod 600 ${p}`);
    chmodSync(p, 0o400);
    expect(readKeyFile(p).secret.length).toBe(32);
  });

  it('passphrase: round trip, no secret in the file, wrong or missing passphrase is a clear error', () => {
    const p = tmp.path('k.json');
    const a = createKeyFile(p, 'farm', { passphrase: 'correct horse battery', scrypt: FAST });
    const text = readFileSync(p, 'utf8');
    expect(text).not.toContain(Buffer.from(a.secret).toString('base64'));
    expect(JSON.parse(text)).toMatchObject({ version: 1, kdf: { name: 'scrypt', N: 1024, r: 8, p: 1 }, cipher: 'xchacha20poly1305' });
    expect(readKeyFile(p, { passphrase: 'correct horse battery' })).toMatchObject({ passphraseProtected: true, secret: a.secret });
    const wrong = err(() => readKeyFile(p, { passphrase: 'incorrect horse' }));
    expect(wrong.code).toBe('KEYFILE_PASSPHRASE');
    expect(wrong.message).toContain('wrong passphrase');
    expect(err(() => readKeyFile(p)).code).toBe('KEYFILE_PASSPHRASE_NEEDED');
    expect(err(() => createKeyFile(tmp.path('short.json'), 'farm', { passphrase: 'short' })).code).toBe('KEYFILE_PASSPHRASE');
  });

  it('editing authenticated fields of a protected file (fleet name, KDF cost) makes it fail to open', () => {
    const p = tmp.path('k.json');
    createKeyFile(p, 'farm', { passphrase: 'correct horse battery', scrypt: FAST });
    const j = JSON.parse(readFileSync(p, 'utf8'));
    j.fleet = 'other';
    writeFileSync(p, JSON.stringify(j), { mode: 0o600 });
    expect(err(() => readKeyFile(p, { passphrase: 'correct horse battery' })).code).toBe('KEYFILE_PASSPHRASE');
  });

  it('bad files: missing, not JSON, unknown version, wrong field sizes', () => {
    expect(err(() => readKeyFile(tmp.path('none'))).code).toBe('KEYFILE_MISSING');
    const p = tmp.path('k.json');
    writeFileSync(p, 'not json', { mode: 0o600 });
    expect(err(() => readKeyFile(p)).message).toContain('not JSON');
    writeFileSync(p, JSON.stringify({ format: 'sensornode-fleet-key', version: 9, fleet: 'f' }), { mode: 0o600 });
    expect(err(() => readKeyFile(p)).code).toBe('KEYFILE_VERSION');
    writeFileSync(p, JSON.stringify({ format: 'sensornode-fleet-key', version: 1, fleet: 'f', secret: 'AAAA' }), { mode: 0o600 });
    expect(err(() => readKeyFile(p)).message).toContain('"secret" is 3 bytes, expected 32');
  });
});

describe('fleet init', () => {
  it('creates the fleet row and the key file; the secret loads only for its own fleet', () => {
    const r = initFleet({ registryPath: tmp.path('r.db'), name: 'farm' });
    expect(r.keyFile).toBe(tmp.path('farm.fleet-key'));
    initFleet({ registryPath: tmp.path('r.db'), name: 'orchard', keyFile: tmp.path('o.key') });
    const reg = openRegistry(tmp.path('r.db'));
    try {
      expect(reg.getFleet('farm').keyFile).toBe(r.keyFile);
      expect(loadFleetSecret(reg, 'farm').length).toBe(32);
      expect(err(() => loadFleetSecret(reg, 'farm', { keyFile: tmp.path('o.key') })).code).toBe('KEYFILE_FLEET');
      // the database holds no secret
      const secret = Buffer.from(readKeyFile(r.keyFile).secret);
      expect(readFileSync(tmp.path('r.db')).includes(secret)).toBe(false);
    } finally {
      reg.close();
    }
    expect(err(() => initFleet({ registryPath: tmp.path('r.db'), name: 'farm', keyFile: tmp.path('new.key') })).code).toBe('DUPLICATE_FLEET');
    expect(existsSync(tmp.path('new.key'))).toBe(false);
    expect(err(() => initFleet({ registryPath: tmp.path('r.db'), name: 'barn', keyFile: r.keyFile })).code).toBe('KEYFILE_EXISTS');
  });

  it('CLI: prints where the files are, never the secret; refuses to run twice', () => {
    const env = { ...process.env, FLEET_PASS: 'a long passphrase here' };
    const out = execFileSync(process.execPath, [CLI, 'fleet', 'init', 'farm', '--registry', tmp.path('r.db'), '--passphrase-env', 'FLEET_PASS'], { env, encoding: 'utf8' });
    const keyFile = tmp.path('farm.fleet-key');
    expect(out).toContain(keyFile);
    expect(out).toContain(tmp.path('r.db'));
    expect(out).toContain('passphrase-protected');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const secret = readKeyFile(keyFile, { passphrase: env.FLEET_PASS }).secret;
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(out).not.toContain(Buffer.from(secret).toString(enc).slice(0, 16));
    const again = spawnSync(process.execPath, [CLI, 'fleet', 'init', 'farm', '--registry', tmp.path('r.db')], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('fleet "farm" already exists');
    for (const enc of ['hex', 'base64'] as const) expect(again.stderr + again.stdout).not.toContain(Buffer.from(secret).toString(enc).slice(0, 16));
  });
});
