/**
 * Codec benchmark: device-side seal cost, host-side open throughput, on-wire sizes, device code size.
 * Run: node bin/run-ts.js bench/codec.ts
 */
import { buildSync } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { getQuickJS } from 'quickjs-emscripten';
import { sealReadings } from '../firmware/codec/index.ts';
import { cborEncode } from '../firmware/codec/cbor.ts';
import { senmlPack, type SenmlRecord } from '../firmware/codec/senml.ts';
import { checkReplay, deriveDeviceKeys, INITIAL_REPLAY_STATE, kidFromIndex, openUplink, type ReplayState } from '../tools/lib/codec/index.ts';

const T0 = 1_763_800_000;
const BN = 'urn:dev:mac:0024befffe804ff1:';
const dev = { ...deriveDeviceKeys(new Uint8Array(32).fill(42), 'bench-1', 1), kid: kidFromIndex(1) };
const READINGS: SenmlRecord[] = [
  { n: 'temp', u: 'Cel', v: 21.5, t: T0 },
  { n: 'hum', u: '%RH', v: 48.25, t: T0 },
  { n: 'bat', u: 'V', v: 3.71, t: T0 },
  { n: 'soil', u: '%', v: 31.5, t: T0 + 1 },
  { n: 'pres', u: 'Pa', v: 101325, t: T0 + 1 },
  { n: 'lux', u: 'lx', v: 1200, t: T0 + 1 },
  { n: 'rain', u: 'mm', v: 0.25, t: T0 + 2 },
  { n: 'wind', u: 'm/s', v: 3.25, t: T0 + 2 },
  { n: 'door', v: false, t: T0 + 2 },
  { n: 'rssi', u: 'dBW', v: -97, t: T0 + 3 },
];
const pack = (n: number) => READINGS.slice(0, n);

function timeIt(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 200); i++) fn(i); // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  console.log(`  ${label.padEnd(58)} ${us.toFixed(1).padStart(8)} µs/message  (${Math.round(1e6 / us).toLocaleString('en')} /s)`);
  return us;
}

console.log('Device side: SenML pack + CBOR + ChaCha20-Poly1305 + COSE_Encrypt0, pack of 3 readings');
console.log('  (device code run in NODE (V8 JIT) — not Espruino; an interpreter on a 240 MHz ESP32 is far slower)');
timeIt('sealReadings, 3 readings, in Node', 20000, (i) => sealReadings(dev.key, dev.iv, dev.kid, i, BN, pack(3)));

// The same bundle inside QuickJS (an interpreter, no JIT; closer in kind to Espruino, still much faster)
const iife = buildSync({
  entryPoints: [fileURLToPath(new URL('../firmware/codec/index.ts', import.meta.url))],
  bundle: true, write: false, format: 'iife', globalName: 'codec', minify: true, logLevel: 'silent',
}).outputFiles[0].text;
{
  const QuickJS = await getQuickJS();
  const vm = QuickJS.newContext();
  const hexArr = (b: Uint8Array) => `new Uint8Array([${[...b].join(',')}])`;
  const src = `${iife};
    var key = ${hexArr(dev.key)}, iv = ${hexArr(dev.iv)}, kid = ${hexArr(dev.kid)};
    var recs = ${JSON.stringify(pack(3))};
    var first = codec.sealReadings(key, iv, kid, 7, ${JSON.stringify(BN)}, recs);
    var n = 500, t = Date.now();
    for (var i = 0; i < n; i++) codec.sealReadings(key, iv, kid, i, ${JSON.stringify(BN)}, recs);
    JSON.stringify({ us: (Date.now() - t) * 1000 / n, first: Array.prototype.slice.call(first) });`;
  const r = vm.evalCode(src);
  if (r.error) {
    console.log('  QuickJS run failed:', vm.dump(r.error));
    r.error.dispose();
  } else {
    const { us, first } = JSON.parse(vm.getString(r.value)) as { us: number; first: number[] };
    r.value.dispose();
    const same = Buffer.from(first).equals(Buffer.from(sealReadings(dev.key, dev.iv, dev.kid, 7, BN, pack(3))));
    console.log(`  ${'sealReadings, 3 readings, in QuickJS (interpreter)'.padEnd(58)} ${us.toFixed(1).padStart(8)} µs/message  (output identical to Node: ${same})`);
  }
  vm.dispose();
}

