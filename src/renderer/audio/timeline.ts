/**
 * Pure timeline math of the audio engine: what it is told to play and where a track should be at a
 * group time. (Drift steering lives in the player: `player/drift.ts`.)
 */

/** Group time t0 (ms) at which position p0 (s) plays. */
export interface PlaybackAnchor {
  groupTimeMs: number;
  positionSec: number;
}

/** What the engine is told to play: the shared playback state, reduced to one track. */
export interface PlaybackSchedule {
  trackId: string;
  anchor: PlaybackAnchor;
  paused: boolean;
  /** Gain for this track (dB; loudness normalisation), 0 if absent. The player applies it to the track's segment. */
  gainDb?: number;
  /** `trackId` names a live source (#22): its PCM comes stamped in group time, track frame 0 at the anchor. */
  live?: boolean;
  /**
   * The track placed after this one (gapless or crossfaded, `shared/playback/next.ts`): its position
   * `anchor.positionSec` plays at `anchor.groupTimeMs`, overlapping this one's end by `overlapSec`, at
   * its own gain `gainDb` (0 if absent), which the player switches to on its first frame.
   */
  next?: { trackId: string; anchor: PlaybackAnchor; overlapSec: number; gainDb?: number };
  /**
   * The leader holds the start until every speaker is ready (`shared/playback/barrier.ts`): the anchor is
   * a placeholder, so nothing is decoded or played for it; the start comes as a new state.
   */
  held?: boolean;
}

/** The linear gain of a gain in dB (absent: 0 dB, gain 1). */
export function linearGain(db: number | undefined): number {
  return db === undefined ? 1 : 10 ** (db / 20);
}

/** Track position (s) that should be heard at group time `groupMs`. */
export function expectedPosition(anchor: PlaybackAnchor, groupMs: number): number {
  return anchor.positionSec + (groupMs - anchor.groupTimeMs) / 1000;
}

/** Group time (ms) at which track position `positionSec` should be heard. */
export function groupTimeOfPosition(anchor: PlaybackAnchor, positionSec: number): number {
  return anchor.groupTimeMs + (positionSec - anchor.positionSec) * 1000;
}

/** Whether two anchors describe the same timeline (the same position at every group time). */
export function sameTimeline(a: PlaybackAnchor, b: PlaybackAnchor, toleranceMs = 0.5): boolean {
  return (
    Math.abs(a.positionSec * 1000 - a.groupTimeMs - (b.positionSec * 1000 - b.groupTimeMs)) <= toleranceMs
  );
}

/**
 * What a new state asks of the engine: 'keep' what plays (the same track on the same timeline, both
 * playing, nothing failed: states arrive often and repeat), 'stop' (paused, a held start or nothing to
 * play), or 'play' a new segment.
 */
export function scheduleChange(
  previous: PlaybackSchedule | null,
  state: PlaybackSchedule | null,
  failed: boolean,
): 'keep' | 'stop' | 'play' {
  if (!state || state.paused || state.held) return 'stop';
  if (
    previous &&
    !previous.paused &&
    !previous.held &&
    !failed &&
    state.trackId === previous.trackId &&
    sameTimeline(state.anchor, previous.anchor)
  ) {
    return 'keep';
  }
  return 'play';
}
