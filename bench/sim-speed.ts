/**
 * Simulator speed: the sample-logger app (wake every 15 min, SHT3x + battery ADC, Storage log, deep
 * sleep) on the DevKitC + BC660K board. Prints virtual seconds per wall second, the wall time of one
 * virtual year, boots per second and peak RSS; then one week with the context snapshot off, to show
 * what the snapshot saves.
 *
 *   node bin/run-ts.js bench/sim-speed.ts [duration=365d]
 */
import { simulate } from '../sim/index.ts';
import { sampleLoggerBundle } from '../test/sim/helpers/sample-logger.ts';

const duration = process.argv[2] ?? '365d';
const app = await sampleLoggerBundle();
console.log(`bundle: sample-logger built with buildApp, ${app.code.length} bytes`);

async function run(label: string, dur: string, snapshot: boolean): Promise<void> {
  const r = await simulate({ bundle: app.code, sourceMap: app.sourceMap, board: 'devkitc-bc660k', duration: dur, seed: 1, ...(snapshot ? {} : { snapshot: false }) });
  if (r.errors.length) throw new Error(`firmware errors: ${r.errors[0].message}`);
  const wallS = r.wallMs / 1000;
  const virtS = r.durationMs / 1000;
  console.log(`${label}: ${dur} virtual, ${r.boots} boots in ${wallS.toFixed(2)} s wall`);
  console.log(`  virtual s / wall s   ${(virtS / wallS).toFixed(0)}`);
  console.log(`  boots / wall s       ${(r.boots / wallS).toFixed(0)}   (${((r.wallMs * 1000) / r.boots).toFixed(0)} µs per boot)`);
  console.log(`  one virtual year     ${((wallS * (365 * 86400)) / virtS).toFixed(1)} s wall (extrapolated at this rate)`);
}

await run('snapshot on', duration, true);
await run('snapshot off', '7d', false);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
