/**
 * The `sensornode` CLI: yargs with one command per file in tools/commands/ (design rule 7). Each file
 * default-exports a yargs CommandModule whose handler is a thin call into tools/lib. Only this entry
 * decides exit codes; errors are one clear line unless --debug.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { formatUserError, isUserError } from './lib/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));

async function loadCommands(): Promise<CommandModule[]> {
  const dir = join(here, 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const mods: CommandModule[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: CommandModule };
    if (mod.default) mods.push(mod.default);
  }
  return mods;
}

/** Runs the CLI on argv; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  let exitCode = 0;
  try {
    const commands = await loadCommands();
    let cli = yargs(argv)
      .scriptName('sensornode')
      .usage('$0 <command> [options]\n\nBuild, simulate, provision and ingest for ESP32 + Espruino cellular sensor nodes.')
      .option('debug', { type: 'boolean', describe: 'Show stack traces of internal errors', global: true })
      .strict()
      .demandCommand(1, 'Name a command (see --help).')
      .recommendCommands()
      .help()
      .alias('h', 'help')
      .version()
      .wrap(Math.min(110, process.stdout.columns || 100))
      .exitProcess(false)
      .fail((msg, err) => {
        if (err) throw err;
        throw new CliUsageError(msg);
      });
    for (const c of commands) cli = cli.command(c);
    await cli.parseAsync();
  } catch (e) {
    exitCode = reportError(e, debug);
  }
  return exitCode || (process.exitCode as number | undefined) || 0;
}

class CliUsageError extends Error {}

function reportError(e: unknown, debug: boolean): number {
  if (e instanceof CliUsageError) {
    console.error(`error: ${e.message}\n  (run with --help for usage)`);
    return 2;
  }
  if (isUserError(e)) {
    console.error(formatUserError(e));
    if (debug && e.stack) console.error(e.stack);
    return e.exitCode;
  }
  const err = e as Error;
  console.error(`internal error: ${err?.message ?? String(e)}`);
  if (debug) console.error(err?.stack ?? '');
  else console.error('  (this is a bug in sensornode; run again with --debug for details)');
  return 70;
}
