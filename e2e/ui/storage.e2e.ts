/**
 * The window says when this device cannot store anything (#24): with the data folder on a small
 * tmpfs filled to the last byte, a new file in the library fails to be indexed and the window
 * shows "disk full: N MB needed"; once space returns the banner goes and the track is listed.
 * Needs root to mount the tmpfs; skipped with the reason elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { makeTone } from '../../test/audio/make-audio';
import { launchPeer, type TestPeer } from '../../test/support/peers';
import { openWindow } from './helpers';

let peers: TestPeer[] = [];
let root = '';
let mounted = '';

test.afterEach(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  peers = [];
  if (mounted) execFileSync('umount', ['-l', mounted], { stdio: 'pipe' });
  mounted = '';
  if (root) rmSync(root, { recursive: true, force: true });
});

test('a full data disk is shown in the window and clears by itself', async ({ browser }) => {
  root = mkdtempSync(path.join(os.tmpdir(), 'firefly-ui-storage-'));
  const disk = path.join(root, 'disk');
  const library = path.join(root, 'music');
  mkdirSync(disk);
  mkdirSync(library);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'pipe' });
    mounted = disk;
  } catch (error) {
    test.skip(true, `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`);
  }
  const peer = await launchPeer({
    name: 'attic',
    dataDir: path.join(disk, 'data'),
    args: ['--library', library],
  });
  peers = [peer];
  const page = await openWindow(browser, peer);
  await expect(page.getByTestId('storage-problem')).toHaveCount(0);

  const filler = path.join(disk, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
  } catch {
    // dd stops at ENOSPC: the disk is full, which is the point.
  }
  await makeTone(path.join(library, 'new.flac'), { format: 'flac', durationSec: 20, noise: true });
  await expect(page.getByTestId('storage-problem')).toContainText(/disk full: \d+ MB needed/, {
    timeout: 60_000,
  });

  rmSync(filler);
  await expect(page.getByTestId('storage-problem')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('library-count')).toHaveText(/^1 track/, { timeout: 60_000 });
});
