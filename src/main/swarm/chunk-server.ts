/**
 * Serves chunks to peers over `/firefly/<room>/chunks/1.0.0` (frames in shared/swarm/chunk-wire.ts).
 *
 * A stream is long-lived: the client sends GET requests one after another and reads the replies,
 * so a fetch pays for one stream per worker, not one per chunk. Bytes come from the user's own
 * files or the chunk store through `Library.readChunk`, which verifies them; requests name chunk
 * ids only. A WATCH turns the stream into a feed of which chunks of a track this peer holds
 * (a bitmap, then indices as `announce` reports new chunks): that is how fetchers find peers that
 * hold part of a track and can serve it before they have all of it. A COVER request is answered
 * with the track's cover image, so peers that lack the track can still show it.
 *
 * Malformed requests are counted and end the stream; they never throw into the node.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';
import { isContentId } from '../../shared/chunking/ids';
import {
  chunkLimits,
  decodeRequest,
  encodeBitmap,
  encodeCoverReply,
  encodeHave,
  encodeStatus,
  STATUS_MISSING,
  STATUS_OK,
  STATUS_OVER_LIMIT,
  STATUS_UNKNOWN,
} from '../../shared/swarm/chunk-wire';
import type { Library, LibraryDb } from '../library';
import { ProtocolHandle } from '../net/protocol-handle';
import { MalformedInputError, StreamGuard } from '../net/stream-guard';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, type SwarmNode } from './stream-util';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Collaborators of ChunkServer. */
export interface ChunkServerComponents {
  node: SwarmNode;
  library: Pick<Library, 'readChunk' | 'hasChunk' | 'cover'>;
  db: Pick<LibraryDb, 'chunkList'>;
  logger?: ComponentLogger;
  /** Benches peers that keep sending malformed requests; shared with the other protocols (default: one of its own). */
  guard?: StreamGuard;
}

/** Options of ChunkServer; every field has a default. */
export interface ChunkServerInit {
  /** Stream protocol name passed to `node.protocolId` (default `chunks`). */
  protocolName?: string;
  /** Chunk bytes one GET may return (default `chunkLimits.maxResponseBytes`). */
  maxResponseBytes?: number;
  /** Concurrent chunk streams per connection, each way (default 64). */
  maxStreamsPerConnection?: number;
  /** How long HAVE indices are gathered before they are sent (default 5 ms). */
  haveBatchMs?: number;
}

/** Counters, including rejected input by reason. */
export interface ChunkServerStats {
  requests: number;
  chunksServed: number;
  bytesServed: number;
  missing: number;
  overLimit: number;
  watches: number;
  /** Cover images sent. */
  coversServed: number;
  /** Bytes served to each peer. */
  bytesServedTo: Record<string, number>;
  dropped: Record<string, number>;
}

const OK_BYTE = Uint8Array.of(STATUS_OK);

interface Watcher {
  /** Chunk id → indices in the watched track. */
  indices: Map<string, number[]>;
  pending: number[];
  timer: NodeJS.Timeout | null;
  flush: () => void;
}

