/**
 * Board loader (design: boards are typed declarative data, layered base → board → add-on). Loads a
 * board by id from boards/ or from a user's own file, resolves its `extends` chain (deep merge, arrays
 * replace), and validates the result into a `Board`. Every problem names the board file and the field
 * path, e.g. `boards/foo.ts: modem.uart.baud must be a positive integer, got "x"`.
 *
 * Pin rules (which ESP32 pins exist, ADC1, setWatch, input-only, flash) are data in boards/chips/pins.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Board, BoardFile } from '../../boards/schema.ts';
import { UserError } from './errors.ts';
import { CHIP_PINS, type ChipPins } from '../../boards/chips/pins.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (parent of tools/). */
const repoRoot = resolve(here, '..', '..');
/** Where the shipped boards live. */
export const BOARDS_DIR = join(repoRoot, 'boards');

/**
 * Simulator memory limit = jsVars × jsVarBytes × MEMORY_FACTOR (unless a board sets memoryLimitBytes).
 *
 * Why 2: the firmware runs in QuickJS (quickjs-emscripten, wasm32), whose objects are laid out
 * differently from Espruino's 14-byte JsVars. Measured with quickjs-emscripten 0.32
 * (runtime.computeMemoryUsage → memory_used_size):
 * - a fresh context with all intrinsics: ≈ 86 KB, which Espruino keeps in flash (0 JsVars);
 * - 1000 records `{t: <int>, v: "xy<n>"}` in an array: ≈ 94 B each; Espruino needs ≈ 5 JsVars
 *   (array slot, object, two names, string) = 70 B → factor ≈ 1.35;
 * - closures: ≈ 81 B each in QuickJS against ≈ 4–6 JsVars (56–84 B) in Espruino → factor ≈ 1–1.4;
 * - numeric arrays and long strings are smaller in QuickJS (8 B per element vs 28 B; 1 B/char vs
 *   ≈ 1.2 B/char);
 * - QuickJS keeps the firmware's compiled bytecode in its heap, while Espruino runs functions from
 *   the source text memory-mapped from Storage.
 * The data factor (≤ 1.4) plus the context and bytecode costs (a fixed ≈ 86 KB plus roughly the
 * bundle size) come to about 2× the Espruino heap for a typical 20–40 KB firmware bundle: 16383 × 14
 * × 2 = 458,724 B. Firmware that fits on the board then fits in the simulator; firmware that leaks or
 * grows without bound still hits the limit at about the same point in its run.
 */
export const MEMORY_FACTOR = 2;

export function defaultMemoryLimitBytes(jsVars: number, jsVarBytes: number): number {
  return Math.round(jsVars * jsVarBytes * MEMORY_FACTOR);
}

export interface BoardSummary {
  id: string;
  name: string;
  /** Path shown to users, e.g. `boards/devkitc-bc660k.ts`. */
  file: string;
  abstract: boolean;
  chip: string;
  modem?: string;
  /** Sensors: I2C device types, ADC roles (except battery), pulse and alarm inputs. */
  sensors: string[];
}

/** Path as shown in messages: relative to the repository for shipped boards, else relative to cwd. */
function displayPath(abs: string): string {
  const inRepo = relative(repoRoot, abs);
  if (!inRepo.startsWith('..') && !isAbsolute(inRepo)) return inRepo.split('\\').join('/');
  const fromCwd = relative(process.cwd(), abs);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? abs : fromCwd;
}

