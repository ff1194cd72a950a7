import { expect, test, type Page } from '@playwright/test';
import type { TestPeer } from '../../test/support/peers';
import { getStatus, openWindow, startRoom } from './helpers';

let peers: TestPeer[] = [];

test.afterEach(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  peers = [];
});

const row = (page: Page, peer: TestPeer) =>
  page.locator(`[data-testid="peers-table"] tr[data-peer-id="${peer.peerId}"]`);

test('the Room view lists every device with role, leader mark, epoch, RTT and last seen, and follows a failover and a change of room', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  peers = await startRoom(['desk', 'den', 'attic'], null);
  const [desk, den, attic] = peers as [TestPeer, TestPeer, TestPeer];
  const page = await openWindow(browser, den);
  await page.getByTestId('nav-room').click();

  const epoch = (await getStatus(den.ui)).leader?.epoch as number;
  await expect(page.getByTestId('peers-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('leader-name')).toContainText('desk');
  await expect(page.getByTestId('leader-epoch')).toHaveText(String(epoch));
  // The leader's row: its name, the leader mark, its role and epoch.
  await expect(row(page, desk).getByRole('rowheader')).toContainText('desk');
  await expect(row(page, desk).getByLabel('leader')).toBeVisible();
  await expect(row(page, desk).getByRole('cell').first()).toHaveText(`Leader · epoch ${epoch}`);
  // This device is marked, has no RTT to itself and is not "seen".
  await expect(row(page, den).getByRole('rowheader')).toContainText('you');
  await expect(row(page, den).getByLabel('leader')).toHaveCount(0);
  // The other follower: its role, a measured RTT (pinged every 2 s) and when it was last heard.
  await expect(row(page, attic).getByRole('cell').first()).toHaveText('Follower');
  await expect(row(page, attic).getByRole('cell').nth(1)).toHaveText(/^\d+\.\d+ ms$/, { timeout: 15_000 });
  await expect(row(page, desk).getByRole('cell').nth(1)).toHaveText(/^\d+\.\d+ ms$/, { timeout: 15_000 });
  await expect(row(page, attic).getByRole('cell').last()).toHaveText(/^(just now|[1-3] s ago)$/);

  // The leader dies: the view names the new leader at a higher epoch and drops the dead device.
  await desk.stop('SIGKILL');
  // Until the survivors agree on the next leader, den may have none.
  await expect
    .poll(
      async () => {
        const leader = (await getStatus(den.ui)).leader?.peerId;
        return leader === den.peerId || leader === attic.peerId;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const after = await getStatus(den.ui);
  const next = peers.find((p) => p.peerId === after.leader?.peerId) as TestPeer;
  await expect(page.getByTestId('leader-name')).toContainText(next.name, { timeout: 15_000 });
  await expect(page.getByTestId('leader-epoch')).toHaveText(String(after.leader?.epoch));
  expect(after.leader?.epoch).toBeGreaterThan(epoch);
  await expect(page.getByTestId('peers-table').locator('tbody tr')).toHaveCount(2, { timeout: 15_000 });
  await expect(row(page, desk)).toHaveCount(0);
  await expect(row(page, next).getByRole('cell').first()).toHaveText(`Leader · epoch ${after.leader?.epoch}`);

  // A new passphrase in Settings moves this device to another room: it is alone there, and leads it.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('room-passphrase').fill('a room of its own');
  await page.getByRole('button', { name: 'Join room' }).click();
  await page.getByTestId('nav-room').click();
  await expect(page.getByText('private room')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('peers-table').locator('tbody tr')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.getByTestId('leader-name')).toContainText('den', { timeout: 30_000 });
  await expect
    .poll(async () => (await getStatus(attic.ui)).members.map((m) => m.peerId), { timeout: 30_000 })
    .not.toContain(den.peerId);
  // The two rooms cannot even connect: attic is alone in the default room.
  await expect
    .poll(async () => (await getStatus(attic.ui)).config.connectedPeers, { timeout: 30_000 })
    .toEqual([]);
  expect((await getStatus(attic.ui)).leader?.peerId).toBe(attic.peerId);
});