/** Answers chunk and have requests from peers. */
export class ChunkServer {
  readonly #c: ChunkServerComponents;
  readonly #protocol: string;
  readonly #maxResponseBytes: number;
  readonly #haveBatchMs: number;
  readonly #log: Logger;
  readonly #guard: StreamGuard;
  readonly #handle: ProtocolHandle;
  /** Chunk id → watchers of tracks containing it. */
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #stats: ChunkServerStats = {
    requests: 0,
    chunksServed: 0,
    bytesServed: 0,
    missing: 0,
    overLimit: 0,
    watches: 0,
    coversServed: 0,
    bytesServedTo: {},
    dropped: {},
  };

  constructor(components: ChunkServerComponents, init: ChunkServerInit = {}) {
    this.#c = components;
    this.#protocol = components.node.protocolId(init.protocolName ?? 'chunks');
    this.#maxResponseBytes = init.maxResponseBytes ?? chunkLimits.maxResponseBytes;
    this.#haveBatchMs = init.haveBatchMs ?? 5;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:chunks');
    this.#guard = components.guard ?? new StreamGuard();
    const maxStreams = init.maxStreamsPerConnection ?? 64;
    this.#handle = new ProtocolHandle(components.node.libp2p, {
      protocol: this.#protocol,
      guard: this.#guard,
      serve: (stream, connection, signal) => this.#serve(stream, connection, signal),
      maxInboundStreams: maxStreams,
      maxOutboundStreams: maxStreams,
    });
  }

  /** The protocol id this server answers. */
  get protocol(): string {
    return this.#protocol;
  }

  /** Starts answering requests. Idempotent. */
  async start(): Promise<void> {
    await this.#handle.start();
  }

  /** Stops answering and ends every open stream. Idempotent. */
  async stop(): Promise<void> {
    await this.#handle.stop();
  }

  /** Tells peers watching a track that contains `chunkId` that this peer now holds it. */
  announce(chunkId: string): void {
    const watchers = this.#watchers.get(chunkId);
    if (!watchers) return;
    for (const w of watchers) {
      w.pending.push(...(w.indices.get(chunkId) ?? []));
      w.timer ??= setTimeout(w.flush, this.#haveBatchMs);
    }
  }

  /** Counters since construction. */
  stats(): ChunkServerStats {
    return {
      ...this.#stats,
      bytesServedTo: { ...this.#stats.bytesServedTo },
      dropped: { ...this.#stats.dropped },
    };
  }

  async #serve(stream: Stream, connection: Connection, signal: AbortSignal): Promise<void> {
    const peerId = connection.remotePeer.toString();
    const lp = lpStream(stream, { maxDataLength: chunkLimits.maxFrameBytes });
    let malformed: Error | null = null;
    try {
      while (!signal.aborted) {
        let frame;
        try {
          frame = await lp.read({ signal });
        } catch (e) {
          if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
            bump(this.#stats.dropped, 'oversizedRequest');
            malformed = e;
          }
          return;
        }
        const request = decodeRequest(frame.subarray());
        if (!request.ok) {
          bump(this.#stats.dropped, 'malformedRequest');
          this.#log(`dropped a request from ${peerId}: ${request.error}`);
          malformed = new MalformedInputError(request.error);
          return;
        }
        this.#stats.requests++;
        if (request.value.op === 'get') await this.#serveGet(lp, request.value.chunkIds, peerId, signal);
        else if (request.value.op === 'cover') await this.#serveCover(lp, request.value.trackId, signal);
        else {
          if (await this.#serveWatch(lp, request.value.trackId, signal))
            malformed = new MalformedInputError('a frame on a watch stream');
          return;
        }
      }
    } catch (e) {
      if (!signal.aborted) this.#log(`stream from ${peerId} ended: ${String(e)}`);
    } finally {
      if (malformed) {
        this.#guard.strike(peerId);
        stream.abort(malformed);
      } else {
        await closeQuietly(stream);
      }
    }
  }

  async #serveGet(
    lp: LengthPrefixedStream,
    chunkIds: readonly string[],
    peerId: string,
    signal: AbortSignal,
  ): Promise<void> {
    let spent = 0;
    for (const chunkId of chunkIds) {
      const bytes = spent < this.#maxResponseBytes ? await this.#c.library.readChunk(chunkId) : null;
      if (bytes && spent + bytes.length <= this.#maxResponseBytes) {
        spent += bytes.length;
        this.#stats.chunksServed++;
        this.#stats.bytesServed += bytes.length;
        this.#stats.bytesServedTo[peerId] = (this.#stats.bytesServedTo[peerId] ?? 0) + bytes.length;
        // Status byte and chunk go out as one frame without copying the chunk.
        await lp.write(new Uint8ArrayList(OK_BYTE, bytes), { signal });
      } else if (bytes || spent >= this.#maxResponseBytes) {
        spent = this.#maxResponseBytes;
        this.#stats.overLimit++;
        await lp.write(encodeStatus(STATUS_OVER_LIMIT), { signal });
      } else {
        this.#stats.missing++;
        await lp.write(encodeStatus(STATUS_MISSING), { signal });
      }
    }
  }

  async #serveCover(lp: LengthPrefixedStream, trackId: string, signal: AbortSignal): Promise<void> {
    const cover = this.#c.library.cover(trackId);
    const reply = cover ? encodeCoverReply(cover.bytes) : null;
    if (reply) this.#stats.coversServed++;
    await lp.write(reply ?? encodeStatus(STATUS_UNKNOWN), { signal });
  }

  /** Serves a watch until its stream ends; true when the watcher broke the protocol by sending a frame. */
  async #serveWatch(lp: LengthPrefixedStream, trackId: string, parent: AbortSignal): Promise<boolean> {
    const chunks = isContentId(trackId) ? this.#c.db.chunkList(trackId) : [];
    if (chunks.length === 0) {
      await lp.write(encodeStatus(STATUS_UNKNOWN), { signal: parent });
      return false;
    }
    this.#stats.watches++;
    const closed = new AbortController();
    const signal = AbortSignal.any([parent, closed.signal]);
    let writing = Promise.resolve();
    const watcher: Watcher = {
      indices: new Map(),
      pending: [],
      timer: null,
      flush: () => {
        watcher.timer = null;
        const pending = watcher.pending.splice(0);
        for (let i = 0; i < pending.length; i += chunkLimits.maxHaveIndices) {
          const frame = encodeHave(pending.slice(i, i + chunkLimits.maxHaveIndices));
          writing = writing.then(() => lp.write(frame, { signal })).catch(() => closed.abort());
        }
      },
    };
    const have: boolean[] = [];
    for (const c of chunks) {
      const list = watcher.indices.get(c.chunkId);
      if (list) list.push(c.index);
      else watcher.indices.set(c.chunkId, [c.index]);
      have.push(this.#c.library.hasChunk(c.chunkId));
    }
    // The bitmap is taken and the watcher registered in one synchronous block, so no chunk stored
    // in between can be missed.
    for (const chunkId of watcher.indices.keys()) {
      let set = this.#watchers.get(chunkId);
      if (!set) this.#watchers.set(chunkId, (set = new Set()));
      set.add(watcher);
    }
    try {
      await lp.write(encodeBitmap(have), { signal });
      // The watcher sends nothing more; its stream ending (or any frame) ends the watch.
      const extraFrame = await lp.read({ signal }).then(
        () => true,
        () => false,
      );
      if (extraFrame) bump(this.#stats.dropped, 'frameOnWatch');
      return extraFrame;
    } finally {
      closed.abort();
      if (watcher.timer) clearTimeout(watcher.timer);
      for (const chunkId of watcher.indices.keys()) {
        const set = this.#watchers.get(chunkId);
        set?.delete(watcher);
        if (set?.size === 0) this.#watchers.delete(chunkId);
      }
      await writing;
    }
  }
}
