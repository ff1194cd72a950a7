/**
 * A member's side of the `live` protocol: while this peer's windows listen to a source of another
 * peer, one stream to that source peer carries its frames, and they are fanned out to every window
 * here. The stream opens with the first window and closes with the last; a stream that breaks is
 * opened again (after 1 s, up to 5 s) while windows still listen.
 *
 * Every frame from the source peer is decoded and checked before a window sees it. A malformed
 * frame closes the stream and is counted (the next attempt starts clean).
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { decodeLiveFrame, encodeOpenFrame, liveLimits } from '../../shared/live/frames';
import { FRAME_LENGTH_ERRORS, bump, closeQuietly, type SwarmNode } from '../swarm/stream-util';
import { FrameFeed } from './frame-feed';
import { silentLogger, type ComponentLogger, type Logger } from '../../shared/logger';

/** Collaborators of LiveRelay. */
export interface LiveRelayComponents {
  node: Pick<SwarmNode, 'libp2p'>;
  /** The protocol id of the live protocol. */
  protocol: string;
  logger?: ComponentLogger;
}

interface Upstream {
  feed: FrameFeed;
  controller: AbortController;
}

/** Counters of the relay. */
export interface LiveRelayStats {
  upstreams: number;
  bytesReceived: number;
  reconnects: number;
  dropped: Record<string, number>;
}

/** Relays other peers' sources to this peer's windows. */
export class LiveRelay {
  readonly #c: LiveRelayComponents;
  readonly #upstreams = new Map<string, Upstream>();
  #bytesReceived = 0;
  #reconnects = 0;
  readonly #dropped: Record<string, number> = {};

  readonly #log: Logger;

  constructor(components: LiveRelayComponents) {
    this.#c = components;
    this.#log = (components.logger ?? silentLogger).forComponent('firefly:live');
  }

  /** Frames of `sourceId` from `peerId`, for one listener, until `signal` aborts or the source ends. */
  listen(peerId: string, sourceId: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const key = `${peerId}/${sourceId}`;
    let upstream = this.#upstreams.get(key);
    if (!upstream) {
      const created: Upstream = { feed: new FrameFeed(), controller: new AbortController() };
      upstream = created;
      this.#upstreams.set(key, created);
      void this.#pump(peerId, sourceId, created).finally(() => {
        if (this.#upstreams.get(key) === created) this.#upstreams.delete(key);
        created.feed.end();
      });
    }
    const current = upstream;
    return current.feed.listen(signal, () => current.controller.abort());
  }

  /** Ends every upstream. */
  stop(): void {
    for (const u of this.#upstreams.values()) u.controller.abort();
    this.#upstreams.clear();
  }

  stats(): LiveRelayStats {
    return {
      upstreams: this.#upstreams.size,
      bytesReceived: this.#bytesReceived,
      reconnects: this.#reconnects,
      dropped: { ...this.#dropped },
    };
  }

  async #pump(peerId: string, sourceId: string, upstream: Upstream): Promise<void> {
    const { signal } = upstream.controller;
    let delayMs = 1000;
    while (!signal.aborted) {
      const ended = await this.#once(peerId, sourceId, upstream).catch((error: unknown) => {
        if (!signal.aborted) this.#log(`stream of ${sourceId} from ${peerId}: ${String(error)}`);
        return false;
      });
      if (ended || signal.aborted) return;
      this.#reconnects++;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
      });
      delayMs = Math.min(5000, delayMs * 2);
    }
  }

  /** One stream; true when the source ended it on purpose (END), false when it broke. */
  async #once(peerId: string, sourceId: string, upstream: Upstream): Promise<boolean> {
    const { signal } = upstream.controller;
    const stream = await this.#c.node.libp2p.dialProtocol(peerIdFromString(peerId), this.#c.protocol, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]),
    });
    const lp = lpStream(stream, { maxDataLength: liveLimits.maxFrameBytes });
    let malformed: Error | null = null;
    try {
      await lp.write(encodeOpenFrame(sourceId), { signal });
      for (;;) {
        let bytes;
        try {
          bytes = (await lp.read({ signal })).subarray();
        } catch (e) {
          if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
            bump(this.#dropped, 'oversizedFrame');
            malformed = e;
          }
          return false;
        }
        const frame = decodeLiveFrame(bytes);
        if (!frame.ok) {
          bump(this.#dropped, 'malformedFrame');
          this.#log(`closed the stream of ${sourceId} from ${peerId}: ${frame.error}`);
          malformed = new Error(frame.error);
          return false;
        }
        this.#bytesReceived += bytes.length;
        upstream.feed.publish(bytes);
        if (frame.value.type === 'end') return true;
      }
    } finally {
      if (malformed) stream.abort(malformed);
      else await closeQuietly(stream);
    }
  }
}
