/**
 * The 3GPP TS 27.007 part every modem model shares, on top of model-base.ts: registration state
 * driven by the network model (+CEREG URC/read with n = 0..5, TS 27.007 §10.1.22), CFUN, SIM state,
 * PSM/eDRX requests and network grants (+CPSMS §7.38, +CEDRXS §7.40, +CEDRXRDP §7.41), signal
 * (+CSQ §8.5 with dBm = −113 + 2·rssi; +CESQ §8.69 with rsrp = −140 + v), identities (+CGSN, +CIMI),
 * network time (+CCLK, after registration), outages. Models extend `CellularModel` and add their
 * vendor command set. The timer encodings here are written independently of the firmware's
 * (3GPP TS 24.008 §10.5.7.3/§10.5.7.4a) so a bug in one is caught by the other.
 */
import { ModemModelBase, cme, type AtCommand, type ModelOptions, type ModelSpec, type Reply } from './model-base.ts';

const T3_SECONDS: Record<number, number> = { 0: 600, 1: 3600, 2: 36000, 3: 2, 4: 30, 5: 60, 6: 1152000 };
const T2_SECONDS: Record<number, number> = { 0: 2, 1: 60, 2: 360 };

function decodeTimer(raw: string, table: Record<number, number>): number | null {
  if (!/^[01]{8}$/.test(raw)) cme(50); // 50 = incorrect parameters (TS 27.007 §9.2.1)
  const unit = table[parseInt(raw.slice(0, 3), 2)];
  return unit === undefined ? null : unit * parseInt(raw.slice(3), 2);
}

/** Network-side encoding: the COARSEST unit that expresses the value exactly (else the finest that fits). */
function encodeTimer(seconds: number | null, table: Record<number, number>): string {
  if (seconds === null) return '11100000';
  const units = Object.entries(table).map(([k, v]) => ({ bits: Number(k), s: v })).sort((a, b) => b.s - a.s);
  for (const u of units) if (seconds % u.s === 0 && seconds / u.s <= 31) return u.bits.toString(2).padStart(3, '0') + (seconds / u.s).toString(2).padStart(5, '0');
  for (const u of [...units].reverse()) if (Math.ceil(seconds / u.s) <= 31) return u.bits.toString(2).padStart(3, '0') + Math.ceil(seconds / u.s).toString(2).padStart(5, '0');
  return '11100000';
}

export const decodeT3412 = (raw: string) => decodeTimer(raw, T3_SECONDS);
export const decodeT3324 = (raw: string) => decodeTimer(raw, T2_SECONDS);
export const encodeT3412 = (s: number | null) => encodeTimer(s, T3_SECONDS);
export const encodeT3324 = (s: number | null) => encodeTimer(s, T2_SECONDS);

