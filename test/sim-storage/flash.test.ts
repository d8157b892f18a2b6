import { describe, expect, it } from 'vitest';
import { PowerLossError, SimFlash } from '../../sim/storage/flash.ts';

describe('SimFlash', () => {
  it('defaults to the ESP32 Storage area: 896 KB in 224 pages of 4 KB, erased to 0xFF', () => {
    const f = new SimFlash({});
    expect(f.size).toBe(917504);
    expect(f.pageCount).toBe(224);
    expect([...f.read(0, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  it('programs with NOR semantics and counts attempts to set bits without erase', () => {
    const f = new SimFlash({ bytes: 4096, pageBytes: 1024 });
    f.program(10, new Uint8Array([0x0f, 0xf0]));
    expect([...f.read(10, 2)]).toEqual([0x0f, 0xf0]);
    expect(f.overwriteWithoutErase).toBe(0);
    f.program(10, new Uint8Array([0xf1, 0x00])); // 0x0f & 0xf1 = 0x01: the 1 bits over 0 do nothing
    expect([...f.read(10, 2)]).toEqual([0x01, 0x00]);
    expect(f.overwriteWithoutErase).toBe(1);
    f.erasePage(0);
    expect([...f.read(10, 2)]).toEqual([0xff, 0xff]);
  });

  it('counts erases per page and reports wear', () => {
    const f = new SimFlash({ bytes: 8192, pageBytes: 1024 });
    f.erasePage(3); f.erasePage(3); f.erasePage(5);
    expect(f.eraseCounts[3]).toBe(2);
    const w = f.wearReport();
    expect(w).toMatchObject({ pages: 8, totalErases: 3, maxErases: 2, meanErases: 3 / 8 });
    expect(w.hottestPages[0]).toEqual({ page: 3, erases: 2 });
    expect(() => f.erasePage(8)).toThrow(RangeError);
  });

  it('failAfterBytes lets exactly n bytes land, then throws PowerLossError once', () => {
    const f = new SimFlash({ bytes: 2048, pageBytes: 1024 });
    f.failAfterBytes(3);
    expect(() => f.program(0, new Uint8Array([1, 2, 3, 4, 5]))).toThrow(PowerLossError);
    expect([...f.read(0, 5)]).toEqual([1, 2, 3, 0xff, 0xff]);
    f.program(5, new Uint8Array([9])); // disarmed
    expect(f.byteAt(5)).toBe(9);
  });

  it('failAfterOps interrupts the next op; an interrupted erase leaves a deterministic partial erase', () => {
    const mk = () => {
      const f = new SimFlash({ bytes: 2048, pageBytes: 1024 });
      f.program(0, new Uint8Array(1024));
      f.failAfterOps(1);
      f.program(1024, new Uint8Array([7]));
      expect(() => f.erasePage(0)).toThrow(PowerLossError);
      return f;
    };
    const a = mk().read(0, 1024);
    const b = mk().read(0, 1024);
    expect(a).toEqual(b);
    const ff = a.filter((x) => x === 0xff).length;
    expect(ff).toBeGreaterThan(100);
    expect(ff).toBeLessThan(924);
    const f = new SimFlash({ bytes: 2048, pageBytes: 1024 });
    f.failAfterOps(0);
    expect(() => f.program(0, new Uint8Array([0]))).toThrow(PowerLossError);
    expect(f.byteAt(0)).toBe(0xff);
  });

  it('snapshot/fromSnapshot restores contents and erase counts', () => {
    const f = new SimFlash({ bytes: 2048, pageBytes: 1024 });
    f.program(100, new Uint8Array([0x42]));
    f.erasePage(1);
    const g = SimFlash.fromSnapshot(f.snapshot());
    expect(g.byteAt(100)).toBe(0x42);
    expect([...g.eraseCounts]).toEqual([0, 1]);
    g.program(100, new Uint8Array([0]));
    expect(f.byteAt(100)).toBe(0x42); // independent copy
  });

  it('emits storage trace events for writes and erases', () => {
    const events: unknown[] = [];
    const f = new SimFlash({ bytes: 2048, pageBytes: 1024, trace: { emit: (k, d) => events.push({ k, ...d }) } });
    f.program(8, new Uint8Array(3));
    f.erasePage(1);
    expect(events).toEqual([{ k: 'storage', op: 'write', addr: 8, len: 3 }, { k: 'storage', op: 'erase', page: 1 }]);
  });
});
