/** `sensornode demo` (npm start): build → provision → ingest → simulate a week → report. */
import type { CommandModule } from 'yargs';
import { formatDemoReport, runDemo } from '../lib/demo.ts';

interface Args {
  app?: string;
  board?: string;
  duration: string;
  seed: number;
  network: string;
  dir?: string;
  json?: boolean;
}

export default {
  command: 'demo',
  describe: 'The main job: build the soil probe, provision a simulated device, run the ingest, simulate a week over real UDP, print the report',
  builder: (y) =>
    y
      .option('app', { type: 'string', describe: 'App directory (default firmware/apps/soil-probe)' })
      .option('board', { type: 'string', describe: 'Board id (default: the app.json board)' })
      .option('duration', { type: 'string', default: '7d', describe: 'Virtual time to simulate (7d, 36h, …)' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the simulation (same seed, same run)' })
      .option('network', { type: 'string', default: 'good', choices: ['good', 'poor', 'flaky'], describe: 'Cell network preset' })
      .option('dir', { type: 'string', describe: 'Where to keep the registry, key file and bundle (default: a new temporary directory)' })
      .option('json', { type: 'boolean', describe: 'Print the figures as JSON' }),
  handler: async (a) => {
    const log = a.json ? () => {} : (l: string) => console.log(`· ${l}`);
    const r = await runDemo({ app: a.app, board: a.board, duration: a.duration, seed: a.seed, network: a.network as 'good', dir: a.dir, log });
    if (a.json) {
      const { build, sim, ...rest } = r;
      console.log(JSON.stringify({ ...rest, bundleBytes: build.size.rawBytes, energy: sim.energy, wear: sim.storage.wear, wallMs: sim.wallMs, errors: sim.errors }, null, 2));
    } else {
      console.log(formatDemoReport(r));
    }
  },
} satisfies CommandModule<object, Args>;
