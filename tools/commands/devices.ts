/**
 * `sensornode devices list|show <id>|revoke <id>|rotate <id>|export` — the device registry.
 *   list [--fleet f] [--status active|revoked] [--json]
 *   show <id> [--json]                   device, pending downlinks, its audit log
 *   revoke <id> [--reason text]          the ingest refuses the device from its next message (4.03)
 *   rotate <id>                          key version + 1 and a key-update downlink for its next ACK
 *   export [--format csv|json] [--with-secrets --yes]
 * Thin handlers over tools/lib/provision/devices.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../lib/errors.ts';
import { openRegistry, passphraseFromEnv, type DeviceStatus, type Registry } from '../lib/registry/index.ts';
import { deviceView, exportRows, rotateDevice, showDevice, toCsv } from '../lib/provision/devices.ts';
import { existsSync } from 'node:fs';

interface Common {
  registry: string;
  'key-file'?: string;
  'passphrase-env'?: string;
}

function withRegistry<T>(path: string, fn: (reg: Registry) => T): T {
  if (!existsSync(path)) throw new UserError('REGISTRY_MISSING', `${path}: no registry file`, { hint: `create it with: sensornode fleet init <name> --registry ${path}` });
  const reg = openRegistry(path);
  try {
    return fn(reg);
  } finally {
    reg.close();
  }
}

const table = (rows: string[][]): string => {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
};

const list: CommandModule<Common, Common & { fleet?: string; status?: string; json?: boolean }> = {
  command: 'list',
  describe: 'List devices',
  builder: (y) =>
    y
      .option('fleet', { type: 'string', describe: 'only this fleet' })
      .option('status', { type: 'string', choices: ['active', 'revoked'], describe: 'only devices with this status' })
      .option('json', { type: 'boolean', describe: 'JSON array instead of a table' }) as Argv<Common & { fleet?: string; status?: string; json?: boolean }>,
  handler: (a) =>
    withRegistry(a.registry, (reg) => {
      const ds = reg.listDevices({ fleet: a.fleet, status: a.status as DeviceStatus | undefined }).map(deviceView);
      if (a.json) return void console.log(JSON.stringify(ds, null, 2));
      if (ds.length === 0) return void console.log(`no devices in ${reg.path}`);
      console.log(
        table([
          ['ID', 'FLEET', 'KID', 'STATUS', 'KV', 'BOARD', 'IMEI', 'LAST SEEN'],
          ...ds.map((d) => [d.id, d.fleet, d.kid, d.status, String(d.keyVersion) + (d.previousKeyVersion !== null ? ` (${d.previousKeyVersion} pending)` : ''), d.board ?? '-', d.imei ?? '-', d.lastSeen ?? 'never']),
        ]),
      );
    }),
};

const show: CommandModule<Common, Common & { id: string; json?: boolean }> = {
  command: 'show <id>',
  describe: 'Show one device, its pending downlinks and its audit log',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).option('json', { type: 'boolean' }) as Argv<Common & { id: string; json?: boolean }>,
  handler: (a) =>
    withRegistry(a.registry, (reg) => {
      const d = showDevice(reg, a.id);
      if (a.json) return void console.log(JSON.stringify(d, null, 2));
      const { log, ...fields } = d;
      for (const [k, v] of Object.entries(fields)) console.log(`${k.padEnd(19)} ${v === null ? '-' : String(v)}`);
      console.log('audit log:');
      for (const l of log) console.log(`  ${l.at}  ${l.action.padEnd(18)} ${JSON.stringify(l.detail)}`);
    }),
};

const revoke: CommandModule<Common, Common & { id: string; reason?: string }> = {
  command: 'revoke <id>',
  describe: 'Revoke a device: the ingest refuses it from its next message',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).option('reason', { type: 'string', describe: 'why (kept in the audit log)' }) as Argv<Common & { id: string; reason?: string }>,
  handler: (a) =>
    withRegistry(a.registry, (reg) => {
      const d = reg.revokeDevice(a.id, a.reason ?? '');
      console.log(`device ${d.id} (kid ${d.kidHex}) revoked; the ingest refuses its next message (4.03)`);
    }),
};

const rotate: CommandModule<Common, Common & { id: string }> = {
  command: 'rotate <id>',
  describe: 'Start a key rotation: new key version, delivered in a downlink (or re-provision over serial)',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }) as Argv<Common & { id: string }>,
  handler: (a) =>
    withRegistry(a.registry, (reg) => {
      const r = rotateDevice(reg, a.id, { keyFile: a['key-file'], passphrase: passphraseFromEnv(a['passphrase-env']) });
      console.log(`device ${r.device.id}: key version ${r.from} → ${r.to}; version ${r.from} stays accepted until the device sends with ${r.to}`);
      console.log(`  key update queued as downlink #${r.downlinkId}: sent in the ACK of its next uplink, sealed with key version ${r.from}`);
      console.log(`  or re-provision over serial now: sensornode provision --port <dev> --id ${r.device.id}`);
    }),
};

interface ExportArgs extends Common {
  format: string;
  fleet?: string;
  'with-secrets'?: boolean;
  yes?: boolean;
}

const exportCmd: CommandModule<Common, ExportArgs> = {
  command: 'export',
  describe: 'Export devices as CSV or JSON (no secrets unless --with-secrets --yes)',
  builder: (y) =>
    y
      .option('format', { type: 'string', choices: ['csv', 'json'], default: 'csv' })
      .option('fleet', { type: 'string', describe: 'only this fleet' })
      .option('with-secrets', { type: 'boolean', describe: 'include each device\'s derived key and IV (hex)' })
      .option('yes', { type: 'boolean', describe: 'confirm --with-secrets' }) as Argv<ExportArgs>,
  handler: (a) =>
    withRegistry(a.registry, (reg) => {
      if (a['with-secrets'] && !a.yes) {
        throw new UserError('SECRETS_CONFIRM', '--with-secrets writes every device key in clear text', { hint: 'add --yes if that is what you want, and keep the output as safe as the fleet key file' });
      }
      const secrets = !!a['with-secrets'];
      const rows = exportRows(reg, { fleet: a.fleet, withSecrets: secrets, keyFile: a['key-file'], passphrase: passphraseFromEnv(a['passphrase-env']) });
      if (secrets) process.stderr.write(`warning: this export holds the keys of ${rows.length} device(s) in clear text; anyone with it can read and forge their messages\n`);
      process.stdout.write(a.format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : toCsv(rows, secrets));
    }),
};

export default {
  command: 'devices <command>',
  describe: 'List, show, revoke, rotate and export devices in the registry',
  builder: (y: Argv) =>
    y
      .option('registry', { type: 'string', default: 'sensornode.db', describe: 'registry database file' })
      .option('key-file', { type: 'string', describe: 'fleet key file (default: the one recorded for the fleet)' })
      .option('passphrase-env', { type: 'string', describe: 'environment variable holding the key file passphrase' })
      .command(list as unknown as CommandModule)
      .command(show as unknown as CommandModule)
      .command(revoke as unknown as CommandModule)
      .command(rotate as unknown as CommandModule)
      .command(exportCmd as unknown as CommandModule)
      .demandCommand(1, 'Name a devices command (list, show, revoke, rotate, export).'),
  handler: () => {},
} satisfies CommandModule;
