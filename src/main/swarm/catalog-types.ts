/**
 * The catalog service's public face (`catalog-sync.ts`): what it needs, how it is tuned, the room's
 * tracks as it reports them, its events and counters. Apart so that the parts of the service share
 * them without importing it.
 */
import type { ListenOptions } from '../../shared/events';
import type { TrackInfo } from '../../shared/library/types';
import type { ComponentLogger } from '../../shared/logger';
import type { SwarmMessageOf } from '../../shared/swarm/messages';
import type { LibraryDb } from '../library';
import type { StreamGuard } from '../net/stream-guard';
import type { SwarmNode } from './stream-util';

/** The catalog delta body this service publishes. */
export type CatalogDelta = SwarmMessageOf<'catalog:delta'>;

/** What the local library must offer: scanner events that may change the set of local tracks. */
export interface CatalogScannerEvents {
  on(
    type: 'track:added' | 'track:removed' | 'scan:done',
    listener: () => void,
    options?: ListenOptions,
  ): void;
}

/** Collaborators of CatalogSync. */
export interface CatalogSyncComponents {
  node: SwarmNode;
  db: LibraryDb;
  /** The library scanner; its events trigger a check for local changes. */
  scanner?: CatalogScannerEvents;
  /** Publishes one body on the control topic. */
  publish: (body: CatalogDelta) => void | Promise<void>;
  /** Delivers control-topic bodies with their verified sender; returns an unsubscribe function. */
  subscribe: (listener: (from: string, body: unknown) => void) => () => void;
  logger?: ComponentLogger;
  /** Benches peers that keep sending malformed requests; shared with the other protocols (default: one of its own). */
  guard?: StreamGuard;
}

/** Options of CatalogSync; every field has a default. */
export interface CatalogSyncInit {
  /** Stream protocol name passed to `node.protocolId` (default `catalog`). */
  protocolName?: string;
  /** Quiet time after a scanner event before the local catalog is compared (default 50 ms). */
  debounceMs?: number;
  /** Time limit of one request on the catalog stream (default 30 s). */
  requestTimeoutMs?: number;
  /** Changes kept to answer `list` since a version (default 256). */
  historySize?: number;
  /**
   * How often the current version is announced again in an empty delta (default 10 s), so a peer
   * that missed a delta (gossip is best effort) notices the gap and catches up.
   */
  announceIntervalMs?: number;
}

/** One track of the room's combined library. */
export type CatalogTrack = TrackInfo & {
  /** Live peers that announced the track (this peer excluded). */
  holders: string[];
  /** Whether one of this peer's own files holds it. */
  local: boolean;
};

/** Events of CatalogSync. */
export interface CatalogSyncEvents extends Record<string, unknown> {
  /** The room's combined library may have changed; `peerId` is null for local changes. */
  'catalog:changed': { peerId: string | null };
}

/** Counters, including rejected input by reason. */
export interface CatalogSyncStats {
  deltasPublished: number;
  deltasApplied: number;
  syncs: number;
  syncFailures: number;
  entriesAccepted: number;
  requestsServed: number;
  dropped: Record<string, number>;
}
