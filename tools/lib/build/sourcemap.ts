/**
 * Source-map plumbing for the build: composing the stage maps (esbuild bundle → Babel lowering →
 * minify → hoist) into one map from the output to the TypeScript sources, and resolving a bundle
 * position to `file:line:col` for error messages.
 */
import remapping from '@jridgewell/remapping';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { relative, resolve, dirname } from 'node:path';

export type RawMap = { version: number; sources: (string | null)[]; mappings: string; names: string[]; sourcesContent?: (string | null)[]; file?: string; sourceRoot?: string };

/** Composes maps given last stage first: [out→mid, mid→src] → out→src. */
export function chainMaps(maps: RawMap[]): RawMap {
  // remapping's types are its own EncodedSourceMap; our RawMap is the same JSON shape.
  return remapping(maps as never, () => null) as unknown as RawMap;
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * Maps a 1-based line / 0-based column of generated code to the original position. `mapDir` is the
 * directory the map's relative `sources` are relative to; returned paths are relative to `cwd`.
 * Returns 1-based line and 1-based column (editors' convention for file:line:col).
 */
export function originalPosition(map: RawMap, line: number, column: number, mapDir: string, cwd = process.cwd()): SourcePosition | undefined {
  const tm = new TraceMap(map as never);
  const p = originalPositionFor(tm, { line, column });
  if (!p.source || p.line == null) return undefined;
  const abs = resolve(mapDir, map.sourceRoot ?? '', p.source);
  return { file: relative(cwd, abs) || abs, line: p.line, column: (p.column ?? 0) + 1 };
}

export function formatPosition(p: SourcePosition | undefined, fallback: string): string {
  return p ? `${p.file}:${p.line}:${p.column}` : fallback;
}

/** Rewrites a map's sources to be relative to the directory the map file will live in. */
export function relocateSources(map: RawMap, fromDir: string, toDir: string): RawMap {
  return {
    ...map,
    sourceRoot: undefined,
    sources: map.sources.map((s) => (s == null ? s : relative(toDir, resolve(fromDir, map.sourceRoot ?? '', s)))),
  };
}

export { dirname };
