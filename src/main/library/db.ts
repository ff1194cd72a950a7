/**
 * The library index: one SQLite file (better-sqlite3, WAL) holding tracks, their chunk lists, the
 * local files they come from, cover art, what each peer announced (`peer-catalog-index.ts`), and settings.
 *
 * Tracks are keyed by track id (content), files by path: two identical files share one track. A
 * track row may also describe a track only peers have (their catalogs name it); it is "local" while
 * some file row points at it.
 */
import Database from 'better-sqlite3';
import { compareTracks, type ChunkRef, type SkippedFile, type TrackInfo } from '../../shared/library/types';
import { PeerCatalogIndex } from './peer-catalog-index';
import { migrate } from './schema';
import { prepareStatements, toTrack, type LibraryStatements } from './statements';

/** A track as stored: the shared TrackInfo plus what only the index needs. */
export interface TrackRecord extends TrackInfo {
  /** Container as the parser named it (`MPEG`, `FLAC`, `Ogg`, `WAVE`, `M4A/isom/iso2`, ...). */
  container: string;
  /** SHA-256 hex of the cover image bytes, or null. */
  coverHash: string | null;
  coverMime: string | null;
}

/** What the index remembers about a local file, to skip it on rescans when unchanged. */
export interface FileState {
  sizeBytes: number;
  mtimeMs: number;
  trackId: string;
}

/** What the index remembers about a file it could not add. */
export interface SkippedState {
  sizeBytes: number;
  mtimeMs: number;
  reason: string;
}

/** Where the bytes of a chunk can be read in a local file. */
export interface ChunkSource {
  path: string;
  offsetBytes: number;
  lengthBytes: number;
}

/** Result of recording a scanned file. */
export interface FileUpdate {
  /** The track became local with this file (it had no file before). */
  trackAdded: boolean;
  /** A track that stopped being local because this path now holds other content (null if none). */
  trackRemoved: string | null;
}

/** The library index. Synchronous, like better-sqlite3; one instance per data folder. */
export class LibraryDb {
  readonly db: Database.Database;
  /** The schema version the file had before this open (0 for a new file). */
  readonly openedAtVersion: number;
  /** What each peer announced it holds. */
  readonly catalogs: PeerCatalogIndex;
  private readonly stmts: LibraryStatements;

