/**
 * The chunk fetcher's scheduling (`chunk-fetcher.ts`): pull-based, each live peer has a few request
 * slots, and a free slot takes the next units of the highest-priority download that peer can serve
 * (`pickUnit` in download-job.ts says which), so faster peers simply take more requests. It also keeps
 * paced downloads to their budget, keeps what is asked of each peer within its link window (the room's
 * control messages queue behind it: `link-window.ts`), looks the catalog holders up again now and then, and
 * fails a download that no live peer can serve for the stall timeout.
 */
import type { ChunkIntake } from './chunk-intake';
import { requestUnits, type ChunkRequestDeps } from './chunk-request';
import type { ChunkStreamPool } from './chunk-stream-pool';
import { pickUnit, priorityOf, type Job } from './download-job';
import type { FetchCore } from './fetch-core';
import { STREAMING_PRIORITY, TrackUnavailableError } from './fetch-types';
import { LinkWindow } from './link-window';

/** Hands free request slots work; owns the slot counts. */
export class FetchScheduler {
  readonly #slots = new Map<string, number>();
  readonly #windows = new Map<string, LinkWindow>();
  readonly #requests: ChunkRequestDeps;

  constructor(
    private readonly core: FetchCore,
    streams: ChunkStreamPool,
    private readonly intake: ChunkIntake,
  ) {
    this.#requests = {
      core,
      streams,
      intake,
      releaseSlot: (peerId) => this.#slots.set(peerId, Math.max(0, (this.#slots.get(peerId) ?? 1) - 1)),
      window: (peerId) => this.#windowOf(peerId),
    };
  }

  /** The link window of `peerId` (`link-window.ts`). */
  #windowOf(peerId: string): LinkWindow {
    let window = this.#windows.get(peerId);
    if (!window) this.#windows.set(peerId, (window = new LinkWindow()));
    return window;
  }

  /** Requests in flight to `peerId`. */
  slotsOf(peerId: string): number {
    return this.#slots.get(peerId) ?? 0;
  }

  /** Adds every live catalog holder of the job's track to its full holders. */
  refreshHolders(job: Job): void {
    const { c, live } = this.core;
    job.holdersCheckedMs = performance.now();
    for (const peerId of c.holders(job.trackId)) {
      if (peerId === c.node.peerId || !live.has(peerId)) continue;
      job.full.add(peerId);
    }
  }

  /** The unit to ask `peerId` for next (download-job.ts `pickUnit`), or -1 when it may not be asked now. */
  pick(job: Job, peerId: string, overBudget = false): number {
    if (
      job.excluded.has(peerId) ||
      !this.core.live.has(peerId) ||
      job.rests.resting(peerId, performance.now())
    )
      return -1;
    return pickUnit(job, peerId, overBudget);
  }

  /** Fills every free slot of every live peer with the best work it can do. */
  pump(): void {
    const { core, intake } = this;
    if (!core.running()) return;
    // Nothing is asked for while the store cannot keep it; `storage:changed` pumps again.
    if (core.c.storage && !core.c.storage.writable) return;
    const jobs = core.downloads.byPriority();
    const now = performance.now();
    if (intake.backedUp) return;
    for (const job of jobs)
      if (now - job.holdersCheckedMs >= core.tuning.holdersRefreshMs) this.refreshHolders(job);
    // A lone peer serves everything anyway; with others around, small requests spread the load.
    const solo = core.live.size === 1;
    const maxInFlight = solo ? core.tuning.soloMaxInFlight : core.tuning.maxInFlight;
    const perRequest = solo ? core.tuning.soloChunksPerRequest : core.tuning.chunksPerRequest;
    for (const peerId of core.live) {
      const window = this.#windowOf(peerId);
      while (this.slotsOf(peerId) < maxInFlight && !intake.backedUp) {
        let started = false;
        for (const job of jobs) {
          const units: number[] = [];
          let bytes = 0;
          // A paced download over its budget asks only for what a reader waits for, and looks again
          // once the budget has grown.
          const waitMs = paceWaitMs(job, now);
          if (waitMs > 0) this.#pumpAfter(job, waitMs);
          // A track being played comes one chunk a request, so the parallel requests carry its front
          // first: with several a request, chunk 1 came ninth (after the first of every request) and
          // a player's first range waited 300-400 ms instead of about 100.
          const chunks = priorityOf(job) >= STREAMING_PRIORITY ? 1 : perRequest;
          // With replies on their way from this peer, a request goes only if it fits the link's window (the
          // room's control messages queue behind it: link-window.ts); the window is the peer's, whatever the job.
          if (!window.allows(chunks * nextUnitBytes(job))) break;
          for (let k = 0; k < chunks; k++) {
            const u = this.pick(job, peerId, waitMs > 0);
            if (u < 0) break;
            bytes += job.units[u]!.lengthBytes;
            job.missing.delete(u);
            job.inFlight.set(u, peerId);
            units.push(u);
          }
          if (units.length > 0) {
            this.#slots.set(peerId, this.slotsOf(peerId) + 1);
            window.sent(bytes);
            void requestUnits(this.#requests, job, peerId, units);
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
      this.pump();
    }, ms);
  }

  #checkStall(job: Job): void {
    const { core } = this;
    // (A holder resting after failed requests is asked again when its rest ends.)
    const now = performance.now();
    const stalled =
      job.inFlight.size === 0 &&
      job.missing.size > 0 &&
      ![...core.live].some((p) => this.pick(job, p) >= 0 || job.rests.resting(p, now));
    if (!stalled) {
      if (job.stallTimer) clearTimeout(job.stallTimer);
      job.stallTimer = null;
      return;
    }
    job.stallTimer ??= setTimeout(() => {
      job.stallTimer = null;
      this.refreshHolders(job);
      this.pump();
      // A download paused for storage is waiting on the disk, not on peers.
      if (core.c.storage && !core.c.storage.writable) return;
      if (core.downloads.isCurrent(job) && job.inFlight.size === 0 && job.missing.size > 0)
        core.downloads.finish(job, new TrackUnavailableError(job.trackId, job.totalChunks - job.haveChunks));
    }, core.tuning.stallTimeoutMs);
  }
}

/** The size of the job's next missing unit (bytes; 0 when none is missing). */
function nextUnitBytes(job: Job): number {
  return job.units[job.missing.values().next().value ?? -1]?.lengthBytes ?? 0;
}

/** Milliseconds until a paced job may ask for another unit (0: now, or not paced). */
function paceWaitMs(job: Job, now: number): number {
  if (!job.pace) return 0;
  return job.pace.waitMs(job.bytes + job.inFlight.bytes, nextUnitBytes(job), now);
}
