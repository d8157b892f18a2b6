/**
 * Validates that code is in the Espruino 2v29 subset: no syntax Espruino rejects (reference/espruino.md
 * "NOT supported — syntax errors") and the structural invariants that make Espruino's non-standard
 * semantics irrelevant (no let/const left, vars and functions hoisted, no class fields). The build runs
 * it on every output; tests run it on every fixture's output.
 */
import babel from '@babel/core';
import type { NodePath } from '@babel/core';
import type * as BT from '@babel/types';
import { checkAst, parseScript, type Finding } from './check.ts';

const t = babel.types;

export interface SubsetViolation {
  what: string;
  line: number;
  column: number;
}

function v(node: BT.Node, what: string): SubsetViolation {
  const s = node.loc?.start ?? { line: 1, column: 0 };
  return { what, line: s.line, column: s.column };
}

/** Each body must be: directives, then at most one `var` without initialisers, then function declarations, then the rest. */
function checkBodyOrder(body: BT.Statement[], allowVarHead: boolean, out: SubsetViolation[]): void {
  let i = 0;
  if (allowVarHead && body[0] && t.isVariableDeclaration(body[0])) {
    if (body[0].declarations.some((d) => d.init)) out.push(v(body[0], 'hoisted var line has an initialiser'));
    i = 1;
  }
  let seenOther = false;
  for (; i < body.length; i++) {
    const s = body[i];
    if (t.isFunctionDeclaration(s)) {
      if (seenOther) out.push(v(s, `function ${s.id?.name} is declared after other statements (Espruino does not hoist)`));
    } else {
      seenOther = true;
    }
  }
}

export function validateSubset(code: string, filename = 'bundle.js'): { violations: SubsetViolation[]; findings: Finding[] } {
  const ast = parseScript(code, filename);
  const out: SubsetViolation[] = [];
  babel.traverse(ast, {
    AssignmentPattern(p) {
      out.push(v(p.node, 'default value / default parameter'));
    },
    RestElement(p) {
      out.push(v(p.node, 'rest element / rest parameter'));
    },
    SpreadElement(p) {
      out.push(v(p.node, 'spread'));
    },
    ObjectPattern(p) {
      out.push(v(p.node, 'object destructuring'));
    },
    ArrayPattern(p) {
      out.push(v(p.node, 'array destructuring'));
    },
    ObjectProperty(p) {
      if (p.node.computed) out.push(v(p.node, 'computed object key'));
    },
    ObjectMethod(p) {
      if (p.node.computed) out.push(v(p.node, 'computed object key'));
    },
    BinaryExpression(p) {
      if (p.node.operator === '**') out.push(v(p.node, '** operator'));
    },
    AssignmentExpression(p) {
      const op = p.node.operator;
      if (op === '**=' || op === '??=' || op === '||=' || op === '&&=') out.push(v(p.node, `${op} operator`));
    },
    OptionalMemberExpression(p) {
      out.push(v(p.node, 'optional chaining ?.'));
    },
    OptionalCallExpression(p) {
      out.push(v(p.node, 'optional call ?.()'));
    },
    ClassProperty(p) {
      out.push(v(p.node, 'class field'));
    },
    ClassPrivateProperty(p) {
      out.push(v(p.node, 'private class field'));
    },
    StaticBlock(p) {
      out.push(v(p.node, 'class static block'));
    },
    VariableDeclaration(p) {
      if (p.node.kind !== 'var') out.push(v(p.node, `${p.node.kind} declaration left (per-iteration binding semantics differ)`));
      const parent = p.parentPath;
      const isHead = (parent.isBlockStatement() && parent.parentPath.isFunction()) || parent.isProgram();
      if (!isHead || p.key !== 0) out.push(v(p.node, 'var declaration not hoisted to the top of its function'));
    },
    Program(p) {
      checkBodyOrder(p.node.body, true, out);
    },
    BlockStatement(p: NodePath<BT.BlockStatement>) {
      checkBodyOrder(p.node.body, p.parentPath.isFunction(), out);
    },
  });
  // Reject-rule constructs (generators, async, labels, missing globals, …) must not be in the output either.
  const findings = checkAst(ast);
  return { violations: out, findings };
}
