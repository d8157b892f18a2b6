/**
 * Batch provisioning from a CSV file (RFC 4180: comma-separated, optional "quoted" fields, an
 * optional header line naming the columns):
 *
 *   port,board,id,apn
 *   /dev/ttyUSB0,devkitc-bc660k,,
 *   sim,devkitc-ec200u,meter-7,iot.example
 *
 * `port` is a serial device, or `sim`: a simulated board for that row, started in this process with
 * the row's board and its modem model (sim-board.ts) and provisioned through the same serial path.
 * Rows run one after another (EspruinoTools holds one connection per process), failed rows do not stop
 * the batch, and the result lists every row.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import type { SimFlash } from '../../../sim/storage/flash.ts';
import { provision, type ProvisionOptions, type ProvisionResult } from './provision.ts';
import { serveWithModem } from './sim-board.ts';

export interface BatchRow {
  /** 1-based data row number */
  row: number;
  /** `file:line` */
  source: string;
  port: string;
  board?: string;
  id?: string;
  apn?: string;
}

const COLUMNS = ['port', 'board', 'id', 'apn'] as const;

/** RFC 4180 fields of one line (no embedded newlines: ports and ids never hold one). */
function splitCsvLine(line: string, source: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new UserError('BATCH_CSV', `${source}: a quoted field is not closed`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new UserError('BATCH_CSV', `${source}: text after a closing quote at column ${i + 1}`);
    } else {
      while (i < line.length && line[i] !== ',') cell += line[i++];
    }
    out.push(cell.trim());
    if (i >= line.length) return out;
    i++; // the comma
  }
}

export function parseBatchCsv(text: string, file = 'batch.csv'): BatchRow[] {
  const rows: BatchRow[] = [];
  let columns: string[] = [...COLUMNS];
  const ids = new Map<string, string>();
  const ports = new Map<string, string>();
  text.split(/\r\n|\n|\r/).forEach((line, i) => {
    const source = `${file}:${i + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const cells = splitCsvLine(line, source);
    if (rows.length === 0 && cells[0]?.toLowerCase() === 'port') {
      const unknown = cells.filter((c) => !(COLUMNS as readonly string[]).includes(c.toLowerCase()));
      if (unknown.length) throw new UserError('BATCH_CSV', `${source}: unknown column(s) ${unknown.join(', ')}; the columns are ${COLUMNS.join(', ')}`);
      columns = cells.map((c) => c.toLowerCase());
      return;
    }
    if (cells.length > columns.length) throw new UserError('BATCH_CSV', `${source}: ${cells.length} fields, expected at most ${columns.length} (${columns.join(', ')})`);
    const get = (name: string): string | undefined => {
      const k = columns.indexOf(name);
      const v = k >= 0 ? cells[k] : undefined;
      return v === undefined || v === '' ? undefined : v;
    };
    const port = get('port');
    if (!port) throw new UserError('BATCH_CSV', `${source}: no port (a serial device path, or "sim")`);
    const row: BatchRow = { row: rows.length + 1, source, port, board: get('board'), id: get('id'), apn: get('apn') };
    if (port === 'sim' && !row.board) throw new UserError('BATCH_CSV', `${source}: a "sim" row needs its board (e.g. devkitc-bc660k)`);
    if (row.id) {
      if (ids.has(row.id)) throw new UserError('BATCH_CSV', `${source}: device id ${row.id} is also on ${ids.get(row.id)}`);
      ids.set(row.id, source);
    }
    if (port !== 'sim') {
      if (ports.has(port)) throw new UserError('BATCH_CSV', `${source}: port ${port} is also on ${ports.get(port)}`);
      ports.set(port, source);
    }
    rows.push(row);
  });
  if (rows.length === 0) throw new UserError('BATCH_CSV', `${file}: no rows to provision`);
  return rows;
}

export interface BatchRowResult {
  row: number;
  source: string;
  port: string;
  board: string;
  result: 'ok' | 'error';
  deviceId?: string;
  kid?: string;
  action?: ProvisionResult['action'];
  error?: string;
  code?: string;
  /** sim rows: the simulated board's flash after provisioning (to run it in simulate()) */
  flash?: SimFlash;
}

export interface BatchOptions extends Omit<ProvisionOptions, 'port' | 'board' | 'id' | 'apn' | 'onStep'> {
  rows: BatchRow[];
  /** virtual time per wall-clock time for `sim` rows (default 1) */
  simSpeed?: number;
  /** seed of the first `sim` row (each row gets seed + row number) */
  simSeed?: number;
  /** called before each row and after it */
  onRowStart?: (row: BatchRow, index: number, total: number) => void;
  onRowDone?: (r: BatchRowResult, index: number, total: number) => void;
}

export async function provisionBatch(o: BatchOptions): Promise<BatchRowResult[]> {
  const { rows, simSpeed, simSeed, onRowStart, onRowDone, ...common } = o;
  const results: BatchRowResult[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    onRowStart?.(row, i, rows.length);
    let sim: Awaited<ReturnType<typeof serveWithModem>> | undefined;
    let r: BatchRowResult;
    try {
      let port = row.port;
      if (port === 'sim') {
        sim = await serveWithModem({ board: row.board!, seed: (simSeed ?? 1) + row.row, speed: simSpeed ?? 1 });
        port = sim.path;
      }
      const p = await provision({ ...common, port, board: row.board, id: row.id, apn: row.apn });
      r = { row: row.row, source: row.source, port: row.port, board: p.board, result: 'ok', deviceId: p.device.id, kid: p.device.kid, action: p.action };
    } catch (e) {
      const err = e as Error & { code?: string };
      r = { row: row.row, source: row.source, port: row.port, board: row.board ?? '?', result: 'error', error: err.message ?? String(e), code: err.code };
      if (!(e instanceof UserError)) r.code = 'INTERNAL';
    } finally {
      if (sim) {
        await sim.close();
      }
    }
    if (sim) r.flash = sim.board.flash;
    results.push(r);
    onRowDone?.(r, i, rows.length);
  }
  return results;
}

export function readBatchFile(path: string): BatchRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError('BATCH_READ', `--batch ${path}: cannot read (${(e as Error).message})`);
  }
  return parseBatchCsv(text, path);
}

/** The summary table printed after a batch. */
export function summaryTable(results: BatchRowResult[]): string {
  const rows = [['ROW', 'PORT', 'BOARD', 'DEVICE', 'RESULT'], ...results.map((r) => [String(r.row), r.port, r.board, r.deviceId ? `${r.deviceId} (kid ${r.kid})` : '-', r.result === 'ok' ? r.action! : `FAILED ${r.error}`])];
  const w = rows[0]!.slice(0, 4).map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(w[i]!) : c)).join('  '));
  const failed = results.filter((r) => r.result === 'error').length;
  lines.push(`${results.length - failed} of ${results.length} rows provisioned${failed ? `, ${failed} failed` : ''}`);
  return lines.join('\n');
}
