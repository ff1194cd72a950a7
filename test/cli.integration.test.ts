/** The `firefly-peer` command line as a user meets it: help, flag errors with exit status 2, and the bin entry. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const run = (args: string[], entry = ['--import', 'tsx', path.join(root, 'src/main/headless.ts')]) =>
  spawnSync(process.execPath, [...entry, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('firefly-peer command line', () => {
  it('prints help and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: firefly-peer/);
    expect(r.stdout).toMatch(/--clock-skew-ppm N/);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--ui-port', 'eighty'], /--ui-port expects an integer, got "eighty"/],
    [['--port', '-1'], /--port must be between 0 and 65535/],
  ])('rejects %j with status 2 and a message naming the flag', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/ready/);
  });

  // npm test builds before the unit tests; a bare `vitest run` on a fresh clone has nothing built yet.
  it.skipIf(!existsSync(path.join(root, 'out/main/headless.js')))(
    'runs from the bin entry once built',
    () => {
      const r = run(['--bogus'], [path.join(root, 'bin/firefly-peer.mjs')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/unknown flag --bogus/);
    },
  );

  it.skipIf(!existsSync(path.join(root, 'out/main/headless.js')))(
    "answers `debug` at its console, naming libsodium as the built peer's pnet and Noise cipher",
    () => {
      const data = mkdtempSync(path.join(os.tmpdir(), 'firefly-cli-'));
      try {
        const r = spawnSync(
          process.execPath,
          [
            path.join(root, 'bin/firefly-peer.mjs'),
            ...[
              '--repl',
              '--no-mdns',
              '--port',
              '0',
              '--ui-port',
              '0',
              '--data',
              data,
              '--name',
              'cli-debug',
            ],
          ],
          { cwd: root, encoding: 'utf8', timeout: 60_000, input: 'debug\nexit\n' },
        );
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/"ciphers": \{\s*"pnet": "libsodium",\s*"noise": "libsodium"\s*\}/);
        expect(r.stdout).toMatch(/"dropped"/);
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    },
  );
});
