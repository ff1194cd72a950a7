/**
 * Pure timeline math of the audio engine: where a track should be at a group time, where a
 * playing source is at a context time, and how hard to nudge its rate to close the gap.
 */
import { medianAbsDeviation } from './clock-map';

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
  /**
   * Below this estimated error (ms) only the drift itself is cancelled, no offset closed: the fit's own
   * noise. Also the smallest output-offset change worth a re-anchor.
   */
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
   * Readings needed before the rate is steered at all. Single readings wander by tenths of a
   * millisecond (the output clock's timestamps come through the sound server's smoothed latency),
   * so the steering works on a line fitted through many of them, never on one.
   */
  windowReadings: number;
  /**
   * Seconds of readings the line is fitted through. The device clock drifts against the group clock
   * by tens to hundreds of ppm (a sound card's crystal; through this machine's null sink, 70–145 ppm
   * over a minute and up to 240 ppm over 15 s), and each reading wanders with the server's smoothing; a long window averages the
   * wander and still follows a drift that changes over minutes.
   */
  fitWindowSec: number;
  /** The fitted slope (the drift) is trusted once the readings span this many seconds. */
  slopeSpanSec: number;
  /**
   * Once per start, after this many readings, a start found off by more than `settleMs` is re-anchored
   * if the readings agree (their median absolute deviation under `settleSpreadMs`). Measured here, a
   * start is sometimes 2–7 ms off (the output moved between scheduling and the first sound); readings
   * that hold steady for a few seconds say so, where a wandering one would not.
   */
  settleReadings: number;
  settleMs: number;
  settleSpreadMs: number;
  /**
   * Mid-track, a voice whose newest `settleReadings` readings agree (median absolute deviation under
   * `settleSpreadMs`) on an error beyond this (ms) is re-anchored, at most once per `steadyCooldownSec`.
   * Measured in bench:sync: an output moved 7.4 ms, under `reanchorMs` and the clock map's step size, so the
   * map followed it over its window and the rate steering, at most `maxRatePpm`, took 15 s to close it. Readings
   * that agree for 3 s are a moved output, not the 1–2 s wander `reanchorMs` guards against. Not before the
   * output has run `steadyAfterOutputSec`: a young output's readings sit steadily some ms off while the sound
   * does not (seen in bench:sync `--fresh-rooms`: a page 3.5 ms off by its readings, re-anchored, and the
   * two pages went from 2.1 ms apart to 1.9 ms the other way).
   */
  steadyReanchorMs: number;
  steadyCooldownSec: number;
  steadyAfterOutputSec: number;
  /**
   * After the output clock map confirms a jump of at least `stepWatchMs` (an underrun really moves the
   * sound by tens to hundreds of ms), the voice is measured every engine tick for up to `stepWatchSec`, from
   * `stepDelaySec` on (the map gathers a few readings on the jump's far side first). Once the last
   * `stepReadings` readings all lie beyond `reanchorMs` on one side and within `stepSpreadMs` of each
   * other, the jump is real and settled: re-anchor then, not after the 2.5 s the median of the regular
   * readings takes. Readings that keep moving (the wander of a loaded machine) fail the spread test
   * and are left to the regular path. Smaller jumps of the map are left to the regular path too: a
   * loaded machine's map also jumps by 8–15 ms while the sound stays put, and re-anchoring on those
   * within a second made the errors real (seen in bench:sync: 8.5, 14.6 and 10.3 ms jumps of one
   * page's map in one take, each re-anchored, the take 20–32 ms off; real jumps seen there were 14,
   * 33–113 and 36–77 ms, and 205–216 ms for a frozen audio service).
   */
  stepWatchMs: number;
  /**
   * Steps the map confirms within this span are added up: one jump of the output may be confirmed in
   * parts (measured in bench:sync: one page's map −11.2 then −18.7 ms 0.11 s apart, the other page's
   * −29.8 ms at once, for the same 30 ms jump of both outputs; the first page was then re-anchored 2 s
   * after the second, and the two were 30 ms apart for those 2 s).
   */
  stepSumSec: number;
  stepWatchSec: number;
  stepDelaySec: number;
  stepReadings: number;
  stepSpreadMs: number;
}

