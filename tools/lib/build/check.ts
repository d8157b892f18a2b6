/**
 * The reject rules of the Espruino compat pass (rules.ts), applied to the whole esbuild bundle — the
 * user's files and every bundled dependency alike. Each finding carries the bundle position; the build
 * maps it back to the TypeScript source through esbuild's source map.
 *
 * Also run on the final output as a safety net: a finding there means one of the transforms introduced
 * something Espruino cannot run (reported as an internal error, never shipped).
 */
import babel from '@babel/core';
import type { NodePath } from '@babel/core';
import type * as BT from '@babel/types';
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS } from './rules.ts';
import { scanRegExp } from './regexp.ts';

const t = babel.types;

export interface Finding {
  rule: string;
  message: string;
  /** Per-finding fix hint (falls back to the rule's hint). */
  hint?: string;
  /** 1-based line, 0-based column in the checked code. */
  line: number;
  column: number;
}

const ERROR_CLASSES = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);

/** Names assigned as properties or defined as methods anywhere: a call `.at()` on those is the user's own method. */
function collectOwnMemberNames(ast: BT.File): { methods: Set<string>; polyfilled: Set<string> } {
  const methods = new Set<string>();
  const polyfilled = new Set<string>();
  babel.traverse(ast, {
    ObjectProperty(p) {
      if (!p.node.computed && t.isIdentifier(p.node.key)) methods.add(p.node.key.name);
    },
    ObjectMethod(p) {
      if (!p.node.computed && t.isIdentifier(p.node.key)) methods.add(p.node.key.name);
    },
    ClassMethod(p) {
      if (!p.node.computed && t.isIdentifier(p.node.key)) methods.add(p.node.key.name);
    },
    ClassProperty(p) {
      if (!p.node.computed && t.isIdentifier(p.node.key)) methods.add(p.node.key.name);
    },
    AssignmentExpression(p) {
      const l = p.node.left;
      if (t.isMemberExpression(l) && !l.computed && t.isIdentifier(l.property)) {
        methods.add(l.property.name);
        if (t.isIdentifier(l.object)) polyfilled.add(`${l.object.name}.${l.property.name}`);
        // Array.prototype.flat = … polyfills the method.
        if (t.isMemberExpression(l.object) && t.isIdentifier(l.object.property, { name: 'prototype' })) methods.add(l.property.name);
      }
    },
  });
  return { methods, polyfilled };
}

/** True when a read is only a feature test: `typeof X`, `if (X)`, `X ? … : …`, `X && …`, `!X`. */
function isFeatureTest(path: NodePath): boolean {
  let p: NodePath = path;
  while (p.parentPath && p.parentPath.isUnaryExpression({ operator: '!' })) p = p.parentPath;
  const parent = p.parentPath;
  if (!parent) return false;
  if (parent.isUnaryExpression({ operator: 'typeof' })) return true;
  if ((parent.isIfStatement() || parent.isConditionalExpression()) && p.key === 'test') return true;
  if (parent.isLogicalExpression() && p.key === 'left') return true;
  if (parent.isBinaryExpression() && (parent.node.operator === '===' || parent.node.operator === '!==' || parent.node.operator === '==' || parent.node.operator === '!=')) {
    const other = p.key === 'left' ? parent.node.right : parent.node.left;
    if (t.isIdentifier(other, { name: 'undefined' }) || t.isNullLiteral(other) || t.isUnaryExpression(other, { operator: 'void' })) return true;
  }
  return false;
}

function at(node: BT.Node, rule: string, message: string, hint?: string): Finding {
  const loc = node.loc?.start ?? { line: 1, column: 0 };
  return { rule, message, hint, line: loc.line, column: loc.column };
}

function checkRegex(node: BT.Node, pattern: string, flags: string, out: Finding[]): void {
  const problems = scanRegExp(pattern, flags);
  if (problems.length) {
    const list = problems.map((p) => p.feature).join(', ');
    out.push(at(node, 'regexp-unsupported', `RegExp /${pattern}/${flags} uses ${list}, which Espruino does not support`));
  }
}

