/**
 * Catalog entries: what one peer tells others about a track it holds, and the strict checks
 * applied before anything a peer sent reaches the index.
 *
 * An entry is the track's listing fields plus its chunk list as parallel arrays of chunk ids and
 * lengths (offsets follow from the lengths, so they are not sent). The track id names the exact
 * bytes (see chunking/ids.ts), so the receiver recomputes it from the chunk ids and refuses any
 * entry whose id does not match: a peer cannot attach a forged chunk list, or other tags, to a
 * track id someone else holds.
 */
import type { Validator } from '../validate';
import { CHUNKING } from '../chunking/fastcdc';
import { isContentId, trackIdFromChunkIds, type Sha256Hex } from '../chunking/ids';
import type { ChunkRef, TrackInfo } from '../library/types';
import { err, ok, type Result } from '../result';
import { shownText } from '../text/shown-text';

/** Size limits of catalog data from peers. */
export const catalogLimits = {
  /** 65,536 chunks of the 256 KiB maximum is 16 GiB: far beyond any audio file. */
  maxChunksPerTrack: 65_536,
  maxTitleChars: 512,
  maxArtistChars: 512,
  maxAlbumChars: 512,
  maxCodecChars: 32,
  maxContainerChars: 64,
  maxTrackNo: 1_000_000,
  /** A day; anything longer is a damaged header, not a track. */
  maxDurationSec: 86_400,
  /** Tracks one peer may announce. */
  maxTracksPerPeer: 200_000,
  /** Track ids in one `catalog:delta` on the control topic (keeps it far under 64 KiB). */
  maxDeltaIds: 512,
  /** Track ids per `list` frame on the catalog stream. */
  maxListIdsPerFrame: 4_096,
  /** Track ids one `entries` request may name. */
  maxEntriesPerRequest: 256,
  /** One frame on the catalog stream; one entry with the most chunks fits. */
  maxFrameBytes: 8 * 1024 * 1024,
  /** The server starts a new frame once this many bytes of entries are packed. */
  targetFrameBytes: 1024 * 1024,
} as const;

/** One track as announced by a peer: listing fields plus the chunk list. */
export interface CatalogEntry {
  track: TrackInfo & { container: string };
  /** Chunk ids in file order. */
  chunkIds: string[];
  /** Length of each chunk in bytes, same order. */
  chunkBytes: number[];
}

/** Turns an entry's chunk list into ChunkRefs with offsets. */
export const chunkRefsOf = (entry: Pick<CatalogEntry, 'chunkIds' | 'chunkBytes'>): ChunkRef[] => {
  const out: ChunkRef[] = [];
  let offsetBytes = 0;
  for (let i = 0; i < entry.chunkIds.length; i++) {
    const lengthBytes = entry.chunkBytes[i] ?? 0;
    out.push({ index: i, chunkId: entry.chunkIds[i]!, offsetBytes, lengthBytes });
    offsetBytes += lengthBytes;
  }
  return out;
};

/** Builds the entry this peer announces for one of its tracks. */
export const entryOf = (
  track: TrackInfo & { container: string },
  chunks: readonly ChunkRef[],
): CatalogEntry => ({
  track: {
    id: track.id,
    title: track.title,
    artist: track.artist,
    album: track.album,
    trackNo: track.trackNo,
    durationSec: track.durationSec,
    codec: track.codec,
    container: track.container,
    sizeBytes: track.sizeBytes,
    hasCover: track.hasCover,
    chunkCount: chunks.length,
  },
  chunkIds: chunks.map((c) => c.chunkId),
  chunkBytes: chunks.map((c) => c.lengthBytes),
});

const field = <T>(record: Record<string, unknown>, key: string, v: Validator<T>): Result<T> =>
  v(record[key], key);

const isRecord = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null && !Array.isArray(input);

const TRACK_KEYS = new Set([
  'id',
  'title',
  'artist',
  'album',
  'trackNo',
  'durationSec',
  'codec',
  'container',
  'sizeBytes',
  'hasCover',
  'chunkCount',
]);

/** Why an entry was refused; `forged` means the id does not name the chunk list. */
export type EntryRejection = { reason: 'malformed' | 'forged'; detail: string };

/**
 * Checks an untrusted catalog entry: every field bounded, lengths consistent with the size and
 * the chunk count, each chunk within the chunking limits, and the track id recomputed from the
 * chunk ids with `sha256`.
 */
