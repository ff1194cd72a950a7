/**
 * What a newcomer reads in the Room view: downloads with the track's title and size, recent events that
 * name tracks and devices (no hashes, no peer ids, no doubled prefixes), and a favicon on the tab.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { RoomTrack } from '../../src/shared/bridge/payloads';
import { apiFetch, launchPeer, stopPeers, type TestPeer } from '../../test/support/peers';
import { musicFolder, openWindow, removeMusicFolders, startRoom, TITLES, waitForTracks } from './helpers';

let peers: TestPeer[] = [];

test.afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  removeMusicFolders();
});

test('the Room view names tracks and devices, and downloads show the track’s size', async ({ browser }) => {
  peers = await startRoom(['living-room', 'kitchen'], await musicFolder());
  const [, kitchen] = peers as [TestPeer, TestPeer];
  await waitForTracks(kitchen, TITLES.length);
  const page = await openWindow(browser, kitchen, { tracks: TITLES.length });

  // A favicon the page links to, served as an image.
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(icon).toBeTruthy();
  const served = await page.request.get(new URL(icon as string, page.url()).href);
  expect(served.status()).toBe(200);
  expect(served.headers()['content-type']).toMatch(/^image\//);

  // Play a track only living-room holds: kitchen fetches it.
  await page.getByTestId('track-row').filter({ hasText: 'Long Noise' }).dblclick();
  await expect(page.getByTestId('np-title')).toHaveText('Long Noise');
  const tracks = (await (await apiFetch(kitchen.ui, '/api/tracks')).json()) as RoomTrack[];
  const track = tracks.find((t) => t.title === 'Long Noise') as RoomTrack;

  await page.getByTestId('nav-room').click();
  const download = page.getByTestId('downloads').locator('li').filter({ hasText: 'Long Noise' });
  await expect(download.getByTestId('download-progress')).toHaveText(/^done · /, { timeout: 60_000 });
  // The size shown is the track's (to the display's rounding), whatever this device had to transfer.
  const shown = /^done · ([\d.]+) (KB|MB)$/.exec(
    (await download.getByTestId('download-progress').textContent()) ?? '',
  );
  expect(shown).not.toBeNull();
  const shownBytes = Number(shown?.[1]) * 1024 ** (shown?.[2] === 'MB' ? 2 : 1);
  expect(Math.abs(shownBytes - track.sizeBytes) / track.sizeBytes).toBeLessThan(0.05);

  // The leader's events name the devices that joined; no line shows a hash or a bare peer id.
  await page.goto(`${peers[0]!.ui}/`);
  await page.getByTestId('nav-room').click();
  const events = page.locator('ul.log li');
  await expect(events.filter({ hasText: /joined: kitchen/ }).first()).toBeVisible();
  for (const line of await events.allTextContents()) {
    expect(line).not.toMatch(/[0-9a-f]{64}/);
    // A peer id stays inside an address (…/p2p/id), which is what a dialable address is.
    expect(line).not.toMatch(/(?<!\/p2p\/)12D3KooW[1-9A-Za-z]{20,}/);
    expect(line).not.toMatch(/playback: playback:/);
  }
});

test('Settings names the music folder shared by default', async ({ browser }) => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'firefly-home-'));
  mkdirSync(path.join(home, 'Music'));
  try {
    const peer = await launchPeer({ name: 'study', env: { HOME: home } });
    peers = [peer];
    const page = await openWindow(browser, peer);
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('default-music-folder')).toContainText(path.join(home, 'Music'));
    await expect(page.getByTestId('default-music-folder')).toContainText('found automatically');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
