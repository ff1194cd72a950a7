/**
 * What the parts of the chunk fetcher share (`chunk-fetcher.ts` builds it and hands it to the scheduler,
 * the requests and the intake): its tuning, with every default written once here; the live peers; the
 * running downloads; the counters; and the way back to the fetcher's scheduler. Also the one rule for
 * counting a peer's bad input against it, which both a malformed reply and a wrong chunk go through.
 */
import { chunkLimits } from '../../shared/swarm/chunk-wire';
import type { Logger } from '../../shared/logger';
import { dropPartial, type Job } from './download-job';
import type {
  ChunkFetcherComponents,
  ChunkFetcherEvents,
  ChunkFetcherInit,
  ChunkFetcherStats,
} from './fetch-types';
import type { RunningDownloads } from './running-downloads';
import { bump } from './stream-util';

/** `ChunkFetcherInit` with its defaults filled in (see there for what each means). */
export interface FetchTuning {
  maxInFlight: number;
  chunksPerRequest: number;
  soloMaxInFlight: number;
  soloChunksPerRequest: number;
  maxBad: number;
  maxFailures: number;
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  progressIntervalMs: number;
  holdersRefreshMs: number;
  watchPartial: boolean;
  maxPendingPuts: number;
}

/** The tuning `init` asks for, with the defaults for what it leaves out. */
export function fetchTuning(init: ChunkFetcherInit): FetchTuning {
  return {
    maxInFlight: init.maxInFlightPerPeer ?? 4,
    chunksPerRequest: Math.min(init.chunksPerRequest ?? 1, chunkLimits.maxIdsPerRequest),
    soloMaxInFlight: init.soloMaxInFlight ?? init.maxInFlightPerPeer ?? 8,
    soloChunksPerRequest: Math.min(
      init.soloChunksPerRequest ?? init.chunksPerRequest ?? 4,
      chunkLimits.maxIdsPerRequest,
    ),
    maxBad: init.maxBadChunksPerPeer ?? 3,
    maxFailures: init.maxFailuresPerPeer ?? 3,
    requestTimeoutMs: init.requestTimeoutMs ?? 10_000,
    stallTimeoutMs: init.stallTimeoutMs ?? 15_000,
    progressIntervalMs: init.progressIntervalMs ?? 100,
    holdersRefreshMs: init.holdersRefreshMs ?? 500,
    watchPartial: init.watchPartialHolders ?? true,
    maxPendingPuts: init.maxPendingWrites ?? 32,
  };
}

/** Raises one of the fetcher's events. */
export type EmitFetchEvent = <K extends keyof ChunkFetcherEvents & string>(
  type: K,
  payload: ChunkFetcherEvents[K],
) => void;

/** The fetcher's state and handles, shared by its parts. */
export interface FetchCore {
  readonly c: ChunkFetcherComponents;
  readonly tuning: FetchTuning;
  /** Peers connected now (this peer not among them). */
  readonly live: Set<string>;
  readonly downloads: RunningDownloads;
  readonly stats: ChunkFetcherStats;
  readonly log: Logger;
  readonly emit: EmitFetchEvent;
  /** Between `start()` and `stop()`. */
  running(): boolean;
  /** Fills every free request slot with the best work for it (the scheduler's pump). */
  pump(): void;
}

/** Counts bad input from a peer against it; enough of it and the peer is not used for this track. */
export function penalize(core: FetchCore, job: Job, peerId: string, reason: string): void {
  bump(core.stats.dropped, reason);
  const bad = (job.bad.get(peerId) ?? 0) + 1;
  job.bad.set(peerId, bad);
  if (bad >= core.tuning.maxBad && !job.excluded.has(peerId)) {
    job.excluded.add(peerId);
    dropPartial(job, peerId);
    core.log(`${peerId} sent ${bad} bad replies for ${job.trackId}; not using it for this track`);
  }
}
