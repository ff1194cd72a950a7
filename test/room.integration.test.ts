/** Real headless peers in separate processes on loopback: they bootstrap into one room and agree on a leader (Bully). */
import { afterEach, describe, expect, it } from 'vitest';
import { launchPeer, stopPeers, type TestPeer } from './support/peers';
import { agreeOnLeader, waitForStatuses } from './support/status';

let peers: TestPeer[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

describe('room of real peers', () => {
  it('elects the highest peer, replaces it when killed, and hands back to it when it returns', async () => {
    const first = await launchPeer({ name: 'low', args: ['--priority', '1'] });
    const bootstrap = first.addrs.find((a) => a.includes('/127.0.0.1/')) as string;
    const middle = await launchPeer({ name: 'middle', args: ['--priority', '2', '--bootstrap', bootstrap] });
    const high = await launchPeer({
      name: 'high',
      args: [
        '--priority',
        '3',
        '--bootstrap',
        bootstrap
          .replace(/\/p2p\/.*/, '')
          .replace('/ip4/', '')
          .replace('/tcp/', ':'),
      ],
    });
    peers = [first, middle, high];

    const all = await waitForStatuses(
      peers.map((p) => p.ui),
      (s) => agreeOnLeader(s, high.peerId) && s.every((x) => x.members.length === 2),
      { what: 'leader high' },
    );
    const epoch = all[0]?.leader?.epoch ?? 0;
    expect(all.map((s) => s.leader?.epoch)).toEqual([epoch, epoch, epoch]);
    // The leader learns each member's role from its next heartbeat (one every 500 ms): until then it may show the
    // role a member had before the election ended.
    const roles = await waitForStatuses(
      [high.ui],
      (s) => s[0]?.members.every((m) => m.role === 'follower') === true,
      { what: 'every member a follower, as the leader sees it', timeoutMs: 5000 },
    );
    expect(roles[0]?.members.map((m) => m.role)).toEqual(['follower', 'follower']);

    // kill -9 the leader: the survivors elect the next highest, in a newer epoch.
    await high.stop('SIGKILL');
    const after = await waitForStatuses(
      [first.ui, middle.ui],
      (s) => agreeOnLeader(s, middle.peerId) && s.every((x) => x.members.length === 1),
      { what: 'leader middle' },
    );
    expect(after[0]?.leader?.epoch).toBeGreaterThan(epoch);
    expect(after[0]?.members.map((m) => m.name)).toEqual(['middle']);

    // The old leader comes back with its identity (same data folder) and takes over again.
    const back = await launchPeer({
      name: 'high',
      dataDir: high.dataDir,
      args: ['--priority', '3', '--bootstrap', bootstrap],
    });
    peers = [first, middle, back];
    expect(back.peerId).toBe(high.peerId);
    const final = await waitForStatuses(
      peers.map((p) => p.ui),
      (s) => agreeOnLeader(s, high.peerId) && s.every((x) => x.members.length === 2),
      { what: 'leader high again' },
    );
    expect(final[0]?.leader?.epoch).toBeGreaterThan(after[0]?.leader?.epoch ?? 0);
  }, 120_000);

  it('keeps peers of another room out, and says why in debug', async () => {
    const a = await launchPeer({ name: 'a', args: ['--room', 'kitchen'] });
    peers = [a];
    const bootstrap = a.addrs.find((x) => x.includes('/127.0.0.1/')) as string;
    const b = await launchPeer({ name: 'b', args: ['--room', 'garage', '--bootstrap', bootstrap] });
    peers.push(b);
    const [status] = await waitForStatuses(
      [b.ui],
      ([s]) =>
        JSON.stringify(s?.config.bootstrap ?? '').includes('passphrase') && s?.leader?.peerId === b.peerId,
      { what: 'a bootstrap failure naming the passphrase, and b leading a room of one' },
    );
    expect(status?.members).toEqual([]);
    expect(JSON.stringify(status?.log)).toMatch(/passphrase/);
  }, 60_000);
});
