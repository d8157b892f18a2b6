/**
 * Source-map composition for the build: the stage maps (esbuild bundle → Babel lowering → minify →
 * hoist) chained into one map from the output to the TypeScript sources. Resolving a position through
 * it is sim/engine/sourcemap.ts (BundleSourceMap), shared with the simulator's error reports.
 */
import remapping from '@jridgewell/remapping';

export type RawMap = { version: number; sources: (string | null)[]; mappings: string; names: string[]; sourcesContent?: (string | null)[]; file?: string; sourceRoot?: string };

/** Composes maps given last stage first: [out→mid, mid→src] → out→src. */
export function chainMaps(maps: RawMap[]): RawMap {
  // remapping's types are its own EncodedSourceMap; our RawMap is the same JSON shape.
  return remapping(maps as never, () => null) as unknown as RawMap;
}
