import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import { encodeJsonFrame } from './json-frame';
import { decodePeerList } from './peer-list';

const aPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
const limits = { maxPeers: 2, maxAddrsPerPeer: 2 };

describe('decodePeerList', () => {
  it('decodes peers and their addresses, leaving out ourselves and the sender', async () => {
    const [self, from, other] = [await aPeer(), await aPeer(), await aPeer()];
    const bytes = encodeJsonFrame({
      peers: [
        { id: other.toString(), addrs: ['/ip4/127.0.0.1/tcp/4001'], later: 'a field of a newer build' },
        { id: self.toString(), addrs: [] },
      ],
      version: 2,
    });
    const r = decodePeerList(bytes, { self, from }, limits);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((e) => e.peerId.toString())).toEqual([other.toString()]);
    expect(r.value[0]!.addrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4001']);
  });

  it('refuses bad input whole, with the reason counted, and never throws', async () => {
    const [self, from, other] = [await aPeer(), await aPeer(), await aPeer()];
    const id = other.toString();
    const cases: [Uint8Array, string][] = [
      [new Uint8Array([0xc3, 0x28]), 'not-json'],
      [new TextEncoder().encode('{"peers": ['), 'not-json'],
      [encodeJsonFrame(null), 'bad-shape'],
      [encodeJsonFrame({ peers: 'all of them' }), 'bad-shape'],
      [encodeJsonFrame({ peers: [null] }), 'bad-shape'],
      [encodeJsonFrame({ peers: [{ id, addrs: [7] }] }), 'bad-shape'],
      [encodeJsonFrame({ peers: [{ id: 7, addrs: [] }] }), 'bad-shape'],
      [encodeJsonFrame({ peers: Array(3).fill({ id, addrs: [] }) }), 'bad-shape'],
      [encodeJsonFrame({ peers: [{ id, addrs: Array(3).fill('/ip4/127.0.0.1/tcp/1') }] }), 'bad-shape'],
      [encodeJsonFrame({ peers: [{ id: 'not a peer id', addrs: [] }] }), 'bad-peer-or-addr'],
      [encodeJsonFrame({ peers: [{ id, addrs: ['/ip9/nowhere'] }] }), 'bad-peer-or-addr'],
    ];
    for (const [bytes, reason] of cases) {
      const r = decodePeerList(bytes, { self, from }, limits);
      expect(r.ok ? 'accepted' : r.error.reason, new TextDecoder().decode(bytes)).toBe(reason);
    }
  });
});
