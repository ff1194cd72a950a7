import { expect, test } from '@playwright/test';
import { type TestPeer } from '../../test/support/peers';
import { musicFolder, openWindow, startRoom, stopRoomsAfterEach, TITLES, waitForTracks } from './helpers';

stopRoomsAfterEach();

test('search narrows the list, the filter and sort apply, and covers load', async ({ browser }) => {
  const peers = await startRoom(['desk'], await musicFolder());
  const [desk] = peers as [TestPeer];
  await waitForTracks(desk, TITLES.length);
  const page = await openWindow(browser, desk, { tracks: TITLES.length });
  const rows = page.getByTestId('track-row');
  await expect(rows).toHaveCount(TITLES.length);

  const search = page.getByRole('searchbox', { name: 'Search the library' });
  await search.fill('flac');
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId('track-title')).toHaveText('FLAC Tone');
  await expect(page.getByTestId('library-count')).toHaveText(`1 of ${TITLES.length} tracks`);
  await search.fill('tone firefly');
  await expect(rows).toHaveCount(4);
  await search.press('Escape');
  await expect(search).toHaveValue('');
  await expect(rows).toHaveCount(TITLES.length);

  await page.getByRole('radio', { name: 'Elsewhere' }).click();
  await expect(page.getByText('No tracks match')).toBeVisible();
  await page.getByRole('radio', { name: 'On this device' }).click();
  await expect(rows).toHaveCount(TITLES.length);

  await page.getByRole('button', { name: 'Sort by title' }).click();
  await expect(rows.getByTestId('track-title')).toHaveText([...TITLES].sort((a, b) => a.localeCompare(b)));
  await page.getByRole('button', { name: 'Sort by title' }).click();
  await expect(rows.getByTestId('track-title')).toHaveText([...TITLES].sort((a, b) => b.localeCompare(a)));

  const cover = rows.filter({ hasText: 'Covered' }).getByTestId('cover-image').locator('img');
  await expect(cover).toHaveJSProperty('complete', true);
  expect(await cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(rows.filter({ hasText: 'MP3 Tone' }).getByTestId('cover-placeholder')).toBeVisible();
});

test('a track only another PC holds shows its cover, fetched from that PC', async ({ browser }) => {
  const peers = await startRoom(['desk', 'den'], await musicFolder());
  const [, den] = peers as [TestPeer, TestPeer];
  await waitForTracks(den, TITLES.length);
  const page = await openWindow(browser, den, { tracks: TITLES.length });
  const rows = page.getByTestId('track-row');
  await page.getByRole('radio', { name: 'Elsewhere' }).click();
  await expect(rows).toHaveCount(TITLES.length);
  const cover = rows.filter({ hasText: 'Covered' }).getByTestId('cover-image').locator('img');
  await expect(cover).toHaveJSProperty('complete', true);
  expect(await cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(rows.filter({ hasText: 'MP3 Tone' }).getByTestId('cover-placeholder')).toBeVisible();
});

test('50,000 tracks: only visible rows render, scrolling stays smooth, search stays fast', async ({
  browser,
}) => {
  const peers = await startRoom(['desk'], null);
  const [desk] = peers as [TestPeer];
  const page = await openWindow(browser, desk, { query: '?fixture=50000' });
  await expect(page.getByTestId('library-count')).toHaveText('50,000 tracks · generated test library');
  const rows = page.getByTestId('track-row');
  expect(await rows.count()).toBeLessThan(60);

  // Scroll through the list a screen per frame and time the frames the browser paints.
  const frames = await page.getByTestId('track-list').evaluate(async (el) => {
    const times: number[] = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
      el.scrollTop += 700;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times.sort((a, b) => a - b);
  });
  const p95 = frames[Math.floor(frames.length * 0.95)] ?? Infinity;
  const median = frames[Math.floor(frames.length / 2)] ?? Infinity;
  test.info().annotations.push({
    type: 'scroll frame ms',
    description: `median ${median.toFixed(1)}, p95 ${p95.toFixed(1)}`,
  });
  // A non-virtualized list takes seconds per frame; the frame-time figures themselves are the annotation's
  // (a shared 2-core machine with software rendering measured a p95 of 104 ms once under CI load).
  expect(p95).toBeLessThan(1000);
  expect(await rows.count()).toBeLessThan(60);

  await page.getByTestId('track-list').focus();
  await page.keyboard.press('End');
  await expect(page.locator('[aria-selected=true] .col-index')).toHaveText('50,000');

  const started = Date.now();
  await page.getByRole('searchbox', { name: 'Search the library' }).fill('amber orchard live');
  await expect(page.getByTestId('library-count')).toHaveText(/^\d[\d,]* of 50,000 tracks/);
  const searchMs = Date.now() - started;
  test.info().annotations.push({ type: 'search ms', description: String(searchMs) });
  expect(searchMs).toBeLessThan(3000);
  for (const title of await rows.getByTestId('track-title').allTextContents()) expect(title).toMatch(/Live/);
});

test('keyboard: shortcuts dialog traps focus and closes with Escape; / searches; Ctrl+, opens settings', async ({
  browser,
}) => {
  const peers = await startRoom(['desk'], await musicFolder());
  const [desk] = peers as [TestPeer];
  await waitForTracks(desk, TITLES.length);
  const page = await openWindow(browser, desk, { tracks: TITLES.length });

  await page.getByTestId('track-list').focus();
  await page.keyboard.press('?');
  const dialog = page.getByTestId('shortcuts-dialog');
  await expect(dialog.getByRole('heading', { name: 'Keyboard shortcuts' })).toBeVisible();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('track-list')).toBeFocused();

  await page.keyboard.press('/');
  await expect(page.getByRole('searchbox', { name: 'Search the library' })).toBeFocused();
  await page.keyboard.type('n');
  await expect(page.getByRole('searchbox', { name: 'Search the library' })).toHaveValue('n');

  await page.keyboard.press('Control+,');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(page.getByTestId('nav-settings')).toHaveAttribute('aria-current', 'page');
});
