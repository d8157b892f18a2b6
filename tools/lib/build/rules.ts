/**
 * The Espruino compatibility rules, as one table of data. Every construct that Espruino 2v29 cannot run,
 * or runs differently from standard JavaScript, has a row here: what it catches, whether the build
 * transforms it (preferred) or rejects it with a fix hint, and two fixtures — one the rule must catch
 * and one it must let pass. test/build/rules.test.ts walks this table, so a rule without a working
 * fixture pair fails the suite.
 *
 * Facts: Espruino 2v29 language support as confirmed by running code on the interpreter
 * (reference/espruino.md; https://github.com/espruino/Espruino/issues/1302 for the wishlist and
 * https://github.com/espruino/Espruino/issues/1257 for RegExp).
 *
 * Fixtures are complete TypeScript programs. Transform fixtures end with a `console.log(JSON.stringify(..))`
 * of what they computed: the test runs the original in Node and the built bundle, and compares.
 */

export type RuleAction = 'transform' | 'reject';

export interface Rule {
  id: string;
  title: string;
  /** What Espruino does with the construct. */
  catches: string;
  action: RuleAction;
  /** Who handles a transform: esbuild's lowering, a Babel plugin, or sensornode's own pass. */
  by?: 'esbuild' | 'babel' | 'sensornode';
  /** For rejects: what the user should write instead. */
  hint?: string;
  fixtures: { caught: string; passes: string };
}

