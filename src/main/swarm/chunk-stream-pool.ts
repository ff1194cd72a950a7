/**
 * The chunk fetcher's streams (`chunk-fetcher.ts`): one request at a time on each, kept open between
 * requests to the same peer so a download does not pay a stream negotiation per request.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { Stream } from '@libp2p/interface';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import { chunkLimits } from '../../shared/swarm/chunk-wire';
import { closeQuietly, type SwarmNode } from './stream-util';

/** A chunk stream to one peer. */
export interface ChunkStream {
  stream: Stream;
  lp: LengthPrefixedStream;
}

/** Idle chunk streams by peer. */
export class ChunkStreamPool {
  readonly #idle = new Map<string, ChunkStream[]>();

  constructor(
    private readonly node: SwarmNode,
    private readonly protocol: string,
  ) {}

  /** An idle stream to `peerId`, or a new one. */
  async open(peerId: string, signal: AbortSignal): Promise<ChunkStream> {
    const reused = this.#idle.get(peerId)?.pop();
    if (reused) return reused;
    const stream = await this.node.libp2p.dialProtocol(peerIdFromString(peerId), this.protocol, { signal });
    return { stream, lp: lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes }) };
  }

  /** Gives a stream back after a request: kept for the next when `reusable`, closed otherwise. */
  release(peerId: string, open: ChunkStream, reusable: boolean): void {
    if (!reusable) {
      void closeQuietly(open.stream);
      return;
    }
    const idle = this.#idle.get(peerId) ?? [];
    idle.push(open);
    this.#idle.set(peerId, idle);
  }

  /** Closes the idle streams to a peer that left. */
  closePeer(peerId: string): void {
    for (const idle of this.#idle.get(peerId) ?? []) void closeQuietly(idle.stream);
    this.#idle.delete(peerId);
  }

  /** Closes every idle stream. */
  async closeAll(): Promise<void> {
    const streams = [...this.#idle.values()].flat();
    this.#idle.clear();
    await Promise.all(streams.map((c) => closeQuietly(c.stream)));
  }
}
