import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BadAnnounceAddressError, BadBootstrapAddressError, createPeerNode } from './node';
import type { PeerNode } from './node';
import { PEER_KEY_FILE, PeerKeyCorruptError } from './peer-key';
import { deriveRoom } from './room';
import type { Room } from './room';
import { TestNet, freePort, portOf, waitFor } from './testing/helpers';

let room: Room;
let otherRoom: Room;
const net = new TestNet();

beforeAll(async () => {
  room = await deriveRoom('node-test-room');
  otherRoom = await deriveRoom('some other passphrase');
});
afterEach(() => net.cleanup());

const connected = (a: PeerNode, b: PeerNode): boolean =>
  a.connectedPeers().includes(b.peerId) && b.connectedPeers().includes(a.peerId);

describe('PeerNode', () => {
  it('connects three bootstrapped nodes into a full mesh (host:port and multiaddr forms)', async () => {
    const a = await net.node({ room });
    const b = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(a)}`] });
    const withPeerId = a.listenAddrs()[0] ?? '';
    expect(withPeerId).toContain(`/p2p/${a.peerId}`);
    const c = await net.node({ room, bootstrap: [withPeerId] });

    // c and b only know a; peer exchange over a makes them meet directly.
    await waitFor(
      () => connected(a, b) && connected(a, c) && connected(b, c),
      'a, b and c all connected to each other',
    );
    expect(b.bootstrapStatus()).toEqual([
      expect.objectContaining({ target: `127.0.0.1:${portOf(a)}`, peerId: a.peerId, connected: true }),
    ]);
    expect(
      c
        .netEvents()
        .some((e) => e.kind === 'dial:ok' && e.source === 'peer-exchange' && e.peerId === b.peerId) ||
        b
          .netEvents()
          .some((e) => e.kind === 'dial:ok' && e.source === 'peer-exchange' && e.peerId === c.peerId),
    ).toBe(true);

    const rttMs = await b.ping(c.peerId);
    expect(rttMs).toBeGreaterThanOrEqual(0);
    expect(rttMs).toBeLessThan(1_000);
  });

  it('dials a room member by the addresses its heartbeat names, and ignores addresses that do not parse', async () => {
    const a = await net.node({ room });
    const b = await net.node({ room });
    expect(connected(a, b)).toBe(false);
    a.dialMember(b.peerId, ['not an address', ...b.listenAddrs()]);
    await waitFor(() => connected(a, b), 'a dialled b');
    expect(
      a.netEvents().some((e) => e.kind === 'dial:ok' && e.source === 'member' && e.peerId === b.peerId),
    ).toBe(true);
    // Nothing to dial: no error, no event.
    const before = a.netEvents().length;
    a.dialMember('not a peer id', b.listenAddrs());
    a.dialMember(b.peerId, ['garbage']);
    expect(a.netEvents().length).toBe(before);
  });

  it('emits peer:connected and peer:disconnected', async () => {
    const a = await net.node({ room });
    const seen: string[] = [];
    a.on('peer:connected', ({ peerId }) => seen.push(`+${peerId}`));
    a.on('peer:disconnected', ({ peerId }) => seen.push(`-${peerId}`));
    const b = await net.node({ room, bootstrap: [`127.0.0.1:${portOf(a)}`] });
    await waitFor(() => seen.includes(`+${b.peerId}`), 'a sees b connect');
    await net.stop(b);
    await waitFor(() => seen.includes(`-${b.peerId}`), 'a sees b leave');
  });

  it('never connects a node with another passphrase, and says the passphrase may differ', async () => {
    const a = await net.node({ room });
    const stranger = await net.node({
      room: otherRoom,
      bootstrap: [`127.0.0.1:${portOf(a)}`],
      dialTimeoutMs: 1_500,
    });
    await waitFor(
      () => (stranger.bootstrapStatus()[0]?.failures ?? 0) >= 2,
      'two failed dials from the stranger',
      20_000,
    );

    const status = stranger.bootstrapStatus()[0];
    expect(status?.connected).toBe(false);
    expect(['timeout', 'handshake']).toContain(status?.lastError?.reason);
    expect(status?.lastError?.message).toContain('different room passphrase (pnet)');
    const failure = stranger.netEvents().find((e) => e.kind === 'dial:failed');
    expect(failure && 'message' in failure ? failure.message : '').toContain(
      'different room passphrase (pnet)',
    );
    expect(stranger.connectedPeers()).toEqual([]);
    expect(a.connectedPeers()).toEqual([]);
  });

  it('keeps redialling a bootstrap target that starts later, and again after it restarts', async () => {
    const port = await freePort();
    const late = await net.node({ room, bootstrap: [`127.0.0.1:${port}`] });
    await waitFor(() => late.bootstrapStatus()[0]?.lastError !== null, 'first failed dial');
    expect(late.bootstrapStatus()[0]?.lastError?.reason).toBe('refused');

    const targetDir = await net.tempDir();
    const target = await net.node({ room, port, dataDir: targetDir });
    await waitFor(() => connected(late, target), 'late node connects once the target is up');
    expect(late.bootstrapStatus()[0]).toMatchObject({ peerId: target.peerId, connected: true, failures: 0 });

    await net.stop(target);
    await waitFor(() => !late.connectedPeers().includes(target.peerId), 'target gone');
    const restarted = await net.node({ room, port, dataDir: targetDir });
    expect(restarted.peerId).toBe(target.peerId);
    await waitFor(() => connected(late, restarted), 'late node reconnects after the target restarts');
  });

  it('backs off between failed bootstrap dials: doubling up to the longest wait, and from the first again once connected', async () => {
    const port = await freePort();
    const target = `127.0.0.1:${port}`;
    const late = await net.node({ room, bootstrap: [target], initialBackoffMs: 100, maxBackoffMs: 400 });
    const failures = () =>
      late
        .netEvents()
        .filter((e) => e.kind === 'dial:failed' && e.source === 'bootstrap' && e.target === target)
        .map((e) => e.atMs);
    const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
    // Each wait is the nominal one ±20 % (jitter), plus the refused dial and timer lateness on a busy machine.
    const expectWaits = (measured: number[], nominal: number[]) => {
      expect(measured.length).toBe(nominal.length);
      measured.forEach((gap, i) => {
        expect(gap, `wait ${i + 1} of ${measured.join(', ')} ms`).toBeGreaterThanOrEqual(
          0.8 * nominal[i]! - 2,
        );
        expect(gap, `wait ${i + 1} of ${measured.join(', ')} ms`).toBeLessThanOrEqual(
          1.2 * nominal[i]! + 150,
        );
      });
    };
    await waitFor(() => failures().length >= 6, 'six failed dials', 10_000);
    expectWaits(gaps(failures().slice(0, 6)), [100, 200, 400, 400, 400]);

    const up = await net.node({ room, port });
    await waitFor(() => connected(late, up), 'connects once the target is up', 10_000);
    const before = failures().length;
    await net.stop(up);
    await waitFor(() => failures().length >= before + 3, 'three failed dials after the target left', 10_000);
    // The first redial follows the disconnect at once; the waits start over from the first.
    expectWaits(gaps(failures().slice(before, before + 3)), [100, 200]);
  });

  it('skips a bootstrap entry that is its own address', async () => {
    const port = await freePort();
    const self = await net.node({ room, port, bootstrap: [`127.0.0.1:${port}`] });
    await waitFor(() => self.bootstrapStatus()[0]?.self === true, 'own address recognised');
    expect(self.connectedPeers()).toEqual([]);
  });

  it('keeps its peer id across restarts with the same data folder', async () => {
    const dataDir = await net.tempDir();
    const first = await net.node({ room, dataDir });
    const id = first.peerId;
    await net.stop(first);
    const again = await net.node({ room, dataDir });
    expect(again.peerId).toBe(id);
    const other = await net.node({ room });
    expect(other.peerId).not.toBe(id);
    expect((await stat(join(dataDir, PEER_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dataDir, PEER_KEY_FILE))).length).toBeGreaterThan(32);
  });

  it('refuses a corrupt key file instead of silently becoming another peer', async () => {
    const dataDir = await net.tempDir();
    await writeFile(join(dataDir, PEER_KEY_FILE), 'not a key');
    await expect(
      createPeerNode({ room, dataDir, listenHost: '127.0.0.1', mdns: false }),
    ).rejects.toBeInstanceOf(PeerKeyCorruptError);
  });

  it('rejects an unparsable bootstrap entry up front', async () => {
    const dataDir = await net.tempDir();
    await expect(
      createPeerNode({ room, dataDir, listenHost: '127.0.0.1', mdns: false, bootstrap: ['nonsense'] }),
    ).rejects.toBeInstanceOf(BadBootstrapAddressError);
  });

  it('tells other peers the announce addresses instead of the listening ones, and refuses one that is not a multiaddr', async () => {
    const node = await net.node({ room, announce: ['/ip4/127.0.0.1/tcp/9'] });
    expect(node.listenAddrs().map((a) => a.split('/p2p/')[0])).toEqual(['/ip4/127.0.0.1/tcp/9']);
    const dataDir = await net.tempDir();
    await expect(
      createPeerNode({ room, dataDir, listenHost: '127.0.0.1', mdns: false, announce: ['127.0.0.1:9'] }),
    ).rejects.toBeInstanceOf(BadAnnounceAddressError);
  });
});
