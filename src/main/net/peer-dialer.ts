/**
 * Dialling the peers this node hears of. libp2p 3 only reports discovered peers (mDNS, peer
 * exchange, members named in heartbeats); connecting to them is ours to do: once per peer at a
 * time, never to itself or to a peer already connected, each dial bounded by a timeout and logged
 * with why it failed. Kept apart from the node's lifecycle so the dial rules read in one place.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { explainDialError, type DialSource, type NetEventLog } from './event-log';

/** What the dialer needs from its node. */
export interface PeerDialerComponents {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'>;
  /** This node's own peer id (never dialled). */
  selfId: string;
  /** Aborted when the node stops: no new dials, and a dial in flight gives up quietly. */
  signal: AbortSignal;
  /** Adds an entry to the node's debug log. */
  record(entry: Parameters<NetEventLog['add']>[0]): void;
}

/** Dials discovered peers and room members that have no connection yet. */
export class PeerDialer {
  readonly #c: PeerDialerComponents;
  readonly #dialTimeoutMs: number;
  readonly #dialing = new Set<string>();

  constructor(components: PeerDialerComponents, init: { dialTimeoutMs: number }) {
    this.#c = components;
    this.#dialTimeoutMs = init.dialTimeoutMs;
  }

  /**
   * Connects to a room member heard of in the control channel (its heartbeat names its addresses)
   * if there is no connection yet. Addresses that do not parse are skipped, and so is a malformed id.
   */
  dialMember(peerId: string, addrs: readonly string[]): void {
    let id: PeerId;
    try {
      id = peerIdFromString(peerId);
    } catch {
      return;
    }
    const parsed: Multiaddr[] = [];
    for (const text of addrs) {
      try {
        parsed.push(multiaddr(text));
      } catch {
        // Not an address: ignore it, the others may do.
      }
    }
    if (parsed.length === 0) return;
    this.dial(id, parsed, 'member');
  }

  /** Dials `peerId` at `addrs` (or wherever libp2p knows it) unless it is connected or being dialled. */
  dial(peerId: PeerId, addrs: Multiaddr[], source: DialSource): void {
    const id = peerId.toString();
    const { libp2p, signal: stopped } = this.#c;
    if (stopped.aborted || id === this.#c.selfId || this.#dialing.has(id)) return;
    if (libp2p.getConnections(peerId).length > 0) return;
    if (source !== 'discovery') this.#c.record({ kind: 'peer:discovered', source, peerId: id });
    this.#dialing.add(id);
    const target =
      addrs.length > 0
        ? addrs.map((addr) =>
            addr.getComponents().some((c) => c.name === 'p2p') ? addr : addr.encapsulate(`/p2p/${id}`),
          )
        : peerId;
    const signal = AbortSignal.any([stopped, AbortSignal.timeout(this.#dialTimeoutMs)]);
    libp2p
      .dial(target, { signal })
      .then(() => this.#c.record({ kind: 'dial:ok', source, target: id, peerId: id }))
      .catch((error: unknown) => {
        if (stopped.aborted) return;
        const { reason, message } = explainDialError(error);
        this.#c.record({
          kind: 'dial:failed',
          source,
          target: `${id} (${addrs.map(String).join(', ')})`,
          reason,
          message,
        });
      })
      .finally(() => this.#dialing.delete(id));
  }
}
