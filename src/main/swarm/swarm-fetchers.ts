/**
 * The one place a peer's fetchers are built (the peer's wiring and the swarm test rig both use it):
 * chunks and covers come from the peers the catalog says hold a track, and every chunk stored is
 * announced through the chunk server to the peers watching that track.
 */
import type { LibraryServices } from '../library';
import type { ComponentLogger } from '../../shared/logger';
import type { CatalogSync } from './catalog-sync';
import { ChunkFetcher } from './chunk-fetcher';
import type { ChunkFetcherComponents, ChunkFetcherInit } from './fetch-types';
import type { ChunkServer } from './chunk-server';
import { CoverFetcher, type CoverFetcherInit } from './cover-fetcher';
import type { SwarmNode } from './stream-util';

/** What the fetchers are wired to. */
export interface SwarmFetcherParts {
  node: SwarmNode;
  library: Pick<LibraryServices, 'db' | 'store' | 'library'>;
  catalog: Pick<CatalogSync, 'holdersOf'>;
  server: Pick<ChunkServer, 'announce'>;
  logger?: ComponentLogger;
  storage?: ChunkFetcherComponents['storage'];
}

/** A peer's chunk fetcher and cover fetcher, not yet started. */
export function swarmFetchers(
  parts: SwarmFetcherParts,
  init: { fetcher?: ChunkFetcherInit; covers?: CoverFetcherInit } = {},
): { fetcher: ChunkFetcher; covers: CoverFetcher } {
  const { node, library, catalog, server, logger, storage } = parts;
  const holders = (trackId: string) => catalog.holdersOf(trackId);
  const fetcher = new ChunkFetcher(
    {
      node,
      db: library.db,
      store: library.store,
      library: library.library,
      holders,
      announce: (chunkId) => server.announce(chunkId),
      logger,
      storage,
    },
    init.fetcher,
  );
  const covers = new CoverFetcher({ node, db: library.db, holders, logger }, init.covers);
  return { fetcher, covers };
}
