/**
 * Every modem board runs the node runtime end to end — driver (built for Espruino, in the simulator's
 * engine) → its simulator model → real UDP → ingest — in good, poor and flaky networks: readings arrive,
 * none twice, none different from what was sampled.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../../tools/lib/build/index.ts';
import { loadBoard } from '../../tools/lib/boards.ts';
import { startIngest } from '../../tools/lib/ingest/index.ts';
import { initFleet, openRegistry } from '../../tools/lib/registry/index.ts';
import { checkDelivery, provisionSimDevice, sampledFromConsole } from '../../tools/lib/scenario.ts';
import { simulate } from '../../sim/index.ts';

const ROOT = resolve(__dirname, '../..');
const BOARDS = ['devkitc-bc660k', 'lilygo-t-sim7080g-s3', 'devkitc-ec200u', 'lilygo-t-a7670'];
const NETWORKS = ['good', 'poor', 'flaky'] as const;

describe.each(BOARDS)('%s: node runtime through the modem model to the ingest', (boardId) => {
  let bundle: { code: string; map: string };
  beforeAll(async () => {
    const r = await buildApp({ entry: join(ROOT, 'test/fixtures/apps/any-modem'), board: boardId, write: false, cwd: ROOT });
    bundle = { code: r.code, map: r.map };
  });

  it.each(NETWORKS)('%s network', async (network) => {
    const board = await loadBoard(boardId);
    const db = join(mkdtempSync(join(tmpdir(), 'sn-modems-')), 'r.db');
    initFleet({ registryPath: db, name: 'f' });
    const reg = openRegistry(db);
    const ingest = await startIngest({ listen: 'udp://127.0.0.1:0', registry: reg, log: () => {} });
    const dev = provisionSimDevice({ reg, fleet: 'f', board, server: { host: '127.0.0.1', port: ingest.port }, intervals: { sampleS: 600, uplinkS: 1800 } });
    const res = await simulate({ bundle: bundle.code, sourceMap: bundle.map, board, duration: '6h', seed: 4, flash: dev.flash, startTime: '2026-11-01T00:00:00Z', network, settleWallMs: 200 });
    await ingest.close();
    expect(res.errors).toEqual([]);
    if (process.env.SN_DEBUG) console.log(res.console);
    const sampled = sampledFromConsole(res.console);
    expect(sampled.length).toBe(36);
    const d = checkDelivery(reg, dev.device.id, sampled);
    expect(d).toMatchObject({ duplicated: 0, mismatched: 0, unexpected: 0 });
    // good: everything but the samples after the last uplink; poor/flaky: most of it, the rest still queued
    expect(d.delivered).toBeGreaterThanOrEqual(network === 'good' ? 33 : 18);
    reg.close();
  });
});