/** Ids of the shipped board files (boards/<id>.ts, except schema.ts). */
export function shippedBoardIds(): string[] {
  return readdirSync(BOARDS_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'schema.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || /\.(ts|mts|js|mjs|json)$/.test(s);
}

/** Reads one board file (TS/JS module with a default export, or JSON) without resolving `extends`. */
async function readBoardFile(abs: string): Promise<Record<string, unknown>> {
  const shown = displayPath(abs);
  if (!existsSync(abs)) throw new UserError('BOARD_NOT_FOUND', `${shown}: board file not found`);
  let data: unknown;
  try {
    if (extname(abs) === '.json') {
      data = JSON.parse(readFileSync(abs, 'utf8'));
    } else {
      const mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
      data = mod.default;
    }
  } catch (e) {
    throw new UserError('BOARD_INVALID', `${shown}: cannot load board file: ${(e as Error).message}`, { cause: e });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = extname(abs) === '.json' ? 'a JSON object' : 'a default export of a board object';
    throw new UserError('BOARD_INVALID', `${shown}: expected ${what}, got ${describe(data)}`, {
      hint: 'write `export default { id: "...", extends: "esp32-devkitc", ... } satisfies BoardFile`',
    });
  }
  return data as Record<string, unknown>;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? JSON.stringify(v) : typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge for board layering: objects merge key by key, arrays and scalars replace. */
export function mergeBoardData(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeBoardData(b, v) : v;
  }
  return out;
}

/** Where `extends` points: a shipped id, or a path relative to the extending file. */
function resolveExtends(ref: string, fromAbs: string): string {
  if (looksLikePath(ref)) return resolve(dirname(fromAbs), ref);
  return join(BOARDS_DIR, `${ref}.ts`);
}

function unknownBoard(id: string): UserError {
  const known = shippedBoardIds();
  return new UserError('BOARD_UNKNOWN', `unknown board "${id}"; known boards: ${known.join(', ')} (or give the path of your own board file)`);
}

/** Resolves the chain from a file: returns merged data and lineage (base first). */
async function resolveChain(abs: string): Promise<{ data: Record<string, unknown>; lineage: string[]; files: string[] }> {
  const chain: { abs: string; data: Record<string, unknown> }[] = [];
  const seen = new Set<string>();
  let cur: string | undefined = abs;
  while (cur) {
    if (seen.has(cur)) {
      const names = [...chain.map((c) => displayPath(c.abs)), displayPath(cur)];
      throw new UserError('BOARD_INVALID', `${displayPath(abs)}: extends cycle: ${names.join(' → ')}`);
    }
    seen.add(cur);
    const data = await readBoardFile(cur);
    chain.push({ abs: cur, data });
    const ext = data['extends'];
    if (ext === undefined) break;
    if (typeof ext !== 'string' || ext === '') {
      throw new UserError('BOARD_INVALID', `${displayPath(cur)}: extends must be a board id or a path, got ${describe(ext)}`);
    }
    const next = resolveExtends(ext, cur);
    if (!existsSync(next)) {
      if (looksLikePath(ext)) throw new UserError('BOARD_NOT_FOUND', `${displayPath(cur)}: extends "${ext}": file not found`);
      throw new UserError('BOARD_UNKNOWN', `${displayPath(cur)}: extends unknown board "${ext}"; known boards: ${shippedBoardIds().join(', ')}`);
    }
    cur = next;
  }
  chain.reverse();
  let merged: Record<string, unknown> = {};
  for (const c of chain) {
    const { extends: _e, abstract: _a, ...rest } = c.data;
    merged = mergeBoardData(merged, rest);
  }
  const leaf = chain[chain.length - 1]!.data;
  if (leaf['abstract'] !== undefined) merged['abstract'] = leaf['abstract'];
  const lineage = chain.map((c) => (typeof c.data['id'] === 'string' ? (c.data['id'] as string) : basename(c.abs)));
  return { data: merged, lineage, files: chain.map((c) => c.abs) };
}

export interface LoadedBoard extends Board {
  /** True for bases meant only to be extended (e.g. esp32-base). */
  abstract: boolean;
}

/**
 * Loads a board by id (`devkitc-bc660k` → boards/devkitc-bc660k.ts) or from a file path (your own
 * board: .ts/.js/.mjs module with a default export, or .json), resolves `extends` and validates.
 */
export async function loadBoard(idOrPath: string): Promise<LoadedBoard> {
  let abs: string;
  if (looksLikePath(idOrPath)) {
    abs = resolve(process.cwd(), idOrPath);
    if (!existsSync(abs)) throw new UserError('BOARD_NOT_FOUND', `${idOrPath}: board file not found`);
  } else {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(idOrPath) || !shippedBoardIds().includes(idOrPath)) throw unknownBoard(idOrPath);
    abs = join(BOARDS_DIR, `${idOrPath}.ts`);
  }
  const { data, lineage } = await resolveChain(abs);
  const shown = displayPath(abs);
  const abstract = data['abstract'] === true;
  delete data['abstract'];
  const board = validateBoard({ ...data, lineage }, shown);
  if (abs.startsWith(BOARDS_DIR) && dirname(abs) === BOARDS_DIR && board.id !== basename(abs, '.ts')) {
    throw new UserError('BOARD_INVALID', `${shown}: id must match the file name ("${basename(abs, '.ts')}"), got "${board.id}"`);
  }
  return { ...board, file: shown, abstract };
}

