/** Search, filter and sort of the room's library: plain functions so the view stays fast and they stay testable. */
import type { RoomTrack } from '../../shared/bridge/payloads';

export type SortKey = 'title' | 'artist' | 'album' | 'durationSec' | 'index';
export type Availability = 'all' | 'local' | 'remote';

export interface LibraryQuery {
  text: string;
  availability: Availability;
  sort: SortKey;
  descending: boolean;
}

export const defaultQuery: LibraryQuery = { text: '', availability: 'all', sort: 'index', descending: false };

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

/** Normalized search text per track object; a listing is replaced whole, so old entries just fall away. */
const haystacks = new WeakMap<RoomTrack, string>();

function haystackOf(track: RoomTrack): string {
  let text = haystacks.get(track);
  if (text === undefined) {
    text = normalize(`${track.title} ${track.artist} ${track.album}`);
    haystacks.set(track, text);
  }
  return text;
}

/** Tracks matching every word of the search text (in title, artist or album) and the availability filter, sorted. */
export function queryTracks(tracks: readonly RoomTrack[], query: LibraryQuery): RoomTrack[] {
  const words = normalize(query.text).split(/\s+/).filter(Boolean);
  const matches = tracks.filter((t) => {
    if (query.availability === 'local' && !t.local) return false;
    if (query.availability === 'remote' && t.local) return false;
    if (words.length === 0) return true;
    const haystack = haystackOf(t);
    return words.every((w) => haystack.includes(w));
  });
  const direction = query.descending ? -1 : 1;
  const key = query.sort;
  return matches.sort((a, b) => {
    const primary =
      key === 'durationSec' || key === 'index' ? a[key] - b[key] : collator.compare(a[key], b[key]);
    return direction * (primary || a.index - b.index);
  });
}

/** The rows a virtualized list must render for a scroll position, with some overscan. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}
