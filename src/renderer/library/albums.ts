/** Albums made from the room's track listing, for the Albums view (play an album in its order). */
import type { RoomTrack } from '../../shared/bridge/payloads';

export interface Album {
  /** Stable key for lists and selection. */
  key: string;
  title: string;
  /** The artist every track shares, or "Various artists". */
  artist: string;
  /** In album order: disc order is not known, so track number, then title. */
  tracks: RoomTrack[];
  durationSec: number;
}

export const UNKNOWN_ALBUM = 'Unknown album';

/**
 * Groups tracks by album title. Without an album-artist tag, two albums of the same title by
 * different artists would merge; grouping by title alone keeps compilations (many artists, one
 * album) whole, the more common case in a shared library.
 */
export function albumsOf(tracks: readonly RoomTrack[]): Album[] {
  const groups = new Map<string, RoomTrack[]>();
  for (const t of tracks) {
    const title = t.album.trim() || UNKNOWN_ALBUM;
    const key = title.toLocaleLowerCase('en-US');
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  const albums: Album[] = [];
  for (const [key, list] of groups) {
    const ordered = [...list].sort(
      (a, b) =>
        (a.trackNo ?? Number.MAX_SAFE_INTEGER) - (b.trackNo ?? Number.MAX_SAFE_INTEGER) ||
        a.title.localeCompare(b.title, 'en-US'),
    );
    const artists = new Set(ordered.map((t) => t.artist).filter(Boolean));
    albums.push({
      key,
      title: ordered[0]?.album.trim() || UNKNOWN_ALBUM,
      artist: artists.size === 1 ? ([...artists][0] as string) : artists.size === 0 ? '' : 'Various artists',
      tracks: ordered,
      durationSec: ordered.reduce((sum, t) => sum + t.durationSec, 0),
    });
  }
  // Unknown album last; the rest by title.
  return albums.sort(
    (a, b) =>
      Number(a.title === UNKNOWN_ALBUM) - Number(b.title === UNKNOWN_ALBUM) ||
      a.title.localeCompare(b.title, 'en-US'),
  );
}
