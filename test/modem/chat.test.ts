/**
 * The AT chat engine on its own: a scripted serial line and the virtual clock. Covers framing, echo,
 * URCs between echo and result, async results and their timeout, `>` prompts, argv parsing and both
 * +CME ERROR forms (TS 27.007 §9.2).
 */
import { describe, expect, it } from 'vitest';
import { Chat, fromHex, parseArgs, parseCmeError, toHex, type ModemError } from '../../firmware/modem/chat.ts';
import { VirtualScheduler } from '../../sim/core/scheduler.ts';

function rig() {
  const sched = new VirtualScheduler();
  let onData: (d: string) => void = () => {};
  const written: string[] = [];
  const serial = {
    write(d: string) {
      written.push(d);
    },
    on(_ev: 'data', fn: (d: string) => void) {
      onData = fn;
    },
  };
  const timers = { setTimeout: (fn: () => void, ms: number) => sched.after(ms, fn), clearTimeout: (id: number) => sched.cancel(id) };
  const chat = new Chat({ serial, timers });
  const feed = (s: string) => onData(s);
  const tick = () => new Promise<void>((r) => setImmediate(r));
  /** Advances virtual time event by event, letting promise chains run between events. */
  const advance = async (ms: number) => {
    const end = sched.now() + ms;
    for (;;) {
      await tick();
      const t = sched.peekTime();
      if (t === undefined || t > end) break;
      sched.runUntil(t);
    }
    sched.runUntil(end);
    await tick();
  };
  return { sched, chat, feed, written, tick, advance };
}

async function settle<T>(p: Promise<T>): Promise<{ ok?: T; err?: ModemError }> {
  return p.then(
    (ok) => ({ ok }),
    (err: ModemError) => ({ err }),
  );
}

