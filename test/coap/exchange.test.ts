/**
 * CoAP retransmission (RFC 7252 §4.2) with the NB-IoT timers of firmware/codec/coap.ts: waits of
 * ACK_TIMEOUT × [1, ACK_RANDOM_FACTOR) doubling each time, MAX_RETRANSMIT retransmissions, then
 * TIMEOUT; matching by Message ID and token; RST; empty ACK + separate response (acknowledged).
 * Both forms: push (coapExchange, injected timers) and pull (CoapExchange over receive(ms)).
 */
import { describe, expect, it } from 'vitest';
import {
  coapExchange, CoapExchange, coapPost, coapEncode, coapDecode, COAP_ACK, COAP_RST, COAP_CON, COAP_EMPTY, COAP_CHANGED,
  NBIOT_ACK_TIMEOUT_MS, NBIOT_MAX_RETRANSMIT, type CoapMessage,
} from '../../firmware/codec/coap.ts';
import { CodecError } from '../../firmware/codec/error.ts';

const E = new Uint8Array(0);
const TOKEN = Uint8Array.of(0xa1, 0xb2);
const REQ = coapPost(0x0102, TOKEN, 'u', Uint8Array.of(1, 2, 3));
const msg = (m: Partial<CoapMessage>): Uint8Array => coapEncode({ type: COAP_ACK, code: COAP_CHANGED, mid: 0x0102, token: TOKEN, options: [], payload: E, ...m });

/** Virtual clock with the setTimeout/clearTimeout pair the exchange takes in its options. */
function clock() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    setTimeout: (fn: () => void, ms: number) => {
      timers.push({ at: now + ms, fn, id: next });
      return next++;
    },
    clearTimeout: (id: number) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = t.at;
        t.fn();
      }
      now = end;
    },
    get now() {
      return now;
    },
    get pending() {
      return timers.length;
    },
  };
}

function pushRig(random = 0) {
  const c = clock();
  const sent: { at: number; bytes: Uint8Array }[] = [];
  let result: CoapMessage | CodecError | undefined;
  let calls = 0;
  const ex = coapExchange((b) => sent.push({ at: c.now, bytes: b }), REQ, { setTimeout: c.setTimeout, clearTimeout: c.clearTimeout, random: () => random }, (r) => {
    calls++;
    result = r;
  });
  return { c, sent, ex, result: () => result, calls: () => calls };
}

