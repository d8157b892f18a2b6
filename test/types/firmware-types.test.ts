/**
 * The firmware type library (firmware/types/) against fixtures in test/fixtures/types/: code using
 * what Espruino 2v29 lacks fails to type-check at the line that uses it; code using the Espruino ESP32
 * API correctly compiles clean. Compiled with the settings of firmware/tsconfig.json.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'types');

/** Compiler options and declaration files exactly as firmware/tsconfig.json sets them. */
function firmwareConfig(): { options: ts.CompilerOptions; libFiles: string[] } {
  const cfgPath = join(root, 'firmware', 'tsconfig.json');
  const read = ts.readConfigFile(cfgPath, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(cfgPath), undefined, cfgPath);
  const libFiles = parsed.fileNames.filter((f) => f.includes(`${join('firmware', 'types')}`) && f.endsWith('.d.ts'));
  return { options: parsed.options, libFiles };
}

interface Diag {
  file: string;
  line: number;
  text: string;
}

let diags: Diag[] = [];
let cfg: ReturnType<typeof firmwareConfig>;

beforeAll(() => {
  cfg = firmwareConfig();
  const roots = [...cfg.libFiles, ...readdirSync(fixtures).filter((f) => f.endsWith('.ts')).map((f) => join(fixtures, f))];
  const program = ts.createProgram(roots, cfg.options);
  diags = ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.formatDiagnostic(d, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    });
    if (!d.file || d.start === undefined) return { file: '', line: 0, text };
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: relative(root, d.file.fileName).split('\\').join('/'), line: line + 1, text };
  });
});

/** Line (1-based) of the `// error-here` marker in a fixture. */
function markedLine(name: string): number {
  const lines = readFileSync(join(fixtures, name), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('// error-here'));
  if (i < 0) throw new Error(`${name} has no // error-here marker`);
  return i + 1;
}

describe('firmware tsconfig', () => {
  it('checks without TypeScript’s lib, strict, ES5 target, with the Espruino declaration files and the board module', () => {
    expect(cfg.options.noLib).toBe(true);
    expect(cfg.options.strict).toBe(true);
    expect(cfg.options.types).toEqual([]);
    expect(cfg.options.target).toBe(ts.ScriptTarget.ES5);
    expect(cfg.libFiles.map((f) => f.split(/[\\/]/).pop()).sort()).toEqual(['espruino-esp32.d.ts', 'espruino-lib.d.ts', 'sensornode-board.d.ts']);
  });

  it('the declaration files themselves have no errors', () => {
    expect(diags.filter((d) => d.file.startsWith('firmware/types/'))).toEqual([]);
  });
});

describe('what Espruino lacks is a type error at the line that uses it', () => {
  const cases: [string, RegExp][] = [
    ['map.ts', /Cannot find name 'Map'/],
    ['array-from.ts', /Property 'from' does not exist on type 'ArrayConstructor'/],
    ['math-imul.ts', /Property 'imul' does not exist on type 'Math'/],
    ['object-freeze.ts', /Property 'freeze' does not exist on type 'ObjectConstructor'/],
    ['array-flat.ts', /Property 'flat' does not exist on type 'number\[\]\[\]'/],
    ['symbol.ts', /Cannot find name 'Symbol'/],
    ['promise-finally.ts', /Property 'finally' does not exist on type 'Promise<number>'/],
    ['number-isinteger.ts', /Property 'isInteger' does not exist on type 'NumberConstructor'/],
    ['date-utc.ts', /Property 'UTC' does not exist on type 'DateConstructor'/],
    ['storage-typo.ts', /Property 'writeJson' does not exist on type 'StorageModule'/],
    ['event-typo.ts', /Argument of type '"boot"' is not assignable/],
  ];
  for (const [name, message] of cases) {
    it(`${name} fails at its marked line`, () => {
      const file = `test/fixtures/types/${name}`;
      const line = markedLine(name);
      const mine = diags.filter((d) => d.file === file);
      expect(mine.length, `expected a diagnostic in ${file}`).toBeGreaterThan(0);
      expect(mine.map((d) => d.line)).toEqual(mine.map(() => line));
      // The formatted diagnostic names the fixture file and line, as tsc prints it.
      expect(mine[0]!.text).toContain(`${file}(${line},`);
      expect(mine.map((d) => d.text).join('\n')).toMatch(message);
    });
  }
});

describe('the Espruino ESP32 API', () => {
  it('a firmware fragment using Serial2, I2C1, setWatch, Storage, crypto, ESP32.deepSleep and E.on compiles clean', () => {
    expect(diags.filter((d) => d.file === 'test/fixtures/types/device-ok.ts').map((d) => d.text)).toEqual([]);
  });
});
