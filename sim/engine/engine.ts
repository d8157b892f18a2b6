/**
 * One QuickJS engine per simulated board: its own WebAssembly instance, one runtime, and the
 * context that is the board's JS RAM.
 *
 * A fresh context per boot, fast: the first boot builds a context with the Espruino API installed
 * and snapshots the instance's linear memory. Every later boot restores that snapshot — byte for byte
 * the same fresh context, without re-creating intrinsics and re-parsing the API (QuickJS in
 * WebAssembly parses ~5 KB/ms; at 35,040 boots a year that dominated a run). Restoring is a copy of
 * the used part of linear memory and a zero fill of the rest, so nothing the previous boot left in
 * RAM survives. This is sound because the instance hosts nothing else: the runtime, its atoms, GC
 * lists and malloc state all live in that memory, and the only host-side handles kept across boots
 * (the context, `__sys`, the dispatcher) were created before the snapshot. Between boots no
 * WebAssembly frame is active, so the C stack holds nothing that matters.
 *
 * `snapshot: false` rebuilds the context from scratch at every boot instead (slower; for comparison).
 */
import { newQuickJSWASMModuleFromVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten';

/** Espruino has no Map/Set/WeakMap, Proxy/Reflect or BigInt: those intrinsics are left out. */
const INTRINSICS = { BaseObjects: true, Date: true, Eval: true, StringNormalize: false, RegExp: true, JSON: true, Proxy: false, MapSet: false, TypedArrays: true, Promise: true, BigInt: false };

interface EmscriptenModule {
  HEAPU8: Uint8Array;
}

/** Instances released by disposed boards, reused by new ones (creating one costs tens of ms). */
const pool: QuickJSWASMModule[] = [];

export class Engine {
  readonly rt: QuickJSRuntime;
  ctx: QuickJSContext | undefined;
  /** Host-side handles that live as long as the context (disposed before it). */
  readonly keep: QuickJSHandle[] = [];
  private snap: Uint8Array | undefined;
  /** [start, end) byte ranges of linear memory restored from `snap` (same offsets). */
  private ranges: [number, number][] = [];
  /** An address on the C stack, seen during a host call (the stack's unused part is not restored). */
  private stackAddr = -1;
  private fresh = false;
  /** Memory used by a fresh context with the API installed (bytes). */
  baselineBytes = 0;
  /** Boots served from the snapshot (statistics). */
  restores = 0;
  /** The sandbox's dispatcher (registered by the prelude). */
  dispatchFn: QuickJSHandle | undefined;
  /** Receives `__sys(op, ...)` calls of the running boot. */
  target: ((op: string, args: QuickJSHandle[]) => QuickJSHandle | undefined) | undefined;

  private constructor(
    private readonly mod: QuickJSWASMModule,
    private readonly useSnapshot: boolean,
    stackLimitBytes: number,
    onInterrupt: () => boolean,
  ) {
    this.rt = mod.newRuntime();
    this.rt.setMaxStackSize(stackLimitBytes);
    this.rt.setInterruptHandler(onInterrupt);
  }

  static async create(opts: { snapshot?: boolean; stackLimitBytes: number; onInterrupt: () => boolean }): Promise<Engine> {
    const mod = pool.pop() ?? (await newQuickJSWASMModuleFromVariant(RELEASE_SYNC));
    return new Engine(mod, opts.snapshot !== false, opts.stackLimitBytes, opts.onInterrupt);
  }

  private heap(): Uint8Array | undefined {
    const m = (this.mod as unknown as { module?: EmscriptenModule }).module;
    return m?.HEAPU8;
  }

  /** A fresh context with the API installed (restored from the snapshot after the first time). */
  freshContext(prelude: string, filename: string, chunks: Record<string, string>): QuickJSContext {
    this.rt.setMemoryLimit(-1);
    if (this.ctx && this.snap) {
      const heap = this.heap()!;
      for (const [a, b] of this.ranges) heap.set(this.snap.subarray(a, b), a);
      this.restores++;
      this.fresh = true;
      return this.ctx;
    }
    this.disposeContext();
    const ctx = this.rt.newContext({ intrinsics: INTRINSICS });
    this.ctx = ctx;
    const eager = this.useSnapshot && this.heap() !== undefined;
    const sys = ctx.newFunction('__sys', (...hs) => {
      const op = ctx.getString(hs[0]);
      if (op === 'dispatch') {
        this.dispatchFn = hs[1].dup();
        this.keep.push(this.dispatchFn);
        return undefined;
      }
      if (op === 'eager') {
        this.stackAddr = hs[0].value as unknown as number;
        return eager ? ctx.true : ctx.false;
      }
      if (op === 'chunk') return this.evalChunk(ctx, ctx.getString(hs[1]), chunks, filename);
      return this.target?.(op, hs.slice(1));
    });
    ctx.setProp(ctx.global, '__sys', sys);
    sys.dispose();
    const r = ctx.evalCode(prelude, filename);
    if (r.error) {
      const e = ctx.dump(r.error) as { message?: string; stack?: string };
      r.error.dispose();
      throw new Error(`simulator prelude failed: ${e?.message} ${e?.stack ?? ''}`);
    }
    r.value.dispose();
    this.baselineBytes = this.memoryUsedBytes();
    if (eager) this.takeSnapshot(this.heap()!);
    this.fresh = true;
    return ctx;
  }

  /**
   * Keeps linear memory up to its last non-zero byte. Memory above it was never used: what a boot
   * leaves there is not restored (dlmalloc and QuickJS initialise what they allocate; calloc clears).
   * The longest run of zero pages below it is the unused part of the C stack (checked against an
   * address seen on the stack); it is skipped too, since no frame is live between boots.
   */
  private takeSnapshot(heap: Uint8Array): void {
    const PAGE = 65536;
    let hw = heap.length;
    while (hw > 0 && heap[hw - 1] === 0) hw--;
    hw = Math.min(heap.length, Math.ceil(hw / PAGE) * PAGE + PAGE);
    this.snap = heap.slice(0, hw);
    const zero = (p: number): boolean => {
      for (let i = p; i < p + PAGE; i++) if (heap[i] !== 0) return false;
      return true;
    };
    let best: [number, number] = [0, 0];
    let run = -1;
    for (let p = 0; p <= hw; p += PAGE) {
      const z = p < hw && zero(p);
      if (z && run < 0) run = p;
      if (!z && run >= 0) {
        if (p - run > best[1] - best[0]) best = [run, p];
        run = -1;
      }
    }
    const [g0, g1] = best;
    const isStack = g1 > g0 && this.stackAddr >= g0 && this.stackAddr < g1 + 4 * PAGE;
    this.ranges = isStack ? [[0, g0], [g1, hw]] : [[0, hw]];
  }

  private evalChunk(ctx: QuickJSContext, name: string, chunks: Record<string, string>, filename: string): QuickJSHandle {
    const src = chunks[name];
    if (src === undefined) throw new Error(`simulator: no API chunk '${name}'`);
    const r = ctx.evalCode(src, filename);
    if (r.error) {
      const e = ctx.dump(r.error) as { message?: string };
      r.error.dispose();
      throw new Error(`simulator: API chunk '${name}' failed: ${e?.message}`);
    }
    return r.value;
  }

  /** The current context is used by a boot; the next freshContext() must reset it. */
  markUsed(): void {
    this.fresh = false;
  }

  get isFresh(): boolean {
    return this.fresh;
  }

  memoryUsedBytes(): number {
    const ctx = this.ctx!;
    const h = this.rt.computeMemoryUsage();
    const u = ctx.dump(h) as { memory_used_size: number };
    h.dispose();
    return u.memory_used_size;
  }

  private disposeContext(): void {
    for (const h of this.keep.splice(0)) if (h.alive) h.dispose();
    this.dispatchFn = undefined;
    this.ctx?.dispose();
    this.ctx = undefined;
    this.snap = undefined;
  }

  /** Frees everything and returns the WebAssembly instance to the pool. */
  dispose(): void {
    this.disposeContext();
    this.rt.dispose();
    pool.push(this.mod);
  }
}
