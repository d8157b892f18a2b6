/**
 * The device codec must run on Espruino 2v29 without any transformation (common rules; espruino.md
 * "Language: NOT supported", "Missing globals"). This walks the device code, bundled by esbuild
 * without minification (TypeScript stripped, nothing lowered), and refuses the syntax and globals
 * Espruino lacks, plus calls at load time to functions declared later (Espruino does not hoist).
 */
import { describe, expect, it } from 'vitest';
import { buildSync } from 'esbuild';
import { parse, type Node } from 'acorn';
import { fullAncestor } from 'acorn-walk';
import { fileURLToPath } from 'node:url';

const ENTRIES = ['index.ts', 'counter.ts'].map((f) => fileURLToPath(new URL(`../../firmware/codec/${f}`, import.meta.url)));

const MISSING_GLOBALS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'TextEncoder', 'TextDecoder', 'Buffer', 'process', 'require', 'globalThis', 'Intl', 'WeakRef']);
const MISSING_STATICS = new Set([
  'Math.imul', 'Math.trunc', 'Math.clz32', 'Math.fround', 'Math.log2', 'Math.hypot', 'Math.cbrt', 'Number.isInteger', 'Number.isFinite',
  'Number.isNaN', 'Number.EPSILON', 'Number.MAX_SAFE_INTEGER', 'Number.isSafeInteger', 'Array.from', 'Array.of', 'Object.freeze', 'Object.is',
  'String.raw', 'Date.UTC', 'Promise.race', 'Promise.allSettled', 'Promise.any',
]);
const MISSING_METHODS = new Set(['flat', 'flatMap', 'at', 'findLast', 'lastIndexOf', 'reduceRight', 'trimStart', 'trimEnd', 'codePointAt', 'matchAll', 'normalize', 'finally']);

function bundle(entry: string): string {
  const r = buildSync({ entryPoints: [entry], bundle: true, write: false, format: 'esm', target: 'es2022', minify: false, logLevel: 'silent' });
  return r.outputFiles[0].text;
}

function violations(code: string): string[] {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'module', locations: true });
  const out: string[] = [];
  const at = (n: Node) => `line ${(n as Node & { loc: { start: { line: number } } }).loc.start.line}`;
  fullAncestor(ast, (node, _state, ancestors) => {
    const n = node as Node & Record<string, any>;
    const parent = ancestors[ancestors.length - 2] as (Node & Record<string, any>) | undefined;
    switch (n.type) {
      case 'SpreadElement': case 'RestElement': case 'ObjectPattern': case 'ArrayPattern': case 'AssignmentPattern':
      case 'PropertyDefinition': case 'ChainExpression': case 'LabeledStatement': case 'TaggedTemplateExpression':
      case 'AwaitExpression': case 'YieldExpression': case 'PrivateIdentifier': case 'ImportExpression':
        out.push(`${n.type} at ${at(n)}`);
        break;
      case 'BinaryExpression':
        if (n.operator === '**') out.push(`** at ${at(n)}`);
        break;
      case 'AssignmentExpression':
        if (['**=', '??=', '||=', '&&='].includes(n.operator)) out.push(`${n.operator} at ${at(n)}`);
        break;
      case 'Property':
        if (n.computed) out.push(`computed key at ${at(n)}`);
        break;
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
        if (n.async || n.generator) out.push(`async/generator at ${at(n)}`);
        break;
      case 'ClassDeclaration': case 'ClassExpression':
        if (n.superClass && n.superClass.type !== 'Identifier') out.push(`extends (expression) at ${at(n)}`);
        if (n.superClass?.name === 'Error') out.push(`extends Error at ${at(n)}`);
        break;
      case 'Literal':
        if (n.regex) out.push(`RegExp literal at ${at(n)} (check Espruino's subset)`);
        if (typeof n.bigint === 'string') out.push(`BigInt literal at ${at(n)}`);
        break;
      case 'MemberExpression': {
        if (!n.computed && n.object.type === 'Identifier' && MISSING_STATICS.has(`${n.object.name}.${n.property.name}`)) out.push(`${n.object.name}.${n.property.name} at ${at(n)}`);
        if (!n.computed && n.property.name === 'prototype') out.push(`reads a built-in prototype at ${at(n)}`);
        if (!n.computed && MISSING_METHODS.has(n.property.name)) out.push(`.${n.property.name}() at ${at(n)}`);
        break;
      }
      case 'Identifier': {
        if (!MISSING_GLOBALS.has(n.name)) break;
        const isPropertyName = parent && ((parent.type === 'MemberExpression' && parent.property === n && !parent.computed) || (parent.type === 'Property' && parent.key === n && !parent.computed));
        if (!isPropertyName) out.push(`global ${n.name} at ${at(n)}`);
        break;
      }
    }
  });
  // no hoisting: a top-level statement may only call functions declared above it
  const declared = new Set<string>();
  for (const stmt of (ast as unknown as { body: (Node & Record<string, any>)[] }).body) {
    if (stmt.type === 'FunctionDeclaration') {
      declared.add(stmt.id.name);
      continue;
    }
    if (stmt.type === 'ClassDeclaration') {
      declared.add(stmt.id.name);
      continue;
    }
    fullAncestor(stmt, (node, _s, anc) => {
      const n = node as Node & Record<string, any>;
      const inFunction = anc.slice(0, -1).some((a) => /Function/.test(a.type));
      if (!inFunction && (n.type === 'CallExpression' || n.type === 'NewExpression') && n.callee.type === 'Identifier') {
        const name = n.callee.name as string;
        if (/^[a-z_$]/.test(name) && !declared.has(name)) out.push(`top-level call of ${name} before its declaration at ${at(n)}`);
      }
    });
  }
  return out;
}

describe('device codec stays inside the Espruino language subset', () => {
  it.each(ENTRIES.map((e) => [e.split('/').pop()!, e]))('%s bundle has no unsupported syntax or globals', (_name, entry) => {
    expect(violations(bundle(entry))).toEqual([]);
  });

  it('the checker itself catches what it must', () => {
    const bad = [
      'const m = new Map();', 'function f(a = 1) {}', 'const [a] = [1];', 'f(...x);', 'const y = x?.z;', 'let z = 2 ** 3;',
      'class A { x = 1 }', 'const n = Math.imul(1, 2);', 'Array.prototype.slice.call(x);', 'const o = { [k]: 1 };',
      'async function g() {}', 'const q = Number.isInteger(1);', 'x.at(-1);', 'early(); function early() {}', 'class E extends Error {}',
    ];
    for (const src of bad) expect(violations(src), src).not.toEqual([]);
    expect(violations('function ok(a) { return a.slice(0); } var v = ok([1]);')).toEqual([]);
  });
});
