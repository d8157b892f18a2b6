/**
 * The console input line of Espruino's REPL, character by character as `jsiHandleChar()` and friends
 * in src/jsinteractive.c (Espruino 2v29) do it — independent of the JS engine, so it is testable alone:
 *
 *   printable / Tab      insert at the cursor (Tab → 4 spaces; this model has no tab completion)
 *   CR, LF, CR LF        end of line: execute when brackets are closed (brackets.ts), else a newline
 *                        and the `:` continuation prompt
 *   ESC LF               newline without executing ("Alt-Enter"; EspruinoTools' codeWriter sends it)
 *   DLE (0x10)           at the start of a line: no echo, no `=result`, no history for that line
 *   BS / DEL             backspace;  Ctrl-D, ESC[3~  delete forwards
 *   Ctrl-A / Ctrl-E      home / end of line;  ESC[H ESC[F ESC OH ESC OF ESC[1~ ESC[4~ likewise.
 *                        Ctrl-E on an empty line is ENQ: it prints `Espruino <version> <BOARD>`
 *                        (README_Protocol.md, since 2v25)
 *   Ctrl-U / Ctrl-W      clear the line;  ESC[2K likewise
 *   ESC[A / ESC[B        history (at the end of an empty or recalled line), else line up/down
 *   ESC[C / ESC[D        cursor right / left;  ESC[5~ ESC[6~  start / end of the input
 *   ESC[<n>d             line-number offset for the next executed line (EspruinoTools with line numbers)
 *   Ctrl-C (0x03)        clears the input line (Espruino handles it in the UART IRQ and clears the line
 *                        in the next idle loop; here it takes effect in order with the other bytes)
 *
 * Output follows jsiConsolePrint (`\n` → `\r\n`), jsiConsoleRemoveInputLine (cursor to start, `\r`,
 * `ESC[J`) and jsiConsoleReturnInputLine (`>` then the line, `:` after each newline).
 */
import { countBrackets } from './brackets.ts';

export interface LineEditorHost {
  /** Bytes to the console, as they are (latin1 string). */
  write(text: string): void;
  /** echo(1) state (JSIS_ECHO_OFF clear). */
  echoEnabled(): boolean;
  /**
   * Executes a complete line. Returns the `=` text (Espruino's JSON form of the result) or undefined
   * when nothing is to be printed (an error was reported, or the MCU stopped running JS).
   */
  execute(line: string, lineNumberOffset: number): string | undefined;
  /** The answer to ENQ (Ctrl-E on an empty line), e.g. "Espruino 2v29 ESP32". */
  enquiry?(): string;
}

const enum St {
  None,
  HadR,
  Esc,
  EscO,
  EscBracket,
  EscBracketNumber,
}

const MAX_HISTORY_LINE = 500; // jsiHistoryAddLine: "don't store history for lines of text over 500 chars"
const MAX_HISTORY = 50;

export class LineEditor {
  line = '';
  cursor = 0;
  /** True when the prompt and input line are not on screen (Espruino's inputLineRemoved). */
  inputLineRemoved = true;
  /** DLE at line start: JSIS_ECHO_OFF_FOR_LINE. */
  echoOffForLine = false;
  lineNumberOffset = 0;
  readonly history: string[] = [];
  private st: St = St.None;
  private stNumber = 0;
  private usedHistory = false;

  constructor(private readonly host: LineEditorHost) {}

  /** A fresh interpreter (power-on, reset(), load()): empty line, prompt not shown, history gone. */
  reset(): void {
    this.line = '';
    this.cursor = 0;
    this.st = St.None;
    this.echoOffForLine = false;
    this.lineNumberOffset = 0;
    this.inputLineRemoved = true;
    this.history.length = 0;
    this.usedHistory = false;
  }

  /** jsiEcho(): echo on and not switched off for this line. */
  echo(): boolean {
    return this.host.echoEnabled() && !this.echoOffForLine;
  }

  private show(): boolean {
    return this.echo() && !this.inputLineRemoved;
  }

