/**
 * `<app>/app.json`: an app's defaults — the board it is built for and its sample/uplink intervals
 * (seconds), used by `build`, `sim`, provisioning and the main job when the command line does not say.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from './errors.ts';

export interface AppJson {
  board?: string;
  sampleS?: number;
  uplinkS?: number;
}

/** Reads <appDir>/app.json; undefined when there is none; a clear error naming the file when it is bad. */
export function readAppJson(appDir: string): AppJson | undefined {
  const file = join(appDir, 'app.json');
  if (!existsSync(file)) return undefined;
  const where = relative(process.cwd(), file) || file;
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError('APP_JSON', `${where}: not valid JSON (${(e as Error).message})`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new UserError('APP_JSON', `${where}: expected an object like {"board": "devkitc-bc660k", "sampleS": 900, "uplinkS": 3600}`);
  const o = j as Record<string, unknown>;
  if (o.board !== undefined && typeof o.board !== 'string') throw new UserError('APP_JSON', `${where}: "board" must be a board id (a string)`);
  for (const k of ['sampleS', 'uplinkS']) {
    if (o[k] !== undefined && !(typeof o[k] === 'number' && (o[k] as number) > 0)) throw new UserError('APP_JSON', `${where}: "${k}" must be a positive number of seconds`);
  }
  return { board: o.board as string | undefined, sampleS: o.sampleS as number | undefined, uplinkS: o.uplinkS as number | undefined };
}
