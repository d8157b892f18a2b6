/**
 * UDP bridge: the modem models' sockets send and receive REAL datagrams through host sockets
 * (node:dgram), so a server on 127.0.0.1 receives what the firmware sent, and its replies reach the
 * firmware through the model's URCs.
 *
 * Virtual time vs real I/O — the settle() contract
 * ------------------------------------------------
 * The simulation runs in virtual time; a server answers in wall time. To keep runs deterministic:
 * 1. When a model sends a datagram at virtual time T, the bridge draws the round trip from the
 *    network model (uplink + downlink latency, loss) at send time and records an "exchange in flight".
 * 2. A reply from the host socket is matched to the oldest exchange in flight on that socket and
 *    delivered to the model at virtual time T + RTT (never earlier than "now": if the clock already
 *    passed T + RTT, it is delivered at once and counted in `late`).
 * 3. The run loop (the engine's, or the test harness') MUST `await bridge.settle(maxWallMs)` before it
 *    advances the virtual clock whenever `bridge.inFlight() > 0` — typically: before each jump to the
 *    next event, `if (bridge.inFlight()) await bridge.settle(500)`. settle() waits in wall time, at most
 *    maxWallMs, until every exchange in flight has its reply (or was lost in the model), then returns;
 *    exchanges still unanswered when it times out are given up (a reply arriving later is delivered on
 *    arrival as an unsolicited datagram, at now + downlink latency). With a server that answers within
 *    maxWallMs, every reply lands at a deterministic virtual time.
 * Datagrams that arrive with no exchange in flight (server-initiated) are delivered at now + downlink
 * latency. `close()` closes all host sockets (call it when the simulation ends).
 */
import dgram from 'node:dgram';
import type { SimContext } from '../core/types.ts';
import type { NetworkModel } from './network.ts';

interface Exchange {
  sentAt: number;
  rttMs: number;
  /** The reply is lost in the model (downlink loss drawn at send time). */
  dropReply: boolean;
  /** Wall-clock ms when sent (for diagnostics). */
  wallAt: number;
}

export interface BridgeSocket {
  readonly id: number;
  /** Local port of the host socket. */
  port(): number;
  send(host: string, port: number, data: Uint8Array): void;
  close(): void;
}

export class UdpBridge {
  private sockets = new Map<number, { sock: dgram.Socket; inflight: Exchange[]; ready: Promise<void>; closed: boolean }>();
  private nextId = 1;
  private waiters: (() => void)[] = [];
  /** Statistics: datagrams sent/received, lost in the model, replies delivered late (non-deterministic). */
  stats = { sent: 0, received: 0, lostUp: 0, lostDown: 0, late: 0, unmatched: 0, bytesUp: 0, bytesDown: 0 };
  /**
   * Called when a datagram leaves (after it is counted): a run loop that runs the scheduler in long
   * stretches uses it to stop the scheduler and settle() before the clock moves on.
   */
  onSend?: () => void;

  constructor(
    private readonly ctx: SimContext,
    private readonly net: NetworkModel,
  ) {}

  /** Opens a host socket on 127.0.0.1 (ephemeral port); onData gets replies at their virtual time. */
  open(onData: (data: Uint8Array, from: { address: string; port: number }) => void): BridgeSocket {
    const id = this.nextId++;
    const sock = dgram.createSocket('udp4');
    const entry = { sock, inflight: [] as Exchange[], ready: Promise.resolve(), closed: false };
    entry.ready = new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    sock.on('error', (e) => this.ctx.trace.emit('packet', { dir: 'error', socket: id, message: String(e) }));
    sock.on('message', (msg, rinfo) => {
      if (entry.closed) return;
      this.stats.received++;
      this.stats.bytesDown += msg.length;
      const now = this.ctx.sched.now();
      const ex = entry.inflight.shift();
      let at: number;
      if (ex) {
        if (ex.dropReply) {
          this.stats.lostDown++;
          this.ctx.trace.emit('packet', { dir: 'down', socket: id, bytes: msg.length, lost: true });
          this.wake();
          return;
        }
        at = ex.sentAt + ex.rttMs;
        if (at < now) {
          this.stats.late++;
          at = now;
        }
      } else {
        this.stats.unmatched++;
        at = now + this.net.latencyMs();
      }
      const data = new Uint8Array(msg);
      this.ctx.sched.at(at, () => {
        if (entry.closed) return;
        this.ctx.trace.emit('packet', { dir: 'down', socket: id, bytes: data.length, from: `${rinfo.address}:${rinfo.port}` });
        onData(data, { address: rinfo.address, port: rinfo.port });
      }, 'udp-reply');
      this.wake();
    });
    this.sockets.set(id, entry);
    return {
      id,
      port: () => {
        try {
          return sock.address().port;
        } catch {
          return 0;
        }
      },
      send: (host, port, data) => {
        const now = this.ctx.sched.now();
        this.stats.sent++;
        this.stats.bytesUp += data.length;
        this.onSend?.();
        if (this.net.dropUplink()) {
          this.stats.lostUp++;
          this.ctx.trace.emit('packet', { dir: 'up', socket: id, bytes: data.length, to: `${host}:${port}`, lost: true });
          return;
        }
        const rttMs = this.net.latencyMs() + this.net.latencyMs();
        const dropReply = this.net.dropDownlink();
        entry.inflight.push({ sentAt: now, rttMs, dropReply, wallAt: Date.now() });
        this.ctx.trace.emit('packet', { dir: 'up', socket: id, bytes: data.length, to: `${host}:${port}` });
        const buf = Buffer.from(data);
        void entry.ready.then(() => {
          if (!entry.closed) sock.send(buf, port, host);
        });
      },
      close: () => {
        if (entry.closed) return;
        entry.closed = true;
        this.sockets.delete(id);
        entry.inflight = [];
        sock.close();
        this.wake();
      },
    };
  }

  /** Exchanges waiting for a reply from the host network. */
  inFlight(): number {
    let n = 0;
    for (const s of this.sockets.values()) n += s.inflight.length;
    return n;
  }

  /** Waits (wall time, ≤ maxWallMs) until no exchange is in flight; gives up the rest. See file comment. */
  settle(maxWallMs: number): Promise<void> {
    if (this.inFlight() === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        for (const s of this.sockets.values()) s.inflight = [];
        resolve();
      };
      const check = () => {
        if (this.inFlight() === 0) finish();
      };
      const timer = setTimeout(finish, maxWallMs);
      this.waiters.push(check);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  close(): void {
    for (const s of this.sockets.values()) {
      s.closed = true;
      s.sock.close();
    }
    this.sockets.clear();
    this.wake();
  }
}