export const RULES: Rule[] = [
  // ---------------------------------------------------------------- transforms
  {
    id: 'default-params',
    title: 'Default parameters',
    catches: 'Espruino: syntax error on `function f(a = 1)`.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `function f(a: number, b = a * 2, c = 'x') { return [a, b, c]; }
console.log(JSON.stringify([f(1), f(1, 5), f(2, undefined, 'y')]));`,
      passes: `function f(a: number, b?: number) { return [a, b === undefined ? a * 2 : b]; }
console.log(JSON.stringify([f(1), f(1, 5)]));`,
    },
  },
  {
    id: 'rest-params',
    title: 'Rest parameters',
    catches: 'Espruino: syntax error on `function f(...args)`.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `function sum(first: number, ...rest: number[]) { let s = first; for (const r of rest) s += r; return [s, rest.length]; }
const arrow = (...xs: string[]) => xs.join('-');
console.log(JSON.stringify([sum(1), sum(1, 2, 3), arrow('a', 'b')]));`,
      passes: `function sum(xs: number[]) { let s = 0; for (const r of xs) s += r; return s; }
console.log(JSON.stringify(sum([1, 2, 3])));`,
    },
  },
  {
    id: 'destructuring',
    title: 'Destructuring (declarations, parameters, assignments, for-of heads)',
    catches: 'Espruino: syntax error on every destructuring pattern.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `const cfg = { id: 'n1', net: { apn: 'iot', port: 5683 }, tags: ['a', 'b', 'c'] };
const { id, net: { apn, port = 1 }, tags: [first, , third = 'z'] } = cfg;
function show({ id, net }: typeof cfg) { return id + ':' + net.port; }
let a = 1, b = 2;
[a, b] = [b, a];
const pairs: [string, number][] = [['x', 1], ['y', 2]];
const seen: string[] = [];
for (const [k, v] of pairs) seen.push(k + v);
console.log(JSON.stringify([id, apn, port, first, third, show(cfg), a, b, seen]));`,
      passes: `const cfg = { id: 'n1' };
const id = cfg.id;
console.log(JSON.stringify(id));`,
    },
  },
  {
    id: 'array-spread',
    title: 'Spread in array literals and calls',
    catches: 'Espruino: syntax error on `[...a]` and `f(...a)`.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `const a = [1, 2];
const b = [0, ...a, 3, ...[4, 5]];
const m = Math.max(...b);
function three(x: number, y: number, z: number) { return x + y * 10 + z * 100; }
const args: [number, number, number] = [1, 2, 3];
console.log(JSON.stringify([b, m, three(...args)]));`,
      passes: `const a = [1, 2];
const b = [0].concat(a, [3]);
console.log(JSON.stringify([b, Math.max.apply(Math, b)]));`,
    },
  },
  {
    id: 'object-spread',
    title: 'Object spread and object rest',
    catches: 'Espruino: syntax error on `{...o}` and `const {a, ...rest} = o`.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `const base = { a: 1, b: 2 };
const more = { ...base, c: 3, a: 9 };
const { b, ...others } = more;
console.log(JSON.stringify([more, b, others]));`,
      passes: `const base = { a: 1, b: 2 };
const more = Object.assign({}, base, { c: 3 });
console.log(JSON.stringify(more));`,
    },
  },
  {
    id: 'computed-keys',
    title: 'Computed keys in object literals',
    catches: 'Espruino: syntax error on `{[k]: v}`.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `const k = 'temp';
const o = { [k]: 21.5, [k + '_unit']: 'Cel', plain: 1 };
console.log(JSON.stringify(o));`,
      passes: `const k = 'temp';
const o: Record<string, unknown> = { plain: 1 };
o[k] = 21.5;
console.log(JSON.stringify(o));`,
    },
  },
  {
    id: 'function-hoisting',
    title: 'Calling a function before its declaration',
    catches: 'Espruino does not hoist: a function declared further down does not exist yet (ReferenceError).',
    action: 'transform',
    by: 'sensornode',
    fixtures: {
      caught: `console.log(JSON.stringify([twice(4), inner()]));
function twice(x: number) { return x * 2; }
function inner() { return helper() + 1; function helper() { return 41; } }`,
      passes: `function twice(x: number) { return x * 2; }
console.log(JSON.stringify(twice(4)));`,
    },
  },
  {
    id: 'var-hoisting',
    title: '`var` declared in a branch that did not run',
    catches: 'Espruino creates a var only when its declaration executes: reading it otherwise is a ReferenceError.',
    action: 'transform',
    by: 'sensornode',
    fixtures: {
      caught: `function f(flag: boolean) {
  if (flag) { var x = 1; }
  return typeof x === 'undefined' ? 'none' : x;
}
function g() { y = 5; var y: number; return y; }
console.log(JSON.stringify([f(true), f(false), g()]));`,
      passes: `function f(flag: boolean) { let x; if (flag) x = 1; return x === undefined ? 'none' : x; }
console.log(JSON.stringify([f(true), f(false)]));`,
    },
  },
  {
    id: 'class-fields',
    title: 'Class instance and static fields',
    catches: 'Espruino evaluates field initializers once and puts them on the prototype: `items = []` is shared by every instance.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `class Queue { items: number[] = []; limit = 3; static made = 0; constructor() { Queue.made++; } push(x: number) { this.items.push(x); } }
const q1 = new Queue(); const q2 = new Queue();
q1.push(1); q1.push(2); q2.push(7);
console.log(JSON.stringify([q1.items, q2.items, q1.limit, Queue.made]));`,
      passes: `class Queue { items: number[]; constructor() { this.items = []; } push(x: number) { this.items.push(x); } }
const q1 = new Queue(); const q2 = new Queue(); q1.push(1); q2.push(7);
console.log(JSON.stringify([q1.items, q2.items]));`,
    },
  },
  {
    id: 'loop-closures',
    title: 'Closures capturing a per-iteration `let`/`const` in loops',
    catches: 'Espruino has no per-iteration binding: closures made in `for (let i…)` all see the last value.',
    action: 'transform',
    by: 'babel',
    fixtures: {
      caught: `const fns: (() => number)[] = [];
for (let i = 0; i < 3; i++) fns.push(() => i * 10);
const names: (() => string)[] = [];
for (const n of ['a', 'b']) names.push(() => n);
console.log(JSON.stringify([fns.map((f) => f()), names.map((f) => f())]));`,
      passes: `const out: number[] = [];
for (let i = 0; i < 3; i++) out.push(i * 10);
console.log(JSON.stringify(out));`,
    },
  },
  {
    id: 'modern-operators',
    title: '`**`, `?.`, `??`, `??=`, `||=`, `&&=`',
    catches: 'Espruino: syntax error on `**`, optional chaining and logical assignment (`??` works since 2v14; lowered anyway).',
    action: 'transform',
    by: 'esbuild',
    fixtures: {
      caught: `const o: { a?: { b?: number }; n?: number | null } = { a: {} };
let x: number | undefined;
x ??= 4;
let y = 0;
y ||= 7;
const p = 2 ** 10;
console.log(JSON.stringify([o.a?.b ?? 'none', o.n?.toFixed(1), x, y, p]));`,
      passes: `const o: { a: { b: number } } = { a: { b: 1 } };
console.log(JSON.stringify([o.a.b, Math.pow(2, 10)]));`,
    },
  },
  {
    id: 'builtin-prototype-read',
    title: 'Reading methods off built-in prototypes (`Array.prototype.slice`)',
    catches: 'Espruino: built-in prototypes read as empty, `Array.prototype.slice` is undefined (https://github.com/espruino/Espruino/issues/159); `[].slice` works.',
    action: 'transform',
    by: 'sensornode',
    fixtures: {
      caught: `function argsToArray() { return Array.prototype.slice.call(arguments, 1); }
const has = Object.prototype.hasOwnProperty.call({ a: 1 }, 'a');
const up = String.prototype.toUpperCase.call('ok');
console.log(JSON.stringify([(argsToArray as any)(1, 2, 3), has, up]));`,
      passes: `function argsToArray() { return [].slice.call(arguments, 1); }
console.log(JSON.stringify((argsToArray as any)(1, 2, 3)));`,
    },
  },

  // ---------------------------------------------------------------- rejects
  {
    id: 'generator',
    title: 'Generators',
    catches: 'Espruino: syntax error on `function*` and `yield`.',
    action: 'reject',
    hint: 'write an iterator by hand (an object with an index and a next() method) or build an array',
    fixtures: {
      caught: `function* count() { yield 1; yield 2; }
for (const n of count()) console.log(n);`,
      passes: `function count() { return [1, 2]; }
for (const n of count()) console.log(n);`,
    },
  },
  {
    id: 'async-await',
    title: 'async functions and await',
    catches: 'Espruino: syntax error on `async`/`await` (esbuild would lower them to generators, also unsupported).',
    action: 'reject',
    hint: 'use Promises with .then() callbacks, or plain callbacks',
    fixtures: {
      caught: `async function read() { const v = await Promise.resolve(1); return v; }
read().then((v) => console.log(v));`,
      passes: `function read() { return Promise.resolve(1); }
read().then((v) => console.log(v));`,
    },
  },
  {
    id: 'bigint',
    title: 'BigInt',
    catches: 'Espruino has no BigInt; `10n` parses wrongly.',
    action: 'reject',
    hint: 'use numbers (exact up to 2^53) or split 64-bit values into two 32-bit halves',
    fixtures: {
      caught: `const big = 10n;
console.log(String(big));`,
      passes: `const big = 10;
console.log(String(big));`,
    },
  },
  {
    id: 'label',
    title: 'Labelled statements',
    catches: 'Espruino: syntax error on labels (`outer: for …`, `break outer`).',
    action: 'reject',
    hint: 'move the loops into a function and `return`, or use a flag variable',
    fixtures: {
      caught: `let hits = 0;
outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 1) continue outer; hits++; } }
console.log(hits);`,
      passes: `let hits = 0;
