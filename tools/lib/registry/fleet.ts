/**
 * Fleet set-up and the fleet secret lookup shared by `sensornode fleet init` and the ingest:
 * the registry row (name, salt, params, key file path) and the separate 0600 key file are created
 * together, and a key file is only accepted for the fleet it was made for.
 */
import { unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { createKeyFile, readKeyFile, type ScryptParams } from './keyfile.ts';
import { openRegistry, type Fleet, type Registry } from './registry.ts';
import { checkName } from './validate.ts';

export interface InitFleetOptions {
  registryPath: string;
  name: string;
  /** default: `<name>.fleet-key` next to the registry file */
  keyFile?: string;
  passphrase?: string;
  scrypt?: ScryptParams;
}

export interface InitFleetResult {
  fleet: Fleet;
  registryPath: string;
  keyFile: string;
  passphraseProtected: boolean;
}

export function defaultKeyFile(registryPath: string, name: string): string {
  return join(dirname(resolve(registryPath)), `${name}.fleet-key`);
}

/** Create the fleet and its key file; refuses an existing fleet or key file and leaves nothing half-made. */
export function initFleet(o: InitFleetOptions): InitFleetResult {
  checkName('fleet name', o.name);
  const keyFile = resolve(o.keyFile ?? defaultKeyFile(o.registryPath, o.name));
  const reg = openRegistry(o.registryPath);
  try {
    if (reg.findFleet(o.name)) {
      throw new UserError('DUPLICATE_FLEET', `${o.registryPath}: fleet "${o.name}" already exists`, { hint: 'choose another name; a fleet is never replaced' });
    }
    const key = createKeyFile(keyFile, o.name, { passphrase: o.passphrase, scrypt: o.scrypt });
    let fleet: Fleet;
    try {
      fleet = reg.createFleet({
        name: o.name,
        keyFile,
        params: { kdf: 'HKDF-SHA256', aead: 24, keyFile: { version: 1, passphrase: key.passphraseProtected } },
      });
    } catch (e) {
      unlinkSync(keyFile); // we just made it; without the fleet row it protects nothing
      throw e;
    }
    return { fleet, registryPath: resolve(o.registryPath), keyFile, passphraseProtected: key.passphraseProtected };
  } finally {
    reg.close();
  }
}

/** The root secret of a fleet, from its recorded key file or `keyFile`; checks the file's fleet name. */
export function loadFleetSecret(reg: Registry, fleetName: string, opts: { keyFile?: string; passphrase?: string } = {}): Uint8Array {
  const fleet = reg.getFleet(fleetName);
  const path = opts.keyFile ?? fleet.keyFile;
  const key = readKeyFile(path, { passphrase: opts.passphrase });
  if (key.fleet !== fleet.name) {
    throw new UserError('KEYFILE_FLEET', `${path}: key file belongs to fleet "${key.fleet}", not "${fleet.name}"`, { hint: 'pass the key file of this fleet with --key-file' });
  }
  return key.secret;
}
