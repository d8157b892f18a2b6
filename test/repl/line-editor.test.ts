// The console line editor alone (no JS engine): the bytes Espruino 2v29 sends back for typed input,
// per src/jsinteractive.c jsiHandleChar / jsiHandleNewLine, and when a line is executed.
import { describe, expect, it } from 'vitest';
import { LineEditor } from '../../sim/repl/line-editor.ts';
import { countBrackets } from '../../sim/repl/brackets.ts';

function editor(results: Record<string, string | undefined> = {}) {
  const st = { out: '', echo: true, executed: [] as string[] };
  const ed = new LineEditor({
    write: (t) => (st.out += t),
    echoEnabled: () => st.echo,
    execute: (line) => {
      st.executed.push(line);
      return line in results ? results[line] : 'undefined';
    },
  });
  ed.returnInputLine(); // the prompt is on screen, as after boot
  st.out = '';
  const type = (s: string) => {
    for (const c of s) ed.handleChar(c);
    ed.returnInputLine();
  };
  return { st, ed, type };
}

describe('line editor', () => {
  it('echoes typed characters and prints =result and a new prompt on Enter', () => {
    const { st, type } = editor({ '1+2': '3' });
    type('1+2\r');
    expect(st.out).toBe('1+2\r\n=3\r\n>');
    expect(st.executed).toEqual(['1+2']);
  });

  it('treats CR LF as one Enter, and LF alone as Enter', () => {
    const { st, type } = editor({ a: '1', b: '2' });
    type('a\r\n');
    type('b\n');
    expect(st.executed).toEqual(['a', 'b']);
    expect(st.out).toBe('a\r\n=1\r\n>b\r\n=2\r\n>');
  });

  it('input that arrives in one burst after an executed line is not echoed until the prompt returns', () => {
    const { st, type } = editor({ a: '1', b: '2' });
    type('a\rb\r');
    expect(st.executed).toEqual(['a', 'b']);
    expect(st.out).toBe('a\r\n=1\r\n=2\r\n>');
  });

  it('backspace (0x08 and 0x7F) erases on screen with BS space BS and edits the line', () => {
    const { st, type } = editor({ ab: '"ok"' });
    type('abc\x7f');
    expect(st.out).toBe('abc\x08 \x08');
    type('x\x08\r');
    expect(st.executed).toEqual(['ab']);
  });

  it('a line starting with DLE is executed without echo, =result or a new prompt', () => {
    const { st, type } = editor({ 'print(1)': 'undefined' });
    type('\x10print(1)\n');
    expect(st.executed).toEqual(['print(1)']);
    expect(st.out).toBe('');
  });

  it('DLE only counts at the start of a line', () => {
    const { st, type } = editor();
    type('a\x10b\r');
    expect(st.executed).toEqual(['ab']);
  });

  it('keeps the line open while brackets are open, with the : continuation prompt', () => {
    const { st, type } = editor({ 'function f() {\nreturn 1\n}': 'undefined' });
    type('function f() {\r');
    expect(st.executed).toEqual([]);
    expect(st.out).toBe('function f() {\r\n:');
    type('return 1\r}\r');
    expect(st.executed).toEqual(['function f() {\nreturn 1\n}']);
  });

  it('ESC LF inserts a newline without executing even when brackets are closed', () => {
    const { st, type } = editor();
    type('var a = 1\x1b\n+ 2\r');
    expect(st.executed).toEqual(['var a = 1\n+ 2']);
    expect(st.out).toBe('var a = 1\r\n:+ 2\r\n=undefined\r\n>');
  });

  it('Ctrl-C clears a non-empty line and redraws the prompt; on an empty line it prints nothing', () => {
    const { st, ed, type } = editor();
    type('foo');
    st.out = '';
    type('\x03');
    expect(ed.line).toBe('');
    expect(st.out).toBe('\x1B[D\x1B[D\x1B[D\r\x1B[J>');
    st.out = '';
    type('\x03');
    expect(st.out).toBe('');
  });

  it('an empty line executes nothing visible but still prints a new prompt', () => {
    const { st, type } = editor();
    type('\r');
    expect(st.out).toBe('\r\n>');
  });

  it('prints no =result when the host reports an error (undefined) or echo is off', () => {
    const { st, type } = editor({ bad: undefined });
    type('bad\r');
    expect(st.out).toBe('bad\r\n>');
    st.echo = false;
    st.out = '';
    type('1\r');
    expect(st.out).toBe('');
    expect(st.executed).toEqual(['bad', '1']);
  });

  it('inserts in the middle of the line after cursor-left and redraws the rest', () => {
    const { st, type } = editor();
    type('ac\x1b[D');
    st.out = '';
    type('b');
    expect(st.out).toBe('bc \x08\x08\x08b');
    type('\x05\r');
    expect(st.executed).toEqual(['abc']);
  });

  it('Enter in the middle of a line splits it instead of executing', () => {
    const { st, ed, type } = editor();
    type('ab\x1b[D\r');
    expect(st.executed).toEqual([]);
    expect(ed.line).toBe('a\nb');
  });

  it('Ctrl-A / Ctrl-E move to the start / end; Tab inserts four spaces', () => {
    const { st, type } = editor();
    type('bc\x01a\x05\t1\r');
    expect(st.executed).toEqual(['abc    1']);
  });

  it('ESC [ n d sets the line-number offset for the next line only (EspruinoTools line numbers)', () => {
    const offsets: number[] = [];
    const ed = new LineEditor({ write: () => {}, echoEnabled: () => true, execute: (_l, off) => (offsets.push(off), 'undefined') });
    for (const c of '\x1b[12dx\ry\r') ed.handleChar(c);
    expect(offsets).toEqual([12, 0]);
  });

  it('cursor-up on an empty line recalls history; DLE lines are not stored', () => {
    const { st, ed, type } = editor();
    type('first\r\x10hidden\rsecond\r');
    expect(ed.history).toEqual(['first', 'second']);
    st.out = '';
    type('\x1b[A');
    expect(ed.line).toBe('second');
    type('\x1b[A');
    expect(ed.line).toBe('first');
    type('\r');
    expect(st.executed.at(-1)).toBe('first');
  });

  it('removeInputLine erases the prompt line before other output; returnInputLine redraws it with the input', () => {
    const { st, ed, type } = editor();
    type('ab\x1b\ncd');
    st.out = '';
    ed.removeInputLine();
    expect(st.out).toBe('\x1B[D\x1B[D\x1B[A\r\x1B[J');
    st.out = '';
    ed.returnInputLine();
    expect(st.out).toBe('>ab\r\n:cd');
  });
});

describe('bracket counting (jsiCountBracketsInInput)', () => {
  it.each([
    ['1+2', 0],
    ['function f() {', 1],
    ['f(a, [1, {', 3],
    ['"({["', 0],
    ["'unterminated ( string", 0],
    ['/* open comment (', 1000],
    ['`template ${1} (', 1000],
    ['`t ${ "}" } (`', 0],
    ['x = /\\(/.test(s)', 0],
    ['a / (b', 1],
    ['// comment {', 0],
    ['}) extra', -1],
  ])('%s → %i', (src, n) => {
    expect(countBrackets(src)).toBe(n);
  });
});
