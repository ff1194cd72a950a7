/** The library's shapes that more than one layer uses. */

/** One track as the local library knows it; `id` is the track id (see shared/chunking/ids.ts). */
export interface TrackInfo {
  id: string;
  /** Tag title, or the file name without extension when the file has none. */
  title: string;
  /** Empty when the file has no artist tag. */
  artist: string;
  /** Empty when the file has no album tag. */
  album: string;
  trackNo: number | null;
  /** 0 when the duration could not be determined. */
  durationSec: number;
  /** Short codec name: mp3, flac, vorbis, opus, pcm, aac, alac, or the parser's name for others. */
  codec: string;
  sizeBytes: number;
  hasCover: boolean;
  chunkCount: number;
}

/** One chunk of a track: where it sits in the file and its id. */
export interface ChunkRef {
  index: number;
  chunkId: string;
  offsetBytes: number;
  lengthBytes: number;
}

/** A file the scanner saw but could not add, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** Scan progress, emitted as `scan:progress`. */
export interface ScanProgress {
  done: number;
  total: number;
  currentPath: string;
}

/** What one scan did, emitted as `scan:done`. */
export interface ScanSummary {
  /** Audio files found in the library folders. */
  files: number;
  /** Files read and chunked in this scan (new or changed). */
  scanned: number;
  /** Files whose size and mtime were unchanged, so they were not read. */
  unchanged: number;
  /** Files that could not be added in this scan (including unchanged ones skipped before). */
  skipped: number;
  tracksAdded: number;
  tracksRemoved: number;
  bytesRead: number;
  durationMs: number;
}

/**
 * Order used by every track listing: artist, album, track number, title, ignoring case; then the
 * same fields with case, and the id, so the order is total and stable.
 */
export const compareTracks = (a: TrackInfo, b: TrackInfo): number =>
  cmp(a.artist.toLowerCase(), b.artist.toLowerCase()) ||
  cmp(a.album.toLowerCase(), b.album.toLowerCase()) ||
  (a.trackNo ?? Number.MAX_SAFE_INTEGER) - (b.trackNo ?? Number.MAX_SAFE_INTEGER) ||
  cmp(a.title.toLowerCase(), b.title.toLowerCase()) ||
  cmp(a.artist, b.artist) ||
  cmp(a.album, b.album) ||
  cmp(a.title, b.title) ||
  cmp(a.id, b.id);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
