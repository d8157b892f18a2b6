/**
 * Test helpers: a driver + model pair on the virtual-time harness, and a real UDP server on
 * 127.0.0.1 that answers each datagram (so the bridge carries real packets both ways).
 */
import dgram from 'node:dgram';
import { VirtualHarness, type HarnessOptions } from '../../sim/modems/harness.ts';
import type { ModemError } from '../../firmware/modem/chat.ts';

export interface UdpServer {
  port: number;
  received: Buffer[];
  close(): Promise<void>;
}

/** Answers each datagram with `reply(data)` (default: 'ACK:' + data); null = no answer. */
export async function udpServer(reply: (d: Buffer) => Buffer | null = (d) => Buffer.concat([Buffer.from('ACK:'), d])): Promise<UdpServer> {
  const sock = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  sock.on('message', (msg, rinfo) => {
    received.push(msg);
    const r = reply(msg);
    if (r) sock.send(r, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, received, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

export function harness(opts: HarnessOptions = {}): VirtualHarness {
  return new VirtualHarness({ settleWallMs: 1500, ...opts });
}

/** Resolves to the rejection value (a ModemError) or throws if the promise resolved. */
export async function rejection(p: Promise<unknown>): Promise<ModemError & { retryInMs?: number }> {
  try {
    await p;
  } catch (e) {
    return e as ModemError;
  }
  throw new Error('expected a rejection');
}
