/**
 * `sensornode modem <model> --repl`: a terminal on a simulated modem, for users learning its AT set.
 *
 * Time: virtual time follows wall time (× --speed), so a user sees a module as it behaves: the UART
 * answers after the boot delay, registration URCs come seconds later, `+QIOPEN:` after its delay.
 * `--speed 0` runs virtual time as fast as possible (scripts, tests). Lines typed (or piped) are
 * queued and sent one at a time: each waits until the module is up and the previous command has its
 * final result (OK / ERROR / +CME ERROR / `>` prompt) or 10 s of virtual time passed — so piped
 * scripts behave the same at any speed. UDP sockets reach the real network through the bridge.
 */
import { createInterface } from 'node:readline';
import { VirtualHarness } from '../../../sim/modems/harness.ts';
import { createModel } from '../../../sim/modems/index.ts';
import type { NetworkSpec } from '../../../sim/modems/network.ts';
import { UserError } from '../errors.ts';
import { driverFor } from './drivers.ts';

export interface ReplOptions {
  model: string;
  network?: string;
  seed?: number;
  /** Virtual ms per wall ms; 0 = as fast as possible. */
  speed: number;
  input: NodeJS.ReadableStream;
  output: (text: string) => void;
  /** Virtual ms to keep running after the input ended (default 3000). */
  lingerMs?: number;
}

const FINAL = /(^|\n)(OK|ERROR|\+CME ERROR:[^\n]*|\+CMS ERROR:[^\n]*|> ?)$/;

export async function runRepl(o: ReplOptions): Promise<{ commands: number; virtualMs: number }> {
  const d = driverFor(o.model);
  const net = (o.network ?? 'good') as NetworkSpec;
  if (!['good', 'poor', 'flaky'].includes(net as string)) throw new UserError('BAD_NETWORK', `unknown network preset "${o.network}"`, { hint: 'use good, poor or flaky' });
  if (!(o.speed >= 0)) throw new UserError('BAD_SPEED', `--speed must be ≥ 0, got ${o.speed}`);
  const h = new VirtualHarness({ seed: o.seed ?? 1, network: net });
  h.recordWire = false;
  const model = h.connect(createModel(d.key, { ctx: h.ctx, network: h.net, udp: h.udp, pins: d.pins, startOn: true }));
  let tail = '';
  let waiting = false;
  let sentAt = 0;
  h.serial.on('data', (text) => {
    o.output(text.replace(/\r/g, ''));
    tail = (tail + text.replace(/\r/g, '')).slice(-200).replace(/\n+$/, '');
    if (waiting && FINAL.test(tail)) waiting = false;
  });
  o.output(`${d.name} simulator (${typeof net === 'string' ? net : 'custom'} network, seed ${o.seed ?? 1}); type AT commands, Ctrl-D to end\n`);
  const queue: string[] = [];
  let ended = false;
  const rl = createInterface({ input: o.input, terminal: false });
  rl.on('line', (l) => queue.push(l));
  rl.on('close', () => (ended = true));
  let commands = 0;
  let endAt: number | null = null;
  let wall = Date.now();
  try {
    for (;;) {
      if (o.speed === 0) await h.advance(20);
      else {
        await new Promise((r) => setTimeout(r, 20));
        const now = Date.now();
        await h.advance((now - wall) * o.speed);
        wall = now;
      }
      if (waiting && h.sched.now() - sentAt > 10000) waiting = false;
      if (!waiting && queue.length && model.life === 'on') {
        const l = queue.shift()!;
        if (l.trim() === '') continue;
        commands++;
        waiting = true;
        sentAt = h.sched.now();
        tail = '';
        // Piped input is not shown by a terminal: print it when the module does not echo (ATE0).
        if (!(o.input as { isTTY?: boolean }).isTTY && !model.echo) o.output(l.trim() + '\n');
        h.serial.write(l.trim() + '\r');
      }
      if (ended && !queue.length && !waiting) {
        endAt ??= h.sched.now() + (o.lingerMs ?? 3000);
        if (h.sched.now() >= endAt) break;
      }
      // Input ended while the module never came up (e.g. powered off): do not spin forever.
      if (ended && queue.length && model.life !== 'on' && h.sched.now() > 600000) break;
    }
  } finally {
    rl.close();
    h.close();
  }
  return { commands, virtualMs: h.sched.now() };
}
