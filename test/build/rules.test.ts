/**
 * Every row of the rule table (tools/lib/build/rules.ts) is tested with its two fixtures:
 * transform rules — the built bundle is in the Espruino subset and prints what the original
 * TypeScript prints in Node; reject rules — the caught fixture fails with that rule at the right
 * TypeScript line, the passing fixture builds.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RULES } from '../../tools/lib/build/rules.ts';
import { buildApp, BuildError } from '../../tools/lib/build/index.ts';
import { validateSubset } from '../../tools/lib/build/subset.ts';
import { runScript, runTsInNode, writeApp } from './helpers.ts';

async function build(source: string, minify: boolean) {
  const dir = writeApp(source);
  return buildApp({ entry: dir, outDir: join(dir, 'dist'), minify, cwd: dir });
}

describe.each(RULES.filter((r) => r.action === 'transform'))('transform rule $id', (rule) => {
  it.each([true, false])('caught fixture: subset output, same results as Node (minify=%s)', async (minify) => {
    const r = await build(rule.fixtures.caught, minify);
    const check = validateSubset(r.code);
    expect(check.violations).toEqual([]);
    expect(check.findings).toEqual([]);
    const expected = await runTsInNode(rule.fixtures.caught);
    expect(expected.length).toBeGreaterThan(0);
    expect(runScript(r.code)).toBe(expected);
  });
  it('passing fixture builds and runs the same', async () => {
    const r = await build(rule.fixtures.passes, true);
    expect(runScript(r.code)).toBe(await runTsInNode(rule.fixtures.passes));
  });
});

describe.each(RULES.filter((r) => r.action === 'reject'))('reject rule $id', (rule) => {
  it('caught fixture fails naming the rule, the TS file and line, with a hint', async () => {
    const err = await build(rule.fixtures.caught, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BuildError);
    const diags = (err as BuildError).diagnostics;
    const d = diags.find((x) => x.rule === rule.id);
    expect(d, `diagnostics: ${JSON.stringify(diags)}`).toBeDefined();
    expect(d!.where).toMatch(/^main\.ts:\d+:\d+$/);
    const line = Number(d!.where.split(':')[1]);
    expect(rule.fixtures.caught.split('\n').length).toBeGreaterThanOrEqual(line);
    expect(d!.hint ?? '').not.toBe('');
  });
  it('passing fixture builds', async () => {
    const r = await build(rule.fixtures.passes, true);
    expect(validateSubset(r.code).violations).toEqual([]);
  });
});