describe('chat engine', () => {
  it('frames lines split across chunks with CR, LF or CRLF and drops the echo', async () => {
    const { chat, feed, written } = rig();
    const p = chat.command('AT+CGSN');
    expect(written).toEqual(['AT+CGSN\r']);
    feed('AT+CG');
    feed('SN\r\r\n8664');
    feed('25040123456\r');
    feed('\nOK\r\n');
    const r = await p;
    expect(r.lines).toEqual(['866425040123456']);
    expect(r.final).toBe('OK');
  });

  it('routes a URC arriving between echo and final result to the URC table, not the response', async () => {
    const { chat, feed } = rig();
    const urcs: string[] = [];
    chat.onUrc('+QIURC:', (l) => urcs.push(l));
    const p = chat.command('AT+CEREG?', { expect: ['+CEREG:'] });
    feed('AT+CEREG?\r\n+QIURC: "recv",0,2,"AB01"\r\n+CEREG: 4,1\r\n\r\nOK\r\n');
    const r = await p;
    expect(urcs).toEqual(['+QIURC: "recv",0,2,"AB01"']);
    expect(r.lines).toEqual(['+CEREG: 4,1']);
  });

  it('waits for an async result after OK and times it out separately', async () => {
    const { chat, feed, sched, tick } = rig();
    const p = settle(chat.command('AT+QIOPEN=0,0,"UDP","1.2.3.4",5683,0,1', { timeoutMs: 300, then: { match: ['+QIOPEN:'], timeoutMs: 60000 } }));
    feed('\r\nOK\r\n');
    sched.runFor(59000);
    await tick();
    feed('\r\n+QIOPEN: 0,0\r\n');
    expect((await p).ok!.final).toBe('+QIOPEN: 0,0');

    const q = settle(chat.command('AT+QIOPEN=0,1,"UDP","1.2.3.4",5683,0,1', { timeoutMs: 300, then: { match: ['+QIOPEN:'], timeoutMs: 60000 } }));
    feed('\r\nOK\r\n');
    sched.runFor(60001);
    const r = await q;
    expect(r.err!.code).toBe('TIMEOUT');
    expect(r.err!.message).toContain('+QIOPEN:');
    expect(r.err!.command).toBe('AT+QIOPEN=0,1,"UDP","1.2.3.4",5683,0,1');
  });

  it('accepts an async result that arrives in the same chunk as OK, and fails on an abort line', async () => {
    const { chat, feed } = rig();
    const p = chat.command('AT+QISEND=0,1,"AA"', { then: { match: ['SEND OK'], abort: ['SEND FAIL'], timeoutMs: 1000 } });
    feed('\r\nOK\r\n\r\nSEND OK\r\n');
    expect((await p).final).toBe('SEND OK');
    const q = settle(chat.command('AT+QISEND=0,1,"AA"', { then: { match: ['SEND OK'], abort: ['SEND FAIL'], timeoutMs: 1000 } }));
    feed('\r\nOK\r\n\r\nSEND FAIL\r\n');
    const r = await q;
    expect(r.err).toMatchObject({ code: 'ABORT', text: 'SEND FAIL' });
  });

  it('tells NO_RESPONSE (silence) from TIMEOUT (talked, but no final result)', async () => {
    const { chat, feed, sched } = rig();
    const a = settle(chat.command('AT', { timeoutMs: 300 }));
    sched.runFor(301);
    expect((await a).err!.code).toBe('NO_RESPONSE');
    const b = settle(chat.command('AT+CSQ', { timeoutMs: 300 }));
    feed('+CSQ: 20,99\r\n');
    sched.runFor(301);
    expect((await b).err!.code).toBe('TIMEOUT');
  });

  it('writes binary data after the > prompt', async () => {
    const { chat, feed, written } = rig();
    const data = '\x00\x01\xff\r\n';
    const p = chat.command('AT+CASEND=0,5', { data });
    feed('\r\n> ');
    expect(written).toEqual(['AT+CASEND=0,5\r', data]);
    feed('\r\nOK\r\n');
    expect((await p).final).toBe('OK');
  });

  it('parses +CME ERROR in numeric and text form into typed errors', async () => {
    const { chat, feed } = rig();
    const a = settle(chat.command('AT+CPIN?'));
    feed('\r\n+CME ERROR: 10\r\n');
    expect((await a).err).toMatchObject({ code: 'CME', cme: 10, command: 'AT+CPIN?' });
    const b = settle(chat.command('AT+CPIN?'));
    feed('\r\n+CME ERROR: SIM failure\r\n');
    expect((await b).err).toMatchObject({ code: 'CME', text: 'SIM failure' });
    expect((await b).err!.cme).toBeUndefined();
    const c = settle(chat.command('AT+FOO'));
    feed('\r\nERROR\r\n');
    expect((await c).err).toMatchObject({ code: 'ERROR', command: 'AT+FOO' });
    expect(parseCmeError('+CMS ERROR: 500')).toMatchObject({ code: 'CMS', cme: 500 });
  });

  it('queues commands and runs them one at a time', async () => {
    const { chat, feed, written } = rig();
    const a = chat.command('ATE0');
    const b = chat.command('AT+CMEE=1');
    expect(written).toEqual(['ATE0\r']);
    feed('ATE0\r\r\nOK\r\n');
    await a;
    expect(written).toEqual(['ATE0\r', 'AT+CMEE=1\r']);
    feed('\r\nOK\r\n');
    await b;
  });

  it('runs scripts: placeholders, retries, optional steps, per-script timeout', async () => {
    const { chat, feed, sched, written, advance } = rig();
    const script = {
      name: 'apn',
      steps: [
        { send: 'AT', timeoutMs: 100, retry: { count: 5, delayMs: 0 } },
        { send: 'AT+QCGDEFCONT="IP","{apn}"' },
        { send: 'AT+NOPE', optional: true },
      ],
    };
    const p = chat.run(script, { apn: 'iot.example' });
    await advance(101); // first AT lost
    await advance(101); // second AT lost
    feed('\r\nOK\r\n');
    await advance(0);
    feed('\r\nOK\r\n');
    await advance(0);
    feed('\r\nERROR\r\n');
    const r = await p;
    expect(written).toEqual(['AT\r', 'AT\r', 'AT\r', 'AT+QCGDEFCONT="IP","iot.example"\r', 'AT+NOPE\r']);
    expect(Object.keys(r)).toEqual(['AT', 'AT+QCGDEFCONT="IP","iot.example"']);

    const slow = settle(chat.run({ name: 'slow', timeoutMs: 1000, steps: [{ send: 'AT+CFUN=1', timeoutMs: 5000 }] }));
    sched.runFor(1001);
    expect((await slow).err).toMatchObject({ code: 'TIMEOUT' });
    expect((await slow).err!.message).toContain('slow');

    // a one-step script named after its command does not repeat the command in the message
    await advance(5000); // the timed-out script's command still holds the line until its own timeout
    const one = settle(chat.run({ name: 'AT+QICLOSE=0', steps: [{ send: 'AT+QICLOSE=0', timeoutMs: 100 }] }));
    await advance(101);
    expect((await one).err!.message).toBe('AT+QICLOSE=0: no response within 100 ms');
  });

  it('waitFor sees a line before the URC table', async () => {
    const { chat, feed, sched } = rig();
    const seen: string[] = [];
    chat.onUrc('SMS Ready', (l) => seen.push(l));
    const p = chat.waitFor(['SMS Ready'], 30000);
    feed('\r\nSMS Ready\r\n');
    expect(await p).toBe('SMS Ready');
    expect(seen).toEqual([]);
    const q = settle(chat.waitFor(['RDY'], 1000));
    sched.runFor(1001);
    expect((await q).err!.code).toBe('TIMEOUT');
  });
});

