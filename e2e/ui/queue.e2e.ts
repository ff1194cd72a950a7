import { expect, test } from '@playwright/test';
import { type TestPeer } from '../../test/support/peers';
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

test('queue: add by button, Q key and context menu; reorder by buttons and drag and drop; remove', async ({
  browser,
}) => {
  const peers = await startRoom(['desk'], await musicFolder());
  const [desk] = peers as [TestPeer];
  await waitForTracks(desk, TITLES.length);
  const page = await openWindow(browser, desk, { tracks: TITLES.length });
  const row = (title: string) => page.getByTestId('track-row').filter({ hasText: title });

  // Button on the row (visible on hover).
  await row('FLAC Tone').hover();
  await page.getByRole('button', { name: 'Add FLAC Tone to the queue' }).click();
  await expect.poll(() => queueTitles(desk)).toEqual(['FLAC Tone']);

  // Q on the selected row.
  await row('OGG Tone').click();
  await page.keyboard.press('q');
  await expect.poll(() => queueTitles(desk)).toEqual(['FLAC Tone', 'OGG Tone']);

  // Context menu, by mouse and by keyboard (Shift+F10, arrows, Enter).
  await row('WAV Tone').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Add to queue' }).click();
  await expect.poll(() => queueTitles(desk)).toEqual(['FLAC Tone', 'OGG Tone', 'WAV Tone']);
  await row('Covered').click();
  await page.keyboard.press('Shift+F10');
  await expect(page.getByRole('menu')).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'Play', exact: true })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menu')).toBeHidden();
  await expect.poll(() => queueTitles(desk)).toEqual(['FLAC Tone', 'OGG Tone', 'WAV Tone', 'Covered']);

  await page.getByTestId('nav-queue').click();
  const items = page.getByTestId('queue-item').getByTestId('queue-title');
  await expect(items).toHaveText(['FLAC Tone', 'OGG Tone', 'WAV Tone', 'Covered']);
  await expect(page.getByTestId('nav-queue')).toContainText('4');

  await page.getByRole('button', { name: 'Move FLAC Tone down' }).click();
  await expect(items).toHaveText(['OGG Tone', 'FLAC Tone', 'WAV Tone', 'Covered']);
  await page.getByRole('button', { name: 'Move Covered up' }).click();
  await expect(items).toHaveText(['OGG Tone', 'FLAC Tone', 'Covered', 'WAV Tone']);

  // Drag the first entry onto the lower half of the last one: it moves to the end.
  const entries = page.getByTestId('queue-item');
  const target = entries.nth(3);
  const box = await target.boundingBox();
  await entries.nth(0).dragTo(target, { targetPosition: { x: 40, y: (box?.height ?? 40) - 6 } });
  await expect(items).toHaveText(['FLAC Tone', 'Covered', 'WAV Tone', 'OGG Tone']);
  // And the last one onto the upper half of the first: it moves to the top.
  await entries.nth(3).dragTo(entries.nth(0), { targetPosition: { x: 40, y: 6 } });
  await expect(items).toHaveText(['OGG Tone', 'FLAC Tone', 'Covered', 'WAV Tone']);

  await page.getByRole('button', { name: 'Remove Covered from the queue' }).click();
  await expect(items).toHaveText(['OGG Tone', 'FLAC Tone', 'WAV Tone']);
  expect(await queueTitles(desk)).toEqual(['OGG Tone', 'FLAC Tone', 'WAV Tone']);
  await expect(page.getByTestId('announcer')).toContainText('Removed Covered from the queue.');

  await page.getByRole('button', { name: 'Clear queue' }).click();
  await expect(page.getByText('The queue is empty')).toBeVisible();
});
