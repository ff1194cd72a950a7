import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageHealth, describeStorage, storageProblemOf, type StorageState } from './storage-health';
import { componentLogger } from '../../shared/logger';

const fsError = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe('storage problems', () => {
  it('names the errors of a full, failing or read-only disk, and of SQLite on one', () => {
    expect(storageProblemOf(fsError('ENOSPC'))).toEqual({ problem: 'full', code: 'ENOSPC' });
    expect(storageProblemOf(fsError('EDQUOT'))?.problem).toBe('full');
    expect(storageProblemOf(fsError('SQLITE_FULL'))?.problem).toBe('full');
    expect(storageProblemOf(fsError('EIO'))?.problem).toBe('io-error');
    expect(storageProblemOf(fsError('SQLITE_IOERR_WRITE'))?.problem).toBe('io-error');
    expect(storageProblemOf(fsError('EROFS'))?.problem).toBe('read-only');
    expect(storageProblemOf(fsError('ENOENT'))).toBeNull();
    expect(storageProblemOf(new Error('no code'))).toBeNull();
    expect(storageProblemOf(null)).toBeNull();
  });

  it('says what is wrong in words', () => {
    expect(describeStorage('full', 'ENOSPC', 12_300_000)).toBe('disk full: 13 MB needed');
    expect(describeStorage('full', 'ENOSPC', 10)).toBe('disk full: 1 MB needed');
    expect(describeStorage('read-only', 'EROFS', 0)).toBe('data folder is read-only (EROFS)');
    expect(describeStorage('io-error', 'EIO', 0)).toBe('disk error on the data folder (EIO)');
  });
});

describe('StorageHealth', () => {
  let dir = '';
  let health: StorageHealth | null = null;
  afterEach(async () => {
    health?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('enters a state on the first failure, counts the rest, and clears itself once a write succeeds', async () => {
    dir = await mkdtemp(join(tmpdir(), 'firefly-storage-'));
    const lines: string[] = [];
    const changes: StorageState[] = [];
    health = new StorageHealth(
      { dir, neededBytes: () => 5_000_000, logger: componentLogger((line) => lines.push(line)) },
      { firstBackoffMs: 20 },
    );
    health.start();
    health.on('storage:changed', (state) => changes.push(state));
    expect(health.report(new Error('a network error'))).toBe(false);
    expect(health.writable).toBe(true);
    for (let i = 0; i < 50; i++) expect(health.report(fsError('ENOSPC'))).toBe(true);
    expect(health.writable).toBe(false);
    expect(health.state()).toMatchObject({
      problem: 'full',
      code: 'ENOSPC',
      neededBytes: 5_000_000,
      message: 'disk full: 5 MB needed',
      failures: 50,
    });
    // One line for fifty failures.
    expect(lines).toEqual(['storage: disk full: 5 MB needed; writes paused until it clears']);
    // The temp folder has room: the scheduled check finds it and clears the state.
    await expect.poll(() => health?.writable, { timeout: 5000 }).toBe(true);
    expect(changes.at(-1)).toMatchObject({ problem: null, message: null, failures: 0 });
    expect(lines.at(-1)).toMatch(/^storage: writable again \(was disk full: 5 MB needed\); resuming$/);
  });
});