/**
 * Validates resolved board data (after `extends` merging) into a `Board`. `file` names the board in
 * messages. Throws one UserError listing every problem, each as `<file>: <field path> <problem>`.
 * Fills `mcu.memoryLimitBytes` from jsVars × jsVarBytes × MEMORY_FACTOR when absent.
 */
export function validateBoard(raw: unknown, file: string): Board {
  const problems = validateBoardData(raw, defaultMemoryLimitBytes);
  if (problems.length) {
    const lines = problems.map((p) => `${file}: ${p}`);
    throw new UserError('BOARD_INVALID', lines.join('\n'), {
      hint: problems.length > 1 ? `${problems.length} problems; fix them in ${file}` : undefined,
    });
  }
  const b = raw as Board;
  const mcu = { ...b.mcu };
  if (mcu.memoryLimitBytes === undefined) mcu.memoryLimitBytes = defaultMemoryLimitBytes(mcu.jsVars, mcu.jsVarBytes);
  return { ...b, mcu, lineage: Array.isArray(b.lineage) ? b.lineage : [b.id] };
}

/** Every shipped board (abstract bases included, flagged), sorted by id. */
export async function listBoards(): Promise<BoardSummary[]> {
  const out: BoardSummary[] = [];
  for (const id of shippedBoardIds()) {
    const b = await loadBoard(id);
    out.push(summarize(b));
  }
  return out;
}

export function summarize(b: LoadedBoard): BoardSummary {
  return {
    id: b.id,
    name: b.name,
    file: b.file ?? '',
    abstract: b.abstract,
    chip: b.mcu.chip,
    modem: b.modem?.model,
    sensors: [
      ...b.i2c.flatMap((bus) => bus.devices.map((d) => d.type)),
      ...b.adc.filter((a) => a.role !== 'battery').map((a) => a.role),
      ...(b.gpio.pulse ? ['pulse'] : []),
      ...(b.gpio.alarm ? ['alarm'] : []),
    ],
  };
}


// ---------------------------------------------------------------------------------------------------
// Validation. Each check pushes "<field path> <problem>"; validateBoard prefixes the file.

const CHIPS = ['ESP32', 'ESP32-S3'] as const;
const SERIALS = ['Serial1', 'Serial2', 'Serial3'] as const;
const MODEMS = ['BC660K-GL', 'SIM7080G', 'EC200U', 'EG915U', 'EC800N', 'A7670', 'A7672'] as const;
const SENSORS = ['SHT3x', 'BME280'] as const;
const ADC_ROLES = ['battery', 'soil-moisture', 'analog'] as const;
const I2C_BUSES = ['I2C1', 'I2C2'] as const;
/** ESP32.deepSleep takes a C int of µs (espruino.md, ESP32 port). */
const MAX_DEEP_SLEEP_US = 2147483647;

