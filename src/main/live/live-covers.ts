/**
 * A live source's cover for every window of the room (#22), over `/firefly/<room>/live-cover/1.0.0`.
 *
 * The source peer keeps the cover of what its source plays (AirPlay's PICT, librespot's downloaded
 * cover) and announces its `coverId`; its windows get it at `/media/live-cover/<sourceId>`. A member's
 * windows ask their own peer at the same URL, and that peer fetches the cover from the source peer:
 * one request per stream (`{ sourceId, coverId }`, shared/live/cover-wire.ts), one COVER or UNKNOWN
 * reply. Covers are kept by cover id (a hash of the image, so one kept cover serves every source
 * that plays it), the last `cacheSize` of them; a cover id is asked for once however many windows ask
 * at once, and one that could not be had is not asked for again for `retryAfterMs`.
 *
 * Input is untrusted both ways. A request that is malformed or oversized closes its stream, is counted
 * (`serve.*`) and strikes the peer in the shared StreamGuard. A reply that is oversized, malformed, no
 * image, or not the image the cover id names (its hash differs) is dropped and counted (`fetch.*`).
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import { liveCoverLimits, validateLiveCoverRequest } from '../../shared/live/cover-wire';
import {
  decodeCoverReply,
  encodeCoverReply,
  encodeStatus,
  STATUS_UNKNOWN,
} from '../../shared/swarm/chunk-wire';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';
import { encodeJsonFrame } from '../net/json-frame';
import { ProtocolHandle } from '../net/protocol-handle';
import { StreamGuard } from '../net/stream-guard';
import { answerOneRequest } from '../swarm/one-request';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, type SwarmNode } from '../swarm/stream-util';
import { liveCoverId, type LiveCover } from './source-now-playing';

/** Collaborators of LiveCovers. */
export interface LiveCoversComponents {
  node: Pick<SwarmNode, 'protocolId' | 'libp2p'>;
  /** The cover a local source's plays now, or null. */
  local(sourceId: string): LiveCover | null;
  /** A member's source that has a cover: its peer and the cover id it announced; null otherwise. */
  remote(sourceId: string): { peerId: string; coverId: string } | null;
  guard?: StreamGuard;
  logger?: ComponentLogger;
}

/** Options; each has a default. */
export interface LiveCoversInit {
  protocolName?: string;
  /** How long the source peer may take to answer (default 5 s). */
  requestTimeoutMs?: number;
  /** After a cover could not be had, how long before it is asked for again (default 30 s). */
  retryAfterMs?: number;
  /** Covers of other peers' sources kept (default 8). */
  cacheSize?: number;
}

/** Counters, including dropped input by reason. */
export interface LiveCoversStats {
  /** Well-formed requests answered, and those answered with a cover. */
  requests: number;
  served: number;
  fetched: number;
  /** Requests that failed (no stream, timeout, the peer closed it). */
  failed: number;
  dropped: Record<string, number>;
}