for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 1) break; hits++; } }
console.log(hits);`,
    },
  },
  {
    id: 'tagged-template',
    title: 'Tagged template literals',
    catches: 'Espruino supports plain template literals only.',
    action: 'reject',
    hint: 'call the function with the string and values as arguments',
    fixtures: {
      caught: `function tag(s: TemplateStringsArray, v: number) { return s[0] + v; }
console.log(tag\`x=\${1}\`);`,
      passes: `function tag(s: string, v: number) { return s + v; }
console.log(tag('x=', 1) + \`!\${2}\`);`,
    },
  },
  {
    id: 'extends-expression',
    title: '`class X extends (expression)`',
    catches: 'Espruino: `extends` takes an identifier only.',
    action: 'reject',
    hint: 'assign the base class to a const first and extend that name',
    fixtures: {
      caught: `function mixin() { return class { hi() { return 1; } }; }
class X extends mixin() {}
console.log(new X().hi());`,
      passes: `class Base { hi() { return 1; } }
class X extends Base {}
console.log(new X().hi());`,
    },
  },
  {
    id: 'extends-error',
    title: 'Subclassing Error',
    catches: 'Espruino: `class E extends Error` fails; `new TypeError()` is not `instanceof Error`.',
    action: 'reject',
    hint: 'throw a plain object or an Error with a `code` property, e.g. `var e = new Error(msg); (e as any).code = "X"; throw e`',
    fixtures: {
      caught: `class ModemError extends Error { code = 1; }
try { throw new ModemError('x'); } catch (e) { console.log(String(e)); }`,
      passes: `function modemError(msg: string) { const e = new Error(msg); (e as any).code = 1; return e; }
try { throw modemError('x'); } catch (e) { console.log(String(e)); }`,
    },
  },
  {
    id: 'private-member',
    title: 'Private class members (`#x`)',
    catches: 'Espruino: syntax error; lowering needs WeakMap, which Espruino lacks.',
    action: 'reject',
    hint: 'use a TypeScript `private` field (checked at compile time) or a `_name` convention',
    fixtures: {
      caught: `class C { #n = 1; get n() { return this.#n; } }
console.log(new C().n);`,
      passes: `class C { private n_: number; constructor() { this.n_ = 1; } get n() { return this.n_; } }
console.log(new C().n);`,
    },
  },
  {
    id: 'spread-new',
    title: 'Spread arguments to `new`',
    catches: 'Lowering `new C(...args)` needs Reflect.construct, which Espruino lacks.',
    action: 'reject',
    hint: 'pass the array itself to the constructor, or call with explicit arguments',
    fixtures: {
      caught: `class P { s: number; constructor(a: number, b: number) { this.s = a + b; } }
const args: [number, number] = [1, 2];
console.log(new P(...args).s);`,
      passes: `class P { s: number; constructor(a: number, b: number) { this.s = a + b; } }
const args: [number, number] = [1, 2];
console.log(new P(args[0], args[1]).s);`,
    },
  },
  {
    id: 'missing-global',
    title: 'Globals Espruino does not have (Map, Set, WeakMap, Symbol, Proxy, Reflect, …)',
    catches: 'Espruino 2v29 lacks these globals: using one is a ReferenceError on the device.',
    action: 'reject',
    hint: 'use plain objects keyed by string (for Map/Set) or arrays; see the per-name hint',
    fixtures: {
      caught: `const m = new Map<string, number>();
m.set('a', 1);
console.log(m.get('a'));`,
      passes: `const m: Record<string, number> = {};
m['a'] = 1;
console.log(typeof Map === 'undefined' ? m['a'] : 0);`,
    },
  },
  {
    id: 'missing-static',
    title: 'Static functions Espruino does not have (Math.imul, Array.from, Object.freeze, Number.isInteger, …)',
    catches: 'Espruino 2v29 lacks these functions: calling one throws on the device.',
    action: 'reject',
    hint: 'see the per-name hint',
    fixtures: {
      caught: `const a = Array.from('abc');
console.log(Math.imul(a.length, 3), Object.freeze({ a }));`,
      passes: `const a = 'abc'.split('');
console.log(Math.floor(a.length * 3));`,
    },
  },
  {
    id: 'missing-method',
    title: 'Array/String/Promise methods Espruino does not have (flat, at, findLast, trimStart, finally, …)',
    catches: 'Espruino 2v29 lacks these methods on built-in types: calling one throws "not a function".',
    action: 'reject',
    hint: 'see the per-name hint',
    fixtures: {
      caught: `const nested = [[1], [2, 3]];
console.log(nested.flat().length, ' x '.trimStart());`,
      passes: `const nested = [[1], [2, 3]];
console.log([].concat.apply([], nested as any).length, ' x '.trim());`,
    },
  },
  {
    id: 'regexp-unsupported',
    title: 'RegExp features Espruino gets wrong',
    catches:
      'Espruino RegExp silently never matches `?`, `{n,m}`, lazy quantifiers, lookaround, `(?:)`, named groups; `\\b` is backspace; quantifiers apply to single characters only; backreferences throw; the `s` flag is a syntax error (https://github.com/espruino/Espruino/issues/1257).',
    action: 'reject',
    hint: 'use `. [] [^] \\d \\w \\s ^ $ ( ) | * +` only, or plain string functions (indexOf, split, startsWith)',
    fixtures: {
      caught: `console.log(/colou?r/.test('color'), /^\\d{2,4}$/.test('123'));`,
      passes: `console.log(/colo(u|)r/.test('color'), /^\\d\\d*$/.test('123'), 'color'.indexOf('col') === 0);`,
    },
  },
  {
    id: 'with-statement',
    title: '`with` statements',
    catches: 'Espruino: syntax error (and not allowed in strict-mode bundles).',
    action: 'reject',
    hint: 'name the object explicitly',
    fixtures: {
      caught: `// @ts-nocheck
const o = { a: 1 };
with (o) { console.log(a); }`,
      passes: `const o = { a: 1 };
console.log(o.a);`,
    },
  },
];

