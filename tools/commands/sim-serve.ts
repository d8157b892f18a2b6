/**
 * `sensornode sim-serve --board <id> [--app dist/x.js] [--seed N] [--speed F] [--realtime] [--console]`
 * Runs a simulated board on a pseudo-terminal that speaks the Espruino REPL and prints its device path
 * (`board devkitc-bc660k on /dev/pts/4`). Serial tools — EspruinoTools, screen, the provisioning
 * commands — use that path as if it were the board's USB-serial port. The board's modem model is on its
 * modem UART (factory checks answer AT, SIM, IMEI…). Runs until Ctrl-C / SIGTERM.
 *
 * `sim <target>` (sim.ts) owns the `sim` command name; `serveSubcommand` below is the same command
 * as `sim serve`, for sim.ts to nest in its builder (`y.command(serveSubcommand)`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { serveWithModem } from '../lib/provision/sim-board.ts';
import { UserError } from '../lib/errors.ts';
import { parseSensorArgs } from '../lib/sim-run.ts';

interface Args {
  board: string;
  app?: string;
  seed?: number;
  speed: number;
  realtime?: boolean;
  console?: boolean;
  trace?: string;
  sensor?: string[];
  network: string;
}

function builder(y: Argv): Argv<Args> {
  return y
    .option('board', { type: 'string', demandOption: true, describe: 'Board id or board file (see `sensornode boards`)' })
    .option('app', { type: 'string', describe: 'Built bundle (.js) or app directory to install as .bootcde and boot' })
    .option('seed', { type: 'number', describe: 'Seed for sensor values and Math.random' })
    .option('speed', { type: 'number', default: 1, describe: 'Virtual time per wall-clock time while the MCU is awake' })
    .option('network', { type: 'string', default: 'good', choices: ['good', 'poor', 'flaky', 'none'], describe: "The cell network the board's modem model sees ('none': no modem model, its UART stays silent)" })
    .option('realtime', { type: 'boolean', describe: 'Let deep sleep last its real length (default: the board wakes at once, its UART is off while asleep)' })
    .option('console', { type: 'boolean', describe: 'Also show what the board sends on the pty' })
    .option('trace', { type: 'string', describe: 'Write every simulator event as JSON lines to this file' })
    .option('sensor', { type: 'string', array: true, describe: 'name=spec sensor values, as for `sensornode sim`' })
    .example('$0 sim-serve --board devkitc-bc660k --app dist/sample-logger.js', 'serve a board running the sample logger')
    .example('screen /dev/pts/4 115200', 'then type at its REPL (or give the path to the provisioning commands)') as unknown as Argv<Args>;
}

async function handler(a: Args): Promise<void> {
  if (a.app !== undefined && !existsSync(resolve(a.app))) throw new UserError('SIM_TARGET', `--app ${a.app}: no such built bundle or app directory`);
  if (!(a.speed > 0)) throw new UserError('SIM_SPEED', `--speed ${a.speed}: must be a positive number`);
  let served;
  try {
    served = await serveWithModem({
      board: a.board,
      network: a.network === 'none' ? false : (a.network as 'good'),
      app: a.app,
      seed: a.seed,
      speed: a.speed,
      realtime: a.realtime,
      trace: a.trace,
      sensors: parseSensorArgs(a.sensor),
      onOutput: a.console ? (t) => process.stderr.write(Buffer.from(t, 'latin1')) : undefined,
    });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError('SIM_SERVE', `cannot start the simulated board: ${(e as Error).message}`, { cause: e });
  }
  console.log(`board ${served.board.board.id} on ${served.path}`);
  const stopped = new Promise<string>((res) => {
    process.once('SIGINT', () => res('SIGINT'));
    process.once('SIGTERM', () => res('SIGTERM'));
  });
  const failed = served.done.then(
    () => undefined,
    (e: unknown) => e,
  );
  const first = await Promise.race([stopped, failed]);
  await served.close();
  if (first instanceof Error) throw new UserError('SIM_SERVE', `the simulated board stopped: ${first.message}`, { cause: first });
}

/** `sim serve …` — for nesting under `sim` (see the header). */
export const serveSubcommand = {
  command: 'serve',
  describe: 'Run a simulated board on a pseudo-terminal speaking the Espruino REPL',
  builder,
  handler,
} satisfies CommandModule<object, Args>;

export default {
  command: 'sim-serve',
  describe: 'Run a simulated board on a pseudo-terminal speaking the Espruino REPL (prints the device path)',
  builder,
  handler,
} satisfies CommandModule<object, Args>;
