/**
 * The cell network a modem model talks to, seeded (ctx.rng) so a run is reproducible: coverage
 * (RSRP/RSRQ/SINR and the NB-IoT coverage class ECL 0/1/2), registration delay and refusal, PSM/eDRX
 * grants that may differ from the request or be refused, outage windows, packet loss and latency,
 * late and duplicated URCs, and spontaneous modem reboots. Presets 'good', 'poor', 'flaky'.
 *
 * Figures are assumptions for a plausible simulation, not measurements, except where cited:
 * - ECL thresholds: ECL is chosen by the network from RSRP thresholds it broadcasts (3GPP TS 36.331
 *   rsrp-ThresholdsPrachInfoList); -110 / -120 dBm are typical operator settings (assumption).
 * - Coupling loss: 144 / 154 / 164 dB bands of the Jörke et al. analysis (energy.md) ≈ good/poor/edge.
 * - RRC inactivity tail ~10–20 s set by the network dominates report energy (Michelinakis et al.,
 *   energy.md); release assistance ends it early (DCPA thesis, energy.md).
 *
 * Usage by a model: `net.coverage(now)`, `net.registrationDelayMs()`, `net.registrationOutcome()`,
 * `net.grantPsm(req)`, `net.grantEdrx(v)`, `net.inOutage(now)`, `net.dropUplink()`,
 * `net.dropDownlink()`, `net.latencyMs()`, `net.urcDelayMs()`, `net.duplicateUrc()`,
 * `net.nextRebootInMs()`. Everything random draws from the rng given at construction, in call order.
 */
import type { Rng } from '../core/types.ts';

export interface Outage {
  fromMs: number;
  toMs: number;
}

export interface NetworkConfig {
  name: string;
  /** RSRP mean and standard deviation (dBm); below -140 dBm there is no usable cell. */
  rsrpDbm: { mean: number; sd: number };
  sinrDb: { mean: number; sd: number };
  /** Registration (attach) delay, log-normal-ish: min + |normal(mean, sd)| ms. */
  registrationMs: { min: number; mean: number; sd: number };
  /** Probability that an attach is rejected (stat 3, reject cause 15 "no suitable cells"). */
  deniedProb: number;
  /** PSM grant: 'as-requested', 'refuse' (T3324 deactivated), or values the network imposes (s). */
  psm: 'as-requested' | 'refuse' | { activeS?: number; tauS?: number };
  /** eDRX grant: 'as-requested', 'refuse' or a fixed 4-bit cycle value. */
  edrx: 'as-requested' | 'refuse' | number;
  outages: Outage[];
  /** Random loss probability per datagram in each direction. */
  lossUp: number;
  lossDown: number;
  /** One-way latency of user data (ms): min + exponential(mean). NB-IoT RTTs of 1–10 s are common. */
  latencyMs: { min: number; mean: number };
  /** Probability that a URC is delayed by up to lateUrcMaxMs, and that it is sent twice. */
  lateUrcProb: number;
  lateUrcMaxMs: number;
  dupUrcProb: number;
  /** Mean time between spontaneous modem reboots (ms), 0 = never. */
  rebootMeanMs: number;
  /** RRC inactivity timer (connected tail after the last packet) in ms. */
  rrcInactivityMs: number;
}

export const PRESETS: Record<'good' | 'poor' | 'flaky', NetworkConfig> = {
  good: {
    name: 'good',
    rsrpDbm: { mean: -92, sd: 3 },
    sinrDb: { mean: 12, sd: 2 },
    registrationMs: { min: 2000, mean: 4000, sd: 1500 },
    deniedProb: 0,
    psm: 'as-requested',
    edrx: 'as-requested',
    outages: [],
    lossUp: 0,
    lossDown: 0,
    latencyMs: { min: 80, mean: 120 },
    lateUrcProb: 0,
    lateUrcMaxMs: 0,
    dupUrcProb: 0,
    rebootMeanMs: 0,
    rrcInactivityMs: 10000,
  },
  poor: {
    name: 'poor',
    rsrpDbm: { mean: -124, sd: 4 },
    sinrDb: { mean: -3, sd: 3 },
    registrationMs: { min: 8000, mean: 30000, sd: 20000 },
    deniedProb: 0,
    // Networks commonly impose their own timers: shorter active time, longer TAU (assumption).
    psm: { activeS: 60, tauS: 12 * 3600 },
    edrx: 'refuse',
    outages: [],
    lossUp: 0.05,
    lossDown: 0.05,
    latencyMs: { min: 600, mean: 1500 },
    lateUrcProb: 0.1,
    lateUrcMaxMs: 2000,
    dupUrcProb: 0,
    rebootMeanMs: 0,
    rrcInactivityMs: 20000,
  },
  flaky: {
    name: 'flaky',
    rsrpDbm: { mean: -112, sd: 8 },
    sinrDb: { mean: 2, sd: 5 },
    registrationMs: { min: 4000, mean: 15000, sd: 15000 },
    deniedProb: 0.1,
    psm: 'as-requested',
    edrx: 'as-requested',
    outages: [{ fromMs: 30 * 60000, toMs: 40 * 60000 }],
    lossUp: 0.15,
    lossDown: 0.15,
    latencyMs: { min: 200, mean: 800 },
    lateUrcProb: 0.2,
    lateUrcMaxMs: 5000,
    dupUrcProb: 0.1,
    rebootMeanMs: 6 * 3600000,
    rrcInactivityMs: 20000,
  },
};