const FIELDS: Record<string, readonly string[]> = {
  '': ['id', 'name', 'description', 'lineage', 'mcu', 'console', 'modem', 'i2c', 'adc', 'gpio', 'battery', 'power', 'notes', 'file'],
  mcu: ['chip', 'espruino', 'jsVars', 'jsVarBytes', 'memoryLimitBytes', 'stackLimitBytes', 'storage', 'maxDeepSleepUs'],
  'mcu.espruino': ['board', 'version'],
  'mcu.storage': ['bytes', 'pageBytes'],
  uart: ['serial', 'tx', 'rx', 'baud'],
  modem: ['model', 'uart', 'pwrkey', 'reset', 'wake', 'ring', 'powerEnable', 'apn'],
  line: ['pin', 'activeHigh', 'pulseMs'],
  i2c: ['bus', 'scl', 'sda', 'bitrate', 'devices'],
  device: ['type', 'address', 'name'],
  adc: ['pin', 'role', 'name', 'dividerRatio', 'fullScaleV'],
  gpio: ['led', 'button', 'pulse', 'alarm'],
  battery: ['chemistry', 'capacityMah', 'nominalV', 'source', 'assumed', 'note'],
  current: ['mA', 'source', 'assumed', 'note'],
};

class Checker {
  readonly problems: string[] = [];
  /** pin number → first role that uses it (field path). */
  private readonly pinRoles = new Map<number, string>();
  constructor(readonly pins: ChipPins | undefined, readonly chip: string) {}

  fail(path: string, msg: string): void {
    this.problems.push(`${path} ${msg}`);
  }
  got(v: unknown): string {
    if (typeof v === 'string') return JSON.stringify(v);
    if (v === undefined) return 'nothing';
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
    return Array.isArray(v) ? 'an array' : typeof v;
  }
  object(path: string, v: unknown, fieldsKey: string): v is Record<string, unknown> {
    if (!isPlainObject(v)) {
      this.fail(path, `must be an object, got ${this.got(v)}`);
      return false;
    }
    const allowed = FIELDS[fieldsKey]!;
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.fail(path ? `${path}.${k}` : k, `is not a known field (expected one of: ${allowed.join(', ')})`);
    }
    return true;
  }
  string(path: string, v: unknown, optional = false): void {
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, `must be a non-empty string, got ${this.got(v)}`);
  }
  oneOf(path: string, v: unknown, options: readonly string[]): void {
    if (typeof v !== 'string' || !options.includes(v)) this.fail(path, `must be one of ${options.join(', ')}, got ${this.got(v)}`);
  }
  positiveInt(path: string, v: unknown, optional = false): void {
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(path, `must be a positive integer, got ${this.got(v)}`);
  }
  positive(path: string, v: unknown, optional = false): void {
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(path, `must be a positive number, got ${this.got(v)}`);
  }
  boolean(path: string, v: unknown, optional = false): void {
    if (v === undefined && optional) return;
    if (typeof v !== 'boolean') this.fail(path, `must be true or false, got ${this.got(v)}`);
  }
  /**
   * A pin used for `role`. Checks the name, that it exists on the chip, is not a flash pin, can drive
   * an output / be watched / be read by the ADC as the role needs, and is not already used elsewhere.
   */
  pin(path: string, v: unknown, use: { output?: boolean; watch?: boolean; adc?: boolean } = {}): void {
    const m = typeof v === 'string' ? /^D(\d{1,2})$/.exec(v) : null;
    if (!m) {
      this.fail(path, `must be an Espruino pin name like "D21", got ${this.got(v)}`);
      return;
    }
    const n = Number(m[1]);
    const p = this.pins;
    if (!p) return; // chip already reported invalid
    if (!p.gpio.includes(n)) {
      this.fail(path, `${v} does not exist on the ${this.chip} (valid: GPIO ${ranges(p.gpio)})`);
      return;
    }
    if (p.reserved.includes(n)) this.fail(path, `${v} is wired to the module's SPI flash/PSRAM on the ${this.chip} (GPIO ${ranges(p.reserved)})`);
    if (use.output && p.inputOnly.includes(n)) this.fail(path, `${v} is input-only on the ${this.chip} (GPIO ${ranges(p.inputOnly)}) and cannot drive this line`);
    if (use.watch && !p.watchable.includes(n)) {
      this.fail(path, `${v} cannot be used with Espruino setWatch on the ${this.chip} (watchable: GPIO ${ranges(p.watchable)})`);
    }
    if (use.adc && !p.adc1.includes(n)) {
      this.fail(path, `${v} is not an ADC1 pin; Espruino's analogRead on the ${this.chip} reads ADC1 only (GPIO ${ranges(p.adc1)})`);
    }
    const prev = this.pinRoles.get(n);
    if (prev !== undefined) this.fail(path, `${v} is already used by ${prev}`);
    else this.pinRoles.set(n, path);
  }
  current(path: string, v: unknown): void {
    if (!this.object(path, v, 'current')) return;
    const mA = v['mA'];
    if (typeof mA !== 'number' || !Number.isFinite(mA) || mA < 0) this.fail(`${path}.mA`, `must be a number ≥ 0, got ${this.got(mA)}`);
    this.string(`${path}.source`, v['source'], true);
    this.boolean(`${path}.assumed`, v['assumed'], true);
    this.string(`${path}.note`, v['note'], true);
    if (v['source'] === undefined && v['assumed'] !== true) {
      this.fail(path, 'needs a source (datasheet section, URL of a measurement) or `assumed: true` with a note');
    }
  }
}

