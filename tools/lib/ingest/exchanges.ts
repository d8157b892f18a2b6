/**
 * Duplicate detection for CON requests (RFC 7252 §4.5): a CON with the same Message ID from the same
 * endpoint within EXCHANGE_LIFETIME is a retransmission and gets the SAME response again, without
 * being processed twice. We also require the same bytes: a device that rebooted and reused a Message
 * ID for a different message (§4.4 warns about this) is processed as new, not answered with a stale
 * ACK.
 *
 * An entry exists from the moment a request is accepted for processing (`response` still null while
 * its transaction is open): a retransmission that arrives before the commit waits for the same answer.
 * EXCHANGE_LIFETIME (§4.8.2) with the device's NB-IoT parameters is 269 s (firmware/codec/coap.ts).
 * The table is bounded; the oldest entries go first (insertion order of a Map).
 */
export interface Endpoint {
  address: string;
  port: number;
}

export interface Exchange {
  key: string;
  datagram: Buffer;
  expires: number;
  /** the encoded response, once the request was processed */
  response: Buffer | null;
  /** retransmissions that arrived while the first copy was being processed */
  waiting: Endpoint[];
}

export class ExchangeTable {
  private readonly map = new Map<string, Exchange>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.map.size;
  }

  private static key(ep: Endpoint, mid: number): string {
    return `${ep.address}|${ep.port}|${mid}`;
  }

  /** The live exchange for this endpoint + Message ID if `datagram` is a byte-identical copy of it. */
  find(ep: Endpoint, mid: number, datagram: Buffer): Exchange | undefined {
    const e = this.map.get(ExchangeTable.key(ep, mid));
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.map.delete(e.key);
      return undefined;
    }
    return e.datagram.equals(datagram) ? e : undefined;
  }

  /** Start tracking an exchange (replaces an older one with the same key). */
  open(ep: Endpoint, mid: number, datagram: Buffer): Exchange {
    const key = ExchangeTable.key(ep, mid);
    this.map.delete(key);
    const e: Exchange = { key, datagram: Buffer.from(datagram), expires: this.now() + this.lifetimeMs, response: null, waiting: [] };
    this.map.set(key, e);
    this.evict();
    return e;
  }

  /** Forget an exchange whose processing failed (so a retransmission is processed again). */
  drop(e: Exchange): void {
    if (this.map.get(e.key) === e) this.map.delete(e.key);
  }

  private evict(): void {
    const t = this.now();
    for (const [k, e] of this.map) {
      if (this.map.size <= this.maxEntries && e.expires > t) break;
      this.map.delete(k);
    }
  }
}