export function validateCatalogEntry(
  input: unknown,
  sha256: Sha256Hex,
): Result<CatalogEntry, EntryRejection> {
  const malformed = (detail: string) => err<EntryRejection>({ reason: 'malformed', detail });
  if (!isRecord(input)) return malformed('entry: expected an object');
  for (const key of Object.keys(input)) {
    if (key !== 'track' && key !== 'chunkIds' && key !== 'chunkBytes')
      return malformed(`entry: unknown field "${key}"`);
  }
  const t = input.track;
  if (!isRecord(t)) return malformed('track: expected an object');
  for (const key of Object.keys(t))
    if (!TRACK_KEYS.has(key)) return malformed(`track: unknown field "${key}"`);
  if (!isContentId(t.id)) return malformed('track.id: expected a 64-digit hex id');
  // Shown to this device's user as they are: control and direction characters removed (#24).
  const strings = [
    field(t, 'title', shownText(catalogLimits.maxTitleChars)),
    field(t, 'artist', shownText(catalogLimits.maxArtistChars)),
    field(t, 'album', shownText(catalogLimits.maxAlbumChars)),
    field(t, 'codec', shownText(catalogLimits.maxCodecChars, 1)),
    field(t, 'container', shownText(catalogLimits.maxContainerChars)),
  ] as const;
  for (const r of strings) if (!r.ok) return malformed(`track.${r.error}`);
  const [title, artist, album, codec, container] = strings.map((r) => (r.ok ? r.value : ''));
  const trackNo = t.trackNo;
  if (
    trackNo !== null &&
    !(
      Number.isInteger(trackNo) &&
      (trackNo as number) >= 0 &&
      (trackNo as number) <= catalogLimits.maxTrackNo
    )
  )
    return malformed('track.trackNo: expected null or a small non-negative integer');
  const durationSec = t.durationSec;
  if (
    typeof durationSec !== 'number' ||
    !Number.isFinite(durationSec) ||
    durationSec < 0 ||
    durationSec > catalogLimits.maxDurationSec
  )
    return malformed('track.durationSec: expected a duration in seconds');
  if (typeof t.hasCover !== 'boolean') return malformed('track.hasCover: expected a boolean');
  const chunkCount = t.chunkCount;
  if (
    !Number.isInteger(chunkCount) ||
    (chunkCount as number) < 0 ||
    (chunkCount as number) > catalogLimits.maxChunksPerTrack
  )
    return malformed(`track.chunkCount: expected an integer in [0, ${catalogLimits.maxChunksPerTrack}]`);
  const sizeBytes = t.sizeBytes;
  if (!Number.isSafeInteger(sizeBytes) || (sizeBytes as number) < 0)
    return malformed('track.sizeBytes: expected a byte count');

  const { chunkIds, chunkBytes } = input;
  if (!Array.isArray(chunkIds) || chunkIds.length !== chunkCount)
    return malformed('chunkIds: expected chunkCount ids');
  if (!Array.isArray(chunkBytes) || chunkBytes.length !== chunkCount)
    return malformed('chunkBytes: expected chunkCount lengths');
  let total = 0;
  for (let i = 0; i < chunkIds.length; i++) {
    if (!isContentId(chunkIds[i])) return malformed(`chunkIds[${i}]: expected a 64-digit hex id`);
    const length = chunkBytes[i] as unknown;
    // Content-defined chunks are at most maxBytes; only the last may be shorter than minBytes.
    if (!Number.isInteger(length) || (length as number) < 1 || (length as number) > CHUNKING.maxBytes)
      return malformed(`chunkBytes[${i}]: expected 1..${CHUNKING.maxBytes}`);
    total += length as number;
  }
  if (total !== sizeBytes)
    return malformed(`chunkBytes: lengths add up to ${total}, not sizeBytes ${String(sizeBytes)}`);
  const computed = trackIdFromChunkIds(chunkIds as string[], sha256);
  if (computed !== t.id)
    return err({ reason: 'forged', detail: `track id ${t.id} does not name its chunk list (${computed})` });

  return ok({
    track: {
      id: t.id,
      title: title as string,
      artist: artist as string,
      album: album as string,
      trackNo: trackNo as number | null,
      durationSec,
      codec: codec as string,
      container: container as string,
      sizeBytes: sizeBytes as number,
      hasCover: t.hasCover,
      chunkCount: chunkCount as number,
    },
    chunkIds: chunkIds as string[],
    chunkBytes: chunkBytes as number[],
  });
}

const INCARNATION = /^[0-9a-f]{8,64}$/;

/** Whether `value` is a catalog incarnation (a random hex name for one run of a peer's catalog). */
export const isIncarnation = (value: unknown): value is string =>
  typeof value === 'string' && INCARNATION.test(value);

/** One recorded change of a catalog: the version it produced and what it added and removed. */
export interface CatalogChange {
  version: number;
  added: readonly string[];
  removed: readonly string[];
}

/**
 * The net effect of the changes after `sinceVersion` (a track added then removed is only removed),
 * or null when `history` no longer reaches back that far.
 */
export function changesSince(
  history: readonly CatalogChange[],
  sinceVersion: number,
  currentVersion: number,
): { added: string[]; removed: string[] } | null {
  if (sinceVersion > currentVersion) return null;
  if (sinceVersion === currentVersion) return { added: [], removed: [] };
  const first = history[0];
  if (!first || first.version > sinceVersion + 1) return null;
  const added = new Set<string>();
  const removed = new Set<string>();
  for (const change of history) {
    if (change.version <= sinceVersion) continue;
    for (const id of change.added) {
      added.add(id);
      removed.delete(id);
    }
    for (const id of change.removed) {
      removed.add(id);
      added.delete(id);
    }
  }
  return { added: [...added], removed: [...removed] };
}

/** Splits a change into pieces of at most `max` ids in total, each small enough for one delta. */
export function splitChange(
  added: readonly string[],
  removed: readonly string[],
  max: number,
): { added: string[]; removed: string[] }[] {
  const out: { added: string[]; removed: string[] }[] = [];
  const all: { id: string; kind: 'added' | 'removed' }[] = [
    ...removed.map((id) => ({ id, kind: 'removed' as const })),
    ...added.map((id) => ({ id, kind: 'added' as const })),
  ];
  for (let i = 0; i < all.length; i += max) {
    const piece = { added: [] as string[], removed: [] as string[] };
    for (const item of all.slice(i, i + max)) piece[item.kind].push(item.id);
    out.push(piece);
  }
  return out;
}
