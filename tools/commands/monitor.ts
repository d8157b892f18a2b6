/**
 * `sensornode monitor --port <dev> [--record session.jsonl] [--duration S] [--baud 115200]`
 * Prints the board's console until Ctrl-C. With --record, the firmware's AT traffic and debug log are
 * written as the transcript JSON lines `sensornode replay` and the simulator's transcript modem accept.
 * The AT lines come from the modem driver's `log` option; turn it on in your app's modem factory:
 *   modem: function (opts) { opts.log = function (dir, line) { console.log('AT' + dir + ' ' + line); }; return new Bc660k(opts); }
 * Thin handler over tools/lib/provision/monitor.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../lib/errors.ts';

interface Args {
  port: string;
  record?: string;
  duration?: number;
  baud: number;
}

export default {
  command: 'monitor',
  describe: "Show a board's console; --record writes its AT session as a replayable transcript",
  builder: (y: Argv) =>
    y
      .option('port', { type: 'string', demandOption: true, describe: 'serial device of the board (or a sim-serve pty)' })
      .option('record', { type: 'string', describe: 'write AT traffic + debug log as transcript JSON lines ({"cmd","reply","delay"})' })
      .option('duration', { type: 'number', describe: 'stop after this many seconds (default: Ctrl-C)' })
      .option('baud', { type: 'number', default: 115200 })
      .epilog(
        'AT lines are recorded when the firmware logs them as "AT> <command>" and "AT< <line>": in your app\'s modem factory set\n' +
          "  opts.log = function (dir, line) { console.log('AT' + dir + ' ' + line); };\n" +
          'before creating the driver (firmware/modem/common.ts ModemOptions.log).',
      ) as unknown as Argv<Args>,
  handler: async (a: Args) => {
    if (a.duration !== undefined && !(a.duration > 0)) throw new UserError('MONITOR_ARGS', `--duration ${a.duration}: must be a positive number of seconds`);
    const { monitorPort } = await import('../lib/provision/monitor.ts'); // loaded on use: every CLI start imports every command file
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const r = await monitorPort({
        port: a.port,
        baud: a.baud,
        record: a.record,
        durationMs: a.duration === undefined ? undefined : a.duration * 1000,
        signal: ac.signal,
        onText: (t) => process.stdout.write(Buffer.from(t, 'latin1')),
      });
      if (r.record) process.stderr.write(`\nrecorded ${r.atLines} AT lines to ${r.record}\n`);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
} satisfies CommandModule<object, Args>;
