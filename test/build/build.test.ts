/**
 * The build's promises to a user: a sample app using default params, destructuring, spread, classes with
 * fields, closures in loops and a helper called before its declaration builds into a bundle with none of
 * the unsupported syntax, computing what Node computes, with a size report; `new Map()` fails naming the
 * file and line; bundled dependencies get the same checks; positions in the bundle map back to the TS.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { buildApp, BuildError } from '../../tools/lib/build/index.ts';
import { validateSubset } from '../../tools/lib/build/subset.ts';
import { runScript } from './helpers.ts';

const root = resolve(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/build');
const out = () => mkdtempSync(join(tmpdir(), 'sn-dist-'));

async function nodeResult(entry: string): Promise<string> {
  const r = await esbuild.build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', target: 'esnext' });
  return runScript(r.outputFiles[0].text);
}

describe('sensornode build', () => {
  it('sample app: no unsupported syntax left, same results as Node, size report', async () => {
    const dir = out();
    const r = await buildApp({ entry: join(fixtures, 'sample-app'), outDir: dir, cwd: root });
    expect(r.name).toBe('sample-app');
    expect(existsSync(join(dir, 'sample-app.js'))).toBe(true);
    expect(existsSync(join(dir, 'sample-app.js.map'))).toBe(true);
    const check = validateSubset(r.code);
    expect(check.violations).toEqual([]);
    expect(check.findings).toEqual([]);
    const expected = await nodeResult(join(fixtures, 'sample-app/main.ts'));
    expect(JSON.parse(expected)).toMatchObject({ kept: ['hum', 'soil'], dropped: 1, order: ['0:temp', '1:hum', '2:soil'] });
    expect(runScript(r.code)).toBe(expected);
    expect(r.size.rawBytes).toBe(Buffer.byteLength(readFileSync(join(dir, 'sample-app.js'))));
    expect(r.size.gzipBytes).toBeGreaterThan(0);
    expect(r.size.gzipBytes).toBeLessThan(r.size.rawBytes);
    expect(r.size.modules.map((m) => m.path).sort()).toEqual(['test/fixtures/build/sample-app/main.ts', 'test/fixtures/build/sample-app/ring.ts']);
  });

  it('--no-minify output is readable and equally correct', async () => {
    const r = await buildApp({ entry: join(fixtures, 'sample-app'), outDir: out(), minify: false, cwd: root });
    expect(r.code.split('\n').length).toBeGreaterThan(30);
    expect(runScript(r.code)).toBe(await nodeResult(join(fixtures, 'sample-app/main.ts')));
  });

  it('new Map() / new Set() fail the build naming file and line', async () => {
    const err = (await buildApp({ entry: join(fixtures, 'map-app'), outDir: out(), cwd: root }).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    const wheres = err.diagnostics.map((d) => `${d.rule} ${d.where}`);
    expect(wheres).toContain('missing-global test/fixtures/build/map-app/main.ts:2:18');
    expect(wheres).toContain('missing-global test/fixtures/build/map-app/main.ts:3:20');
    expect(err.message).toContain('Map is not available in Espruino 2v29');
    expect(err.message).toContain('fix: use a plain object');
  });

  it('checks bundled dependency code too', async () => {
    const err = (await buildApp({ entry: join(fixtures, 'dep-app'), outDir: out(), cwd: root }).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(err.diagnostics.map((d) => `${d.rule} ${d.where}`)).toEqual(['missing-static test/fixtures/build/dep-app/node_modules/tinyqueue/index.js:3:10']);
  });

  it('source map points bundle positions at the TypeScript source', async () => {
    const dir = out();
    const r = await buildApp({ entry: join(fixtures, 'sample-app'), outDir: dir, cwd: root });
    const map = new TraceMap(readFileSync(r.mapPath, 'utf8'));
    const lines = r.code.split('\n');
    const line = lines.findIndex((l) => l.includes('"default"'));
    const column = lines[line].indexOf('"default"');
    const pos = originalPositionFor(map, { line: line + 1, column });
    expect(pos.source).toMatch(/sample-app\/main\.ts$/);
    expect(pos.line).toBe(23);
  });

  it('a Node module import fails with a hint, not a stack trace', async () => {
    const { writeApp } = await import('./helpers.ts');
    const dir = writeApp(`import { join } from 'path';\nconsole.log(join('a', 'b'));\n`);
    const err = (await buildApp({ entry: dir, outDir: join(dir, 'dist'), cwd: dir }).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(err.diagnostics[0].where).toBe('main.ts:1:22');
    expect(err.diagnostics[0].hint).toMatch(/Node\.js modules are not available/);
  });
});

describe('sensornode build (CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/sensornode.js'), ...args], { cwd: root, encoding: 'utf8' });

  it('prints the size report and writes dist files', () => {
    const dir = out();
    const r = cli('build', 'test/fixtures/build/sample-app', '--out', dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sample-app\.js\s+[\d.]+ (KB|B) \(\d+ B\), gzip/);
    expect(r.stdout).toContain('test/fixtures/build/sample-app/ring.ts');
    expect(existsSync(join(dir, 'sample-app.js'))).toBe(true);
  });

  it('a rejected construct exits 1 with file:line and no stack trace', () => {
    const r = cli('build', 'test/fixtures/build/map-app', '--out', out());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('test/fixtures/build/map-app/main.ts:3:20: Map is not available in Espruino 2v29 [missing-global]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing entry is one clear line', () => {
    const r = cli('build', 'no/such/app');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')[0]).toBe('error: no/such/app: no such file or directory');
  });
});

describe('Espruino built-in modules', () => {
  it('require("Storage") and import from "crypto" stay calls to Espruino\'s own require, without shims', async () => {
    const { writeApp } = await import('./helpers.ts');
    const dir = writeApp(`import * as c from 'crypto';\nconst s = require('Storage');\nconsole.log(typeof s.read, typeof c.SHA256);\n`);
    const r = await buildApp({ entry: dir, outDir: join(dir, 'dist'), cwd: dir });
    expect(r.code).toContain('require("Storage")');
    expect(r.code).toContain('require("crypto")');
    expect(r.code).not.toMatch(/__require|Proxy/);
    const mods: Record<string, unknown> = { Storage: { read: () => 1 }, crypto: { SHA256: () => 1 } };
    const { runInNewContext } = await import('node:vm');
    const out: string[] = [];
    runInNewContext(r.code, { require: (n: string) => mods[n], console: { log: (...a: unknown[]) => out.push(a.join(' ')) }, Object });
    expect(out).toEqual(['function function']);
  });
});

describe('app.json', () => {
  it('gives the default board; a malformed file is one clear error naming it', async () => {
    const { writeApp } = await import('./helpers.ts');
    const { writeFileSync } = await import('node:fs');
    const dir = writeApp(`import board from 'sensornode:board';\nconsole.log(board.id);\n`);
    writeFileSync(join(dir, 'app.json'), '{ "board": "devkitc-bc660k" }');
    const r = await buildApp({ entry: dir, outDir: join(dir, 'dist'), cwd: dir });
    expect(r.board?.id).toBe('devkitc-bc660k');
    expect(runScript(r.code)).toBe('devkitc-bc660k');
    writeFileSync(join(dir, 'app.json'), '{ "board": 7 }');
    await expect(buildApp({ entry: dir, outDir: join(dir, 'dist'), cwd: dir })).rejects.toThrow(/app\.json: "board" must be a board id/);
    writeFileSync(join(dir, 'app.json'), '{ board: ');
    await expect(buildApp({ entry: dir, outDir: join(dir, 'dist'), cwd: dir })).rejects.toThrow(/app\.json: not valid JSON/);
  });
});
