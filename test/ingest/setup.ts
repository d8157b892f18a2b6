/** A fleet, devices and a running ingest on 127.0.0.1:0 over a real SQLite file in a temp dir. */
import { initFleet, openRegistry, readKeyFile, type Registry } from '../../tools/lib/registry/index.ts';
import { startIngest, type Ingest, type IngestOptions, type ReadingJson } from '../../tools/lib/ingest/index.ts';
import { tempDir } from '../registry/helpers.ts';
import { SimDevice } from './device.ts';

export interface Rig {
  tmp: ReturnType<typeof tempDir>;
  db: string;
  secret: Uint8Array;
  reg: Registry;
  ingest: Ingest;
  logs: string[];
  jsonl: ReadingJson[];
  devices: SimDevice[];
  device(id: string, opts?: { keyVersion?: number }): Promise<SimDevice>;
  stop(): Promise<void>;
}

export async function rig(opts: Partial<IngestOptions> & { devices?: string[] } = {}): Promise<Rig> {
  const tmp = tempDir('sensornode-ingest-');
  const db = tmp.path('r.db');
  initFleet({ registryPath: db, name: 'farm' });
  const secret = readKeyFile(tmp.path('farm.fleet-key')).secret;
  const reg = openRegistry(db);
  for (const id of opts.devices ?? ['p1']) reg.addDevice({ fleet: 'farm', id });
  const logs: string[] = [];
  const jsonl: ReadingJson[] = [];
  let ingest: Ingest;
  try {
    ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: db, log: (l) => logs.push(l), onReading: (r) => jsonl.push(r), ...opts });
  } catch (e) {
    reg.close();
    tmp.remove();
    throw e;
  }
  const devices: SimDevice[] = [];
  return {
    tmp, db, secret, reg, ingest, logs, jsonl, devices,
    async device(id, o = {}) {
      const d = await new SimDevice(id, reg.getDevice(id).kid, secret, ingest.port, o.keyVersion ?? reg.getDevice(id).keyVersion).open();
      devices.push(d);
      return d;
    },
    async stop() {
      for (const d of devices) d.close();
      await ingest.close();
      reg.close();
      tmp.remove();
    },
  };
}
