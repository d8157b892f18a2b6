/**
 * The BC660K driver as it runs on the device: built by the firmware build (esbuild + Espruino compat
 * pass), executed by the simulator's QuickJS engine on the devkitc-bc660k board, talking over the
 * board's Serial2 (baud timing) and RESET pin to the BC660K model, with a real UDP round trip. The run
 * loop honours the UDP bridge contract (await settle() while an exchange is in flight).
 */
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../tools/lib/build/index.ts';
import { loadBoard } from '../../tools/lib/boards.ts';
import { SimBoard } from '../../sim/board/sim-board.ts';
import { NetworkModel } from '../../sim/modems/network.ts';
import { UdpBridge } from '../../sim/modems/udp.ts';
import { attachModem, createModel, pinsFromBoard } from '../../sim/modems/index.ts';

const DRIVER = join(import.meta.dirname, '..', '..', 'firmware', 'modem', 'bc660k.ts');

function app(port: number): string {
  return `import { Bc660k } from ${JSON.stringify(DRIVER)};
Serial2.setup(115200, { tx: D17, rx: D16 });
var m = new Bc660k({ serial: Serial2 as any, pins: { reset: { pin: D4, activeHigh: true } }, apn: 'iot.example', now: function () { return getTime() * 1000; } });
m.powerOn()
  .then(function () { return m.sync(); })
  .then(function () { return m.init(); })
  .then(function () { return m.attach(180000); })
  .then(function (r: any) { console.log('REG ' + r.stat + ' ' + r.act); return m.requestPsm(3600, 60); })
  .then(function () { console.log('PSM ' + m.psmGranted!.activeTimeS + ' ' + m.psmGranted!.tauS); return m.openUdp('127.0.0.1', ${port}); })
  .then(function () { return m.send(new Uint8Array([1, 2, 3, 13, 10]), { releaseAssist: false }); })
  .then(function () { return m.receive(30000); })
  .then(function (d: Uint8Array) { console.log('GOT ' + d.length + ' ' + d[0] + ' ' + d[7]); return m.close(); })
  .then(function () { console.log('DONE'); })
  .catch(function (e: any) { console.log('FAIL ' + e.code + ' ' + e.message); });
`;
}

describe('BC660K driver inside the simulator engine', () => {
  it('builds for Espruino, runs in QuickJS and completes a UDP exchange with the model', async () => {
    const srv = dgram.createSocket('udp4');
    srv.on('message', (m, r) => srv.send(Buffer.concat([Buffer.from('ACK'), m]), r.port, r.address));
    await new Promise<void>((r) => srv.bind(0, '127.0.0.1', () => r()));
    const dir = mkdtempSync(join(tmpdir(), 'sn-modem-app-'));
    writeFileSync(join(dir, 'main.ts'), app(srv.address().port));
    const built = await buildApp({ entry: join(dir, 'main.ts'), outDir: join(dir, 'dist'), write: false });
    const board = await loadBoard('devkitc-bc660k');
    let out = '';
    const sb = await SimBoard.create({ board, seed: 1, onConsole: (t) => (out += t) });
    const net = new NetworkModel(sb.ctx.rng.fork('network'), 'good');
    const udp = new UdpBridge(sb.ctx, net);
    const model = createModel(board.modem!.model, { ctx: sb.ctx, network: net, udp, pins: pinsFromBoard(board.modem!) });
    attachModem(model, board.modem!, { uart: sb.uart(board.modem!.uart.serial), gpio: sb.gpio });
    try {
      sb.installBootCode(built.code);
      sb.powerOn();
      while (!/DONE|FAIL/.test(out) && sb.now() < 600000) {
        if (udp.inFlight()) await udp.settle(2000);
        const t = sb.sched.peekTime();
        if (t === undefined) break;
        sb.runUntil(t);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      udp.close();
      srv.close();
      sb.dispose();
    }
    expect(out).toContain('REG 1 9');
    expect(out).toContain('PSM 60 3600');
    expect(out).toContain('GOT 8 65 10'); // 'ACK' + 01 02 03 0D 0A
    expect(out).toContain('DONE');
    expect(model.boots).toBe(3); // power applied, RESET pulse, AT+QRST=1 after storing the APN
  });
});
