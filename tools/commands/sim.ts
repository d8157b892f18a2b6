/**
 * `sensornode sim <app|bundle.js> --board <id> --duration 7d [--seed N] [--trace run.jsonl] [--console]
 *  [--sensor name=spec ...] [--inputs events.csv] [--json]`
 * Runs firmware on a simulated board in virtual time and prints a summary. `sim serve` (the REPL on a
 * pseudo-terminal, tools/commands/sim-serve.ts) is nested here as a subcommand.
 */
import type { CommandModule } from 'yargs';
import { formatSummary, resultJson, runSim } from '../lib/sim-run.ts';
import { serveSubcommand } from './sim-serve.ts';
import { UserError } from '../lib/errors.ts';

interface Args {
  target?: string;
  board?: string;
  duration: string;
  seed?: number;
  trace?: string;
  console?: boolean;
  sensor?: string[];
  inputs?: string;
  'clock-after-deep-sleep'?: 'continues' | 'resets';
  'start-time'?: string;
  json?: boolean;
}

export default {
  // [target] is optional in the grammar so `sim serve` reaches its subcommand; the handler requires it.
  command: 'sim [target]',
  describe: 'Run firmware on a simulated board in virtual time (energy, Storage, errors with TS positions)',
  builder: (y) =>
    y
      .command(serveSubcommand as unknown as CommandModule)
      .positional('target', { type: 'string', describe: 'App directory / entry .ts (built first) or a built .js bundle' })
      .option('board', { type: 'string', describe: 'Board id or board file (default: "board" in <app>/app.json)' })
      .option('duration', { type: 'string', default: '1d', describe: 'Virtual time to run: ms or 15m, 36h, 7d, 1y' })
      .option('seed', { type: 'number', describe: 'Seed for sensor values and Math.random (same seed ⇒ same trace)' })
      .option('trace', { type: 'string', describe: 'Write every event as JSON lines to this file' })
      .option('console', { type: 'boolean', describe: "Stream the firmware's console output" })
      .option('sensor', { type: 'string', array: true, describe: 'name=spec, e.g. sht3x.temperature=diurnal:mean=20,amplitude=5, battery=3.0, soil=csv:soil.csv' })
      .option('inputs', { type: 'string', describe: 'CSV of external pin events: time,pin,level (pin: D25 or button/pulse/alarm)' })
      .option('clock-after-deep-sleep', { choices: ['continues', 'resets'] as const, describe: 'What getTime() does across deep sleep (default continues)' })
      .option('start-time', { type: 'string', describe: 'Wall-clock time at start (ISO date); default 1970-01-01 as Espruino at power-on' })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
      .example('$0 sim firmware/apps/sample-logger --board devkitc-bc660k --duration 7d', 'a week of the sample logger')
      .example('$0 sim dist/sample-logger.js --board devkitc-bc660k --duration 1y --trace run.jsonl', 'a year from a built bundle, with a trace'),
  handler: async (a) => {
    if (!a.target) throw new UserError('SIM_TARGET', 'sim: name an app directory, entry .ts or built .js bundle (or `sim serve` for the REPL on a pseudo-terminal)');
    const r = await runSim({
      target: a.target,
      board: a.board,
      duration: a.duration,
      seed: a.seed,
      trace: a.trace,
      console: a.console && !a.json,
      sensor: a.sensor,
      inputs: a.inputs,
      clockAfterDeepSleep: a['clock-after-deep-sleep'],
      startTime: a['start-time'],
    });
    if (a.json) console.log(JSON.stringify(resultJson(r), null, 2));
    else console.log(formatSummary(r));
    if (r.errors.length) process.exitCode = 1;
  },
} satisfies CommandModule<object, Args>;
