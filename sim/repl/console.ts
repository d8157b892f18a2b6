/**
 * Espruino's interactive console on a simulated board: bytes arriving on the console UART (Serial1,
 * UART0 on the ESP32) are edited by the line editor (line-editor.ts) and complete lines are evaluated
 * in the board's running JS world (SimBoard.evalInContext → JsWorld.evalForRepl), so `print()`,
 * Storage writes, `E.setBootCode`, `reset()`, `load()` and `save()` act on the simulated MCU and its
 * flash exactly as the firmware's own calls do.
 *
 * What the console prints, after src/jsinteractive.c (Espruino 2v29):
 *   - at each start of the interpreter: boot-file output, then (echo on, no saved RAM image) the banner
 *     (banner.ts), a newline and the `>` prompt. `load()` without a file restarts silently (saved state is
 *     reloaded); `load(file)` and `reset()` show the banner; a hardware boot (power-on, deep-sleep wake,
 *     E.reboot, power loss) turns echo back on and shows it too.
 *   - firmware output (print, console.log, uncaught errors) first removes the prompt line
 *     (`\r ESC[J`), and the prompt with the current input comes back afterwards;
 *   - a line that calls `reset()`/`load()` still reports `=undefined` (Espruino only flags the restart
 *     and performs it in the next idle loop).
 *
 * Input is held while the MCU is busy or restarting (Espruino keeps it in its input buffer) and
 * dropped while the MCU is in deep sleep or off (the UART is unpowered).
 */
import { SimBoard, type SimBoardOptions } from '../board/sim-board.ts';
import { espruinoBanner } from './banner.ts';
import { LineEditor } from './line-editor.ts';
import { NAK, PacketHandler } from './packets.ts';

/** A packet being received after DLE SOH: header bytes, then data (packets.ts). */
interface RxPacket {
  header: string;
  data: string;
  timeout: number;
}

/** README_Protocol.md: an unfinished packet is answered with NAK after 1 s. */
const PACKET_TIMEOUT_MS = 1000;

/** Interpreter starts as SimBoard.onJsStart reports them. */
type StartCause = 'powerOn' | 'timer' | 'ext0' | 'ext1' | 'reset' | 'powerLoss' | 'load' | 'resetJs';

const HARDWARE_BOOTS = new Set<string>(['powerOn', 'timer', 'ext0', 'ext1', 'reset', 'powerLoss']);

export class EspruinoConsole {
  readonly editor: LineEditor;
  readonly packets: PacketHandler;
  /** Received bytes not yet handled: `queue` from index `qpos` on (an index, so long uploads stay linear). */
  private queue = '';
  private qpos = 0;
  private lastWasDle = false;
  private rxPacket: RxPacket | undefined;
  private booting = true;
  private returnScheduled = false;
  private pumpAt: number | undefined;
  /** A REPL line stopped the JS world (reset(), load(), deep sleep, reboot); `echo`: it was echoed. */
  private haltedLine: { echo: boolean } | undefined;

  constructor(
    readonly board: SimBoard,
    private readonly out: (text: string) => void,
  ) {
    this.editor = new LineEditor({
      write: (t) => this.out(t),
      echoEnabled: () => this.board.echo,
      execute: (line) => this.execute(line),
      enquiry: () => `Espruino ${this.version} ${this.board.board.mcu.espruino.board}`,
    });
    this.packets = new PacketHandler({
      send: (t) => this.out(t),
      evaluate: (code) => this.evaluateJson(code),
      print: (t) => {
        this.editor.removeInputLine();
        this.editor.print(t);
      },
      writeFile: (name, bytes, offset, size) => {
        this.board.storage.write(name, bytes, offset, size);
      },
      readFile: (name) => this.board.storage.readBytes(name),
    });
    board.setConsoleInputHandler((bytes) => this.input(bytes));
    board.onConsoleOutput((text) => this.firmwareOutput(text));
    board.onJsStart((start) => this.worldStarting(start.cause, start.file));
  }

  /** Bytes received on the console UART. */
  input(bytes: Uint8Array | string): void {
    if (this.board.state === 'deepSleep' || this.board.state === 'off') return;
    if (this.qpos > 4096) {
      this.queue = this.queue.slice(this.qpos);
      this.qpos = 0;
    }
    this.queue += typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
    this.pump();
  }

  /** True while the interpreter can take console input now. */
  get ready(): boolean {
    const w = this.board.world;
    return !this.booting && this.board.state === 'awake' && w !== undefined && !w.halted;
  }

  private pump(): void {
    while (this.qpos < this.queue.length) {
      if (!this.ready) return;
      const w = this.board.world!;
      const now = this.board.now();
      if (now < w.busyUntil) {
        // The MCU is still running earlier JS: the bytes wait in the input buffer.
        if (this.pumpAt !== w.busyUntil) {
          this.pumpAt = w.busyUntil;
          this.board.sched.at(w.busyUntil, () => {
            this.pumpAt = undefined;
            this.pump();
          }, 'console');
        }
        return;
      }
      if (this.rxPacket) {
        if (!this.takePacketBytes()) return;
        continue;
      }
      const ch = this.queue[this.qpos++];
      if (ch === '\x01' && this.lastWasDle) {
        // DLE SOH: a packet, not Ctrl-A (README_Protocol.md). The DLE did not start an echo-off line.
        this.lastWasDle = false;
        this.editor.echoOffForLine = false;
        const timeout = this.board.sched.after(PACKET_TIMEOUT_MS, () => {
          if (this.rxPacket?.timeout !== timeout) return;
          this.rxPacket = undefined;
          this.out(NAK);
        }, 'packet');
        this.rxPacket = { header: '', data: '', timeout };
        continue;
      }
      this.lastWasDle = ch === '\x10';
      this.editor.handleChar(ch);
    }
    if (this.ready) this.editor.returnInputLine();
  }

