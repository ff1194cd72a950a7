/** Each track's loudness in the library index (table `track_loudness`, schema step 5). */
import type Database from 'better-sqlite3';
import type { TrackLoudness } from '../../shared/playback/loudness';

/**
 * Where a row came from: this device's ffmpeg, the file's ReplayGain tags alone, a holder's
 * announcement, or a measurement that failed (kept so it is not retried on every pass).
 */
export type LoudnessSource = 'measured' | 'tags' | 'peer' | 'failed';

interface Row {
  track_id: string;
  lufs: number | null;
  true_peak_db: number | null;
  rg_track_gain_db: number | null;
  rg_track_peak: number | null;
  rg_album_gain_db: number | null;
  rg_album_peak: number | null;
  source: LoudnessSource;
}

const fromRow = (r: Row): TrackLoudness => ({
  lufs: r.lufs,
  truePeakDb: r.true_peak_db,
  rgTrackGainDb: r.rg_track_gain_db,
  rgTrackPeak: r.rg_track_peak,
  rgAlbumGainDb: r.rg_album_gain_db,
  rgAlbumPeak: r.rg_album_peak,
});

/** Reads and writes `track_loudness`; synchronous, like better-sqlite3. */
export class LoudnessStore {
  readonly #stmts;

  constructor(db: Database.Database) {
    this.#stmts = {
      get: db.prepare<[string], Row>('SELECT * FROM track_loudness WHERE track_id = ?'),
      all: db.prepare<[], Row>("SELECT * FROM track_loudness WHERE source != 'failed'"),
      local: db.prepare<[], Row>(
        `SELECT l.* FROM track_loudness l WHERE l.source IN ('measured', 'tags')
         AND EXISTS (SELECT 1 FROM files f WHERE f.track_id = l.track_id)`,
      ),
      put: db.prepare(
        `INSERT INTO track_loudness (track_id, lufs, true_peak_db, rg_track_gain_db, rg_track_peak, rg_album_gain_db,
                                     rg_album_peak, source, updated_ms)
         VALUES (@trackId, @lufs, @truePeakDb, @rgTrackGainDb, @rgTrackPeak, @rgAlbumGainDb, @rgAlbumPeak, @source, @updatedMs)
         ON CONFLICT(track_id) DO UPDATE SET lufs = excluded.lufs, true_peak_db = excluded.true_peak_db,
           rg_track_gain_db = excluded.rg_track_gain_db, rg_track_peak = excluded.rg_track_peak,
           rg_album_gain_db = excluded.rg_album_gain_db, rg_album_peak = excluded.rg_album_peak,
           source = excluded.source, updated_ms = excluded.updated_ms`,
      ),
      // A holder's word never replaces this device's own reading of its own file.
      putFromPeer: db.prepare(
        `INSERT INTO track_loudness (track_id, lufs, true_peak_db, rg_track_gain_db, rg_track_peak, rg_album_gain_db,
                                     rg_album_peak, source, updated_ms)
         SELECT @trackId, @lufs, @truePeakDb, @rgTrackGainDb, @rgTrackPeak, @rgAlbumGainDb, @rgAlbumPeak, 'peer', @updatedMs
         WHERE EXISTS (SELECT 1 FROM tracks WHERE track_id = @trackId)
         ON CONFLICT(track_id) DO UPDATE SET lufs = excluded.lufs, true_peak_db = excluded.true_peak_db,
           rg_track_gain_db = excluded.rg_track_gain_db, rg_track_peak = excluded.rg_track_peak,
           rg_album_gain_db = excluded.rg_album_gain_db, rg_album_peak = excluded.rg_album_peak,
           updated_ms = excluded.updated_ms
         WHERE track_loudness.source IN ('peer', 'failed')`,
      ),
      unmeasured: db.prepare<[number], { track_id: string }>(
        `SELECT DISTINCT f.track_id FROM files f
         WHERE NOT EXISTS (SELECT 1 FROM track_loudness l WHERE l.track_id = f.track_id AND l.source != 'peer')
         LIMIT ?`,
      ),
    };
  }

  /** What is known of one track, or null. */
  get(trackId: string): TrackLoudness | null {
    const row = this.#stmts.get.get(trackId);
    return row && row.source !== 'failed' ? fromRow(row) : null;
  }

  /** Every known reading, by track id, in one query. */
  all(): Map<string, TrackLoudness> {
    return new Map(this.#stmts.all.all().map((r) => [r.track_id, fromRow(r)]));
  }

  /** Readings of this device's own tracks (what it announces). */
  local(): Array<TrackLoudness & { trackId: string }> {
    return this.#stmts.local.all().map((r) => ({ trackId: r.track_id, ...fromRow(r) }));
  }

  /** Stores this device's reading of its own track. */
  put(
    trackId: string,
    loudness: TrackLoudness,
    source: Exclude<LoudnessSource, 'peer'>,
    nowMs = Date.now(),
  ): void {
    this.#stmts.put.run({ trackId, ...loudness, source, updatedMs: nowMs });
  }

  /** Stores a holder's reading, unless this device read the track itself; false when not stored. */
  putFromPeer(trackId: string, loudness: TrackLoudness, nowMs = Date.now()): boolean {
    return this.#stmts.putFromPeer.run({ trackId, ...loudness, updatedMs: nowMs }).changes > 0;
  }

  /** Up to `limit` local tracks this device has not read yet (a holder's reading does not count). */
  unmeasured(limit: number): string[] {
    return this.#stmts.unmeasured.all(limit).map((r) => r.track_id);
  }
}
