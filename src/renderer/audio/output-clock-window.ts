/**
 * The output clock map's window of readings (`clock-map.ts` keeps it fed from a live AudioContext).
 *
 * `getOutputTimestamp()` says "the frame at contextTime leaves the speaker at performanceTime":
 * it already includes the output latency, so a mapping built from it must not add
 * `outputLatency` again. One reading jitters (the audio thread updates it once per callback), so
 * the map is the median of `contextTime·1000 − performanceTime` over a sliding window of
 * readings taken some tens of ms apart. Readings taken before the output really runs
 * (performanceTime 0, or contextTime standing still, for up to 1.6 s after resume) are refused.
 *
 * The window is long (3 s by default) so that its median ignores the readings' sawtooth through
 * PulseAudio; a step detector (`step-detector.ts`) replaces it when the output really moves, and a
 * drift line (`drift-line.ts`) carries each reading forward to the newest.
 */
import { DriftLine } from './drift-line';
import { median, medianAbsDeviation } from './median';
import { StepDetector } from './step-detector';

/** One `getOutputTimestamp()` reading. */
export interface OutputClockSample {
  /** Context time (s) of the frame at the output. */
  contextTimeSec: number;
  /** Performance time (ms) at which that frame is output. */
  performanceTimeMs: number;
}

/**
 * What the window did with a reading. `duplicate`: the same reading as the previous one (both clocks where
 * they were), taken within one audio callback; it says nothing new and changes nothing.
 */
export type SampleVerdict = 'accepted' | 'not-running' | 'stalled' | 'duplicate';

/** The current map: contextTime·1000 = performanceTime + offsetMs. */
export interface ClockMapFit {
  offsetMs: number;
  /**
   * The drift the map carries its median forward by (ppm of the output clock against the performance
   * clock), 0 until it spans `driftMinSpanMs`.
   */
  driftPpm: number;
  /** Median absolute deviation of the readings in the window (ms): how noisy the map is. */
  spreadMs: number;
  samples: number;
}

/** Offset of one reading: context ms minus performance ms. */
export function sampleOffsetMs(sample: OutputClockSample): number {
  return sample.contextTimeSec * 1000 - sample.performanceTimeMs;
}

/** Tuning of the reading window. */
export interface OutputClockWindowOptions {
  /** Readings kept; the map is their median. */
  windowSize?: number;
  /** Readings needed (while the output runs) before the map is used. */
  minSamples?: number;
  /**
   * A reading this far (ms) from the median, confirmed by `stepConfirm` in a row on the same
   * side, means the output clock jumped (an underrun, a device change): the window restarts.
   */
  stepThresholdMs?: number;
  stepConfirm?: number;
  /**
   * The same reading again (neither clock advanced) is a duplicate while it lasts less than this (ms of the
   * reader's own clock); past it, the output has stalled.
   */
  stallAfterMs?: number;
  /** Drift fit: the 1 s medians of this span (ms) are fitted... */
  driftSpanMs?: number;
  /** ... once they span at least this (ms); until then the map is the plain median. */
  driftMinSpanMs?: number;
  /** A fitted drift beyond this (ppm) is not trusted (readings that wander, not a clock): the plain median. */
  driftMaxPpm?: number;
  /** Only 1 s medians at least this far apart (ms) are paired in the fit (`drift-line.ts`). */
  driftMinPairMs?: number;
}

/** Pure sliding window of output-clock readings with running and step detection. */
export class OutputClockWindow {
  private readonly windowSize: number;
  private readonly minSamples: number;
  private readonly stallAfterMs: number;
  /** The reader's time (ms) at which the previous reading was first seen, while it repeats. */
  private lastSeenAtMs: number | null = null;
  private readonly stepper: StepDetector;
  private readonly driftLine: DriftLine;
  private offsets: number[] = [];
  /** Performance times (ms) of the readings in `offsets`, in step with it. */
  private times: number[] = [];
  private last: OutputClockSample | null = null;
  /** Set once the window first filled to `minSamples`; a confirmed step keeps it. */
  private established = false;
  /** The map's offset before the output stalled, until the window is established again. */
  private beforeStall: number | null = null;

  constructor(options: OutputClockWindowOptions = {}) {
    this.windowSize = options.windowSize ?? 75;
    this.minSamples = options.minSamples ?? 10;
    this.stallAfterMs = options.stallAfterMs ?? 150;
    this.stepper = new StepDetector(options.stepThresholdMs ?? 8, options.stepConfirm ?? 3);
    this.driftLine = new DriftLine({
      spanMs: options.driftSpanMs ?? 120_000,
      minSpanMs: options.driftMinSpanMs ?? 60_000,
      maxPpm: options.driftMaxPpm ?? 1000,
      minPairMs: options.driftMinPairMs ?? 30_000,
    });
  }

