/**
 * `sensornode replay <transcript> --model <model> [--strict] [--steps sync,init,attach] [--apn x]`:
 * replays a recorded session (JSON lines {"cmd","reply","delay"} or a plain AT log) against a firmware
 * driver; prints the exchange and each step's result, or the first divergence (strict). Exits non-zero
 * on a divergence or a failed step.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../lib/errors.ts';
import { formatReplay, replay } from '../lib/modem/replay.ts';

interface Args {
  transcript: string;
  model: string;
  strict?: boolean;
  steps: string;
  apn?: string;
  json?: boolean;
}

export default {
  command: 'replay <transcript>',
  describe: 'Replay a recorded modem session against a firmware driver (strict: stop at the first divergence)',
  builder: (y) =>
    y
      .positional('transcript', { type: 'string', demandOption: true, describe: 'JSON-lines transcript or plain AT log' })
      .option('model', { type: 'string', demandOption: true, describe: 'Driver: bc660k | sim7080g | ec200u | eg915u | ec800n | a7670 | a7672' })
      .option('strict', { type: 'boolean', describe: 'Stop at the first command that differs from the transcript' })
      .option('steps', { type: 'string', default: 'sync,init,attach', describe: 'Driver steps: sync, init, attach, signal, identity, time' })
      .option('apn', { type: 'string', describe: 'APN the driver configures' })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
      .example('$0 replay session.jsonl --model bc660k --strict', 'check a driver change against a recorded session'),
  handler: async (a) => {
    const r = await replay({ file: a.transcript, model: a.model, strict: !!a.strict, steps: a.steps.split(',').map((s) => s.trim()).filter(Boolean), apn: a.apn });
    if (a.json) console.log(JSON.stringify({ model: r.model, strict: r.strict, steps: r.steps, divergence: r.divergence, unknown: r.unknown, matched: r.matched, remaining: r.remaining }, null, 2));
    else console.log(formatReplay(r));
    if (r.divergence) throw new UserError('REPLAY_DIVERGED', `driver diverged from the transcript at ${r.divergence.source}: expected ${r.divergence.expected ?? '(end)'}, sent ${r.divergence.got}`);
    const failed = r.steps.find((s) => !s.ok);
    if (failed) throw new UserError('REPLAY_FAILED', `step ${failed.step} failed: ${failed.error!.code} — ${failed.error!.message}`);
  },
} satisfies CommandModule<object, Args>;
