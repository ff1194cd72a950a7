/**
 * Fetches the chunks of a track this peer lacks from every live peer that has them, in parallel.
 *
 * Scheduling is pull-based: each peer has `maxInFlightPerPeer` slots, and a free slot takes the
 * next chunk from the highest-priority download that this peer can serve, so faster peers simply
 * take more requests. Among the chunks a peer can serve it takes the rarest (fewest known holders,
 * random among equals), so fetchers that start together ask the seeder for different chunks and
 * then trade them with each other.
 *
 * Who has what: the catalogs name the full holders of a track; every other live peer is asked to
 * WATCH the track on the chunk protocol, which answers with a bitmap of the chunks it holds and
 * then pushes the indices of chunks as it stores them. A fetcher serves what it already has, so
 * partial holders carry part of the load.
 *
 * Every chunk is checked against its SHA-256 before it is stored; wrong bytes are dropped, counted
 * against the sender (after `maxBadChunksPerPeer` it is not used again for that track) and the
 * chunk is asked of someone else. Chunks already present (own files or the store) are skipped, so
 * an interrupted download resumes where it stopped.
 *
 * This class is the public face and the composition of the parts: `fetch-scheduler.ts` (slots and what
 * goes next), `chunk-request.ts` (one GET and its replies), `chunk-intake.ts` (verify, store, book),
 * `running-downloads.ts` (the jobs and how they end), `download-job.ts` (one job's bookkeeping),
 * `partial-watch.ts`, `chunk-stream-pool.ts`, and `fetch-core.ts` (what they share).
 */
import { TrackNotFoundError } from '../library';
import { TypedEventTarget } from '../../shared/events';
import { StorageError } from '../library/storage-health';
import { bump } from './stream-util';
import {
  createJob,
  dropPartial,
  markUrgent,
  progressOf,
  repace,
  resultOf,
  type Job,
  type Waiter,
} from './download-job';
import {
  FetchAbortedError,
  type ChunkFetcherComponents,
  type ChunkFetcherEvents,
  type ChunkFetcherInit,
  type ChunkFetcherStats,
  type DownloadProgress,
  type DownloadState,
  type FetchOptions,
  type FetchResult,
} from './fetch-types';
import { silentLogger } from '../../shared/logger';
import { ChunkStreamPool } from './chunk-stream-pool';
import { watchPartialHolder } from './partial-watch';
import { fetchTuning, type FetchCore } from './fetch-core';
import { RunningDownloads } from './running-downloads';
import { ChunkIntake } from './chunk-intake';
import { FetchScheduler } from './fetch-scheduler';

