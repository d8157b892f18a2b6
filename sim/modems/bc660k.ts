/**
 * Quectel BC660K-GL (NB-IoT) model. Facts from modems.md "Quectel BC660K-GL and BC66" (sources:
 * Zephyr bc66x driver; BC660K-GL Hardware Design; a real BC660K capture):
 * - RESET held 500 ms, then 600 ms before the first AT: modelled as "in reset while RESET is active,
 *   boots on release, UART ready 500 ms later". The module boots by itself when VBAT is applied.
 * - No boot banner is modelled (none documented for the BC660K: unverified).
 * - `AT+QCGDEFCONT="IP","<apn>"` stores the APN (NV) and takes effect after `AT+QRST=1`; context 0;
 *   the default PDN comes up at attach with a `+IP: <addr>` URC.
 * - Sockets 0–4: `AT+QIOPEN=0,<id>,"UDP",<ip>,<port>,0,1` → OK, then `+QIOPEN: <id>,<err>`;
 *   `AT+QISEND=<id>,<len>,"<hex>"` → OK, then `SEND OK` / `SEND FAIL`; push receive
 *   `+QIURC: "recv",<id>,<len>,"<hex>"` (with `AT+QICFG="dataformat",1,1`); `AT+QICLOSE=<id>` → OK,
 *   `CLOSE OK`. Errors 550–574 (566 connect failed, 569 timeout, 570 PDP broken).
 * - `AT+QENG=0`, `AT+QCCID`, `AT+CGSN=1` → `+CGSN: <imei>`, command latency 21–42 ms.
 * - `AT+QSCLK=0|1|2`; `AT+CNMPSD` release assistance; `AT+QNBIOTEVENT=1,1` enables
 *   `+QNBIOTEVENT: "ENTER DEEPSLEEP"` / `"EXIT DEEPSLEEP"`; wake by PSM_EINT pulse (≥100 ms) or UART,
 *   and on UART wake the first command is lost.
 * Assumptions (not in our sources): sockets are closed when the module enters deep sleep; QSCLK
 * defaults to 1; a send while not registered answers `SEND FAIL`; send airtime 300 ms + 1 ms/byte.
 */
import { CellularModel } from './cellular.ts';
import { cme, type ModelOptions, type PinRole } from './model-base.ts';
import type { BridgeSocket, UdpBridge } from './udp.ts';

interface Sock {
  id: number;
  host: string;
  port: number;
  bridge: BridgeSocket | null;
}

export class Bc660kModel extends CellularModel {
  qsclk = 1;
  apn = '';
  apnPending = '';
  hexData = false;
  sleepUrcs = false;
  sockets: (Sock | null)[] = [null, null, null, null, null];
  private idleTimer = 0;
  private readonly udp: UdpBridge;

  constructor(opts: ModelOptions & { udp: UdpBridge }) {
    super(
      {
        name: 'BC660K-GL',
        latencyMs: [21, 42],
        bootMs: 500,
        banner: [],
        states: ['off', 'psm', 'idle', 'rx', 'tx'],
        act: 9,
        simReadyMs: 200,
        autoAttach: true,
      },
      { ...opts, startOn: opts.startOn ?? true },
    );
    this.udp = opts.udp;
    this.install();
  }

  protected resetState(): void {
    super.resetState();
    this.closeAll();
    this.hexData = false;
    this.sleepUrcs = false;
    if (this.apnPending) this.apn = this.apnPending;
  }

  protected onPulse(role: PinRole, heldMs: number): void {
    if (role === 'reset') {
      if (heldMs >= 50) this.powerUp('reset');
    } else if (role === 'wake' && heldMs >= 100 && this.life === 'psm') this.exitSleep('PSM_EINT');
  }

  protected wakeByUart(_text: string): void {
    // The bytes that woke the module are lost (modems.md: "the first AT after sleep is lost").
    if (this.life === 'psm') this.exitSleep('UART');
  }

