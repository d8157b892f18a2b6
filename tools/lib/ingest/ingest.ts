/**
 * startIngest: the programmatic ingest (tests, the CLI command, and the main job that embeds it).
 * Opens the registry, loads the root secret of each served fleet from its key file, connects MQTT if
 * asked, and listens for CoAP uplinks (server.ts). `close()` stops listening, commits what is queued,
 * waits for MQTT acknowledgements and closes the registry (if it opened it).
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { loadFleetSecret, openRegistry, type Registry } from '../registry/index.ts';
import { Keyring } from './keyring.ts';
import { MqttOutput, readingJson, type ReadingJson } from './outputs.ts';
import { UplinkPipeline } from './pipeline.ts';
import { CoapServer, parseListen, type ServerStats } from './server.ts';

export interface IngestOptions {
  /** `udp://host:port` (port 0: any free port); default udp://127.0.0.1:5683 */
  listen?: string;
  /** registry file path, or an open Registry (then the caller closes it) */
  registry: string | Registry;
  /** serve only this fleet (default: every fleet in the registry) */
  fleet?: string;
  /** use this key file instead of the one recorded for the fleet (needs one fleet) */
  keyFile?: string;
  /** passphrase for protected key files */
  passphrase?: string;
  /** mqtt://host:port: publish each stored reading with QoS 1 to sensornode/<fleet>/<device> */
  mqtt?: string;
  /** each stored reading, after its commit (the CLI's --jsonl) */
  onReading?: (r: ReadingJson) => void;
  /** one line per refusal or problem (default: stderr) */
  log?: (line: string) => void;
  /** largest accepted payload in bytes (default 1024) */
  maxPayloadBytes?: number;
  /** duplicate detection window (default EXCHANGE_LIFETIME 269 s for the NB-IoT timers) */
  exchangeLifetimeMs?: number;
}

export interface IngestStats extends ServerStats {
  published: number;
  /** readings received again in a later message (the device missed an ACK) and not stored twice */
  duplicateReadings: number;
}

export interface Ingest {
  address: string;
  port: number;
  fleets: string[];
  readonly stats: IngestStats;
  close(): Promise<void>;
}

export async function startIngest(o: IngestOptions): Promise<Ingest> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const listen = parseListen(o.listen ?? 'udp://127.0.0.1:5683');
  const ownRegistry = typeof o.registry === 'string';
  if (typeof o.registry === 'string' && !existsSync(o.registry)) {
    throw new UserError('REGISTRY_MISSING', `${o.registry}: no registry file`, { hint: 'create it with: sensornode fleet init <name> --registry ' + o.registry });
  }
  const reg = typeof o.registry === 'string' ? openRegistry(o.registry) : o.registry;
  let mqttOut: MqttOutput | undefined;
  try {
    const keyring = new Keyring();
    const fleets = o.fleet !== undefined ? [reg.getFleet(o.fleet)] : reg.listFleets();
    if (fleets.length === 0) throw new UserError('NO_FLEET', `${reg.path}: the registry has no fleet`, { hint: 'create one with: sensornode fleet init <name>' });
    if (o.keyFile !== undefined && fleets.length > 1) {
      throw new UserError('KEYFILE_AMBIGUOUS', `--key-file given but the registry has ${fleets.length} fleets (${fleets.map((f) => f.name).join(', ')})`, { hint: 'add --fleet <name>' });
    }
    for (const f of fleets) keyring.add({ fleet: f, secret: loadFleetSecret(reg, f.name, { keyFile: o.keyFile, passphrase: o.passphrase }) });
    if (o.mqtt) mqttOut = await MqttOutput.connect(o.mqtt, log);
    const stats = { published: 0 } as IngestStats;
    const pipeline = new UplinkPipeline(reg, keyring, {
      maxBytes: o.maxPayloadBytes ?? 1024,
      onStored: (r) => {
        server.stats.readings++;
        mqttOut?.publish(r);
        o.onReading?.(readingJson(r));
      },
    });
    const server: CoapServer = await CoapServer.start({ listen, pipeline, maxBytes: o.maxPayloadBytes, exchangeLifetimeMs: o.exchangeLifetimeMs, log });
    const addr = server.address();
    let closing: Promise<void> | undefined;
    return {
      address: addr.address,
      port: addr.port,
      fleets: keyring.fleetNames,
      get stats(): IngestStats {
        return Object.assign(stats, server.stats, { published: mqttOut?.published ?? 0, duplicateReadings: pipeline.duplicateReadings });
      },
      close: () =>
        (closing ??= (async () => {
          pipeline.flush(); // answer what is queued while the socket is still open
          await server.close();
          pipeline.flush();
          await mqttOut?.close();
          if (ownRegistry) reg.close();
        })()),
    };
  } catch (e) {
    await mqttOut?.close(0);
    if (ownRegistry) reg.close();
    throw e;
  }
}
