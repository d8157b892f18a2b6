import { createRng } from '../../sim/core/rng.ts';
import { VirtualScheduler } from '../../sim/core/scheduler.ts';
import type { SimContext } from '../../sim/core/types.ts';

export function makeCtx(seed = 1): SimContext & { sched: VirtualScheduler; states: string[] } {
  const states: string[] = [];
  return {
    sched: new VirtualScheduler(),
    trace: { emit() {} },
    power: { state: (c, s) => { states.push(`${c}:${s}`); } },
    rng: createRng(seed),
    states,
  };
}
