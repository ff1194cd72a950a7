/**
 * Fetches the cover image of a track that only other peers hold, so the room's library shows the
 * same art on every PC.
 *
 * A track learned from a peer's catalog says whether it has a cover, but not the image. The first
 * time the cover is asked for, the holders are asked in turn over the chunk protocol (COVER); the
 * first valid image is stored in the library index (and served from there, and to other peers,
 * from then on). The image type is read from the bytes, and anything that is no JPEG, PNG, GIF,
 * WebP or BMP, or is larger than `chunkLimits.maxCoverBytes`, is dropped and counted. A track none
 * of whose holders gave a cover is not asked about again for `retryAfterMs`. At most
 * `maxConcurrent` requests run at once (a library view asks for every visible row's cover at once);
 * the rest wait their turn.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import type { Stream } from '@libp2p/interface';
import { chunkLimits, decodeCoverReply, encodeCoverRequest } from '../../shared/swarm/chunk-wire';
import { isContentId } from '../../shared/chunking/ids';
import { sha256Hex, type LibraryDb } from '../library';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, type SwarmNode } from './stream-util';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Collaborators of CoverFetcher. */
export interface CoverFetcherComponents {
  node: SwarmNode;
  db: Pick<LibraryDb, 'getTrack' | 'cover' | 'setCover'>;
  /** Live peers whose catalog lists the track (CatalogSync.holdersOf). */
  holders: (trackId: string) => string[];
  logger?: ComponentLogger;
}

/** Options of CoverFetcher; every field has a default. */
export interface CoverFetcherInit {
  /** Stream protocol name passed to `node.protocolId` (default `chunks`, the chunk protocol). */
  protocolName?: string;
  /** How long one holder may take to answer (default 5 s). */
  requestTimeoutMs?: number;
  /** After no holder could give a track's cover, how long before it is asked again (default 60 s). */
  retryAfterMs?: number;
  /** Cover requests running at once (default 4). */
  maxConcurrent?: number;
}

/** Counters, including rejected input by reason. */
export interface CoverFetcherStats {
  requests: number;
  fetched: number;
  /** Requests that failed (no stream, timeout, the peer closed the stream). */
  failed: number;
  /** Covers no holder could give. */
  unavailable: number;
  dropped: Record<string, number>;
}

/** A cover image. */
export interface CoverImage {
  mime: string;
  bytes: Uint8Array;
}

/** Fetches and keeps the covers of tracks other peers hold. */
export class CoverFetcher {
  readonly #c: CoverFetcherComponents;
  readonly #protocol: string;
  readonly #timeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #maxConcurrent: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #log: Logger;
  readonly #controller = new AbortController();
  readonly #inFlight = new Map<string, Promise<CoverImage | null>>();
  /** Track id → performance time before which its cover is not asked for again. */
  readonly #unavailableUntil = new Map<string, number>();
  readonly #stats: CoverFetcherStats = { requests: 0, fetched: 0, failed: 0, unavailable: 0, dropped: {} };

  constructor(components: CoverFetcherComponents, init: CoverFetcherInit = {}) {
    this.#c = components;
    this.#protocol = components.node.protocolId(init.protocolName ?? 'chunks');
    this.#timeoutMs = init.requestTimeoutMs ?? 5_000;
    this.#retryAfterMs = init.retryAfterMs ?? 60_000;
    this.#maxConcurrent = Math.max(1, init.maxConcurrent ?? 4);
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:covers');
  }

  /**
   * The track's cover: the stored one, or one fetched from a holder (then stored). Null when the
   * track has no cover, is unknown, or no holder could give it now.
   */
  cover(trackId: string): Promise<CoverImage | null> {
    const track = isContentId(trackId) ? this.#c.db.getTrack(trackId) : null;
    if (!track) return Promise.resolve(null);
    if (track.coverHash) return Promise.resolve(this.#c.db.cover(track.coverHash));
    if (!track.hasCover || this.#controller.signal.aborted) return Promise.resolve(null);
    if ((this.#unavailableUntil.get(trackId) ?? -Infinity) > performance.now()) return Promise.resolve(null);
    let pending = this.#inFlight.get(trackId);
    if (!pending) {
      pending = this.#fetch(trackId).finally(() => this.#inFlight.delete(trackId));
      this.#inFlight.set(trackId, pending);
    }
    return pending;
  }

  /** Cancels requests in flight; later calls answer from the index only. */
  stop(): void {
    this.#controller.abort();
    // Waiting requests take their turn at once and find the fetcher stopped.
    const waiting = this.#waiting.splice(0);
    this.#running += waiting.length;
    for (const wake of waiting) wake();
  }

  /** Counters since construction. */
  stats(): CoverFetcherStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  async #fetch(trackId: string): Promise<CoverImage | null> {
    // A finished request hands its slot straight to the next waiting one.
    if (this.#running < this.#maxConcurrent) this.#running++;
    else await new Promise<void>((wake) => this.#waiting.push(wake));
    try {
      return await this.#fetchNow(trackId);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  async #fetchNow(trackId: string): Promise<CoverImage | null> {
    if (this.#controller.signal.aborted) return null;
    for (const peerId of this.#c.holders(trackId)) {
      const image = await this.#ask(peerId, trackId);
      if (!image) continue;
      const hash = sha256Hex(image.bytes);
      this.#c.db.setCover(trackId, { hash, ...image });
      this.#stats.fetched++;
      this.#unavailableUntil.delete(trackId);
      return image;
    }
    this.#stats.unavailable++;
    this.#unavailableUntil.set(trackId, performance.now() + this.#retryAfterMs);
    return null;
  }

  async #ask(peerId: string, trackId: string): Promise<CoverImage | null> {
    this.#stats.requests++;
    const signal = AbortSignal.any([this.#controller.signal, AbortSignal.timeout(this.#timeoutMs)]);
    let stream: Stream | null = null;
    try {
      stream = await this.#c.node.libp2p.dialProtocol(peerIdFromString(peerId), this.#protocol, { signal });
      const lp = lpStream(stream, { maxDataLength: chunkLimits.maxCoverBytes + 1 });
      await lp.write(encodeCoverRequest(trackId), { signal });
      let frame;
      try {
        frame = await lp.read({ signal });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
          bump(this.#stats.dropped, 'oversizedCover');
          this.#log(`${peerId} sent a cover larger than ${chunkLimits.maxCoverBytes} bytes`);
          return null;
        }
        throw e;
      }
      const reply = decodeCoverReply(frame.subarray());
      if (!reply.ok) {
        bump(this.#stats.dropped, 'malformedCover');
        this.#log(`dropped a reply from ${peerId}: ${reply.error}`);
        return null;
      }
      return reply.value.status === 'cover' ? { mime: reply.value.mime, bytes: reply.value.bytes } : null;
    } catch (e) {
      if (!this.#controller.signal.aborted) {
        this.#stats.failed++;
        this.#log(`asking ${peerId} for the cover of ${trackId} failed: ${String(e)}`);
      }
      return null;
    } finally {
      if (stream) void closeQuietly(stream);
    }
  }
}
