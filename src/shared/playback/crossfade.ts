/**
 * Crossfade between tracks: how long the current track and the next one overlap. The room's
 * setting (0 = off, 1–12 s) applies, except where a crossfade would cut into music meant to run
 * on: between consecutive tracks of one album played in order (a live album, a DJ mix, a
 * symphony's movements), which play gaplessly instead.
 */
import { crossfadeSetting } from './room-sound';
import { nextIndex, type PlaybackState } from './state';

/** What `crossfadeSecAt` reads of a track. */
export interface CrossfadeTrack {
  album: string;
  trackNo: number | null;
  /** 0 or absent when unknown. */
  durationSec?: number;
}

/** Tracks by id: a Map, or anything with `get`. */
export interface CrossfadeCatalog {
  get(trackId: string): CrossfadeTrack | null | undefined;
}

/** The album key the Albums view groups by: the title, trimmed, ignoring case; '' for none. */
export const albumKey = (t: { album: string }): string => t.album.trim().toLocaleLowerCase('en-US');

/** Whether `b` follows `a` on the same album: same (non-empty) album title, next track number. */
export function followsOnAlbum(a: CrossfadeTrack, b: CrossfadeTrack): boolean {
  return (
    albumKey(a) !== '' &&
    albumKey(a) === albumKey(b) &&
    a.trackNo !== null &&
    b.trackNo !== null &&
    b.trackNo === a.trackNo + 1
  );
}

/**
 * Seconds of crossfade from the current track into the one that follows it by the repeat mode:
 * 0 when the setting is off, nothing follows, or the next track continues the current one's album
 * in order (not shuffled); otherwise the setting, shortened to half the shorter track's length so
 * a short track is never all fade.
 */
export function crossfadeSecAt(state: PlaybackState, catalog: CrossfadeCatalog): number {
  const setting = crossfadeSetting(state);
  const next = nextIndex(state);
  if (setting <= 0 || next === null || state.currentIndex === null) return 0;
  const current = catalog.get(state.queue[state.currentIndex] ?? '');
  const following = catalog.get(state.queue[next] ?? '');
  if (state.unshuffled === null && current && following && followsOnAlbum(current, following)) return 0;
  const lengths = [current?.durationSec, following?.durationSec].filter(
    (d): d is number => d !== undefined && d > 0,
  );
  return lengths.length === 0 ? setting : Math.min(setting, Math.min(...lengths) / 2);
}
