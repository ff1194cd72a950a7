/**
 * Add to playlist from the library and the queue, and M3U8 export and import in the Playlists
 * view (#21 items 5 and 7), in Chromium against two real peers: one holds the music, one holds none.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import type { Playlist } from '../../src/shared/playlists/playlist';
import { apiFetch, type TestPeer } from '../../test/support/peers';
import { musicFolder, openWindow, startRoom, stopRoomsAfterEach, TITLES, waitForTracks } from './helpers';

stopRoomsAfterEach();

/** The room's playlists by name, as titles, from a peer's API (the truth the UI must match). */
async function playlistTitles(peer: TestPeer): Promise<Record<string, string[]>> {
  const [playlists, tracks] = await Promise.all([
    apiFetch(peer.ui, '/api/playlists').then((r) => r.json() as Promise<Playlist[]>),
    apiFetch(peer.ui, '/api/tracks').then(
      (r) => r.json() as Promise<Array<{ trackId: string; title: string }>>,
    ),
  ]);
  const title = (id: string) => tracks.find((t) => t.trackId === id)?.title ?? id;
  return Object.fromEntries(playlists.map((p) => [p.name, p.trackIds.map(title)]));
}

/** Opens a library row's context menu and picks "Add to playlist…". */
async function addFromLibrary(page: Page, title: string) {
  await page.getByTestId('track-row').filter({ hasText: title }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Add to playlist…' }).click();
  await expect(page.getByTestId('add-to-playlist')).toBeVisible();
}

test('add to playlist from the library and the queue; export and import M3U8; both themes', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const [desk, den] = (await startRoom(['desk', 'den'], await musicFolder())) as [TestPeer, TestPeer];
  await waitForTracks(desk, TITLES.length);
  await waitForTracks(den, TITLES.length);
  const page = await openWindow(browser, desk, { tracks: TITLES.length });

  // From the library: a new playlist, then an existing one.
  await addFromLibrary(page, 'MP3 Tone');
  await page.getByTestId('add-to-new-playlist-name').fill('Favourites');
  await page.getByRole('button', { name: 'New playlist' }).click();
  await expect(page.getByTestId('add-to-playlist')).toBeHidden();
  await expect.poll(() => playlistTitles(desk)).toEqual({ Favourites: ['MP3 Tone'] });
  await addFromLibrary(page, 'FLAC Tone');
  await page.getByTestId('add-to-playlist-choice').filter({ hasText: 'Favourites' }).click();
  await expect.poll(() => playlistTitles(desk)).toEqual({ Favourites: ['MP3 Tone', 'FLAC Tone'] });

  // From the queue: one track, then the whole queue into a new playlist.
  await page.getByTestId('track-row').filter({ hasText: 'OGG Tone' }).click();
  await page.keyboard.press('q');
  await page.getByTestId('track-row').filter({ hasText: 'WAV Tone' }).click();
  await page.keyboard.press('q');
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('queue-item')).toHaveCount(2);
  await page.getByRole('button', { name: 'Add OGG Tone to a playlist' }).click();
  await page.getByTestId('add-to-playlist-choice').filter({ hasText: 'Favourites' }).click();
  await page.getByRole('button', { name: 'Add queue to playlist' }).click();
  await page.getByTestId('add-to-new-playlist-name').fill('Queue copy');
  await page.keyboard.press('Enter');
  await expect
    .poll(() => playlistTitles(den), { timeout: 15_000 })
    .toEqual({ Favourites: ['MP3 Tone', 'FLAC Tone', 'OGG Tone'], 'Queue copy': ['OGG Tone', 'WAV Tone'] });

  // The dialog in both themes: the surface of each.
  for (const [theme, surface] of [
    ['dark', 'rgb(21, 24, 30)'],
    ['light', 'rgb(255, 255, 255)'],
  ] as const) {
    await apiFetch(desk.ui, '/api/settings', { body: { theme } });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await page.getByRole('button', { name: 'Add WAV Tone to a playlist' }).click();
    const dialog = page.getByTestId('add-to-playlist');
    await expect(dialog).toBeVisible();
    expect(await dialog.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(surface);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  }

  // Export on the device that holds no files: the tracks point at its own media URLs.
  const denPage = await openWindow(browser, den, { tracks: TITLES.length });
  await denPage.getByTestId('nav-playlists').click();
  await denPage.getByTestId('playlist').filter({ hasText: 'Favourites' }).click();
  const [download] = await Promise.all([
    denPage.waitForEvent('download'),
    denPage.getByTestId('export-playlist').click(),
  ]);
  expect(download.suggestedFilename()).toBe('Favourites.m3u8');
  const m3u8 = await readFile(await download.path(), 'utf8');
  const lines = m3u8.trim().split('\n');
  expect(lines.slice(0, 3)).toEqual([
    '#EXTM3U',
    '#PLAYLIST:Favourites',
    '#EXTINF:2,Firefly Tests - MP3 Tone',
  ]);
  expect(lines.filter((l) => !l.startsWith('#'))).toHaveLength(3);
  for (const l of lines.filter((x) => !x.startsWith('#')))
    expect(l).toMatch(new RegExp(`^${den.ui}/media/track/[0-9a-f]{64}$`));

  // Import it on the other device, with a line nothing matches: the report says which.
  await page.getByTestId('nav-playlists').click();
  await page.getByTestId('import-playlist-file').setInputFiles({
    name: 'Road trip.m3u8',
    mimeType: 'audio/x-mpegurl',
    buffer: Buffer.from(`${m3u8}#EXTINF:100,Nobody - Nowhere\nnowhere.mp3\n`),
  });
  await expect(page.getByTestId('import-report')).toContainText(
    'Road trip: 3 tracks matched, 1 not found in the room',
  );
  await page.getByTestId('import-report').getByText('Not found', { exact: true }).click();
  await expect(page.getByTestId('import-unmatched')).toHaveText('Line 10: Nobody - Nowhere (nowhere.mp3)');
  await expect(page.getByTestId('playlist-track-title')).toHaveText(['MP3 Tone', 'FLAC Tone', 'OGG Tone']);

  // A binary file is refused with the reason, and makes no playlist.
  await page.getByTestId('import-playlist-file').setInputFiles({
    name: 'cover.m3u8',
    mimeType: 'audio/x-mpegurl',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  });
  await expect(page.getByTestId('playlists-error')).toContainText(/binary data|not valid UTF-8/);
  expect(Object.keys(await playlistTitles(desk)).sort()).toEqual(['Favourites', 'Queue copy', 'Road trip']);
});
