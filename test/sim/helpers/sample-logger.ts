/**
 * The sample-logger bundle for long runs: built from firmware/apps/sample-logger with buildApp when the
 * build can bundle it; while the build cannot resolve Espruino's built-in `require('Storage')` (it is
 * not marked external yet), the hand-written equivalent in test/fixtures/bundles/sample-logger.js.
 * Any other build failure is an error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, BuildError } from '../../../tools/lib/build/index.ts';
import { BundleSourceMap } from '../../../sim/engine/sourcemap.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface SampleBundle {
  code: string;
  sourceMap?: BundleSourceMap;
  source: 'buildApp' | 'hand-written';
  note?: string;
}

export async function sampleLoggerBundle(board = 'devkitc-bc660k'): Promise<SampleBundle> {
  try {
    const r = await buildApp({ entry: join(root, 'firmware/apps/sample-logger'), board, write: false });
    return { code: r.code, sourceMap: new BundleSourceMap(r.map, r.mapPath), source: 'buildApp' };
  } catch (e) {
    if (e instanceof BuildError && e.diagnostics.some((d) => /Could not resolve "Storage"/.test(d.message))) {
      return {
        code: readFileSync(join(root, 'test/fixtures/bundles/sample-logger.js'), 'utf8'),
        source: 'hand-written',
        note: 'buildApp cannot bundle require("Storage") yet; using the hand-written equivalent',
      };
    }
    throw e;
  }
}
