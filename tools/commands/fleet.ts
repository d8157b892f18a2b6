/**
 * `sensornode fleet init <name> [--registry sensornode.db] [--key-file <path>] [--passphrase-env VAR]`:
 * creates the fleet in the registry and its root secret in a separate 0600 key file (never printed).
 * Thin handler over tools/lib/registry/fleet.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { initFleet, passphraseFromEnv } from '../lib/registry/index.ts';

interface InitArgs {
  name: string;
  registry: string;
  'key-file'?: string;
  'passphrase-env'?: string;
}

const init: CommandModule<object, InitArgs> = {
  command: 'init <name>',
  describe: 'Create a fleet and its root secret key file',
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'fleet name (A-Z a-z 0-9 . _ -)' })
      .option('registry', { type: 'string', default: 'sensornode.db', describe: 'registry database file' })
      .option('key-file', { type: 'string', describe: 'where to write the root secret (default: <name>.fleet-key next to the registry)' })
      .option('passphrase-env', { type: 'string', describe: 'protect the key file with the passphrase in this environment variable' }) as unknown as Argv<InitArgs>,
  handler: (a) => {
    const r = initFleet({ registryPath: a.registry, name: a.name, keyFile: a['key-file'], passphrase: passphraseFromEnv(a['passphrase-env']) });
    console.log(`fleet "${r.fleet.name}" created`);
    console.log(`  registry  ${r.registryPath}`);
    console.log(`  key file  ${r.keyFile} (mode 600${r.passphraseProtected ? ', passphrase-protected' : ''})`);
    console.log('  Back up the key file and keep it apart from the registry: every device key is derived from it.');
  },
};

export default {
  command: 'fleet <command>',
  describe: 'Manage fleets (root secret + registry)',
  builder: (y: Argv) => y.command(init).demandCommand(1, 'Name a fleet command (init).'),
  handler: () => {},
} satisfies CommandModule;
