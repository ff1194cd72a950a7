/**
 * The library index: one SQLite file (better-sqlite3, WAL) holding tracks, their chunk lists, the
 * local files they come from, cover art, what each peer announced, and settings.
 *
 * Tracks are keyed by track id (content), files by path: two identical files share one track. A
 * track row may also describe a track only peers have (their catalogs name it); it is "local" while
 * some file row points at it.
 */
import Database from 'better-sqlite3';
import { compareTracks, type ChunkRef, type SkippedFile, type TrackInfo } from '../../shared/library/types';

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

/** One schema step; `up` runs inside a transaction together with the user_version bump. */
export interface Migration {
  description: string;
  up: (db: Database.Database) => void;
}

/** Thrown when the file was written by a newer Firefly whose schema this one does not know. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`library index has schema version ${found}, this build supports up to ${supported}`);
  }
}

/** Schema history; index i brings user_version from i to i + 1. Never edit a released step. */
export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'tracks, chunk lists, files, covers, peer catalogs, settings',
    up: (db) => {
      db.exec(`
        CREATE TABLE tracks (
          track_id     TEXT PRIMARY KEY,
          title        TEXT NOT NULL,
          artist       TEXT NOT NULL DEFAULT '',
          album        TEXT NOT NULL DEFAULT '',
          track_no     INTEGER,
          duration_sec REAL NOT NULL DEFAULT 0,
          codec        TEXT NOT NULL,
          container    TEXT NOT NULL,
          size_bytes   INTEGER NOT NULL,
          cover_hash   TEXT,
          cover_mime   TEXT,
          chunk_count  INTEGER NOT NULL,
          added_at     INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE chunks (
          track_id     TEXT NOT NULL REFERENCES tracks(track_id) ON DELETE CASCADE,
          idx          INTEGER NOT NULL,
          chunk_id     TEXT NOT NULL,
          offset_bytes INTEGER NOT NULL,
          length_bytes INTEGER NOT NULL,
          PRIMARY KEY (track_id, idx)
        ) WITHOUT ROWID;
        CREATE TABLE files (
          path       TEXT PRIMARY KEY,
          size_bytes INTEGER NOT NULL,
          mtime_ms   REAL NOT NULL,
          track_id   TEXT NOT NULL REFERENCES tracks(track_id)
        ) WITHOUT ROWID;
        CREATE INDEX files_by_track ON files(track_id);
        CREATE TABLE covers (
          cover_hash TEXT PRIMARY KEY,
          mime       TEXT NOT NULL,
          bytes      BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE peer_catalogs (
          peer_id    TEXT NOT NULL,
          track_id   TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (peer_id, track_id)
        ) WITHOUT ROWID;
        CREATE INDEX peer_catalogs_by_track ON peer_catalogs(track_id);
        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    // Remembering unreadable files lets a rescan pass over them without parsing them again, and
    // serving chunks to peers needs lookups by chunk id.
    description: 'skipped files; chunk lookup by id',
    up: (db) => {
      db.exec(`
        CREATE TABLE skipped_files (
          path       TEXT PRIMARY KEY,
          size_bytes INTEGER NOT NULL,
          mtime_ms   REAL NOT NULL,
          reason     TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX chunks_by_chunk_id ON chunks(chunk_id);
      `);
    },
  },
  {
    // A track only peers hold may have a cover too: its holders' catalogs say so, and the image is
    // fetched from them when it is first shown.
    description: 'whether peers hold a cover for a track',
    up: (db) => {
      db.exec('ALTER TABLE tracks ADD COLUMN remote_cover INTEGER NOT NULL DEFAULT 0');
    },
  },
  {
    // Playlists are the room's, not this device's: every peer keeps every one it heard of (see
    // shared/playlists/playlist.ts), deleted ones as tombstones.
    description: 'playlists',
    up: (db) => {
      db.exec(`
        CREATE TABLE playlists (
          playlist_id TEXT PRIMARY KEY,
          name        TEXT NOT NULL,
          track_ids   TEXT NOT NULL,
          edited_by   TEXT NOT NULL,
          updated_ms  INTEGER NOT NULL,
          deleted     INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    // Measured after the scan, in its own pass (see loudness-pass.ts), and learned from holders for
    // tracks only they have; a row per track once it is known, or once measuring it failed
    // (`source` 'failed', so it is not tried again until its file changes).
    description: 'track loudness (EBU R128 and ReplayGain)',
    up: (db) => {
      db.exec(`
        CREATE TABLE track_loudness (
          track_id         TEXT PRIMARY KEY REFERENCES tracks(track_id) ON DELETE CASCADE,
          lufs             REAL,
          true_peak_db     REAL,
          rg_track_gain_db REAL,
          rg_track_peak    REAL,
          rg_album_gain_db REAL,
          rg_album_peak    REAL,
          source           TEXT NOT NULL,
          updated_ms       INTEGER NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` up to `migrations.length`, one transaction per step; returns the version it found. */
export const migrate = (db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number => {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > migrations.length) throw new SchemaTooNewError(found, migrations.length);
  for (let version = found; version < migrations.length; version++) {
    const step = migrations[version]!;
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return found;
};

interface TrackRow {
  track_id: string;
  title: string;
  artist: string;
  album: string;
  track_no: number | null;
  duration_sec: number;
  codec: string;
  container: string;
  size_bytes: number;
  cover_hash: string | null;
  cover_mime: string | null;
  chunk_count: number;
  remote_cover: number;
}

const toTrack = (row: TrackRow): TrackRecord => ({
  id: row.track_id,
  title: row.title,
  artist: row.artist,
  album: row.album,
  trackNo: row.track_no,
  durationSec: row.duration_sec,
  codec: row.codec,
  container: row.container,
  sizeBytes: row.size_bytes,
  hasCover: row.cover_hash !== null || row.remote_cover === 1,
  coverHash: row.cover_hash,
  coverMime: row.cover_mime,
  chunkCount: row.chunk_count,
});

const TRACK_COLUMNS =
  't.track_id, t.title, t.artist, t.album, t.track_no, t.duration_sec, t.codec, t.container, t.size_bytes, t.cover_hash, t.cover_mime, t.chunk_count, t.remote_cover';

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
  private readonly stmts;

  private constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    this.openedAtVersion = migrate(db);
    this.stmts = {
      fileStates: db.prepare<[], { path: string; size_bytes: number; mtime_ms: number; track_id: string }>(
        'SELECT path, size_bytes, mtime_ms, track_id FROM files',
      ),
      skippedStates: db.prepare<[], { path: string; size_bytes: number; mtime_ms: number; reason: string }>(
        'SELECT path, size_bytes, mtime_ms, reason FROM skipped_files',
      ),
      fileTrack: db.prepare<[string], { track_id: string }>('SELECT track_id FROM files WHERE path = ?'),
      upsertFile: db.prepare(
        `INSERT INTO files (path, size_bytes, mtime_ms, track_id) VALUES (@path, @sizeBytes, @mtimeMs, @trackId)
         ON CONFLICT(path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, track_id = excluded.track_id`,
      ),
      deleteFile: db.prepare('DELETE FROM files WHERE path = ?'),
      fileCountForTrack: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM files WHERE track_id = ?',
      ),
      catalogCountForTrack: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM peer_catalogs WHERE track_id = ?',
      ),
      trackExists: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM tracks WHERE track_id = ?'),
      insertTrack: db.prepare(
        `INSERT INTO tracks (track_id, title, artist, album, track_no, duration_sec, codec, container, size_bytes,
                             cover_hash, cover_mime, chunk_count, added_at, remote_cover)
         VALUES (@id, @title, @artist, @album, @trackNo, @durationSec, @codec, @container, @sizeBytes,
                 @coverHash, @coverMime, @chunkCount, @addedAt, @remoteCover)
         ON CONFLICT(track_id) DO UPDATE SET title = excluded.title, artist = excluded.artist, album = excluded.album,
           track_no = excluded.track_no, duration_sec = excluded.duration_sec, codec = excluded.codec,
           container = excluded.container, size_bytes = excluded.size_bytes, cover_hash = excluded.cover_hash,
           cover_mime = excluded.cover_mime, chunk_count = excluded.chunk_count, remote_cover = excluded.remote_cover`,
      ),
      deleteChunks: db.prepare('DELETE FROM chunks WHERE track_id = ?'),
      insertChunk: db.prepare(
        'INSERT INTO chunks (track_id, idx, chunk_id, offset_bytes, length_bytes) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteTrack: db.prepare('DELETE FROM tracks WHERE track_id = ?'),
      trackCover: db.prepare<[string], { cover_hash: string | null }>(
        'SELECT cover_hash FROM tracks WHERE track_id = ?',
      ),
      deleteOrphanCover: db.prepare(
        'DELETE FROM covers WHERE cover_hash = @hash AND NOT EXISTS (SELECT 1 FROM tracks WHERE cover_hash = @hash)',
      ),
      getTrack: db.prepare<[string], TrackRow>(`SELECT ${TRACK_COLUMNS} FROM tracks t WHERE t.track_id = ?`),
      localTracks: db.prepare<[], TrackRow>(
        `SELECT ${TRACK_COLUMNS} FROM tracks t WHERE EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.track_id)`,
      ),
      allTracks: db.prepare<[], TrackRow>(`SELECT ${TRACK_COLUMNS} FROM tracks t`),
      isLocalTrack: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM files WHERE track_id = ? LIMIT 1',
      ),
      chunkList: db.prepare<
        [string],
        { idx: number; chunk_id: string; offset_bytes: number; length_bytes: number }
      >('SELECT idx, chunk_id, offset_bytes, length_bytes FROM chunks WHERE track_id = ? ORDER BY idx'),
      chunkSources: db.prepare<[string], { path: string; offset_bytes: number; length_bytes: number }>(
        `SELECT f.path, c.offset_bytes, c.length_bytes FROM chunks c JOIN files f ON f.track_id = c.track_id
         WHERE c.chunk_id = ? LIMIT 8`,
      ),
      isLocalChunk: db.prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM chunks c WHERE c.chunk_id = ?
         AND EXISTS (SELECT 1 FROM files f WHERE f.track_id = c.track_id)`,
      ),
      filesOfTrack: db.prepare<[string], { path: string }>(
        'SELECT path FROM files WHERE track_id = ? ORDER BY path',
      ),
      putCover: db.prepare('INSERT OR IGNORE INTO covers (cover_hash, mime, bytes) VALUES (?, ?, ?)'),
      setTrackCover: db.prepare(
        'UPDATE tracks SET cover_hash = ?, cover_mime = ? WHERE track_id = ? AND cover_hash IS NULL',
      ),
      getCover: db.prepare<[string], { mime: string; bytes: Buffer }>(
        'SELECT mime, bytes FROM covers WHERE cover_hash = ?',
      ),
      upsertSkipped: db.prepare(
        `INSERT INTO skipped_files (path, size_bytes, mtime_ms, reason) VALUES (?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, reason = excluded.reason`,
      ),
      deleteSkipped: db.prepare('DELETE FROM skipped_files WHERE path = ?'),
      listSkipped: db.prepare<[], { path: string; reason: string }>(
        'SELECT path, reason FROM skipped_files ORDER BY path',
      ),
      deletePeerCatalog: db.prepare('DELETE FROM peer_catalogs WHERE peer_id = ?'),
      upsertCatalogEntry: db.prepare(
        `INSERT INTO peer_catalogs (peer_id, track_id, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(peer_id, track_id) DO UPDATE SET updated_at = excluded.updated_at`,
      ),
      deleteCatalogEntry: db.prepare('DELETE FROM peer_catalogs WHERE peer_id = ? AND track_id = ?'),
      peerCatalog: db.prepare<[string], { track_id: string; updated_at: number }>(
        'SELECT track_id, updated_at FROM peer_catalogs WHERE peer_id = ? ORDER BY track_id',
      ),
      peersWithTrack: db.prepare<[string], { peer_id: string }>(
        'SELECT peer_id FROM peer_catalogs WHERE track_id = ? ORDER BY peer_id',
      ),
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      deleteSetting: db.prepare('DELETE FROM settings WHERE key = ?'),
    };
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

  /** Replaces everything known about what `peerId` holds. */
  setPeerCatalog(peerId: string, trackIds: readonly string[], updatedAtMs = Date.now()): void {
    this.db.transaction(() => {
      this.stmts.deletePeerCatalog.run(peerId);
      for (const id of trackIds) this.stmts.upsertCatalogEntry.run(peerId, id, updatedAtMs);
    })();
  }

  /** Applies a catalog delta from `peerId`. */
  updatePeerCatalog(
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
  peerCatalog(peerId: string): { trackId: string; updatedAtMs: number }[] {
    return this.stmts.peerCatalog
      .all(peerId)
      .map((r) => ({ trackId: r.track_id, updatedAtMs: r.updated_at }));
  }

  /** Peers whose catalog lists the track. */
  peersWithTrack(trackId: string): string[] {
    return this.stmts.peersWithTrack.all(trackId).map((r) => r.peer_id);
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
