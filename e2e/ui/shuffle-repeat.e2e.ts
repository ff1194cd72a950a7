import { expect, test, type Page } from '@playwright/test';
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

const stateOf = async (peer: TestPeer): Promise<PlaybackState> =>
  (await apiFetch(peer.ui, '/api/state')).json() as Promise<PlaybackState>;
const trackIdOf = async (peer: TestPeer, title: string): Promise<string> => {
  const tracks = (await (await apiFetch(peer.ui, '/api/tracks')).json()) as Array<{
    trackId: string;
    title: string;
  }>;
  return tracks.find((t) => t.title === title)?.trackId as string;
};
const current = (s: PlaybackState) => (s.currentIndex === null ? null : s.queue[s.currentIndex]);

test('shuffle and repeat: buttons and S / R keys, the same order in every window, repeat one and all at a track’s end, un-shuffle back to the original order', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const peers = await startRoom(['desk', 'den'], await musicFolder());
  const [desk, den] = peers as [TestPeer, TestPeer];
  await waitForTracks(desk, TITLES.length);
  await waitForTracks(den, TITLES.length);
  const deskPage = await openWindow(browser, desk, { tracks: TITLES.length });
  const denPage = await openWindow(browser, den, { tracks: TITLES.length });
  const repeatButton = (page: Page) => page.getByTestId('repeat');
  const shuffleButton = (page: Page) => page.getByTestId('shuffle');

  // R twice on one device: repeat one, shown on the other device's transport bar too.
  await deskPage.locator('body').press('r');
  await expect(repeatButton(denPage)).toHaveAttribute('data-mode', 'all');
  await deskPage.locator('body').press('r');
  await expect(repeatButton(denPage)).toHaveAttribute('data-mode', 'one');
  await expect(repeatButton(deskPage)).toHaveAttribute('aria-pressed', 'true');
  await expect(repeatButton(deskPage)).toHaveAccessibleName('Repeat: this track');

  // Play a 2 s track from the library: under repeat one it starts over when it ends.
  const mp3 = await trackIdOf(desk, 'MP3 Tone');
  const row = deskPage.getByTestId('track-row').filter({ hasText: 'MP3 Tone' });
  await row.dblclick();
  await expect.poll(async () => current(await stateOf(desk)), { timeout: 30_000 }).toBe(mp3);
  const first = await stateOf(desk);
  await expect
    .poll(
      async () => {
        const s = await stateOf(den);
        return current(s) === mp3 && s.anchor.groupTimeMs >= first.anchor.groupTimeMs + 1900;
      },
      { timeout: 30_000, message: 'MP3 Tone to start over' },
    )
    .toBe(true);
  const again = await stateOf(den);
  expect(again).toMatchObject({ currentIndex: first.currentIndex, queue: first.queue, repeat: 'one' });
  expect(again.anchor.positionSec).toBe(0);
  await expect(denPage.getByTestId('np-title')).toHaveText('MP3 Tone');

  // Repeat all over a two-track queue (replaced through the API): after the last, the first again.
  await repeatButton(denPage).click(); // one → off
  await expect(repeatButton(deskPage)).toHaveAttribute('data-mode', 'off');
  await expect(repeatButton(deskPage)).toHaveAttribute('aria-pressed', 'false');
  await repeatButton(denPage).click(); // off → all
  await expect(repeatButton(deskPage)).toHaveAttribute('data-mode', 'all');
  const flac = await trackIdOf(desk, 'FLAC Tone');
  const replaced = await apiFetch(den.ui, '/api/queue/replace', {
    body: { trackIds: [mp3, flac], playIndex: 1 },
  });
  expect(replaced.status).toBe(200);
  await expect.poll(async () => current(await stateOf(desk)), { timeout: 30_000 }).toBe(flac);
  await expect
    .poll(async () => (await stateOf(desk)).currentIndex, {
      timeout: 30_000,
      message: 'the queue to start over',
    })
    .toBe(0);
  await repeatButton(deskPage).click(); // all → one
  await repeatButton(deskPage).click(); // one → off
  await expect(repeatButton(denPage)).toHaveAttribute('data-mode', 'off');

  // Shuffle a whole queue: the playing track stays and leads; both windows show the order the room holds.
  const all = (await (await apiFetch(desk.ui, '/api/tracks')).json()) as Array<{ trackId: string }>;
  const long = await trackIdOf(desk, 'Long Noise');
  const original = all.map((t) => t.trackId);
  const longIndex = original.indexOf(long);
  await apiFetch(desk.ui, '/api/queue/replace', { body: { trackIds: original, playIndex: longIndex } });
  await expect.poll(async () => current(await stateOf(den)), { timeout: 30_000 }).toBe(long);
  // Started, not still held for a speaker to get ready: a held start's anchor is a placeholder the start replaces.
  await expect.poll(async () => (await stateOf(den)).starting, { timeout: 30_000 }).toBe(false);
  const originalTitles = await queueTitles(desk);
  await shuffleButton(deskPage).click();
  await expect(shuffleButton(denPage)).toHaveAttribute('aria-pressed', 'true');
  const shuffled = await stateOf(den);
  expect(shuffled.unshuffled).not.toBeNull();
  expect(shuffled.currentIndex).toBe(0);
  expect(current(shuffled)).toBe(long);
  expect([...shuffled.queue].sort()).toEqual([...original].sort());
  const shuffledTitles = await queueTitles(den);
  for (const page of [deskPage, denPage]) {
    await page.getByTestId('nav-queue').click();
    await expect(page.getByTestId('queue-item').getByTestId('queue-title')).toHaveText(shuffledTitles);
  }
  // The track kept playing through the shuffle: same anchor, no restart.
  expect(shuffled.anchor).toEqual((await stateOf(desk)).anchor);

  // S on the other device: shuffle off, the original order back, still at the same track.
  await denPage.locator('body').press('s');
  await expect(shuffleButton(deskPage)).toHaveAttribute('aria-pressed', 'false');
  for (const page of [deskPage, denPage])
    await expect(page.getByTestId('queue-item').getByTestId('queue-title')).toHaveText(originalTitles);
  const unshuffled = await stateOf(desk);
  expect(unshuffled).toMatchObject({ queue: original, currentIndex: longIndex, unshuffled: null });
  expect(unshuffled.anchor).toEqual(shuffled.anchor);
});
