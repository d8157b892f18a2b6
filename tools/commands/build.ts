/** `sensornode build <app-dir|entry.ts> --board <id> [--out dist/] [--no-minify]` */
import type { CommandModule } from 'yargs';
import { buildApp, formatSizeReport } from '../lib/build/index.ts';

interface Args {
  entry: string;
  board?: string;
  out: string;
  minify: boolean;
  json?: boolean;
}

export default {
  command: 'build <entry>',
  describe: 'Build TypeScript firmware into one Espruino-correct file (dist/<app>.js + source map)',
  builder: (y) =>
    y
      .positional('entry', { type: 'string', demandOption: true, describe: 'App directory (with main.ts) or entry .ts file' })
      .option('board', { type: 'string', describe: 'Board id or board file (default: "board" in <app>/app.json); see `sensornode boards`' })
      .option('out', { type: 'string', default: 'dist', describe: 'Output directory' })
      .option('minify', { type: 'boolean', default: true, describe: 'Minify the output (--no-minify to keep it readable)' })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
      .example('$0 build firmware/apps/soil-probe --board devkitc-bc660k', 'bundle the soil probe for the DevKitC + BC660K board'),
  handler: async (a) => {
    const r = await buildApp({ entry: a.entry, board: a.board, outDir: a.out, minify: a.minify });
    if (a.json) {
      console.log(JSON.stringify({ name: r.name, board: r.board?.id, bundle: r.bundlePath, map: r.mapPath, size: r.size }, null, 2));
    } else {
      console.log(`built ${r.name}${r.board ? ` for ${r.board.id}` : ''}`);
      console.log(formatSizeReport(r));
    }
  },
} satisfies CommandModule<object, Args>;