/** Downloads tracks from the room, chunk by chunk. */
export class ChunkFetcher extends TypedEventTarget<ChunkFetcherEvents> {
  readonly #c: ChunkFetcherComponents;
  readonly #protocol: string;
  readonly #core: FetchCore;
  readonly #jobs: RunningDownloads;
  readonly #live = new Set<string>();
  readonly #streams: ChunkStreamPool;
  readonly #intake: ChunkIntake;
  readonly #scheduler: FetchScheduler;
  #controller: AbortController | null = null;
  readonly #stats: ChunkFetcherStats = {
    requests: 0,
    chunksFetched: 0,
    bytesFetched: 0,
    badChunks: 0,
    missingReplies: 0,
    failedRequests: 0,
    dropped: {},
  };

  constructor(components: ChunkFetcherComponents, init: ChunkFetcherInit = {}) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:chunks');
    super(log);
    this.#c = components;
    this.#protocol = components.node.protocolId(init.protocolName ?? 'chunks');
    this.#streams = new ChunkStreamPool(components.node, this.#protocol);
    const emit: FetchCore['emit'] = (type, payload) => this.emit(type, payload);
    this.#jobs = new RunningDownloads(emit);
    this.#core = {
      c: components,
      tuning: fetchTuning(init),
      live: this.#live,
      downloads: this.#jobs,
      stats: this.#stats,
      log,
      emit,
      running: () => this.#controller !== null,
      pump: () => this.#scheduler.pump(),
    };
    this.#intake = new ChunkIntake(this.#core);
    this.#scheduler = new FetchScheduler(this.#core, this.#streams, this.#intake);
  }

  /** Starts following peer connections. Idempotent. */
  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    this.#live.clear();
    for (const peerId of this.#c.node.connectedPeers()) {
      this.#live.add(peerId);
      void this.#streams.warm(peerId, signal);
    }
    this.#c.storage?.on(
      'storage:changed',
      (state) => {
        if (state.problem === null) this.#scheduler.pump();
      },
      { signal },
    );
    this.#c.node.on(
      'peer:connected',
      ({ peerId }) => {
        this.#live.add(peerId);
        void this.#streams.warm(peerId, signal);
        for (const job of this.#jobs.values()) {
          job.holdersCheckedMs = 0;
          this.#watch(job, peerId);
        }
        this.#scheduler.pump();
      },
      { signal },
    );
    this.#c.node.on(
      'peer:disconnected',
      ({ peerId }) => {
        this.#live.delete(peerId);
        this.#streams.closePeer(peerId);
        for (const job of this.#jobs.values()) {
          job.full.delete(peerId);
          dropPartial(job, peerId);
        }
        this.#scheduler.pump();
      },
      { signal },
    );
  }

  /** Cancels every download and closes every stream. Idempotent. */
  async stop(): Promise<void> {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    controller.abort();
    this.#jobs.abortAll();
    await this.#streams.closeAll();
    // Verified chunks already received are kept: a later download resumes with them.
    await this.#intake.settled();
  }

  /**
   * Fetches the chunks of `trackId` this peer lacks; resolves when every chunk is present. Calls for
   * a track already downloading join that download (at the higher of the priorities).
   */
  fetchTrack(trackId: string, options: FetchOptions = {}): Promise<FetchResult> {
    if (!this.#controller) return Promise.reject(new FetchAbortedError(trackId));
    if (options.signal?.aborted) return Promise.reject(new FetchAbortedError(trackId));
    const storage = this.#c.storage;
    if (options.failOnStorageError && storage && !storage.writable && !this.isComplete(trackId))
      return Promise.reject(new StorageError(storage.state()));
    let job = this.#jobs.get(trackId);
    if (!job) {
      const track = this.#c.db.getTrack(trackId);
      if (!track) return Promise.reject(new TrackNotFoundError(trackId));
      job = createJob(
        trackId,
        this.#c.db.chunkList(trackId),
        this.#c.library.chunksHere(trackId),
        this.#core.tuning.maxFailures,
      );
      if (job.missing.size === 0) {
        const result = resultOf(job);
        this.emit('download:done', result);
        return Promise.resolve(result);
      }
      this.#jobs.add(job);
      this.#scheduler.refreshHolders(job);
      for (const peerId of this.#live) this.#watch(job, peerId);
    }
    const started = job;
    return new Promise<FetchResult>((resolve, reject) => {
      const waiter: Waiter = {
        priority: options.priority ?? 0,
        pace: options.pace ?? null,
        failOnStorageError: options.failOnStorageError ?? false,
        resolve,
        reject,
      };
      started.waiters.add(waiter);
      repace(started);
      options.signal?.addEventListener(
        'abort',
        () => {
          if (!started.waiters.delete(waiter)) return;
          repace(started);
          reject(new FetchAbortedError(trackId));
          if (started.waiters.size === 0) this.#jobs.finish(started, new FetchAbortedError(trackId));
        },
        { once: true },
      );
      this.#scheduler.pump();
    });
  }

  /**
   * Bytes [startByte, endByte) of a running download are wanted now (a reader waits for them): their
   * chunks are fetched next, whatever the download's order and pace.
   */
  want(trackId: string, startByte: number, endByte: number): void {
    const job = this.#jobs.get(trackId);
    if (job && markUrgent(job, startByte, endByte)) this.#scheduler.pump();
  }

  /** Changes the priority of a running download (higher first). */
  setPriority(trackId: string, priority: number): void {
    const job = this.#jobs.get(trackId);
    if (!job) return;
    for (const w of job.waiters) w.priority = priority;
    this.#scheduler.pump();
  }

  /** Progress of a running download, or null. */
  progress(trackId: string): DownloadProgress | null {
    const job = this.#jobs.get(trackId);
    return job ? progressOf(job) : null;
  }

  /** Whether every chunk of the track is present here (own files or the store). */
  isComplete(trackId: string): boolean {
    const chunks = this.#c.db.chunkList(trackId);
    const here = this.#c.library.chunksHere(trackId);
    return chunks.length > 0 && chunks.every((c) => here(c.chunkId));
  }

  /** The whole track, from own files or the chunk store (fetch it first). Each chunk is verified. */
  readTrack(trackId: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return this.#c.library.readTrack(trackId, options);
  }

  /** Counters since construction. */
  stats(): ChunkFetcherStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  /** Where a running download stands (for `debug` and for tests that must say why one is stuck). */
  downloadState(trackId: string): DownloadState | null {
    const job = this.#jobs.get(trackId);
    if (!job) return null;
    const now = performance.now();
    return {
      missingUnits: job.missing.size,
      inFlightUnits: job.inFlight.size,
      urgentUnits: job.urgent.size,
      full: [...job.full],
      partial: [...job.partial.keys()],
      excluded: [...job.excluded],
      resting: [...this.#live].filter((p) => job.rests.resting(p, now)),
      live: [...this.#live].map((p) => ({
        peerId: p,
        slots: this.#scheduler.slotsOf(p),
        pick: this.#scheduler.pick(job, p),
      })),
      pendingPuts: this.#intake.pendingPuts,
      stallTimer: job.stallTimer !== null,
      restTimer: job.restTimer !== null,
    };
  }

  /** Bytes the running downloads still need to store (what "disk full: N MB needed" names). */
  neededBytes(): number {
    return this.#jobs.neededBytes();
  }

  /** Opens a WATCH on `peerId` for the job's track, keeping its bitmap of the track current. */
  #watch(job: Job, peerId: string): void {
    if (!this.#core.tuning.watchPartial || job.watching.has(peerId) || peerId === this.#c.node.peerId) return;
    if (job.full.has(peerId) || job.controller.signal.aborted) return;
    job.watching.add(peerId);
    void watchPartialHolder(job, peerId, {
      node: this.#c.node,
      protocol: this.#protocol,
      timeoutMs: this.#core.tuning.requestTimeoutMs,
      changed: () => this.#scheduler.pump(),
      malformed: () => bump(this.#stats.dropped, 'malformedWatch'),
      log: this.#core.log,
    }).finally(() => {
      job.watching.delete(peerId);
      dropPartial(job, peerId);
    });
  }
}
