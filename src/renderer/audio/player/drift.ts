/**
 * The drift controller: how fast the player's play head should move so that it stays on the group's
 * timeline.
 *
 * The clock line already says how many track frames belong to one output frame (1 ± the device
 * clock's drift against the group clock, tens to hundreds of ppm), so following it keeps a play head
 * that is on time on time. What is left is the error: the play head minus where the group says it
 * should be, which moves only when the clock line is refined (the output clock map and the group
 * clock settle by fractions of a millisecond). The controller closes it over `horizonSec` by
 * fractional resampling, departing from the ideal ratio by at most `maxPpm` (500 ppm is 0.05 %, a
 * pitch change far below hearing). The ideal ratio itself is the clocks' real drift and is followed
 * whole: held within 500 ppm of 1 instead, a device 240 ppm off a group clock 150 ppm off the other
 * way (both measured here) left the correction a tenth of its room and the play head trailing a
 * fraction of a millisecond. An error past `repositionMs` is closed at once by a sample-exact
 * re-position with short fades instead of seconds of slewing, but only when something says the output
 * moved (`moved`: a confirmed step of the output clock map, a changed output offset, a gap in the render
 * clock), or when the error is past `forceRepositionMs`. An error that crept past `repositionMs` with
 * nothing moved is the map's readings wandering, not the sound: re-positioned on, the sound moved by it
 * (docs/sync.md, "What the measurements say"). It is slewed instead.
 */

/** Tuning of the drift controller. */
export interface DriftPolicy {
  /** Largest departure of the read ratio from the ideal ratio, to close an error (parts per million). */
  maxPpm: number;
  /** An error is closed over about this many seconds. */
  horizonSec: number;
  /** Beyond this error (ms) the player re-positions instead of slewing, when the output moved. */
  repositionMs: number;
  /** Beyond this error (ms) the player re-positions whether or not a move was seen. */
  forceRepositionMs: number;
}

export const defaultDriftPolicy: DriftPolicy = {
  maxPpm: 500,
  horizonSec: 2,
  repositionMs: 3,
  forceRepositionMs: 12,
};

/** What the player does for the next block. */
export type Steering = { kind: 'ratio'; ratio: number } | { kind: 'reposition' };

/**
 * Steering for a play head `errorFrames` off the timeline (+ = ahead) when `ideal` track frames
 * belong to each output frame; `moved` when the output is known to have moved lately.
 */
export function steer(
  errorFrames: number,
  ideal: number,
  sampleRate: number,
  policy: DriftPolicy,
  moved = true,
): Steering {
  const bound = moved ? policy.repositionMs : policy.forceRepositionMs;
  if (!(Math.abs(errorFrames) <= (bound * sampleRate) / 1000)) return { kind: 'reposition' };
  const limit = policy.maxPpm * 1e-6;
  const correction = Math.min(limit, Math.max(-limit, -errorFrames / (policy.horizonSec * sampleRate)));
  // A line 1 % off is no clock: the sanity bound keeps a broken one from running the head away.
  return { kind: 'ratio', ratio: Math.min(1.01, Math.max(0.99, ideal + correction)) };
}
