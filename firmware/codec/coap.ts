/**
 * CoAP (RFC 7252) for the device: encode a CON POST carrying a COSE_Encrypt0 uplink, decode the
 * server's answer (ACK / RST / CON / NON) with bounds checks, and a retransmission helper with timers
 * suited to NB-IoT. Espruino subset only; no imports besides this folder.
 *
 * Message format (§3):
 *   byte 0   Ver (2 bits, = 1) | Type (2: CON 0, NON 1, ACK 2, RST 3) | Token Length (4, 0-8)
 *   byte 1   Code c.dd (3 + 5 bits), byte 2-3 Message ID (big endian), then the token,
 *   options  each: Delta (4 bits) | Length (4 bits) [ext delta] [ext length] value — nibble 13 means
 *            "one more byte, value − 13", 14 "two more bytes, value − 269", 15 is reserved (§3.1);
 *            option numbers are sent in ascending order as deltas from the previous one,
 *   0xFF     payload marker, then the payload (never a marker with an empty payload, §3).
 * Uplink: Uri-Path (11, one option per segment, §5.10.1) = "u", Content-Format (12, uint, §5.10.3) =
 * 16 `application/cose; cose-type="cose-encrypt0"` (RFC 9052 §11.2 / IANA CoAP Content-Formats).
 *
 * Errors: decoding returns CodecError('MALFORMED_COAP', what, byte offset), never throws; the exchange
 * ends with CodecError('TIMEOUT' | 'RESET') or the response message.
 */
import { CodecError } from './error.ts';
import { Bytes } from './bytes.ts';
import { utf8Encode } from './cbor.ts';

export var COAP_CON = 0;
export var COAP_NON = 1;
export var COAP_ACK = 2;
export var COAP_RST = 3;
/** Codes as one byte: class * 32 + detail (§3, §12.1). */
export var COAP_EMPTY = 0;
export var COAP_POST = 2; // 0.02
export var COAP_CHANGED = 68; // 2.04
export var OPT_URI_PATH = 11;
export var OPT_CONTENT_FORMAT = 12;
export var CF_COSE_ENCRYPT0 = 16;
/** Path of the ingest's uplink resource: one short segment (every byte costs radio energy). */
export var UPLINK_PATH = 'u';

export interface CoapOption {
  num: number;
  value: Uint8Array;
}

export interface CoapMessage {
  /** COAP_CON / COAP_NON / COAP_ACK / COAP_RST */
  type: number;
  /** class * 32 + detail, e.g. 68 = 2.04 */
  code: number;
  /** Message ID 0-65535 */
  mid: number;
  /** 0-8 bytes */
  token: Uint8Array;
  /** in ascending option number order (as decoded, or to be sorted by the encoder) */
  options: CoapOption[];
  payload: Uint8Array;
}

/** "2.04" style text of a code, for logs. */
export function coapCodeText(code: number): string {
  var d = code & 31;
  return (code >> 5) + '.' + (d < 10 ? '0' : '') + d;
}

/** Minimal unsigned integer option value (§3.2: uint, leading zero bytes omitted, 0 = empty). */
export function coapUint(n: number): Uint8Array {
  var len = n === 0 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : n < 16777216 ? 3 : 4;
  var out = new Bytes(len);
  var i;
  for (i = len - 1; i >= 0; i--) {
    out[i] = n & 255;
    n = n >>> 8;
  }
  return out;
}

