/** A registry with one fleet in a temp dir, and what the provisioning tests share. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { initFleet, openRegistry, readKeyFile, type LogRow } from '../../tools/lib/registry/index.ts';
import { UserError } from '../../tools/lib/errors.ts';

export const ROOT = join(import.meta.dirname, '../..');

export interface Fixture {
  dir: string;
  db: string;
  keyFile: string;
  secret: Uint8Array;
  path(name: string): string;
  devices(): ReturnType<ReturnType<typeof openRegistry>['listDevices']>;
  log(): LogRow[];
  remove(): void;
}

export function fleetFixture(name = 'farm'): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'sn-provision-'));
  const db = join(dir, 'sensornode.db');
  const r = initFleet({ registryPath: db, name });
  const withReg = <T>(fn: (reg: ReturnType<typeof openRegistry>) => T): T => {
    const reg = openRegistry(db);
    try {
      return fn(reg);
    } finally {
      reg.close();
    }
  };
  return {
    dir,
    db,
    keyFile: r.keyFile,
    secret: readKeyFile(r.keyFile).secret,
    path: (n) => join(dir, n),
    devices: () => withReg((reg) => reg.listDevices()),
    log: () => withReg((reg) => reg.readLog()),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function rejection(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected the promise to reject');
}

/** Runs the CLI (node bin/sensornode.js …) and returns its exit code and output. */
export function cli(args: string[], opts: { cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/sensornode.js'), ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Same, without blocking the event loop (a board served by this process must keep answering). */
export async function cliAsync(args: string[], opts: { cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/sensornode.js'), ...args], { cwd: opts.cwd ?? ROOT });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}
