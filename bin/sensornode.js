#!/usr/bin/env node
// Entry point of the `sensornode` CLI. The toolkit is written in TypeScript and runs from source:
// tsx registers a loader so `npm ci` is the only install step (no separate compile).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../tools/cli.ts');
process.exitCode = await main(process.argv.slice(2));
