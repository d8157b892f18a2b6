/**
 * The JavaScript standard library as Espruino 2v29 implements it, for type-checking firmware with
 * `noLib: true` (firmware/tsconfig.json). Hand-written from Espruino's documentation
 * (https://www.espruino.com/Reference, built from src/jswrap_*.c) and our checks of what 2v29 runs:
 * only what the interpreter has is declared, so `new Map()`, `Symbol()`, `Array.from(x)`,
 * `Math.imul(a, b)`, `[].flat()`, `Object.freeze(o)` … are type errors here, as they are errors on the
 * device. Missing on purpose (espruino.md "Missing globals"): Map, Set, WeakMap, WeakSet, Symbol,
 * BigInt, Proxy, Reflect, Intl, TextEncoder/TextDecoder, Promise.finally/race/allSettled/any,
 * Math.imul/trunc/clz32/fround/hypot/log2/cbrt, Number.isInteger/isFinite/isNaN/EPSILON/
 * MAX_SAFE_INTEGER, Array.from/of, [].flat/flatMap/at/findLast/lastIndexOf/reduceRight/keys/entries,
 * "".trimStart/at/codePointAt/matchAll/normalize, String.raw, Object.freeze/is, Date.UTC.
 *
 * Typing notes: typed arrays are not generic over their buffer (no SharedArrayBuffer); the utility
 * types at the end are our own definitions of the ones TypeScript code commonly uses.
 */

// ---- Core object model -------------------------------------------------------------------------------

type PropertyKey = string | number;

interface PropertyDescriptor {
  configurable?: boolean;
  enumerable?: boolean;
  value?: any;
  writable?: boolean;
  get?(): any;
  set?(v: any): void;
}
interface PropertyDescriptorMap {
  [key: string]: PropertyDescriptor;
}
interface TypedPropertyDescriptor<T> {
  enumerable?: boolean;
  configurable?: boolean;
  writable?: boolean;
  value?: T;
  get?: () => T;
  set?: (value: T) => void;
}

interface Object {
  constructor: Function;
  toString(): string;
  valueOf(): Object;
  hasOwnProperty(v: PropertyKey): boolean;
}
interface ObjectConstructor {
  new (value?: any): Object;
  (value?: any): any;
  readonly prototype: Object;
  keys(o: object): string[];
  values<T>(o: { [s: string]: T } | ArrayLike<T>): T[];
  values(o: {}): any[];
  entries<T>(o: { [s: string]: T } | ArrayLike<T>): [string, T][];
  entries(o: {}): [string, any][];
  fromEntries<T = any>(entries: ArrayLike<readonly [PropertyKey, T]>): { [k: string]: T };
  create(o: object | null): any;
  create(o: object | null, properties: PropertyDescriptorMap): any;
  defineProperty<T>(o: T, p: PropertyKey, attributes: PropertyDescriptor): T;
  defineProperties<T>(o: T, properties: PropertyDescriptorMap): T;
  getOwnPropertyNames(o: any): string[];
  getOwnPropertyDescriptor(o: any, p: PropertyKey): PropertyDescriptor | undefined;
  getPrototypeOf(o: any): any;
  setPrototypeOf(o: any, proto: object | null): any;
  assign<T extends {}, U>(target: T, source: U): T & U;
  assign<T extends {}, U, V>(target: T, source1: U, source2: V): T & U & V;
  assign(target: object, ...sources: any[]): any;
}
declare var Object: ObjectConstructor;

interface Function {
  apply(this: Function, thisArg: any, argArray?: any): any;
  call(this: Function, thisArg: any, ...argArray: any[]): any;
  bind(this: Function, thisArg: any, ...argArray: any[]): any;
  toString(): string;
  readonly length: number;
  prototype: any;
  /** Espruino: replace the function's code in place (keeps references). */
  replaceWith(newFunc: Function): void;
}
interface FunctionConstructor {
  new (...args: string[]): Function;
  (...args: string[]): Function;
  readonly prototype: Function;
}
declare var Function: FunctionConstructor;
interface CallableFunction extends Function {}
interface NewableFunction extends Function {}

interface IArguments {
  [index: number]: any;
  length: number;
}

interface ArrayLike<T> {
  readonly length: number;
  readonly [n: number]: T;
}