/** Bytes the extended form of a delta/length takes (§3.1). */
function extSize(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

function nibble(n: number): number {
  return n < 13 ? n : n < 269 ? 13 : 14;
}

function putExt(out: Uint8Array, pos: number, n: number): number {
  if (n >= 269) {
    n -= 269;
    out[pos++] = (n >> 8) & 255;
    out[pos++] = n & 255;
  } else if (n >= 13) out[pos++] = n - 13;
  return pos;
}

/**
 * Encode a message (§3). Options are written in ascending number order (stable for repeated options
 * such as Uri-Path). Throws only on programming errors (token > 8 bytes, mid or option out of range).
 */
export function coapEncode(m: CoapMessage): Uint8Array {
  var opts = m.options.slice();
  var i, j, o, delta, prev, size, out, pos;
  if (m.token.length > 8 || !(m.mid >= 0 && m.mid <= 65535) || !(m.code >= 0 && m.code <= 255) || !(m.type >= 0 && m.type <= 3)) {
    throw new Error('coap: bad token/mid/code/type');
  }
  // insertion sort: stable, no comparator quirks, lists are tiny
  for (i = 1; i < opts.length; i++) {
    o = opts[i];
    for (j = i - 1; j >= 0 && opts[j].num > o.num; j--) opts[j + 1] = opts[j];
    opts[j + 1] = o;
  }
  size = 4 + m.token.length;
  prev = 0;
  for (i = 0; i < opts.length; i++) {
    o = opts[i];
    if (!(o.num >= 0 && o.num <= 65535) || o.value.length > 65804) throw new Error('coap: bad option ' + o.num);
    delta = o.num - prev;
    size += 1 + extSize(delta) + extSize(o.value.length) + o.value.length;
    prev = o.num;
  }
  if (m.payload.length) size += 1 + m.payload.length;
  out = new Bytes(size);
  out[0] = 0x40 | (m.type << 4) | m.token.length;
  out[1] = m.code;
  out[2] = m.mid >> 8;
  out[3] = m.mid & 255;
  out.set(m.token, 4);
  pos = 4 + m.token.length;
  prev = 0;
  for (i = 0; i < opts.length; i++) {
    o = opts[i];
    delta = o.num - prev;
    out[pos++] = (nibble(delta) << 4) | nibble(o.value.length);
    pos = putExt(out, pos, delta);
    pos = putExt(out, pos, o.value.length);
    out.set(o.value, pos);
    pos += o.value.length;
    prev = o.num;
  }
  if (m.payload.length) {
    out[pos++] = 0xff;
    out.set(m.payload, pos);
  }
  return out;
}

/**
 * A CON POST to `path` ("u" or "a/b": one Uri-Path option per segment) with Content-Format `cf`
 * (default 16, COSE_Encrypt0). `mid`: 16-bit, new per message (§4.4); `token`: 0-8 bytes.
 */
export function coapPost(mid: number, token: Uint8Array, path: string, payload: Uint8Array, cf?: number): Uint8Array {
  var segs = path.split('/');
  var opts: CoapOption[] = [];
  var i;
  for (i = 0; i < segs.length; i++) if (segs[i].length) opts.push({ num: OPT_URI_PATH, value: utf8Encode(segs[i]) });
  opts.push({ num: OPT_CONTENT_FORMAT, value: coapUint(cf === undefined ? CF_COSE_ENCRYPT0 : cf) });
  return coapEncode({ type: COAP_CON, code: COAP_POST, mid: mid, token: token, options: opts, payload: payload });
}

function bad(what: string, offset: number): CodecError {
  return new CodecError('MALFORMED_COAP', what, offset);
}

/** Read an extended delta/length for nibble `n` at `pos`; returns [value, new pos] or null past the end. */
function readExt(b: Uint8Array, pos: number, n: number): number[] | null {
  if (n === 13) return pos + 1 > b.length ? null : [b[pos] + 13, pos + 1];
  if (n === 14) return pos + 2 > b.length ? null : [((b[pos] << 8) | b[pos + 1]) + 269, pos + 2];
  return [n, pos];
}

/**
 * Decode a datagram (§3) with every length checked against the bytes present. Message format errors
 * (§3, §4.1 empty messages, §3.1 reserved nibble 15, option numbers above 65535, reserved code
 * classes 1, 6, 7 of §12.1) come back as CodecError('MALFORMED_COAP', what, byte offset).
 */
export function coapDecode(b: Uint8Array): CoapMessage | CodecError {
  var tkl, code, cls, pos, num, opts: CoapOption[], h, d, l, r;
  if (b.length < 4) return bad('shorter than the 4-byte CoAP header', 0);
  if (b[0] >> 6 !== 1) return bad('CoAP version ' + (b[0] >> 6) + ', expected 1', 0);
  tkl = b[0] & 15;
  if (tkl > 8) return bad('token length ' + tkl + ' (9-15 are reserved)', 0);
  code = b[1];
  cls = code >> 5;
  if (cls === 1 || cls > 5) return bad('reserved code class ' + cls, 1);
  if (code === COAP_EMPTY && b.length !== 4) return bad('empty message with bytes after the header', 4);
  if (4 + tkl > b.length) return bad('token runs past the end', 4);
  pos = 4 + tkl;
  num = 0;
  opts = [];
  while (pos < b.length) {
    h = b[pos];
    if (h === 0xff) {
      if (pos + 1 === b.length) return bad('payload marker with an empty payload', pos);
      pos++;
      break;
    }
    d = h >> 4;
    l = h & 15;
    if (d === 15 || l === 15) return bad('reserved option nibble 15', pos);
    r = readExt(b, pos + 1, d);
    if (!r) return bad('option delta runs past the end', pos);
    num += r[0];
    r = readExt(b, r[1], l);
    if (!r) return bad('option length runs past the end', pos);
    if (num > 65535) return bad('option number ' + num + ' above 65535', pos);
    if (r[1] + r[0] > b.length) return bad('option ' + num + ' value runs past the end', pos);
    opts.push({ num: num, value: b.subarray(r[1], r[1] + r[0]) });
    pos = r[1] + r[0];
  }
  return { type: (b[0] >> 4) & 3, code: code, mid: (b[2] << 8) | b[3], token: b.subarray(4, 4 + tkl), options: opts, payload: b.subarray(pos) };
}

/** Same as coapDecode (the name the node runtime uses). */
export var coapParse = coapDecode;

/** The value of the first option `num` (undefined when absent). */
export function coapOption(m: CoapMessage, num: number): Uint8Array | undefined {
  var i;
  for (i = 0; i < m.options.length; i++) if (m.options[i].num === num) return m.options[i].value;
  return undefined;
}

/**
 * Transmission parameters for NB-IoT (RFC 7252 §4.8 allows changing them; §4.8.1 asks that the
 * derived times be recomputed, see EXCHANGE_LIFETIME below). RFC defaults are ACK_TIMEOUT 2 s,
 * ACK_RANDOM_FACTOR 1.5, MAX_RETRANSMIT 4. NB-IoT round trips are seconds, not milliseconds (3GPP TR
 * 45.820 targets 10 s latency for an exception report at the coverage edge; in CE level 0 a
 * request/response over an established RRC connection still takes ~1-3 s), so a 2 s timer would
 * retransmit messages whose ACK is merely on its way — each costing a transmit burst at ~100-250 mA.
 *   ACK_TIMEOUT 6 s: above a typical NB-IoT RTT with margin;
 *   ACK_RANDOM_FACTOR 1.5: as RFC 7252, to de-synchronise a fleet that woke together;
 *   MAX_RETRANSMIT 3: one fewer than the RFC; a message that fails stays in the device's queue and
 *   goes again at the next wake-up, which costs less than keeping the radio up for a 4th try.
 * Waits: 6-9 s, 12-18, 24-36, 48-72 s (exponential back-off, §4.2); MAX_TRANSMIT_WAIT =
 * 6 × (2^4 − 1) × 1.5 = 135 s; MAX_TRANSMIT_SPAN = 6 × 7 × 1.5 = 63 s.
 */
export var NBIOT_ACK_TIMEOUT_MS = 6000;
export var NBIOT_ACK_RANDOM_FACTOR = 1.5;
export var NBIOT_MAX_RETRANSMIT = 3;
/**
 * EXCHANGE_LIFETIME (§4.8.2) = MAX_TRANSMIT_SPAN + 2 × MAX_LATENCY + PROCESSING_DELAY with these
 * parameters: 63 + 2 × 100 + 6 = 269 s. The ingest keeps duplicate-detection state this long.
 */
export var NBIOT_EXCHANGE_LIFETIME_MS = 269000;

export interface CoapExchangeOptions {
  ackTimeoutMs?: number;
  ackRandomFactor?: number;
  maxRetransmit?: number;
  /** after an empty ACK, how long to wait for the separate response (default: MAX_TRANSMIT_WAIT) */
  responseTimeoutMs?: number;
  /** default: Espruino's setTimeout / clearTimeout */
  setTimeout?: (fn: () => void, ms: number) => any;
  clearTimeout?: (id: any) => void;
  /** 0 ≤ x < 1 for the timeout jitter (default Math.random; not a secret, so E.hwRand is not needed) */
  random?: () => number;
}

export interface CoapExchangeHandle {
  /** Feed every received datagram; true when it belonged to this exchange. */
  receive(bytes: Uint8Array): boolean;
  /** Stop retransmitting; `done` is not called. */
  cancel(): void;
}

/**
 * Push-style exchange (feed it datagrams from the modem's onReceive callback; timers from options).
 * Send a CON `request` and retransmit it with exponential back-off (§4.2) until its ACK or RST
 * arrives. `done` is called once with the response (a piggybacked ACK, or a separate CON/NON response
 * after an empty ACK; a CON response is acknowledged with an empty ACK, §5.2.2) or with
 * CodecError('TIMEOUT' | 'RESET'). Responses are matched by Message ID (ACK/RST, §4.2) and token
 * (§5.3.2).
 */
export function coapExchange(send: (b: Uint8Array) => void, request: Uint8Array, opts: CoapExchangeOptions | undefined, done: (r: CoapMessage | CodecError) => void): CoapExchangeHandle {
  var o = opts || {};
  var ackTimeout = o.ackTimeoutMs || NBIOT_ACK_TIMEOUT_MS;
  var factor = o.ackRandomFactor || NBIOT_ACK_RANDOM_FACTOR;
  var maxRetransmit = o.maxRetransmit === undefined ? NBIOT_MAX_RETRANSMIT : o.maxRetransmit;
  var responseTimeout = o.responseTimeoutMs || ackTimeout * (Math.pow(2, maxRetransmit + 1) - 1) * factor;
  var st = o.setTimeout || function (fn: () => void, ms: number): any { return setTimeout(fn, ms); };
  var ct = o.clearTimeout || function (id: any): void { clearTimeout(id); };
  var rnd = o.random || Math.random;
  var req = coapDecode(request);
  var timer: any = null;
  var finished = false;
  var waitingSeparate = false;
  var tries = 0;
  var timeout: number;
  var mid: number;
  var token: Uint8Array;
  if (req instanceof CodecError || req.type !== COAP_CON) throw new Error('coapExchange: request must be an encoded CON message');
  mid = req.mid;
  token = req.token;

  function finish(r: CoapMessage | CodecError): void {
    if (finished) return;
    finished = true;
    if (timer !== null) ct(timer);
    timer = null;
    done(r);
  }
  function sameToken(t: Uint8Array): boolean {
    var i;
    if (t.length !== token.length) return false;
    for (i = 0; i < t.length; i++) if (t[i] !== token[i]) return false;
    return true;
  }
  function onTimer(): void {
    timer = null;
    if (finished) return;
    if (waitingSeparate) return finish(new CodecError('TIMEOUT', 'no separate response after the empty ACK', 0));
    if (tries >= maxRetransmit) return finish(new CodecError('TIMEOUT', 'no ACK after ' + (tries + 1) + ' transmissions', 0));
    tries++;
    timeout = timeout * 2;
    send(request);
    timer = st(onTimer, timeout);
  }

  timeout = ackTimeout * (1 + rnd() * (factor - 1));
  send(request);
  timer = st(onTimer, timeout);

  return {
    receive: function (bytes: Uint8Array): boolean {
      var m = coapDecode(bytes);
      if (finished || m instanceof CodecError) return false;
      if ((m.type === COAP_ACK || m.type === COAP_RST) && m.mid === mid) {
        if (m.type === COAP_RST) {
          finish(new CodecError('RESET', 'the server reset message ' + mid, 0));
          return true;
        }
        if (m.code === COAP_EMPTY) {
          if (!waitingSeparate) {
            waitingSeparate = true;
            if (timer !== null) ct(timer);
            timer = st(onTimer, responseTimeout);
          }
          return true;
        }
        if (!sameToken(m.token)) return false;
        finish(m);
        return true;
      }
      if ((m.type === COAP_CON || m.type === COAP_NON) && m.code >= 64 && sameToken(m.token)) {
        if (m.type === COAP_CON) send(coapEncode({ type: COAP_ACK, code: COAP_EMPTY, mid: m.mid, token: new Bytes(0), options: [], payload: new Bytes(0) }));
        finish(m);
        return true;
      }
      return false;
    },
    cancel: function (): void {
      finished = true;
      if (timer !== null) ct(timer);
      timer = null;
    },
  };
}

/** The radio side of CoapExchange: the modem driver's send() and receive() (firmware/modem/common.ts). */
export interface CoapIo {
  /** `lastTry`: no retransmission follows (the runtime may ask for release assistance) */
  send(bytes: Uint8Array, lastTry: boolean): any;
  /** the next datagram, or a rejection with code 'TIMEOUT' after `ms` */
  receive(ms: number): Promise<Uint8Array>;
}

/**
 * The same exchange for a pull-style radio (`receive(ms)` with a timeout, as the modem drivers
 * offer): the receive timeouts ARE the retransmission timers, so nothing is left waiting on the
 * modem after the promise settles and the next exchange cannot lose its datagram to a stale reader.
 * Resolves with the response (piggybacked ACK, or separate response after an empty ACK), rejects with
 * CodecError('TIMEOUT' | 'RESET') or the radio's own error.
 */
export class CoapExchange {
  declare io: CoapIo;
  declare opts: CoapExchangeOptions;
  constructor(io: CoapIo, opts?: CoapExchangeOptions) {
    this.io = io;
    this.opts = opts || {};
  }

  request(request: Uint8Array): Promise<CoapMessage> {
    var io = this.io;
    var o = this.opts;
    var ackTimeout = o.ackTimeoutMs || NBIOT_ACK_TIMEOUT_MS;
    var factor = o.ackRandomFactor || NBIOT_ACK_RANDOM_FACTOR;
    var maxRetransmit = o.maxRetransmit === undefined ? NBIOT_MAX_RETRANSMIT : o.maxRetransmit;
    var responseTimeout = o.responseTimeoutMs || ackTimeout * (Math.pow(2, maxRetransmit + 1) - 1) * factor;
    var rnd = o.random || Math.random;
    var now = function (): number { return Date.now(); };
    var req = coapDecode(request);
    var tries = 0;
    var timeout = ackTimeout * (1 + rnd() * (factor - 1));
    var deadline = 0;
    var separate = false;
    var r: CoapMessage;
    if (req instanceof CodecError || req.type !== COAP_CON) return Promise.reject(new Error('CoapExchange: request must be an encoded CON message'));
    r = req;
    return new Promise<CoapMessage>(function (resolve, reject) {
      function transmit(): void {
        deadline = now() + timeout;
        Promise.resolve(io.send(request, tries === maxRetransmit)).then(wait, reject);
      }
      function wait(): void {
        io.receive(Math.max(1, deadline - now())).then(got, function (e: any) {
          if (!e || e.code !== 'TIMEOUT') return reject(e);
          if (separate) return reject(new CodecError('TIMEOUT', 'no separate response after the empty ACK', 0));
          if (tries >= maxRetransmit) return reject(new CodecError('TIMEOUT', 'no ACK after ' + (tries + 1) + ' transmissions', 0));
          tries++;
          timeout = timeout * 2;
          transmit();
        });
      }
      function sameToken(t: Uint8Array): boolean {
        var i;
        if (t.length !== r.token.length) return false;
        for (i = 0; i < t.length; i++) if (t[i] !== r.token[i]) return false;
        return true;
      }
      function got(bytes: Uint8Array): void {
        var m = coapDecode(bytes);
        if (m instanceof CodecError) return wait(); // not for us / garbage: ignore (§4.2)
        if (m.type === COAP_RST && m.mid === r.mid) return reject(new CodecError('RESET', 'the server reset message ' + r.mid, 0));
        if (m.type === COAP_ACK && m.mid === r.mid && m.code === COAP_EMPTY) {
          if (!separate) {
            separate = true;
            deadline = now() + responseTimeout;
          }
          return wait();
        }
        if (m.type === COAP_ACK && m.mid === r.mid && sameToken(m.token)) return resolve(m);
        if ((m.type === COAP_CON || m.type === COAP_NON) && m.code >= 64 && sameToken(m.token)) {
          if (m.type === COAP_CON) io.send(coapEncode({ type: COAP_ACK, code: COAP_EMPTY, mid: m.mid, token: new Bytes(0), options: [], payload: new Bytes(0) }), true);
          return resolve(m);
        }
        wait();
      }
      transmit();
    });
  }
}
