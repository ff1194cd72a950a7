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
 */
import { chunkLimits, decodeGetReply, encodeGet, isOkReplyFrame } from '../../shared/swarm/chunk-wire';
import {
  ChunkHashMismatchError,
  chunkLength,
  TrackNotFoundError,
  verifyChunk,
  type ChunkBytes,
  type VerifiedChunk,
} from '../library';
import { TypedEventTarget } from '../../shared/events';
import { StorageError, storageProblemOf } from '../library/storage-health';
import { FRAME_LENGTH_ERRORS, bump } from './stream-util';
import { combinedPace, DownloadPace } from './download-pace';
import {
  createJob,
  dropPartial,
  markLacking,
  pickUnit,
  priorityOf,
  progressOf,
  resultOf,
  type Job,
  type Waiter,
} from './download-job';
import {
  FetchAbortedError,
  STREAMING_PRIORITY,
  TrackUnavailableError,
  type ChunkFetcherComponents,
  type ChunkFetcherEvents,
  type ChunkFetcherInit,
  type ChunkFetcherStats,
  type DownloadProgress,
  type DownloadState,
  type FetchOptions,
  type FetchResult,
} from './fetch-types';
import { silentLogger, type Logger } from '../../shared/logger';
import { ChunkStreamPool, type ChunkStream } from './chunk-stream-pool';
import { watchPartialHolder } from './partial-watch';

/** Downloads tracks from the room, chunk by chunk. */
export class ChunkFetcher extends TypedEventTarget<ChunkFetcherEvents> {
  readonly #c: ChunkFetcherComponents;
  readonly #protocol: string;
  readonly #maxInFlight: number;
  readonly #chunksPerRequest: number;
  readonly #soloMaxInFlight: number;
  readonly #soloChunksPerRequest: number;
  readonly #maxBad: number;
  readonly #maxFailures: number;
  readonly #requestTimeoutMs: number;
  readonly #stallTimeoutMs: number;
  readonly #progressIntervalMs: number;
  readonly #holdersRefreshMs: number;
  readonly #watchPartial: boolean;
  readonly #maxPendingPuts: number;
  readonly #log: Logger;