describe('coapExchange (push, injected timers)', () => {
  it('NB-IoT timers: 6 s × (1 + r/2), doubled per retry, 3 retransmissions, then TIMEOUT', () => {
    for (const [r, first] of [[0, 6000], [0.999, 8997]] as const) {
      const rig = pushRig(r);
      rig.c.advance(200_000);
      const gaps = rig.sent.map((s) => s.at);
      expect(gaps).toEqual([0, first, first * 3, first * 7]);
      expect(rig.sent.every((s) => s.bytes === REQ)).toBe(true);
      expect(rig.calls()).toBe(1);
      expect(rig.result()).toBeInstanceOf(CodecError);
      expect((rig.result() as CodecError).code).toBe('TIMEOUT');
      // the last wait is as long again as all before it: gives up at first × 15 (MAX_TRANSMIT_WAIT)
      expect(rig.sent.length).toBe(NBIOT_MAX_RETRANSMIT + 1);
    }
    expect(NBIOT_ACK_TIMEOUT_MS).toBe(6000);
  });

  it('a piggybacked ACK ends it: no more retransmissions, timers cleared, response delivered once', () => {
    const rig = pushRig();
    rig.c.advance(7000); // one retransmission
    expect(rig.ex.receive(msg({ payload: Uint8Array.of(9) }))).toBe(true);
    expect(rig.ex.receive(msg({}))).toBe(false); // a duplicate ACK after the end
    rig.c.advance(200_000);
    expect(rig.sent.length).toBe(2);
    expect(rig.c.pending).toBe(0);
    expect(rig.calls()).toBe(1);
    expect((rig.result() as CoapMessage).payload).toEqual(Uint8Array.of(9));
  });

  it('ignores other Message IDs, other tokens and garbage', () => {
    const rig = pushRig();
    expect(rig.ex.receive(msg({ mid: 0x0103 }))).toBe(false);
    expect(rig.ex.receive(msg({ token: Uint8Array.of(0xa1) }))).toBe(false);
    expect(rig.ex.receive(Uint8Array.of(1, 2))).toBe(false);
    expect(rig.calls()).toBe(0);
    rig.c.advance(6000);
    expect(rig.sent.length).toBe(2);
  });

  it('RST → RESET error', () => {
    const rig = pushRig();
    expect(rig.ex.receive(msg({ type: COAP_RST, code: COAP_EMPTY, token: E }))).toBe(true);
    expect((rig.result() as CodecError).code).toBe('RESET');
  });

  it('empty ACK then a separate CON response: retransmission stops, the response is ACKed and delivered', () => {
    const rig = pushRig();
    expect(rig.ex.receive(msg({ code: COAP_EMPTY, token: E }))).toBe(true);
    rig.c.advance(60_000);
    expect(rig.sent.length).toBe(1);
    expect(rig.ex.receive(msg({ type: COAP_CON, mid: 0x7777, payload: Uint8Array.of(5) }))).toBe(true);
    const ack = coapDecode(rig.sent[1]!.bytes) as CoapMessage;
    expect([ack.type, ack.code, ack.mid, ack.token.length]).toEqual([COAP_ACK, COAP_EMPTY, 0x7777, 0]);
    expect((rig.result() as CoapMessage).payload).toEqual(Uint8Array.of(5));
  });

  it('cancel() stops it silently', () => {
    const rig = pushRig();
    rig.ex.cancel();
    rig.c.advance(200_000);
    expect(rig.sent.length).toBe(1);
    expect(rig.calls()).toBe(0);
  });
});

describe('CoapExchange (pull over receive(ms))', () => {
  /** A radio whose receive() answers from a script: a datagram, or a TIMEOUT rejection. */
  function radio(script: (Uint8Array | 'timeout')[]) {
    const waits: number[] = [];
    const sent: { bytes: Uint8Array; last: boolean }[] = [];
    return {
      waits, sent,
      io: {
        send: (bytes: Uint8Array, last: boolean) => {
          sent.push({ bytes, last });
          return Promise.resolve();
        },
        receive: (ms: number) => {
          waits.push(ms);
          const next = script.shift();
          if (!next) return Promise.reject(new Error('script exhausted'));
          return next === 'timeout' ? Promise.reject({ code: 'TIMEOUT', message: 'no datagram' }) : Promise.resolve(next);
        },
      },
    };
  }

  it('retransmits on receive timeouts with doubling waits and resolves with the ACK', async () => {
    const r = radio(['timeout', msg({ mid: 9 }), 'timeout', msg({ payload: Uint8Array.of(7) })]);
    const resp = await new CoapExchange(r.io, { random: () => 0 }).request(REQ);
    expect(resp.payload).toEqual(Uint8Array.of(7));
    expect(r.sent.length).toBe(3);
    expect(r.waits.map((w) => Math.round(w / 1000))).toEqual([6, 12, 12, 24]); // the foreign ACK did not reset the deadline
  });

  it('gives up after MAX_RETRANSMIT with TIMEOUT; the last transmission is flagged', async () => {
    const r = radio(['timeout', 'timeout', 'timeout', 'timeout']);
    const e = await new CoapExchange(r.io, { random: () => 0 }).request(REQ).catch((x) => x);
    expect(e).toBeInstanceOf(CodecError);
    expect(e.code).toBe('TIMEOUT');
    expect(r.sent.map((s) => s.last)).toEqual([false, false, false, true]);
  });

  it('RST rejects with RESET; radio errors pass through', async () => {
    const r = radio([msg({ type: COAP_RST, code: COAP_EMPTY, token: E })]);
    expect((await new CoapExchange(r.io).request(REQ).catch((x) => x)).code).toBe('RESET');
    const broken = radio([]);
    expect((await new CoapExchange(broken.io).request(REQ).catch((x) => x)).message).toBe('script exhausted');
  });
});
