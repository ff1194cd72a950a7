/** The `firefly-peer` command line as a user meets it: help, flag errors with exit status 2, and the bin entry. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiFetch, launchPeer } from './support/peers';
import { makeTone } from './audio/make-audio';

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

  it('token prints the API token of the peer using a data folder, the one its API accepts', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-token-'));
    try {
      const first = run(['token', '--data', dataDir]);
      expect(first.status).toBe(0);
      const token = first.stdout.trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(run(['token', '--data', dataDir]).stdout.trim()).toBe(token);
      expect(run(['token', '--bogus']).status).toBe(2);
      const peer = await launchPeer({ name: 'tokened', dataDir });
      try {
        const status = (url: string, headers: Record<string, string> = {}) =>
          fetch(`${url}/api/status`, { headers }).then((r) => r.status);
        expect(await status(peer.ui)).toBe(401);
        expect(await status(peer.ui, { authorization: `Bearer ${token}` })).toBe(200);
      } finally {
        await peer.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a data folder another running peer uses, saying how to run a second one', async () => {
    const first = await launchPeer({ name: 'first' });
    try {
      const second = run([
        '--name',
        'second',
        '--data',
        first.dataDir,
        '--ui-port',
        '0',
        '--port',
        '0',
        '--no-mdns',
      ]);
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/in use by another running Firefly peer \(pid \d+\)/);
      expect(second.stderr).toMatch(/--data <folder>/);
      expect(second.stdout).not.toMatch(/ready/);
    } finally {
      await first.stop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
    // Once it stopped, the folder is free again.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-relock-'));
    const again = await launchPeer({ name: 'again', dataDir });
    await again.stop();
    const third = await launchPeer({ name: 'third', dataDir });
    await third.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shares the user’s music folder when given none, and says so', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'firefly-home-'));
    const music = path.join(home, 'Music');
    await mkdir(music);
    await makeTone(path.join(music, 'tone.mp3'), { format: 'mp3', durationSec: 1 });
    const peer = await launchPeer({ name: 'music', env: { HOME: home } });
    try {
      expect(peer.library).toEqual([music]);
      // Written just before the ready line, but on stderr: it may reach us a moment after it.
      const said = /sharing your music folder .*Music \(choose others with --library DIR\)/;
      for (let i = 0; i < 50 && !said.test(peer.output()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(peer.output()).toMatch(said);
      const count = async () => ((await (await apiFetch(peer.ui, '/api/tracks')).json()) as unknown[]).length;
      const deadline = Date.now() + 30_000;
      while ((await count()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await count()).toBe(1);
    } finally {
      await peer.stop();
      rmSync(peer.dataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
    // A peer given a folder scans only that one, though the user has a music folder.
    const otherHome = mkdtempSync(path.join(os.tmpdir(), 'firefly-home-'));
    await mkdir(path.join(otherHome, 'Music'));
    const chosenDir = mkdtempSync(path.join(os.tmpdir(), 'firefly-chosen-'));
    const chosen = await launchPeer({
      name: 'chosen',
      args: ['--library', chosenDir],
      env: { HOME: otherHome },
    });
    expect(chosen.library).toEqual([chosenDir]);
    await chosen.stop();
    rmSync(otherHome, { recursive: true, force: true });
    rmSync(chosenDir, { recursive: true, force: true });
    rmSync(chosen.dataDir, { recursive: true, force: true });
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
    "answers `debug` at its console: libsodium as the built peer's ciphers, and why its bootstrap dial fails",
    async () => {
      const data = mkdtempSync(path.join(os.tmpdir(), 'firefly-cli-'));
      // A port that nothing listens on: bound once, then closed.
      const deadPort = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const child = spawn(
        process.execPath,
        [
          path.join(root, 'bin/firefly-peer.mjs'),
          ...['--repl', '--no-mdns', '--port', '0', '--ui-port', '0', '--data', data, '--name', 'cli-debug'],
          ...['--bootstrap', `127.0.0.1:${deadPort}`],
        ],
        { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await expect.poll(() => stdout, { timeout: 60_000 }).toMatch(/firefly-peer ready/);
        // Let the first dial fail and the redial after it too.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        child.stdin.end('debug\nexit\n');
        expect(await exited).toBe(0);
        expect(stdout).toMatch(/"ciphers": \{\s*"pnet": "libsodium",\s*"noise": "libsodium"\s*\}/);
        expect(stdout).toMatch(/"dropped"/);
        // The report is one indented JSON object: from a line "{" to a line "}".
        const block = /^\{\n[\s\S]*?\n\}$/m.exec(stdout);
        expect(block).not.toBeNull();
        const report = JSON.parse(block![0]) as {
          bootstrap: {
            target: string;
            connected: boolean;
            failures: number;
            lastError: { reason: string } | null;
          }[];
          net: { kind: string; target?: string; reason?: string; message?: string }[];
        };
        expect(report.bootstrap).toEqual([
          expect.objectContaining({
            target: `127.0.0.1:${deadPort}`,
            connected: false,
            lastError: expect.objectContaining({ reason: 'refused' }),
          }),
        ]);
        expect(report.bootstrap[0]!.failures).toBeGreaterThanOrEqual(2);
        const failed = report.net.filter((e) => e.kind === 'dial:failed');
        expect(failed.length).toBeGreaterThanOrEqual(2);
        expect(failed[0]).toMatchObject({ reason: 'refused', target: `127.0.0.1:${deadPort}` });
        expect(failed[0]!.message).toMatch(/nothing listens there/);
      } finally {
        child.kill('SIGKILL');
        rmSync(data, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
