/**
 * Writing a scan's results into the index: one analysed file becomes a track (or a skipped file),
 * a file that is gone is forgotten, and each says which tracks it added or removed, for the
 * scanner to announce after the commit.
 */
import type { ScanSummary, TrackInfo } from '../../shared/library/types';
import type { Logger } from '../../shared/logger';
import type { LibraryDb, TrackRecord } from './db';
import type { FoundFile } from './folder-walk';
import type { FileAnalysis } from './scan-file';

/** A track a scan added to the room's view of this library, or took out of it. */
export type TrackChange = { kind: 'added'; track: TrackInfo } | { kind: 'removed'; trackId: string };

/** Drops the index-only fields of a stored track. */
export const toTrackInfo = (t: TrackRecord): TrackInfo => ({
  id: t.id,
  title: t.title,
  artist: t.artist,
  album: t.album,
  trackNo: t.trackNo,
  durationSec: t.durationSec,
  codec: t.codec,
  sizeBytes: t.sizeBytes,
  hasCover: t.hasCover,
  chunkCount: t.chunkCount,
});

/** Records one analysed file in the index (inside the caller's transaction), counting it in `summary`. */
export function recordAnalysis(
  db: LibraryDb,
  file: FoundFile,
  analysis: FileAnalysis,
  summary: ScanSummary,
  log: Logger,
): TrackChange[] {
  if (analysis.kind === 'skipped') {
    summary.skipped++;
    return removal(db.recordSkipped(file.path, file.sizeBytes, file.mtimeMs, analysis.reason), summary);
  }
  summary.scanned++;
  summary.bytesRead += analysis.bytesRead;
  if (analysis.kind === 'changed') {
    // Changed while being read: leave it unrecorded; the watcher (or the next scan) sees it again.
    log(`${file.path} changed while being read`);
    return [];
  }
  const { meta, coverHash } = analysis;
  const track: TrackRecord = {
    id: analysis.trackId,
    title: meta.title,
    artist: meta.artist,
    album: meta.album,
    trackNo: meta.trackNo,
    durationSec: meta.durationSec,
    codec: meta.codec,
    container: meta.container,
    sizeBytes: file.sizeBytes,
    hasCover: meta.cover !== null,
    coverHash,
    coverMime: meta.cover?.mime ?? null,
    chunkCount: analysis.chunks.length,
  };
  const update = db.recordFile(
    file,
    track,
    analysis.chunks,
    meta.cover && coverHash ? { hash: coverHash, mime: meta.cover.mime, bytes: meta.cover.bytes } : undefined,
  );
  const changes = removal(update.trackRemoved, summary);
  if (update.trackAdded) {
    summary.tracksAdded++;
    changes.push({ kind: 'added', track: toTrackInfo(track) });
  }
  return changes;
}

/** Forgets a file that is gone from its folder. */
export function forgetFile(db: LibraryDb, path: string, summary: ScanSummary): TrackChange[] {
  return removal(db.removeFile(path), summary);
}

function removal(trackId: string | null, summary: ScanSummary): TrackChange[] {
  if (trackId === null) return [];
  summary.tracksRemoved++;
  return [{ kind: 'removed', trackId }];
}
