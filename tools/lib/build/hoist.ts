/**
 * Hoisting for Espruino. Espruino does not hoist: a function declared further down a body does not
 * exist until its declaration runs, and a `var` exists only once its declaration statement has executed
 * (reference/espruino.md, "Semantics that differ"). Standard JavaScript initialises function
 * declarations at scope entry and creates every `var` as undefined. This pass makes the code say what
 * the standard does, so both agree:
 *   - every function body (and the program) starts with one `var a, b, c;` naming all its vars, and each
 *     original `var x = e` becomes the assignment `x = e` (`for (var k in o)` → `for (k in o)`);
 *   - function declarations move to the top of their block, after that `var` line, in source order.
 * It runs last, after lowering and minification, so nothing can undo it; subset.ts checks the result.
 */
import babel from '@babel/core';
import type { NodePath, PluginObj } from '@babel/core';
import type * as BT from '@babel/types';

const t = babel.types;

function declaredNames(decl: BT.VariableDeclaration): string[] {
  const names: string[] = [];
  for (const d of decl.declarations) {
    if (t.isIdentifier(d.id)) names.push(d.id.name);
    else throw new Error('hoist: destructuring pattern left after lowering');
  }
  return names;
}

function assignments(decl: BT.VariableDeclaration): BT.Expression | null {
  const parts: BT.Expression[] = [];
  for (const d of decl.declarations) {
    if (d.init) {
      const a = t.assignmentExpression('=', t.identifier((d.id as BT.Identifier).name), d.init);
      a.loc = d.loc;
      parts.push(a);
    }
  }
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : t.sequenceExpression(parts);
}

/** Removes the `var` keyword from every var declaration of this function scope; returns the names. */
function stripVars(scopePath: NodePath<BT.Program | BT.Function>): string[] {
  const names: string[] = [];
  scopePath.traverse({
    Function(p) {
      p.skip();
    },
    VariableDeclaration(p) {
      if (p.node.kind !== 'var') return;
      names.push(...declaredNames(p.node));
      const parent = p.parentPath;
      if ((parent.isForInStatement() || parent.isForOfStatement()) && p.key === 'left') {
        p.replaceWith(t.identifier((p.node.declarations[0].id as BT.Identifier).name));
        return;
      }
      const expr = assignments(p.node);
      if (parent.isForStatement() && p.key === 'init') {
        if (expr) p.replaceWith(expr);
        else p.remove();
        return;
      }
      if (expr) {
        const st = t.expressionStatement(expr);
        st.loc = p.node.loc;
        p.replaceWith(st);
      } else if (parent.isBlockStatement() || parent.isProgram() || parent.isSwitchCase()) {
        p.remove();
      } else {
        p.replaceWith(t.emptyStatement());
      }
    },
  });
  return names;
}

function paramNames(fn: BT.Function): Set<string> {
  const s = new Set<string>();
  for (const p of fn.params) if (t.isIdentifier(p)) s.add(p.name);
  if ((t.isFunctionExpression(fn) || t.isFunctionDeclaration(fn)) && fn.id) s.add(fn.id.name);
  s.add('arguments');
  return s;
}

/** Moves function declarations to the front of a statement list (after directives / a leading var). */
function liftFunctions(body: BT.Statement[], after: number): BT.Statement[] {
  const head = body.slice(0, after);
  const fns = body.slice(after).filter((s) => t.isFunctionDeclaration(s));
  const rest = body.slice(after).filter((s) => !t.isFunctionDeclaration(s));
  return [...head, ...fns, ...rest];
}

function hoistScope(path: NodePath<BT.Program | BT.Function>): void {
  const node = path.node;
  let bodyNode: BT.BlockStatement | BT.Program;
  let exclude = new Set<string>();
  if (t.isProgram(node)) {
    bodyNode = node;
  } else {
    if (!t.isBlockStatement(node.body)) return; // expression-bodied arrow: no statements to hoist
    bodyNode = node.body;
    exclude = paramNames(node);
  }
  const names = stripVars(path);
  const fnNames = new Set(bodyNode.body.filter((s): s is BT.FunctionDeclaration => t.isFunctionDeclaration(s)).map((s) => s.id!.name));
  const unique: string[] = [];
  for (const n of names) if (!exclude.has(n) && !fnNames.has(n) && !unique.includes(n)) unique.push(n);
  let body = bodyNode.body;
  let after = 0;
  if (unique.length) {
    body = [t.variableDeclaration('var', unique.map((n) => t.variableDeclarator(t.identifier(n)))), ...body];
    after = 1;
  }
  bodyNode.body = liftFunctions(body, after);
}

export function hoistPlugin(): PluginObj {
  return {
    name: 'sensornode-hoist',
    visitor: {
      Program: {
        exit(path) {
          // Innermost scopes first, so a function moved by its parent already has its own var line.
          const fns: NodePath<BT.Function>[] = [];
          path.traverse({
            Function(p) {
              fns.push(p);
            },
          });
          for (const f of fns.reverse()) hoistScope(f);
          hoistScope(path);
          // Function declarations inside plain blocks (if/loop bodies) go to the top of their block.
          path.traverse({
            BlockStatement(p) {
              if (p.parentPath.isFunction()) return;
              p.node.body = liftFunctions(p.node.body, 0);
            },
          });
        },
      },
    },
  };
}
