/**
 * Pure timeline math of the audio engine: where a track should be at a group time, where a
 * playing source is at a context time, and how hard to nudge its rate to close the gap.
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
 * A playing source as a piecewise-linear map: at context time `contextSec` its playhead is at
 * `positionSec` and moves `rate` track seconds per context second.
 */
export interface SourceSegment {
  contextSec: number;
  positionSec: number;
  rate: number;
}

/** Playhead of a source (track s) at context time `contextSec`. */
export function sourcePosition(segment: SourceSegment, contextSec: number): number {
  return segment.positionSec + (contextSec - segment.contextSec) * segment.rate;
}

/** Context time at which the source's playhead reaches `positionSec`. */
export function contextTimeOfPosition(segment: SourceSegment, positionSec: number): number {
  return segment.contextSec + (positionSec - segment.positionSec) / segment.rate;
}

/** The segment after changing the rate at context time `contextSec`. */
export function changeRate(segment: SourceSegment, contextSec: number, rate: number): SourceSegment {
  return { contextSec, positionSec: sourcePosition(segment, contextSec), rate };
}

/** Tuning of the drift correction. */
export interface DriftPolicy {
  /** Errors below this (ms) are left alone: the measurement's own noise. */
  deadbandMs: number;
  /** Largest rate change, in parts per million (500 ppm = 0.05 %, far below audibility). */
  maxRatePpm: number;
  /** The rate nudge aims to close the error over this many seconds. */
  horizonSec: number;
  /**
   * Beyond this error (ms) the source is re-anchored with a crossfade at once: an output that really
   * jumped (an underrun moves it 10–30 ms). Below it, one page's readings can wander 2–6 ms for a
   * second or two while the sound stays put, and a crossfade on such readings makes the error real.
   */
  reanchorMs: number;
  /** Readings whose median must exceed `reanchorMs` before a re-anchor (fewer than `windowReadings`, to act fast). */
  reanchorReadings: number;
  /**
   * Readings the decision is made on: their median. Single readings wander by milliseconds (the output
   * clock's timestamps jitter under load) while real drift is a few ppm, so acting on one reading turns
   * noise into audible offsets; the median of a few seconds of readings does not.
   */
  windowReadings: number;
  /**
   * Once per start, after this many readings, a start found off by more than `settleMs` is re-anchored
   * if the readings agree (their median absolute deviation under `settleSpreadMs`). Measured here, a
   * start is sometimes 2–7 ms off (the output moved between scheduling and the first sound); readings
   * that hold steady for a few seconds say so, where a wandering one would not.
   */
  settleReadings: number;
  settleMs: number;
  settleSpreadMs: number;
}

export const defaultDriftPolicy: DriftPolicy = {
  deadbandMs: 0.5,
  maxRatePpm: 500,
  horizonSec: 4,
  reanchorMs: 8,
  reanchorReadings: 3,
  windowReadings: 9,
  settleReadings: 6,
  settleMs: 1.5,
  settleSpreadMs: 0.5,
};

/** The median of some numbers (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What to do about a measured error (ms; positive = the source is ahead of the group). */
export type DriftAction = { kind: 'rate'; rate: number } | { kind: 'reanchor' };

/** Chooses a playback rate (or a re-anchor) for a measured sync error. */
export function correctDrift(errorMs: number, policy: DriftPolicy = defaultDriftPolicy): DriftAction {
  if (!Number.isFinite(errorMs) || Math.abs(errorMs) > policy.reanchorMs) return { kind: 'reanchor' };
  if (Math.abs(errorMs) <= policy.deadbandMs) return { kind: 'rate', rate: 1 };
  const ppm = Math.max(
    -policy.maxRatePpm,
    Math.min(policy.maxRatePpm, (errorMs / 1000 / policy.horizonSec) * 1e6),
  );
  return { kind: 'rate', rate: 1 - ppm * 1e-6 };
}