console.log('\nHost side: openUplink (parse + kid lookup + decrypt + SenML) + replay check, one core');
{
  const N = 20000;
  const msgs = Array.from({ length: N }, (_, i) => sealReadings(dev.key, dev.iv, dev.kid, i, BN, pack(3)));
  const lookup = () => dev;
  let state: ReplayState = INITIAL_REPLAY_STATE;
  let accepted = 0;
  const t = process.hrtime.bigint();
  for (const m of msgs) {
    const r = openUplink(m, lookup);
    if (!r.ok) throw r.error;
    const c = checkReplay(state, r.value.counter);
    if (c.ok) {
      state = c.value;
      accepted++;
    }
  }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`  ${N} messages of 3 readings: ${Math.round(N / s).toLocaleString('en')} messages/s (${((s / N) * 1e6).toFixed(1)} µs each), ${accepted} accepted`);
  const bad = msgs[0].slice();
  bad[bad.length - 1] ^= 1;
  timeIt('rejecting a tampered message (AUTH_FAILED)', 20000, () => openUplink(bad, lookup));
  timeIt('rejecting garbage (MALFORMED_CBOR)', 20000, () => openUplink(Uint8Array.of(0x9f, 1, 2), lookup));
}

console.log('\nOn-wire bytes (COSE_Encrypt0 payload of the CoAP message; kid 1 B)');
console.log('  readings | SenML-JSON | SenML-CBOR | COSE_Encrypt0 | COSE overhead | sealed vs JSON');
for (const n of [1, 3, 10]) {
  const recs = pack(n);
  const json = JSON.stringify(
    recs.map((r, i) => {
      const o: Record<string, unknown> = {};
      if (i === 0) Object.assign(o, { bn: BN, bt: recs[0].t });
      o.n = r.n;
      if (r.u) o.u = r.u;
      o[typeof r.v === 'boolean' ? 'vb' : 'v'] = r.v;
      if (r.t !== recs[0].t) o.t = r.t! - recs[0].t!;
      return o;
    }),
  );
  const cbor = cborEncode(senmlPack(BN, recs));
  const counter = 70000; // a 3-byte Partial IV: a device some months into its life
  const sealed = sealReadings(dev.key, dev.iv, dev.kid, counter, BN, recs);
  console.log(
    `  ${String(n).padStart(8)} | ${String(json.length).padStart(10)} | ${String(cbor.length).padStart(10)} | ${String(sealed.length).padStart(13)} | ${String(sealed.length - cbor.length).padStart(13)} | ${((100 * sealed.length) / json.length).toFixed(0).padStart(12)} %`,
  );
}
console.log('  COSE overhead = tag 16 (1) + array (1) + protected (5) + headers {4: kid, 6: PIV} + ct bstr head + Poly1305 tag (16)');

console.log('\nDevice code size (esbuild --bundle --minify, ESM)');
for (const [label, entry] of [['firmware/codec/index.ts (codec + crypto)', 'index.ts'], ['firmware/codec/counter.ts (frame counter)', 'counter.ts']] as const) {
  const out = buildSync({
    entryPoints: [fileURLToPath(new URL(`../firmware/codec/${entry}`, import.meta.url))],
    bundle: true, write: false, format: 'esm', minify: true, logLevel: 'silent',
  }).outputFiles[0].contents;
  console.log(`  ${label.padEnd(44)} ${String(out.length).padStart(6)} B   gzip ${String(gzipSync(out, { level: 9 }).length).padStart(5)} B${entry === 'index.ts' ? `   (target ≤ 8192 B: ${out.length <= 8192 ? 'met' : 'MISSED'})` : ''}`);
}
