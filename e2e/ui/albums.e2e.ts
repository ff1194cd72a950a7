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

const currentTitle = async (peer: TestPeer): Promise<string | null> => {
  const state = (await (await apiFetch(peer.ui, '/api/state')).json()) as PlaybackState;
  return state.currentIndex === null ? null : ((await queueTitles(peer))[state.currentIndex] ?? null);
};

test('albums: G A opens the Albums view; an album lists its tracks in track order; play album from the start or from a track, in both themes', async ({
  browser,
}) => {
  const peers = await startRoom(['desk'], await musicFolder());
  const [desk] = peers as [TestPeer];
  await waitForTracks(desk, TITLES.length);
  const page = await openWindow(browser, desk, { tracks: TITLES.length });

  await page.locator('body').press('g');
  await page.locator('body').press('a');
  await expect(page.getByRole('heading', { level: 1, name: 'Albums' })).toBeVisible();
  await expect(page.getByTestId('albums-count')).toHaveText('3 albums');
  await expect(page.getByTestId('album-title')).toHaveText(['Art', 'Chunks', 'Formats']);

  // The test files are tagged tracks 1, 2, 3 and 5 of "Formats".
  await page.getByTestId('album').filter({ hasText: 'Formats' }).click();
  const detail = page.getByTestId('album-detail');
  await expect(detail.getByRole('heading', { name: 'Formats' })).toBeVisible();
  const order = ['MP3 Tone', 'FLAC Tone', 'OGG Tone', 'WAV Tone'];
  await expect(detail.getByTestId('album-track')).toHaveText(order.map((t) => new RegExp(t)));

  await page.getByTestId('play-album').click();
  await expect.poll(() => queueTitles(desk), { timeout: 15_000 }).toEqual(order);
  await expect.poll(() => currentTitle(desk), { timeout: 15_000 }).toBe('MP3 Tone');
  await expect(page.getByTestId('np-title')).toHaveText('MP3 Tone');

  await page.getByRole('button', { name: 'Play Formats from OGG Tone' }).click();
  await expect.poll(() => currentTitle(desk), { timeout: 15_000 }).toBe('OGG Tone');
  expect(await queueTitles(desk)).toEqual(order);

  // Both themes: the album panel takes each theme's surface colour.
  const surface = () => detail.evaluate((el) => getComputedStyle(el).backgroundColor);
  await apiFetch(desk.ui, '/api/settings', { body: { theme: 'light' } });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await surface()).toBe('rgb(255, 255, 255)');
  await apiFetch(desk.ui, '/api/settings', { body: { theme: 'dark' } });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await surface()).toBe('rgb(21, 24, 30)');
});