// ---- Array (Espruino 2v29: src/jswrap_array.c) -------------------------------------------------------

interface ConcatArray<T> {
  readonly length: number;
  readonly [n: number]: T;
  join(separator?: string): string;
  slice(start?: number, end?: number): T[];
}

interface ReadonlyArray<T> {
  readonly length: number;
  readonly [n: number]: T;
  toString(): string;
  concat(...items: (T | ConcatArray<T>)[]): T[];
  join(separator?: string): string;
  slice(start?: number, end?: number): T[];
  indexOf(searchElement: T, fromIndex?: number): number;
  includes(searchElement: T, fromIndex?: number): boolean;
  every(predicate: (value: T, index: number, array: readonly T[]) => unknown, thisArg?: any): boolean;
  some(predicate: (value: T, index: number, array: readonly T[]) => unknown, thisArg?: any): boolean;
  forEach(callbackfn: (value: T, index: number, array: readonly T[]) => void, thisArg?: any): void;
  map<U>(callbackfn: (value: T, index: number, array: readonly T[]) => U, thisArg?: any): U[];
  filter<S extends T>(predicate: (value: T, index: number, array: readonly T[]) => value is S, thisArg?: any): S[];
  filter(predicate: (value: T, index: number, array: readonly T[]) => unknown, thisArg?: any): T[];
  reduce(callbackfn: (previousValue: T, currentValue: T, currentIndex: number, array: readonly T[]) => T): T;
  reduce<U>(callbackfn: (previousValue: U, currentValue: T, currentIndex: number, array: readonly T[]) => U, initialValue: U): U;
  find<S extends T>(predicate: (value: T, index: number, obj: readonly T[]) => value is S, thisArg?: any): S | undefined;
  find(predicate: (value: T, index: number, obj: readonly T[]) => unknown, thisArg?: any): T | undefined;
  findIndex(predicate: (value: T, index: number, obj: readonly T[]) => unknown, thisArg?: any): number;
}

interface Array<T> {
  /** Read-only in Espruino: assigning `length` does not truncate (espruino.md). */
  readonly length: number;
  [n: number]: T;
  toString(): string;
  push(...items: T[]): number;
  pop(): T | undefined;
  shift(): T | undefined;
  unshift(...items: T[]): number;
  concat(...items: (T | ConcatArray<T>)[]): T[];
  join(separator?: string): string;
  reverse(): T[];
  slice(start?: number, end?: number): T[];
  sort(compareFn?: (a: T, b: T) => number): this;
  splice(start: number, deleteCount?: number): T[];
  splice(start: number, deleteCount: number, ...items: T[]): T[];
  indexOf(searchElement: T, fromIndex?: number): number;
  includes(searchElement: T, fromIndex?: number): boolean;
  fill(value: T, start?: number, end?: number): this;
  every(predicate: (value: T, index: number, array: T[]) => unknown, thisArg?: any): boolean;
  some(predicate: (value: T, index: number, array: T[]) => unknown, thisArg?: any): boolean;
  forEach(callbackfn: (value: T, index: number, array: T[]) => void, thisArg?: any): void;
  map<U>(callbackfn: (value: T, index: number, array: T[]) => U, thisArg?: any): U[];
  filter<S extends T>(predicate: (value: T, index: number, array: T[]) => value is S, thisArg?: any): S[];
  filter(predicate: (value: T, index: number, array: T[]) => unknown, thisArg?: any): T[];
  reduce(callbackfn: (previousValue: T, currentValue: T, currentIndex: number, array: T[]) => T): T;
  reduce<U>(callbackfn: (previousValue: U, currentValue: T, currentIndex: number, array: T[]) => U, initialValue: U): U;
  find<S extends T>(predicate: (value: T, index: number, obj: T[]) => value is S, thisArg?: any): S | undefined;
  find(predicate: (value: T, index: number, obj: T[]) => unknown, thisArg?: any): T | undefined;
  findIndex(predicate: (value: T, index: number, obj: T[]) => unknown, thisArg?: any): number;
}
interface ArrayConstructor {
  new <T = any>(arrayLength?: number): T[];
  new <T>(...items: T[]): T[];
  <T = any>(arrayLength?: number): T[];
  <T>(...items: T[]): T[];
  isArray(arg: any): arg is any[];
  readonly prototype: any[];
}
declare var Array: ArrayConstructor;

