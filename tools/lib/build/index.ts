/**
 * `sensornode build`: TypeScript firmware → one Espruino-correct JavaScript file + source map.
 *
 * Pipeline (each stage's source map is chained, so every position maps back to the TS source):
 *   1. esbuild bundles the app and its dependencies into an IIFE, strips types and lowers what it can
 *      lower cleanly for Espruino (`**`, `?.`, `??`, logical assignment, static blocks). It refuses to
 *      lower default/rest parameters, destructuring and array spread. Class fields stay for stage 3:
 *      esbuild would lower `#private` members to WeakMap code, hiding them from the reject rules.
 *   2. check.ts applies the reject rules to the whole bundle (user code and dependencies); findings are
 *      mapped to file:line:col of the TypeScript source with a fix hint.
 *   3. lower.ts (Babel's ES2015 plugins with array/assign assumptions) lowers the rest.
 *   4. esbuild minifies, told which syntax Espruino lacks so it never introduces it.
 *   5. hoist.ts makes function and var hoisting explicit (Espruino does not hoist).
 *   6. subset.ts validates the result; anything left is an internal error, never shipped.
 */
import * as esbuild from 'esbuild';
import babel from '@babel/core';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';
import { readAppJson } from '../app-json.ts';
import { checkAst, parseScript, type Finding } from './check.ts';
import { hoistPlugin } from './hoist.ts';
import { ESPRUINO_REQUIRE, LOWER_ASSUMPTIONS, lowerPlugins } from './lower.ts';
import { ruleById } from './rules.ts';
import { chainMaps, type RawMap } from './sourcemap.ts';
import { BundleSourceMap, formatPosition } from '../../../sim/engine/sourcemap.ts';
import { validateSubset } from './subset.ts';
import type { Board } from '../../../boards/schema.ts';

/**
 * Modules built into Espruino's firmware (`require("Storage")` etc.): not bundled. The plugin below turns
 * each into a tiny CommonJS module calling ESPRUINO_REQUIRE, which lower.ts renames to Espruino's own
 * `require` — esbuild's external-require shim would need Proxy, which Espruino lacks.
 */
export const ESPRUINO_MODULES = ['Storage', 'crypto', 'heatshrink', 'Flash', 'Wifi', 'net', 'dgram', 'http', 'tls', 'fs', 'neopixel', 'Telnet'];

/** Syntax esbuild must lower (stage 1) and must never introduce when minifying (stage 4). */
const ESPRUINO_UNSUPPORTED: Record<string, boolean> = {
  'class-static-blocks': false,
  'exponent-operator': false,
  'optional-chain': false,
  'nullish-coalescing': false,
  'logical-assignment': false,
  'optional-catch-binding': true,
};

export interface BuildOptions {
  /** App directory (containing main.ts or index.ts) or a .ts/.js entry file. */
  entry: string;
  /** Board id or path (see `sensornode boards`), or a resolved Board. Defaults to `board` in <app>/app.json. */
  board?: string | Board;
  /** Output directory (default dist/ under the current directory). */
  outDir?: string;
  /** Minify (default true). */
  minify?: boolean;
  /** Write dist files (default true). */
  write?: boolean;
  /** Base for relative paths in messages (default process.cwd()). */
  cwd?: string;
}

export interface ModuleSize {
  path: string;
  bytes: number;
}

export interface SizeReport {
  rawBytes: number;
  gzipBytes: number;
  /** Bytes each input contributes to the bundle before lowering/minification (esbuild metafile). */
  modules: ModuleSize[];
}

export interface BuildDiagnostic {
  rule: string;
  message: string;
  hint?: string;
  /** file:line:col in the TypeScript source (or bundle position if unmapped). */
  where: string;
}

export interface BuildResult {
  name: string;
  entry: string;
  board?: Board;
  bundlePath: string;
  mapPath: string;
  code: string;
  map: string;
  size: SizeReport;
}

/** A build that failed on the user's code: every finding, each with its position and hint. */
export class BuildError extends UserError {
  readonly diagnostics: BuildDiagnostic[];
  constructor(diagnostics: BuildDiagnostic[], summary: string) {
    const lines = diagnostics.map((d) => `${d.where}: ${d.message} [${d.rule}]${d.hint ? `\n    fix: ${d.hint}` : ''}`);
    super('BUILD_REJECTED', `${summary}\n${lines.join('\n')}`);
    this.diagnostics = diagnostics;
  }
}

interface ResolvedEntry {
  entryFile: string;
  name: string;
  appDir: string;
  boardFromApp?: string;
}

