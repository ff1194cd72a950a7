/**
 * When the calibration clicks sound. Clicks fall on a grid of group time (every `periodMs`), so
 * two devices running the click test at once click together exactly when their output offsets
 * are right: the user nudges the offset until the two clicks merge into one.
 */

/** One click to schedule: its group time and whether it starts a bar (a higher, louder click). */
export interface Click {
  groupMs: number;
  accent: boolean;
}

/**
 * The grid clicks after `afterGroupMs` (the last one already scheduled) that sound between
 * `groupNowMs + minLeadMs` and `groupNowMs + horizonMs`. Every `beatsPerBar`-th grid click is accented.
 */
export function clicksToSchedule(
  groupNowMs: number,
  afterGroupMs: number | null,
  { periodMs = 1000, horizonMs = 300, minLeadMs = 20, beatsPerBar = 4 } = {},
): Click[] {
  const from = Math.max(
    groupNowMs + minLeadMs,
    afterGroupMs === null ? Number.NEGATIVE_INFINITY : afterGroupMs + 1,
  );
  const out: Click[] = [];
  for (let k = Math.ceil(from / periodMs); k * periodMs <= groupNowMs + horizonMs; k++) {
    out.push({ groupMs: k * periodMs, accent: ((k % beatsPerBar) + beatsPerBar) % beatsPerBar === 0 });
  }
  return out;
}

/**
 * Seconds on the AudioContext clock at which to start a click so it is heard at `clickGroupMs`:
 * the engine's rule (heard = output time + outputOffsetMs), with the context's output latency.
 */
export function contextTimeFor(
  clickGroupMs: number,
  groupNowMs: number,
  contextNowSec: number,
  outputLatencySec: number,
  outputOffsetMs: number,
): number {
  return contextNowSec + (clickGroupMs - groupNowMs - outputOffsetMs) / 1000 - outputLatencySec;
}