// ---- String, Number, Boolean --------------------------------------------------------------------------

interface String {
  readonly length: number;
  readonly [index: number]: string;
  toString(): string;
  valueOf(): string;
  charAt(pos: number): string;
  /** Byte value 0–255 on ESP32 builds (8-bit strings). */
  charCodeAt(index: number): number;
  concat(...strings: string[]): string;
  indexOf(searchString: string, position?: number): number;
  lastIndexOf(searchString: string, position?: number): number;
  includes(searchString: string, position?: number): boolean;
  startsWith(searchString: string, position?: number): boolean;
  endsWith(searchString: string, endPosition?: number): boolean;
  slice(start?: number, end?: number): string;
  substring(start: number, end?: number): string;
  substr(from: number, length?: number): string;
  /** No `limit` argument in Espruino (src/jswrap_string.c). */
  split(separator: string | RegExp): string[];
  toLowerCase(): string;
  toUpperCase(): string;
  trim(): string;
  padStart(maxLength: number, fillString?: string): string;
  padEnd(maxLength: number, fillString?: string): string;
  repeat(count: number): string;
  replace(searchValue: string | RegExp, replaceValue: string): string;
  replace(searchValue: string | RegExp, replacer: (substring: string, ...args: any[]) => string): string;
  /** Since 2v22. */
  replaceAll(searchValue: string | RegExp, replaceValue: string): string;
  replaceAll(searchValue: string | RegExp, replacer: (substring: string, ...args: any[]) => string): string;
  match(regexp: string | RegExp): RegExpMatchArray | null;
}
interface StringConstructor {
  new (value?: any): String;
  (value?: any): string;
  readonly prototype: String;
  fromCharCode(...codes: number[]): string;
}
declare var String: StringConstructor;

interface Number {
  toString(radix?: number): string;
  toFixed(fractionDigits?: number): string;
  valueOf(): number;
}
interface NumberConstructor {
  new (value?: any): Number;
  (value?: any): number;
  readonly prototype: Number;
  readonly MAX_VALUE: number;
  readonly MIN_VALUE: number;
  readonly NaN: number;
  readonly NEGATIVE_INFINITY: number;
  readonly POSITIVE_INFINITY: number;
}
declare var Number: NumberConstructor;

interface Boolean {
  valueOf(): boolean;
}
interface BooleanConstructor {
  new (value?: any): Boolean;
  <T>(value?: T): boolean;
  readonly prototype: Boolean;
}
declare var Boolean: BooleanConstructor;

declare var NaN: number;
declare var Infinity: number;
declare function parseInt(string: string, radix?: number): number;
declare function parseFloat(string: string): number;
declare function isNaN(number: number): boolean;
declare function isFinite(number: number): boolean;
declare function eval(x: string): any;
declare function encodeURIComponent(s: string | number | boolean): string;
declare function decodeURIComponent(s: string): string;
/** Espruino: base64 encode / decode of 8-bit strings. */
declare function btoa(binaryData: string): string;
declare function atob(base64Data: string): string;

// ---- Math (src/jswrap_math.c; no imul/trunc/clz32/fround/hypot/log2/cbrt) ------------------------------

interface Math {
  readonly E: number;
  readonly LN10: number;
  readonly LN2: number;
  readonly LOG2E: number;
  readonly LOG10E: number;
  readonly PI: number;
  readonly SQRT1_2: number;
  readonly SQRT2: number;
  abs(x: number): number;
  acos(x: number): number;
  asin(x: number): number;
  atan(x: number): number;
  atan2(y: number, x: number): number;
  ceil(x: number): number;
  cos(x: number): number;
  exp(x: number): number;
  floor(x: number): number;
  log(x: number): number;
  max(...values: number[]): number;
  min(...values: number[]): number;
  pow(x: number, y: number): number;
  random(): number;
  round(x: number): number;
  sin(x: number): number;
  sqrt(x: number): number;
  tan(x: number): number;
  sign(x: number): number;
  /** Espruino: clamp x to [min, max]. */
  clip(x: number, min: number, max: number): number;
  /** Espruino: wrap x into [0, max). */
  wrap(x: number, max: number): number;
}
declare var Math: Math;

