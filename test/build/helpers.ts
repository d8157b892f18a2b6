/** Shared helpers for the build tests: write a fixture app, run code in Node with console captured. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import * as esbuild from 'esbuild';

export function writeApp(source: string, name = 'fixture'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sn-build-')), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.ts'), source);
  return dir;
}

/** Runs a script in a fresh V8 context; returns what it printed with console.log. */
export function runScript(code: string): string {
  const lines: string[] = [];
  const console = { log: (...a: unknown[]) => lines.push(a.map(String).join(' ')) };
  runInNewContext(code, { console, JSON, Math, Object, Array, String, Promise }, { timeout: 5000 });
  return lines.join('\n');
}

/** The original TypeScript, as Node runs it (types stripped only, no lowering). */
export async function runTsInNode(source: string): Promise<string> {
  const js = await esbuild.transform(source, { loader: 'ts', format: 'cjs', target: 'esnext' });
  return runScript(js.code);
}
