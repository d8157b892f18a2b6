/**
 * `sensornode boards [--json] [--all]`: the shipped boards as a table (id, name, MCU, modem, sensors).
 * `sensornode boards show <id|path> [--json]`: one board with every resolved field and its power table
 * (each current with its source, or marked as an assumption). Thin handlers over tools/lib/boards.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import type { Board } from '../../boards/schema.ts';
import { listBoards, loadBoard, type BoardSummary, type LoadedBoard } from '../lib/boards.ts';

interface ListArgs {
  json?: boolean;
  all?: boolean;
}
interface ShowArgs {
  id: string;
  json?: boolean;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function formatBoardList(list: BoardSummary[]): string {
  const rows = [['ID', 'NAME', 'MCU', 'MODEM', 'SENSORS']];
  for (const b of list) {
    rows.push([b.abstract ? `${b.id} (base)` : b.id, b.name, b.chip, b.modem ?? '-', b.sensors.join(', ') || '-']);
  }
  return table(rows);
}

function line(l: { pin: string; activeHigh: boolean; pulseMs?: number } | undefined): string {
  if (!l) return '-';
  return `${l.pin} (active ${l.activeHigh ? 'high' : 'low'}${l.pulseMs !== undefined ? `, pulse ${l.pulseMs} ms` : ''})`;
}

function current(mA: number): string {
  if (mA === 0) return '0';
  if (mA < 1) return `${+(mA * 1000).toPrecision(4)} µA`;
  return `${+mA.toPrecision(4)} mA`;
}

export function formatBoard(b: LoadedBoard | Board): string {
  const out: string[] = [];
  const kv = (k: string, v: string) => out.push(`  ${k.padEnd(16)}${v}`);
  out.push(`${b.name} (${b.id})${'abstract' in b && b.abstract ? ' — base, extend it' : ''}`);
  out.push(`  ${b.description}`);
  kv('file', b.file ?? '-');
  kv('lineage', b.lineage.join(' → '));
  out.push('MCU');
  kv('chip', `${b.mcu.chip}, Espruino ${b.mcu.espruino.version} (BOARD ${b.mcu.espruino.board})`);
  kv('jsVars', `${b.mcu.jsVars} × ${b.mcu.jsVarBytes} B = ${b.mcu.jsVars * b.mcu.jsVarBytes} B`);
  kv('sim memory', `${b.mcu.memoryLimitBytes} B, stack ${b.mcu.stackLimitBytes} B`);
  kv('storage', `${b.mcu.storage.bytes / 1024} KB in ${b.mcu.storage.pageBytes} B pages`);
  kv('max deep sleep', `${b.mcu.maxDeepSleepUs} µs (${(b.mcu.maxDeepSleepUs / 60e6).toFixed(1)} min)`);
  kv('console', `${b.console.serial} TX ${b.console.tx} RX ${b.console.rx} @ ${b.console.baud}`);
  if (b.modem) {
    const m = b.modem;
    out.push(`Modem ${m.model}`);
    kv('uart', `${m.uart.serial} TX ${m.uart.tx} RX ${m.uart.rx} @ ${m.uart.baud}`);
    kv('pwrkey', line(m.pwrkey));
    kv('reset', line(m.reset));
    kv('wake', line(m.wake));
    if (m.ring) kv('ring', line(m.ring));
    if (m.powerEnable) kv('power enable', line(m.powerEnable));
    if (m.apn) kv('apn', m.apn);
  } else out.push('Modem: none');
  for (const bus of b.i2c) {
    out.push(`${bus.bus} SCL ${bus.scl} SDA ${bus.sda} @ ${bus.bitrate} Hz`);
    for (const d of bus.devices) kv(d.name, `${d.type} at 0x${d.address.toString(16)}`);
  }
  if (b.adc.length) {
    out.push('ADC');
    for (const a of b.adc) {
      const extra = [a.dividerRatio !== undefined ? `divider ×${a.dividerRatio}` : '', a.fullScaleV !== undefined ? `full scale ${a.fullScaleV} V` : '']
        .filter(Boolean)
        .join(', ');
      kv(a.name, `${a.pin} ${a.role}${extra ? ` (${extra})` : ''}`);
    }
  }
  const g = Object.entries(b.gpio).filter(([, v]) => v !== undefined);
  if (g.length) {
    out.push('GPIO');
    for (const [k, v] of g) kv(k, String(v));
  }
  if (b.battery) {
    const bt = b.battery;
    out.push('Battery');
    kv('cell', `${bt.chemistry}, ${bt.capacityMah} mAh at ${bt.nominalV} V${bt.assumed ? ' [assumed]' : ''}`);
    if (bt.source) kv('source', bt.source);
    if (bt.note) kv('note', bt.note);
  }
  out.push('Power (component / state / current / source; [assumed] = not a cited figure)');
  const rows: string[][] = [];
  for (const [comp, states] of Object.entries(b.power)) {
    for (const [state, f] of Object.entries(states)) {
      const src = f.assumed ? `[assumed] ${f.note ?? ''}`.trim() : `${f.source ?? ''}${f.note ? ` (${f.note})` : ''}`;
      rows.push([`  ${comp}`, state, current(f.mA), src]);
    }
  }
  if (rows.length) out.push(table(rows));
  if (b.notes?.length) {
    out.push('Notes');
    for (const n of b.notes) out.push(`  - ${n}`);
  }
  return out.join('\n');
}

const show: CommandModule<object, ShowArgs> = {
  command: 'show <id>',
  describe: 'Show one board (id or path of your own board file) with all resolved fields and its power table',
  builder: (y: Argv) =>
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'board id (see `sensornode boards`) or a board file path' })
      .option('json', { type: 'boolean', describe: 'Print the resolved board as JSON' }) as unknown as Argv<ShowArgs>,
  handler: async (args) => {
    const b = await loadBoard(args.id);
    console.log(args.json ? JSON.stringify(b, null, 2) : formatBoard(b));
  },
};

export default {
  command: 'boards',
  describe: 'List the supported boards, or show one (boards show <id>)',
  builder: (y: Argv) =>
    y
      .command(show as unknown as CommandModule)
      .option('json', { type: 'boolean', describe: 'Print JSON' })
      .option('all', { type: 'boolean', describe: 'Include abstract bases (e.g. esp32-base)' }) as unknown as Argv<ListArgs>,
  handler: async (args) => {
    const list = (await listBoards()).filter((b) => args.all || !b.abstract);
    console.log(args.json ? JSON.stringify(list, null, 2) : formatBoardList(list));
  },
} satisfies CommandModule<object, ListArgs>;
