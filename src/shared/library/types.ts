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

/** Order used by every track listing: artist, album, track number, title (then id, so it is total). */
export const compareTracks = (a: TrackInfo, b: TrackInfo): number =>
  cmpText(a.artist, b.artist) ||
  cmpText(a.album, b.album) ||
  (a.trackNo ?? Number.MAX_SAFE_INTEGER) - (b.trackNo ?? Number.MAX_SAFE_INTEGER) ||
  cmpText(a.title, b.title) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const cmpText = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
};
