/**
 * The chunk fetcher's public face (`chunk-fetcher.ts`): what it needs, how it is tuned, what a
 * download reports, and the errors a download ends with.
 */
import type { ChunkStore, Library, LibraryDb } from '../library';
import type { StorageHealth } from '../library/storage-health';
import type { ComponentLogger } from '../../shared/logger';
import type { SwarmNode } from './stream-util';
import type { PaceRate } from './download-pace';

/** Collaborators of ChunkFetcher. */
export interface ChunkFetcherComponents {
  node: SwarmNode;
  db: Pick<LibraryDb, 'getTrack' | 'chunkList'>;
  store: Pick<ChunkStore, 'put'> & Partial<Pick<ChunkStore, 'evictBytes'>>;
  library: Pick<Library, 'hasChunk' | 'chunksHere' | 'readTrack'>;
  /** Live peers whose catalog lists the track (CatalogSync.holdersOf). */
  holders: (trackId: string) => string[];
  /** Told about each stored chunk, so peers watching the track learn of it (ChunkServer.announce). */
  announce?: (chunkId: string) => void;
  logger?: ComponentLogger;
  /**
   * The data folder's health: a store write that fails for want of space (or a disk error) pauses
   * every download until it says writable again, instead of fetching chunks it cannot keep.
   */
  storage?: Pick<StorageHealth, 'report' | 'writable' | 'state' | 'on'>;
}

/** Options of ChunkFetcher; every field has a default. */
export interface ChunkFetcherInit {
  /** Stream protocol name passed to `node.protocolId` (default `chunks`). */
  protocolName?: string;
  /** Requests in flight to one peer at once, across downloads (default 4). */
  maxInFlightPerPeer?: number;
  /** Chunk ids per request (default 1; at most `chunkLimits.maxIdsPerRequest`). */
  chunksPerRequest?: number;
  /**
   * Requests in flight to a peer that is the only one connected (default 8, or
   * `maxInFlightPerPeer` when that is given). With nobody else to share the load, a deeper
   * pipeline costs no fairness and keeps both ends busy.
   */
  soloMaxInFlight?: number;
  /** Chunk ids per request to a peer that is the only one connected (default 4, or `chunksPerRequest` when given). */
  soloChunksPerRequest?: number;
  /** Wrong chunks from one peer before it is no longer used for the track (default 3). */
  maxBadChunksPerPeer?: number;
  /**
   * Episodes of failed requests in a row (requests failing together count once; a rest of 0.5 s, 1 s,
   * … between episodes) before a peer is no longer used for the track (default 3). See peer-rests.ts.
   */
  maxFailuresPerPeer?: number;
  /** A reply slower than this fails the request (default 10 s). */
  requestTimeoutMs?: number;
  /** A download with missing chunks that no live peer can serve fails after this (default 15 s). */
  stallTimeoutMs?: number;
  /** Minimum time between progress events of one download (default 100 ms). */
  progressIntervalMs?: number;
  /** How often the catalog holders of a running download are looked up again (default 500 ms). */
  holdersRefreshMs?: number;
  /** Ask peers that are not catalog holders which chunks they have (default true). */
  watchPartialHolders?: boolean;
  /** Received chunks waiting to be written to the store before no new requests are sent (default 32). */
  maxPendingWrites?: number;
}

/** Options of one `fetchTrack` call. */
export interface FetchOptions {
  signal?: AbortSignal;
  /** Higher first: the current track before the next in the queue (default 0). */
  priority?: number;
  /**
   * Reject with a StorageError when the store cannot take chunks, rather than wait until it can
   * (default false: a queued download waits and resumes by itself). A media request cannot wait.
   */
  failOnStorageError?: boolean;
  /**
   * Fetch no faster than this after a burst (`download-pace.ts`): a track a player reads as it arrives.
   * A download is paced only while every caller waiting for it asks for a pace.
   */
  pace?: PaceRate;
}

/** Bytes and chunks one peer supplied to a download. */
export interface PeerShare {
  chunks: number;
  bytes: number;
}

/** Progress of one download, emitted as `download:progress`. */
export interface DownloadProgress {
  trackId: string;
  haveChunks: number;
  totalChunks: number;
  /** Bytes fetched by this download so far (chunks present before it started are not counted). */
  bytes: number;
  perPeer: Record<string, PeerShare>;
}

/** What a finished download did. */
export interface FetchResult extends DownloadProgress {
  /** Chunks that were already present when the download started. */
  presentChunks: number;
  fetchedChunks: number;
  badChunks: number;
  durationMs: number;
}

/** Events of ChunkFetcher. */
export interface ChunkFetcherEvents extends Record<string, unknown> {
  'download:progress': DownloadProgress;
  'download:done': FetchResult;
  'download:failed': { trackId: string; error: string };
  /** One more chunk of a running download is stored (a media read waiting for it may go on). */
  'download:chunk': { trackId: string; chunkId: string };
}

/**
 * A download at this priority or above is being played (a media read waits for it): its chunks are
 * fetched from the front, so it can start before it is whole. Below it, the first `HEAD_UNITS` come
 * first (a next track's start), then the rarest first, which spreads a swarm's copies best.
 */
export const STREAMING_PRIORITY = 10;

/** Counters, including rejected input by reason. */
export interface ChunkFetcherStats {
  requests: number;
  chunksFetched: number;
  bytesFetched: number;
  badChunks: number;
  missingReplies: number;
  failedRequests: number;
  dropped: Record<string, number>;
}

/** No live peer could supply the missing chunks of a track within the stall timeout. */
export class TrackUnavailableError extends Error {
  override readonly name = 'TrackUnavailableError';
  constructor(
    readonly trackId: string,
    readonly missingChunks: number,
  ) {
    super(`no live peer can supply the ${missingChunks} missing chunks of track ${trackId}`);
  }
}

/** The download was cancelled by the caller's signal or by `stop()`. */
export class FetchAbortedError extends Error {
  override readonly name = 'FetchAbortedError';
  constructor(readonly trackId: string) {
    super(`download of ${trackId} aborted`);
  }
}

/** A running download's bookkeeping, as `downloadState` reports it. */
export interface DownloadState {
  missingUnits: number;
  inFlightUnits: number;
  urgentUnits: number;
  full: string[];
  partial: string[];
  excluded: string[];
  resting: string[];
  live: { peerId: string; slots: number; pick: number }[];
  pendingPuts: number;
  stallTimer: boolean;
  restTimer: boolean;
}
