/**
 * Device CoAP (firmware/codec/coap.ts) against RFC 7252 and an independent implementation, the
 * `coap-packet` library the `coap` package uses: our encoder's bytes parse there into the same fields,
 * its packets (ACKs with payloads, RSTs, CON/NON responses, options that need the extended 13/14
 * forms) parse with our decoder, round trips hold for random messages, malformed input gives typed
 * errors with byte offsets, and nothing throws for random bytes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import packet from 'coap-packet';
import {
  coapDecode, coapEncode, coapPost, coapUint, coapOption, coapCodeText, COAP_ACK, COAP_CON, COAP_RST, COAP_POST, COAP_CHANGED,
  OPT_URI_PATH, OPT_CONTENT_FORMAT, CF_COSE_ENCRYPT0, type CoapMessage,
} from '../../firmware/codec/coap.ts';
import { CodecError } from '../../firmware/codec/error.ts';
import { checkAst, parseScript } from '../../tools/lib/build/check.ts';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const unhex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

/** coap-packet's parse → our message model. */
function fromPacket(p: ReturnType<typeof packet.parse>, raw: Buffer): CoapMessage {
  const [cls, detail] = p.code.split('.').map(Number);
  const optNum = (name: string | number): number => (typeof name === 'number' ? name : /^\d+$/.test(name) ? Number(name) : NAMED[name]!);
  return {
    type: p.confirmable ? COAP_CON : p.ack ? COAP_ACK : p.reset ? COAP_RST : (raw[0]! >> 4) & 3,
    code: cls! * 32 + detail!,
    mid: p.messageId,
    token: new Uint8Array(p.token),
    options: p.options.map((o) => ({ num: optNum(o.name), value: new Uint8Array(o.value) })),
    payload: new Uint8Array(p.payload),
  };
}
// coap-packet names the options it knows (RFC 7252 §12.2 and extensions)
const NAMED: Record<string, number> = {
  'If-Match': 1, 'Uri-Host': 3, ETag: 4, 'If-None-Match': 5, Observe: 6, 'Uri-Port': 7, 'Location-Path': 8, OSCORE: 9, 'Uri-Path': 11,
  'Content-Format': 12, 'Max-Age': 14, 'Uri-Query': 15, 'Hop-Limit': 16, Accept: 17, 'Q-Block1': 19, 'Location-Query': 20, 'EDHOC': 21,
  Block2: 23, Block1: 27, Size2: 28, 'Q-Block2': 31, 'Proxy-Uri': 35, 'Proxy-Scheme': 39, Size1: 60, 'No-Response': 258,
  'OCF-Accept-Content-Format-Version': 2049, 'OCF-Content-Format-Version': 2053,
};

const same = (a: CoapMessage, b: CoapMessage) => {
  expect(b.type).toBe(a.type);
  expect(b.code).toBe(a.code);
  expect(b.mid).toBe(a.mid);
  expect(hex(b.token)).toBe(hex(a.token));
  expect(b.options.map((o) => [o.num, hex(o.value)])).toEqual(a.options.map((o) => [o.num, hex(o.value)]));
  expect(hex(b.payload)).toBe(hex(a.payload));
};

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
// option numbers spread over the 4-bit, 13 (+1 byte) and 14 (+2 bytes) delta forms; lengths likewise
const option = fc.record({ num: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 300 }), fc.integer({ min: 269, max: 65535 })), value: fc.oneof(bytes(0, 12), bytes(13, 40), bytes(269, 300)) });
const message = fc.record({
  type: fc.integer({ min: 0, max: 3 }),
  code: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 64, max: 191 })),
  mid: fc.integer({ min: 0, max: 65535 }),
  token: bytes(0, 8),
  options: fc.array(option, { maxLength: 6 }).map((os) => [...os].sort((a, b) => a.num - b.num)),
  payload: bytes(0, 64),
});

