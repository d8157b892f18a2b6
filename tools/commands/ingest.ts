/**
 * `sensornode ingest --listen udp://127.0.0.1:5683 --registry <db> [--key-file path] [--passphrase-env VAR]
 *  [--mqtt mqtt://host:port] [--jsonl] [--fleet name]`: receive CoAP uplinks, store them durably in the
 * registry before ACKing, publish them. Runs until SIGINT/SIGTERM. Thin handler over tools/lib/ingest.
 */
import type { Argv, CommandModule } from 'yargs';
import { startIngest } from '../lib/ingest/index.ts';
import { passphraseFromEnv } from '../lib/registry/index.ts';

interface Args {
  listen: string;
  registry: string;
  'key-file'?: string;
  'passphrase-env'?: string;
  mqtt?: string;
  jsonl?: boolean;
  fleet?: string;
  'max-payload'?: number;
}

export default {
  command: 'ingest',
  describe: 'Receive CoAP uplinks, store them in the registry (ACK after commit), publish to MQTT / JSONL',
  builder: (y: Argv) =>
    y
      .option('listen', { type: 'string', default: 'udp://127.0.0.1:5683', describe: 'UDP address to listen on (udp://host:port, udp6://[addr]:port)' })
      .option('registry', { type: 'string', default: 'sensornode.db', describe: 'registry database file' })
      .option('key-file', { type: 'string', describe: 'fleet key file (default: the one recorded by fleet init)' })
      .option('passphrase-env', { type: 'string', describe: 'environment variable holding the key file passphrase' })
      .option('mqtt', { type: 'string', describe: 'publish readings to this broker (mqtt://host:port), QoS 1, topic sensornode/<fleet>/<device>' })
      .option('jsonl', { type: 'boolean', describe: 'print each stored reading as a JSON line on stdout' })
      .option('fleet', { type: 'string', describe: 'serve only this fleet' })
      .option('max-payload', { type: 'number', describe: 'largest accepted payload in bytes (default 1024)' }) as unknown as Argv<Args>,
  handler: async (a: Args) => {
    const ingest = await startIngest({
      listen: a.listen,
      registry: a.registry,
      keyFile: a['key-file'],
      passphrase: passphraseFromEnv(a['passphrase-env']),
      mqtt: a.mqtt,
      fleet: a.fleet,
      maxPayloadBytes: a['max-payload'],
      onReading: a.jsonl ? (r) => process.stdout.write(JSON.stringify(r) + '\n') : undefined,
    });
    const host = ingest.address.includes(':') ? `[${ingest.address}]` : ingest.address;
    process.stderr.write(`ingest: listening on udp://${host}:${ingest.port} (fleets: ${ingest.fleets.join(', ')}; registry ${a.registry})\n`);
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        process.stderr.write(`ingest: ${sig}, stopping\n`);
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        resolve();
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    await ingest.close();
    const s = ingest.stats;
    process.stderr.write(`ingest: ${s.stored} messages, ${s.readings} readings stored; ${s.duplicates} retransmissions; refused ${JSON.stringify(s.refused)}\n`);
  },
} satisfies CommandModule<object, Args>;
