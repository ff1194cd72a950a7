/**
 * Loudness normalisation: the gain a device applies to a track so that the room's tracks (or
 * albums) play at one loudness, never pushing a true peak above −1 dBTP.
 *
 * Each track's loudness comes from the holder's scan: the integrated loudness (EBU R128) and true
 * peak it measured with ffmpeg, and the ReplayGain tags the file carries. A measurement wins over
 * tags (it is made the same way for every track); tags stand in until a track is measured, and for
 * files the scan never measures because their tags are complete.
 */
import { albumKey } from './crossfade';
import { loudnessSetting, type LoudnessSetting, type RoomSoundFields } from './room-sound';

/** What is known of one track's loudness; every field may be unknown (null). */
export interface TrackLoudness {
  /** Integrated loudness (EBU R128), LUFS. */
  lufs: number | null;
  /** True peak, dBTP. */
  truePeakDb: number | null;
  /** ReplayGain track gain from the file's tags, dB (to ReplayGain 2's reference, −18 LUFS). */
  rgTrackGainDb: number | null;
  /** ReplayGain track peak, linear amplitude (1 = full scale). */
  rgTrackPeak: number | null;
  rgAlbumGainDb: number | null;
  rgAlbumPeak: number | null;
}

/** What `trackGainDb` reads of a track: its loudness, if known, and its length (weights an album's mean). */
export interface LoudnessTrack {
  loudness?: TrackLoudness | null;
  durationSec?: number;
}

export const loudnessLimits = {
  /** The loudest a true peak may become after the gain, dBTP. */
  peakCeilingDb: -1,
  /** Most boost given to a quiet track: beyond it noise and hiss come up with the music. */
  maxBoostDb: 12,
  /** Most cut. */
  maxCutDb: -30,
  /** Integrated loudness below this is silence (the R128 absolute gate is −70 LUFS). */
  silenceLufs: -69,
  /** ReplayGain 2's reference level, LUFS: a track gain tag is `−18 − loudness`. */
  replayGainReferenceLufs: -18,
} as const;

const measured = (l: TrackLoudness | null | undefined): number | null =>
  l && l.lufs !== null && Number.isFinite(l.lufs) && l.lufs > loudnessLimits.silenceLufs ? l.lufs : null;

const dbOfAmplitude = (ratio: number | null): number | null =>
  ratio !== null && Number.isFinite(ratio) && ratio > 0 ? 20 * Math.log10(ratio) : null;

/** A track's loudness in LUFS: measured, else from its ReplayGain track gain; null when unknown. */
export function trackLufs(l: TrackLoudness | null | undefined): number | null {
  const lufs = measured(l);
  if (lufs !== null) return lufs;
  const rg = l?.rgTrackGainDb;
  return rg !== null && rg !== undefined && Number.isFinite(rg)
    ? loudnessLimits.replayGainReferenceLufs - rg
    : null;
}

/** A track's true peak in dBTP: measured, else its ReplayGain track peak; null when unknown. */
export function trackPeakDb(l: TrackLoudness | null | undefined): number | null {
  if (l && l.truePeakDb !== null && Number.isFinite(l.truePeakDb)) return l.truePeakDb;
  return dbOfAmplitude(l?.rgTrackPeak ?? null);
}

/**
 * An album's loudness: the energy mean of its tracks' loudness, weighted by length (what
 * measuring the album as one piece gives, gating aside); from the ReplayGain album gain of
 * `fallback` when none of its tracks is known. Null when unknown.
 */
export function albumLufs(tracks: readonly LoudnessTrack[], fallback?: LoudnessTrack): number | null {
  let energy = 0;
  let weight = 0;
  for (const t of tracks) {
    const lufs = trackLufs(t.loudness);
    if (lufs === null) continue;
    const w = t.durationSec && t.durationSec > 0 ? t.durationSec : 1;
    energy += w * 10 ** (lufs / 10);
    weight += w;
  }
  if (weight > 0) return 10 * Math.log10(energy / weight);
  const rg = fallback?.loudness?.rgAlbumGainDb;
  return rg !== null && rg !== undefined && Number.isFinite(rg)
    ? loudnessLimits.replayGainReferenceLufs - rg
    : null;
}

const clampGain = (db: number) => Math.min(loudnessLimits.maxBoostDb, Math.max(loudnessLimits.maxCutDb, db));

/**
 * The gain in dB to play `track` with under `setting` (or a playback state's setting): target −
 * loudness, of the track or (album mode) of its album, lowered so that the true peak (the track's,
 * or the album's highest) stays at or below −1 dBTP, and held within +12/−30 dB. 0 when off or when
 * nothing is known of the track. `albumTracks` are the tracks of the track's album (it may be among
 * them); album mode without any falls back to the track alone.
 */
export function trackGainDb(
  track: LoudnessTrack,
  albumTracks: readonly LoudnessTrack[],
  setting: LoudnessSetting | RoomSoundFields,
): number {
  const { mode, targetLufs } = 'mode' in setting ? setting : loudnessSetting(setting);
  if (mode === 'off') return 0;
  const album = albumTracks.length > 0 ? albumTracks : [track];
  const lufs = mode === 'album' ? albumLufs(album, track) : trackLufs(track.loudness);
  if (lufs === null) return 0;
  let gain = clampGain(targetLufs - lufs);
  const peaks =
    mode === 'album'
      ? [...album, track].map((t) => trackPeakDb(t.loudness)).filter((p): p is number => p !== null)
      : [trackPeakDb(track.loudness)].filter((p): p is number => p !== null);
  if (mode === 'album' && peaks.length === 0) {
    const rgPeak = dbOfAmplitude(track.loudness?.rgAlbumPeak ?? null);
    if (rgPeak !== null) peaks.push(rgPeak);
  }
  if (peaks.length > 0) gain = Math.min(gain, loudnessLimits.peakCeilingDb - Math.max(...peaks));
  // -0 reads oddly in logs and tests.
  return gain === 0 ? 0 : gain;
}

/**
 * The tracks of `track`'s album among `tracks` (the same album title, as the Albums view groups
 * them), for `trackGainDb`'s album mode; a track without an album title is an album of its own.
 */
export function albumTracksOf<T extends { album: string }>(track: T, tracks: readonly T[]): T[] {
  const key = albumKey(track);
  return key === '' ? [track] : tracks.filter((t) => albumKey(t) === key);
}