  private constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    this.openedAtVersion = migrate(db);
    this.stmts = prepareStatements(db);
    this.catalogs = new PeerCatalogIndex(db, this.stmts);
  }

  /** Opens (creating if needed) the index at `path` and migrates it to the current schema. */
  static open(path: string): LibraryDb {
    const db = new Database(path);
    try {
      return new LibraryDb(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Closes the file; the instance is unusable afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Every known local file with the size and mtime it had when scanned, in one query. */
  fileStates(): Map<string, FileState> {
    const out = new Map<string, FileState>();
    for (const row of this.stmts.fileStates.iterate()) {
      out.set(row.path, { sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms, trackId: row.track_id });
    }
    return out;
  }

  /** Every remembered unreadable file, in one query. */
  skippedStates(): Map<string, SkippedState> {
    const out = new Map<string, SkippedState>();
    for (const row of this.stmts.skippedStates.iterate()) {
      out.set(row.path, { sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms, reason: row.reason });
    }
    return out;
  }

  /** Records that `path` (with this size and mtime) holds `track` split into `chunks`, in one transaction. */
  recordFile(
    file: { path: string; sizeBytes: number; mtimeMs: number },
    track: TrackRecord,
    chunks: readonly ChunkRef[],
    cover?: { hash: string; mime: string; bytes: Uint8Array },
  ): FileUpdate {
    return this.db.transaction((): FileUpdate => {
      const previous = this.stmts.fileTrack.get(file.path)?.track_id ?? null;
      const wasLocal = this.stmts.fileCountForTrack.get(track.id)!.n > 0;
      if (cover) this.stmts.putCover.run(cover.hash, cover.mime, cover.bytes);
      this.putTrackRow(track, chunks);
      this.stmts.upsertFile.run({ ...file, trackId: track.id });
      this.stmts.deleteSkipped.run(file.path);
      const trackRemoved =
        previous !== null && previous !== track.id && this.dropTrackIfUnreferenced(previous)
          ? previous
          : null;
      return { trackAdded: !wasLocal, trackRemoved };
    })();
  }

  /** Forgets a local file; returns the track id that stopped being local because of it, if any. */
  removeFile(path: string): string | null {
    return this.db.transaction((): string | null => {
      this.stmts.deleteSkipped.run(path);
      const trackId = this.stmts.fileTrack.get(path)?.track_id;
      if (trackId === undefined) return null;
      this.stmts.deleteFile.run(path);
      if (this.stmts.fileCountForTrack.get(trackId)!.n > 0) return null;
      this.dropTrackIfUnreferenced(trackId);
      return trackId;
    })();
  }

  /** Stores (or replaces) a track and its chunk list, e.g. one learned from a peer's catalog. */
  putTrack(track: TrackRecord, chunks: readonly ChunkRef[]): void {
    this.db.transaction(() => this.putTrackRow(track, chunks))();
  }

  /** Remembers that `path` could not be added, so an unchanged copy is not parsed again. */
  recordSkipped(path: string, sizeBytes: number, mtimeMs: number, reason: string): string | null {
    return this.db.transaction(() => {
      const removed = this.removeFile(path);
      this.stmts.upsertSkipped.run(path, sizeBytes, mtimeMs, reason);
      return removed;
    })();
  }

  /** Files that could not be added, by path. */
  skippedFiles(): SkippedFile[] {
    return this.stmts.listSkipped.all().map((row) => ({ path: row.path, reason: row.reason }));
  }

  /** A track by id (local or not), or null. */
  getTrack(trackId: string): TrackRecord | null {
    const row = this.stmts.getTrack.get(trackId);
    return row ? toTrack(row) : null;
  }

  /** Tracks with at least one local file, ordered by artist, album, track number, title. */
  localTracks(): TrackRecord[] {
    return this.stmts.localTracks.all().map(toTrack).sort(compareTracks);
  }

  /** How many tracks have at least one local file (without listing them). */
  localTrackCount(): number {
    return this.stmts.localTrackCount.get()!.n;
  }

  /** Every track the index knows, local or only announced by peers, in listing order. */
  allTracks(): TrackRecord[] {
    return this.stmts.allTracks.all().map(toTrack).sort(compareTracks);
  }

  /** Whether some local file holds this track. */
  isLocalTrack(trackId: string): boolean {
    return this.stmts.isLocalTrack.get(trackId)!.n > 0;
  }

  /** The chunk list of a track in file order (empty if the track is unknown). */
  chunkList(trackId: string): ChunkRef[] {
    return this.stmts.chunkList.all(trackId).map((row) => ({
      index: row.idx,
      chunkId: row.chunk_id,
      offsetBytes: row.offset_bytes,
      lengthBytes: row.length_bytes,
    }));
  }

  /** Local files that contain this chunk, with where it lies in them. */
  chunkSources(chunkId: string): ChunkSource[] {
    return this.stmts.chunkSources.all(chunkId).map((row) => ({
      path: row.path,
      offsetBytes: row.offset_bytes,
      lengthBytes: row.length_bytes,
    }));
  }

  /** Whether the chunk belongs to a track of the user's own library (such chunks are never evicted). */
  isLocalChunk(chunkId: string): boolean {
    return this.stmts.isLocalChunk.get(chunkId)!.n > 0;
  }

  /**
   * The chunks of a track that a local file holds (its own files, or another track's with the same
   * bytes), in one query: asked chunk by chunk, a 3-hour track's 2,700 took a fetching peer 470 ms.
   */
  localChunksOf(trackId: string): Set<string> {
    return new Set(this.stmts.localChunksOf.all(trackId).map((row) => row.chunk_id));
  }

  /** Paths of the local files that hold a track. */
  filesOfTrack(trackId: string): string[] {
    return this.stmts.filesOfTrack.all(trackId).map((row) => row.path);
  }

  /**
   * Stores a cover fetched from a peer for a track that has none yet (`coverHash` is the SHA-256 hex
   * of `bytes`); returns whether the track now uses it.
   */
  setCover(trackId: string, cover: { hash: string; mime: string; bytes: Uint8Array }): boolean {
    return this.db.transaction(() => {
      const row = this.stmts.trackCover.get(trackId);
      if (!row || row.cover_hash !== null) return false;
      this.stmts.putCover.run(cover.hash, cover.mime, cover.bytes);
      return this.stmts.setTrackCover.run(cover.hash, cover.mime, trackId).changes > 0;
    })();
  }

  /** Cover image by its hash, or null. */
  cover(coverHash: string): { mime: string; bytes: Uint8Array } | null {
    const row = this.stmts.getCover.get(coverHash);
    return row ? { mime: row.mime, bytes: new Uint8Array(row.bytes) } : null;
  }

  /** A setting parsed from JSON, or `fallback` when absent or unreadable. */
  getSetting<T>(key: string, fallback: T, validate?: (value: unknown) => value is T): T {
    const row = this.stmts.getSetting.get(key);
    if (!row) return fallback;
    try {
      const value: unknown = JSON.parse(row.value);
      if (validate && !validate(value)) return fallback;
      return value as T;
    } catch {
      return fallback;
    }
  }

  /** Stores a JSON-serialisable setting; `undefined` deletes it. */
  setSetting(key: string, value: unknown): void {
    if (value === undefined) this.stmts.deleteSetting.run(key);
    else this.stmts.setSetting.run(key, JSON.stringify(value));
  }

  private putTrackRow(track: TrackRecord, chunks: readonly ChunkRef[]): void {
    const exists = this.stmts.trackExists.get(track.id)!.n > 0;
    const oldCover = exists ? (this.stmts.trackCover.get(track.id)?.cover_hash ?? null) : null;
    // A record without a cover hash but with `hasCover` describes a cover that peers hold.
    const remoteCover = track.coverHash === null && track.hasCover ? 1 : 0;
    this.stmts.insertTrack.run({ ...track, chunkCount: chunks.length, addedAt: Date.now(), remoteCover });
    // Same id means same bytes means same chunks: only write the list the first time.
    if (!exists) {
      for (const c of chunks)
        this.stmts.insertChunk.run(track.id, c.index, c.chunkId, c.offsetBytes, c.lengthBytes);
    }
    if (oldCover !== null && oldCover !== track.coverHash)
      this.stmts.deleteOrphanCover.run({ hash: oldCover });
  }

  /**
   * Called when a file stopped pointing at `trackId`. Returns whether the track is no longer local;
   * the row itself is kept while a peer still announces the track, and deleted otherwise.
   */
  private dropTrackIfUnreferenced(trackId: string): boolean {
    if (this.stmts.fileCountForTrack.get(trackId)!.n > 0) return false;
    if (this.stmts.catalogCountForTrack.get(trackId)!.n > 0) return true;
    const cover = this.stmts.trackCover.get(trackId)?.cover_hash ?? null;
    this.stmts.deleteTrack.run(trackId);
    if (cover !== null) this.stmts.deleteOrphanCover.run({ hash: cover });
    return true;
  }
}
