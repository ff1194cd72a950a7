/**
 * A device's real state, in its own window and in every other device's Room view: a browser that
 * allows no audio without a click keeps its page silent while the room plays; that page says so
 * with an "Enable sound" button, the other device's Room view shows "no sound — needs a click" for
 * it, and one click makes it play. Health is judged by each speaker's output, not its clock bound.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { stopPeers, type TestPeer } from '../../test/support/peers';
import { musicFolder, openWindow, removeMusicFolders, startRoom, TITLES, waitForTracks } from './helpers';

let peers: TestPeer[] = [];
let strictBrowser: Browser | null = null;

test.afterEach(async () => {
  await strictBrowser?.close();
  strictBrowser = null;
  await stopPeers(peers);
  peers = [];
  removeMusicFolders();
});

test('a silent browser says it needs a click, and the room sees it', async ({ browser }) => {
  peers = await startRoom(['living-room', 'kitchen'], await musicFolder());
  const [living, kitchen] = peers as [TestPeer, TestPeer];
  for (const peer of peers) await waitForTracks(peer, TITLES.length);

  // The kitchen's browser has no autoplay exemption: its AudioContext stays suspended until a click.
  const launch = test.info().project.use.launchOptions ?? {};
  strictBrowser = await chromium.launch({
    ...launch,
    args: (launch.args ?? []).filter((arg) => !arg.startsWith('--autoplay-policy')),
  });
  const kitchenPage = await openWindow(strictBrowser, kitchen, { tracks: TITLES.length });
  const livingPage = await openWindow(browser, living, { tracks: TITLES.length });

  await livingPage.getByTestId('track-row').filter({ hasText: 'Long Noise' }).dblclick();
  await expect(kitchenPage.getByTestId('np-title')).toHaveText('Long Noise');

  // The kitchen's own window tells the truth, and so does the living room's Room view.
  await expect(kitchenPage.getByTestId('enable-sound')).toBeVisible();
  await livingPage.getByTestId('nav-room').click();
  const kitchenRow = livingPage.locator(`[data-testid="peers-table"] tr[data-peer-id="${kitchen.peerId}"]`);
  const livingRow = livingPage.locator(`[data-testid="peers-table"] tr[data-peer-id="${living.peerId}"]`);
  await expect(kitchenRow.getByTestId('device-speaker')).toHaveText('No sound — needs a click');
  await expect(kitchenRow.getByRole('rowheader')).toContainText('out of sync');
  await expect(livingRow.getByTestId('device-speaker')).toHaveText(/^Playing · (<0\.01|\d+\.\d\d) ms off$/, {
    timeout: 30_000,
  });
  // Judged by its output against group time: a device a fraction of a millisecond off is green.
  await expect(livingRow.getByRole('rowheader')).toContainText(/in sync|slightly off/);

  // One click: the kitchen plays, and the room sees it.
  await kitchenPage.getByRole('button', { name: 'Enable sound' }).click();
  await expect(kitchenPage.getByTestId('enable-sound')).toBeHidden();
  await expect(kitchenRow.getByTestId('device-speaker')).toHaveText(/^Playing/, { timeout: 30_000 });
});