/** Per-name facts for the missing-global / missing-static / missing-method rules. */
export const MISSING_GLOBALS: Record<string, string> = {
  Map: 'use a plain object with string keys (`var m = {}; m[k] = v`)',
  Set: 'use an object whose keys are the members, or an array with indexOf',
  WeakMap: 'store the value on the object itself',
  WeakSet: 'store a flag on the object itself',
  WeakRef: 'keep a normal reference',
  FinalizationRegistry: 'free resources explicitly',
  Symbol: 'use a unique string key',
  Proxy: 'write explicit getter/setter methods',
  Reflect: 'use Object.keys / Function.apply directly',
  BigInt: 'use numbers or two 32-bit halves',
  TextEncoder: 'encode UTF-8 by hand (E.toUint8Array works for 8-bit strings)',
  TextDecoder: 'decode with String.fromCharCode / E.toString',
  queueMicrotask: 'use Promise.resolve().then(fn) or setTimeout(fn, 0)',
  structuredClone: 'use JSON.parse(JSON.stringify(x))',
  setImmediate: 'use setTimeout(fn, 0)',
  Buffer: 'use Uint8Array (firmware has no Node.js APIs)',
  fetch: 'firmware talks to the network through the modem driver',
  AbortController: 'not available on the device',
  Intl: 'format numbers and dates by hand',
};

