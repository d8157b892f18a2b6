/**
 * SIMCom SIM7080G (Cat-M / NB-IoT) model. Facts from modems.md "SIMCom SIM7080G" (sources: TinyGSM
 * SIM7080/SIM70xx, Zephyr sim7080 driver; real logs in test/fixtures/at-logs/sim7080-3.txt):
 * - PWRKEY pulse turns it on (Zephyr: 1.5 s; LilyGO: 1 s) or off; `SMS Ready` once booted (up to 30 s
 *   after `AT+CREBOOT`); a reboot mid-session prints `SMS Ready` again (the recorded log).
 * - `AT+CNMP=38|2`, `AT+CMNB=1|2|3` (Cat-M | NB | both).
 * - Bearer: `AT+CGDCONT=1,"IP","<apn>"`, `AT+CNCFG=0,1,"<apn>"`, `AT+CNACT=0,1` → OK,
 *   `+APP PDP: 0,ACTIVE`. After PSM wake CNACT is 0 again (re-issue `AT+CNACT=0,1`).
 * - Sockets: `AT+CAOPEN=<cid>,<pdp>,"UDP","host",port` → `+CAOPEN: <cid>,<result>` then OK (0 ok, 1
 *   socket error, 4 bad param, 21 network not active, 27 connect failed); `AT+CASEND=<cid>,<len>` →
 *   `>` → data → OK; receive `+CADATAIND: <cid>` then `AT+CARECV=<cid>,<len>` → `+CARECV: <len>,<data>`;
 *   `AT+CACLOSE=<cid>`.
 * - `AT+CPSMSTATUS=1` → `+CPSMSTATUS: "ENTER PSM"`; `AT+CPOWD=1` → `NORMAL POWER DOWN`; `AT+CCID`.
 * Assumptions: UART answers 2 s after the pulse, `SMS Ready` 1 s later; a failed send answers ERROR
 * (no SEND FAIL on this module); DTR (wake) low wakes from sleep, sleep needs AT+CSCLK=1 + DTR high;
 * a PWRKEY pulse wakes it from PSM; command latency 10–40 ms.
 */
import { CellularModel } from './cellular.ts';
import { cme, type ModelOptions, type PinRole } from './model-base.ts';
import type { BridgeSocket, UdpBridge } from './udp.ts';

interface Sock {
  cid: number;
  host: string;
  port: number;
  bridge: BridgeSocket | null;
  rx: Uint8Array[];
}

export class Sim7080gModel extends CellularModel {
  cnmp = 2;
  cmnb = 3;
  apn = '';
  cnact = 0;
  csclk = 0;
  dtrActive = true;
  psmUrcs = false;
  sockets: (Sock | null)[] = [];
  private idleTimer = 0;
  private readonly udp: UdpBridge;

  constructor(opts: ModelOptions & { udp: UdpBridge }) {
    super(
      {
        name: 'SIM7080G',
        latencyMs: [10, 40],
        bootMs: 2000,
        banner: [{ afterMs: 1000, line: 'SMS Ready' }],
        states: ['off', 'psm', 'sleep', 'idle', 'rx', 'tx'],
        act: 9,
        simReadyMs: 500,
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
    this.cnact = 0;
    this.csclk = 0;
    this.psmUrcs = false;
  }

  protected onPulse(role: PinRole, heldMs: number): void {
    if (role === 'pwrkey') {
      if (this.life === 'psm') return this.wakeUp('PWRKEY');
      if (heldMs < 1000) return;
      if (this.life === 'off') this.powerUp('PWRKEY');
      else {
        this.emit(['NORMAL POWER DOWN']);
        this.powerDown('PWRKEY');
      }
    } else if (role === 'reset' && heldMs >= 100) this.powerUp('RESET');
  }

  protected onLevel(role: PinRole, active: boolean): void {
    if (role !== 'wake') return;
    this.dtrActive = active;
    if (active && this.life === 'sleep') this.wakeUp('DTR');
    else if (!active) this.maybeSleep();
  }

  protected wakeByUart(_text: string): void {
    // UART is off in sleep (CSCLK=1, DTR high) and in PSM: the bytes are lost.
  }

  private wakeUp(why: string): void {
    const fromPsm = this.life === 'psm';
    this.life = 'on';
    this.setPower('idle');
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'wake', why });
    if (fromPsm && this.psmUrcs) this.urc('+CPSMSTATUS: "EXIT PSM"', 50);
    this.armIdle();
  }

  private maybeSleep(): void {
    if (this.life === 'on' && this.csclk === 1 && !this.dtrActive && this.power === 'idle') {
      this.life = 'sleep';
      this.setPower('sleep');
    }
  }

  private armIdle(): void {
    const id = ++this.idleTimer;
    this.maybeSleep();
    const active = this.psmGrant?.activeS;
    if (active === null || active === undefined) return;
    this.at(active * 1000, () => {
      if (id !== this.idleTimer || (this.life !== 'on' && this.life !== 'sleep') || !this.psmActive) return;
      if (this.psmUrcs) this.emit(['+CPSMSTATUS: "ENTER PSM"']);
      this.closeAll();
      this.cnact = 0; // modems.md: after PSM wake CGATT may read 1 while CNACT is 0
      this.life = 'psm';
      this.setPower('psm');
    });
  }

  private activity(airtimeMs: number): void {
    this.idleTimer++;
    if (this.life === 'sleep') this.life = 'on';
    this.radio(airtimeMs, false, () => this.armIdle());
  }

  /** CMNB=1 Cat-M → 7 (E-UTRAN); NB or both → 9 (NB-S1) in this model. */
  protected accessTech(): number {
    return this.cmnb === 1 ? 7 : 9;
  }

  protected onRegistered(): void {
    this.activity(200);
  }