/** "0-19, 21-23, 25" from a sorted list. */
function ranges(list: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j]! + 1) j++;
    out.push(i === j ? `${list[i]}` : `${list[i]}–${list[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

function checkUart(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v, 'uart')) return;
  c.oneOf(`${path}.serial`, v['serial'], SERIALS);
  c.pin(`${path}.tx`, v['tx'], { output: true });
  c.pin(`${path}.rx`, v['rx']);
  c.positiveInt(`${path}.baud`, v['baud']);
}

function checkLine(c: Checker, path: string, v: unknown, use: { output?: boolean; watch?: boolean }): void {
  if (v === undefined) return;
  if (!c.object(path, v, 'line')) return;
  c.pin(`${path}.pin`, v['pin'], use);
  c.boolean(`${path}.activeHigh`, v['activeHigh']);
  c.positive(`${path}.pulseMs`, v['pulseMs'], true);
}

/** Returns the problems of resolved board data (empty when valid). */
function validateBoardData(raw: unknown, memoryDefault: (jsVars: number, jsVarBytes: number) => number): string[] {
  if (!isPlainObject(raw)) return [`board must be an object, got ${describe(raw)}`];
  const mcu = raw['mcu'];
  const chip = isPlainObject(mcu) ? mcu['chip'] : undefined;
  const c = new Checker(typeof chip === 'string' ? CHIP_PINS[chip as keyof typeof CHIP_PINS] : undefined, String(chip));
  c.object('', raw, '');
  const id = raw['id'];
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(id)) c.fail('id', `must be lower-case letters, digits and dashes, got ${c.got(id)}`);
  c.string('name', raw['name']);
  c.string('description', raw['description']);

  if (c.object('mcu', mcu, 'mcu')) {
    c.oneOf('mcu.chip', mcu['chip'], CHIPS);
    if (c.object('mcu.espruino', mcu['espruino'], 'mcu.espruino')) {
      c.string('mcu.espruino.board', (mcu['espruino'] as Record<string, unknown>)['board']);
      c.string('mcu.espruino.version', (mcu['espruino'] as Record<string, unknown>)['version']);
    }
    c.positiveInt('mcu.jsVars', mcu['jsVars']);
    c.positiveInt('mcu.jsVarBytes', mcu['jsVarBytes']);
    c.positiveInt('mcu.memoryLimitBytes', mcu['memoryLimitBytes'], true);
    c.positiveInt('mcu.stackLimitBytes', mcu['stackLimitBytes']);
    const st = mcu['storage'];
    if (c.object('mcu.storage', st, 'mcu.storage')) {
      c.positiveInt('mcu.storage.bytes', st['bytes']);
      c.positiveInt('mcu.storage.pageBytes', st['pageBytes']);
      const bytes = st['bytes'];
      const page = st['pageBytes'];
      if (typeof bytes === 'number' && typeof page === 'number' && page > 0 && bytes % page !== 0) {
        c.fail('mcu.storage.bytes', `must be a whole number of pages (${page} B), got ${bytes}`);
      }
    }
    const ds = mcu['maxDeepSleepUs'];
    c.positiveInt('mcu.maxDeepSleepUs', ds);
    if (typeof ds === 'number' && ds > MAX_DEEP_SLEEP_US) c.fail('mcu.maxDeepSleepUs', `must be ≤ ${MAX_DEEP_SLEEP_US} (ESP32.deepSleep takes a C int), got ${ds}`);
    const jsVars = mcu['jsVars'];
    const jsVarBytes = mcu['jsVarBytes'];
    const lim = mcu['memoryLimitBytes'];
    if (typeof lim === 'number' && typeof jsVars === 'number' && typeof jsVarBytes === 'number' && lim < jsVars * jsVarBytes) {
      c.fail('mcu.memoryLimitBytes', `must be at least jsVars × jsVarBytes (${jsVars * jsVarBytes}), got ${lim} (default ${memoryDefault(jsVars, jsVarBytes)})`);
    }
  }

  checkUart(c, 'console', raw['console']);

  const modem = raw['modem'];
  if (modem !== undefined && c.object('modem', modem, 'modem')) {
    c.oneOf('modem.model', modem['model'], MODEMS);
    checkUart(c, 'modem.uart', modem['uart']);
    const con = raw['console'];
    const mu = modem['uart'];
    if (isPlainObject(con) && isPlainObject(mu) && con['serial'] === mu['serial']) {
      c.fail('modem.uart.serial', `${String(mu['serial'])} is the Espruino console (console.serial); use another UART`);
    }
    checkLine(c, 'modem.pwrkey', modem['pwrkey'], { output: true });
    checkLine(c, 'modem.reset', modem['reset'], { output: true });
    checkLine(c, 'modem.wake', modem['wake'], { output: true });
    checkLine(c, 'modem.ring', modem['ring'], {});
    checkLine(c, 'modem.powerEnable', modem['powerEnable'], { output: true });
    c.string('modem.apn', modem['apn'], true);
  }

  const deviceNames: string[] = [];
  const i2c = raw['i2c'];
  if (!Array.isArray(i2c)) c.fail('i2c', `must be an array of buses, got ${c.got(i2c)}`);
  else {
    const buses = new Set<unknown>();
    i2c.forEach((bus, i) => {
      const p = `i2c[${i}]`;
      if (!c.object(p, bus, 'i2c')) return;
      c.oneOf(`${p}.bus`, bus['bus'], I2C_BUSES);
      if (buses.has(bus['bus'])) c.fail(`${p}.bus`, `${String(bus['bus'])} is declared twice`);
      buses.add(bus['bus']);
      c.pin(`${p}.scl`, bus['scl'], { output: true });
      c.pin(`${p}.sda`, bus['sda'], { output: true });
      c.positiveInt(`${p}.bitrate`, bus['bitrate']);
      const devs = bus['devices'];
      if (!Array.isArray(devs)) {
        c.fail(`${p}.devices`, `must be an array, got ${c.got(devs)}`);
        return;
      }
      const addrs = new Set<unknown>();
      devs.forEach((d, j) => {
        const dp = `${p}.devices[${j}]`;
        if (!c.object(dp, d, 'device')) return;
        c.oneOf(`${dp}.type`, d['type'], SENSORS);
        const a = d['address'];
        // 7-bit addresses 0x00–0x07 and 0x78–0x7F are reserved by the I2C specification (NXP UM10204 §3.1.12).
        if (typeof a !== 'number' || !Number.isInteger(a) || a < 0x08 || a > 0x77) {
          c.fail(`${dp}.address`, `must be a 7-bit I2C address 0x08–0x77, got ${typeof a === 'number' ? '0x' + a.toString(16) : c.got(a)}`);
        } else if (addrs.has(a)) c.fail(`${dp}.address`, `0x${a.toString(16)} is used twice on ${String(bus['bus'])}`);
        addrs.add(a);
        c.string(`${dp}.name`, d['name']);
        if (typeof d['name'] === 'string') deviceNames.push(d['name']);
      });
    });
  }

  const adc = raw['adc'];
  if (!Array.isArray(adc)) c.fail('adc', `must be an array, got ${c.got(adc)}`);
  else {
    adc.forEach((a, i) => {
      const p = `adc[${i}]`;
      if (!c.object(p, a, 'adc')) return;
      c.pin(`${p}.pin`, a['pin'], { adc: true });
      c.oneOf(`${p}.role`, a['role'], ADC_ROLES);
      c.string(`${p}.name`, a['name']);
      const r = a['dividerRatio'];
      if (r !== undefined && (typeof r !== 'number' || !(r > 0 && r <= 1))) c.fail(`${p}.dividerRatio`, `must be a number in (0, 1], got ${c.got(r)}`);
      c.positive(`${p}.fullScaleV`, a['fullScaleV'], true);
    });
  }

  const gpio = raw['gpio'];
  if (c.object('gpio', gpio, 'gpio')) {
    if (gpio['led'] !== undefined) c.pin('gpio.led', gpio['led'], { output: true });
    if (gpio['button'] !== undefined) c.pin('gpio.button', gpio['button'], { watch: true });
    if (gpio['pulse'] !== undefined) c.pin('gpio.pulse', gpio['pulse'], { watch: true });
    if (gpio['alarm'] !== undefined) c.pin('gpio.alarm', gpio['alarm'], { watch: true });
  }

  const bat = raw['battery'];
  if (bat !== undefined && c.object('battery', bat, 'battery')) {
    c.string('battery.chemistry', bat['chemistry']);
    c.positive('battery.capacityMah', bat['capacityMah']);
    c.positive('battery.nominalV', bat['nominalV']);
    c.string('battery.source', bat['source'], true);
    c.boolean('battery.assumed', bat['assumed'], true);
    c.string('battery.note', bat['note'], true);
    if (bat['source'] === undefined && bat['assumed'] !== true) c.fail('battery', 'needs a source for its capacity or `assumed: true` with a note');
  }

  const power = raw['power'];
  if (!isPlainObject(power)) c.fail('power', `must be an object of component → state → current, got ${c.got(power)}`);
  else {
    for (const [comp, states] of Object.entries(power)) {
      if (!isPlainObject(states)) {
        c.fail(`power.${comp}`, `must be an object of state → current, got ${c.got(states)}`);
        continue;
      }
      for (const [state, fig] of Object.entries(states)) c.current(`power.${comp}.${state}`, fig);
    }
    if (!isPlainObject(power['mcu']) || power['mcu']['deepSleep'] === undefined) c.fail('power.mcu.deepSleep', 'is required (the sleep floor of the MCU)');
    if (modem !== undefined && !isPlainObject(power['modem'])) c.fail('power.modem', 'is required when the board has a modem');
    for (const name of deviceNames) {
      if (!isPlainObject(power[name])) c.fail(`power.${name}`, `is required for the I2C device "${name}"`);
    }
  }

  const notes = raw['notes'];
  if (notes !== undefined && (!Array.isArray(notes) || notes.some((n) => typeof n !== 'string'))) c.fail('notes', `must be an array of strings, got ${c.got(notes)}`);
  const lineage = raw['lineage'];
  if (lineage !== undefined && (!Array.isArray(lineage) || lineage.some((n) => typeof n !== 'string'))) c.fail('lineage', 'must be an array of board ids');
  return c.problems;
}
