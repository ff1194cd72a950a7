import { lpStream } from '@libp2p/utils';
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { NetEventLog } from './event-log';
import type { ComponentLogger } from '../../shared/logger';
import { encodeJsonFrame } from './json-frame';
import { decodePeerList, type PeerExchangeEntry } from './peer-list';

export type { PeerExchangeEntry } from './peer-list';

export interface PeerExchangeComponents {
  libp2p: Libp2p;
  eventLog: NetEventLog;
  logger: ComponentLogger;
  /** Called for every peer learnt from a neighbour; the caller decides whether to dial. */
  onPeer(entry: PeerExchangeEntry): void;
}

export interface PeerExchangeInit {
  /** Room-scoped protocol id, so only peers of the same room answer. */
  protocol: string;
  maxPeers?: number;
  maxAddrsPerPeer?: number;
  timeoutMs?: number;
}

const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Tells a newly connected peer which other peers we are connected to, so that a room
 * bootstrapped as a star (everyone dials one address) becomes a full mesh: clock probes
 * go straight to the leader and chunks come from every peer that has them.
 */
export class PeerExchange {
  private readonly protocol: string;
  private readonly maxPeers: number;
  private readonly maxAddrsPerPeer: number;
  private readonly timeoutMs: number;
  private controller: AbortController | null = null;
  private readonly droppedByReason = new Map<string, number>();

  constructor(
    private readonly components: PeerExchangeComponents,
    init: PeerExchangeInit,
  ) {
    this.protocol = init.protocol;
    this.maxPeers = init.maxPeers ?? 64;
    this.maxAddrsPerPeer = init.maxAddrsPerPeer ?? 16;
    this.timeoutMs = init.timeoutMs ?? 5_000;
  }

  /** Registers the protocol and asks every newly identified peer for its neighbours. */
  async start(): Promise<void> {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    const { libp2p } = this.components;
    await libp2p.handle(this.protocol, (stream, connection) => this.answer(stream, connection));
    libp2p.addEventListener(
      'peer:identify',
      (event) => {
        if (!event.detail.protocols.includes(this.protocol)) return;
        void this.ask(event.detail.connection, controller.signal);
      },
      { signal: controller.signal },
    );
  }

  /** Unregisters the protocol and stops asking. */
  async stop(): Promise<void> {
    if (!this.controller) return;
    this.controller.abort();
    this.controller = null;
    await this.components.libp2p.unhandle(this.protocol);
  }

  /** Counts of rejected answers, by reason. */
  dropped(): Record<string, number> {
    return Object.fromEntries(this.droppedByReason);
  }

  private async answer(stream: Stream, connection: Connection): Promise<void> {
    try {
      const { libp2p } = this.components;
      const peers: Array<{ id: string; addrs: string[] }> = [];
      for (const peerId of libp2p.getPeers()) {
        if (peerId.equals(connection.remotePeer) || peers.length >= this.maxPeers) continue;
        const addrs = await listenAddrsOf(libp2p, peerId);
        if (addrs.length > 0)
          peers.push({ id: peerId.toString(), addrs: addrs.slice(0, this.maxAddrsPerPeer).map(String) });
      }
      const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
      await lp.write(encodeJsonFrame({ peers }), {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await stream.close();
    } catch (error) {
      stream.abort(error as Error);
    }
  }

  private async ask(connection: Connection, signal: AbortSignal): Promise<void> {
    let stream: Stream | null = null;
    try {
      const options = { signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]) };
      stream = await connection.newStream(this.protocol, options);
      const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
      const bytes = await lp.read(options);
      const decoded = decodePeerList(
        bytes.subarray(),
        { self: this.components.libp2p.peerId, from: connection.remotePeer },
        { maxPeers: this.maxPeers, maxAddrsPerPeer: this.maxAddrsPerPeer },
      );
      if (!decoded.ok) {
        this.drop(decoded.error.reason, connection.remotePeer, decoded.error.detail);
        return;
      }
      for (const entry of decoded.value) this.components.onPeer(entry);
    } catch (error) {
      if (!signal.aborted && connection.status === 'open')
        this.drop('stream-failed', connection.remotePeer, (error as Error).message);
    } finally {
      await stream?.close().catch(() => stream?.abort(new Error('close failed')));
    }
  }

  private drop(reason: string, from: PeerId, detail?: string): void {
    this.droppedByReason.set(reason, (this.droppedByReason.get(reason) ?? 0) + 1);
    this.components.eventLog.add({
      kind: 'input:dropped',
      source: 'peer-exchange',
      peerId: from.toString(),
      reason: detail ? `${reason}: ${detail}` : reason,
    });
  }
}

async function listenAddrsOf(libp2p: Libp2p, peerId: PeerId): Promise<Multiaddr[]> {
  try {
    const peer = await libp2p.peerStore.get(peerId);
    return peer.addresses
      .map((address) => address.multiaddr)
      .filter((addr) => !addr.toString().includes('/p2p-circuit'));
  } catch {
    return [];
  }
}
