/** Tracks this peer fetches from others: the queue's next tracks ahead of time, a window's track while it arrives. */
import { nextIndex, type PlaybackState } from '../../shared/playback/state';
import type { RoomService } from '../room/room-service';
import type { ChunkFetcher } from '../swarm';
import { STREAMING_PRIORITY } from '../swarm/fetch-types';
import { paceForTrack, type PaceRate } from '../swarm/download-pace';
import type { ComponentLogger, Logger } from '../../shared/logger';

/** One track's download as `/api/status` shows it. */
export interface DownloadEntry {
  haveChunks: number;
  totalChunks: number;
  bytes: number;
  done: boolean;
}

/** What Downloads works with (the fetcher of the running peer, remade on restart). */
export interface DownloadsComponents {
  fetcher(): Pick<ChunkFetcher, 'fetchTrack' | 'isComplete'> | null;
  isLocal(trackId: string): boolean;
  /** A track's size and length (local or in the room's catalog), or null when this peer does not know it. */
  trackOf(trackId: string): { sizeBytes: number; durationSec: number | null | undefined } | null;
  logger: ComponentLogger;
  /** Wait before the next track's fetch starts (ms); see `NEXT_PREFETCH_DELAY_MS`. */
  nextDelayMs?: number;
}

/**
 * How long after a state names a next track its fetch starts (ms). Starting a download of a long track
 * reads its whole chunk list and asks the library about each chunk, synchronously: 470 ms for a
 * 3-hour MP3 (2,700 chunks) on the 2-core machine, which held up the window's first range reads of the
 * track that was starting (the host answers them on the same event loop), and with them the room's
 * start. The next track is not needed before the current one ends; the page waits 2 s too.
 */
export const NEXT_PREFETCH_DELAY_MS = 2000;

/** The downloads of this peer, kept across restarts. */
export class Downloads {
  /** Fetches of tracks that windows read while they arrive (`media`), one per track. */
  readonly #arriving = new Map<string, Promise<Error | null>>();
  readonly #entries = new Map<string, DownloadEntry>();
  readonly #log: Logger;
  /** The next track's fetch, waiting for its delay. */
  #next: { trackId: string; timer: ReturnType<typeof setTimeout> } | null = null;

  constructor(private readonly components: DownloadsComponents) {
    this.#log = components.logger.forComponent('firefly:downloads');
  }

  /** Follows a fetcher's progress into the status and the room's view of this member. */
  watch(
    fetcher: Pick<ChunkFetcher, 'on'>,
    room: Pick<RoomService, 'setDownload'>,
    changed: { status(): void; library(): void },
  ): void {
    fetcher.on('download:progress', (detail) => {
      this.#entries.set(detail.trackId, {
        haveChunks: detail.haveChunks,
        totalChunks: detail.totalChunks,
        bytes: detail.bytes,
        done: false,
      });
      room.setDownload({
        trackId: detail.trackId,
        haveChunks: detail.haveChunks,
        totalChunks: detail.totalChunks,
      });
      changed.status();
    });
    fetcher.on('download:failed', () => room.setDownload(null));
    fetcher.on('download:done', (detail) => {
      const entry = this.#entries.get(detail.trackId);
      if (entry) this.#entries.set(detail.trackId, { ...entry, haveChunks: entry.totalChunks, done: true });
      room.setDownload(null);
      changed.library();
    });
  }

  /** Every download so far, by track id. */
  snapshot(): Record<string, DownloadEntry> {
    return Object.fromEntries(this.#entries);
  }

  /**
   * Fetches the current track at once, and the next one `NEXT_PREFETCH_DELAY_MS` later (a state that
   * names the same next track again does not postpone it), from the peers that hold them.
   */
  prefetch(state: PlaybackState): void {
    if (!this.components.fetcher() || state.currentIndex === null) return;
    const current = state.queue[state.currentIndex];
    // The track after this one by the repeat mode: the first again at the end of a repeated queue.
    const nextAt = nextIndex(state);
    const next = nextAt === null || nextAt === state.currentIndex ? undefined : state.queue[nextAt];
    if (current) this.#fetch(current, 10);
    if (next === this.#next?.trackId) return;
    this.cancelNext();
    if (!next) return;
    const timer = setTimeout(() => {
      this.#next = null;
      this.#fetch(next, 1);
    }, this.components.nextDelayMs ?? NEXT_PREFETCH_DELAY_MS);
    timer.unref?.();
    this.#next = { trackId: next, timer };
  }

  /** Drops the next track's fetch that waits for its delay, if any. */
  cancelNext(): void {
    if (this.#next) clearTimeout(this.#next.timer);
    this.#next = null;
  }

  #fetch(trackId: string, priority: number): void {
    const fetcher = this.components.fetcher();
    if (!fetcher || this.components.isLocal(trackId) || fetcher.isComplete(trackId)) return;
    const pace = this.#paceOf(trackId);
    fetcher.fetchTrack(trackId, { priority, ...(pace ? { pace } : {}) }).catch((error: unknown) => {
      this.#log(`fetch ${trackId} failed: ${(error as Error).message}`);
    });
  }

  /**
   * The fetch of a track a window reads while it arrives, started once however many range requests ask
   * (each used to add its own waiter to the download, and log its own copy of a failure); resolves with the
   * failure, or null once the track is whole.
   */
  arriving(trackId: string): Promise<Error | null> {
    const known = this.#arriving.get(trackId);
    if (known) return known;
    const fetcher = this.components.fetcher();
    if (!fetcher) return Promise.resolve(new Error('peer is not running'));
    const pace = this.#paceOf(trackId);
    const fetching = fetcher
      .fetchTrack(trackId, {
        priority: STREAMING_PRIORITY,
        failOnStorageError: true,
        ...(pace ? { pace } : {}),
      })
      .then(
        () => null,
        (error: unknown) => {
          this.#log(`fetch ${trackId} failed: ${(error as Error).message}`);
          return error as Error;
        },
      )
      .finally(() => this.#arriving.delete(trackId));
    this.#arriving.set(trackId, fetching);
    return fetching;
  }

  /** The pace of a played track's download (`swarm/download-pace.ts`), from its size and length; null for none. */
  #paceOf(trackId: string): PaceRate | null {
    const track = this.components.trackOf(trackId);
    return track ? paceForTrack(track.sizeBytes, track.durationSec) : null;
  }
}