  /** jsiConsolePrint: `\n` becomes `\r\n`. */
  print(s: string): void {
    this.host.write(s.replace(/\n/g, '\r\n'));
  }

  private raw(s: string): void {
    if (s) this.host.write(s);
  }

  // ------------------------------------------------------------------ screen

  /** jsiConsoleRemoveInputLine: before other output is printed, the prompt line is erased. */
  removeInputLine(): void {
    if (this.inputLineRemoved) return;
    this.inputLineRemoved = true;
    if (this.echo()) {
      this.moveCursorChar(this.cursor, 0);
      this.raw('\r\x1B[J');
    }
  }

  /** jsiConsoleReturnInputLine: puts the prompt and the current input back. */
  returnInputLine(): void {
    if (!this.inputLineRemoved) return;
    this.inputLineRemoved = false;
    if (this.echo()) {
      this.raw('>');
      this.printWithContinuation(0);
      this.moveCursorChar(this.line.length, this.cursor);
    }
  }

  private printWithContinuation(from: number): void {
    this.raw(this.line.slice(from).replace(/\n/g, '\r\n:'));
  }

  private moveCursorChar(from: number, to: number): void {
    if (from === to) return;
    const [oy, ox] = lineAndCol(this.line, from);
    const [ny, nx] = lineAndCol(this.line, to);
    this.moveCursor(ox, oy, nx, ny);
  }

  private moveCursor(ox: number, oy: number, nx: number, ny: number): void {
    let s = '';
    for (; ox < nx; ox++) s += '\x1B[C';
    for (; ox > nx; ox--) s += '\x1B[D';
    for (; oy < ny; oy++) s += '\x1B[B';
    for (; oy > ny; oy--) s += '\x1B[A';
    if (s) this.raw(s);
  }

  /** Ctrl-C: the input line is cleared (erased on screen); nothing happens on an empty line. */
  ctrlC(): void {
    this.st = St.None;
    this.echoOffForLine = false;
    this.clearLine(true);
  }

  private clearLine(updateConsole: boolean): void {
    if (this.line === '') return;
    if (updateConsole) this.removeInputLine();
    this.line = '';
    this.cursor = 0;
  }

  // ------------------------------------------------------------------ input

  /** Handles one received byte (0..255 as a latin1 character). */
  handleChar(ch: string): void {
    const c = ch.charCodeAt(0);
    if (c === 0) {
      this.st = St.None;
    } else if (c === 0x01) this.home();
    else if (c === 0x03) this.ctrlC();
    else if (c === 0x04) this.del(false);
    else if (c === 0x05) {
      if (this.line === '' && this.host.enquiry) {
        this.removeInputLine();
        this.print(this.host.enquiry() + '\n');
      } else this.end();
    }
    else if (c === 0x15 || c === 0x17) this.clearLine(true);
    else if (c === 0x1b) this.st = St.Esc;
    else if (this.st === St.Esc) {
      this.st = St.None;
      if (c === 79) this.st = St.EscO;
      else if (c === 91) this.st = St.EscBracket;
      else if (c === 10) this.newLine(false);
    } else if (this.st === St.EscO) {
      this.st = St.None;
      if (c === 70) this.end();
      else if (c === 72) this.home();
      else if (c === 111) this.handleChar('/');
      else if (c === 106) this.handleChar('*');
      else if (c === 109) this.handleChar('-');
      else if (c === 107) this.handleChar('+');
      else if (c === 77) this.handleChar('\r');
    } else if (this.st === St.EscBracket) {
      this.st = St.None;
      if (c >= 48 && c <= 57) {
        this.stNumber = c - 48;
        this.st = St.EscBracketNumber;
      } else if (c === 68) this.left();
      else if (c === 67) this.right();
      else if (c === 65) this.upDown(true);
      else if (c === 66) this.upDown(false);
      else if (c === 70) this.end();
      else if (c === 72) this.home();
    } else if (this.st === St.EscBracketNumber) {
      if (c >= 48 && c <= 57) this.stNumber = (10 * this.stNumber + c - 48) & 0xffff;
      else {
        if (ch === 'd') this.lineNumberOffset = this.stNumber;
        else if (ch === 'K' && this.stNumber === 2) this.clearLine(true);
        else if (c === 126) {
          if (this.stNumber === 1) this.home();
          else if (this.stNumber === 3) this.del(false);
          else if (this.stNumber === 4) this.end();
          else if (this.stNumber === 5) this.pageUpDown(false);
          else if (this.stNumber === 6) this.pageUpDown(true);
        }
        this.st = St.None;
      }
    } else if (c === 0x10 && this.line.length === 0) {
      // DLE: "execute just this line without echo" (jsinteractive.c; README_Protocol.md)
      this.echoOffForLine = true;
    } else {
      const hadR = this.st === St.HadR;
      this.st = St.None;
      if (c === 0x08 || c === 0x7f) this.del(true);
      else if (c === 10 && hadR) {
        // CR LF: already handled on CR
      } else if (c === 13 || c === 10) {
        if (c === 13) this.st = St.HadR;
        this.newLine(true);
      } else if (c >= 32 || c === 9) this.insert(c === 9 ? '    ' : ch);
    }
  }