  #controller: AbortController | null = null;
  readonly #jobs = new Map<string, Job>();
  readonly #slots = new Map<string, number>();
  readonly #streams: ChunkStreamPool;
  #live = new Set<string>();
  #pendingPuts = 0;
  readonly #writes = new Set<Promise<void>>();
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
    this.#maxInFlight = init.maxInFlightPerPeer ?? 4;
    this.#chunksPerRequest = Math.min(init.chunksPerRequest ?? 1, chunkLimits.maxIdsPerRequest);
    this.#soloMaxInFlight = init.soloMaxInFlight ?? init.maxInFlightPerPeer ?? 8;
    this.#soloChunksPerRequest = Math.min(
      init.soloChunksPerRequest ?? init.chunksPerRequest ?? 4,
      chunkLimits.maxIdsPerRequest,
    );
    this.#maxBad = init.maxBadChunksPerPeer ?? 3;
    this.#maxFailures = init.maxFailuresPerPeer ?? 3;
    this.#requestTimeoutMs = init.requestTimeoutMs ?? 10_000;
    this.#stallTimeoutMs = init.stallTimeoutMs ?? 15_000;
    this.#progressIntervalMs = init.progressIntervalMs ?? 100;
    this.#holdersRefreshMs = init.holdersRefreshMs ?? 500;
    this.#watchPartial = init.watchPartialHolders ?? true;
    this.#maxPendingPuts = init.maxPendingWrites ?? 32;
    this.#log = log;
  }

  /** Starts following peer connections. Idempotent. */
  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    this.#live = new Set(this.#c.node.connectedPeers());
    this.#c.storage?.on(
      'storage:changed',
      (state) => {
        if (state.problem === null) this.#pump();
      },
      { signal },
    );
    this.#c.node.on(
      'peer:connected',
      ({ peerId }) => {
        this.#live.add(peerId);
        for (const job of this.#jobs.values()) {
          job.holdersCheckedMs = 0;
          this.#watch(job, peerId);
        }
        this.#pump();
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
        this.#pump();
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
    for (const job of [...this.#jobs.values()]) this.#finish(job, new FetchAbortedError(job.trackId));
    await this.#streams.closeAll();
    // Verified chunks already received are kept: a later download resumes with them.
    await Promise.allSettled([...this.#writes]);
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
        (id) => this.#c.library.hasChunk(id),
        this.#maxFailures,
      );
      if (job.missing.size === 0) {
        const result = resultOf(job);
        this.emit('download:done', result);
        return Promise.resolve(result);
      }
      this.#jobs.set(trackId, job);
      this.#refreshHolders(job);
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
      this.#repace(started);
      options.signal?.addEventListener(
        'abort',
        () => {
          if (!started.waiters.delete(waiter)) return;
          this.#repace(started);
          reject(new FetchAbortedError(trackId));
          if (started.waiters.size === 0) this.#finish(started, new FetchAbortedError(trackId));
        },
        { once: true },
      );
      this.#pump();
    });
  }

  /**
   * Bytes [startByte, endByte) of a running download are wanted now (a reader waits for them): their
   * chunks are fetched next, whatever the download's order and pace.
   */
  want(trackId: string, startByte: number, endByte: number): void {
    const job = this.#jobs.get(trackId);
    if (!job) return;
    let added = false;
    for (const c of job.chunks) {
      if (c.offsetBytes >= endByte) continue;
      if (c.offsetBytes + c.lengthBytes <= startByte) continue;
      const u = job.unitOf[c.index]!;
      if ((job.missing.has(u) || job.inFlight.has(u)) && !job.urgent.has(u)) {
        job.urgent.add(u);
        added = true;
      }
    }
    if (added) this.#pump();
  }

  /** The job's pace from its waiters' (`combinedPace`); the budget keeps counting from the job's start. */
  #repace(job: Job): void {
    const rate = combinedPace([...job.waiters].map((w) => w.pace));
    if (rate?.bytesPerSec === job.pace?.rate.bytesPerSec && rate?.burstBytes === job.pace?.rate.burstBytes)
      return;
    job.pace = rate ? new DownloadPace(rate, job.startedAtMs) : null;
  }

  /** Milliseconds until a paced job may ask for another unit (0: now, or not paced). */
  #paceWaitMs(job: Job, now: number): number {
    if (!job.pace) return 0;
    const used = job.bytes + job.inFlight.bytes;
    const next = job.units[job.missing.values().next().value ?? 0]?.lengthBytes ?? 0;
    return job.pace.waitMs(used, next, now);
  }

  /** Changes the priority of a running download (higher first). */
  setPriority(trackId: string, priority: number): void {
    const job = this.#jobs.get(trackId);
    if (!job) return;
    for (const w of job.waiters) w.priority = priority;
    this.#pump();
  }

  /** Progress of a running download, or null. */
  progress(trackId: string): DownloadProgress | null {
    const job = this.#jobs.get(trackId);
    return job ? progressOf(job) : null;
  }

  /** Whether every chunk of the track is present here (own files or the store). */
  isComplete(trackId: string): boolean {
    const chunks = this.#c.db.chunkList(trackId);
    return chunks.length > 0 && chunks.every((c) => this.#c.library.hasChunk(c.chunkId));
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
        slots: this.#slots.get(p) ?? 0,
        pick: this.#pick(job, p),
      })),
      pendingPuts: this.#pendingPuts,
      stallTimer: job.stallTimer !== null,
      restTimer: job.restTimer !== null,
    };
  }

  #refreshHolders(job: Job): void {
    job.holdersCheckedMs = performance.now();
    for (const peerId of this.#c.holders(job.trackId)) {
      if (peerId === this.#c.node.peerId || !this.#live.has(peerId)) continue;
      job.full.add(peerId);
    }
  }

  /** The unit to ask `peerId` for next (download-job.ts `pickUnit`), or -1 when it may not be asked now. */
  #pick(job: Job, peerId: string, overBudget = false): number {
    if (job.excluded.has(peerId) || !this.#live.has(peerId) || job.rests.resting(peerId, performance.now()))
      return -1;
    return pickUnit(job, peerId, overBudget);
  }

  #jobsByPriority(): Job[] {
    return [...this.#jobs.values()].sort((a, b) => priorityOf(b) - priorityOf(a));
  }

  /** Fills every free slot of every live peer with the best work it can do. */
  #pump(): void {
    if (!this.#controller) return;
    // Nothing is asked for while the store cannot keep it; `storage:changed` pumps again.
    if (this.#c.storage && !this.#c.storage.writable) return;
    const jobs = this.#jobsByPriority();
    const now = performance.now();
    if (this.#pendingPuts >= this.#maxPendingPuts) return;
    for (const job of jobs)
      if (now - job.holdersCheckedMs >= this.#holdersRefreshMs) this.#refreshHolders(job);
    // A lone peer serves everything anyway; with others around, small requests spread the load.
    const solo = this.#live.size === 1;
    const maxInFlight = solo ? this.#soloMaxInFlight : this.#maxInFlight;
    const perRequest = solo ? this.#soloChunksPerRequest : this.#chunksPerRequest;
    for (const peerId of this.#live) {
      while ((this.#slots.get(peerId) ?? 0) < maxInFlight && this.#pendingPuts < this.#maxPendingPuts) {
        let started = false;
        for (const job of jobs) {
          const units: number[] = [];
          // A paced download over its budget asks only for what a reader waits for, and looks again
          // once the budget has grown.
          const waitMs = this.#paceWaitMs(job, now);
          if (waitMs > 0) this.#pumpAfter(job, waitMs);
          // A track being played comes one chunk a request, so the parallel requests carry its front
          // first: with several a request, chunk 1 came ninth (after the first of every request) and
          // a player's first range waited 300-400 ms instead of about 100.
          const chunks = priorityOf(job) >= STREAMING_PRIORITY ? 1 : perRequest;
          for (let k = 0; k < chunks; k++) {
            const u = this.#pick(job, peerId, waitMs > 0);
            if (u < 0) break;
            job.missing.delete(u);
            job.inFlight.set(u, peerId);
            units.push(u);
          }
          if (units.length > 0) {
            this.#slots.set(peerId, (this.#slots.get(peerId) ?? 0) + 1);
            void this.#request(job, peerId, units);
            started = true;
            break;
          }
        }
        if (!started) break;
      }
    }
    for (const job of jobs) this.#checkStall(job);
  }

  #pumpAfter(job: Job, ms: number): void {
    job.paceTimer ??= setTimeout(() => {
      job.paceTimer = null;
      this.#pump();
    }, ms);
  }

  #checkStall(job: Job): void {
    // (A holder resting after failed requests is asked again when its rest ends.)
    const now = performance.now();
    const stalled =
      job.inFlight.size === 0 &&
      job.missing.size > 0 &&
      ![...this.#live].some((p) => this.#pick(job, p) >= 0 || job.rests.resting(p, now));
    if (!stalled) {
      if (job.stallTimer) clearTimeout(job.stallTimer);
      job.stallTimer = null;
      return;
    }
    job.stallTimer ??= setTimeout(() => {
      job.stallTimer = null;
      this.#refreshHolders(job);
      this.#pump();
      // A download paused for storage is waiting on the disk, not on peers.
      if (this.#c.storage && !this.#c.storage.writable) return;
      if (this.#jobs.get(job.trackId) === job && job.inFlight.size === 0 && job.missing.size > 0)
        this.#finish(job, new TrackUnavailableError(job.trackId, this.#missingChunks(job)));
    }, this.#stallTimeoutMs);
  }

  #missingChunks(job: Job): number {
    return job.totalChunks - job.haveChunks;
  }

  async #request(job: Job, peerId: string, units: number[]): Promise<void> {
    const pending = new Set(units);
    let open: ChunkStream | null = null;
    let reusable = false;
    const signal = AbortSignal.any([job.controller.signal, AbortSignal.timeout(this.#requestTimeoutMs)]);
    const startedMs = performance.now();
    this.#stats.requests++;
    try {
      open = await this.#streams.open(peerId, signal);
      await open.lp.write(encodeGet(units.map((u) => job.units[u]!.chunkId)), { signal });
      for (const u of units) {
        let frame;
        try {
          frame = await open.lp.read({ signal });
        } catch (e) {
          if (e instanceof Error && FRAME_LENGTH_ERRORS.has(e.name)) {
            this.#penalize(job, peerId, 'oversizedReply');
            return;
          }
          throw e;
        }
        if (isOkReplyFrame(frame.byteLength, frame.get(0))) {
          pending.delete(u);
          // The chunk stays in the parts it arrived in (hashed and written part by part, never
          // joined), and is stored in the background (the unit stays in flight until then), so the
          // next request overlaps the store's write.
          const write = this.#accept(job, peerId, u, [...frame.sublist(1)]);
          this.#writes.add(write);
          void write.finally(() => this.#writes.delete(write));
          continue;
        }
        const reply = decodeGetReply(frame.subarray());
        if (!reply.ok || reply.value.status === 'ok') {
          this.#penalize(job, peerId, 'malformedReply');
          return;
        }
        pending.delete(u);
        job.inFlight.delete(u);
        if (reply.value.status === 'missing') this.#lacks(job, peerId, u);
        else if (this.#jobs.get(job.trackId) === job) job.missing.add(u);
      }
      reusable = true;
      job.rests.succeeded(peerId);
    } catch (e) {
      if (!job.controller.signal.aborted && this.#controller) {
        this.#stats.failedRequests++;
        const verdict = job.rests.failed(peerId, startedMs, performance.now());
        if (verdict.kind === 'excluded') {
          job.excluded.add(peerId);
          dropPartial(job, peerId);
        } else if (verdict.kind === 'rest') {
          if (job.restTimer) clearTimeout(job.restTimer);
          job.restTimer = setTimeout(() => {
            job.restTimer = null;
            this.#pump();
          }, verdict.ms);
        }
        this.#log(`request to ${peerId} failed: ${String(e)}`);
      }
    } finally {
      for (const u of pending) {
        job.inFlight.delete(u);
        if (this.#jobs.get(job.trackId) === job) job.missing.add(u);
      }
      this.#slots.set(peerId, Math.max(0, (this.#slots.get(peerId) ?? 1) - 1));
      if (open) this.#streams.release(peerId, open, reusable && !!this.#controller && this.#live.has(peerId));
      this.#pump();
    }
  }

  async #accept(job: Job, peerId: string, u: number, bytes: ChunkBytes): Promise<void> {
    const unit = job.units[u]!;
    const length = chunkLength(bytes);
    // Check the bytes before anything else runs, so a lying peer is excluded before its freed slot is
    // handed another request.
    let chunk: VerifiedChunk | null = null;
    try {
      if (length === unit.lengthBytes) chunk = verifyChunk(unit.chunkId, bytes);
    } catch (e) {
      if (!(e instanceof ChunkHashMismatchError)) throw e;
    }
    if (!chunk) {
      job.inFlight.delete(u);
      if (this.#jobs.get(job.trackId) === job) job.missing.add(u);
      job.badChunks++;
      this.#stats.badChunks++;
      this.#penalize(job, peerId, 'badChunk');
      return;
    }
    this.#pendingPuts++;
    try {
      await this.#store(chunk, length);
    } catch (e) {
      job.inFlight.delete(u);
      if (this.#jobs.get(job.trackId) === job) job.missing.add(u);
      if (e instanceof ChunkHashMismatchError) {
        job.badChunks++;
        this.#stats.badChunks++;
        this.#penalize(job, peerId, 'badChunk');
      } else if (this.#c.storage?.report(e)) {
        this.#storageFailed();
      } else {
        this.#log(`storing ${unit.chunkId} failed: ${String(e)}`);
      }
      return;
    } finally {
      this.#pendingPuts--;
      queueMicrotask(() => this.#pump());
    }
    job.inFlight.delete(u);
    job.urgent.delete(u);
    if (this.#jobs.get(job.trackId) !== job) return;
    job.haveChunks += unit.indices.length;
    job.bytes += length;
    const share = job.perPeer.get(peerId) ?? { chunks: 0, bytes: 0 };
    share.chunks += unit.indices.length;
    share.bytes += length;
    job.perPeer.set(peerId, share);
    this.#stats.chunksFetched++;
    this.#stats.bytesFetched += length;
    this.#c.announce?.(unit.chunkId);
    this.emit('download:chunk', { trackId: job.trackId, chunkId: unit.chunkId });
    if (job.haveChunks >= job.totalChunks) {
      this.#finish(job, null);
      return;
    }
    const now = performance.now();
    if (now - job.lastProgressMs >= this.#progressIntervalMs) {
      job.lastProgressMs = now;
      this.emit('download:progress', progressOf(job));
    }
  }

  /** Whether a running download wants the chunk: the store evicts such chunks last. */
  readonly #isWanted = (chunkId: string): boolean => {
    for (const job of this.#jobs.values()) if (job.chunkIds.has(chunkId)) return true;
    return false;
  };

  /**
   * Stores a verified chunk. When the disk is full, other cached tracks make room for the running
   * downloads (all they still need, at once) before the write is given up and storage paused.
   */
  async #store(chunk: VerifiedChunk, length: number): Promise<void> {
    const options = { keep: this.#isWanted };
    try {
      await this.#c.store.put(chunk, options);
    } catch (e) {
      const evictBytes = this.#c.store.evictBytes?.bind(this.#c.store);
      if (storageProblemOf(e)?.problem !== 'full' || !evictBytes) throw e;
      const freed = await evictBytes(Math.max(length, this.neededBytes()), this.#isWanted);
      if (freed < length) throw e;
      this.#log(`disk full; evicted ${Math.ceil(freed / 1e6)} MB of other cached tracks to make room`);
      await this.#c.store.put(chunk, options);
    }
  }

  /** Bytes the running downloads still need to store (what "disk full: N MB needed" names). */
  neededBytes(): number {
    let bytes = 0;
    for (const job of this.#jobs.values()) {
      for (const u of job.missing) bytes += job.units[u]!.lengthBytes;
      bytes += job.inFlight.bytes;
    }
    return bytes;
  }

  /** The store refused a write: waiters that cannot wait are told why; the rest wait for space. */
  #storageFailed(): void {
    const storage = this.#c.storage;
    if (!storage) return;
    const error = new StorageError(storage.state());
    for (const job of this.#jobs.values()) {
      for (const w of [...job.waiters]) {
        if (!w.failOnStorageError) continue;
        job.waiters.delete(w);
        w.reject(error);
      }
      // A download nobody waits for any more is dropped; its stored chunks stay for next time.
      if (job.waiters.size === 0) this.#finish(job, new FetchAbortedError(job.trackId));
    }
  }

  /** Counts bad input from a peer against it; enough of it and the peer is not used for this track. */
  #penalize(job: Job, peerId: string, reason: string): void {
    bump(this.#stats.dropped, reason);
    const bad = (job.bad.get(peerId) ?? 0) + 1;
    job.bad.set(peerId, bad);
    if (bad >= this.#maxBad && !job.excluded.has(peerId)) {
      job.excluded.add(peerId);
      dropPartial(job, peerId);
      this.#log(`${peerId} sent ${bad} bad replies for ${job.trackId}; not using it for this track`);
    }
  }

  #lacks(job: Job, peerId: string, u: number): void {
    this.#stats.missingReplies++;
    markLacking(job, peerId, u);
    if (this.#jobs.get(job.trackId) === job) job.missing.add(u);
  }

  /** Opens a WATCH on `peerId` for the job's track, keeping its bitmap of the track current. */
  #watch(job: Job, peerId: string): void {
    if (!this.#watchPartial || job.watching.has(peerId) || peerId === this.#c.node.peerId) return;
    if (job.full.has(peerId) || job.controller.signal.aborted) return;
    job.watching.add(peerId);
    void watchPartialHolder(job, peerId, {
      node: this.#c.node,
      protocol: this.#protocol,
      timeoutMs: this.#requestTimeoutMs,
      changed: () => this.#pump(),
      malformed: () => bump(this.#stats.dropped, 'malformedWatch'),
      log: this.#log,
    }).finally(() => {
      job.watching.delete(peerId);
      dropPartial(job, peerId);
    });
  }

  /** Ends a download: resolves (error null) or rejects its waiters and releases its streams. */
  #finish(job: Job, error: Error | null): void {
    if (this.#jobs.get(job.trackId) === job) this.#jobs.delete(job.trackId);
    job.controller.abort();
    if (job.stallTimer) clearTimeout(job.stallTimer);
    job.stallTimer = null;
    if (job.paceTimer) clearTimeout(job.paceTimer);
    job.paceTimer = null;
    if (job.restTimer) clearTimeout(job.restTimer);
    job.restTimer = null;
    const waiters = [...job.waiters];
    job.waiters.clear();
    if (error) {
      if (!(error instanceof FetchAbortedError))
        this.emit('download:failed', { trackId: job.trackId, error: error.message });
      for (const w of waiters) w.reject(error);
      return;
    }
    const result = resultOf(job);
    this.emit('download:progress', progressOf(job));
    this.emit('download:done', result);
    for (const w of waiters) w.resolve(result);
  }
}
