/** A peer counts as a speaker while a window is connected to it, and the room learns it through heartbeats. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { launchPeer, stopPeers, type TestPeer } from './support/peers';
import { waitForStatuses } from './support/status';

let peers: TestPeer[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

describe('speakers', () => {
  it('tells the room when a window connects to a peer and when it goes away', async () => {
    const a = await launchPeer({ name: 'a', args: ['--priority', '2'] });
    const b = await launchPeer({ name: 'b', args: ['--bootstrap', a.addrs[0] as string] });
    peers = [a, b];
    const speakerOfB = ([s]: Array<{ members: Array<{ peerId: string; speaker?: boolean }> } | undefined>) =>
      s?.members.find((m) => m.peerId === b.peerId)?.speaker;
    await waitForStatuses([a.ui], (s) => speakerOfB(s) === false, { what: 'b listed without a speaker' });

    // A window offers its token as a subprotocol, as the UI does.
    const window = new WebSocket(`${b.ui.replace('http', 'ws')}/bridge`, [
      'firefly',
      `firefly-token.${b.token}`,
    ]);
    await new Promise((resolve, reject) => window.once('open', resolve).once('error', reject));
    const withWindow = await waitForStatuses([a.ui], (s) => speakerOfB(s) === true, {
      what: 'b listed as a speaker',
    });
    expect(speakerOfB(withWindow)).toBe(true);

    window.close();
    const closed = await waitForStatuses([a.ui], (s) => speakerOfB(s) === false, {
      what: 'b a speaker no more',
    });
    expect(speakerOfB(closed)).toBe(false);
  }, 60_000);
});
