/**
 * Lowering of what esbuild refuses to lower for an Espruino target (default and rest parameters,
 * destructuring, array spread — esbuild 0.28: "not supported yet"), plus object spread/rest, computed
 * keys and per-iteration loop bindings. Babel's individual ES2015 plugins do exactly these transforms;
 * their assumptions are chosen so the output needs no helper that touches Symbol, Array.from or Reflect
 * (all missing in Espruino):
 *   - setPublicClassFields: `items = []` becomes `this.items = []` in the constructor (Espruino would put
 *     the initializer's value on the prototype, shared by every instance);
 *   - iterableIsArray: destructuring and spread index arrays (`a[0]`, `[].concat(a)`), no iterator protocol;
 *   - objectRestNoSymbols / setSpreadProperties + useBuiltIns: object spread is Object.assign;
 *   - block scoping turns let/const into var and moves closures made in loops into a `_loop` function
 *     per iteration, which gives each closure its own binding (Espruino has no per-iteration let).
 * A final check (check.ts on the output) proves no helper reintroduced a missing global.
 */
import babel from '@babel/core';
import type { PluginObj } from '@babel/core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const t = babel.types;

const BUILTIN_INSTANCES: Record<string, () => babel.types.Expression> = {
  Array: () => t.arrayExpression([]),
  Object: () => t.objectExpression([]),
  String: () => t.stringLiteral(''),
  Number: () => t.numericLiteral(0),
  Boolean: () => t.booleanLiteral(false),
  Function: () => t.functionExpression(null, [], t.blockStatement([])),
};

/**
 * `Array.prototype.slice` → `[].slice` (and Object/String/Number/Boolean/Function): Espruino's built-in
 * prototypes read as empty (https://github.com/espruino/Espruino/issues/159), instances have the
 * methods. Assignments (polyfills such as `Array.prototype.x = …`) are left alone.
 */
export function builtinPrototypePlugin(): PluginObj {
  return {
    name: 'sensornode-builtin-prototype-read',
    visitor: {
      MemberExpression(path) {
        const obj = path.node.object;
        if (!t.isMemberExpression(obj) || obj.computed || !t.isIdentifier(obj.property, { name: 'prototype' })) return;
        if (!t.isIdentifier(obj.object)) return;
        const make = BUILTIN_INSTANCES[obj.object.name];
        if (!make || path.scope.hasBinding(obj.object.name, { noGlobals: true })) return;
        if (path.parentPath.isAssignmentExpression() && path.key === 'left') return;
        const inst = make();
        inst.loc = obj.loc;
        path.get('object').replaceWith(inst);
      },
    },
  };
}

/** Placeholder the build gives Espruino's built-in `require` while esbuild bundles (see index.ts). */
export const ESPRUINO_REQUIRE = '__espruino_require__';

/** `__espruino_require__("Storage")` → `require("Storage")`: Espruino's own module loader. */
export function espruinoRequirePlugin(): PluginObj {
  return {
    name: 'sensornode-espruino-require',
    visitor: {
      Identifier(path) {
        if (path.node.name === ESPRUINO_REQUIRE && !path.scope.hasBinding(ESPRUINO_REQUIRE)) path.node.name = 'require';
      },
    },
  };
}

export const LOWER_ASSUMPTIONS = {
  iterableIsArray: true,
  arrayLikeIsIterable: false,
  objectRestNoSymbols: true,
  setSpreadProperties: true,
  setComputedProperties: true,
  setPublicClassFields: true,
  ignoreFunctionLength: true,
  pureGetters: true,
} as const;

export function lowerPlugins(): babel.PluginItem[] {
  return [
    builtinPrototypePlugin,
    espruinoRequirePlugin,
    require.resolve('@babel/plugin-transform-class-properties'),
    require.resolve('@babel/plugin-transform-parameters'),
    require.resolve('@babel/plugin-transform-destructuring'),
    require.resolve('@babel/plugin-transform-spread'),
    [require.resolve('@babel/plugin-transform-object-rest-spread'), { useBuiltIns: true }],
    require.resolve('@babel/plugin-transform-computed-properties'),
    require.resolve('@babel/plugin-transform-block-scoping'),
  ];
}
