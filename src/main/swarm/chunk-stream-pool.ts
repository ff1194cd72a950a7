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
  /** Taken from the idle streams (it may have died meanwhile), not just opened. */
  reused?: boolean;
}

/** Idle chunk streams by peer. */
export class ChunkStreamPool {
  readonly #idle = new Map<string, ChunkStream[]>();

  constructor(
    private readonly node: SwarmNode,
    private readonly protocol: string,
  ) {}

  /** An idle stream to `peerId`, or a new one (always a new one when `fresh`). */
  async open(peerId: string, signal: AbortSignal, fresh = false): Promise<ChunkStream> {
    const idle = fresh ? [] : (this.#idle.get(peerId) ?? []);
    // An idle stream the other side has closed meanwhile (its service restarted) would fail the request.
    for (let reused = idle.pop(); reused; reused = idle.pop()) {
      if (usable(reused.stream)) return { ...reused, reused: true };
      void closeQuietly(reused.stream);
    }
    const stream = await this.node.libp2p.dialProtocol(peerIdFromString(peerId), this.protocol, { signal });
    return { stream, lp: lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes }) };
  }

  /**
   * Opens a stream to `peerId` ahead of the first request, unless one is idle already: the first play of a
   * track only that peer holds then does not pay the stream's negotiation on its way to the first sound.
   * Failures are quiet (the first request dials again).
   */
  async warm(peerId: string, signal: AbortSignal): Promise<void> {
    if ((this.#idle.get(peerId)?.length ?? 0) > 0) return;
    try {
      this.release(peerId, await this.open(peerId, signal), !signal.aborted);
    } catch {
      // The peer went away or does not serve chunks: nothing to keep.
    }
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

/** Whether both sides of a stream still take and answer requests. */
function usable(stream: Stream): boolean {
  return (
    stream.status === 'open' &&
    stream.writeStatus === 'writable' &&
    stream.readStatus !== 'closed' &&
    stream.remoteWriteStatus === 'writable' &&
    stream.remoteReadStatus !== 'closed'
  );
}
