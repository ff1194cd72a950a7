/**
 * What each peer announced it holds (its catalog), as the library index keeps it: which track ids,
 * confirmed when. A track row only peers announce stays in the index while some catalog names it
 * (`LibraryDb` asks the same table before dropping one). Apart from the index's own tracks and
 * files; `swarm/peer-catalogs.ts` decides what enters it.
 */
import type Database from 'better-sqlite3';
import type { LibraryStatements } from './statements';

/** The peers' catalogs in the library index. */
export class PeerCatalogIndex {
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: LibraryStatements,
  ) {}

  /** Replaces everything known about what `peerId` holds. */
  replace(peerId: string, trackIds: readonly string[], updatedAtMs = Date.now()): void {
    this.db.transaction(() => {
      this.stmts.deletePeerCatalog.run(peerId);
      for (const id of trackIds) this.stmts.upsertCatalogEntry.run(peerId, id, updatedAtMs);
    })();
  }

  /** Applies a catalog delta from `peerId`. */
  update(
    peerId: string,
    delta: { added: readonly string[]; removed: readonly string[] },
    updatedAtMs = Date.now(),
  ): void {
    this.db.transaction(() => {
      for (const id of delta.added) this.stmts.upsertCatalogEntry.run(peerId, id, updatedAtMs);
      for (const id of delta.removed) this.stmts.deleteCatalogEntry.run(peerId, id);
    })();
  }

  /** What `peerId` announced, with when each entry was last confirmed. */
  entries(peerId: string): { trackId: string; updatedAtMs: number }[] {
    return this.stmts.peerCatalog
      .all(peerId)
      .map((r) => ({ trackId: r.track_id, updatedAtMs: r.updated_at }));
  }

  /** Peers whose catalog lists the track. */
  peersWith(trackId: string): string[] {
    return this.stmts.peersWithTrack.all(trackId).map((r) => r.peer_id);
  }
}
