/**
 * Exhaustive power-loss injection: a representative sequence of Storage calls is cut at every
 * programmed byte and at every program/erase operation; after each cut a fresh mount must show every
 * file either entirely as before the interrupted call or entirely as after it, consistent accounting,
 * and a working Storage.
 */
import { describe, expect, it } from 'vitest';
import { PowerLossError, SimFlash } from '../../sim/storage/flash.ts';
import { EspruinoStorage } from '../../sim/storage/storage.ts';

type State = Map<string, string>; // regular files, plus '#log' for the StorageFile 'log'
type Op = { name: string; run: (s: EspruinoStorage) => void; apply: (m: State) => void };

const PAGE = 256;
const PAGES = 24;
const FF = '\xff';
const app = Array.from({ length: 600 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
const line = (i: number) => `t=${1000 + i * 60},soil=${(30 + i * 0.7).toFixed(1)},bat=${(3.9 - i * 0.01).toFixed(2)}\n`;

function sfAppend(mode: 'w' | 'a', from: number, to: number): Op {
  return {
    name: `open('log','${mode}') + write lines ${from}..${to - 1}`,
    run: (s) => {
      const f = s.open('log', mode);
      for (let i = from; i < to; i++) f.write(line(i));
    },
    apply: (m) => {
      let v = mode === 'w' ? '' : (m.get('#log') ?? '');
      for (let i = from; i < to; i++) v += line(i);
      m.set('#log', v);
    },
  };
}

// Each StorageFile line is its own call, so split multi-line appends into single-write ops.
function sfLines(mode: 'w' | 'a', from: number, to: number): Op[] {
  const ops: Op[] = [];
  for (let i = from; i < to; i++) ops.push(sfAppend(i === from ? mode : 'a', i, i + 1));
  return ops;
}

const OPS: Op[] = [
  { name: "write cfg v1", run: (s) => s.write('cfg', 'interval=600;apn=iot.1nce.net'), apply: (m) => m.set('cfg', 'interval=600;apn=iot.1nce.net') },
  { name: 'writeJSON state 1', run: (s) => s.writeJSON('state', { fcnt: 1, boot: 1 }), apply: (m) => m.set('state', '{"fcnt":1,"boot":1}') },
  ...[0, 200, 400].map((o): Op => ({
    name: `upload app.js chunk @${o}`,
    run: (s) => s.write('app.js', app.slice(o, o + 200), o, 600),
    apply: (m) => m.set('app.js', app.slice(0, o + 200) + FF.repeat(400 - o)),
  })),
  { name: 'write cfg v2', run: (s) => s.write('cfg', 'interval=900;apn=iot.1nce.net;psm=1'), apply: (m) => m.set('cfg', 'interval=900;apn=iot.1nce.net;psm=1') },
  ...sfLines('w', 0, 9),
  { name: 'erase state', run: (s) => s.erase('state'), apply: (m) => m.delete('state') },
  { name: 'compact', run: (s) => { expect(s.compact()).toBe(true); }, apply: () => {} },
  { name: 'writeJSON state 2', run: (s) => s.writeJSON('state', { fcnt: 2, boot: 2, q: [1, 2, 3] }), apply: (m) => m.set('state', '{"fcnt":2,"boot":2,"q":[1,2,3]}') },
  ...sfLines('a', 9, 12),
  { name: 'compact again', run: (s) => { expect(s.compact()).toBe(true); }, apply: () => {} },
];

function observe(s: EspruinoStorage): State {
  const m: State = new Map();
  for (const n of s.list(undefined, { sf: false })) m.set(n, s.read(n)!);
  if (s.list(undefined, { sf: true }).includes('log')) {
    const v = s.open('log', 'r').read(1 << 20);
    if (v !== undefined) m.set('#log', v);
  }
  return m;
}

const states: State[] = [new Map()];
for (const op of OPS) {
  const m = new Map(states[states.length - 1]);
  op.apply(m);
  states.push(m);
}

function runUntilLoss(flash: SimFlash): number {
  const s = new EspruinoStorage(flash);
  for (let i = 0; i < OPS.length; i++) {
    try {
      OPS[i]!.run(s);
    } catch (e) {
      if (e instanceof PowerLossError) return i;
      throw e;
    }
  }
  return -1;
}

function checkConsistent(flash: SimFlash, opIndex: number, label: string): void {
  const before = states[opIndex]!;
  const after = states[opIndex + 1]!;
  const s = new EspruinoStorage(flash);
  const got = observe(s);
  const names = new Set([...before.keys(), ...after.keys(), ...got.keys()]);
  for (const n of names) {
    const g = got.get(n);
    const ok = g === before.get(n) || g === after.get(n);
    if (!ok) {
      throw new Error(`${label} during "${OPS[opIndex]!.name}": ${n} = ${JSON.stringify(g)}; expected ${JSON.stringify(before.get(n))} or ${JSON.stringify(after.get(n))}`);
    }
  }
  const st = s.getStats();
  expect(st.fileBytes + st.trashBytes + st.freeBytes, label).toBe(st.totalBytes);
  expect(s.getFree()).toBe(st.freeBytes);
  // Storage keeps working: a new file, a compaction and a reboot keep everything.
  expect(s.write('after', 'ok')).toBe(true);
  expect(s.compact()).toBe(true);
  const s2 = new EspruinoStorage(flash);
  expect(s2.getStats().trashCount).toBe(0);
  const got2 = observe(s2);
  got2.delete('after');
  expect(got2, label).toEqual(got);
  expect(s2.read('after')).toBe('ok');
}

describe('Storage power-loss consistency', () => {
  const clean = new SimFlash({ bytes: PAGE * PAGES, pageBytes: PAGE });
  expect(runUntilLoss(clean)).toBe(-1);
  const totalBytes = clean.programmedBytes;
  const totalOps = clean.programOps + clean.wearReport().totalErases;

  it('the uninterrupted sequence gives the expected files', () => {
    expect(observe(new EspruinoStorage(clean))).toEqual(states[states.length - 1]);
    expect(clean.overwriteWithoutErase).toBe(0);
  });

  it(`is consistent after power loss at every programmed byte`, () => {
    let cuts = 0;
    for (let n = 0; n < totalBytes; n++) {
      const f = new SimFlash({ bytes: PAGE * PAGES, pageBytes: PAGE });
      f.failAfterBytes(n);
      const i = runUntilLoss(f);
      expect(i, `byte ${n}`).toBeGreaterThanOrEqual(0);
      checkConsistent(f, i, `power loss after byte ${n}`);
      cuts++;
    }
    expect(cuts).toBe(totalBytes);
    expect(totalBytes).toBeGreaterThan(2000);
  });

  it(`is consistent after power loss at every program/erase operation (erases partial)`, () => {
    let erasesCut = 0;
    for (let n = 0; n < totalOps; n++) {
      const f = new SimFlash({ bytes: PAGE * PAGES, pageBytes: PAGE });
      f.failAfterOps(n);
      let caught: PowerLossError | undefined;
      const s = new EspruinoStorage(f);
      let i = 0;
      for (; i < OPS.length; i++) {
        try { OPS[i]!.run(s); } catch (e) { if (e instanceof PowerLossError) { caught = e; break; } throw e; }
      }
      expect(caught, `op ${n}`).toBeDefined();
      if (caught!.op === 'erase') erasesCut++;
      checkConsistent(f, i, `power loss at op ${n} (${caught!.op})`);
    }
    expect(erasesCut).toBeGreaterThan(10);
  });

  it('power loss during mount-time recovery is also survivable', () => {
    // Cut inside the first compaction's erase phase, then cut the recovery itself at each op.
    let n = 0;
    let idx = -1;
    for (; n < totalOps; n++) {
      const f = new SimFlash({ bytes: PAGE * PAGES, pageBytes: PAGE });
      f.failAfterOps(n);
      idx = runUntilLoss(f);
      if (OPS[idx]!.name === 'compact') break;
    }
    expect(OPS[idx]!.name).toBe('compact');
    for (let k = 0; k < 40; k++) {
      const f = new SimFlash({ bytes: PAGE * PAGES, pageBytes: PAGE });
      f.failAfterOps(n + 3);
      runUntilLoss(f);
      f.failAfterOps(k);
      try { new EspruinoStorage(f); } catch (e) { if (!(e instanceof PowerLossError)) throw e; }
      f.clearFailure();
      checkConsistent(f, idx, `recovery cut at op ${k}`);
    }
  });
});
