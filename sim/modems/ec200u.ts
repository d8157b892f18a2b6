/**
 * Quectel EC200U (LTE Cat-1) model, also standing in for the EG915U and the EC800N (the latter's command
 * set is UNVERIFIED: assumed identical). Facts from modems.md "Quectel EC200U / EG915U / EC800N" (source:
 * EC200U & EG915U TCP/IP Application Note V1.1):
 * - boot banner `RDY`;
 * - `AT+QICSGP=<ctx>,<type>,"<apn>","<user>","<pwd>",<auth>`; `AT+QIACT=<ctx>` activates the context and
 *   blocks the UART meanwhile (up to 150 s); `AT+QIACT?` → `+QIACT: 1,1,1,"10.x.x.x"`; `AT+QIDEACT=1`;
 * - sockets 0–11: `AT+QIOPEN=<ctx>,<id>,"UDP"|"TCP",…,<port>[,<local_port>[,<access_mode>]]` → OK, then
 *   `+QIOPEN: <id>,<err>`; `AT+QISEND=<id>,<len>` → `>` → data → `SEND OK` | `SEND FAIL` | `ERROR`, max 1460;
 *   buffer mode: `+QIURC: "recv",<id>` then `AT+QIRD=<id>,<len>` → `+QIRD: <n>` CR LF data; push mode
 *   (access mode 1): `+QIURC: "recv",<id>,<len>` CR LF data; `+QIURC: "closed",<id>`,
 *   `+QIURC: "pdpdeact",<ctx>`; `AT+QICLOSE=<id>`; `AT+QIGETERROR` → `+QIGETERROR: <err>,<text>`;
 * - `AT+QENG="servingcell"`, `AT+QNWINFO`, `AT+QCCID`.
 * Power states: the keys of boards/devkitc-ec200u.ts (off, sleep, idle, rx, tx; no PSM: unknown on
 * this module). Assumptions (not in our sources): PWRKEY held ≥ 500 ms switches it on, ≥ 650 ms while on
 * switches it off with `POWERED DOWN` (EC2x figures); UART ready 5 s after the pulse, `RDY` then; SIM
 * ready 1 s later; QIACT takes 1–3 s; `+QENG` field order of the EC2x family; error texts of QIGETERROR;
 * sleep with `AT+QSCLK=1` while DTR is inactive or not wired — bytes sent to a sleeping module wake it
 * and are lost; latency 20–60 ms; send airtime 60 ms + 0.05 ms/byte.
 * Faults beyond the base's: `qiactMs` (QIACT duration, e.g. > 150 s), `pdpDeact()` (network drops the
 * context).
 */
import { UartSleepModel } from './uart-sleep.ts';
import { cme, type ModelOptions, type PinRole } from './model-base.ts';
import type { BridgeSocket, UdpBridge } from './udp.ts';

interface Sock {
  id: number;
  host: string;
  port: number;
  push: boolean;
  bridge: BridgeSocket | null;
  rx: Uint8Array[];
}

/** QIGETERROR texts for the codes the model produces (assumed wording). */
const ERROR_TEXT: Record<number, string> = {
  0: 'operation successful',
  550: 'unknown error',
  552: 'invalid parameters',
  563: 'socket identity has been used',
  566: 'socket connect failed',
  570: 'PDP context broken down',
};

export class Ec200uModel extends UartSleepModel {
  apn = '';
  pdp = false;
  lastError = 0;
  /** Fault: QIACT processing time (ms); undefined = 1–3 s drawn per call. */
  qiactMs: number | undefined;
  sockets: (Sock | null)[] = [];
  private readonly udp: UdpBridge;

  constructor(opts: ModelOptions & { udp: UdpBridge; variant?: 'EC200U' | 'EG915U' | 'EC800N' }) {
    super(
      {
        name: opts.variant ?? 'EC200U',
        latencyMs: [20, 60],
        bootMs: 5000,
        banner: [{ afterMs: 0, line: 'RDY' }],
        states: ['off', 'sleep', 'idle', 'rx', 'tx'],
        act: 7,
        simReadyMs: 1000,
        autoAttach: true,
      },
      opts,
    );
    this.udp = opts.udp;
    this.install();
  }

