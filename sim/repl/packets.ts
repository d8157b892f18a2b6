/**
 * Espruino's packet transfer on the console (since 2v25; README_Protocol.md "Packet Transfer"):
 *
 *   DLE(16) SOH(1) TYPE|LENHI LENLO DATA…      TYPE = top 3 bits of the 16-bit header, LEN = low 13 bits
 *
 * Each packet is answered with ACK (6) once received, or NAK (21) if it is malformed or does not
 * complete within 1 s. Types:
 *   RESPONSE 0x0000  the board's answer to EVAL (the value as JSON)
 *   EVAL     0x2000  evaluate DATA, answer with a RESPONSE packet
 *   EVENT    0x4000  DATA is JSON: `E.emit('packet', value)`
 *   FILE_SEND 0x6000 DATA is {fn, s[, fs][, c]}: the DATA packets that follow are written to Storage file fn
 *   DATA     0x8000  a block of the file being sent
 *   FILE_RECV 0xA000 DATA is {fn}: the board sends the file as DATA packets and a final empty one
 * EspruinoTools' core/serial.js (espruinoSendPacket, espruinoSendFile, espruinoEval) is the host side.
 *
 * Not modelled: `fs:1` (SD card — the ESP32 boards here have none) and `c:1` (heatshrink-compressed
 * blocks); both are refused with NAK and a console message, so a tool falls back or reports it.
 */

export const PT = {
  RESPONSE: 0x0000,
  EVAL: 0x2000,
  EVENT: 0x4000,
  FILE_SEND: 0x6000,
  DATA: 0x8000,
  FILE_RECV: 0xa000,
} as const;

export const ACK = '\x06';
export const NAK = '\x15';
const MAX_LEN = 0x1fff;
/** Block size for FILE_RECV answers (EspruinoTools' espruinoSendFile default chunk). */
const RECV_CHUNK = 1024;

export function encodePacket(type: number, data: string): string {
  if (data.length > MAX_LEN) throw new Error(`packet data is ${data.length} bytes; the header allows at most ${MAX_LEN}`);
  const flags = type | data.length;
  return '\x10\x01' + String.fromCharCode((flags >> 8) & 0xff, flags & 0xff) + data;
}

export interface PacketHost {
  /** Bytes to the console UART (latin1). */
  send(bytes: string): void;
  /** Evaluates code in the JS world; the value as JSON text ('undefined' when it has none), or undefined on error. */
  evaluate(code: string): string | undefined;
  /** Prints a message on the console as the firmware would. */
  print(text: string): void;
  writeFile(name: string, bytes: Uint8Array, offset: number, size?: number): void;
  readFile(name: string): Uint8Array | undefined;
}

/** The file a FILE_SEND announced, while its DATA packets arrive. */
interface Incoming {
  fn: string;
  size: number;
  offset: number;
}

export class PacketHandler {
  private incoming: Incoming | undefined;

  constructor(private readonly host: PacketHost) {}

  /** Handles one complete packet (header flags and data as latin1). */
  handle(flags: number, data: string): void {
    const type = flags & 0xe000;
    switch (type) {
      case PT.EVAL: {
        this.host.send(ACK);
        const v = this.host.evaluate(data);
        this.host.send(encodePacket(PT.RESPONSE, (v ?? 'undefined').slice(0, MAX_LEN)));
        return;
      }
      case PT.EVENT: {
        let ok = true;
        try {
          JSON.parse(data);
        } catch {
          ok = false;
        }
        this.host.send(ok ? ACK : NAK);
        if (ok) this.host.evaluate(`E.emit("packet",${data})`);
        return;
      }
      case PT.FILE_SEND:
        this.fileSend(data);
        return;
      case PT.DATA:
        this.fileData(data);
        return;
      case PT.FILE_RECV:
        this.fileRecv(data);
        return;
      default:
        this.host.send(NAK);
    }
  }

  private options(data: string): Record<string, unknown> | undefined {
    try {
      const o = JSON.parse(data) as unknown;
      return o && typeof o === 'object' ? (o as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private fileSend(data: string): void {
    const o = this.options(data);
    const fn = o?.fn;
    const size = o?.s;
    if (typeof fn !== 'string' || fn.length === 0 || fn.length > 28 || typeof size !== 'number' || !(size >= 0)) {
      this.incoming = undefined;
      this.host.send(NAK);
      return;
    }
    if (o!.fs || o!.c) {
      this.incoming = undefined;
      this.host.print(o!.fs ? 'FILE_SEND: no SD card (fs:1) on this board\n' : 'FILE_SEND: compressed transfer (c:1) is not supported by the simulator\n');
      this.host.send(NAK);
      return;
    }
    this.incoming = { fn, size, offset: 0 };
    if (size === 0) {
      this.host.writeFile(fn, new Uint8Array(0), 0, 0);
      this.incoming = undefined;
    }
    this.host.send(ACK);
  }

  private fileData(data: string): void {
    const f = this.incoming;
    if (!f || f.offset + data.length > f.size) {
      this.host.send(NAK);
      return;
    }
    const bytes = new Uint8Array(Buffer.from(data, 'latin1'));
    this.host.writeFile(f.fn, bytes, f.offset, f.offset === 0 ? f.size : undefined);
    f.offset += bytes.length;
    if (f.offset >= f.size) this.incoming = undefined;
    this.host.send(ACK);
  }

  private fileRecv(data: string): void {
    const fn = this.options(data)?.fn;
    if (typeof fn !== 'string') {
      this.host.send(NAK);
      return;
    }
    this.host.send(ACK);
    const b = this.host.readFile(fn) ?? new Uint8Array(0);
    const s = Buffer.from(b).toString('latin1');
    for (let i = 0; i < s.length; i += RECV_CHUNK) this.host.send(encodePacket(PT.DATA, s.slice(i, i + RECV_CHUNK)));
    this.host.send(encodePacket(PT.DATA, ''));
  }
}
