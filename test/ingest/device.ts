/**
 * A simulated device for the ingest tests and the benchmark: the device codec (firmware/codec
 * sealReadings) + the device CoAP encoder/decoder (firmware/codec/coap.ts) over a real UDP socket.
 */
import dgram from 'node:dgram';
import { sealReadings, openDownlink, type SenmlRecord } from '../../firmware/codec/index.ts';
import { coapPost, coapDecode, coapCodeText, type CoapMessage } from '../../firmware/codec/coap.ts';
import { CodecError } from '../../firmware/codec/error.ts';
import { deriveDeviceKeys } from '../../tools/lib/codec/keys.ts';

export interface Reply {
  code: string;
  msg: CoapMessage;
  text: string;
}

export class SimDevice {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  private sock: dgram.Socket | null = null;
  private waiters = new Map<number, (m: CoapMessage) => void>();
  private mid: number;
  lastDownlink = -1;

  constructor(
    readonly id: string,
    readonly kid: Uint8Array,
    rootSecret: Uint8Array,
    public port: number,
    keyVersion = 1,
    readonly host = '127.0.0.1',
  ) {
    const k = deriveDeviceKeys(rootSecret, id, keyVersion);
    this.key = k.key;
    this.iv = k.iv;
    this.mid = (kid[kid.length - 1]! * 257) & 0xffff;
  }

  async open(): Promise<this> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.on('message', (b) => {
      const m = coapDecode(new Uint8Array(b));
      if (m instanceof CodecError) return;
      const w = this.waiters.get(m.mid);
      if (w) {
        this.waiters.delete(m.mid);
        w(m);
      }
    });
    this.sock = s;
    return this;
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }

  nextMid(): number {
    this.mid = (this.mid + 1) & 0xffff;
    return this.mid;
  }

  /** COSE payload for `counter` (device codec). */
  seal(counter: number, records: SenmlRecord[], baseName = ''): Uint8Array {
    return sealReadings(this.key, this.iv, this.kid, counter, baseName, records);
  }

  /** A CON POST /u datagram. */
  datagram(counter: number, records: SenmlRecord[], mid = this.nextMid()): { bytes: Uint8Array; mid: number } {
    const token = Uint8Array.of(counter & 0xff, (counter >> 8) & 0xff);
    return { bytes: coapPost(mid, token, 'u', this.seal(counter, records)), mid };
  }

  /** Send raw bytes and wait for the response with `mid` (rejects after `timeoutMs`). */
  send(bytes: Uint8Array, mid: number, timeoutMs = 3000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.delete(mid);
        reject(new Error(`no response to mid ${mid} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(mid, (m) => {
        clearTimeout(t);
        resolve({ code: coapCodeText(m.code), msg: m, text: Buffer.from(m.payload).toString('latin1') });
      });
      this.sock!.send(bytes, this.port, this.host);
    });
  }

  /** Send without waiting (e.g. a retransmission whose answer goes to the same waiter). */
  fire(bytes: Uint8Array): void {
    this.sock!.send(bytes, this.port, this.host);
  }

  uplink(counter: number, records: SenmlRecord[]): Promise<Reply> {
    const d = this.datagram(counter, records);
    return this.send(d.bytes, d.mid);
  }

  /** Open a downlink from an ACK payload with the device codec. */
  openDownlink(payload: Uint8Array) {
    const r = openDownlink(this.key, this.iv, payload, this.lastDownlink);
    if (!(r instanceof CodecError)) this.lastDownlink = r.counter;
    return r;
  }
}