export const defaultDriftPolicy: DriftPolicy = {
  deadbandMs: 0.05,
  maxRatePpm: 500,
  horizonSec: 6,
  reanchorMs: 8,
  reanchorReadings: 3,
  windowReadings: 9,
  fitWindowSec: 30,
  slopeSpanSec: 8,
  settleReadings: 6,
  settleMs: 1.5,
  settleSpreadMs: 0.5,
  steadyReanchorMs: 3,
  steadyCooldownSec: 10,
  steadyAfterOutputSec: 20,
  stepWatchMs: 20,
  stepSumSec: 1,
  stepWatchSec: 3,
  stepDelaySec: 0.3,
  stepReadings: 3,
  stepSpreadMs: 1.5,
};

/**
 * What the readings taken since the output clock jumped say (ms, positive = the voice ahead of the
 * group timeline): `reanchor` when the newest `stepReadings` all lie beyond `reanchorMs` on one side
 * and within `stepSpreadMs` of each other (the sound moved and stays there); `unmoved` when they all
 * lie within `reanchorMs / 2` (the map jumped, the voice is still in step); else `wait`.
 */
export function judgeOutputStep(
  readingsMs: readonly number[],
  policy: Pick<DriftPolicy, 'reanchorMs' | 'stepReadings' | 'stepSpreadMs'> = defaultDriftPolicy,
): 'reanchor' | 'unmoved' | 'wait' {
  const recent = readingsMs.slice(-policy.stepReadings);
  if (recent.length < policy.stepReadings || !recent.every(Number.isFinite)) return 'wait';
  if (recent.every((r) => Math.abs(r) < policy.reanchorMs / 2)) return 'unmoved';
  const sameSide = recent.every((r) => Math.sign(r) === Math.sign(recent[0]!));
  const beyond = recent.every((r) => Math.abs(r) > policy.reanchorMs);
  const spread = Math.max(...recent) - Math.min(...recent);
  return sameSide && beyond && spread <= policy.stepSpreadMs ? 'reanchor' : 'wait';
}

/**
 * One drift reading of a voice: at context time `atSec`, how far (ms) ahead of the group timeline
 * it would be had it kept the rate it started with ("open loop"). Rate corrections are left out
 * on purpose: without them the readings lie on a line (start error plus drift), which a fit can
 * average over many seconds without lagging behind the corrections made meanwhile.
 */
export interface DriftSample {
  atSec: number;
  openLoopMs: number;
}

/** A line through a voice's open-loop readings. */
export interface DriftEstimate {
  /** Open-loop error (ms) at the time asked for. */
  openLoopMs: number;
  /** Its slope (ms per s, i.e. thousands of ppm): the output clock's drift against the group clock. */
  slopeMsPerSec: number;
  /** Readings the line rests on (outliers dropped). */
  samples: number;
  /** Seconds between the first and the last reading used. */
  spanSec: number;
}

