/**
 * The output offset's click test plays through the engine's one output path (#25 item 4): the clicks
 * replace the room's music on this device while they run, fall on whole seconds of group time shifted
 * by the output offset, and the music comes back where the room is when they stop.
 */
import { expect, test, type Page } from '@playwright/test';
import { musicFolder, openWindow, startRoom, stopRoomsAfterEach, TITLES, waitForTracks } from './helpers';

stopRoomsAfterEach();

interface Hook {
  lastStart: { trackId: string; groupTimeMs: number; offsetSec: number; outputOffsetMs: number } | null;
  snapshot(): { status: string };
}

const lastStart = (page: Page) =>
  page.evaluate(() => {
    const hook = (window as unknown as { __fireflyAudio: Hook }).__fireflyAudio;
    return hook.snapshot().status === 'playing' ? hook.lastStart : null;
  });

test('the click test plays through the music output, on whole seconds of group time, and hands back', async ({
  browser,
}) => {
  const [peer] = await startRoom(['study'], await musicFolder());
  await waitForTracks(peer!, TITLES.length);
  const page = await openWindow(browser, peer!, { tracks: TITLES.length, query: '?diagnostics' });
  await page.getByTestId('track-row').filter({ hasText: 'Long Noise' }).dblclick();
  await expect
    .poll(async () => (await lastStart(page))?.trackId ?? '', { timeout: 30_000 })
    .toMatch(/^[0-9a-f]{64}$/);
  const music = (await lastStart(page))!.trackId;

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('click-test').click();
  await expect(page.getByTestId('click-test')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await lastStart(page))?.trackId, { timeout: 15_000 }).toBe('clicks');
  const clicks = (await lastStart(page))!;
  // Frame 0 of the click train is heard on a whole second of group time (each click a second after the last).
  const firstClickMs = clicks.groupTimeMs - clicks.offsetSec * 1000;
  expect(Math.abs(firstClickMs - Math.round(firstClickMs / 1000) * 1000)).toBeLessThan(0.01);

  await page.getByTestId('click-test').click();
  await expect(page.getByTestId('click-test')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => (await lastStart(page))?.trackId, { timeout: 15_000 }).toBe(music);
  // Back where the room is, not from the top.
  expect((await lastStart(page))!.offsetSec).toBeGreaterThan(1);
});
