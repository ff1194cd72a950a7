/**
 * The chunk fetcher's running downloads (`chunk-fetcher.ts`), one job a track, and how a download ends:
 * its timers stopped, its waiters resolved or rejected, the outcome announced. A job that has ended is
 * no longer current, so a late reply for it changes nothing here. Also what the store asks about them:
 * which chunks they still want (evicted last) and how many bytes they still need.
 */
import { priorityOf, progressOf, resultOf, type Job } from './download-job';
import type { EmitFetchEvent } from './fetch-core';
import { FetchAbortedError } from './fetch-types';

/** The running downloads by track. */
export class RunningDownloads {
  readonly #jobs = new Map<string, Job>();

  constructor(private readonly emit: EmitFetchEvent) {}

  /** The running download of `trackId`, if any. */
  get(trackId: string): Job | undefined {
    return this.#jobs.get(trackId);
  }

  /** Starts tracking a new download. */
  add(job: Job): void {
    this.#jobs.set(job.trackId, job);
  }

  /** Every running download. */
  values(): IterableIterator<Job> {
    return this.#jobs.values();
  }

  /** Whether `job` is still the running download of its track. */
  isCurrent(job: Job): boolean {
    return this.#jobs.get(job.trackId) === job;
  }

  /** Unit `u` is to be fetched again (unless its download has ended). */
  requeue(job: Job, u: number): void {
    if (this.isCurrent(job)) job.missing.add(u);
  }

  /** The running downloads, highest priority first. */
  byPriority(): Job[] {
    return [...this.#jobs.values()].sort((a, b) => priorityOf(b) - priorityOf(a));
  }

  /** Ends a download: resolves (error null) or rejects its waiters and releases its streams. */
  finish(job: Job, error: Error | null): void {
    if (this.isCurrent(job)) this.#jobs.delete(job.trackId);
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

  /** Ends every download (`stop()`). */
  abortAll(): void {
    for (const job of [...this.#jobs.values()]) this.finish(job, new FetchAbortedError(job.trackId));
  }

  /**
   * The store refused a write with `error`: waiters that cannot wait are told why; the rest wait for
   * space.
   */
  storageFailed(error: Error): void {
    for (const job of this.#jobs.values()) {
      for (const w of [...job.waiters]) {
        if (!w.failOnStorageError) continue;
        job.waiters.delete(w);
        w.reject(error);
      }
      // A download nobody waits for any more is dropped; its stored chunks stay for next time.
      if (job.waiters.size === 0) this.finish(job, new FetchAbortedError(job.trackId));
    }
  }

  /** Whether a running download wants the chunk: the store evicts such chunks last. */
  readonly isWanted = (chunkId: string): boolean => {
    for (const job of this.#jobs.values()) if (job.chunkIds.has(chunkId)) return true;
    return false;
  };

  /** Bytes the running downloads still need to store (what "disk full: N MB needed" names). */
  neededBytes(): number {
    let bytes = 0;
    for (const job of this.#jobs.values()) {
      for (const u of job.missing) bytes += job.units[u]!.lengthBytes;
      bytes += job.inFlight.bytes;
    }
    return bytes;
  }
}
