/**
 * A file no speaker can decode (ALAC in M4A: Chromium's decoders lack it, mediabunny demuxes it but
 * WebCodecs and decodeAudioData both refuse it): every window's engine says why, the room skips it
 * instead of showing it "playing" in silence, and the Room view's events say which track and why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { makeTone } from '../../test/audio/make-audio';
import { openWindow, startRoom, stopRoomsAfterEach, waitForTracks } from './helpers';

stopRoomsAfterEach();

test('a track no speaker can decode is skipped on every device, and the room says why', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const library = mkdtempSync(path.join(os.tmpdir(), 'firefly-undecodable-'));
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20'],
    ...['-c:a', 'alac', '-metadata', 'title=Lossless Broken', '-metadata', 'album=Skip'],
    ...['-metadata', 'artist=Firefly Tests', '-metadata', 'track=1', path.join(library, 'a.m4a')],
  ]);
  await makeTone(path.join(library, 'b.mp3'), {
    format: 'mp3',
    durationSec: 30,
    frequencyHz: 330,
    tags: { title: 'Plays Fine', artist: 'Firefly Tests', album: 'Skip', track: 2 },
  });
  const peers = await startRoom(['living-room', 'kitchen'], library);
  for (const peer of peers) await waitForTracks(peer, 2);
  const pages = await Promise.all(peers.map((peer) => openWindow(browser, peer, { tracks: 2 })));
  const [living] = pages;

  await living!.getByTestId('track-row').filter({ hasText: 'Lossless Broken' }).dblclick();
  // Both windows end up on the next track, and play it.
  for (const page of pages) {
    await expect(page.getByTestId('np-title')).toHaveText('Plays Fine', { timeout: 90_000 });
  }
  await living!.getByTestId('nav-room').click();
  await expect(living!.locator('.log')).toContainText(
    /skipping "Lossless Broken" by Firefly Tests, no speaker can play it \(This file could not be decoded: .+\)/,
    { timeout: 30_000 },
  );
  for (const peer of peers) {
    const row = living!.locator(`[data-testid="peers-table"] tr[data-peer-id="${peer.peerId}"]`);
    await expect(row.getByTestId('device-speaker')).toHaveText(/^Playing/, { timeout: 30_000 });
  }
});