export const MISSING_STATICS: Record<string, Record<string, string>> = {
  Math: {
    imul: 'multiply 16-bit halves: ((a & 0xffff) * b + (((a >>> 16) * b) << 16)) | 0',
    trunc: 'use x < 0 ? Math.ceil(x) : Math.floor(x)',
    clz32: 'count leading zeros with a loop or a lookup table',
    fround: 'write through a Float32Array and read back',
    hypot: 'use Math.sqrt(a*a + b*b)',
    log2: 'use Math.log(x) / Math.LN2',
    log10: 'use Math.log(x) / Math.LN10',
    log1p: 'use Math.log(1 + x)',
    expm1: 'use Math.exp(x) - 1',
    cbrt: 'use Math.pow(x, 1/3) (mind the sign)',
    sinh: 'use (Math.exp(x) - Math.exp(-x)) / 2',
    cosh: 'use (Math.exp(x) + Math.exp(-x)) / 2',
    tanh: 'compute from Math.exp',
  },
  Number: {
    isInteger: 'use typeof x === "number" && Math.floor(x) === x',
    isFinite: 'use the global isFinite(x) with a typeof check',
    isNaN: 'use x !== x',
    isSafeInteger: 'compare against 9007199254740991',
    EPSILON: 'use 2.220446049250313e-16',
    MAX_SAFE_INTEGER: 'use 9007199254740991',
    MIN_SAFE_INTEGER: 'use -9007199254740991',
  },
  Array: { from: 'use a for loop, or [].slice.call(arrayLike)', of: 'use an array literal' },
  Object: {
    freeze: 'drop the call (Espruino cannot freeze objects)',
    isFrozen: 'not available',
    seal: 'drop the call',
    isSealed: 'not available',
    preventExtensions: 'drop the call',
    is: 'use === (and x !== x for NaN)',
    getOwnPropertySymbols: 'Espruino has no Symbols',
  },
  String: { raw: 'write the string with escaped backslashes', fromCodePoint: 'use String.fromCharCode (8-bit strings)' },
  Date: { UTC: 'compute epoch milliseconds by hand' },
  Promise: { allSettled: 'chain .then/.catch per promise', race: 'resolve from the first callback yourself', any: 'resolve from the first success yourself' },
};

export const MISSING_METHODS: Record<string, string> = {
  flat: 'concatenate with [].concat.apply([], arrays)',
  flatMap: 'map then concatenate with [].concat.apply([], ...)',
  at: 'index from the end with a[a.length - 1]',
  findLast: 'loop backwards',
  findLastIndex: 'loop backwards',
  reduceRight: 'reverse a copy and reduce, or loop backwards',
  trimStart: 'use a loop or replace(/^\\s*/, "")',
  trimEnd: 'use a loop or replace(/\\s*$/, "")',
  trimLeft: 'use a loop or replace(/^\\s*/, "")',
  trimRight: 'use a loop or replace(/\\s*$/, "")',
  codePointAt: 'use charCodeAt (strings are 8-bit on ESP32)',
  matchAll: 'loop with RegExp.exec and the g flag',
  normalize: 'strings are 8-bit on ESP32: no normalization needed',
  finally: 'call the cleanup in both .then and .catch',
  toSorted: 'copy with slice() then sort()',
  toReversed: 'copy with slice() then reverse()',
  toSpliced: 'copy with slice() then splice()',
  with: 'copy with slice() then assign the index',
};

export function ruleById(id: string): Rule {
  const r = RULES.find((x) => x.id === id);
  if (!r) throw new Error(`unknown build rule ${id}`);
  return r;
}