export interface Coverage {
  rsrpDbm: number;
  rsrqDb: number;
  sinrDb: number;
  rssiDbm: number;
  /** NB-IoT coverage enhancement level. */
  ecl: 0 | 1 | 2;
  /** False when no cell is usable (RSRP below -140 dBm or an outage). */
  usable: boolean;
}

export type NetworkSpec = 'good' | 'poor' | 'flaky' | (Partial<NetworkConfig> & { base?: 'good' | 'poor' | 'flaky' });

export class NetworkModel {
  readonly config: NetworkConfig;

  constructor(
    private readonly rng: Rng,
    spec: NetworkSpec = 'good',
  ) {
    if (typeof spec === 'string') {
      if (!(spec in PRESETS)) throw new Error(`network preset "${spec}" unknown (good, poor, flaky)`);
      this.config = { ...PRESETS[spec] };
    } else {
      const base = PRESETS[spec.base ?? 'good'];
      const { base: _b, ...rest } = spec;
      this.config = { ...base, ...rest };
    }
  }

  inOutage(now: number): boolean {
    return this.config.outages.some((o) => now >= o.fromMs && now < o.toMs);
  }

  coverage(now: number): Coverage {
    const c = this.config;
    const rsrp = Math.round(this.rng.normal(c.rsrpDbm.mean, c.rsrpDbm.sd));
    const sinr = Math.round(this.rng.normal(c.sinrDb.mean, c.sinrDb.sd));
    // RSRQ from SINR is a rough monotone mapping (assumption): -3 dB at high SINR down to -20 dB.
    const rsrq = Math.max(-20, Math.min(-3, Math.round(-11 + sinr / 2)));
    const rssi = Math.min(-25, rsrp + 11 + Math.max(0, -sinr)); // RSSI ≥ RSRP + 10log10(12 RE) (assumption)
    const ecl: 0 | 1 | 2 = rsrp > -110 ? 0 : rsrp > -120 ? 1 : 2;
    return { rsrpDbm: rsrp, rsrqDb: rsrq, sinrDb: sinr, rssiDbm: rssi, ecl, usable: rsrp >= -140 && !this.inOutage(now) };
  }

  registrationDelayMs(): number {
    const r = this.config.registrationMs;
    return Math.round(r.min + Math.abs(this.rng.normal(r.mean - r.min, r.sd)));
  }

  /** 'home' or 'denied' (reject cause 15: no suitable cells in tracking area, TS 24.301 Annex A). */
  registrationOutcome(): 'home' | 'denied' {
    return this.rng.next() < this.config.deniedProb ? 'denied' : 'home';
  }

  /** Network's answer to a PSM request (seconds; null = deactivated, i.e. PSM refused). */
  grantPsm(req: { activeS: number | null; tauS: number | null }): { activeS: number | null; tauS: number | null } {
    const p = this.config.psm;
    if (p === 'refuse') return { activeS: null, tauS: req.tauS };
    if (p === 'as-requested') return { ...req };
    return { activeS: p.activeS ?? req.activeS, tauS: p.tauS ?? req.tauS };
  }

  grantEdrx(value: number): number | null {
    const e = this.config.edrx;
    if (e === 'refuse') return null;
    if (e === 'as-requested') return value;
    return e;
  }

  dropUplink(): boolean {
    return this.config.lossUp > 0 && this.rng.next() < this.config.lossUp;
  }

  dropDownlink(): boolean {
    return this.config.lossDown > 0 && this.rng.next() < this.config.lossDown;
  }

  /** One-way latency (ms). */
  latencyMs(): number {
    const l = this.config.latencyMs;
    return Math.round(l.min - l.mean * Math.log(1 - this.rng.next()));
  }

  /** Extra delay of a URC (0 when on time). */
  urcDelayMs(): number {
    if (this.config.lateUrcProb <= 0 || this.rng.next() >= this.config.lateUrcProb) return 0;
    return Math.round(this.rng.next() * this.config.lateUrcMaxMs);
  }

  duplicateUrc(): boolean {
    return this.config.dupUrcProb > 0 && this.rng.next() < this.config.dupUrcProb;
  }

  /** Time to the next spontaneous reboot (exponential), or undefined when disabled. */
  nextRebootInMs(): number | undefined {
    if (!this.config.rebootMeanMs) return undefined;
    return Math.round(-this.config.rebootMeanMs * Math.log(1 - this.rng.next()));
  }
}