/** Serves this peer's live covers and fetches other peers'. */
export class LiveCovers {
  readonly #c: LiveCoversComponents;
  readonly #protocol: string;
  readonly #guard: StreamGuard;
  readonly #timeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #cacheSize: number;
  readonly #log: Logger;
  readonly #handle: ProtocolHandle;
  /** Cover id → cover, oldest first. */
  readonly #kept = new Map<string, LiveCover>();
  readonly #inFlight = new Map<string, Promise<LiveCover | null>>();
  /** Cover id → performance time before which it is not asked for again. */
  readonly #failedUntil = new Map<string, number>();
  readonly #stats: LiveCoversStats = {
    requests: 0,
    served: 0,
    fetched: 0,
    failed: 0,
    dropped: {},
  };

  constructor(components: LiveCoversComponents, init: LiveCoversInit = {}) {
    this.#c = components;
    this.#protocol = components.node.protocolId(init.protocolName ?? 'live-cover');
    this.#guard = components.guard ?? new StreamGuard();
    this.#handle = new ProtocolHandle(components.node.libp2p, {
      protocol: this.#protocol,
      guard: this.#guard,
      serve: (stream, connection, signal) => this.#serve(stream, connection, signal),
      maxInboundStreams: 8,
      maxOutboundStreams: 8,
    });
    this.#timeoutMs = init.requestTimeoutMs ?? 5000;
    this.#retryAfterMs = init.retryAfterMs ?? 30_000;
    this.#cacheSize = Math.max(1, init.cacheSize ?? 8);
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:live');
  }

  /** Starts answering. Idempotent. */
  async start(): Promise<void> {
    await this.#handle.start();
  }

  /** Stops answering and cancels fetches. Idempotent. */
  async stop(): Promise<void> {
    await this.#handle.stop();
  }

  stats(): LiveCoversStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  /** The cover of what a source in the room plays: this peer's own, or fetched from its peer; null when none. */
  cover(sourceId: string): Promise<LiveCover | null> {
    const own = this.#c.local(sourceId);
    if (own) return Promise.resolve(own);
    const remote = this.#c.remote(sourceId);
    const signal = this.#handle.signal;
    if (!remote || !signal) return Promise.resolve(null);
    const { peerId, coverId } = remote;
    const kept = this.#kept.get(coverId);
    if (kept) return Promise.resolve(kept);
    if ((this.#failedUntil.get(coverId) ?? -Infinity) > performance.now()) return Promise.resolve(null);
    let pending = this.#inFlight.get(coverId);
    if (!pending) {
      pending = this.#fetch(peerId, sourceId, coverId, signal).finally(() => this.#inFlight.delete(coverId));
      this.#inFlight.set(coverId, pending);
    }
    return pending;
  }

  async #fetch(
    peerId: string,
    sourceId: string,
    coverId: string,
    parent: AbortSignal,
  ): Promise<LiveCover | null> {
    const cover = await this.#ask(peerId, sourceId, coverId, parent);
    if (!cover) {
      this.#failedUntil.set(coverId, performance.now() + this.#retryAfterMs);
      return null;
    }
    this.#stats.fetched++;
    this.#failedUntil.delete(coverId);
    this.#kept.set(coverId, cover);
    for (const oldest of this.#kept.keys()) {
      if (this.#kept.size <= this.#cacheSize) break;
      this.#kept.delete(oldest);
    }
    return cover;
  }

  async #ask(
    peerId: string,
    sourceId: string,
    coverId: string,
    parent: AbortSignal,
  ): Promise<LiveCover | null> {
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#timeoutMs)]);
    const drop = (reason: string, detail: string) => {
      bump(this.#stats.dropped, `fetch.${reason}`);
      this.#log(`dropped the cover ${coverId} of ${sourceId} from ${peerId}: ${detail}`);
      return null;
    };
    let stream: Stream | null = null;
    try {
      stream = await this.#c.node.libp2p.dialProtocol(peerIdFromString(peerId), this.#protocol, { signal });
      const lp = lpStream(stream, { maxDataLength: liveCoverLimits.maxCoverBytes + 1 });
      await lp.write(encodeJsonFrame({ sourceId, coverId }), { signal });
      let frame;
      try {
        frame = await lp.read({ signal });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name))
          return drop('oversizedCover', `larger than ${liveCoverLimits.maxCoverBytes} bytes`);
        throw e;
      }
      const reply = decodeCoverReply(frame.subarray());
      if (!reply.ok) return drop('malformedCover', reply.error);
      if (reply.value.status === 'unknown') return null;
      const { mime, bytes } = reply.value;
      if (liveCoverId(bytes) !== coverId) return drop('wrongCover', 'its hash is not the cover id');
      return { mime, bytes: new Uint8Array(bytes), coverId };
    } catch (e) {
      if (!parent.aborted) {
        this.#stats.failed++;
        this.#log(`asking ${peerId} for the cover of ${sourceId} failed: ${String(e)}`);
      }
      return null;
    } finally {
      if (stream) void closeQuietly(stream);
    }
  }

  async #serve(stream: Stream, connection: Connection, parent: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#timeoutMs)]);
    await answerOneRequest(stream, connection, {
      maxBytes: liveCoverLimits.maxRequestBytes,
      signal,
      stopped: parent,
      guard: this.#guard,
      log: this.#log,
      drop: (reason) => bump(this.#stats.dropped, `serve.${reason}`),
      validate: validateLiveCoverRequest,
      answer: async ({ sourceId, coverId }, lp) => {
        this.#stats.requests++;
        const cover = this.#c.local(sourceId);
        const reply = cover?.coverId === coverId ? encodeCoverReply(cover.bytes) : null;
        if (reply) this.#stats.served++;
        await lp.write(reply ?? encodeStatus(STATUS_UNKNOWN), { signal });
      },
    });
  }
}
