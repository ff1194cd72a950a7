/**
 * Rate limit for peers that keep opening protocol streams with bad input.
 *
 * Every stream protocol closes a stream on its first malformed frame, so one bad stream costs
 * little; but a peer can open the next one straight away, and each costs a protocol negotiation
 * and a handler. A peer whose streams carried malformed input `maxStrikes` times within
 * `windowMs` is benched: its new streams on every guarded protocol are reset before a byte is
 * read, for `benchMs`, doubling each time it is benched again (up to `maxBenchMs`). One guard is
 * shared by the protocols a peer serves, so strikes on the clock, catalog and chunk protocols add
 * up. Peers are few (a room), but the table is still capped, oldest out, so it stays bounded.
 */
import type { Connection, Stream, StreamHandler } from '@libp2p/interface';

/** Options of StreamGuard; every field has a default. */
export interface StreamGuardInit {
  /** Malformed streams within `windowMs` that bench a peer (default 3). */
  maxStrikes?: number;
  windowMs?: number;
  /** First bench; doubles for a peer benched again, up to `maxBenchMs`. */
  benchMs?: number;
  maxBenchMs?: number;
  /** Peers remembered at most (default 1024). */
  maxPeers?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** Counters of the guard, shown with the dropped input in status. */
export interface StreamGuardStats {
  /** Streams that carried malformed input (one per stream). */
  strikes: number;
  /** Times a peer was benched. */
  benched: number;
  /** Streams reset because their peer was benched. */
  refusedStreams: number;
  /** Peers benched right now. */
  benchedPeers: number;
}

interface PeerRecord {
  strikesAtMs: number[];
  benchedUntilMs: number;
  benchCount: number;
}

/** The error a stream is reset with after its first malformed frame. */
export class MalformedInputError extends Error {
  override readonly name = 'MalformedInputError';
}

/** The error a benched peer's stream is reset with. */
export class PeerBenchedError extends Error {
  override readonly name = 'PeerBenchedError';
  constructor(readonly peerId: string) {
    super(`peer ${peerId} sent malformed input too often; its streams are refused for a while`);
  }
}

/** Benches peers that keep sending malformed input on stream protocols. */
export class StreamGuard {
  readonly #maxStrikes: number;
  readonly #windowMs: number;
  readonly #benchMs: number;
  readonly #maxBenchMs: number;
  readonly #maxPeers: number;
  readonly #now: () => number;
  readonly #peers = new Map<string, PeerRecord>();
  #strikes = 0;
  #benched = 0;
  #refused = 0;

  constructor(init: StreamGuardInit = {}) {
    this.#maxStrikes = Math.max(1, init.maxStrikes ?? 3);
    this.#windowMs = init.windowMs ?? 60_000;
    this.#benchMs = init.benchMs ?? 30_000;
    this.#maxBenchMs = init.maxBenchMs ?? 10 * 60_000;
    this.#maxPeers = init.maxPeers ?? 1024;
    this.#now = init.now ?? (() => performance.now());
  }

  /** Records that a stream from `peerId` carried malformed input; call once per stream. */
  strike(peerId: string): void {
    this.#strikes++;
    const now = this.#now();
    const record = this.#record(peerId);
    record.strikesAtMs = record.strikesAtMs.filter((t) => now - t < this.#windowMs);
    record.strikesAtMs.push(now);
    if (record.strikesAtMs.length >= this.#maxStrikes && record.benchedUntilMs <= now) {
      const benchMs = Math.min(this.#benchMs * 2 ** record.benchCount, this.#maxBenchMs);
      record.benchCount++;
      record.benchedUntilMs = now + benchMs;
      record.strikesAtMs = [];
      this.#benched++;
    }
  }

  /** Whether a new stream from `peerId` may be served (false while the peer is benched). */
  admits(peerId: string): boolean {
    const record = this.#peers.get(peerId);
    return !record || record.benchedUntilMs <= this.#now();
  }

  /**
   * Wraps a stream handler: streams of a benched peer are reset at once and counted; the others
   * reach `handler`.
   */
  wrap(handler: StreamHandler): StreamHandler {
    return (stream: Stream, connection: Connection) => {
      const peerId = connection.remotePeer.toString();
      if (this.admits(peerId)) return handler(stream, connection);
      this.#refused++;
      stream.abort(new PeerBenchedError(peerId));
    };
  }

  /** Counters since construction. */
  stats(): StreamGuardStats {
    const now = this.#now();
    let benchedPeers = 0;
    for (const record of this.#peers.values()) if (record.benchedUntilMs > now) benchedPeers++;
    return { strikes: this.#strikes, benched: this.#benched, refusedStreams: this.#refused, benchedPeers };
  }

  #record(peerId: string): PeerRecord {
    let record = this.#peers.get(peerId);
    if (record) {
      // Re-inserted so the map's order is least recently struck first.
      this.#peers.delete(peerId);
    } else {
      record = { strikesAtMs: [], benchedUntilMs: 0, benchCount: 0 };
    }
    this.#peers.set(peerId, record);
    while (this.#peers.size > this.#maxPeers) {
      const oldest = this.#peers.keys().next().value;
      if (oldest === undefined) break;
      this.#peers.delete(oldest);
    }
    return record;
  }
}
