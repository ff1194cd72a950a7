import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderInUseError, lockDataFolder } from './data-lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'firefly-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('data folder lock', () => {
  it('refuses a folder another running process holds, naming --data', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const ticks = readFileSync(`/proc/${other.pid}/stat`, 'utf8');
      const startTicks = Number(ticks.slice(ticks.lastIndexOf(')') + 2).split(' ')[19]);
      writeFileSync(
        path.join(dir, 'peer.lock'),
        JSON.stringify({ pid: other.pid, startTicks, host: os.hostname() }),
      );
      const refused = lockDataFolder(dir);
      await expect(refused).rejects.toThrow(DataFolderInUseError);
      await expect(refused).rejects.toThrow(/in use by another running Firefly peer .*--data/);
    } finally {
      other.kill();
    }
  });

  it('takes over a lock left by a process that is gone, or whose pid was reused', async () => {
    writeFileSync(
      path.join(dir, 'peer.lock'),
      JSON.stringify({ pid: 2 ** 22 + 17, startTicks: 1, host: os.hostname() }),
    );
    const lock = await lockDataFolder(dir);
    await lock.release();
    // Our own parent's pid with a start time that is not its own: a reused pid.
    writeFileSync(
      path.join(dir, 'peer.lock'),
      JSON.stringify({ pid: process.ppid, startTicks: -5, host: os.hostname() }),
    );
    const again = await lockDataFolder(dir);
    await again.release();
    writeFileSync(path.join(dir, 'peer.lock'), 'damaged');
    await (await lockDataFolder(dir)).release();
  });

  it('is held until released', async () => {
    const lock = await lockDataFolder(dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'peer.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await (await lockDataFolder(dir)).release();
  });
});