  private exitSleep(why: string): void {
    this.life = 'on';
    this.setPower('idle');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'wake', why });
    if (this.sleepUrcs) this.urc('+QNBIOTEVENT: "EXIT DEEPSLEEP"', 20);
    this.armIdle();
  }

  private enterSleep(): void {
    if (this.life !== 'on' || this.qsclk !== 1 || !this.psmActive) return;
    if (this.sleepUrcs) this.emit(['+QNBIOTEVENT: "ENTER DEEPSLEEP"']);
    this.closeAll();
    this.life = 'psm';
    this.setPower('psm');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'sleep' });
  }

  /** After the connected tail: idle for the granted active time (T3324), then deep sleep. */
  private armIdle(): void {
    const id = ++this.idleTimer;
    const active = this.psmGrant?.activeS;
    if (active === null || active === undefined) return;
    this.at(active * 1000, () => {
      if (id === this.idleTimer) this.enterSleep();
    });
  }

  private activity(airtimeMs: number, releaseAssist: boolean): void {
    this.idleTimer++;
    this.radio(airtimeMs, releaseAssist, () => this.armIdle());
  }

  protected onRegistered(): void {
    this.urc('+IP: 10.' + (this.imsi.charCodeAt(9) % 200) + '.0.' + (2 + (this.imsi.charCodeAt(10) % 200)), 100);
    this.activity(200, false);
  }

  protected onDeregistered(): void {
    for (const s of this.sockets) if (s) this.urc(`+QIURC: "closed",${s.id}`);
    this.closeAll();
  }

  private closeAll(): void {
    for (let i = 0; i < this.sockets.length; i++) {
      this.sockets[i]?.bridge?.close();
      this.sockets[i] = null;
    }
  }

  private sock(arg: string | undefined): number {
    const id = Number(arg);
    if (!(id >= 0 && id <= 4)) cme(50);
    return id;
  }

  private install(): void {
    const h = this.handlers;
    h['+QSCLK'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+QSCLK: ${this.qsclk}`);
      const v = Number(c.args[0]);
      if (!(v >= 0 && v <= 2)) cme(50);
      this.qsclk = v;
    };
    h['+QCGDEFCONT'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+QCGDEFCONT: "IP","${this.apnPending || this.apn}"`);
      if (c.kind !== 'set' || c.args[0] !== 'IP') cme(50);
      this.apnPending = c.args[1] ?? '';
    };
    h['+QRST'] = (c, r) => {
      if (c.args[0] !== '1') cme(50);
      r.ok();
      this.at(100, () => this.reboot('AT+QRST=1'));
    };
    h['+QICFG'] = (c) => {
      if (c.args[0] === 'dataformat') this.hexData = c.args[1] === '1' && c.args[2] === '1';
      else if (c.args[0] !== 'viewmode') cme(50);
    };
    h['+QNBIOTEVENT'] = (c) => {
      this.sleepUrcs = c.args[0] === '1';
    };
    h['+CNMPSD'] = () => {
      // Release assistance: the connected tail ends now; the active timer starts.
      this.cancelRadio();
      this.setPower('idle');
      this.armIdle();
    };
    h['+QENG'] = (c, r) => {
      if (c.args[0] !== '0') cme(50);
      const cov = this.net.coverage(this.ctx.sched.now());
      if (!cov.usable) return void r.line('+QENG: 0,,,,,,,,,,,,,');
      r.line(`+QENG: 0,1694,12,284,"${this.ci}",${cov.rsrpDbm},${cov.rsrqDb},${cov.rssiDbm},${cov.sinrDb},3,"${this.tac}",${cov.ecl},14,2`);
    };
    h['+QCCID'] = (_c, r) => {
      if (!this.simReady) cme(10);
      r.line(`+QCCID: ${this.iccid}`);
    };
    h['+QIOPEN'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const [ctx, idS, type, host, portS] = c.args;
      const id = this.sock(idS);
      if (ctx !== '0') cme(50); // context ID 0 on BC660K
      if (type !== 'UDP' && type !== 'TCP') cme(50);
      if (type === 'TCP') return void r.after(1000, `+QIOPEN: ${id},566`); // TCP not bridged in the sim
      if (this.sockets[id]) return void r.after(50, `+QIOPEN: ${id},563`); // socket id in use
      if (!this.registered) return void r.after(1000, `+QIOPEN: ${id},570`);
      const port = Number(portS);
      if (!(port > 0 && port < 65536)) cme(50);
      const s: Sock = { id, host: host ?? '', port, bridge: null };
      s.bridge = this.udp.open((data) => this.onDatagram(s, data));
      this.sockets[id] = s;
      r.after(200, `+QIOPEN: ${id},0`);
    };
    h['+QISEND'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const id = this.sock(c.args[0]);
      const s = this.sockets[id];
      const len = Number(c.args[1]);
      const hex = c.args[2] ?? '';
      if (!s) return void r.error();
      if (!this.hexData) cme(50); // the text form is not modelled
      if (!(len >= 0 && len <= 1024) || hex.length !== len * 2 || !/^[0-9A-Fa-f]*$/.test(hex)) cme(50);
      const airtime = 300 + len;
      if (this.faults.sendFail || !this.registered || this.net.inOutage(this.ctx.sched.now())) {
        this.faults.sendFail = false;
        return void r.after(airtime, 'SEND FAIL');
      }
      const data = new Uint8Array(Buffer.from(hex, 'hex'));
      this.at(airtime, () => s.bridge?.send(s.host, s.port, data));
      this.activity(airtime, false);
      r.after(airtime, 'SEND OK');
    };
    h['+QICLOSE'] = (c, r) => {
      const id = this.sock(c.args[0]);
      const s = this.sockets[id];
      if (!s) return void r.error();
      s.bridge?.close();
      this.sockets[id] = null;
      r.after(50, 'CLOSE OK');
    };
  }

  private onDatagram(s: Sock, data: Uint8Array): void {
    if (this.sockets[s.id] !== s || this.life !== 'on') return;
    this.activity(50, false);
    const payload = this.hexData ? Buffer.from(data).toString('hex').toUpperCase() : Buffer.from(data).toString('latin1');
    this.emit([`+QIURC: "recv",${s.id},${data.length},"${payload}"`]);
  }
}
