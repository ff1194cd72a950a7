/**
 * A received chunk's way into the store (`chunk-fetcher.ts` hands it every chunk a peer sends). The
 * bytes are checked against the chunk's SHA-256 before anything else runs, so a lying peer is counted
 * and excluded before its freed request slot is handed more work. A good chunk is written in the
 * background (its unit stays in flight until then, and the next request overlaps the write); when the
 * disk is full, other cached tracks make room first. A stored chunk is booked to its download, which
 * announces it and ends when it was the last one.
 */
import {
  ChunkHashMismatchError,
  chunkLength,
  verifyChunk,
  type ChunkBytes,
  type VerifiedChunk,
} from '../library';
import { StorageError, storageProblemOf } from '../library/storage-health';
import { progressOf, type Job } from './download-job';
import { penalize, type FetchCore } from './fetch-core';

/** Verifies, stores and books received chunks; counts the writes still under way. */
export class ChunkIntake {
  #pendingPuts = 0;
  readonly #writes = new Set<Promise<void>>();

  constructor(private readonly core: FetchCore) {}

  /** Received chunks waiting to be written to the store. */
  get pendingPuts(): number {
    return this.#pendingPuts;
  }

  /** Whether so many writes wait that no new request may go out. */
  get backedUp(): boolean {
    return this.#pendingPuts >= this.core.tuning.maxPendingPuts;
  }

  /** Takes unit `u` of `job` as `peerId` sent it, in the parts it arrived in (never joined). */
  receive(job: Job, peerId: string, u: number, bytes: ChunkBytes): void {
    const write = this.#accept(job, peerId, u, bytes);
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  /** Resolves when every write under way has finished (verified chunks already received are kept). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
  }

  async #accept(job: Job, peerId: string, u: number, bytes: ChunkBytes): Promise<void> {
    const { core } = this;
    const { downloads, stats } = core;
    const unit = job.units[u]!;
    const length = chunkLength(bytes);
    let chunk: VerifiedChunk | null = null;
    try {
      if (length === unit.lengthBytes) chunk = verifyChunk(unit.chunkId, bytes);
    } catch (e) {
      if (!(e instanceof ChunkHashMismatchError)) throw e;
    }
    if (!chunk) {
      job.inFlight.delete(u);
      downloads.requeue(job, u);
      job.badChunks++;
      stats.badChunks++;
      penalize(core, job, peerId, 'badChunk');
      return;
    }
    this.#pendingPuts++;
    try {
      await this.#store(chunk, length);
    } catch (e) {
      job.inFlight.delete(u);
      downloads.requeue(job, u);
      const storage = core.c.storage;
      if (e instanceof ChunkHashMismatchError) {
        job.badChunks++;
        stats.badChunks++;
        penalize(core, job, peerId, 'badChunk');
      } else if (storage?.report(e)) {
        downloads.storageFailed(new StorageError(storage.state()));
      } else {
        core.log(`storing ${unit.chunkId} failed: ${String(e)}`);
      }
      return;
    } finally {
      this.#pendingPuts--;
      queueMicrotask(() => core.pump());
    }
    job.inFlight.delete(u);
    job.urgent.delete(u);
    if (!downloads.isCurrent(job)) return;
    job.haveChunks += unit.indices.length;
    job.bytes += length;
    const share = job.perPeer.get(peerId) ?? { chunks: 0, bytes: 0 };
    share.chunks += unit.indices.length;
    share.bytes += length;
    job.perPeer.set(peerId, share);
    stats.chunksFetched++;
    stats.bytesFetched += length;
    core.c.announce?.(unit.chunkId);
    core.emit('download:chunk', { trackId: job.trackId, chunkId: unit.chunkId });
    if (job.haveChunks >= job.totalChunks) {
      downloads.finish(job, null);
      return;
    }
    const now = performance.now();
    if (now - job.lastProgressMs >= core.tuning.progressIntervalMs) {
      job.lastProgressMs = now;
      core.emit('download:progress', progressOf(job));
    }
  }

  /**
   * Stores a verified chunk. When the disk is full, other cached tracks make room for the running
   * downloads (all they still need, at once) before the write is given up and storage paused.
   */
  async #store(chunk: VerifiedChunk, length: number): Promise<void> {
    const { c, downloads } = this.core;
    const options = { keep: downloads.isWanted };
    try {
      await c.store.put(chunk, options);
    } catch (e) {
      const evictBytes = c.store.evictBytes?.bind(c.store);
      if (storageProblemOf(e)?.problem !== 'full' || !evictBytes) throw e;
      const freed = await evictBytes(Math.max(length, downloads.neededBytes()), downloads.isWanted);
      if (freed < length) throw e;
      this.core.log(`disk full; evicted ${Math.ceil(freed / 1e6)} MB of other cached tracks to make room`);
      await c.store.put(chunk, options);
    }
  }
}