  protected onDeregistered(): void {
    for (const s of this.sockets) if (s) this.urc(`+CASTATE: ${s.cid},0`);
    this.closeAll();
    this.cnact = 0;
  }

  private closeAll(): void {
    for (const s of this.sockets) s?.bridge?.close();
    this.sockets = [];
  }

  private cid(arg: string | undefined): number {
    const id = Number(arg);
    if (!(id >= 0 && id <= 12)) cme(50);
    return id;
  }

  private install(): void {
    const h = this.handlers;
    const simple = (name: string, field: 'cnmp' | 'cmnb' | 'csclk', ok: number[]) => {
      h[name] = (c, r) => {
        if (c.kind === 'read') return void r.line(`${name}: ${this[field]}`);
        const v = Number(c.args[0]);
        if (!ok.includes(v)) cme(50);
        this[field] = v;
        if (field === 'csclk') this.maybeSleep();
      };
    };
    simple('+CNMP', 'cnmp', [2, 13, 38, 51]);
    simple('+CMNB', 'cmnb', [1, 2, 3]);
    simple('+CSCLK', 'csclk', [0, 1]);
    h['+CLTS'] = () => {};
    h['+CBATCHK'] = () => {};
    h['+CGDCONT'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CGDCONT: 1,"IP","${this.apn}"`);
      if (c.args[0] !== '1') cme(50);
      this.apn = c.args[2] ?? '';
    };
    h['+CNCFG'] = (c) => {
      if (c.args[0] !== '0') cme(50);
      if (c.args[2] !== undefined) this.apn = c.args[2];
    };
    h['+CGATT'] = (c, r) => {
      if (c.kind === 'read') r.line(`+CGATT: ${this.registered ? 1 : 0}`);
    };
    h['+CNACT'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CNACT: 0,${this.cnact},"${this.cnact ? '10.0.0.7' : '0.0.0.0'}"`);
      if (c.args[0] !== '0') cme(50);
      if (c.args[1] === '0') {
        this.cnact = 0;
        r.after(100, '+APP PDP: 0,DEACTIVE');
        return;
      }
      if (!this.registered) return void r.error();
      this.cnact = 1;
      r.after(500, '+APP PDP: 0,ACTIVE');
    };
    h['+CAOPEN'] = (c, r) => {
      if (c.kind !== 'set') cme(50);
      const [cidS, pdp, type, host, portS] = c.args;
      const cid = this.cid(cidS);
      const port = Number(portS);
      if (pdp !== '0' || (type !== 'UDP' && type !== 'TCP') || !(port > 0 && port < 65536)) return void r.line(`+CAOPEN: ${cid},4`);
      if (this.sockets[cid]) return void r.line(`+CAOPEN: ${cid},1`);
      if (!this.cnact || !this.registered) return void r.line(`+CAOPEN: ${cid},21`);
      if (type === 'TCP') {
        r.delayMs = 75000; // real logs: a failing CAOPEN can take ~75 s
        return void r.line(`+CAOPEN: ${cid},27`);
      }
      const s: Sock = { cid, host: host ?? '', port, bridge: null, rx: [] };
      s.bridge = this.udp.open((data) => this.onDatagram(s, data));
      this.sockets[cid] = s;
      r.delayMs = 100;
      r.line(`+CAOPEN: ${cid},0`);
    };
    h['+CASEND'] = (c, r) => {
      const cid = this.cid(c.args[0]);
      const len = Number(c.args[1]);
      const s = this.sockets[cid];
      if (!s) return void r.error();
      if (!(len > 0 && len <= 1459)) cme(50);
      r.expectData(len, (data) => {
        const airtime = 150 + len / 2;
        if (this.faults.sendFail || !this.registered || !this.cnact || this.net.inOutage(this.ctx.sched.now())) {
          this.faults.sendFail = false;
          this.emit(['ERROR']);
          return;
        }
        this.emit(['OK']);
        this.at(airtime, () => s.bridge?.send(s.host, s.port, data));
        this.activity(airtime);
      });
    };
    h['+CARECV'] = (c, r) => {
      const cid = this.cid(c.args[0]);
      const max = Number(c.args[1]);
      const s = this.sockets[cid];
      if (!s) return void r.error();
      if (!(max > 0 && max <= 1460)) cme(50);
      const d = s.rx.shift();
      if (!d) return void r.line('+CARECV: 0');
      const part = d.subarray(0, max);
      if (d.length > max) s.rx.unshift(d.subarray(max));
      r.line(`+CARECV: ${part.length},${Buffer.from(part).toString('latin1')}`);
    };
    h['+CACLOSE'] = (c, r) => {
      const cid = this.cid(c.args[0]);
      const s = this.sockets[cid];
      if (!s) return void r.error();
      s.bridge?.close();
      this.sockets[cid] = null;
    };
    h['+CPSMSTATUS'] = (c) => {
      this.psmUrcs = c.args[0] === '1';
    };
    h['+CPOWD'] = (_c, r) => {
      r.none();
      r.after(100, 'NORMAL POWER DOWN');
      this.at(300, () => this.powerDown('AT+CPOWD'));
    };
    h['+CREBOOT'] = (_c, r) => {
      r.ok();
      this.at(100, () => this.reboot('AT+CREBOOT'));
    };
    h['+CCID'] = (_c, r) => {
      if (!this.simReady) cme(10);
      r.line(this.iccid);
    };
  }

  private onDatagram(s: Sock, data: Uint8Array): void {
    if (this.sockets[s.cid] !== s || (this.life !== 'on' && this.life !== 'sleep')) return;
    s.rx.push(data);
    this.activity(50);
    if (s.rx.length === 1) this.emit([`+CADATAIND: ${s.cid}`]);
  }
}
