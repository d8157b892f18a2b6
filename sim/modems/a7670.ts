/**
 * SIMCom A7670 (LTE Cat-1, A76xx family) model, also standing in for the A7672 (assumed identical:
 * unverified). Facts from modems.md "SIMCom A7670 / A7672" (sources: TinyGSM TinyGsmClientA7672x.h and
 * the recorded sessions test/fixtures a7670-1/-4, LilyGo-Modem-Series issues 79 and 332):
 * - boot: the UART stays silent, then `*ATREADY: 1`; `AT+CPIN?` answers `+CME ERROR: SIM failure` until
 *   the SIM is up, then `+CPIN: READY`, `SMS DONE`, `PB DONE` arrive as URCs; `+MSTK:` SIM toolkit URCs
 *   come in between (the recorded log: `+MSTK: 11, "D00D…"` before `+CPIN: READY`);
 * - bearer `AT+CGDCONT`, `AT+CGACT=1,1`, `AT+CGATT=1`, `AT+NETOPEN` → OK, `+NETOPEN: 0` (`+NETOPEN: 1`
 *   when it fails); quirk reproduced by `pdnFault`: CGACT fails with `+CGEV: ME PDN DEACT 1` and NETOPEN
 *   still answers `+NETOPEN: 0` (modems.md);
 * - sockets 0–9: `AT+CIPOPEN=<id>,…` → OK, `+CIPOPEN: <id>,<err>`; `AT+CIPSEND=<id>,<len>` → `>` → data →
 *   OK; manual receive `AT+CIPRXGET=1`: `+CIPRXGET: 1,<id>`, then `AT+CIPRXGET=2,<id>,<len>` →
 *   `+CIPRXGET: 2,<id>,<read>,<rest>` CR LF data (TinyGSM modemRead); `AT+CIPCLOSE`; `+IPCLOSE: <id>,<reason>`;
 * - `AT+CSQ`, `AT+CPSI?`, `AT+CICCID` → `+ICCID:`, `AT+CSCLK`, `AT+CPOF`, `AT+CRESET`.
 * The UDP socket form is UNVERIFIED (modems.md): the model accepts the SIM7500/SIM7600 TCP/IP form the
 * driver uses — `AT+CIPOPEN=<id>,"UDP",,,<local_port>` and `AT+CIPSEND=<id>,<len>,"<host>",<port>` — and
 * also `AT+CIPOPEN=<id>,"UDP","<host>",<port>[,<local_port>]` with a default peer.
 * Power: LilyGO T-A7670 wiring (boards/lilygo-t-a7670.ts): the board switch (powerEnable) supplies the
 * module, a PWRKEY pulse (board: 100 ms) starts it, RESET (board: 2600 ms) restarts it, DTR (wake, active
 * low) keeps it awake; states are that board's power table keys (off, sleep, idle, rx, tx).
 * Assumptions (not in our sources): UART ready 3 s after PWRKEY; PWRKEY ≥ 50 ms starts it, ≥ 2.5 s stops
 * it; SIM ready 2.6 s after `*ATREADY` (the recorded log's gap); CMEE=2 (text) after boot, as the logs
 * show text errors; error numbers of CIPOPEN (2 network not opened, 4 socket in use, 1 failure);
 * `+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY` and `+IPCLOSE: <id>,1` when the network drops; `+CPSI` LTE
 * fields in tenths of a dB; bytes sent to a sleeping module are lost; latency 15–50 ms; send airtime
 * 60 ms + 0.05 ms/byte; without `AT+CIPRXGET=1` received data is dropped (direct mode not modelled).
 */
import { UartSleepModel } from './uart-sleep.ts';
import { cme, type ModelOptions, type PinRole } from './model-base.ts';
import type { BridgeSocket, UdpBridge } from './udp.ts';

interface Sock {
  id: number;
  udp: boolean;
  host: string;
  port: number;
  bridge: BridgeSocket | null;
  rx: Uint8Array[];
}

export class A7670Model extends UartSleepModel {
  apn = '';
  pdp = false;
  netOpen = false;
  manualRx = false;
  cnmp = 2;
  cgregN = 0;
  supplied: boolean;
  /** Fault: CGACT fails with `+CGEV: ME PDN DEACT 1` and NETOPEN still reports success. */
  pdnFault = false;
  sockets: (Sock | null)[] = [];
  private readonly udp: UdpBridge;

  constructor(opts: ModelOptions & { udp: UdpBridge; variant?: 'A7670' | 'A7672' }) {
    super(
      {
        name: opts.variant ?? 'A7670',
        latencyMs: [15, 50],
        bootMs: 3000,
        banner: [{ afterMs: 0, line: '*ATREADY: 1' }],
        states: ['off', 'sleep', 'idle', 'rx', 'tx'],
        act: 7,
        simReadyMs: 2600,
        autoAttach: true,
      },
      opts,
    );
    this.udp = opts.udp;
    this.supplied = !opts.pins?.powerEnable;
    this.install();
  }

