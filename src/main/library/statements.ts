/**
 * The library index's SQL: every statement `LibraryDb` runs, prepared once per open file, and the
 * mapping from a track row to a `TrackRecord`.
 */
import type Database from 'better-sqlite3';
import type { TrackRecord } from './db';

/** A row of `tracks` with the columns `TRACK_COLUMNS` selects. */
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

/** A track row as a `TrackRecord`. */
export const toTrack = (row: TrackRow): TrackRecord => ({
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

/** Prepares every statement of the index on `db` (schema already current). */
export function prepareStatements(db: Database.Database) {
  return {
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
    localTrackCount: db.prepare<[], { n: number }>(
      'SELECT count(*) AS n FROM tracks t WHERE EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.track_id)',
    ),
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
    localChunksOf: db.prepare<[string], { chunk_id: string }>(
      `SELECT DISTINCT c.chunk_id FROM chunks c WHERE c.track_id = ? AND EXISTS (
         SELECT 1 FROM chunks o JOIN files f ON f.track_id = o.track_id WHERE o.chunk_id = c.chunk_id)`,
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

/** The prepared statements of one open index. */
export type LibraryStatements = ReturnType<typeof prepareStatements>;