  /**
   * Adds a reading taken at `atMs` (the reader's performance.now()); refuses it unless both clocks advanced
   * since the previous one.
   */
  add(sample: OutputClockSample, atMs?: number): SampleVerdict {
    const previous = this.last;
    if (
      previous &&
      sample.contextTimeSec === previous.contextTimeSec &&
      sample.performanceTimeMs === previous.performanceTimeMs
    ) {
      // The timestamp is the audio callback's: two readings within one callback are the same reading. Read
      // as a stall, it emptied the window: in the acoustic stall takes of 2026-12-06 that happened up to 12
      // times per page in 35 s (0.4% of readings, timers that fired close together on a busy page), each
      // leaving the page without a map for 0.4 s and then on a median of 10 readings, whose moves of up to
      // 7.4 ms re-positioned the sound. Only a reading that repeats for longer is an output that stopped.
      this.lastSeenAtMs ??= atMs ?? null;
      if (atMs === undefined || this.lastSeenAtMs === null || atMs - this.lastSeenAtMs < this.stallAfterMs)
        return 'duplicate';
    } else {
      this.lastSeenAtMs = atMs ?? null;
    }
    if (
      !(sample.performanceTimeMs > 0) ||
      !Number.isFinite(sample.contextTimeSec) ||
      sample.contextTimeSec <= 0
    ) {
      return 'not-running';
    }
    this.last = sample;
    if (!previous) return 'stalled';
    if (
      sample.contextTimeSec <= previous.contextTimeSec ||
      sample.performanceTimeMs <= previous.performanceTimeMs
    ) {
      // A context that stopped advancing (suspended, not yet started, or its output stalled) says
      // nothing about its output. The map before the stall is kept aside: once the window is
      // established again, how far the output moved across the stall counts as a step.
      if (this.established && this.offsets.length > 0) this.beforeStall = median(this.offsets);
      this.offsets = [];
      this.times = [];
      this.stepper.clear();
      this.driftLine.forget();
      this.established = false;
      return 'stalled';
    }
    const offset = sampleOffsetMs(sample);
    if (this.established) {
      const m = median(this.offsets);
      const check = this.stepper.check(offset, sample.performanceTimeMs, m);
      if (check.kind === 'step') {
        this.offsets = check.offsets;
        this.times = check.times;
        // The output moved: the line it drifted along before is gone.
        this.driftLine.forget();
        this.stepper.count(median(this.offsets) - m);
      }
      if (check.kind !== 'near') return 'accepted';
    }
    this.stepper.clear();
    this.offsets.push(offset);
    this.times.push(sample.performanceTimeMs);
    if (this.offsets.length > this.windowSize) {
      this.offsets.shift();
      this.times.shift();
    }
    this.driftLine.add(offset, sample.performanceTimeMs);
    if (this.offsets.length >= this.minSamples && !this.established) {
      this.established = true;
      if (this.beforeStall !== null) {
        const moved = median(this.offsets) - this.beforeStall;
        this.beforeStall = null;
        if (Math.abs(moved) > this.stepper.thresholdMs) this.stepper.count(moved);
      }
    }
    return 'accepted';
  }

  /**
   * Confirmed steps so far: each time the window was replaced by the readings on the step's far side,
   * or the output stalled and came back more than `stepThresholdMs` away from where it was.
   */
  get steps(): number {
    return this.stepper.steps;
  }

  /** Size (ms) of the last confirmed step: how far the map moved (0 before any). */
  get lastStepMs(): number {
    return this.stepper.lastStepMs;
  }

  /**
   * The map, or null until enough readings of a running output were seen: the median of the window's
   * readings, each carried forward along the fitted drift to the newest one.
   */
  fit(): ClockMapFit | null {
    if (this.offsets.length === 0 || (!this.established && this.offsets.length < this.minSamples))
      return null;
    const newest = this.times[this.times.length - 1]!;
    const drift = this.driftLine.slope;
    return {
      offsetMs: median(this.offsets.map((o, i) => o + drift * (newest - this.times[i]!))),
      driftPpm: drift * 1e6,
      spreadMs: medianAbsDeviation(this.offsets),
      samples: this.offsets.length,
    };
  }

  /**
   * How far (ms) the median of the newest `count` readings lies from the map's, or null with too few
   * readings: near 0 when the output has been steady for the whole window, large while it moves (the
   * window's median follows a move only once half the window has seen it) or its readings wander.
   * Medians on both sides, since single readings jitter by up to a render quantum.
   */
  recentShiftMs(count: number): number | null {
    if (this.offsets.length < Math.max(count, this.minSamples) * 2 || !this.established) return null;
    return Math.abs(median(this.offsets.slice(-count)) - median(this.offsets));
  }

  /** Forgets everything (e.g. after the context was suspended). */
  reset(): void {
    this.offsets = [];
    this.times = [];
    this.stepper.clear();
    this.driftLine.forget();
    this.last = null;
    this.lastSeenAtMs = null;
    this.established = false;
    this.beforeStall = null;
  }
}