  protected resetState(): void {
    super.resetState();
    this.closeAll();
    this.cmee = 2;
    this.pdp = false;
    this.netOpen = false;
    this.manualRx = false;
    // The recorded log: a SIM toolkit URC shortly before +CPIN: READY.
    this.at(this.spec.bootMs + this.spec.simReadyMs - 200, () => this.emit(['+MSTK: 11, "D00D8103010500820281829902090A"']));
  }

  protected onSimReady(): void {
    this.emit(['+CPIN: READY']);
    this.at(900, () => this.emit(['SMS DONE']));
    this.at(1500, () => this.emit(['PB DONE']));
  }

  protected onPulse(role: PinRole, heldMs: number): void {
    if (role === 'pwrkey') {
      if (this.life === 'off' && this.supplied && heldMs >= 50) this.powerUp('PWRKEY');
      else if (this.life !== 'off' && heldMs >= 2500) this.powerDown('PWRKEY');
    } else if (role === 'reset' && this.supplied) this.powerUp('RESET');
  }

  protected onLevel(role: PinRole, active: boolean): void {
    if (role === 'powerEnable') this.supplied = active;
    super.onLevel(role, active);
  }

  protected wakeByUart(_text: string): void {
    // UART off while asleep (CSCLK=1, DTR high): the bytes are lost.
  }

  protected onRegistered(): void {
    this.activity(200);
  }

  protected onDeregistered(): void {
    const open = this.sockets.filter((s): s is Sock => !!s);
    for (const s of open) this.urc(`+IPCLOSE: ${s.id},1`);
    if (this.netOpen) this.urc('+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY');
    this.closeAll();
    this.netOpen = false;
    this.pdp = false;
  }

  private closeAll(): void {
    for (const s of this.sockets) s?.bridge?.close();
    this.sockets = [];
  }

  private sock(arg: string | undefined): number {
    const id = Number(arg);
    if (!(Number.isInteger(id) && id >= 0 && id <= 9)) cme(50);
    return id;
  }

  private ip(): string {
    return `10.${this.imsi.charCodeAt(7) % 200}.${this.imsi.charCodeAt(9) % 200}.${2 + (this.imsi.charCodeAt(11) % 200)}`;
  }

