import { expect, test } from '@playwright/test';
import { authHeaders, launchPeers, stopPeers, type TestPeer } from '../test/support/peers';

let peers: TestPeer[] = [];

test.afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

test('each window shows its own peer identity', async ({ browser }) => {
  peers = await launchPeers(2);
  for (const peer of peers) {
    const page = await browser.newPage();
    await page.goto(peer.ui);
    await expect(page.getByTestId('peer-name')).toHaveText(peer.name);
    await expect(page.getByTestId('peer-id')).toHaveText(peer.peerId);
  }
  expect(peers[0]?.peerId).not.toBe(peers[1]?.peerId);
});

test('the peer serves /api/status and exits 0 on SIGINT', async ({ request }) => {
  peers = await launchPeers(1);
  const peer = peers[0] as TestPeer;
  const response = await request.get(`${peer.ui}/api/status`, { headers: authHeaders(peer.ui) });
  expect(response.ok()).toBe(true);
  const status = (await response.json()) as { self: { peerId: string; name: string; addrs: string[] } };
  expect(status.self.peerId).toBe(peer.peerId);
  expect(status.self.name).toBe(peer.name);
  expect(status.self.addrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true);
  const bad = await request.post(`${peer.ui}/api/seek`, {
    data: { positionSec: 'soon' },
    headers: authHeaders(peer.ui),
  });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/positionSec/);
  expect(await peer.stop('SIGINT')).toBe(0);
});
