/**
 * `sensornode flash <bundle.js> --port <dev> [--baud 115200] [--no-load] [--force]`
 * Stops the running app (reset()), writes the bundle to Storage `.bootcde` with a progress bar, proves
 * it by comparing the SHA-256 computed on the board (require("crypto").SHA256(require("Storage")
 * .read(".bootcde"))) with the local one, then restarts with load(). An identical bundle is not sent
 * again (unless --force). Thin handler over tools/lib/provision/firmware.ts.
 */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { SingleBar, Presets } from 'cli-progress';
import { UserError } from '../lib/errors.ts';

interface Args {
  bundle: string;
  port: string;
  baud: number;
  load: boolean;
  force?: boolean;
  json?: boolean;
}

export default {
  command: 'flash <bundle>',
  describe: 'Write a built bundle to a board (.bootcde, SHA-256 verified) and restart it',
  builder: (y: Argv) =>
    y
      .positional('bundle', { type: 'string', demandOption: true, describe: 'built bundle (sensornode build)' })
      .option('port', { type: 'string', demandOption: true, describe: 'serial device of the board (or a sim-serve pty)' })
      .option('baud', { type: 'number', default: 115200 })
      .option('load', { type: 'boolean', default: true, describe: 'restart the board with load() afterwards (--no-load: do not)' })
      .option('force', { type: 'boolean', describe: 'send even when the board already has these bytes' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' }) as unknown as Argv<Args>,
  handler: async (a: Args) => {
    let code: Buffer;
    try {
      code = readFileSync(a.bundle);
    } catch (e) {
      throw new UserError('FIRMWARE_READ', `${a.bundle}: cannot read the bundle (${(e as Error).message})`, { hint: 'build it first: sensornode build <app>' });
    }
    const { connect } = await import('../lib/espruino-tools.ts'); // loaded on use: every CLI start imports every command file
    const { writeVerified } = await import('../lib/provision/firmware.ts');
    const conn = await connect(a.port, { baud: a.baud });
    let bar: SingleBar | undefined;
    try {
      await conn.resetBoard({ settleMs: 150 });
      const r = await writeVerified(conn, '.bootcde', code, {
        force: a.force,
        onProgress:
          process.stderr.isTTY && !a.json
            ? (p) => {
                if (!bar) {
                  bar = new SingleBar({ format: 'flash [{bar}] {percentage}% {value}/{total} B', stream: process.stderr }, Presets.shades_classic);
                  bar.start(p.total, 0);
                }
                bar.update(p.sent);
              }
            : undefined,
      });
      bar?.stop();
      // what the app prints in its first moments (an app that never stops printing ends it after 1 s)
      const out = a.load ? await conn.load({ settleMs: 300, timeoutMs: 1000 }) : '';
      if (a.json) console.log(JSON.stringify({ port: a.port, ...r, loaded: a.load }, null, 2));
      else {
        console.log(`${a.port}: .bootcde ${r.uploaded ? 'written' : 'already up to date'} (${r.bytes} B, SHA-256 ${r.sha256} verified on the board)${a.load ? '; restarted with load()' : ''}`);
        if (out.trim()) process.stdout.write(out.replace(/\r\n/g, '\n'));
      }
    } finally {
      bar?.stop();
      await conn.close();
    }
  },
} satisfies CommandModule<object, Args>;
