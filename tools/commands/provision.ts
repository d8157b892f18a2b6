/**
 * `sensornode provision --port <serial-device> [--board <id>] [--id <device-id>] [--firmware dist/app.js]
 *   [--registry sensornode.db] [--fleet <name>] [--server udp://host:port] [--apn <apn>] [--sample-s N]
 *   [--uplink-s N] [--label-dir labels/] [--dry-run] [--json]`
 * `sensornode provision --batch devices.csv [same options]`
 *
 * One code path for a real board on a USB-serial port and a simulated board on a pty (`sensornode
 * sim-serve` prints its path; batch rows with port `sim` start one in-process). Thin handler over
 * tools/lib/provision/provision.ts and batch.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { SingleBar, Presets } from 'cli-progress';
import { UserError } from '../lib/errors.ts';
import { passphraseFromEnv } from '../lib/registry/keyfile.ts';
import type { ProvisionOptions, ProvisionResult } from '../lib/provision/provision.ts';

interface Args {
  port?: string;
  batch?: string;
  board?: string;
  id?: string;
  firmware?: string;
  registry: string;
  fleet?: string;
  server?: string;
  apn?: string;
  'sample-s'?: number;
  'uplink-s'?: number;
  'label-dir'?: string;
  'dry-run'?: boolean;
  json?: boolean;
  baud: number;
  'key-file'?: string;
  'passphrase-env'?: string;
  'allow-no-signal'?: boolean;
  'sim-speed': number;
}

function describeResult(r: ProvisionResult): string {
  const f = r.factory;
  const head = r.action === 'dry-run' ? `dry run: would provision ${r.device.id}` : `${r.action} ${r.device.id}`;
  const lines = [
    `${head} (fleet ${r.device.fleet}, kid ${r.device.kid}, key version ${r.device.keyVersion}) on ${r.port} — board ${r.board}, Espruino ${r.espruino.version} (${r.espruino.board})`,
    `  factory check: ${f.modem} answered AT (${f.powered}), SIM ${f.sim}, IMEI ${f.imei ?? '-'}, ICCID ${f.iccid ?? '-'}, IMSI ${f.imsi ?? '-'}, signal ${f.rssi ?? '-'}${f.dbm !== null ? ` (${f.dbm} dBm)` : ''}`,
    ...r.actions.map((a) => `  ${r.action === 'dry-run' ? 'plan' : 'done'}: ${a}`),
    ...r.warnings.map((w) => `  warning: ${w}`),
  ];
  return lines.join('\n');
}

async function handler(a: Args): Promise<void> {
  if ((a.port === undefined) === (a.batch === undefined)) throw new UserError('PROVISION_ARGS', 'give exactly one of --port <serial device> or --batch <devices.csv>');
  const common: Omit<ProvisionOptions, 'port'> = {
    board: a.board, id: a.id, firmware: a.firmware, registry: a.registry, fleet: a.fleet, server: a.server, apn: a.apn,
    sampleS: a['sample-s'], uplinkS: a['uplink-s'], labelDir: a['label-dir'], dryRun: a['dry-run'], baud: a.baud,
    keyFile: a['key-file'], passphrase: passphraseFromEnv(a['passphrase-env']), allowNoSignal: a['allow-no-signal'],
  };
  const tty = process.stderr.isTTY && !a.json;
  // loaded here, not at the top: every CLI start imports every command file
  const { provision } = await import('../lib/provision/provision.ts');
  const { provisionBatch, readBatchFile, summaryTable } = await import('../lib/provision/batch.ts');
  if (a.port !== undefined) {
    let bar: SingleBar | undefined;
    const r = await provision({
      ...common,
      port: a.port,
      onStep: a.json ? undefined : (_s, text) => {
        bar?.stop();
        bar = undefined;
        process.stderr.write(`… ${text}\n`);
      },
      onProgress: tty
        ? (p) => {
            if (!bar) {
              bar = new SingleBar({ format: '  firmware [{bar}] {percentage}% {value}/{total} B', stream: process.stderr }, Presets.shades_classic);
              bar.start(p.total, 0);
            }
            bar.update(p.sent);
            if (p.fraction >= 1) {
              bar.stop();
              bar = undefined;
            }
          }
        : undefined,
    });
    bar?.stop();
    console.log(a.json ? JSON.stringify(r, null, 2) : describeResult(r));
    return;
  }
  if (a.id !== undefined || a.board !== undefined) throw new UserError('PROVISION_ARGS', '--id and --board go in the CSV columns with --batch (port,board,id,apn)');
  const rows = readBatchFile(a.batch!);
  let bar: SingleBar | undefined;
  if (tty) {
    bar = new SingleBar({ format: 'provisioning [{bar}] {value}/{total} rows | {row}', stream: process.stderr }, Presets.shades_classic);
    bar.start(rows.length, 0, { row: '' });
  }
  const results = await provisionBatch({
    ...common,
    rows,
    simSpeed: a['sim-speed'],
    onRowStart: (row, i, n) => {
      if (bar) bar.update(i, { row: `${row.port} ${row.board ?? ''}` });
      else if (!a.json) process.stderr.write(`[${i + 1}/${n}] ${row.source}: ${row.port} ${row.board ?? ''}\n`);
    },
    onRowDone: (r, i, n) => {
      if (bar) bar.update(i + 1, { row: r.result === 'ok' ? `${r.deviceId} ${r.action}` : `row ${r.row} failed` });
      else if (!a.json) process.stderr.write(`[${i + 1}/${n}] ${r.result === 'ok' ? `${r.action} ${r.deviceId} (kid ${r.kid})` : `FAILED: ${r.error}`}\n`);
    },
  });
  bar?.stop();
  const failed = results.filter((r) => r.result === 'error').length;
  if (a.json) console.log(JSON.stringify(results.map(({ flash: _f, ...r }) => r), null, 2));
  else console.log(summaryTable(results));
  if (failed) throw new UserError('BATCH_FAILED', `${failed} of ${results.length} rows failed (see the table)`, { hint: 'fix each failed row as its error says and run the batch again: provisioned boards are verified, not re-provisioned' });
}

export default {
  command: 'provision',
  describe: 'Provision a board over serial (real or simulated): factory check, sn.cfg, registry, label',
  builder: (y: Argv) =>
    y
      .option('port', { type: 'string', describe: 'serial device of the board (or the pty path of `sensornode sim-serve`)' })
      .option('batch', { type: 'string', describe: 'CSV of rows port,board,id,apn (port "sim": a simulated board)' })
      .option('board', { type: 'string', describe: 'board id or file (default: the recorded board, or the only one matching process.env.BOARD)' })
      .option('id', { type: 'string', describe: 'device id (default: <fleet>-<kid index>)' })
      .option('firmware', { type: 'string', describe: 'built bundle to write to .bootcde (SHA-256 verified)' })
      .option('registry', { type: 'string', default: 'sensornode.db', describe: 'registry database file' })
      .option('fleet', { type: 'string', describe: 'fleet (default: the only fleet in the registry)' })
      .option('server', { type: 'string', describe: 'ingest address for sn.cfg: udp://host:port' })
      .option('apn', { type: 'string', describe: 'APN for sn.cfg' })
      .option('sample-s', { type: 'number', describe: 'sample interval in s (default 900)' })
      .option('uplink-s', { type: 'number', describe: 'uplink interval in s (default 3600)' })
      .option('label-dir', { type: 'string', describe: 'write <id>.png and <id>.svg labels (QR of id + kid) here' })
      .option('dry-run', { type: 'boolean', describe: 'run the checks and print the plan; write nothing' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' })
      .option('baud', { type: 'number', default: 115200, describe: 'console baud rate (Espruino on ESP32: 115200)' })
      .option('key-file', { type: 'string', describe: 'fleet key file (default: the one recorded for the fleet)' })
      .option('passphrase-env', { type: 'string', describe: 'environment variable holding the key file passphrase' })
      .option('allow-no-signal', { type: 'boolean', describe: 'accept a board without signal (AT+CSQ 99) at the bench' })
      .option('sim-speed', { type: 'number', default: 1, describe: 'batch "sim" rows: virtual time per wall-clock time' })
      .example('$0 provision --port /dev/ttyUSB0 --board devkitc-bc660k --server udp://ingest.example.com:5683 --label-dir labels/', 'provision one board')
      .example('$0 provision --port /dev/ttyUSB0 --id farm-3', 'after `devices rotate farm-3`: write the new key over serial')
      .example('$0 provision --batch devices.csv --server udp://127.0.0.1:5683', 'provision every row of a CSV') as unknown as Argv<Args>,
  handler,
} satisfies CommandModule<object, Args>;
