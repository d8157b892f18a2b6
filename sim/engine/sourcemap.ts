/**
 * Maps a position in the bundle (what QuickJS reports, 1-based line and column) back to the firmware's
 * TypeScript source through the bundle's source map (Source Map v3, resolved with
 * @jridgewell/trace-mapping). Paths are reported relative to the working directory, e.g.
 * `firmware/apps/x/main.ts:12:7`, so an editor or terminal can jump to them.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { TraceMap, originalPositionFor, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND } from '@jridgewell/trace-mapping';

export interface SourcePosition {
  file: string;
  line: number;
  /** 1-based column. */
  column: number;
}

export function formatPosition(p: SourcePosition): string {
  return `${p.file}:${p.line}:${p.column}`;
}

export class BundleSourceMap {
  private readonly map: TraceMap;

  /**
   * map: the JSON text or object; mapPath: where it lives (sources are relative to it); cwd: what
   * reported paths are relative to (default the process's working directory).
   */
  constructor(
    map: string | object,
    private readonly mapPath?: string,
    private readonly cwd: string = process.cwd(),
  ) {
    this.map = new TraceMap((typeof map === 'string' ? JSON.parse(map) : map) as never);
  }

  /** line and column as QuickJS reports them (both 1-based). */
  resolve(line: number, column: number): SourcePosition | undefined {
    let o = originalPositionFor(this.map, { line, column: Math.max(0, column - 1), bias: GREATEST_LOWER_BOUND });
    if (o.source === null || o.line === null) o = originalPositionFor(this.map, { line, column: Math.max(0, column - 1), bias: LEAST_UPPER_BOUND });
    if (o.source === null || o.line === null || o.column === null) return undefined;
    let file = o.source;
    if (file.startsWith('file://')) file = new URL(file).pathname;
    if (this.mapPath && !isAbsolute(file)) file = resolve(dirname(this.mapPath), file);
    if (isAbsolute(file)) {
      const rel = relative(this.cwd, file);
      file = rel.startsWith('..') ? file : rel;
    }
    return { file: file.split('\\').join('/'), line: o.line, column: o.column + 1 };
  }

  /** Finds the map of a bundle: `<bundle>.map`, or the file named by its sourceMappingURL comment. */
  static forBundle(bundlePath: string, code: string): BundleSourceMap | undefined {
    const m = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(code);
    const candidates: string[] = [];
    if (m && m[1].startsWith('data:')) {
      const comma = m[1].indexOf(',');
      const b64 = m[1].slice(comma + 1);
      return new BundleSourceMap(Buffer.from(b64, 'base64').toString('utf8'), bundlePath);
    }
    if (m) candidates.push(resolve(dirname(bundlePath), m[1]));
    candidates.push(bundlePath + '.map');
    for (const c of candidates) if (existsSync(c)) return new BundleSourceMap(readFileSync(c, 'utf8'), c);
    return undefined;
  }
}

export interface StackFrame {
  fn: string;
  file: string;
  line: number;
  column: number;
}

/** Parses QuickJS stack text ("    at f (bundle.js:1:30)"). */
export function parseStack(stack: string | undefined): StackFrame[] {
  const out: StackFrame[] = [];
  if (!stack) return out;
  for (const l of stack.split('\n')) {
    const m = /^\s*at (.*?) \((.*):(\d+):(\d+)\)\s*$/.exec(l) ?? /^\s*at (.*?):(\d+):(\d+)\s*$/.exec(l);
    if (!m) continue;
    if (m.length === 5) out.push({ fn: m[1], file: m[2], line: Number(m[3]), column: Number(m[4]) });
    else out.push({ fn: '<anonymous>', file: m[1], line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}
