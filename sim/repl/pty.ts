/**
 * A pseudo-terminal pair used as a raw serial line: the simulator holds the master side, serial tools
 * (EspruinoTools, screen, picocom, the provisioning helper) open the slave device (`/dev/pts/N`) as
 * if it were a USB-serial adapter.
 *
 * `@lydell/node-pty`'s `open()` creates the pair without spawning a process, but it also starts
 * reading the slave side itself, which would steal bytes meant for the tool. So the slave stream it
 * made is closed and the slave is kept open with a plain descriptor that is never read (with no slave
 * descriptor open at all, reads on the master fail with EIO until a tool opens the device).
 *
 * Line discipline: a fresh pty echoes input, translates CR/LF and treats ^C, ^S/^Q, ^V specially;
 * `stty raw -echo -iexten` turns all of that off so bytes pass unchanged in both directions, as on a
 * UART (termios(3), "Raw mode"; coreutils stty(1)). Tools that open the device set their own termios
 * on top (serialport does), which keeps it raw.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

interface NodePtyTerminal {
  readonly _pty: string;
  readonly _master: NodeJS.ReadWriteStream & { destroy(): void; on(ev: 'error', cb: (e: Error) => void): void };
  readonly _slave: { destroy(): void };
}

interface NodePtyModule {
  open(opts: { cols?: number; rows?: number; encoding?: string | null }): NodePtyTerminal;
}

export interface RawPty {
  /** Slave device path, e.g. /dev/pts/4. */
  readonly path: string;
  write(bytes: Uint8Array | string): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Closes both sides; a tool that has the device open sees a hang-up. */
  close(): void;
}

export function openRawPty(): RawPty {
  if (process.platform === 'win32') throw new Error('pseudo-terminals are not available on Windows: run the simulated board on Linux or macOS (or WSL)');
  const require = createRequire(import.meta.url);
  const pty = require('@lydell/node-pty') as NodePtyModule;
  const t = pty.open({ cols: 80, rows: 24, encoding: null });
  const path = t._pty;
  let holder: number | undefined;
  try {
    holder = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
    t._slave.destroy();
    const r = spawnSync('stty', [process.platform === 'darwin' ? '-f' : '-F', path, 'raw', '-echo', '-iexten'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`cannot set ${path} to raw mode with stty: ${r.error?.message ?? r.stderr.trim()}`);
  } catch (e) {
    if (holder !== undefined) closeSync(holder);
    t._master.destroy();
    throw e;
  }
  const listeners: ((b: Uint8Array) => void)[] = [];
  let closed = false;
  t._master.on('data', (d: Buffer | string) => {
    const b = typeof d === 'string' ? new Uint8Array(Buffer.from(d, 'latin1')) : new Uint8Array(d);
    for (const l of listeners) l(b);
  });
  // EIO when the pair is torn down while a read is pending: nothing to report.
  t._master.on('error', () => {});
  return {
    path,
    write(bytes) {
      if (closed) return;
      t._master.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
    },
    onData(cb) {
      listeners.push(cb);
    },
    close() {
      if (closed) return;
      closed = true;
      t._master.destroy();
      if (holder !== undefined) closeSync(holder);
    },
  };
}
