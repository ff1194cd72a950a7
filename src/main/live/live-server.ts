/**
 * Serves this peer's live sources to members over `/firefly/<room>/live/1.0.0`.
 *
 * A member opens a stream and sends one OPEN frame naming a source; the server then sends that
 * source's frames (PCM, STALL, END; see shared/live/frames.ts) until either side ends the stream. An
 * unknown source gets an END frame saying so. Anything else the member sends (a malformed or a
 * second frame) closes the stream, is counted, and strikes the peer in the shared StreamGuard.
 */
import { lpStream } from '@libp2p/utils';
import type { Connection, Stream } from '@libp2p/interface';
import { decodeOpenFrame, encodeEndFrame, liveLimits } from '../../shared/live/frames';
import { ProtocolHandle } from '../net/protocol-handle';
import { MalformedInputError, StreamGuard } from '../net/stream-guard';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, type SwarmNode } from '../swarm/stream-util';
import { ListenerTooSlowError, type FrameFeed } from './frame-feed';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Collaborators of LiveServer. */
export interface LiveServerComponents {
  node: Pick<SwarmNode, 'protocolId' | 'libp2p'>;
  /** The feed of a local source, or null when this peer has no such source. */
  feed(sourceId: string): FrameFeed | null;
  guard?: StreamGuard;
  logger?: ComponentLogger;
}

/** Counters of the server. */
export interface LiveServerStats {
  streams: number;
  /** Listeners now, over all sources. */
  listeners: number;
  bytesSent: number;
  bytesSentTo: Record<string, number>;
  dropped: Record<string, number>;
}

const OPEN_TIMEOUT_MS = 5000;

/** Streams local sources to members. */
export class LiveServer {
  readonly #c: LiveServerComponents;
  readonly #protocol: string;
  readonly #guard: StreamGuard;
  readonly #handle: ProtocolHandle;
  #listeners = 0;
  readonly #stats = { streams: 0, bytesSent: 0, bytesSentTo: {} as Record<string, number> };
  readonly #dropped: Record<string, number> = {};

  readonly #log: Logger;

  constructor(components: LiveServerComponents, init: { protocolName?: string } = {}) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:live');
    this.#protocol = components.node.protocolId(init.protocolName ?? 'live');
    this.#guard = components.guard ?? new StreamGuard();
    this.#handle = new ProtocolHandle(components.node.libp2p, {
      protocol: this.#protocol,
      guard: this.#guard,
      serve: (stream, connection, signal) => this.#serve(stream, connection, signal),
      maxInboundStreams: 16,
      maxOutboundStreams: 16,
    });
  }

  get protocol(): string {
    return this.#protocol;
  }

  /** Starts answering. Idempotent. */
  async start(): Promise<void> {
    await this.#handle.start();
  }

  /** Stops answering and ends every stream. Idempotent. */
  async stop(): Promise<void> {
    await this.#handle.stop();
  }

  stats(): LiveServerStats {
    return {
      ...this.#stats,
      listeners: this.#listeners,
      bytesSentTo: { ...this.#stats.bytesSentTo },
      dropped: { ...this.#dropped },
    };
  }

  async #serve(stream: Stream, connection: Connection, parent: AbortSignal): Promise<void> {
    const peerId = connection.remotePeer.toString();
    const lp = lpStream(stream, { maxDataLength: 64 });
    const ended = new AbortController();
    const signal = AbortSignal.any([parent, ended.signal]);
    let malformed: Error | null = null;
    let tooSlow = false;
    this.#stats.streams++;
    try {
      let open;
      try {
        open = await lp.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(OPEN_TIMEOUT_MS)]) });
      } catch (e) {
        if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
          bump(this.#dropped, 'oversizedFrame');
          malformed = e;
        }
        return;
      }
      const sourceId = decodeOpenFrame(open.subarray());
      if (!sourceId.ok) {
        bump(this.#dropped, 'malformedFrame');
        this.#log(`dropped a stream from ${peerId}: ${sourceId.error}`);
        malformed = new MalformedInputError(sourceId.error);
        return;
      }
      const feed = this.#c.feed(sourceId.value);
      if (!feed) {
        await lp.write(encodeEndFrame(`no live source ${sourceId.value} on this peer`), { signal });
        return;
      }
      // The listener sends nothing after OPEN: any frame (or garbage) ends its stream.
      void lp.read({ signal }).then(
        () => {
          bump(this.#dropped, 'frameAfterOpen');
          malformed = new MalformedInputError('a frame after OPEN');
          ended.abort();
        },
        (e: unknown) => {
          if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
            bump(this.#dropped, 'oversizedFrame');
            malformed = e;
          }
          ended.abort();
        },
      );
      this.#listeners++;
      // A member too slow for the feed is cut off even while a write waits for it to read (its
      // stream's window used up): the write is abandoned and the stream aborted.
      const cut = new AbortController();
      const writing = AbortSignal.any([signal, cut.signal]);
      try {
        for await (const frame of feed.listen(signal, undefined, () => cut.abort())) {
          if (frame.length > liveLimits.maxFrameBytes) continue;
          await lp.write(frame, { signal: writing });
          this.#stats.bytesSent += frame.length;
          this.#stats.bytesSentTo[peerId] = (this.#stats.bytesSentTo[peerId] ?? 0) + frame.length;
        }
      } catch (e) {
        if (cut.signal.aborted) tooSlow = true;
        throw e;
      } finally {
        this.#listeners--;
      }
    } catch (e) {
      if (!signal.aborted) this.#log(`stream to ${peerId} ended: ${String(e)}`);
    } finally {
      ended.abort();
      if (malformed) {
        this.#guard.strike(peerId);
        stream.abort(malformed);
      } else if (tooSlow) {
        // Closing would wait for the data the member does not read.
        stream.abort(new ListenerTooSlowError('the listener fell too far behind the live stream'));
      } else {
        await closeQuietly(stream);
      }
    }
  }
}