describe('argv and hex helpers', () => {
  it('splits quoted fields and keeps empty ones', () => {
    expect(parseArgs('+QENG: 0,1694,12,284,"022FE6CF",-92,-5,-87,10,3,"33C2",0,14,2')).toEqual(['0', '1694', '12', '284', '022FE6CF', '-92', '-5', '-87', '10', '3', '33C2', '0', '14', '2']);
    expect(parseArgs('+CEREG: 4,5,"0001","0000ABCD",9,,,"00100011","00101010"')).toEqual(['4', '5', '0001', '0000ABCD', '9', '', '', '00100011', '00101010']);
    expect(parseArgs('+QIURC: "recv",0,4,"a,b"')).toEqual(['recv', '0', '4', 'a,b']);
    expect(parseArgs('*ATREADY: 1')).toEqual(['1']);
    expect(() => parseArgs('+X: "open')).toThrow();
  });

  it('hex round-trips and rejects bad digits with their offset', () => {
    const b = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(toHex(b)).toBe('0001ABFF');
    expect(fromHex('0001abFF')).toEqual(b);
    expect(() => fromHex('0G')).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE', message: expect.stringContaining('offset 1') }));
    expect(() => fromHex('ABC')).toThrow(expect.objectContaining({ message: expect.stringContaining('odd length') }));
  });
});

describe('binary responses', () => {
  it('reads +CARECV: <len>,<bytes> even when the bytes contain CR/LF and arrive in pieces', async () => {
    const { chat, feed } = rig();
    const p = chat.command('AT+CARECV=0,1460', { binary: { prefix: '+CARECV:', sep: ',', lenField: 0 } });
    feed('AT+CARECV=0,1460\r\r\n+CARE');
    feed('CV: 7,a\r\nOK');
    feed('\r\xff\r\n\r\nOK\r\n');
    const r = await p;
    expect(r.data).toBe('a\r\nOK\r\xff');
    expect(r.lines).toEqual(['+CARECV: 7']);
  });
  it('reads +QIRD: <len> CRLF <bytes>', async () => {
    const { chat, feed } = rig();
    const p = chat.command('AT+QIRD=0,1500', { binary: { prefix: '+QIRD:', sep: '\r\n', lenField: 0 } });
    feed('\r\n+QIRD: 3\r\n\r\n\x00\r\nOK\r\n');
    expect((await p).data).toBe('\r\n\x00');
  });
});