/** Epoch of the network clock at virtual time 0 (+CCLK): 2026-01-01T00:00:00Z. */
/** Appends the Luhn check digit (ISO/IEC 7812) to a digit string. */
export function withLuhn(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

export const NETWORK_EPOCH_MS = 1767225600000;

export interface CellularSpec extends ModelSpec {
  /** +CEREG <AcT>: 9 NB-S1 (NB-IoT), 7 E-UTRAN (Cat-M/Cat-1). */
  act: number;
  /** SIM ready this long after boot (A7670 reports SIM failure before; modems.md). */
  simReadyMs: number;
  /** Radio starts registering at boot (CFUN=1 stored), as these modules do by default. */
  autoAttach: boolean;
}

export abstract class CellularModel extends ModemModelBase {
  declare readonly spec: CellularSpec;
  cfun = 1;
  /** Registration stat (0 idle, 1 home, 2 searching, 3 denied). */
  stat = 0;
  ceregN = 0;
  cmee = 0;
  simReady = false;
  bootAt = 0;
  psmRequest: { activeRaw: string; tauRaw: string } | null = null;
  psmGrant: { activeS: number | null; tauS: number | null } | null = null;
  edrxRequest: { act: number; value: string } | null = null;
  edrxGrant: string | null = null;
  readonly imei: string;
  readonly imsi: string;
  readonly iccid: string;
  readonly tac: string;
  readonly ci: string;
  private regEpoch = 0;

  constructor(spec: CellularSpec, opts: ModelOptions) {
    super(spec, opts);
    const r = opts.ctx.rng.fork(`${spec.name}-identity`);
    const digits = (n: number) => Array.from({ length: n }, () => String(r.int(10))).join('');
    // 14 digits (TAC + serial) + the Luhn check digit (3GPP TS 23.003 §6.2.1, Annex B)
    this.imei = withLuhn('86' + digits(12));
    this.imsi = '00101' + digits(10); // MCC 001 / MNC 01: the 3GPP test network (TS 23.003)
    this.iccid = '8988' + digits(16);
    this.tac = r.int(0x10000).toString(16).toUpperCase().padStart(4, '0');
    this.ci = r.int(0x10000000).toString(16).toUpperCase().padStart(8, '0');
    this.installStandard();
  }

  protected resetState(): void {
    this.stat = 0;
    this.ceregN = 0;
    this.cmee = 0;
    this.simReady = false;
    this.cfun = this.spec.autoAttach ? 1 : 0;
    this.bootAt = this.ctx.sched.now();
    this.regEpoch++;
    this.at(this.spec.bootMs + this.spec.simReadyMs, () => {
      this.simReady = true;
      this.onSimReady();
    });
    if (this.spec.autoAttach) this.at(this.spec.bootMs + this.spec.simReadyMs, () => this.startRegistration());
    for (const o of this.net.config.outages) {
      const now = this.ctx.sched.now();
      if (o.toMs <= now) continue;
      if (o.fromMs > now) this.at(o.fromMs - now, () => this.loseRegistration());
      this.at(o.toMs - now, () => this.startRegistration());
    }
  }

  /** +CEREG <AcT> (models with a RAT choice override it). */
  protected accessTech(): number {
    return this.spec.act;
  }

  /** Hook: the SIM became ready (A7670 prints +CPIN: READY etc.). */
  protected onSimReady(): void {}

  get registered(): boolean {
    return this.stat === 1 || this.stat === 5;
  }

  /** +CEREG fields after <stat> for the current n (URC form; the read form prefixes n). */
  ceregFields(n: number): string {
    let s = String(this.stat);
    if (n >= 2 && (this.registered || this.stat === 3)) {
      s += `,"${this.tac}","${this.ci}",${this.accessTech()}`;
      if (n >= 3 && this.stat === 3) s += ',0,15';
      else if (n >= 4 && this.psmGrant && this.registered) s += `,,,"${encodeT3324(this.psmGrant.activeS)}","${encodeT3412(this.psmGrant.tauS)}"`;
    }
    return s;
  }

  private setStat(stat: number): void {
    if (stat === this.stat) return;
    this.stat = stat;
    this.ctx.trace.emit('modem', { model: this.spec.name, event: 'cereg', stat });
    if (this.ceregN > 0) this.urc(`+CEREG: ${this.ceregFields(this.ceregN)}`);
  }

  /** Attach procedure: searching, then home or denied after the network's delay; waits out no coverage. */
  startRegistration(): void {
    if (this.cfun !== 1 || !this.simReady || this.life === 'off') return;
    const epoch = ++this.regEpoch;
    this.setStat(2);
    const attempt = () => {
      if (epoch !== this.regEpoch || this.cfun !== 1) return;
      const cov = this.net.coverage(this.ctx.sched.now());
      if (!cov.usable) {
        this.at(10000, attempt);
        return;
      }
      if (this.net.registrationOutcome() === 'denied') {
        this.setStat(3);
        return;
      }
      if (this.psmRequest) this.grantPsm();
      this.setStat(1);
      this.onRegistered();
    };
    this.at(this.net.registrationDelayMs(), attempt);
  }

  protected loseRegistration(): void {
    this.regEpoch++;
    if (this.stat !== 0) this.setStat(2);
    this.onDeregistered();
  }

  /** Hooks for models: default PDN up / sockets lost. */
  protected onRegistered(): void {}
  protected onDeregistered(): void {}

  private grantPsm(): void {
    const req = this.psmRequest!;
    this.psmGrant = this.net.grantPsm({ activeS: decodeT3324(req.activeRaw), tauS: decodeT3412(req.tauRaw) });
  }

  /** Whether the module may enter PSM after its active time (PSM requested and granted). */
  get psmActive(): boolean {
    return !!this.psmGrant && this.psmGrant.activeS !== null && this.registered;
  }

  private installStandard(): void {
    const h = this.handlers;
    h[''] = () => {};
    h['E'] = (c, r) => {
      this.echo = c.args[0] === '1';
      r.ok();
    };
    h['+CMEE'] = (c, r) => {
      if (c.kind === 'read') r.line(`+CMEE: ${this.cmee}`);
      else if (c.kind === 'set') this.cmee = Number(c.args[0]);
    };
    h['+CPIN'] = (c, r) => {
      if (c.kind !== 'read') return;
      if (!this.simReady) r.cme(this.cmee === 2 ? 'SIM busy' : 14);
      else r.line('+CPIN: READY');
    };
    h['+CFUN'] = (c, r) => {
      if (c.kind === 'read') return void r.line(`+CFUN: ${this.cfun}`);
      if (c.kind !== 'set') return;
      const v = Number(c.args[0]);
      if (v !== 0 && v !== 1 && v !== 4) cme(50);
      r.delayMs = 300; // radio switch time (assumption)
      this.cfun = v === 4 ? 0 : v;
      if (this.cfun === 1) this.startRegistration();
      else {
        this.regEpoch++;
        this.stat = 0;
        this.onDeregistered();
      }
    };
    h['+CEREG'] = (c, r) => {
      if (c.kind === 'read') r.line(`+CEREG: ${this.ceregN},${this.ceregFields(this.ceregN)}`);
      else if (c.kind === 'test') r.line('+CEREG: (0-5)');
      else if (c.kind === 'set') {
        const n = Number(c.args[0]);
        if (!(n >= 0 && n <= 5)) cme(50);
        this.ceregN = n;
      }
    };
    h['+CPSMS'] = (c, r) => this.cpsms(c, r);
    h['+CEDRXS'] = (c, r) => {
      if (c.kind === 'read') return void r.line(this.edrxRequest ? `+CEDRXS: ${this.edrxRequest.act},"${this.edrxRequest.value}"` : '+CEDRXS:');
      if (c.kind !== 'set') return;
      if (c.args[0] === '0' || c.args[0] === '3') {
        this.edrxRequest = null;
        this.edrxGrant = null;
        return;
      }
      const value = c.args[2] ?? '';
      if (!/^[01]{4}$/.test(value)) cme(50);
      this.edrxRequest = { act: Number(c.args[1]), value };
      const g = this.net.grantEdrx(parseInt(value, 2));
      this.edrxGrant = g === null ? null : g.toString(2).padStart(4, '0');
    };
    h['+CEDRXRDP'] = (_c, r) => {
      // AcT-type 0 = eDRX not used (not requested, or refused by the network)
      if (!this.edrxRequest || !this.edrxGrant || !this.registered) r.line('+CEDRXRDP: 0');
      else r.line(`+CEDRXRDP: ${this.edrxRequest.act},"${this.edrxRequest.value}","${this.edrxGrant}","0011"`);
    };
    h['+CSQ'] = (_c, r) => {
      const cov = this.net.coverage(this.ctx.sched.now());
      const v = cov.usable ? Math.max(0, Math.min(31, Math.round((cov.rssiDbm + 113) / 2))) : 99;
      r.line(`+CSQ: ${v},99`);
    };
    h['+CESQ'] = (_c, r) => {
      const cov = this.net.coverage(this.ctx.sched.now());
      const rsrp = cov.usable ? Math.max(0, Math.min(97, cov.rsrpDbm + 140)) : 255;
      const rsrq = cov.usable ? Math.max(0, Math.min(34, (cov.rsrqDb + 20) * 2)) : 255;
      r.line(`+CESQ: 99,99,255,255,${rsrq},${rsrp}`);
    };
    h['+CGSN'] = (c, r) => {
      if (c.kind === 'set' && c.args[0] === '1') r.line(`+CGSN: ${this.imei}`);
      else r.line(this.imei);
    };
    h['+CIMI'] = (_c, r) => {
      if (!this.simReady) r.cme(10);
      else r.line(this.imsi);
    };
    h['+CCLK'] = (c, r) => {
      if (c.kind !== 'read') return;
      const t = this.registered ? (this.networkEpochMs ?? NETWORK_EPOCH_MS) + this.ctx.sched.now() : 315964800000 + (this.ctx.sched.now() - this.bootAt);
      const d = new Date(t);
      const p2 = (n: number) => String(n).padStart(2, '0');
      r.line(`+CCLK: "${p2(d.getUTCFullYear() % 100)}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())},${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}+00"`);
    };
  }

  /** AT+CPSMS=<mode>[,,,"<T3412>","<T3324>"]: stored; the grant applies at the next registration/TAU. */
  private cpsms(c: AtCommand, r: Reply): void {
    if (c.kind === 'read') {
      r.line(this.psmRequest ? `+CPSMS: 1,,,"${this.psmRequest.tauRaw}","${this.psmRequest.activeRaw}"` : '+CPSMS: 0,,,,');
      return;
    }
    if (c.kind !== 'set') return;
    if (c.args[0] === '0') {
      this.psmRequest = null;
      this.psmGrant = null;
      return;
    }
    if (c.args[0] !== '1') cme(50);
    const tauRaw = c.args[3] || '00100001'; // defaults when omitted: 1 h TAU, 2 min active (assumption)
    const activeRaw = c.args[4] || '00100010';
    decodeT3412(tauRaw);
    decodeT3324(activeRaw);
    this.psmRequest = { activeRaw, tauRaw };
    // While registered the network answers in the next TAU; modelled as an immediate update + URC.
    if (this.registered) {
      this.grantPsm();
      if (this.ceregN >= 4) this.urc(`+CEREG: ${this.ceregFields(this.ceregN)}`, 500);
    }
  }
}
