import { describe, expect, it } from 'vitest';
import { VirtualScheduler } from '../../sim/core/scheduler.ts';
import { createRng } from '../../sim/core/rng.ts';
import { EnergyMeter } from '../../sim/core/energy.ts';
import { TraceRecorder, escapeBytes } from '../../sim/core/trace.ts';
import { parseDuration } from '../../sim/core/duration.ts';

describe('VirtualScheduler', () => {
  it('runs events in (time, insertion) order and jumps the clock to each event', () => {
    const s = new VirtualScheduler();
    const log: string[] = [];
    s.at(20, () => log.push(`b@${s.now()}`));
    s.at(10, () => log.push(`a@${s.now()}`));
    s.at(20, () => log.push(`c@${s.now()}`));
    const x = s.at(15, () => log.push('cancelled'));
    s.cancel(x);
    s.at(30, () => log.push('late'));
    expect(s.runUntil(25)).toBe(3);
    expect(log).toEqual(['a@10', 'b@20', 'c@20']);
    expect(s.now()).toBe(25);
    s.runUntil(100);
    expect(log.at(-1)).toBe('late');
    expect(s.size).toBe(0);
  });
  it('events scheduled from an event at the same time run after the ones already queued', () => {
    const s = new VirtualScheduler();
    const log: number[] = [];
    s.at(5, () => {
      log.push(1);
      s.after(0, () => log.push(3));
    });
    s.at(5, () => log.push(2));
    s.runUntil(5);
    expect(log).toEqual([1, 2, 3]);
  });
  it('keeps order for many random events (heap property)', () => {
    const s = new VirtualScheduler();
    const rng = createRng(7);
    const got: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = rng.int(1000);
      s.at(t, () => got.push(t));
    }
    s.runUntil(1000);
    expect(got).toEqual([...got].sort((a, b) => a - b));
  });
});

describe('rng', () => {
  it('is deterministic per seed and forks independent streams by label', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(sa);
    expect([c.next(), c.next(), c.next()]).not.toEqual(sa);
    const f1 = createRng(42).fork('sht3x');
    const f2 = createRng(42).fork('sht3x');
    const f3 = createRng(42).fork('bme280');
    expect(f1.next()).toBe(f2.next());
    expect(f1.next()).not.toBe(f3.next());
    for (let i = 0; i < 1000; i++) {
      const v = a.next();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });
  it('normal() has roughly the requested mean and sd', () => {
    const r = createRng(1);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r.normal(10, 2);
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(2, 1);
  });
});

describe('EnergyMeter', () => {
  const board = {
    id: 'test-board',
    power: {
      mcu: { active: { mA: 40 }, deepSleep: { mA: 0.01 } },
      modem: { psm: { mA: 0.003 }, tx: { mA: 200 } },
    },
    battery: { chemistry: 'Li-SOCl2', capacityMah: 2600, nominalV: 3.6 },
  };
  it('matches a hand computation for a known schedule', () => {
    const s = new VirtualScheduler();
    const m = new EnergyMeter(board, s);
    // each hour: 2 s active + rest deep sleep; modem 1 s tx then PSM — for 24 h.
    for (let h = 0; h < 24; h++) {
      const t0 = h * 3_600_000;
      s.at(t0, () => {
        m.state('mcu', 'active');
        m.state('modem', 'tx');
      });
      s.at(t0 + 1000, () => m.state('modem', 'psm'));
      s.at(t0 + 2000, () => m.state('mcu', 'deepSleep'));
    }
    s.runUntil(86_400_000);
    const r = m.report();
    // mcu: 24 × 2 s × 40 mA + (86400 − 48) s × 0.01 mA, in µAh = mA·s / 3.6
    const mcu = (24 * 2 * 40 + (86400 - 48) * 0.01) / 3.6;
    const modem = (24 * 1 * 200 + (86400 - 24) * 0.003) / 3.6;
    expect(r.components.mcu.uAh).toBeCloseTo(mcu, 6);
    expect(r.components.modem.uAh).toBeCloseTo(modem, 6);
    expect(r.components.mcu.states.active.ms).toBe(48_000);
    expect(r.totalUAh).toBeCloseTo(mcu + modem, 6);
    expect(r.perDayUAh).toBeCloseTo(mcu + modem, 6);
    expect(r.averageUA).toBeCloseTo((mcu + modem) / 24, 6);
    expect(r.battery!.lifeDays).toBeCloseTo((2600 * 1000) / ((mcu + modem) / 24) / 24, 3);
  });
  it('rejects a state the board has no figure for, naming the component and known states', () => {
    const m = new EnergyMeter(board, new VirtualScheduler());
    expect(() => m.state('mcu', 'lightSleep')).toThrow(/no current figure for component 'mcu' in state 'lightSleep'.*active, deepSleep/);
  });
});

describe('trace + duration', () => {
  it('writes JSON lines with virtual time and escapes bytes', () => {
    const s = new VirtualScheduler();
    const tr = new TraceRecorder(s);
    s.at(1.5, () => tr.emit('uart', { dir: 'tx', data: escapeBytes(new Uint8Array([0x41, 0x54, 0x0d, 0x0a, 0x00])) }));
    s.runUntil(2);
    expect(tr.lines).toHaveLength(1);
    expect(JSON.parse(tr.lines[0])).toEqual({ t: 1.5, kind: 'uart', dir: 'tx', data: 'AT\\r\\n\\x00' });
    expect(tr.lines[0].startsWith('{"t":1.5,"kind":"uart"')).toBe(true);
  });
  it('parses durations', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('36h')).toBe(36 * 3_600_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration(500)).toBe(500);
    expect(() => parseDuration('7 days')).toThrow(/cannot parse '7 days'/);
  });
});
