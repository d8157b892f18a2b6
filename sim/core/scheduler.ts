/**
 * Virtual clock and event queue. Events live in a binary min-heap ordered by (time, seq): seq is a
 * monotonically increasing insertion counter, so events scheduled for the same instant run in the
 * order they were scheduled (FIFO), which keeps runs deterministic. Time never moves on its own: it
 * jumps to the next event's time when that event runs (discrete-event simulation), which is why a
 * node that sleeps 99.9% of the time simulates a year in seconds.
 */
import type { Scheduler, TimerId } from './types.ts';

interface Ev {
  t: number;
  seq: number;
  id: TimerId;
  fn: () => void;
  label?: string;
}

export class VirtualScheduler implements Scheduler {
  private heap: Ev[] = [];
  private t = 0;
  private seq = 0;
  private nextId = 1;
  /** Ids of events that were cancelled but are still in the heap (lazy deletion). */
  private cancelled = new Set<TimerId>();
  private live = new Set<TimerId>();
  private stopRequested = false;
  /** Number of events run so far (for statistics). */
  eventsRun = 0;

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  at(t: number, fn: () => void, label?: string): TimerId {
    if (!Number.isFinite(t)) throw new Error(`scheduler: event time must be finite, got ${t}${label ? ` (${label})` : ''}`);
    // An event in the past runs "now": the clock never goes backwards.
    const ev: Ev = { t: Math.max(t, this.t), seq: this.seq++, id: this.nextId++, fn, label };
    this.push(ev);
    this.live.add(ev.id);
    return ev.id;
  }

  after(dt: number, fn: () => void, label?: string): TimerId {
    return this.at(this.t + Math.max(0, dt), fn, label);
  }

  cancel(id: TimerId): void {
    if (this.live.delete(id)) this.cancelled.add(id);
  }

  /** True if the event is still queued. */
  pending(id: TimerId): boolean {
    return this.live.has(id);
  }

  /** Number of queued (not cancelled) events. */
  get size(): number {
    return this.live.size;
  }

  /** Time of the next queued event, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length ? this.heap[0].t : undefined;
  }

  /** Makes runUntil return after the event that is currently running. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Runs events in (time, seq) order until the next event is later than `t` (or the queue is empty,
   * or stop() was called), then sets the clock to `t` (unless stopped early). Returns the number of
   * events run.
   */
  runUntil(t: number): number {
    this.stopRequested = false;
    let n = 0;
    for (;;) {
      this.dropCancelledTop();
      const top = this.heap[0];
      if (!top || top.t > t) break;
      this.pop();
      this.live.delete(top.id);
      this.t = top.t;
      n++;
      this.eventsRun++;
      top.fn();
      if (this.stopRequested) return n;
    }
    if (t > this.t) this.t = t;
    return n;
  }

  /** Runs for `dt` ms of virtual time from now. */
  runFor(dt: number): number {
    return this.runUntil(this.t + dt);
  }

  private dropCancelledTop(): void {
    while (this.heap.length && this.cancelled.has(this.heap[0].id)) {
      this.cancelled.delete(this.heap[0].id);
      this.pop();
    }
  }

  private less(a: Ev, b: Ev): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }

  private push(ev: Ev): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Ev | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