export function resolveEntry(entry: string, cwd = process.cwd()): ResolvedEntry {
  const abs = resolve(cwd, entry);
  if (!existsSync(abs)) throw new UserError('BUILD_NO_ENTRY', `${entry}: no such file or directory`, { hint: 'give an app directory (with main.ts) or a .ts entry file' });
  let entryFile = abs;
  let appDir = dirname(abs);
  if (statSync(abs).isDirectory()) {
    appDir = abs;
    const cand = ['main.ts', 'index.ts', 'main.js', 'index.js'].map((f) => join(abs, f)).find((f) => existsSync(f));
    if (!cand) throw new UserError('BUILD_NO_ENTRY', `${entry}: no main.ts or index.ts in this app directory`);
    entryFile = cand;
  }
  const base = basename(entryFile, extname(entryFile));
  const name = base === 'main' || base === 'index' ? basename(appDir) : base;
  return { entryFile, name, appDir, boardFromApp: readAppJson(appDir)?.board };
}

async function resolveBoard(board: string | Board | undefined, fromApp: string | undefined): Promise<Board | undefined> {
  if (board && typeof board === 'object') return board;
  const id = board ?? fromApp;
  if (!id) return undefined;
  const { loadBoard } = await import('../boards.ts');
  return loadBoard(id);
}

/** The board as firmware sees it through `import board from 'sensornode:board'`. */
function boardModule(board: Board | undefined): string {
  if (!board) return 'export default undefined;';
  const view = { id: board.id, name: board.name, mcu: { chip: board.mcu.chip, maxDeepSleepUs: board.mcu.maxDeepSleepUs }, console: board.console, modem: board.modem, i2c: board.i2c, adc: board.adc, gpio: board.gpio };
  return `export default ${JSON.stringify(view)};`;
}

function esbuildErrorToDiagnostics(e: unknown, cwd: string): BuildDiagnostic[] {
  const errors = (e as { errors?: esbuild.Message[] }).errors;
  if (!errors) throw e;
  return errors.map((m) => {
    const loc = m.location;
    const where = loc ? `${relative(cwd, resolve(cwd, loc.file))}:${loc.line}:${loc.column + 1}` : '(bundle)';
    let hint: string | undefined;
    if (/Could not resolve "(node:)?(fs|path|os|net|dgram|crypto|child_process|http|https|util|events|stream|buffer)"/.test(m.text)) hint = 'firmware runs on Espruino: Node.js modules are not available (use the Espruino API, see firmware/types)';
    else if (/not supported yet|is not available in the configured target/.test(m.text)) hint = 'this construct cannot be lowered for Espruino';
    return { rule: 'esbuild', message: m.text, hint, where };
  });
}

