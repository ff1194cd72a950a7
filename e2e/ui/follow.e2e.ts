import { expect, test } from '@playwright/test';
import { waitForStatuses } from '../../test/support/status';
import { musicFolder, openWindow, startRoom, stopRoomsAfterEach, TITLES, waitForTracks } from './helpers';

stopRoomsAfterEach();

test('play in one window and every window in the room follows', async ({ browser }) => {
  const peers = await startRoom(['living-room', 'kitchen', 'studio'], await musicFolder());
  for (const peer of peers) await waitForTracks(peer, TITLES.length);
  const pages = await Promise.all(peers.map((peer) => openWindow(browser, peer, { tracks: TITLES.length })));
  for (const page of pages) await expect(page.getByTestId('np-title')).toHaveText('Nothing playing');
  // The library is the room's: a device without the music lists it, with the device that holds it.
  await expect(
    pages[1]!.getByTestId('track-row').filter({ hasText: 'Long Noise' }).getByTestId('track-holders'),
  ).toHaveAttribute('title', 'On living-room');

  // Play from a follower's window: the leader orders it, every window shows it.
  const kitchen = pages[1];
  await kitchen!.getByTestId('track-row').filter({ hasText: 'Long Noise' }).dblclick();
  for (const page of pages) {
    await expect(page.getByTestId('np-title')).toHaveText('Long Noise');
    await expect(page.getByTestId('track-row').filter({ hasText: 'Long Noise' })).toHaveAttribute(
      'aria-current',
      'true',
    );
  }
  await waitForStatuses(
    peers.map((p) => p.ui),
    (s) => s.every((x) => x.playback.state === 'playing'),
    { what: 'every peer playing' },
  );

  // The system's media controls see the track (MediaSession), and → seeks ahead in every window.
  await expect
    .poll(() =>
      kitchen!.evaluate(() => [navigator.mediaSession.metadata?.title, navigator.mediaSession.playbackState]),
    )
    .toEqual(['Long Noise', 'playing']);
  await kitchen!.getByTestId('track-list').focus();
  await kitchen!.keyboard.press('ArrowRight');
  for (const page of pages) await expect(page.getByTestId('np-position')).toHaveText(/^0:[1-3]\d$/);

  // Pause from the third window with the space bar: every window's button turns to Play.
  const studio = pages[2]!;
  await studio.getByTestId('track-list').focus();
  await studio.keyboard.press('Space');
  for (const page of pages) await expect(page.getByTestId('play-pause')).toHaveAccessibleName('Play');
  await expect.poll(() => studio.evaluate(() => navigator.mediaSession.playbackState)).toBe('paused');

  // And a track picked in the leader's window with Enter replaces it everywhere.
  const living = pages[0]!;
  await living.getByTestId('track-row').filter({ hasText: 'Covered' }).click();
  await living.keyboard.press('Enter');
  for (const page of pages) await expect(page.getByTestId('np-title')).toHaveText('Covered');
  await expect(living.getByTestId('announcer')).toContainText('Now playing Covered');
});
