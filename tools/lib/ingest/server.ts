/**
 * The ingest server: CoAP over UDP (RFC 7252) → uplink pipeline (pipeline.ts) → SQLite → MQTT / JSONL.
 *
 * Why not the `coap` package's server: it answers piggybacked only when the handler responds within
 * `piggybackReplyMs` (50 ms by default) and otherwise sends an empty ACK followed by a separate CON
 * response — but our answer must wait for a durable commit, and the device runtime expects the
 * piggybacked 2.04 (one round trip, then the radio can sleep). It also detects duplicates by Message
 * ID without comparing the message, and its parser (`coap-packet`) accepts truncated option values.
 * So this is a small server on node:dgram: requests are decoded with the bounds-checked decoder the
 * device uses (firmware/codec/coap.ts, proven equal to coap-packet on valid input in test/coap), and
 * responses are generated with coap-packet, an independent encoder the device decoder is tested with.
 *
 * Answers (one log line for each refusal):
 *   not CoAP version 1 / shorter than 4 bytes → silently ignored (§3); other message format errors in
 *   a CON → RST (§4.2); ACK/RST/responses sent to us → ignored (CON: RST); empty CON "ping" → RST (§4.3)
 *   unrecognised critical option → 4.02 (§5.4.1); path ≠ /u → 4.04; method ≠ POST → 4.05;
 *   Content-Format ≠ 16 (COSE_Encrypt0) → 4.15; payload > limit → 4.13 with Size1 (§5.10.9);
 *   bad CBOR/COSE/SenML → 4.00; unknown kid or failed authentication → 4.01 "auth";
 *   replay (counter already stored or older than the window) → 4.01 "replay", as OSCORE answers a
 *   replay (RFC 8613 §7.4: 4.01 with "Replay detected"): the counter is spent, re-sending the same
 *   bytes can never succeed, so the device should drop that message from its queue;
 *   revoked device (after authenticating) → 4.03; storage failure → 5.00 (not cached: a
 *   retransmission is processed again). Stored → ACK 2.04, with a queued downlink sealed for the
 *   device as payload (Content-Format 16) when there is one.
 * CON is answered with a piggybacked ACK (same Message ID and token); NON with a NON response (§5.2.3).
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import packet from 'coap-packet';
import { UserError } from '../errors.ts';
import { coapDecode, coapOption, COAP_ACK, COAP_CON, COAP_POST, OPT_CONTENT_FORMAT, OPT_URI_PATH, CF_COSE_ENCRYPT0, UPLINK_PATH, NBIOT_EXCHANGE_LIFETIME_MS, type CoapMessage } from '../../../firmware/codec/coap.ts';
import { CodecError } from '../../../firmware/codec/error.ts';
import { DEFAULT_MAX_UPLINK_BYTES } from '../codec/uplink.ts';
import { ExchangeTable, type Endpoint } from './exchanges.ts';
import { UplinkPipeline, type Outcome } from './pipeline.ts';

/** Critical options this server understands (RFC 7252 §5.4.1: any other odd-numbered one → 4.02). */
const KNOWN_CRITICAL = [3 /* Uri-Host */, 7 /* Uri-Port */, OPT_URI_PATH];

export interface ServerStats {
  datagrams: number;
  /** messages stored (each with its readings) */
  stored: number;
  readings: number;
  /** retransmissions answered from the exchange table */
  duplicates: number;
  downlinks: number;
  /** refusals by reason: malformed, auth-failed, unknown-kid, replay, revoked, oversize, not-found, … */
  refused: Record<string, number>;
  ignored: number;
}

export interface Listen {
  family: 'udp4' | 'udp6';
  host: string;
  port: number;
}

