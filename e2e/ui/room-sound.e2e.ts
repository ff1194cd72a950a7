/** Settings → Playback in the room (#21 items 2 and 3): crossfade and loudness set in one window, followed by another device's. */
import { expect, test } from '@playwright/test';
import type { PlaybackState } from '../../src/shared/playback/state';
import { apiFetch, type TestPeer } from '../../test/support/peers';
import { openWindow, startRoom, stopRoomsAfterEach } from './helpers';

stopRoomsAfterEach();

const stateOf = async (peer: TestPeer) =>
  (await apiFetch(peer.ui, '/api/state')).json() as Promise<PlaybackState>;

test('crossfade and loudness normalisation are the room’s: set on one device, shown on another', async ({
  browser,
}) => {
  const [desk, den] = (await startRoom(['desk', 'den'], null)) as [TestPeer, TestPeer];
  const deskPage = await openWindow(browser, desk);
  const denPage = await openWindow(browser, den);
  for (const page of [deskPage, denPage]) await page.getByTestId('nav-settings').click();

  // Defaults: no crossfade, each track normalised to -18 LUFS.
  await expect(denPage.getByTestId('crossfade-value')).toHaveText('Off');
  await expect(
    denPage.getByTestId('loudness-mode').getByRole('radio', { name: 'Per track' }),
  ).toHaveAttribute('aria-checked', 'true');
  await expect(denPage.getByTestId('loudness-target-value')).toHaveText('-18 LUFS');

  // Crossfade 3 s by keyboard on the desk; the den's window follows.
  const slider = deskPage.getByTestId('crossfade');
  await slider.focus();
  for (let i = 0; i < 3; i++) await slider.press('ArrowRight');
  await expect.poll(async () => (await stateOf(den)).crossfadeSec).toBe(3);
  await expect(denPage.getByTestId('crossfade-value')).toHaveText('3 s');

  // Album mode and a louder target, from the den.
  await denPage.getByTestId('loudness-mode').getByRole('radio', { name: 'Per album' }).click();
  const target = denPage.getByTestId('loudness-target');
  await target.focus();
  for (let i = 0; i < 4; i++) await target.press('ArrowRight');
  await expect.poll(async () => (await stateOf(desk)).loudness).toEqual({ mode: 'album', targetLufs: -14 });
  await expect(deskPage.getByTestId('loudness-target-value')).toHaveText('-14 LUFS');
  await expect(
    deskPage.getByTestId('loudness-mode').getByRole('radio', { name: 'Per album' }),
  ).toHaveAttribute('aria-checked', 'true');

  // Off: the target cannot be changed while nothing is normalised.
  await deskPage.getByTestId('loudness-mode').getByRole('radio', { name: 'Off' }).click();
  await expect(denPage.getByTestId('loudness-target')).toBeDisabled();
  expect((await stateOf(den)).loudness).toEqual({ mode: 'off', targetLufs: -14 });
});
