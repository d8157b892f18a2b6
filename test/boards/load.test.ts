/**
 * Shipped boards load and validate; `extends` layering merges deeply (arrays replace); users can load
 * their own board files by path; unknown ids and cycles give clear errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MEMORY_FACTOR, listBoards, loadBoard, mergeBoardData, shippedBoardIds } from '../../tools/lib/boards.ts';
import { UserError } from '../../tools/lib/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));

async function loadError(idOrPath: string): Promise<UserError> {
  try {
    await loadBoard(idOrPath);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error(`loading ${idOrPath} did not fail`);
}

describe('shipped boards', () => {
  it('are the expected set', () => {
    expect(shippedBoardIds()).toEqual([
      'devkitc-bc660k',
      'devkitc-ec200u',
      'esp32-base',
      'esp32-devkitc',
      'lilygo-t-a7670',
      'lilygo-t-sim7080g-s3',
    ]);
  });

  for (const id of ['devkitc-bc660k', 'devkitc-ec200u', 'esp32-base', 'esp32-devkitc', 'lilygo-t-a7670', 'lilygo-t-sim7080g-s3']) {
    it(`${id} loads and validates`, async () => {
      const b = await loadBoard(id);
      expect(b.id).toBe(id);
      expect(b.file).toBe(`boards/${id}.ts`);
      expect(b.lineage[0]).toBe('esp32-base');
      expect(b.lineage[b.lineage.length - 1]).toBe(id);
      expect(b.mcu.memoryLimitBytes).toBe(b.mcu.jsVars * b.mcu.jsVarBytes * MEMORY_FACTOR);
      expect(b.power['mcu']?.['deepSleep']?.mA).toBeGreaterThan(0);
      for (const states of Object.values(b.power)) {
        for (const f of Object.values(states)) expect(f.source !== undefined || f.assumed === true).toBe(true);
      }
      if (!b.abstract) expect(b.battery).toBeDefined();
    });
  }

  it('carry the MCU facts from the Espruino reference', async () => {
    const b = await loadBoard('esp32-devkitc');
    expect(b.mcu).toMatchObject({
      chip: 'ESP32',
      jsVars: 16383,
      jsVarBytes: 14,
      storage: { bytes: 917504, pageBytes: 4096 },
      maxDeepSleepUs: 2147483647,
    });
    expect(b.console).toEqual({ serial: 'Serial1', tx: 'D1', rx: 'D3', baud: 115200 });
    expect(b.power['board']?.['quiescent']?.mA).toBeCloseTo(3.79);
  });

  it('the modem boards wire their modem as cited', async () => {
    const bc = await loadBoard('devkitc-bc660k');
    expect(bc.modem?.reset).toEqual({ pin: 'D4', activeHigh: true, pulseMs: 500 });
    expect(bc.power['modem']?.['psm']).toMatchObject({ mA: 0.0008 });
    expect(bc.i2c[0]?.devices).toEqual([{ type: 'SHT3x', address: 0x44, name: 'sht3x' }]);
    const s3 = await loadBoard('lilygo-t-sim7080g-s3');
    expect(s3.modem?.uart).toEqual({ serial: 'Serial2', tx: 'D5', rx: 'D4', baud: 115200 });
    expect(s3.modem?.pwrkey?.pin).toBe('D41');
    expect(s3.power['modem']?.['psm']?.mA).toBe(0.0032);
    expect(s3.power['modem']?.['sleep']?.mA).toBe(0.6);
    const a76 = await loadBoard('lilygo-t-a7670');
    expect(a76.modem?.uart).toMatchObject({ tx: 'D26', rx: 'D27' });
    expect(Object.values(a76.power['modem']!).every((f) => f.assumed === true)).toBe(true);
    const ec = await loadBoard('devkitc-ec200u');
    expect(ec.gpio).toMatchObject({ pulse: 'D25', alarm: 'D26' });
    expect(Object.values(ec.power['modem']!).every((f) => f.assumed === true)).toBe(true);
  });

  it('listBoards summarises every board and flags the abstract base', async () => {
    const list = await listBoards();
    expect(list.map((b) => b.id)).toEqual(shippedBoardIds());
    expect(list.find((b) => b.id === 'esp32-base')?.abstract).toBe(true);
    expect(list.find((b) => b.id === 'devkitc-bc660k')).toMatchObject({ chip: 'ESP32', modem: 'BC660K-GL', sensors: ['SHT3x', 'soil-moisture'] });
  });
});

describe('layering', () => {
  it('a derived board overrides a base field and inherits the rest', async () => {
    const base = await loadBoard('esp32-base');
    const s3 = await loadBoard('lilygo-t-sim7080g-s3');
    // overridden
    expect(s3.mcu.chip).toBe('ESP32-S3');
    expect(s3.mcu.espruino.board).toBe('ESP32S3_IDF4');
    expect(s3.power['mcu']?.['deepSleep']?.mA).toBe(0.008);
    // inherited from esp32-base
    expect(s3.mcu.jsVars).toBe(base.mcu.jsVars);
    expect(s3.mcu.storage).toEqual(base.mcu.storage);
    expect(s3.mcu.espruino.version).toBe('2v29');
    expect(s3.mcu.maxDeepSleepUs).toBe(base.mcu.maxDeepSleepUs);
  });

  it('inherits through two levels and merges power tables per component', async () => {
    const b = await loadBoard('devkitc-bc660k');
    expect(b.lineage).toEqual(['esp32-base', 'esp32-devkitc', 'devkitc-bc660k']);
    expect(b.power['mcu']?.['hibernation']?.mA).toBe(0.005); // from esp32-base
    expect(b.power['board']?.['quiescent']?.mA).toBe(3.79); // from esp32-devkitc
    expect(b.gpio).toEqual({ button: 'D0', led: 'D2' }); // from esp32-devkitc
    expect(Object.keys(b.power).sort()).toEqual(['board', 'mcu', 'modem', 'sht3x', 'soil']);
  });

  it('arrays replace instead of concatenating', () => {
    const merged = mergeBoardData(
      { adc: [{ pin: 'D34' }, { pin: 'D35' }], mcu: { jsVars: 1, storage: { bytes: 8 } } },
      { adc: [{ pin: 'D32' }], mcu: { storage: { pageBytes: 4 } } },
    );
    expect(merged).toEqual({ adc: [{ pin: 'D32' }], mcu: { jsVars: 1, storage: { bytes: 8, pageBytes: 4 } } });
  });

  it('loads a user board file by path, extending a shipped board by id', async () => {
    const b = await loadBoard(join(here, 'fixtures', 'my-probe.ts'));
    expect(b.id).toBe('my-probe');
    expect(b.lineage).toEqual(['esp32-base', 'esp32-devkitc', 'devkitc-bc660k', 'my-probe']);
    expect(b.i2c).toEqual([]);
    expect(b.adc).toEqual([{ pin: 'D32', role: 'soil-moisture', name: 'soil', fullScaleV: 3.3 }]);
    expect(b.modem?.uart.baud).toBe(9600);
    expect(b.modem?.apn).toBe('iot.example');
    expect(b.battery?.capacityMah).toBe(3000); // inherited
    expect(b.abstract).toBe(false);
  });

  it('loads a JSON board extending another user file by relative path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-boards-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify({ id: 'site-base', extends: 'esp32-devkitc', name: 'Site base', description: 'x', gpio: { led: 'D13' } }));
    writeFileSync(join(dir, 'node.json'), JSON.stringify({ id: 'site-node', extends: './base.json', name: 'Site node', gpio: { button: 'D14' } }));
    const b = await loadBoard(join(dir, 'node.json'));
    expect(b.lineage).toEqual(['esp32-base', 'esp32-devkitc', 'site-base', 'site-node']);
    expect(b.gpio).toEqual({ button: 'D14', led: 'D13' });
    expect(b.description).toBe('x');
  });
});

describe('loader errors', () => {
  it('an unknown id lists the known ids in one line', async () => {
    const e = await loadError('devkit-nope');
    expect(e.code).toBe('BOARD_UNKNOWN');
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain('unknown board "devkit-nope"');
    for (const id of shippedBoardIds()) expect(e.message).toContain(id);
  });

  it('an extends cycle is reported with the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-cycle-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ id: 'a', extends: './b.json' }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ id: 'b', extends: './a.json' }));
    const e = await loadError(join(dir, 'a.json'));
    expect(e.message).toMatch(/a\.json: extends cycle: .*a\.json → .*b\.json → .*a\.json/);
  });

  it('extends naming an unknown board says which file and lists the known ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-ext-'));
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ id: 'x', extends: 'esp32-devkit' }));
    const e = await loadError(join(dir, 'x.json'));
    expect(e.message).toMatch(/x\.json: extends unknown board "esp32-devkit"; known boards: devkitc-bc660k/);
  });

  it('a missing file and a file without a board object are reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-missing-'));
    expect((await loadError(join(dir, 'none.json'))).code).toBe('BOARD_NOT_FOUND');
    writeFileSync(join(dir, 'arr.json'), '[1, 2]');
    expect((await loadError(join(dir, 'arr.json'))).message).toMatch(/arr\.json: expected a JSON object, got an array/);
    writeFileSync(join(dir, 'bad.json'), '{ "id": ');
    expect((await loadError(join(dir, 'bad.json'))).message).toMatch(/bad\.json: cannot load board file/);
  });

  it('validation problems of a user file name that file and the field path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-invalid-'));
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ id: 'mine', extends: 'devkitc-bc660k', gpio: { led: 'D17' } }));
    const e = await loadError(file);
    expect(e.code).toBe('BOARD_INVALID');
    expect(e.message).toMatch(/mine\.json: gpio\.led D17 is already used by modem\.uart\.tx$/m);
  });
});
