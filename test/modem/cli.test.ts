/**
 * CLI glue: `sensornode modem <model> --repl` (through runRepl with piped input, virtual time as fast
 * as possible) and `sensornode replay` as a user runs it (exit code, printed divergence).
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRepl } from '../../tools/lib/modem/repl.ts';
import { DRIVERS } from '../../tools/lib/modem/drivers.ts';
import { MODELS, modelKey } from '../../sim/modems/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('modem REPL', () => {
  it('answers typed AT commands from the simulated BC660K, with URCs in between', async () => {
    let out = '';
    const input = Readable.from(['ATE0\n', 'AT+CEREG=2\n', 'AT+CGSN=1\n', 'AT+QENG=0\n', 'AT+BOGUS\n']);
    const r = await runRepl({ model: 'bc660k', speed: 0, input, output: (t) => (out += t), lingerMs: 20000 });
    expect(r.commands).toBe(5);
    expect(out).toMatch(/\+CGSN: 86\d{13}/);
    expect(out).toMatch(/\+QENG: 0,1694,12,284,"[0-9A-F]{8}",-\d+/);
    expect(out).toMatch(/\+CEREG: 1,"[0-9A-F]{4}","[0-9A-F]{8}",9/); // registration URC (n=2)
    expect(out).toMatch(/ERROR\n*$/m);
    expect(out).toContain('AT+CGSN=1\n'); // piped commands are shown once echo is off
  });

  it('rejects an unknown model with the list of drivers', async () => {
    await expect(runRepl({ model: 'xyz', speed: 0, input: Readable.from([]), output: () => {} })).rejects.toThrow(/no driver for modem "xyz"/);
  });
});

describe('registries', () => {
  it('every driver has a simulator model and every model a driver', () => {
    expect(Object.keys(DRIVERS).sort()).toEqual(Object.keys(MODELS).sort());
    for (const d of Object.values(DRIVERS)) expect(MODELS[modelKey(d.name)]).toBeDefined();
  });
});

describe('sensornode replay', () => {
  it('prints the divergence of a strict replay of a real log and exits non-zero', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'sensornode.js'), 'replay', join(ROOT, 'test/fixtures/at-logs/sim7080-3.txt'), '--model', 'sim7080g', '--strict'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('  - AT+CPIN?\n  + AT\n');
    expect(r.stderr).toMatch(/error: driver diverged from the transcript at .*sim7080-3.txt:2: expected AT\+CPIN\?, sent AT/);
  });
});