  /** Moves queued bytes into the packet being received; handles it when complete. False: wait for more. */
  private takePacketBytes(): boolean {
    const p = this.rxPacket!;
    while (p.header.length < 2 && this.qpos < this.queue.length) p.header += this.queue[this.qpos++];
    if (p.header.length < 2) return false;
    const flags = (p.header.charCodeAt(0) << 8) | p.header.charCodeAt(1);
    const need = (flags & 0x1fff) - p.data.length;
    const take = this.queue.slice(this.qpos, this.qpos + Math.max(0, need));
    p.data += take;
    this.qpos += take.length;
    if (p.data.length < (flags & 0x1fff)) return false;
    this.board.sched.cancel(p.timeout);
    this.rxPacket = undefined;
    this.packets.handle(flags, p.data);
    return true;
  }

  /** Evaluates code for a packet (no echo, no history); the value's relaxed-JSON form or undefined on error. */
  private evaluate(code: string): string | undefined {
    const errors = this.board.errors.length;
    const v = this.board.evalInContext(code);
    return this.board.errors.length > errors ? undefined : v;
  }

  /** A value as JSON text for an EVAL packet; 'undefined' when JSON has no form for it; undefined on error. */
  private evaluateJson(code: string): string | undefined {
    const v = this.evaluate(`JSON.stringify(eval(${JSON.stringify(code)}))`);
    if (v === undefined) return undefined;
    if (v === 'undefined') return 'undefined';
    const s = JSON.parse(v) as unknown;
    return typeof s === 'string' ? s : undefined;
  }

  private execute(line: string): string | undefined {
    if (line === '') return undefined;
    const w = this.board.world!;
    const errors = this.board.errors.length;
    const value = this.board.evalInContext(line);
    if (this.board.errors.length > errors) return undefined;
    if (w.halted) {
      // The line stopped the JS world: reset()/load() (reported when the new world starts) or deep
      // sleep / a reboot (which never return).
      this.haltedLine = { echo: this.editor.echo() };
      return undefined;
    }
    return value;
  }

  /** Console output of the firmware (print, errors) while the console is on this UART. */
  private firmwareOutput(text: string): void {
    if (this.board.consoleDevice !== 'Serial1') return;
    this.editor.removeInputLine();
    this.out(text);
    if (!this.returnScheduled) {
      this.returnScheduled = true;
      this.board.sched.at(this.board.now(), () => {
        this.returnScheduled = false;
        if (this.ready && this.qpos >= this.queue.length) this.editor.returnInputLine();
      }, 'console');
    }
  }

  /** A JS world is starting, before its boot files run (SimBoard.onJsStart). `file`: load(file). */
  private worldStarting(cause: StartCause, file: string | undefined): void {
    const halted = this.haltedLine;
    this.haltedLine = undefined;
    // Espruino's reset()/load() only flag the restart, so the line that called them reports =undefined.
    if (halted?.echo && (cause === 'load' || cause === 'resetJs')) this.out('=undefined\r\n');
    this.booting = true;
    const promptWasRemoved = this.editor.inputLineRemoved;
    this.editor.reset();
    // load() without a file reloads the saved state quietly: no banner, no newline, and the prompt
    // stays as it was (jsiIdle JSIS_TODO_FLASH_LOAD → jsiSoftInit, no jsiSemiInit).
    const quiet = cause === 'load' && file === undefined;
    if (quiet) this.editor.inputLineRemoved = promptWasRemoved;
    if (HARDWARE_BOOTS.has(cause)) {
      this.queue = ''; // a reboot loses whatever was in the UART's input buffer
      this.qpos = 0;
      if (this.rxPacket) this.board.sched.cancel(this.rxPacket.timeout);
      this.rxPacket = undefined;
      this.lastWasDle = false;
      this.board.echo = true;
    } else if (cause === 'resetJs' || file !== undefined) {
      this.board.echo = true; // jsiSemiInit clears the status flags; only load() restores saved state
    }
    // load(file) prints the banner before it runs the file; other starts print it after the boot files.
    const loadFile = cause === 'load' && file !== undefined;
    if (loadFile && this.board.echo) this.out(espruinoBanner(this.version));
    const savedImage = this.board.storage.readBytes('.varimg') !== undefined;
    const banner = !loadFile && (cause === 'resetJs' || (HARDWARE_BOOTS.has(cause) && !savedImage));
    this.board.sched.at(this.board.now(), () => this.started(banner, quiet), 'console');
  }

  private started(banner: boolean, quiet: boolean): void {
    this.booting = false;
    if (this.board.state !== 'awake' || !this.board.world || this.board.world.halted) return;
    if (!quiet) {
      if (this.board.echo) {
        if (banner) this.out(espruinoBanner(this.version));
        this.out('\r\n');
      }
      this.editor.inputLineRemoved = true;
    }
    this.pump();
    if (this.ready) this.editor.returnInputLine();
  }

  private get version(): string {
    return this.board.board.mcu.espruino.version;
  }
}

/**
 * Creates a SimBoard whose console is the Espruino REPL: output (banner, echo, `=results`, firmware
 * output) goes to `output`. The board is wired but not powered: call `board.powerOn()`.
 */
export async function createConsoleBoard(
  opts: SimBoardOptions & { output: (text: string) => void },
): Promise<{ board: SimBoard; console: EspruinoConsole }> {
  const { output, ...boardOpts } = opts;
  const board = await SimBoard.create(boardOpts);
  return { board, console: new EspruinoConsole(board, output) };
}