  private insert(s: string): void {
    this.aboutToEdit();
    if (this.cursor >= this.line.length) {
      this.line += s;
    } else {
      this.line = this.line.slice(0, this.cursor) + s + this.line.slice(this.cursor);
      if (this.show()) this.printUntilEol(this.cursor, true);
    }
    this.cursor += s.length;
    if (this.show()) this.print(s);
  }

  /** jsiConsolePrintStringVarUntilEOL with `andBackup`: prints to the end of the screen line, wipes one more, moves back. */
  private printUntilEol(from: number, andBackup: boolean): void {
    let end = this.line.indexOf('\n', from);
    if (end < 0) end = this.line.length;
    const s = this.line.slice(from, end);
    this.raw(s);
    if (andBackup) this.raw(' ' + '\x08'.repeat(s.length + 1));
  }

  private del(isBackspace: boolean): void {
    const l = this.line.length;
    if (isBackspace && this.cursor === 0) return;
    if (!isBackspace && this.cursor >= l) return;
    const p = isBackspace ? this.cursor - 1 : this.cursor;
    const deleteNewline = this.line[p] === '\n';
    if (deleteNewline && this.show()) {
      this.raw('\x1B[J');
      if (isBackspace) {
        this.raw('\x08 ');
        this.moveCursorChar(this.cursor, this.cursor - 1);
      }
    }
    this.line = this.line.slice(0, p) + this.line.slice(p + 1);
    if (isBackspace) this.cursor--;
    if (this.show()) {
      if (deleteNewline) {
        this.printWithContinuation(this.cursor);
        this.moveCursorChar(this.line.length, this.cursor);
      } else {
        if (isBackspace) this.raw('\x08');
        this.printUntilEol(this.cursor, true);
      }
    }
  }

  private home(): void {
    while (this.cursor > 0 && this.line[this.cursor - 1] !== '\n') {
      if (this.show()) this.raw('\x08');
      this.cursor--;
    }
  }

  private end(): void {
    while (this.cursor < this.line.length && this.line[this.cursor] !== '\n') {
      if (this.show()) this.raw(this.line[this.cursor]);
      this.cursor++;
    }
  }

  private left(): void {
    if (this.cursor > 0 && this.line[this.cursor - 1] !== '\n') {
      this.cursor--;
      if (this.show()) this.raw('\x1B[D');
    }
  }

  private right(): void {
    if (this.cursor < this.line.length && this.line[this.cursor] !== '\n') {
      this.cursor++;
      if (this.show()) this.raw('\x1B[C');
    }
  }

  private pageUpDown(down: boolean): void {
    const [y, x] = lineAndCol(this.line, this.cursor);
    this.cursor = down ? this.line.length : 0;
    const [ny, nx] = lineAndCol(this.line, this.cursor);
    this.moveCursor(x, y, nx, ny);
  }

