/**
 * How a download treats a holder whose requests fail in transport (a timeout, a reset stream, a
 * dropped connection): it rests that holder for a moment, longer each time, and strikes it off only
 * after `maxEpisodes` failures in a row with a rest between them.
 *
 * Requests run several at a time, so one event (a connection that drops, a stall of the machine)
 * fails all of them at once: those count as one episode, not as several strikes. Struck off after
 * a single blip, the only holder of a track could never finish it (measured: a dropped connection
 * at 10 of 80 chunks left the download failing 15 s later with 70 chunks missing). Wrong bytes are
 * another matter, handled where they are checked: a peer that lies is excluded at once.
 */

/** What became of a holder after a failed request. */
export type RestVerdict =
  /** A new episode: the holder rests for `ms`. */
  | { kind: 'rest'; ms: number }
  /** Part of the episode already counted (the holder rests already). */
  | { kind: 'same-episode' }
  /** Too many episodes in a row: struck off for this download. */
  | { kind: 'excluded' };

export interface PeerRestsInit {
  /** Episodes in a row that strike a holder off (default 3). */
  maxEpisodes?: number;
  /** The first rest (ms); each further one doubles (default 500). */
  firstRestMs?: number;
}

/** The rests and strikes of one download's holders. */
export class PeerRests {
  readonly #episodes = new Map<string, number>();
  readonly #until = new Map<string, number>();
  readonly #maxEpisodes: number;
  readonly #firstRestMs: number;

  constructor(init: PeerRestsInit = {}) {
    this.#maxEpisodes = init.maxEpisodes ?? 3;
    this.#firstRestMs = init.firstRestMs ?? 500;
  }

  /**
   * A request to `peerId` failed at `nowMs`, having started at `startedMs`. A request started before
   * the holder's last episode began belongs to that episode.
   */
  failed(peerId: string, startedMs: number, nowMs: number): RestVerdict {
    const until = this.#until.get(peerId);
    if (until !== undefined && (nowMs < until || startedMs < until)) return { kind: 'same-episode' };
    const episodes = (this.#episodes.get(peerId) ?? 0) + 1;
    this.#episodes.set(peerId, episodes);
    if (episodes >= this.#maxEpisodes) {
      this.#until.delete(peerId);
      return { kind: 'excluded' };
    }
    const ms = this.#firstRestMs * 2 ** (episodes - 1);
    this.#until.set(peerId, nowMs + ms);
    return { kind: 'rest', ms };
  }

  /** A request to `peerId` succeeded: its episodes are forgiven. */
  succeeded(peerId: string): void {
    this.#episodes.delete(peerId);
  }

  /** Whether `peerId` rests at `nowMs` (it is not asked until then). */
  resting(peerId: string, nowMs: number): boolean {
    return this.restLeftMs(peerId, nowMs) > 0;
  }

  /** Milliseconds from `nowMs` until `peerId`'s rest ends (0: it does not rest). */
  restLeftMs(peerId: string, nowMs: number): number {
    const until = this.#until.get(peerId);
    return until === undefined ? 0 : Math.max(0, until - nowMs);
  }
}
