/**
 * `sensornode modem <model> [--repl] [--network good|poor|flaky] [--seed n] [--speed x]`:
 * without --repl, prints the driver's capabilities; with --repl, a terminal on the simulated modem
 * (see tools/lib/modem/repl.ts for how virtual time is paced).
 */
import type { CommandModule } from 'yargs';
import { driverFor } from '../lib/modem/drivers.ts';
import { runRepl } from '../lib/modem/repl.ts';

interface Args {
  model: string;
  repl?: boolean;
  network: string;
  seed: number;
  speed: number;
}

export default {
  command: 'modem <model>',
  describe: 'Show a modem driver’s capabilities, or open an AT terminal on its simulator model (--repl)',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'bc660k | sim7080g | ec200u | eg915u | ec800n | a7670 | a7672' })
      .option('repl', { type: 'boolean', describe: 'Read AT commands from stdin and print the simulated modem’s replies' })
      .option('network', { type: 'string', default: 'good', describe: 'Network preset: good, poor, flaky' })
      .option('seed', { type: 'number', default: 1, describe: 'Random seed of the network and modem model' })
      .option('speed', { type: 'number', default: 1, describe: 'Virtual ms per wall ms (0 = as fast as possible)' })
      .example('$0 modem bc660k --repl', 'type AT commands to a simulated Quectel BC660K-GL')
      .example('printf "AT+CEREG=2\\nAT+CEREG?\\n" | $0 modem sim7080g --repl --speed 0', 'script a session'),
  handler: async (a) => {
    const d = driverFor(a.model);
    if (!a.repl) {
      const drv = d.create({ serial: { write() {}, on() {} }, timers: { setTimeout: () => 0, clearTimeout() {} } });
      console.log(`${d.name}: ${JSON.stringify(drv.caps)}`);
      console.log(`control lines on the reference board: ${JSON.stringify(d.pins)}`);
      return;
    }
    const r = await runRepl({ model: a.model, network: a.network, seed: a.seed, speed: a.speed, input: process.stdin, output: (t) => process.stdout.write(t) });
    process.stdout.write(`\n[${r.commands} commands, ${(r.virtualMs / 1000).toFixed(1)} s of virtual time]\n`);
  },
} satisfies CommandModule<object, Args>;
