/**
 * Modem stack throughput: AT exchanges per wall-clock second through the firmware driver (chat engine,
 * scripts, parsers) and the simulator model (parser, handlers, latency, UART timing) in virtual time,
 * with the harness run loop that the tests use (one event-loop turn per virtual instant, so promise
 * chains run between events as on Espruino). Figures: simple exchanges (AT+CSQ), a parsed exchange
 * (AT+QENG=0 → Signal), and whole sessions (sync, init, attach, open, send/receive over real UDP, close).
 */
import dgram from 'node:dgram';
import { Bc660k } from '../firmware/modem/bc660k.ts';
import { Bc660kModel } from '../sim/modems/bc660k.ts';
import { VirtualHarness } from '../sim/modems/harness.ts';

const PINS = { reset: { pin: 'D4', activeHigh: true }, wake: { pin: 'D5', activeHigh: true } };

function rig(seed = 1) {
  const h = new VirtualHarness({ seed });
  h.recordWire = false;
  const model = h.connect(new Bc660kModel({ ctx: h.ctx, network: h.net, udp: h.udp, pins: PINS }));
  const drv = new Bc660k({ serial: h.serial, timers: h.timers, gpio: h.gpio, now: h.now, pins: PINS });
  return { h, model, drv };
}

async function exchanges(label: string, n: number, op: (drv: Bc660k) => Promise<unknown>) {
  const { h, model, drv } = rig();
  await h.run(drv.sync());
  await h.run(drv.init());
  const c0 = model.commands;
  const v0 = h.sched.now();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await h.run(op(drv));
  const wall = (performance.now() - t0) / 1000;
  const cmds = model.commands - c0;
  console.log(`${label.padEnd(34)} ${String(Math.round(cmds / wall)).padStart(7)} exchanges/s   (${cmds} in ${wall.toFixed(2)} s wall, ${((h.sched.now() - v0) / 1000).toFixed(1)} s virtual)`);
  h.close();
}

async function sessions(n: number) {
  const server = dgram.createSocket('udp4');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const port = server.address().port;
  let cmds = 0;
  let virt = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const { h, model, drv } = rig(i + 1);
    await h.run(drv.powerOn());
    await h.run(drv.sync());
    await h.run(drv.init());
    await h.run(drv.attach(180000));
    await h.run(drv.openUdp('127.0.0.1', port));
    await h.run(drv.send(new Uint8Array(64)));
    await h.run(drv.receive(30000));
    await h.run(drv.close());
    cmds += model.commands;
    virt += h.sched.now();
    h.close();
  }
  const wall = (performance.now() - t0) / 1000;
  console.log(`${'full session (real UDP round trip)'.padEnd(34)} ${(n / wall).toFixed(1).padStart(7)} sessions/s    (${n} sessions, ${cmds} exchanges, ${(cmds / wall).toFixed(0)} exchanges/s, ${(virt / n / 1000).toFixed(1)} s virtual each)`);
  server.close();
}

await exchanges('AT+CSQ (driver step + model)', 3000, (d) => d.step({ send: 'AT+CSQ', expect: ['+CSQ:'], timeoutMs: 1000 }));
await exchanges('AT+QENG=0 → parsed Signal', 3000, (d) => d.signal());
await sessions(30);