export async function buildApp(opts: BuildOptions): Promise<BuildResult> {
  const cwd = opts.cwd ?? process.cwd();
  const entry = resolveEntry(opts.entry, cwd);
  const board = await resolveBoard(opts.board, entry.boardFromApp);
  const outDir = resolve(cwd, opts.outDir ?? 'dist');
  const minify = opts.minify ?? true;
  const outfile = join(outDir, `${entry.name}.js`);

  // ---- 1. bundle
  let bundled: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[]; metafile: esbuild.Metafile };
  try {
    bundled = await esbuild.build({
      entryPoints: [entry.entryFile],
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      supported: ESPRUINO_UNSUPPORTED,
      outfile,
      sourcemap: 'external',
      sourcesContent: true,
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
      plugins: [
        {
          name: 'sensornode-board',
          setup(b) {
            b.onResolve({ filter: /^sensornode:board$/ }, () => ({ path: 'board', namespace: 'sensornode' }));
            b.onLoad({ filter: /.*/, namespace: 'sensornode' }, () => ({ contents: boardModule(board), loader: 'js' }));
          },
        },
        {
          name: 'espruino-builtin-modules',
          setup(b) {
            const filter = new RegExp(`^(${ESPRUINO_MODULES.join('|')})$`);
            b.onResolve({ filter }, (a) => ({ path: a.path, namespace: 'espruino' }));
            b.onLoad({ filter: /.*/, namespace: 'espruino' }, (a) => ({ contents: `module.exports = ${ESPRUINO_REQUIRE}(${JSON.stringify(a.path)});`, loader: 'js' }));
          },
        },
      ],
    });
  } catch (e) {
    const diags = esbuildErrorToDiagnostics(e, cwd);
    throw new BuildError(diags, `build of ${relative(cwd, entry.entryFile)} failed:`);
  }
  const js1 = bundled.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map1 = JSON.parse(bundled.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as RawMap;

  // ---- 2. reject rules on the whole bundle
  const ast = parseScript(js1, outfile);
  const findings = checkAst(ast);
  if (findings.length) {
    const diags = findings.map((f) => toDiagnostic(f, map1, outfile, cwd));
    throw new BuildError(diags, `${relative(cwd, entry.entryFile)}: ${findings.length} construct(s) Espruino 2v29 cannot run:`);
  }

  // ---- 3. lowering
  const lowered = babel.transformFromAstSync(ast, js1, {
    filename: outfile,
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    assumptions: LOWER_ASSUMPTIONS,
    plugins: lowerPlugins(),
    inputSourceMap: map1 as never,
    sourceMaps: true,
    compact: false,
  });
  if (!lowered?.code || !lowered.map) throw new Error('lowering produced no output');
  let code = lowered.code;
  let map = lowered.map as unknown as RawMap;

  // ---- 4. minify
  if (minify) {
    const m = await esbuild.transform(code, { minify: true, target: 'es2022', supported: ESPRUINO_UNSUPPORTED, sourcemap: 'external', sourcefile: outfile, legalComments: 'none' });
    map = chainMaps([JSON.parse(m.map) as RawMap, map]);
    code = m.code;
  }

  // ---- 5. hoisting
  const hoisted = babel.transformSync(code, {
    filename: outfile,
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [hoistPlugin],
    inputSourceMap: map as never,
    sourceMaps: true,
    compact: minify,
    minified: minify,
    comments: !minify,
  });
  if (!hoisted?.code || !hoisted.map) throw new Error('hoisting produced no output');
  code = hoisted.code + '\n';
  const finalMap = hoisted.map as unknown as RawMap;
  finalMap.file = basename(outfile);

  // ---- 6. validate
  const check = validateSubset(code, outfile);
  if (check.violations.length || check.findings.length) {
    const diags: BuildDiagnostic[] = [
      ...check.violations.map((x) => ({ rule: 'subset', message: `internal: the output still contains ${x.what}`, where: where(finalMap, x.line, x.column, outfile, cwd) })),
      ...check.findings.map((f) => toDiagnostic(f, finalMap, outfile, cwd)),
    ];
    throw new BuildError(diags, `internal error: the Espruino compat pass left unsupported code (please report this with the source):`);
  }

  const size = sizeReport(code, bundled.metafile, cwd);
  const mapJson = JSON.stringify(finalMap);
  const mapPath = `${outfile}.map`;
  if (opts.write !== false) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(outfile, code);
    writeFileSync(mapPath, mapJson);
  }
  return { name: entry.name, entry: entry.entryFile, board, bundlePath: outfile, mapPath, code, map: mapJson, size };
}

/** file:line:col in the TypeScript source of a (1-based line, 0-based column) bundle position. */
function where(map: RawMap, line: number, column: number, outfile: string, cwd: string): string {
  const pos = new BundleSourceMap(map, `${outfile}.map`, cwd).resolve(line, column + 1);
  return pos ? formatPosition(pos) : `bundle:${line}:${column + 1}`;
}

function toDiagnostic(f: Finding, map: RawMap, outfile: string, cwd: string): BuildDiagnostic {
  return { rule: f.rule, message: f.message, hint: f.hint || ruleById(f.rule).hint, where: where(map, f.line, f.column, outfile, cwd) };
}

function sizeReport(code: string, meta: esbuild.Metafile, cwd: string): SizeReport {
  const out = Object.entries(meta.outputs).find(([p]) => p.endsWith('.js'));
  const modules: ModuleSize[] = out
    ? Object.entries(out[1].inputs)
        .map(([p, v]) => ({ path: p.startsWith('sensornode:') ? p : relative(cwd, resolve(p)), bytes: v.bytesInOutput }))
        .filter((m) => m.bytes > 0)
        .sort((a, b) => b.bytes - a.bytes)
    : [];
  return { rawBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length, modules };
}

export function formatSizeReport(r: BuildResult, cwd = process.cwd(), top = 8): string {
  const kb = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);
  const lines = [
    `${relative(cwd, r.bundlePath)}  ${kb(r.size.rawBytes)} (${r.size.rawBytes} B), gzip ${kb(r.size.gzipBytes)} (${r.size.gzipBytes} B)`,
    `${relative(cwd, r.mapPath)}`,
    `biggest modules (bytes in bundle before minification):`,
    ...r.size.modules.slice(0, top).map((m) => `  ${String(m.bytes).padStart(7)}  ${m.path}`),
  ];
  if (r.size.modules.length > top) lines.push(`  … ${r.size.modules.length - top} more`);
  return lines.join('\n');
}
