/**
 * Provisioning one board over its serial console — ONE code path for a real USB-serial port and a
 * simulated board on a pty (sim/serve.ts): EspruinoTools through tools/lib/espruino-tools.ts.
 *
 *   connect → identify (process.env BOARD/VERSION → board definition) → stop the app (reset()) →
 *   read sn.cfg → factory check on the board (factory-check.ts) → plan → write sn.cfg + read it back
 *   byte-exact → record the device (registry) → firmware to .bootcde (optional, SHA-256 verified) →
 *   label → restart the app (load()).
 *
 * Consistency: the device row is written only after its config is verified on the board (planDevice /
 * addPlannedDevice in tools/lib/registry/provisioning.ts), in one transaction with its audit entry;
 * every failure appends one `provision.fail` audit entry (step, port, error) and leaves no device row.
 * `dryRun` writes nothing (board, registry, audit log, labels). Re-running on a provisioned board reads
 * its sn.cfg, finds the device, compares the config byte for byte with what the registry derives, and
 * repairs only what differs (config after a key rotation, a swapped SIM's ICCID/IMSI, missing firmware).
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError, isUserError } from '../errors.ts';
import { connect, type EspruinoConnection, type UploadProgress } from '../espruino-tools.ts';
import { listBoards, loadBoard, type LoadedBoard } from '../boards.ts';
import {
  addPlannedDevice, findDevicesByImei, loadFleetSecret, openRegistry, planDevice, plannedAsDevice, updateDeviceIdentity,
  type Device, type PlannedDevice, type Registry,
} from '../registry/index.ts';
import { CONFIG_FILE, deviceConfig } from './device-config.ts';
import { DEFAULT_TIMINGS, factoryCheckScript, interpretFactory, judgeFactory, parseFactoryOutput, type FactoryReport, type FactoryTimings } from './factory-check.ts';
import { checkFreeSpace, sha256Hex, upload, writeVerified, type FlashResult } from './firmware.ts';
import { writeLabel, type LabelFiles } from './label.ts';

export interface ProvisionOptions {
  port: string;
  /** board id or board file; default: the device's recorded board, or the only board matching process.env.BOARD */
  board?: string;
  id?: string;
  /** built bundle to write to .bootcde */
  firmware?: string;
  registry: string;
  fleet?: string;
  /** udp://host:port of the ingest */
  server?: string;
  apn?: string;
  sampleS?: number;
  uplinkS?: number;
  labelDir?: string;
  dryRun?: boolean;
  baud?: number;
  keyFile?: string;
  passphrase?: string;
  allowNoSignal?: boolean;
  timings?: Partial<FactoryTimings>;
  /** host-side wait for the factory check's marker (default: its board-side timeouts + 15 s) */
  factoryTimeoutMs?: number;
  onStep?: (step: Step, text: string) => void;
  onProgress?: (p: UploadProgress) => void;
}

export type Step = 'registry' | 'fleet-key' | 'connect' | 'identify' | 'stop-app' | 'read-config' | 'factory-check' | 'plan' | 'write-config' | 'record' | 'firmware' | 'label' | 'restart';

const STEP_TEXT: Record<Step, string> = {
  registry: 'opening the registry',
  'fleet-key': 'loading the fleet key',
  connect: 'connecting',
  identify: 'identifying the board',
  'stop-app': 'stopping the running app',
  'read-config': 'reading sn.cfg',
  'factory-check': 'factory check',
  plan: 'planning',
  'write-config': 'writing sn.cfg',
  record: 'recording the device',
  firmware: 'writing the firmware',
  label: 'writing the label',
  restart: 'restarting the app',
};

/** How often a new device is planned again when another run records its kid first. */
const MAX_PLANS = 3;

export type ProvisionAction = 'provisioned' | 'unchanged' | 'repaired' | 'dry-run';