  protected resetState(): void {
    super.resetState();
    this.closeAll();
    this.pdp = false;
    this.lastError = 0;
  }

  protected onPulse(role: PinRole, heldMs: number): void {
    if (role === 'pwrkey') {
      if (this.life === 'off' && heldMs >= 500) this.powerUp('PWRKEY');
      else if (this.life !== 'off' && this.life !== 'booting' && heldMs >= 650) {
        this.emit(['POWERED DOWN']);
        this.powerDown('PWRKEY');
      }
    } else if (role === 'reset' && heldMs >= 100) this.powerUp('RESET');
  }

  protected wakeByUart(_text: string): void {
    // Assumption (see top): the bytes wake a sleeping module and are lost.
    if (this.life === 'sleep') this.wakeUp('UART');
  }

  protected onRegistered(): void {
    this.activity(200);
  }

  protected onDeregistered(): void {
    if (this.pdp) this.pdpDeact();
  }

  /** The network deactivates context 1: `+QIURC: "pdpdeact",1`; sockets die. */
  pdpDeact(): void {
    this.pdp = false;
    for (const s of this.sockets) if (s) s.bridge?.close();
    for (const s of this.sockets) if (s) s.bridge = null;
    this.urc('+QIURC: "pdpdeact",1');
  }

  private closeAll(): void {
    for (const s of this.sockets) s?.bridge?.close();
    this.sockets = [];
  }

  private sock(arg: string | undefined): number {
    const id = Number(arg);
    if (!(Number.isInteger(id) && id >= 0 && id <= 11)) cme(552);
    return id;
  }

  private ip(): string {
    return `10.${this.imsi.charCodeAt(8) % 200}.${this.imsi.charCodeAt(9) % 200}.${2 + (this.imsi.charCodeAt(10) % 200)}`;
  }