// ---- JSON, RegExp, Error -----------------------------------------------------------------------------

interface JSON {
  parse(text: string, reviver?: (this: any, key: string, value: any) => any): any;
  stringify(value: any, replacer?: ((this: any, key: string, value: any) => any) | (number | string)[] | null, space?: string | number): string;
}
declare var JSON: JSON;

interface RegExpMatchArray extends Array<string> {
  index?: number;
  input?: string;
}
interface RegExpExecArray extends Array<string> {
  index: number;
  input: string;
}
/**
 * Espruino's RegExp: `. [] [^] \d\D\w\W\s\S ^ $ ( ) | * +`, flags g and i. `?`, `{n,m}`, lazy
 * quantifiers, lookaround and `(?:)` silently never match (espruino.md, issue 1257).
 */
interface RegExp {
  exec(string: string): RegExpExecArray | null;
  test(string: string): boolean;
  readonly source: string;
  readonly global: boolean;
  readonly ignoreCase: boolean;
  lastIndex: number;
}
interface RegExpConstructor {
  new (pattern: RegExp | string, flags?: string): RegExp;
  (pattern: RegExp | string, flags?: string): RegExp;
  readonly prototype: RegExp;
}
declare var RegExp: RegExpConstructor;

interface Error {
  name: string;
  message: string;
  stack?: string;
}
interface ErrorConstructor {
  new (message?: string): Error;
  (message?: string): Error;
  readonly prototype: Error;
}
declare var Error: ErrorConstructor;
/** Note: in Espruino `new TypeError() instanceof Error` is false (espruino.md). */
interface TypeError extends Error {}
interface TypeErrorConstructor {
  new (message?: string): TypeError;
  (message?: string): TypeError;
  readonly prototype: TypeError;
}
declare var TypeError: TypeErrorConstructor;
interface RangeError extends Error {}
interface RangeErrorConstructor {
  new (message?: string): RangeError;
  (message?: string): RangeError;
  readonly prototype: RangeError;
}
declare var RangeError: RangeErrorConstructor;
interface SyntaxError extends Error {}
interface SyntaxErrorConstructor {
  new (message?: string): SyntaxError;
  (message?: string): SyntaxError;
  readonly prototype: SyntaxError;
}
declare var SyntaxError: SyntaxErrorConstructor;
interface ReferenceError extends Error {}
interface ReferenceErrorConstructor {
  new (message?: string): ReferenceError;
  (message?: string): ReferenceError;
  readonly prototype: ReferenceError;
}
declare var ReferenceError: ReferenceErrorConstructor;
/** Espruino's internal errors (e.g. out of memory) are InternalError. */
interface InternalError extends Error {}
interface InternalErrorConstructor {
  new (message?: string): InternalError;
  (message?: string): InternalError;
  readonly prototype: InternalError;
}
declare var InternalError: InternalErrorConstructor;

// ---- Date (src/jswrap_date.c; no Date.UTC) -------------------------------------------------------------

interface Date {
  toString(): string;
  toISOString(): string;
  toUTCString(): string;
  /** Espruino: ISO string in local time with the offset. */
  toLocalISOString(): string;
  valueOf(): number;
  getTime(): number;
  setTime(time: number): number;
  getTimezoneOffset(): number;
  getFullYear(): number;
  getMonth(): number;
  getDate(): number;
  getDay(): number;
  getHours(): number;
  getMinutes(): number;
  getSeconds(): number;
  getMilliseconds(): number;
  setFullYear(year: number, month?: number, date?: number): number;
  setMonth(month: number, date?: number): number;
  setDate(date: number): number;
  setHours(hours: number, min?: number, sec?: number, ms?: number): number;
  setMinutes(min: number, sec?: number, ms?: number): number;
  setSeconds(sec: number, ms?: number): number;
  setMilliseconds(ms: number): number;
}
interface DateConstructor {
  new (): Date;
  new (value: number | string): Date;
  new (year: number, monthIndex: number, date?: number, hours?: number, minutes?: number, seconds?: number, ms?: number): Date;
  (): string;
  readonly prototype: Date;
  now(): number;
  parse(s: string): number;
}
declare var Date: DateConstructor;