describe('encoder', () => {
  it('a CON POST to "u" with Content-Format 16: exact bytes (RFC 7252 §3, §5.10.1, §5.10.3)', () => {
    const b = coapPost(0x1234, unhex('61626364'), 'u', unhex('6869'));
    // 44: ver 1, CON, TKL 4 | 02: POST | 1234 | token | b1 75: Uri-Path "u" | 11 10: delta 1 → 12, Content-Format 16 | ff | payload
    expect(hex(b)).toBe('4402123461626364b17511' + '10ff6869');
    const d = coapDecode(b) as CoapMessage;
    expect(coapOption(d, OPT_CONTENT_FORMAT)).toEqual(Uint8Array.of(CF_COSE_ENCRYPT0));
    const p = packet.parse(Buffer.from(b));
    expect(p).toMatchObject({ code: '0.02', confirmable: true, messageId: 0x1234 });
    expect(p.options).toEqual([{ name: 'Uri-Path', value: Buffer.from('u') }, { name: 'Content-Format', value: Buffer.from([16]) }]);
  });

  it('long path segments and far option numbers use the extended 13 / 14 forms', () => {
    const seg = 'x'.repeat(20); // length 20 → nibble 13, ext byte 7
    const long = 'y'.repeat(300); // length 300 → nibble 14, ext 2 bytes 300 − 269 = 31
    const b = coapPost(1, new Uint8Array(0), `${seg}/${long}`, new Uint8Array([1]), 60);
    expect(hex(b.subarray(4, 6))).toBe('bd07'); // delta 11, length 13+7
    const second = 4 + 2 + 20;
    expect(hex(b.subarray(second, second + 3))).toBe('0e001f'); // delta 0, length 269+31
    const afterLong = second + 3 + 300;
    expect(hex(b.subarray(afterLong, afterLong + 2))).toBe('113c'); // delta 1 → 12, length 1, value 60
    const p = packet.parse(Buffer.from(b));
    expect(p.options.map((o) => [o.name, o.value.length])).toEqual([['Uri-Path', 20], ['Uri-Path', 300], ['Content-Format', 1]]);
    const far = coapEncode({ type: COAP_CON, code: COAP_POST, mid: 2, token: new Uint8Array(0), options: [{ num: 2049, value: new Uint8Array(0) }, { num: 60, value: coapUint(1024) }], payload: new Uint8Array(0) });
    // sorted: Size1 60 (delta 60 → 13 + 47), then 2049 (delta 1989 → 14, 269 + 1720)
    expect(hex(far)).toBe('40020002' + 'd22f0400' + 'e006b8');
  });

  it('minimal uint option values (§3.2)', () => {
    expect([0, 16, 255, 256, 65535, 65536, 2 ** 32 - 1].map((n) => hex(coapUint(n)))).toEqual(['', '10', 'ff', '0100', 'ffff', '010000', 'ffffffff']);
  });

  it('property: our bytes parse with coap-packet into the same fields', () => {
    fc.assert(
      fc.property(message, (m) => {
        const b = coapEncode(m);
        same(m, fromPacket(packet.parse(Buffer.from(b)), Buffer.from(b)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('decoder', () => {
  it('coap-packet ACKs (empty, 2.04 with a payload, errors with diagnostics), RSTs, CON and NON responses decode', () => {
    const cases: Parameters<typeof packet.generate>[0][] = [
      { ack: true, code: '0.00', messageId: 7, token: Buffer.alloc(0) },
      { ack: true, code: '2.04', messageId: 0xbeef, token: Buffer.from('0102', 'hex'), payload: Buffer.from('d08344a1011818a1064101581a', 'hex') },
      { ack: true, code: '4.01', messageId: 3, token: Buffer.from('aa', 'hex'), payload: Buffer.from('replay') },
      { ack: true, code: '4.13', messageId: 4, token: Buffer.alloc(0), options: [{ name: 'Size1', value: Buffer.from([4, 0]) }] },
      { reset: true, code: '0.00', messageId: 9, token: Buffer.alloc(0) },
      { confirmable: true, code: '2.04', messageId: 10, token: Buffer.from('0102030405060708', 'hex'), payload: Buffer.from('x') },
      { code: '2.05', messageId: 11, token: Buffer.from('01', 'hex'), options: [{ name: 'Content-Format', value: Buffer.from([16]) }, { name: 'Max-Age', value: Buffer.from([60]) }] },
    ];
    for (const c of cases) {
      const raw = packet.generate(c);
      const m = coapDecode(new Uint8Array(raw));
      if (m instanceof CodecError) throw new Error(m.message);
      same(fromPacket(packet.parse(raw), raw), m);
    }
    const ack = coapDecode(new Uint8Array(packet.generate(cases[1]!))) as CoapMessage;
    expect([ack.type, coapCodeText(ack.code), ack.code]).toEqual([COAP_ACK, '2.04', COAP_CHANGED]);
    const big = coapDecode(new Uint8Array(packet.generate(cases[3]!))) as CoapMessage;
    expect(hex(coapOption(big, 60)!)).toBe('0400');
    expect(coapOption(big, OPT_URI_PATH)).toBeUndefined();
  });

  it('property: coap-packet packets with random options decode to the same fields', () => {
    fc.assert(
      fc.property(message, (m) => {
        const raw = packet.generate({
          confirmable: m.type === COAP_CON, ack: m.type === COAP_ACK, reset: m.type === COAP_RST,
          code: `${m.code >> 5}.${String(m.code & 31).padStart(2, '0')}`, messageId: m.mid, token: Buffer.from(m.token),
          options: m.options.map((o) => ({ name: String(o.num), value: Buffer.from(o.value) })), payload: Buffer.from(m.payload),
        }, 4096);
        const d = coapDecode(new Uint8Array(raw));
        if (d instanceof CodecError) throw new Error(d.message);
        same(fromPacket(packet.parse(raw), raw), d);
      }),
      { numRuns: 300 },
    );
  });

  it('property: decode(encode(m)) = m', () => {
    fc.assert(fc.property(message, (m) => same(m, coapDecode(coapEncode(m)) as CoapMessage)), { numRuns: 500 });
  });

  it.each([
    ['', 0, 'shorter than the 4-byte'],
    ['440200', 0, 'shorter than the 4-byte'],
    ['840200010000', 0, 'CoAP version 2'],
    ['49020001', 0, 'token length 9'],
    ['44020001aabb', 4, 'token runs past the end'],
    ['40200001', 1, 'reserved code class 1'],
    ['40e00001', 1, 'reserved code class 7'],
    ['6000000101', 4, 'empty message with bytes'],
    ['40020001b175ff', 6, 'payload marker with an empty payload'],
    ['40020001f0', 4, 'reserved option nibble 15'],
    ['400200010f', 4, 'reserved option nibble 15'],
    ['40020001d0', 4, 'option delta runs past the end'],
    ['40020001e000', 4, 'option delta runs past the end'],
    ['400200010d', 4, 'option length runs past the end'],
    ['40020001b57575', 4, 'value runs past the end'],
    ['40020001e0fef1' + 'e0fef1', 7, 'above 65535'],
  ])('malformed %s → MALFORMED_COAP at byte %i (%s)', (h, offset, what) => {
    const r = coapDecode(unhex(h));
    expect(r).toBeInstanceOf(CodecError);
    expect((r as CodecError).code).toBe('MALFORMED_COAP');
    expect((r as CodecError).offset).toBe(offset);
    expect((r as CodecError).message).toContain(what);
  });

  it('random bytes never throw: a message or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const r = coapDecode(b);
        if (r instanceof CodecError) expect(r.code).toBe('MALFORMED_COAP');
        else expect(hex(coapEncode(r))).toBe(hex(b.subarray(0, b.length))); // a valid message re-encodes to itself
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Espruino subset', () => {
  it('coap.ts bundles to code the build’s Espruino reject rules accept', () => {
    const entry = fileURLToPath(new URL('../../firmware/codec/coap.ts', import.meta.url));
    const code = buildSync({ entryPoints: [entry], bundle: true, write: false, format: 'iife', globalName: 'coap', target: 'es2015', logLevel: 'silent' }).outputFiles[0]!.text;
    expect(checkAst(parseScript(code, 'coap.js'))).toEqual([]);
    const bad = checkAst(parseScript('var m = new Map(); var x = Math.imul(1, 2);', 'bad.js'));
    expect(bad.length).toBeGreaterThan(0);
  });
});

