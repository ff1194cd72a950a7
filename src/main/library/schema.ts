/**
 * The library index's schema history: each step a migration run once, in order, in its own
 * transaction with the `user_version` bump, so a file from any older build opens and one from a
 * newer build is refused.
 */
import type Database from 'better-sqlite3';

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