  private install(): void {
    const h = this.handlers;
    h['+QSCLK'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+QSCLK: ${this.sclk}`);
      const v = Number(c.args[0]);
      if (v !== 0 && v !== 1) cme(50);
      this.sclk = v;
      this.at(50, () => this.maybeSleep());
    };
    h['+QICSGP'] = (c, r) => {
      if (c.kind === 'read') return;
      if (c.args[0] !== '1') cme(50);
      if (c.args.length === 1) return void r.line(`+QICSGP: 1,"${this.apn}","","",0`);
      if (!['1', '2', '3'].includes(c.args[1] ?? '')) cme(50);
      this.apn = c.args[2] ?? '';
    };
    h['+QIACT'] = (c, r) => {
      if (c.kind === 'read') {
        if (this.pdp) r.line(`+QIACT: 1,1,1,"${this.ip()}"`);
        return;
      }
      if (c.kind !== 'set' || c.args[0] !== '1') cme(50);
      // Blocks the UART while the network procedure runs (the base queues later commands behind it).
      r.delayMs = this.qiactMs ?? 1000 + Math.round(this.ctx.rng.next() * 2000);
      if (this.pdp || !this.registered) return void r.error();
      this.pdp = true;
      this.activity(100);
    };
    h['+QIDEACT'] = (c, r) => {
      if (c.args[0] !== '1') cme(50);
      r.delayMs = 300;
      this.pdp = false;
      for (const s of this.sockets) s?.bridge?.close();
      this.sockets = [];
    };
    h['+QIOPEN'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const [ctx, idS, type, host, portS, , modeS] = c.args;
      const id = this.sock(idS);
      const port = Number(portS);
      if (ctx !== '1' || !['UDP', 'TCP', 'UDP SERVICE'].includes(type ?? '') || !(port > 0 && port < 65536)) cme(552);
      const fail = (err: number, ms: number) => {
        this.lastError = err;
        r.after(ms, `+QIOPEN: ${id},${err}`);
      };
      if (this.sockets[id]) return fail(563, 50);
      if (!this.pdp) return fail(570, 200);
      if (type !== 'UDP') return fail(566, 1000); // only UDP client sockets are bridged to the host
      const s: Sock = { id, host: host ?? '', port, push: modeS === '1', bridge: null, rx: [] };
      s.bridge = this.udp.open((data) => this.onDatagram(s, data));
      this.sockets[id] = s;
      this.lastError = 0;
      r.after(150, `+QIOPEN: ${id},0`);
    };
    h['+QISEND'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const id = this.sock(c.args[0]);
      const len = Number(c.args[1]);
      const s = this.sockets[id];
      if (!s || !s.bridge) return void r.error();
      if (!(Number.isInteger(len) && len >= 1 && len <= 1460)) return void r.error();
      r.expectData(len, (data) => {
        if (this.faults.sendFail) {
          this.faults.sendFail = false;
          return this.emit(['SEND FAIL']);
        }
        if (!this.pdp || !s.bridge) return this.emit(['ERROR']);
        const airtime = 60 + len / 20;
        this.emit(['SEND OK']);
        if (this.net.inOutage(this.ctx.sched.now())) return; // accepted into the buffer, never leaves
        this.at(airtime, () => s.bridge?.send(s.host, s.port, data));
        this.activity(airtime);
      });
    };
    h['+QIRD'] = (c, r) => {
      const id = this.sock(c.args[0]);
      const max = c.args[1] === undefined ? 1500 : Number(c.args[1]);
      const s = this.sockets[id];
      if (!s || s.push) return void r.error();
      if (!(max >= 0 && max <= 1500)) cme(552);
      const d = s.rx.shift();
      if (!d || max === 0) return void r.line('+QIRD: 0');
      // One datagram per read; a longer one is cut to max (the rest is lost, as for UDP on most stacks).
      const part = d.subarray(0, max);
      r.line(`+QIRD: ${part.length}\r\n${Buffer.from(part).toString('latin1')}`);
    };
    h['+QICLOSE'] = (c, r) => {
      const id = this.sock(c.args[0]);
      const s = this.sockets[id];
      if (s) s.bridge?.close();
      this.sockets[id] = null;
      r.delayMs = 50;
    };
    h['+QIGETERROR'] = (_c, r) => {
      r.line(`+QIGETERROR: ${this.lastError},${ERROR_TEXT[this.lastError] ?? 'unknown error'}`);
    };
    h['+QENG'] = (c, r) => {
      if (c.args[0] !== 'servingcell') cme(50);
      const cov = this.net.coverage(this.ctx.sched.now());
      if (!this.registered || !cov.usable) return void r.line('+QENG: "servingcell","SEARCH"');
      r.line(`+QENG: "servingcell","NOCONN","LTE","FDD",001,01,${this.ci},284,1650,3,5,5,${this.tac},${cov.rsrpDbm},${cov.rsrqDb},${cov.rssiDbm},${cov.sinrDb},10,-,-32`);
    };
    h['+QNWINFO'] = (_c, r) => {
      if (!this.registered) return void r.line('+QNWINFO: No Service');
      r.line('+QNWINFO: "FDD LTE","00101","LTE BAND 3",1650');
    };
    h['+QCCID'] = (_c, r) => {
      if (!this.simReady) cme(10);
      r.line(`+QCCID: ${this.iccid}`);
    };
    h['+QPOWD'] = (_c, r) => {
      r.ok();
      this.at(300, () => {
        this.emit(['POWERED DOWN']);
        this.powerDown('AT+QPOWD');
      });
    };
  }

  private onDatagram(s: Sock, data: Uint8Array): void {
    if (this.sockets[s.id] !== s || (this.life !== 'on' && this.life !== 'sleep')) return;
    this.activity(50);
    if (s.push) {
      this.emit([`+QIURC: "recv",${s.id},${data.length}\r\n${Buffer.from(data).toString('latin1')}`]);
      return;
    }
    s.rx.push(data);
    // Buffer mode: one URC until the buffer has been read empty (app note).
    if (s.rx.length === 1) this.emit([`+QIURC: "recv",${s.id}`]);
  }
}
