/** The sample-logger app built with buildApp for the board (bundle + source map), for long runs. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../../tools/lib/build/index.ts';
import { BundleSourceMap } from '../../../sim/engine/sourcemap.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface SampleBundle {
  code: string;
  sourceMap: BundleSourceMap;
}

export async function sampleLoggerBundle(board = 'devkitc-bc660k'): Promise<SampleBundle> {
  const r = await buildApp({ entry: join(root, 'firmware/apps/sample-logger'), board, write: false });
  return { code: r.code, sourceMap: new BundleSourceMap(r.map, r.mapPath) };
}
