/**
 * The peer-exchange protocol's one message: the peers a neighbour is connected to, with their
 * addresses. Decoded and checked with the JSON frame codec and the shared validators; a bad list is
 * refused whole with a reason the service counts (`not-json`, `bad-shape`, `bad-peer-or-addr`).
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { PeerId } from '@libp2p/interface';
import { err, ok, type Result } from '../../shared/result';
import { arrayOf, obj, str } from '../../shared/validate';
import { decodeJsonFrame } from './json-frame';

/** A peer another peer is connected to, with the addresses it listens on. */
export interface PeerExchangeEntry {
  peerId: PeerId;
  addrs: Multiaddr[];
}

/** Why a peer list was refused, and what was wrong with it. */
export interface PeerListRejection {
  reason: 'not-json' | 'bad-shape' | 'bad-peer-or-addr';
  detail: string;
}

/** Bounds of one list and of the peers in it. */
export interface PeerListLimits {
  maxPeers: number;
  maxAddrsPerPeer: number;
}

/** The text a multiaddr or peer id may take (the whole frame is bounded by the stream's limit). */
const MAX_TEXT = 4096;

// Fields added by later builds are left out, not refused: an older peer still takes the list.
const peerListOf = ({ maxPeers, maxAddrsPerPeer }: PeerListLimits) =>
  obj(
    {
      peers: arrayOf(
        obj({ id: str(MAX_TEXT), addrs: arrayOf(str(MAX_TEXT), maxAddrsPerPeer) }, { unknownFields: 'drop' }),
        maxPeers,
      ),
    },
    { unknownFields: 'drop' },
  );

/**
 * Decodes a neighbour's list; peers named `self` or `from` are left out (we know ourselves and the
 * sender). Never throws: bad bytes, shapes, peer ids or addresses refuse the list with a reason.
 */
export function decodePeerList(
  bytes: Uint8Array,
  known: { self: PeerId; from: PeerId },
  limits: PeerListLimits,
): Result<PeerExchangeEntry[], PeerListRejection> {
  const decoded = decodeJsonFrame(bytes, peerListOf(limits));
  if (!decoded.ok)
    return err({
      reason: decoded.error.kind === 'not-json' ? 'not-json' : 'bad-shape',
      detail: decoded.error.detail,
    });
  const entries: PeerExchangeEntry[] = [];
  for (const { id, addrs } of decoded.value.peers) {
    let peerId: PeerId;
    let parsed: Multiaddr[];
    try {
      peerId = peerIdFromString(id);
      parsed = addrs.map((text) => multiaddr(text));
    } catch (error) {
      return err({
        reason: 'bad-peer-or-addr',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
    if (peerId.equals(known.self) || peerId.equals(known.from)) continue;
    entries.push({ peerId, addrs: parsed });
  }
  return ok(entries);
}