// ---- Promise (then/catch/all/resolve/reject only) ---------------------------------------------------

interface PromiseLike<T> {
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2>;
}
interface Promise<T> {
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2>;
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R>;
}
interface PromiseConstructor {
  readonly prototype: Promise<any>;
  new <T>(executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: any) => void) => void): Promise<T>;
  all<T>(values: readonly (T | PromiseLike<T>)[]): Promise<T[]>;
  resolve(): Promise<void>;
  resolve<T>(value: T | PromiseLike<T>): Promise<T>;
  reject<T = never>(reason?: any): Promise<T>;
}
declare var Promise: PromiseConstructor;

// ---- Binary data: ArrayBuffer, DataView, typed arrays -------------------------------------------------

interface ArrayBuffer {
  readonly byteLength: number;
  slice(begin?: number, end?: number): ArrayBuffer;
}
interface ArrayBufferConstructor {
  readonly prototype: ArrayBuffer;
  new (byteLength: number): ArrayBuffer;
}
declare var ArrayBuffer: ArrayBufferConstructor;
type ArrayBufferLike = ArrayBuffer;

interface ArrayBufferView {
  buffer: ArrayBuffer;
  byteLength: number;
  byteOffset: number;
}

/** DataView (little-endian when the flag is true). No BigInt64 accessors. */
interface DataView {
  readonly buffer: ArrayBuffer;
  readonly byteLength: number;
  readonly byteOffset: number;
  getFloat32(byteOffset: number, littleEndian?: boolean): number;
  getFloat64(byteOffset: number, littleEndian?: boolean): number;
  getInt8(byteOffset: number): number;
  getInt16(byteOffset: number, littleEndian?: boolean): number;
  getInt32(byteOffset: number, littleEndian?: boolean): number;
  getUint8(byteOffset: number): number;
  getUint16(byteOffset: number, littleEndian?: boolean): number;
  getUint32(byteOffset: number, littleEndian?: boolean): number;
  setFloat32(byteOffset: number, value: number, littleEndian?: boolean): void;
  setFloat64(byteOffset: number, value: number, littleEndian?: boolean): void;
  setInt8(byteOffset: number, value: number): void;
  setInt16(byteOffset: number, value: number, littleEndian?: boolean): void;
  setInt32(byteOffset: number, value: number, littleEndian?: boolean): void;
  setUint8(byteOffset: number, value: number): void;
  setUint16(byteOffset: number, value: number, littleEndian?: boolean): void;
  setUint32(byteOffset: number, value: number, littleEndian?: boolean): void;
}
interface DataViewConstructor {
  readonly prototype: DataView;
  new (buffer: ArrayBuffer, byteOffset?: number, byteLength?: number): DataView;
}
declare var DataView: DataViewConstructor;

/**
 * The methods Espruino's ArrayBufferView has (src/jswrap_arraybuffer.c plus the Array methods that
 * work on typed arrays). `TA` is the concrete typed-array type. No entries/keys/values/at/findLast.
 */
interface TypedArrayMethods<TA> {
  readonly BYTES_PER_ELEMENT: number;
  readonly buffer: ArrayBuffer;
  readonly byteLength: number;
  readonly byteOffset: number;
  readonly length: number;
  [index: number]: number;
  set(array: ArrayLike<number>, offset?: number): void;
  subarray(begin?: number, end?: number): TA;
  slice(start?: number, end?: number): TA;
  fill(value: number, start?: number, end?: number): TA;
  indexOf(searchElement: number, fromIndex?: number): number;
  includes(searchElement: number, fromIndex?: number): boolean;
  join(separator?: string): string;
  reverse(): TA;
  sort(compareFn?: (a: number, b: number) => number): TA;
  map(callbackfn: (value: number, index: number, array: TA) => number, thisArg?: any): TA;
  forEach(callbackfn: (value: number, index: number, array: TA) => void, thisArg?: any): void;
  filter(predicate: (value: number, index: number, array: TA) => unknown, thisArg?: any): TA;
  find(predicate: (value: number, index: number, obj: TA) => unknown, thisArg?: any): number | undefined;
  findIndex(predicate: (value: number, index: number, obj: TA) => unknown, thisArg?: any): number;
  every(predicate: (value: number, index: number, array: TA) => unknown, thisArg?: any): boolean;
  some(predicate: (value: number, index: number, array: TA) => unknown, thisArg?: any): boolean;
  reduce(callbackfn: (previousValue: number, currentValue: number, currentIndex: number, array: TA) => number): number;
  reduce<U>(callbackfn: (previousValue: U, currentValue: number, currentIndex: number, array: TA) => U, initialValue: U): U;
  toString(): string;
}
interface TypedArrayConstructor<TA> {
  readonly BYTES_PER_ELEMENT: number;
  new (length?: number): TA;
  new (array: ArrayLike<number> | ArrayBuffer): TA;
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): TA;
}