function fitLine(points: readonly DriftSample[]): { a: number; b: number } {
  const n = points.length;
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.atSec / n;
    my += p.openLoopMs / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.atSec - mx) * (p.openLoopMs - my);
    sxx += (p.atSec - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

/**
 * Fits a line through the readings (least squares, then again without those further than three
 * median deviations, at least 0.2 ms, from the first line) and evaluates it at `atSec`. With a
 * span shorter than `slopeSpanSec` the slope is not trusted: the estimate is the readings' median
 * and a zero slope. Null without readings.
 */
export function estimateDrift(
  samples: readonly DriftSample[],
  atSec: number,
  policy: Pick<DriftPolicy, 'slopeSpanSec'> = defaultDriftPolicy,
): DriftEstimate | null {
  const finite = samples.filter((s) => Number.isFinite(s.atSec) && Number.isFinite(s.openLoopMs));
  if (finite.length === 0) return null;
  const spanSec = finite[finite.length - 1]!.atSec - finite[0]!.atSec;
  if (spanSec < policy.slopeSpanSec || finite.length < 3) {
    return {
      openLoopMs: median(finite.map((s) => s.openLoopMs)),
      slopeMsPerSec: 0,
      samples: finite.length,
      spanSec,
    };
  }
  const first = fitLine(finite);
  const residuals = finite.map((s) => Math.abs(s.openLoopMs - (first.a + first.b * s.atSec)));
  const limit = Math.max(0.2, 3 * 1.4826 * median(residuals));
  const kept = finite.filter((_, i) => residuals[i]! <= limit);
  const line = kept.length >= 3 ? fitLine(kept) : first;
  return { openLoopMs: line.a + line.b * atSec, slopeMsPerSec: line.b, samples: kept.length, spanSec };
}

/**
 * The rate for a voice: cancel the fitted drift, and close the remaining error (the open-loop
 * estimate plus `correctionMs`, what the rate changes so far have added) over `horizonSec`;
 * errors inside `deadbandMs` only get the drift cancelled. Clamped to `maxRatePpm`; a re-anchor
 * for an error beyond `reanchorMs` or a nonsense estimate.
 */
export function steerRate(
  estimate: DriftEstimate,
  correctionMs: number,
  policy: DriftPolicy = defaultDriftPolicy,
): DriftAction {
  const errorMs = estimate.openLoopMs + correctionMs;
  if (!Number.isFinite(errorMs) || !Number.isFinite(estimate.slopeMsPerSec)) return { kind: 'reanchor' };
  if (Math.abs(errorMs) > policy.reanchorMs) return { kind: 'reanchor' };
  const closing = Math.abs(errorMs) <= policy.deadbandMs ? 0 : errorMs / policy.horizonSec;
  const ppm = Math.max(
    -policy.maxRatePpm,
    Math.min(policy.maxRatePpm, (estimate.slopeMsPerSec + closing) * 1000),
  );
  return { kind: 'rate', rate: 1 - ppm * 1e-6 };
}

/** The median of some numbers (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The error (ms) a voice is steadily off by: the median of the newest `settleReadings` readings when it lies
 * beyond `beyondMs` (`steadyReanchorMs` mid-track, `settleMs` for a start) and they agree (median absolute
 * deviation under `settleSpreadMs`); else null.
 */
export function steadyOffset(
  readingsMs: readonly number[],
  policy: Pick<DriftPolicy, 'settleReadings' | 'settleSpreadMs' | 'steadyReanchorMs'> = defaultDriftPolicy,
  beyondMs = policy.steadyReanchorMs,
): number | null {
  const recent = readingsMs.slice(-policy.settleReadings);
  if (recent.length < policy.settleReadings || !recent.every(Number.isFinite)) return null;
  const m = median(recent);
  return Math.abs(m) > beyondMs && medianAbsDeviation(recent) < policy.settleSpreadMs ? m : null;
}

/** What to do about a measured error (ms; positive = the source is ahead of the group). */
export type DriftAction = { kind: 'rate'; rate: number } | { kind: 'reanchor' };

/** One confirmed step of the output clock map: when (performance ms) and how far (ms). */
export interface OutputStep {
  atMs: number;
  stepMs: number;
}

/**
 * The jump to watch after the map confirmed `steps` (oldest first, the newest just now at `nowMs`): the
 * sum of the steps within `stepSumSec`, if that reaches `stepWatchMs`; else null.
 */
export function stepToWatch(
  steps: readonly OutputStep[],
  nowMs: number,
  policy: Pick<DriftPolicy, 'stepWatchMs' | 'stepSumSec'> = defaultDriftPolicy,
): number | null {
  const sum = steps
    .filter((s) => nowMs - s.atMs <= policy.stepSumSec * 1000)
    .reduce((total, s) => total + s.stepMs, 0);
  return Math.abs(sum) >= policy.stepWatchMs ? sum : null;
}