  private upDown(up: boolean): void {
    const l = this.line.length;
    if ((l === 0 || this.history.includes(this.line)) && this.cursor === l) {
      this.changeToHistory(up);
      return;
    }
    const lines = this.line.split('\n').length;
    const [y, x] = lineAndCol(this.line, this.cursor);
    const ny = Math.min(lines, Math.max(1, y + (up ? -1 : 1)));
    this.cursor = indexFromLineAndCol(this.line, ny, x);
    const [ry, rx] = lineAndCol(this.line, this.cursor);
    if (this.show()) this.moveCursor(x, y, rx, ry);
  }

  private changeToHistory(previous: boolean): void {
    const idx = this.history.indexOf(this.line);
    let next: string | undefined;
    if (idx >= 0) next = previous ? this.history[idx - 1] : this.history[idx + 1];
    else if (previous) next = this.history[this.history.length - 1];
    if (next !== undefined) {
      this.replaceLine(next);
      this.usedHistory = true;
    } else if (!previous) {
      if (this.show()) {
        this.moveCursorChar(this.cursor, 0);
        this.raw('\x1B[J');
      }
      this.line = '';
      this.cursor = 0;
    }
  }

  private replaceLine(s: string): void {
    if (this.show()) {
      this.moveCursorChar(this.cursor, 0);
      this.raw('\x1B[J');
      this.raw(s.replace(/\n/g, '\r\n:'));
    }
    this.line = s;
    this.cursor = s.length;
  }

  private aboutToEdit(): void {
    this.usedHistory = false;
  }

  private atEndOfLine(): boolean {
    return this.line.slice(this.cursor).trim() === '';
  }

  /** jsiHandleNewLine(execute). */
  private newLine(execute: boolean): void {
    if (!this.atEndOfLine()) {
      this.aboutToEdit();
      if (this.show()) this.raw('\x1B[J');
      this.line = this.line.slice(0, this.cursor) + '\n' + this.line.slice(this.cursor);
      if (this.show()) {
        this.raw('\r\n:');
        this.printWithContinuation(this.cursor + 1);
        this.moveCursorChar(this.line.length, this.cursor + 1);
      }
      this.cursor++;
      return;
    }
    if (!execute || countBrackets(this.line) > 0) {
      if (this.show()) this.print('\n:');
      this.aboutToEdit();
      this.line += '\n';
      this.cursor = this.line.length;
      return;
    }
    if (this.show()) this.print('\n');
    if (!this.echoOffForLine) this.inputLineRemoved = true;
    const toRun = this.line.replace(/\s+$/, '');
    this.line = '';
    this.cursor = 0;
    const isEmpty = toRun.length === 0;
    const offset = this.lineNumberOffset;
    const value = this.host.execute(toRun, offset);
    if (!isEmpty && this.echo()) this.addHistory(toRun);
    this.lineNumberOffset = 0;
    if (this.echo() && value !== undefined && !isEmpty) this.print(`=${value}\n`);
    this.echoOffForLine = false;
  }

  private addHistory(s: string): void {
    if (s.length === 0 || s.length > MAX_HISTORY_LINE) return;
    const i = this.history.indexOf(s);
    if (i >= 0) this.history.splice(i, 1);
    this.history.push(s);
    if (this.history.length > MAX_HISTORY) this.history.shift();
  }
}

/** jsvGetLineAndCol: 1-based line and column of character index `pos`. */
export function lineAndCol(s: string, pos: number): [number, number] {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < s.length; i++) {
    if (s[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return [line, col];
}

/** jsvGetIndexFromLineAndCol: the index at (line, col), clamped to the end of that line. */
export function indexFromLineAndCol(s: string, line: number, col: number): number {
  let l = 1;
  let i = 0;
  while (l < line && i < s.length) {
    if (s[i] === '\n') l++;
    i++;
  }
  let c = 1;
  while (c < col && i < s.length && s[i] !== '\n') {
    c++;
    i++;
  }
  return i;
}
