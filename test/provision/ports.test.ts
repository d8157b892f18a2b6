// Ports that are not a working Espruino console, through the CLI as a user runs it: each is one clear
// error line naming the port and what to do, exit code 1, no device row, and an audit entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawPty, type RawPty } from '../../sim/repl/pty.ts';
import { cliAsync, fleetFixture, type Fixture } from './helpers.ts';

describe('provision refuses ports that are not an Espruino console', () => {
  let fx: Fixture;
  let silent: RawPty;
  let garbage: RawPty;
  let chatty: RawPty;
  const results: Record<string, Promise<{ code: number; stdout: string; stderr: string }>> = {};
  beforeAll(() => {
    fx = fleetFixture();
    silent = openRawPty();
    garbage = openRawPty();
    // what a console at the wrong baud rate looks like: bytes that are not text
    garbage.onData(() => garbage.write(new Uint8Array([0xf3, 0x1c, 0x80, 0xfe, 0x9a, 0x00, 0xe7, 0xc1])));
    chatty = openRawPty();
    // some other device: answers in text, but not as Espruino
    chatty.onData(() => chatty.write('GPS module v1.2 ready\r\n$GPGGA,,,,,,0,00,,,,,,,*66\r\n'));
    // separate processes, so the four runs wait out their timeouts at the same time
    for (const [k, port] of Object.entries({ silent: silent.path, garbage: garbage.path, chatty: chatty.path, missing: '/dev/ttyUSB-not-here' })) results[k] = run(port);
  });
  afterAll(() => {
    silent?.close();
    garbage?.close();
    chatty?.close();
    fx?.remove();
  });

  const failureFor = (port: string) => fx.log().find((l) => l.action === 'provision.fail' && l.detail.port === port);
  const run = (port: string) => cliAsync(['provision', '--port', port, '--board', 'devkitc-bc660k', '--registry', fx.db, '--server', 'udp://127.0.0.1:5683']);

  it('a silent port (nobody answers)', async () => {
    const r = await results.silent;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: provision ${silent.path}: connecting failed: ${silent.path}: no response from Espruino (nothing received at 115200 baud)`);
    expect(r.stderr).toContain('hint: check that the board is powered and running Espruino');
    expect(fx.devices()).toHaveLength(0);
    expect(failureFor(silent.path)).toMatchObject({ detail: { step: 'connect', code: 'SERIAL_SILENT' } });
  });

  it('a port answering garbage (wrong baud rate)', async () => {
    const r = await results.garbage;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connecting failed: .* bytes that are not Espruino console text at 115200 baud/);
    expect(r.stderr).toContain('hint: the baud rate is probably wrong');
    expect(fx.devices()).toHaveLength(0);
    expect(failureFor(garbage.path)).toMatchObject({ detail: { step: 'connect', code: 'SERIAL_GARBAGE' } });
  });

  it('a port with another device on it', async () => {
    const r = await results.chatty;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the device answered but not like Espruino ("GPS module v1.2 ready');
    expect(fx.devices()).toHaveLength(0);
    expect(failureFor(chatty.path)).toMatchObject({ detail: { step: 'connect', code: 'SERIAL_NOT_ESPRUINO' } });
  });

  it('a path that does not exist', async () => {
    const r = await results.missing;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('serial port /dev/ttyUSB-not-here does not exist');
    expect(r.stderr).toContain('sim-serve');
  });
});
