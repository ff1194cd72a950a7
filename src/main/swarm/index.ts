/**
 * The swarm: catalog sync (who holds which track) and chunk exchange (fetching a track's chunks
 * from every peer that has them). The composition root creates one of each service per peer.
 */
export { CatalogProtocolError } from './peer-catalogs';
export {
  CatalogSync,
  type CatalogDelta,
  type CatalogScannerEvents,
  type CatalogSyncComponents,
  type CatalogSyncEvents,
  type CatalogSyncInit,
  type CatalogSyncStats,
  type CatalogTrack,
} from './catalog-sync';
export {
  ChunkServer,
  type ChunkServerComponents,
  type ChunkServerInit,
  type ChunkServerStats,
} from './chunk-server';
export { ChunkFetcher } from './chunk-fetcher';
export {
  FetchAbortedError,
  TrackUnavailableError,
  type ChunkFetcherComponents,
  type ChunkFetcherEvents,
  type ChunkFetcherInit,
  type ChunkFetcherStats,
  type DownloadProgress,
  type FetchOptions,
  type FetchResult,
  type PeerShare,
} from './fetch-types';
export {
  CoverFetcher,
  type CoverFetcherComponents,
  type CoverFetcherInit,
  type CoverFetcherStats,
  type CoverImage,
} from './cover-fetcher';
export type { SwarmNode } from './stream-util';
export { swarmFetchers, type SwarmFetcherParts } from './swarm-fetchers';