export interface ProvisionResult {
  port: string;
  action: ProvisionAction;
  board: string;
  espruino: { board: string; version: string };
  device: { id: string; fleet: string; kid: string; keyVersion: number };
  factory: FactoryReport;
  /** what was done (or, for a dry run, what would be done), one line each */
  actions: string[];
  warnings: string[];
  labels?: LabelFiles;
  firmware?: FlashResult;
}

interface Server {
  host: string;
  port: number;
}

export function parseServer(url: string): Server {
  const m = /^udp:\/\/(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(url);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UserError('BAD_SERVER', `--server ${url}: expected udp://host:port of the ingest (e.g. udp://ingest.example.com:5683)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0 && v < 1e9)) throw new UserError('BAD_INTERVAL', `--${name} ${v}: must be a positive number of seconds`);
}

/** The board definition for what the port reports. */
async function resolveBoard(envBoard: string, wanted: string | undefined, port: string): Promise<LoadedBoard> {
  if (wanted !== undefined) {
    const b = await loadBoard(wanted);
    if (b.mcu.espruino.board !== envBoard) {
      throw new UserError('BOARD_MISMATCH', `${port} runs Espruino for BOARD=${envBoard}, but board ${b.id} runs the ${b.mcu.espruino.board} build`, {
        hint: 'check --board (sensornode boards lists them), or flash the matching Espruino build',
      });
    }
    return b;
  }
  const candidates: LoadedBoard[] = [];
  for (const s of await listBoards()) {
    if (s.abstract || !s.modem) continue;
    const b = await loadBoard(s.id);
    if (b.mcu.espruino.board === envBoard) candidates.push(b);
  }
  if (candidates.length === 1) return candidates[0]!;
  throw new UserError('BOARD_AMBIGUOUS', `${port} reports BOARD=${envBoard}; ${candidates.length ? `board definitions with that build: ${candidates.map((b) => b.id).join(', ')}` : 'no shipped board definition with a modem runs that build'}`, {
    hint: 'name the board: --board <id> (or a board file of your own)',
  });
}

interface Existing {
  text: string | undefined;
  json: Record<string, unknown> | undefined;
  id: string | undefined;
}

function parseExisting(text: unknown): Existing {
  if (typeof text !== 'string') return { text: undefined, json: undefined, id: undefined };
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    return { text, json: j, id: typeof j?.id === 'string' ? j.id : undefined };
  } catch {
    return { text, json: undefined, id: undefined };
  }
}

/** What changed between two configs, without ever printing key material. */
function configChanges(old: Record<string, unknown> | undefined, next: Record<string, unknown>): string[] {
  if (!old) return ['sn.cfg was not valid JSON'];
  const out: string[] = [];
  if (old.kv !== next.kv) out.push(`key version ${String(old.kv)} → ${String(next.kv)}`);
  else if (old.key !== next.key || old.iv !== next.iv) out.push('key material did not match the registry');
  for (const k of ['v', 'id', 'kid', 'host', 'port', 'apn', 'path', 'sampleS', 'uplinkS']) {
    if (old[k] !== next[k]) out.push(`${k} ${old[k] === undefined ? '(none)' : JSON.stringify(old[k])} → ${next[k] === undefined ? '(none)' : JSON.stringify(next[k])}`);
  }
  return out.length ? out : ['formatting differed'];
}

export async function provision(o: ProvisionOptions): Promise<ProvisionResult> {
  let step: Step = 'registry';
  let deviceId: string | undefined = o.id;
  let reg: Registry | undefined;
  let conn: EspruinoConnection | undefined;
  /** set once sn.cfg was rewritten on the board: what to put back if the device is not recorded after all */
  let rollback: { previous: string | undefined } | undefined;
  let fleetForLog: string | undefined;
  const go = (s: Step, text = STEP_TEXT[s]): void => {
    step = s;
    o.onStep?.(s, text);
  };
  try {
    positive('sample-s', o.sampleS);
    positive('uplink-s', o.uplinkS);
    const server = o.server !== undefined ? parseServer(o.server) : undefined;
    if (!existsSync(o.registry)) {
      throw new UserError('REGISTRY_MISSING', `${o.registry}: no registry file`, { hint: `create it with: sensornode fleet init <name> --registry ${o.registry}` });
    }
    reg = openRegistry(o.registry);
    const fleets = reg.listFleets();
    if (fleets.length === 0) throw new UserError('NO_FLEET', `${reg.path}: the registry has no fleet`, { hint: 'create one with: sensornode fleet init <name>' });
    const defaultFleet = o.fleet !== undefined ? reg.getFleet(o.fleet).name : fleets.length === 1 ? fleets[0]!.name : undefined;
    fleetForLog = defaultFleet;
    const secrets = new Map<string, Uint8Array>();
    const secretFor = (fleet: string): Uint8Array => {
      let s = secrets.get(fleet);
      if (!s) {
        go('fleet-key');
        s = loadFleetSecret(reg!, fleet, { keyFile: o.keyFile, passphrase: o.passphrase });
        secrets.set(fleet, s);
      }
      return s;
    };
    if (defaultFleet) secretFor(defaultFleet); // fail before touching the board

    go('connect');
    conn = await connect(o.port, { baud: o.baud });
    go('identify');
    const env = conn.env;
    const warnings: string[] = [];
    const actions: string[] = [];

    go('stop-app');
    await conn.resetBoard({ settleMs: 100 });

    go('read-config');
    const existing = parseExisting(await conn.expr<unknown>(`require("Storage").read(${JSON.stringify(CONFIG_FILE)})`));
    const recorded = existing.id !== undefined ? reg.findDevice(existing.id) : undefined;
    if (existing.text !== undefined && !existing.id) warnings.push(`${CONFIG_FILE} on the board is not a valid config; it will be replaced`);
    if (existing.id !== undefined) {
      if (o.id !== undefined && o.id !== existing.id) {
        throw new UserError('ID_MISMATCH', `the board is already provisioned as device "${existing.id}", not "${o.id}"`, {
          hint: `re-run without --id (or with --id ${existing.id}); a board changes identity only after its device is revoked and sn.cfg erased`,
        });
      }
      deviceId = existing.id;
      if (!recorded) {
        throw new UserError('UNKNOWN_DEVICE_ON_BOARD', `the board holds the config of device "${existing.id}" (kid ${String(existing.json?.kid)}), which is not in ${reg.path}`, {
          hint: 'pass the --registry it was provisioned with; a board from another fleet is never re-keyed silently',
        });
      }
      if (recorded.status === 'revoked') {
        throw new UserError('DEVICE_REVOKED', `the board holds device "${recorded.id}", which is revoked`, {
          hint: `a revoked identity is never reused: erase it on the board (require("Storage").erase("${CONFIG_FILE}")) and provision it as a new device`,
        });
      }
      if (o.fleet !== undefined && o.fleet !== recorded.fleet) throw new UserError('FLEET_MISMATCH', `device "${recorded.id}" belongs to fleet "${recorded.fleet}", not "${o.fleet}"`);
      fleetForLog = recorded.fleet;
    }

    go('identify');
    const board = await resolveBoard(env.BOARD, o.board ?? recorded?.board ?? undefined, o.port);
    if (!board.modem) throw new UserError('NO_MODEM', `board ${board.id} has no modem in its definition; a sensor node needs one`, { hint: 'choose a board with a modem (sensornode boards)' });
    if (board.mcu.espruino.version !== env.VERSION) warnings.push(`the board runs Espruino ${env.VERSION}; ${board.id} is defined for ${board.mcu.espruino.version}`);

    go('factory-check');
    const timings = { ...DEFAULT_TIMINGS, ...o.timings };
    const marker = `SN-FACTORY-${Math.random().toString(36).slice(2, 10)}`;
    await conn.statement(factoryCheckScript(board, marker, timings));
    const waitMs = o.factoryTimeoutMs ?? timings.bootWaitMs + timings.simWaitMs + 6 * timings.commandMs + 15000;
    try {
      await conn.waitForOutput(marker + ' {', waitMs);
      await conn.waitForOutput(new RegExp(`${marker} \\{[^\\n]*\\n`), 2000);
    } catch (e) {
      if (isUserError(e) && e.code === 'SERIAL_TIMEOUT') {
        throw new UserError('FACTORY_TIMEOUT', `the board did not report the factory check within ${waitMs} ms`, { hint: 'the board may have crashed or rebooted: check its console (sensornode monitor) and run again' });
      }
      throw e;
    }
    const raw = parseFactoryOutput(conn.output(), marker);
    if (!raw) throw new UserError('FACTORY_OUTPUT', 'the factory check printed a result that is not JSON', { hint: 'check the board console with sensornode monitor' });
    const factory = interpretFactory(raw, board.modem.model);
    warnings.push(...factory.warnings);
    judgeFactory(factory, board, { allowNoSignal: o.allowNoSignal });
    const identity = { board: board.id, modem: board.modem.model, imei: factory.imei ?? undefined, iccid: factory.iccid ?? undefined, imsi: factory.imsi ?? undefined };

    go('plan');
    let target: Device;
    let plan: PlannedDevice | undefined;
    if (recorded) {
      target = recorded;
    } else {
      const owners = factory.imei ? findDevicesByImei(reg, factory.imei).filter((d) => d.status === 'active') : [];
      const restoring = o.id !== undefined ? reg.findDevice(o.id) : undefined;
      if (restoring && owners.some((d) => d.id === restoring.id)) {
        target = restoring; // this board's modem is the one recorded for the device: its config was lost
        actions.push(`restoring device ${restoring.id} (modem IMEI ${factory.imei} recorded for it)`);
      } else {
        if (owners.length) {
          const y = owners[0]!;
          throw new UserError('DUPLICATE_MODEM', `the modem's IMEI ${factory.imei} is already recorded for device "${y.id}" (kid ${y.kidHex})`, {
            hint: `if this board lost its config, restore it with --id ${y.id}; if the modem moved to another board, revoke ${y.id} first (sensornode devices revoke ${y.id})`,
          });
        }
        if (!defaultFleet) throw new UserError('FLEET_AMBIGUOUS', `${reg.path} has ${fleets.length} fleets (${fleets.map((f) => f.name).join(', ')})`, { hint: 'pass --fleet <name>' });
        plan = planDevice(reg, defaultFleet, o.id);
        target = plannedAsDevice(reg, plan, identity);
      }
    }
    deviceId = target.id;
    fleetForLog = target.fleet;
    const fleet = reg.getFleet(target.fleet);
    const old = existing.json;
    const host = server?.host ?? (recorded && typeof old?.host === 'string' ? old.host : undefined);
    const port = server?.port ?? (recorded && typeof old?.port === 'number' ? old.port : undefined);
    if (host === undefined || port === undefined) {
      throw new UserError('NO_SERVER', 'no ingest address for the new config', { hint: 'pass --server udp://host:port (where `sensornode ingest` listens)' });
    }
    const keep = <T>(v: T | undefined, k: string, dflt: T): T => (v !== undefined ? v : recorded && old?.[k] !== undefined ? (old[k] as T) : dflt);
    const configFor = (device: Device) =>
      deviceConfig({
        device,
        fleet,
        rootSecret: secretFor(fleet.name),
        host,
        port,
        apn: keep(o.apn, 'apn', undefined as string | undefined),
        sampleS: keep(o.sampleS, 'sampleS', 900),
        uplinkS: keep(o.uplinkS, 'uplinkS', 3600),
        path: recorded && typeof old?.path === 'string' ? old.path : undefined,
      });
    let cfg = configFor(target);
    let cfgText = JSON.stringify(cfg);
    const cfgSame = existing.text === cfgText;
    const idChanges = recorded ? (['imei', 'iccid', 'imsi', 'board', 'modem'] as const).filter((k) => identity[k] !== undefined && identity[k] !== recorded[k]) : [];
    const newDevice = (p: PlannedDevice) => `new device ${p.id} (kid ${p.kidHex}) in fleet ${p.fleet}`;
    if (plan) actions.push(newDevice(plan));
    if (cfgSame) actions.push(`${CONFIG_FILE} verified: matches the registry (key version ${cfg.kv})`);
    else if (recorded) actions.push(`${CONFIG_FILE} rewritten: ${configChanges(old, cfg as unknown as Record<string, unknown>).join(', ')}`);
    else actions.push(`${CONFIG_FILE} written (${cfgText.length} B, key version ${cfg.kv})`);
    for (const k of idChanges) actions.push(`registry ${k} ${recorded![k] ?? '(none)'} → ${identity[k]}`);

    const firmware = o.firmware !== undefined ? readBundle(o.firmware) : undefined;

    if (o.dryRun) {
      if (firmware) actions.push(`firmware ${o.firmware} (${firmware.length} B, SHA-256 ${sha256Hex(firmware).slice(0, 16)}…) to .bootcde if it differs`);
      if (o.labelDir) actions.push(`label ${target.id}.png/.svg in ${o.labelDir}`);
      await restartApp(conn);
      return finish('dry-run');
    }

    let action: ProvisionAction = 'provisioned';
    // A new device is planned before its config is written and recorded after it is verified; another
    // run (another port, another operator) may record the same kid or generated id in between. Then plan
    // again and rewrite: at most MAX_PLANS times.
    for (let attempt = 1; ; attempt++) {
      if (!cfgSame) {
        go('write-config');
        if (attempt === 1) await checkFreeSpace(conn, [{ name: CONFIG_FILE, bytes: cfgText.length }, ...(firmware ? [{ name: '.bootcde', bytes: firmware.length }] : [])]);
        rollback ??= { previous: existing.text };
        await upload(conn, CONFIG_FILE, cfgText);
        const back = await conn.expr<unknown>(`require("Storage").read(${JSON.stringify(CONFIG_FILE)})`);
        if (back !== cfgText) {
          throw new UserError('CONFIG_VERIFY', `${CONFIG_FILE} read back from the board differs from what was written (${typeof back === 'string' ? back.length : 0} of ${cfgText.length} B)`, {
            hint: 'run provision again; if it repeats, the flash or the serial link is failing',
          });
        }
      }
      go('record');
      if (!plan) {
        const changed = updateDeviceIdentity(reg, target.id, identity);
        action = cfgSame && changed.length === 0 ? 'unchanged' : 'repaired';
        reg.appendLog({ action: 'provision.verify', fleet: target.fleet, device: target.id, detail: { port: o.port, result: action, actions } });
        break;
      }
      try {
        addPlannedDevice(reg, plan, identity, { action: 'provision.ok', detail: { port: o.port, board: board.id, modem: board.modem.model, imei: identity.imei, iccid: identity.iccid, imsi: identity.imsi, keyVersion: cfg.kv } });
        break;
      } catch (e) {
        const raced = isUserError(e) && (e.code === 'DUPLICATE_KID' || (e.code === 'DUPLICATE_DEVICE' && o.id === undefined));
        if (!raced || attempt >= MAX_PLANS) throw e;
        plan = planDevice(reg, plan.fleet, o.id);
        target = plannedAsDevice(reg, plan, identity);
        deviceId = target.id;
        cfg = configFor(target);
        cfgText = JSON.stringify(cfg);
        actions[0] = `${newDevice(plan)} (planned again: another run recorded the first plan's kid meanwhile)`;
      }
    }
    rollback = undefined; // recorded: the board's config and the registry agree from here on

    let flashed: FlashResult | undefined;
    if (firmware) {
      go('firmware');
      flashed = await writeVerified(conn, '.bootcde', firmware, { onProgress: o.onProgress, checkSpace: cfgSame });
      actions.push(flashed.uploaded ? `firmware written to .bootcde (${flashed.bytes} B, SHA-256 verified)` : 'firmware on the board already matches (SHA-256)');
      if (flashed.uploaded) {
        reg.appendLog({ action: 'provision.firmware', fleet: target.fleet, device: target.id, detail: { port: o.port, file: o.firmware, bytes: flashed.bytes, sha256: flashed.sha256 } });
        if (action === 'unchanged') action = 'repaired';
      }
    }

    let labels: LabelFiles | undefined;
    if (o.labelDir) {
      go('label');
      labels = await writeLabel(o.labelDir, { fleet: target.fleet, id: target.id, kidHex: target.kidHex, board: board.id, modem: board.modem.model, imei: identity.imei });
      actions.push(`label ${labels.png} and ${labels.svg}`);
    }

    go('restart');
    await restartApp(conn);
    return finish(action, labels, flashed);

    function finish(a: ProvisionAction, l?: LabelFiles, f?: FlashResult): ProvisionResult {
      return {
        port: o.port, action: a, board: board.id, espruino: { board: env.BOARD, version: env.VERSION },
        device: { id: target.id, fleet: target.fleet, kid: target.kidHex, keyVersion: cfg.kv }, factory, actions, warnings, labels: l, firmware: f,
      };
    }
  } catch (e) {
    let undone = '';
    if (rollback && conn) {
      // the device was not recorded: put the board's sn.cfg back as it was, so board and registry agree
      try {
        const prev = rollback.previous;
        if (prev === undefined) await conn.expr(`require("Storage").erase(${JSON.stringify(CONFIG_FILE)})`);
        else await upload(conn, CONFIG_FILE, Buffer.from(prev, 'latin1'));
        undone = `; ${CONFIG_FILE} on the board was ${prev === undefined ? 'erased' : 'restored'} again`;
      } catch (re) {
        undone = `; ${CONFIG_FILE} on the board could NOT be put back (${(re as Error).message}): run provision again on this board`;
      }
    }
    const err = isUserError(e)
      ? new UserError(e.code, `provision ${o.port}${deviceId ? ` (device ${deviceId})` : ''}: ${STEP_TEXT[step]} failed: ${e.message}${undone}`, {
          // an ESP32 in deep sleep has its UART off (espruino.md "Sleep"): it answers only while awake
          hint: e.code === 'SERIAL_SILENT' ? `${e.hint}; a board whose app deep-sleeps answers only while awake: press its reset (EN) button and run provision again at once` : e.hint,
          cause: e,
          exitCode: e.exitCode,
        })
      : e;
    if (reg && !o.dryRun && step !== 'registry') {
      try {
        reg.appendLog({ action: 'provision.fail', fleet: fleetForLog ?? null, device: deviceId ?? null, detail: { port: o.port, step, code: isUserError(e) ? e.code : 'INTERNAL', message: ((e as Error)?.message ?? String(e)) + undone } });
      } catch {
        // the original error matters more than a failed log write
      }
    }
    throw err;
  } finally {
    await conn?.close().catch(() => {});
    reg?.close();
  }
}

function readBundle(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError('FIRMWARE_READ', `--firmware ${path}: cannot read the bundle (${(e as Error).message})`, { hint: 'build it first: sensornode build <app>' });
  }
}

/** load() when the board has an app in .bootcde (reset() stopped it), so it runs with the new config. */
async function restartApp(conn: EspruinoConnection): Promise<void> {
  const has = await conn.expr<boolean>('require("Storage").list().indexOf(".bootcde")>=0');
  if (has) await conn.load({ settleMs: 200, timeoutMs: 1500 }); // an app that prints all the time never goes quiet
}