export function checkAst(ast: BT.File): Finding[] {
  const out: Finding[] = [];
  const { methods, polyfilled } = collectOwnMemberNames(ast);

  const fn = (p: NodePath<BT.Function>) => {
    const n = p.node;
    if (n.generator) out.push(at(n, 'generator', 'generator functions (function*) are not supported by Espruino'));
    if (n.async) out.push(at(n, 'async-await', 'async functions are not supported by Espruino'));
  };

  babel.traverse(ast, {
    Function: fn,
    AwaitExpression(p) {
      if (!p.getFunctionParent()?.node.async) out.push(at(p.node, 'async-await', 'top-level await is not supported by Espruino'));
    },
    BigIntLiteral(p) {
      out.push(at(p.node, 'bigint', `BigInt literal ${p.node.value}n is not supported by Espruino`));
    },
    LabeledStatement(p) {
      out.push(at(p.node, 'label', `label '${p.node.label.name}:' is not supported by Espruino`));
    },
    TaggedTemplateExpression(p) {
      out.push(at(p.node, 'tagged-template', 'tagged template literals are not supported by Espruino'));
    },
    WithStatement(p) {
      out.push(at(p.node, 'with-statement', '`with` is not supported by Espruino'));
    },
    Class(p) {
      const sc = p.node.superClass;
      if (!sc) return;
      if (!t.isIdentifier(sc)) {
        out.push(at(sc, 'extends-expression', 'Espruino can only extend a class named by an identifier'));
      } else if (ERROR_CLASSES.has(sc.name) && !p.scope.hasBinding(sc.name, { noGlobals: true })) {
        out.push(at(sc, 'extends-error', `class ${p.node.id?.name ?? '(anonymous)'} extends ${sc.name}: subclassing Error fails on Espruino`));
      }
    },
    PrivateName(p) {
      out.push(at(p.node, 'private-member', `private member #${p.node.id.name} is not supported by Espruino`));
    },
    NewExpression(p) {
      if (p.node.arguments.some((a) => t.isSpreadElement(a))) {
        out.push(at(p.node, 'spread-new', '`new X(...args)` cannot be lowered for Espruino (needs Reflect.construct)'));
      }
      regexConstructor(p.node);
    },
    CallExpression(p) {
      regexConstructor(p.node);
      const callee = p.node.callee;
      if (t.isMemberExpression(callee) && !callee.computed && t.isIdentifier(callee.property)) {
        const name = callee.property.name;
        if (Object.prototype.hasOwnProperty.call(MISSING_METHODS, name) && !methods.has(name) && !isStaticOwner(callee.object)) {
          out.push(at(callee.property, 'missing-method', `.${name}() does not exist on Espruino's built-in types`, MISSING_METHODS[name]));
        }
      }
    },
    RegExpLiteral(p) {
      checkRegex(p.node, p.node.pattern, p.node.flags, out);
    },
    ReferencedIdentifier(p) {
      const n = p.node as BT.Identifier;
      if (!t.isIdentifier(n)) return;
      if (!Object.prototype.hasOwnProperty.call(MISSING_GLOBALS, n.name)) return;
      if (p.scope.hasBinding(n.name, { noGlobals: true })) return;
      if (isFeatureTest(p)) return;
      // `globalThis.Map` style reads are member expressions, handled by the engine at run time.
      out.push(at(n, 'missing-global', `${n.name} is not available in Espruino 2v29`, MISSING_GLOBALS[n.name]));
    },
    MemberExpression(p) {
      const n = p.node;
      if (!t.isIdentifier(n.object)) return;
      const owner = n.object.name;
      const table = Object.prototype.hasOwnProperty.call(MISSING_STATICS, owner) ? MISSING_STATICS[owner] : undefined;
      if (!table) return;
      const prop = !n.computed && t.isIdentifier(n.property) ? n.property.name : t.isStringLiteral(n.property) ? n.property.value : undefined;
      if (!prop || !Object.prototype.hasOwnProperty.call(table, prop)) return;
      if (p.scope.hasBinding(owner, { noGlobals: true })) return;
      if (polyfilled.has(`${owner}.${prop}`)) return;
      if (p.parentPath.isAssignmentExpression() && p.key === 'left') return;
      if (isFeatureTest(p)) return;
      out.push(at(n, 'missing-static', `${owner}.${prop} is not available in Espruino 2v29`, table[prop]));
    },
  });

  function regexConstructor(n: BT.CallExpression | BT.NewExpression): void {
    if (!t.isIdentifier(n.callee, { name: 'RegExp' })) return;
    const [src, flags] = n.arguments;
    if (t.isStringLiteral(src) && (flags === undefined || t.isStringLiteral(flags))) {
      checkRegex(n, src.value, flags ? (flags as BT.StringLiteral).value : '', out);
    }
  }

  out.sort((a, b) => a.line - b.line || a.column - b.column);
  return out;
}

/** `Promise.finally` style calls on a constructor are statics, handled by missing-static. */
function isStaticOwner(obj: BT.Node): boolean {
  return t.isIdentifier(obj) && Object.prototype.hasOwnProperty.call(MISSING_STATICS, obj.name);
}

export function parseScript(code: string, filename: string): BT.File {
  const ast = babel.parseSync(code, {
    filename,
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    parserOpts: { errorRecovery: false },
  });
  if (!ast) throw new Error(`could not parse ${filename}`);
  return ast as BT.File;
}