/** `udp://host:port` or `udp6://[addr]:port`. */
export function parseListen(url: string): Listen {
  const m = /^udp(6)?:\/\/(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(url);
  if (!m || Number(m[3]) > 65535) throw new UserError('BAD_LISTEN', `--listen ${url}: expected udp://host:port (e.g. udp://0.0.0.0:5683) or udp6://[::]:5683`);
  const host = m[2]!.replace(/^\[|\]$/g, '');
  return { family: m[1] || host.includes(':') ? 'udp6' : 'udp4', host, port: Number(m[3]) };
}

export interface CoapServerOptions {
  listen: Listen;
  pipeline: UplinkPipeline;
  maxBytes?: number;
  exchangeLifetimeMs?: number;
  maxExchanges?: number;
  log: (line: string) => void;
}

export class CoapServer {
  readonly stats: ServerStats = { datagrams: 0, stored: 0, readings: 0, duplicates: 0, downlinks: 0, refused: {}, ignored: 0 };
  private readonly sock: dgram.Socket;
  private readonly exchanges: ExchangeTable;
  private readonly maxBytes: number;
  private nextMid = randomInt(0, 65536); // §4.4: randomise the initial Message ID
  private closed = false;

  private constructor(private readonly o: CoapServerOptions) {
    this.sock = dgram.createSocket({ type: o.listen.family, reuseAddr: false });
    this.exchanges = new ExchangeTable(o.exchangeLifetimeMs ?? NBIOT_EXCHANGE_LIFETIME_MS, o.maxExchanges ?? 100_000);
    this.maxBytes = o.maxBytes ?? DEFAULT_MAX_UPLINK_BYTES;
    this.sock.on('message', (msg, rinfo) => this.onDatagram(msg, { address: rinfo.address, port: rinfo.port }));
    this.sock.on('error', (e) => o.log(`ingest: socket error: ${e.message}`));
  }

  static start(o: CoapServerOptions): Promise<CoapServer> {
    const s = new CoapServer(o);
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => reject(new UserError('LISTEN_FAILED', `cannot listen on ${o.listen.host}:${o.listen.port}: ${e.message}`, { cause: e }));
      s.sock.once('error', fail);
      s.sock.bind(o.listen.port, o.listen.host, () => {
        s.sock.off('error', fail);
        resolve(s);
      });
    });
  }

  address(): { address: string; port: number } {
    const a = this.sock.address();
    return { address: a.address, port: a.port };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((r) => this.sock.close(() => r()));
  }

  private count(reason: string): void {
    this.stats.refused[reason] = (this.stats.refused[reason] ?? 0) + 1;
  }

  private send(buf: Buffer, ep: Endpoint): void {
    if (!this.closed) this.sock.send(buf, ep.port, ep.address);
  }

  private onDatagram(msg: Buffer, ep: Endpoint): void {
    this.stats.datagrams++;
    const from = `${ep.address}:${ep.port}`;
    if (msg.length < 4 || msg[0]! >> 6 !== 1) {
      this.stats.ignored++;
      return; // §3: not a CoAP 1 message — silently ignored
    }
    const type = (msg[0]! >> 4) & 3;
    const mid = msg.readUInt16BE(2);
    const m = coapDecode(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    if (m instanceof CodecError) {
      this.stats.ignored++;
      this.o.log(`ingest: RST malformed CoAP from ${from} mid ${mid}: ${m.message} at byte ${m.offset}`);
      if (type === COAP_CON) this.send(packet.generate({ reset: true, code: '0.00', messageId: mid }), ep);
      return;
    }
    if (m.type === COAP_ACK || m.type === 3 /* RST */ || m.code === 0 || m.code >= 64) {
      this.stats.ignored++; // we send no CONs; an empty CON is a ping (§4.3); responses are not for us
      if (m.type === COAP_CON) this.send(packet.generate({ reset: true, code: '0.00', messageId: mid }), ep);
      return;
    }
    if (m.type === COAP_CON) {
      const ex = this.exchanges.find(ep, mid, msg);
      if (ex) {
        this.stats.duplicates++;
        if (ex.response) this.send(ex.response, ep);
        else ex.waiting.push(ep);
        return;
      }
    }
    const early = this.check(m);
    if (early) return this.answer(m, ep, early, null);
    const ex = m.type === COAP_CON ? this.exchanges.open(ep, mid, msg) : null;
    this.o.pipeline.submit(m.payload, (outcome) => this.answer(m, ep, outcome, ex));
  }

  /** Checks on the CoAP request itself; an Outcome refuses it. */
  private check(m: CoapMessage): Outcome | null {
    const diag = (code: string, reason: string, text: string, log: string): Outcome => ({ code, reason, payload: new TextEncoder().encode(text), log });
    const bad = m.options.find((o) => o.num % 2 === 1 && !KNOWN_CRITICAL.includes(o.num));
    if (bad) return diag('4.02', 'bad-option', 'bad option', `unrecognised critical option ${bad.num}`);
    const path = m.options.filter((o) => o.num === OPT_URI_PATH).map((o) => Buffer.from(o.value).toString('utf8'));
    if (path.join('/') !== UPLINK_PATH) return diag('4.04', 'not-found', 'not found', `path /${path.join('/')} (uplinks go to /${UPLINK_PATH})`);
    if (m.code !== COAP_POST) return diag('4.05', 'bad-method', 'POST only', `method ${m.code >> 5}.${String(m.code & 31).padStart(2, '0')} on /${UPLINK_PATH}`);
    const cf = coapOption(m, OPT_CONTENT_FORMAT);
    let cfNum = -1;
    if (cf && cf.length <= 2) cfNum = cf.reduce((a, b) => a * 256 + b, 0);
    if (cfNum !== CF_COSE_ENCRYPT0) return diag('4.15', 'content-format', 'cf 16', `Content-Format ${cf ? cfNum : 'missing'}, expected 16 (COSE_Encrypt0)`);
    if (m.payload.length > this.maxBytes) return { ...diag('4.13', 'oversize', 'too large', `payload ${m.payload.length} bytes, limit ${this.maxBytes}`), size1: this.maxBytes };
    return null;
  }

  private answer(m: CoapMessage, ep: Endpoint, o: Outcome, ex: ReturnType<ExchangeTable['open']> | null): void {
    const options: { name: string; value: Buffer }[] = [];
    if (o.contentFormat !== undefined) options.push({ name: 'Content-Format', value: Buffer.from([o.contentFormat]) });
    if (o.size1 !== undefined) options.push({ name: 'Size1', value: uintBuf(o.size1) });
    const piggy = m.type === COAP_CON;
    const buf = packet.generate({
      ack: piggy,
      confirmable: false,
      code: o.code,
      messageId: piggy ? m.mid : (this.nextMid = (this.nextMid + 1) & 0xffff),
      token: Buffer.from(m.token),
      options,
      payload: o.payload ? Buffer.from(o.payload) : Buffer.alloc(0),
    });
    if (o.reason === 'stored' || o.reason === 'stored+downlink') {
      this.stats.stored++;
      if (o.reason === 'stored+downlink') this.stats.downlinks++;
    } else if (o.reason) this.count(o.reason);
    if (o.log) this.o.log(`ingest: ${o.code} ${o.reason ?? ''} from ${ep.address}:${ep.port} mid ${m.mid}: ${o.log}`);
    if (ex) {
      if (o.code.startsWith('5.')) this.exchanges.drop(ex); // let a retransmission try again
      else ex.response = buf;
      for (const w of ex.waiting) this.send(buf, w);
      ex.waiting = [];
    }
    this.send(buf, ep);
  }
}

function uintBuf(n: number): Buffer {
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 255);
    n = Math.floor(n / 256);
  }
  return Buffer.from(out);
}

