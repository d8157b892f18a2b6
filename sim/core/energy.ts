/**
 * Energy accounting. Every component reports its state changes (`state('mcu', 'deepSleep')`); the
 * meter integrates charge = current × time per component and state, using the board's `power` table
 * (mA at the board's supply, each figure with its source). Charge is kept in mA·ms and reported in
 * µAh (1 µAh = 3600 mA·ms). Battery life = capacity / average current, the way 3GPP TR 45.820 §5.4
 * evaluates NB-IoT battery life (no self-discharge, ideal battery) — a projection, not a prediction.
 */
import type { Board, CurrentFigure } from '../../boards/schema.ts';
import type { Clock, PowerMeter } from './types.ts';

export interface StateEnergy {
  /** Time spent in the state (ms). */
  ms: number;
  /** Charge drawn in the state (µAh). */
  uAh: number;
  mA: number;
  assumed?: boolean;
}

export interface ComponentEnergy {
  uAh: number;
  /** Average current of this component over the run (µA). */
  avgUA: number;
  /** Charge per 24 h of virtual time (µAh/day). */
  perDayUAh: number;
  states: Record<string, StateEnergy>;
  /** State at the end of the run. */
  state: string;
}

export interface EnergyReport {
  durationMs: number;
  components: Record<string, ComponentEnergy>;
  totalUAh: number;
  averageUA: number;
  perDayUAh: number;
  /** Components that reported states but have no figures in the board's power table (counted as 0 mA). */
  unrated: string[];
  battery?: { capacityMah: number; nominalV: number; lifeDays: number; lifeYears: number };
}

/** 1 µAh = 1e-3 mA × 3.6e6 ms = 3600 mA·ms. */
const MA_MS_PER_UAH = 3600;

interface Running {
  state: string;
  since: number;
  mA: number;
}

/** 'off' (supply removed, e.g. power loss) is valid for every component and draws nothing unless the board lists it. */
export const OFF = 'off';
const OFF_FIGURE: CurrentFigure = { mA: 0, note: 'unpowered' };

export class UnknownPowerStateError extends Error {}

export class EnergyMeter implements PowerMeter {
  private running = new Map<string, Running>();
  /** component → state → { ms, mAms } */
  private acc = new Map<string, Map<string, { ms: number; mAms: number }>>();
  private readonly start: number;
  private unrated = new Set<string>();

  constructor(
    private readonly board: Pick<Board, 'id' | 'power' | 'battery'>,
    private readonly clock: Clock,
    private readonly onChange?: (component: string, state: string, mA: number) => void,
  ) {
    this.start = clock.now();
  }

  /** The current figure for a component state; throws a clear error for an unknown state. */
  figure(component: string, state: string): CurrentFigure | undefined {
    const table = this.board.power[component];
    if (!table) return undefined;
    const f = table[state] ?? (state === OFF ? OFF_FIGURE : undefined);
    if (!f) {
      throw new UnknownPowerStateError(
        `energy: board '${this.board.id}' has no current figure for component '${component}' in state '${state}' ` +
          `(power.${component} lists: ${Object.keys(table).join(', ') || 'nothing'})`,
      );
    }
    return f;
  }

  state(component: string, state: string): void {
    const f = this.figure(component, state);
    if (!f) this.unrated.add(component);
    const now = this.clock.now();
    const cur = this.running.get(component);
    if (cur) {
      if (cur.state === state) return;
      this.close(component, cur, now);
    }
    const mA = f?.mA ?? 0;
    this.running.set(component, { state, since: now, mA });
    this.onChange?.(component, state, mA);
  }

  /** Current state of a component, if it has reported one. */
  stateOf(component: string): string | undefined {
    return this.running.get(component)?.state;
  }

  private close(component: string, r: Running, now: number): void {
    let m = this.acc.get(component);
    if (!m) this.acc.set(component, (m = new Map()));
    let s = m.get(r.state);
    if (!s) m.set(r.state, (s = { ms: 0, mAms: 0 }));
    const dt = now - r.since;
    s.ms += dt;
    s.mAms += dt * r.mA;
    r.since = now;
  }

  /** Integrates up to now and returns the report (the meter keeps running). */
  report(): EnergyReport {
    const now = this.clock.now();
    for (const [c, r] of this.running) this.close(c, r, now);
    const durationMs = now - this.start;
    const days = durationMs / 86_400_000;
    const hours = durationMs / 3_600_000;
    const components: Record<string, ComponentEnergy> = {};
    let totalUAh = 0;
    for (const [c, m] of [...this.acc].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const states: Record<string, StateEnergy> = {};
      let uAh = 0;
      for (const [s, v] of m) {
        const e = v.mAms / MA_MS_PER_UAH;
        const f = this.board.power[c]?.[s] ?? (s === OFF ? OFF_FIGURE : undefined);
        states[s] = { ms: v.ms, uAh: e, mA: f?.mA ?? 0, ...(f?.assumed ? { assumed: true } : {}) };
        uAh += e;
      }
      totalUAh += uAh;
      components[c] = {
        uAh,
        avgUA: hours > 0 ? uAh / hours : 0,
        perDayUAh: days > 0 ? uAh / days : 0,
        states,
        state: this.running.get(c)?.state ?? '',
      };
    }
    const averageUA = hours > 0 ? totalUAh / hours : 0;
    const rep: EnergyReport = {
      durationMs,
      components,
      totalUAh,
      averageUA,
      perDayUAh: days > 0 ? totalUAh / days : 0,
      unrated: [...this.unrated].sort(),
    };
    const b = this.board.battery;
    if (b && averageUA > 0) {
      const lifeHours = (b.capacityMah * 1000) / averageUA;
      rep.battery = { capacityMah: b.capacityMah, nominalV: b.nominalV, lifeDays: lifeHours / 24, lifeYears: lifeHours / 24 / 365.25 };
    }
    return rep;
  }
}