  private install(): void {
    const h = this.handlers;
    h['+CPIN'] = (c, r) => {
      if (c.kind !== 'read') return;
      if (this.simReady) return void r.line('+CPIN: READY');
      if (this.cmee === 2) r.cme('SIM failure');
      else if (this.cmee === 1) r.cme(13); // 13 = SIM failure (TS 27.007 §9.2.1)
      else r.error();
    };
    h['+CGREG'] = (c, r) => {
      if (c.kind === 'read') r.line(`+CGREG: ${this.cgregN},${this.stat}`);
      else if (c.kind === 'set') this.cgregN = Number(c.args[0]);
    };
    h['+CNMP'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CNMP: ${this.cnmp}`);
      const v = Number(c.args[0]);
      if (![2, 13, 14, 38, 48, 51].includes(v)) cme(50);
      this.cnmp = v;
    };
    h['+CGDCONT'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CGDCONT: 1,"IP","${this.apn}","0.0.0.0",0,0`);
      if (c.args[0] !== '1') cme(50);
      this.apn = c.args[2] ?? '';
    };
    h['+CGACT'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CGACT: 1,${this.pdp ? 1 : 0}`);
      if (c.args[1] !== undefined && c.args[1] !== '1') cme(50);
      if (c.args[0] === '0') {
        this.pdp = false;
        return;
      }
      if (!this.registered) return void r.error();
      r.delayMs = 500;
      if (this.pdnFault) return void r.after(200, '+CGEV: ME PDN DEACT 1');
      this.pdp = true;
    };
    h['+CGATT'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CGATT: ${this.registered ? 1 : 0}`);
      if (c.args[0] === '1' && !this.registered) r.error();
    };
    h['+CGPADDR'] = (_c, r) => {
      r.line(`+CGPADDR: 1,${this.pdp ? this.ip() : '0.0.0.0'}`);
    };
    h['+NETOPEN'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+NETOPEN: ${this.netOpen ? 1 : 0}`);
      if (this.netOpen) return void r.line('+IP ERROR: Network is already opened').error();
      if (!this.registered) return void r.after(1000, '+NETOPEN: 1');
      this.netOpen = true;
      this.pdp = !this.pdnFault; // the quirk: success reported with the PDN down
      r.after(500, '+NETOPEN: 0');
      this.activity(100);
    };
    h['+NETCLOSE'] = (_c, r) => {
      if (!this.netOpen) return void r.line('+IP ERROR: Network is already closed').error();
      this.closeAll();
      this.netOpen = false;
      r.after(200, '+NETCLOSE: 0');
    };
    h['+IPADDR'] = (_c, r) => {
      if (!this.netOpen || !this.pdp) return void r.line('+IP ERROR: Network not opened').error();
      r.line(`+IPADDR: ${this.ip()}`);
    };
    h['+CIPRXGET'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CIPRXGET: ${this.manualRx ? 1 : 0}`);
      const mode = c.args[0];
      if (mode === '0' || mode === '1') {
        this.manualRx = mode === '1';
        return;
      }
      const id = this.sock(c.args[1]);
      const s = this.sockets[id];
      if (!s) return void r.error();
      const rest = () => s.rx.reduce((n, d) => n + d.length, 0);
      if (mode === '4') return void r.line(`+CIPRXGET: 4,${id},${rest()}`);
      if (mode !== '2') cme(50);
      const max = Number(c.args[2] ?? 1460);
      if (!(max >= 1 && max <= 1460)) cme(50);
      const d = s.rx.shift();
      if (!d) return void r.line(`+CIPRXGET: 2,${id},0,0`);
      const part = d.subarray(0, max);
      if (d.length > max) s.rx.unshift(d.subarray(max));
      r.line(`+CIPRXGET: 2,${id},${part.length},${rest()}\r\n${Buffer.from(part).toString('latin1')}`);
    };
    h['+CIPOPEN'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const [idS, type, host, portS, lportS] = c.args;
      const id = this.sock(idS);
      if (type !== 'UDP' && type !== 'TCP') cme(50);
      if (this.sockets[id]) return void r.after(50, `+CIPOPEN: ${id},4`);
      if (!this.netOpen) return void r.after(50, `+CIPOPEN: ${id},2`);
      if (!this.pdp) return void r.after(2000, `+CIPOPEN: ${id},1`);
      if (type === 'TCP') return void r.after(1000, `+CIPOPEN: ${id},1`); // TCP is not bridged in the sim
      const port = portS ? Number(portS) : 0;
      const lport = lportS ? Number(lportS) : 0;
      if ((host && !(port > 0 && port < 65536)) || (!host && !(lport > 0 && lport < 65536))) cme(50);
      const s: Sock = { id, udp: true, host: host ?? '', port, bridge: null, rx: [] };
      s.bridge = this.udp.open((data) => this.onDatagram(s, data));
      this.sockets[id] = s;
      r.after(200, `+CIPOPEN: ${id},0`);
    };
    h['+CIPSEND'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const id = this.sock(c.args[0]);
      const len = Number(c.args[1]);
      const s = this.sockets[id];
      const host = c.args[2] || s?.host;
      const port = c.args[3] ? Number(c.args[3]) : s?.port;
      if (!s || !s.bridge || !host || !port) return void r.error();
      if (!(Number.isInteger(len) && len >= 1 && len <= 1500)) return void r.error();
      r.expectData(len, (data) => {
        if (this.faults.sendFail || !this.pdp || !this.netOpen || !s.bridge) {
          this.faults.sendFail = false;
          return this.emit(['ERROR']);
        }
        const airtime = 60 + len / 20;
        this.emit(['OK']);
        if (this.net.inOutage(this.ctx.sched.now())) return;
        this.at(airtime, () => s.bridge?.send(host, port, data));
        this.activity(airtime);
      });
    };
    h['+CIPCLOSE'] = (c, r) => {
      const id = this.sock(c.args[0]);
      const s = this.sockets[id];
      if (!s) return void r.error();
      s.bridge?.close();
      this.sockets[id] = null;
      r.after(100, `+CIPCLOSE: ${id},0`);
    };
    h['+CSCLK'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CSCLK: ${this.sclk}`);
      const v = Number(c.args[0]);
      if (v !== 0 && v !== 1 && v !== 2) cme(50);
      this.sclk = v;
      this.at(50, () => this.maybeSleep());
    };
    h['+CPSI'] = (_c, r) => {
      const cov = this.net.coverage(this.ctx.sched.now());
      if (!this.registered || !cov.usable) return void r.line('+CPSI: NO SERVICE,Online');
      r.line(
        `+CPSI: LTE,Online,001-01,0x${this.tac},${parseInt(this.ci, 16)},284,EUTRAN-BAND3,1650,5,5,${cov.rsrqDb * 10},${cov.rsrpDbm * 10},${cov.rssiDbm * 10},${cov.sinrDb}`,
      );
    };
    h['+CICCID'] = (_c, r) => {
      if (!this.simReady) cme(10);
      r.line(`+ICCID: ${this.iccid}`);
    };
    h['+CPOF'] = (_c, r) => {
      r.ok();
      this.at(200, () => this.powerDown('AT+CPOF'));
    };
    h['+CRESET'] = (_c, r) => {
      r.ok();
      this.at(200, () => this.reboot('AT+CRESET'));
    };
  }

  private onDatagram(s: Sock, data: Uint8Array): void {
    if (this.sockets[s.id] !== s || (this.life !== 'on' && this.life !== 'sleep')) return;
    this.activity(50);
    if (!this.manualRx) {
      this.ctx.trace.emit('modem', { model: this.spec.name, event: 'drop', why: 'direct receive mode not modelled', bytes: data.length });
      return;
    }
    s.rx.push(data);
    if (s.rx.length === 1) this.emit([`+CIPRXGET: 1,${s.id}`]);
  }
}