interface Uint8Array extends TypedArrayMethods<Uint8Array> {}
declare var Uint8Array: TypedArrayConstructor<Uint8Array> & { readonly prototype: Uint8Array };
interface Int8Array extends TypedArrayMethods<Int8Array> {}
declare var Int8Array: TypedArrayConstructor<Int8Array> & { readonly prototype: Int8Array };
interface Uint8ClampedArray extends TypedArrayMethods<Uint8ClampedArray> {}
declare var Uint8ClampedArray: TypedArrayConstructor<Uint8ClampedArray> & { readonly prototype: Uint8ClampedArray };
interface Uint16Array extends TypedArrayMethods<Uint16Array> {}
declare var Uint16Array: TypedArrayConstructor<Uint16Array> & { readonly prototype: Uint16Array };
interface Int16Array extends TypedArrayMethods<Int16Array> {}
declare var Int16Array: TypedArrayConstructor<Int16Array> & { readonly prototype: Int16Array };
interface Uint32Array extends TypedArrayMethods<Uint32Array> {}
declare var Uint32Array: TypedArrayConstructor<Uint32Array> & { readonly prototype: Uint32Array };
interface Int32Array extends TypedArrayMethods<Int32Array> {}
declare var Int32Array: TypedArrayConstructor<Int32Array> & { readonly prototype: Int32Array };
interface Float32Array extends TypedArrayMethods<Float32Array> {}
declare var Float32Array: TypedArrayConstructor<Float32Array> & { readonly prototype: Float32Array };
interface Float64Array extends TypedArrayMethods<Float64Array> {}
declare var Float64Array: TypedArrayConstructor<Float64Array> & { readonly prototype: Float64Array };

// ---- Template literals and globalThis ----------------------------------------------------------------

interface TemplateStringsArray extends ReadonlyArray<string> {
  readonly raw: readonly string[];
}
/** `globalThis` (Espruino 2v22+) is provided by TypeScript itself from the declarations in scope. */

// ---- Utility types (our own definitions of the usual TypeScript helpers) ------------------------------

type Partial<T> = { [P in keyof T]?: T[P] };
type Required<T> = { [P in keyof T]-?: T[P] };
type Readonly<T> = { readonly [P in keyof T]: T[P] };
type Pick<T, K extends keyof T> = { [P in K]: T[P] };
type Record<K extends keyof any, T> = { [P in K]: T };
type Exclude<T, U> = T extends U ? never : T;
type Extract<T, U> = T extends U ? T : never;
type Omit<T, K extends keyof any> = Pick<T, Exclude<keyof T, K>>;
type NonNullable<T> = T & {};
type Parameters<T extends (...args: any) => any> = T extends (...args: infer P) => any ? P : never;
type ConstructorParameters<T extends abstract new (...args: any) => any> = T extends abstract new (...args: infer P) => any ? P : never;
type ReturnType<T extends (...args: any) => any> = T extends (...args: any) => infer R ? R : any;
type InstanceType<T extends abstract new (...args: any) => any> = T extends abstract new (...args: any) => infer R ? R : any;
type ThisParameterType<T> = T extends (this: infer U, ...args: never) => any ? U : unknown;
type OmitThisParameter<T> = unknown extends ThisParameterType<T> ? T : T extends (...args: infer A) => infer R ? (...args: A) => R : T;
interface ThisType<T> {}
type Awaited<T> = T extends null | undefined ? T : T extends object & { then(onfulfilled: infer F, ...args: infer _): any } ? F extends (value: infer V, ...args: infer _) => any ? Awaited<V> : never : T;
