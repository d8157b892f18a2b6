// Espruino 2v25+ packet transfer on the simulated console (README_Protocol.md "Packet Transfer"):
// DLE SOH, 16-bit type|length header, data; ACK/NAK; EVAL → RESPONSE; FILE_SEND/DATA → Storage;
// FILE_RECV → DATA packets.
import { afterEach, describe, expect, it } from 'vitest';
import { loadBoard } from '../../tools/lib/boards.ts';
import { createConsoleBoard } from '../../sim/repl/console.ts';
import { ACK, NAK, PT, encodePacket } from '../../sim/repl/packets.ts';
import type { SimBoard } from '../../sim/board/sim-board.ts';

const boards: SimBoard[] = [];
afterEach(() => {
  for (const b of boards.splice(0)) b.dispose();
});

async function boot() {
  let out = '';
  const { board } = await createConsoleBoard({ board: await loadBoard('devkitc-bc660k'), output: (t) => (out += t) });
  boards.push(board);
  board.powerOn();
  board.runFor(1000);
  const send = (s: string, ms = 50): string => {
    const from = out.length;
    board.consoleWrite(s);
    board.runFor(ms);
    return out.slice(from);
  };
  return { board, send };
}

describe('packet transfer', () => {
  it('encodes the header as type | 13-bit length after DLE SOH', () => {
    expect(encodePacket(PT.EVAL, 'abc')).toBe('\x10\x01\x20\x03abc');
    expect(encodePacket(PT.DATA, 'x'.repeat(0x1fff)).slice(0, 4)).toBe('\x10\x01\x9f\xff');
    expect(() => encodePacket(PT.DATA, 'x'.repeat(0x2000))).toThrow(/at most 8191/);
  });

  it('EVAL is acknowledged and answered with a RESPONSE packet holding the value', async () => {
    const { send } = await boot();
    expect(send(encodePacket(PT.EVAL, '[1+2,"a"]'))).toBe(ACK + encodePacket(PT.RESPONSE, '[3,"a"]'));
  });

  it('a packet split across reads is assembled; one that stops short gets NAK after 1 s', async () => {
    const { send } = await boot();
    const p = encodePacket(PT.EVAL, '6*7');
    expect(send(p.slice(0, 3)) + send(p.slice(3))).toBe(ACK + encodePacket(PT.RESPONSE, '42'));
    expect(send(p.slice(0, 5), 500)).toBe('');
    expect(send('', 600)).toBe(NAK);
  });

  it('FILE_SEND + DATA write a Storage file; FILE_RECV sends it back as DATA packets and an empty one', async () => {
    const { board, send } = await boot();
    const content = 'print("via packets");\n' + 'x'.repeat(1500);
    expect(send(encodePacket(PT.FILE_SEND, JSON.stringify({ fn: 'app.js', s: content.length })))).toBe(ACK);
    expect(send(encodePacket(PT.DATA, content.slice(0, 1024)))).toBe(ACK);
    expect(send(encodePacket(PT.DATA, content.slice(1024)))).toBe(ACK);
    expect(Buffer.from(board.storage.readBytes('app.js')!).toString('latin1')).toBe(content);
    const back = send(encodePacket(PT.FILE_RECV, JSON.stringify({ fn: 'app.js' })));
    expect(back).toBe(ACK + encodePacket(PT.DATA, content.slice(0, 1024)) + encodePacket(PT.DATA, content.slice(1024)) + encodePacket(PT.DATA, ''));
  });

  it('refuses DATA without FILE_SEND, more data than announced, compressed or SD-card transfers', async () => {
    const { send } = await boot();
    expect(send(encodePacket(PT.DATA, 'abc'))).toBe(NAK);
    send(encodePacket(PT.FILE_SEND, JSON.stringify({ fn: 'f', s: 2 })));
    expect(send(encodePacket(PT.DATA, 'abc'))).toBe(NAK);
    expect(send(encodePacket(PT.FILE_SEND, JSON.stringify({ fn: 'f', s: 2, c: 1 })))).toContain(NAK);
    expect(send(encodePacket(PT.FILE_SEND, '{not json'))).toBe(NAK);
  });

  it('EVENT emits E.on("packet") in the firmware', async () => {
    const { send } = await boot();
    send('\x10E.on("packet", function(p){ print("GOT " + p.n); })\n');
    expect(send(encodePacket(PT.EVENT, '{"n":5}'))).toBe(ACK + '\r\x1B[JGOT 5\r\n>');
  });

  it('a DLE line that is not followed by SOH is still an echo-off line', async () => {
    const { send } = await boot();
    expect(send('\x10print("<","<<",JSON.stringify(1),">>",">")\n')).toBe('< << 1 >> >\r\n>');
  });
});
