import { expect, test } from '@playwright/test';
import type { PlaybackState } from '../../src/shared/playback/state';
import { apiFetch, type TestPeer } from '../../test/support/peers';
import {
  musicFolder,
  openWindow,
  queueTitles,
  startRoom,
  stopRoomsAfterEach,
  TITLES,
  waitForTracks,
} from './helpers';

stopRoomsAfterEach();

test('playlists: save the queue as a playlist on one device, see it on another, reorder, remove, rename, play, delete; G P; both themes', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const peers = await startRoom(['desk', 'den'], await musicFolder());
  const [desk, den] = peers as [TestPeer, TestPeer];
  await waitForTracks(desk, TITLES.length);
  await waitForTracks(den, TITLES.length);
  const deskPage = await openWindow(browser, desk, { tracks: TITLES.length });
  const denPage = await openWindow(browser, den, { tracks: TITLES.length });

  // Fill the queue from the library (Q on the selected row), then save it as a playlist.
  for (const title of ['MP3 Tone', 'FLAC Tone', 'OGG Tone']) {
    await deskPage.getByTestId('track-row').filter({ hasText: title }).click();
    await deskPage.keyboard.press('q');
  }
  await expect.poll(() => queueTitles(desk)).toEqual(['MP3 Tone', 'FLAC Tone', 'OGG Tone']);
  await deskPage.locator('body').press('g');
  await deskPage.locator('body').press('p');
  await expect(deskPage.getByRole('heading', { level: 1, name: 'Playlists' })).toBeVisible();
  await deskPage.getByLabel('New playlist name').fill('Evening');
  await deskPage.getByRole('button', { name: 'Save queue as playlist' }).click();
  const tracks = deskPage.getByTestId('playlist-track-title');
  await expect(tracks).toHaveText(['MP3 Tone', 'FLAC Tone', 'OGG Tone']);

  // The other device sees it, and edits it: reorder and remove.
  await denPage.getByTestId('nav-playlists').click();
  await expect(denPage.getByTestId('playlist-name')).toHaveText(['Evening'], { timeout: 15_000 });
  const denTracks = denPage.getByTestId('playlist-track-title');
  await expect(denTracks).toHaveText(['MP3 Tone', 'FLAC Tone', 'OGG Tone']);
  await denPage.getByRole('button', { name: 'Move OGG Tone up' }).click();
  await expect(denTracks).toHaveText(['MP3 Tone', 'OGG Tone', 'FLAC Tone']);
  await denPage.getByRole('button', { name: 'Remove MP3 Tone from the playlist' }).click();
  await expect(denTracks).toHaveText(['OGG Tone', 'FLAC Tone']);
  await expect(tracks).toHaveText(['OGG Tone', 'FLAC Tone'], { timeout: 15_000 });

  // Rename on the first device; the second follows.
  await deskPage.getByLabel('Playlist name', { exact: true }).fill('Late evening');
  await deskPage.getByRole('button', { name: 'Rename' }).click();
  await expect(denPage.getByTestId('playlist-name')).toHaveText(['Late evening'], { timeout: 15_000 });

  // Play from the second device: the room's queue is the playlist.
  await denPage.getByTestId('play-playlist').click();
  await expect.poll(() => queueTitles(desk), { timeout: 15_000 }).toEqual(['OGG Tone', 'FLAC Tone']);
  const state = (await (await apiFetch(desk.ui, '/api/state')).json()) as PlaybackState;
  expect(state.currentIndex).toBe(0);

  // Both themes: the playlist panel takes each theme's surface colour.
  const surface = () =>
    denPage.getByTestId('playlist-detail').evaluate((el) => getComputedStyle(el).backgroundColor);
  await apiFetch(den.ui, '/api/settings', { body: { theme: 'dark' } });
  await expect(denPage.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await surface()).toBe('rgb(21, 24, 30)');
  await apiFetch(den.ui, '/api/settings', { body: { theme: 'light' } });
  await expect(denPage.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await surface()).toBe('rgb(255, 255, 255)');

  // Delete on the first device: gone everywhere.
  await deskPage.getByRole('button', { name: 'Delete' }).click();
  await expect(denPage.getByText('No playlists yet')).toBeVisible({ timeout: 15_000 });
  await expect(deskPage.getByTestId('playlists-count')).toHaveText(/^0 playlists/);
});
