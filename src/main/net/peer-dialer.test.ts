import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { PeerDialer } from './peer-dialer';

const aPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'));

/** A dialer over a libp2p stand-in whose dials wait until the test settles them. */
function aDialer(selfId: string, connected: Set<string> = new Set()) {
  const dials: Array<{ target: unknown; settle: (error?: Error) => void }> = [];
  const log: Array<Record<string, unknown>> = [];
  const controller = new AbortController();
  const libp2p = {
    getConnections: (peerId: PeerId) => (connected.has(peerId.toString()) ? [{}] : []),
    dial: (target: unknown) =>
      new Promise((resolve, reject) =>
        dials.push({ target, settle: (error) => (error ? reject(error) : resolve({})) }),
      ),
  } as unknown as ConstructorParameters<typeof PeerDialer>[0]['libp2p'];
  const dialer = new PeerDialer(
    { libp2p, selfId, signal: controller.signal, record: (entry) => log.push(entry) },
    { dialTimeoutMs: 5_000 },
  );
  return { dialer, dials, log, controller };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PeerDialer', () => {
  it('dials a peer once while a dial is in flight, with its id on each address, and logs the outcome', async () => {
    const peer = await aPeer();
    const { dialer, dials, log } = aDialer('SelfPeer');
    dialer.dial(peer, [multiaddr('/ip4/127.0.0.1/tcp/4001')], 'mdns');
    dialer.dial(peer, [multiaddr('/ip4/127.0.0.1/tcp/4001')], 'mdns');
    expect(dials).toHaveLength(1);
    expect((dials[0]?.target as unknown[]).map(String)).toEqual([`/ip4/127.0.0.1/tcp/4001/p2p/${peer}`]);
    dials[0]?.settle();
    await settled();
    expect(log).toEqual([
      { kind: 'peer:discovered', source: 'mdns', peerId: peer.toString() },
      { kind: 'dial:ok', source: 'mdns', target: peer.toString(), peerId: peer.toString() },
    ]);
    dialer.dial(peer, [], 'discovery');
    expect(dials).toHaveLength(2);
  });

  it('never dials itself or a peer already connected', async () => {
    const self = await aPeer();
    const other = await aPeer();
    const { dialer, dials } = aDialer(self.toString(), new Set([other.toString()]));
    dialer.dial(self, [], 'discovery');
    dialer.dial(other, [], 'discovery');
    expect(dials).toHaveLength(0);
  });

  it('logs why a dial failed, and nothing once the node stopped', async () => {
    const peer = await aPeer();
    const { dialer, dials, log, controller } = aDialer('SelfPeer');
    dialer.dial(peer, [multiaddr('/ip4/127.0.0.1/tcp/9')], 'peer-exchange');
    dials[0]?.settle(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    await settled();
    expect(log.at(-1)).toMatchObject({ kind: 'dial:failed', source: 'peer-exchange', reason: 'refused' });
    dialer.dial(peer, [], 'discovery');
    controller.abort();
    dials[1]?.settle(new Error('aborted'));
    await settled();
    expect(log.at(-1)).toMatchObject({ kind: 'dial:failed', reason: 'refused' });
    dialer.dial(peer, [], 'discovery');
    expect(dials).toHaveLength(2);
  });

  it('skips a member with a malformed id or no address that parses', async () => {
    const peer = await aPeer();
    const { dialer, dials, log } = aDialer('SelfPeer');
    dialer.dialMember('not a peer id', ['/ip4/127.0.0.1/tcp/4001']);
    dialer.dialMember(peer.toString(), ['garbage']);
    expect(dials).toHaveLength(0);
    dialer.dialMember(peer.toString(), ['garbage', '/ip4/127.0.0.1/tcp/4001']);
    expect(dials).toHaveLength(1);
    expect(log[0]).toEqual({ kind: 'peer:discovered', source: 'member', peerId: peer.toString() });
  });
});
