/**
 * The map between the page's performance clock and the AudioContext's output clock.
 *
 * `getOutputTimestamp()` says "the frame at contextTime leaves the speaker at performanceTime":
 * it already includes the output latency, so a mapping built from it must not add
 * `outputLatency` again. One reading jitters (the audio thread updates it once per callback), so
 * the map is the median of `contextTime·1000 − performanceTime` over a sliding window of
 * readings taken some tens of ms apart. Readings taken before the output really runs
 * (performanceTime 0, or contextTime standing still, for up to 1.6 s after resume) are refused.
 *
 * Measured through PulseAudio on a busy machine, the readings wander by a few ms in a sawtooth
 * (the server's latency interpolation) while the sound itself stays put; an underrun, on the
 * other hand, really moves the output by 10–30 ms at once. Hence a long window (3 s by default)
 * whose median ignores the sawtooth, and a step detector that replaces the window when several
 * readings in a row land far (8 ms) on one side of it.
 *
 * A device clock drifts against the performance clock (a sound card's crystal: tens of ppm; this
 * machine's null sink, 70–240 ppm), so the offset moves along a line, and a window's median is its
 * value at the window's middle, 1.5 s ago: 0.15 ms behind at 100 ppm. Two PCs whose cards drift
 * apart by 100 ppm would be that far apart for good. So the map also fits the drift, through 1 s
 * medians of the last 30 s, and carries each reading in the window forward along it to the newest.
 */

/** One `getOutputTimestamp()` reading. */
export interface OutputClockSample {
  /** Context time (s) of the frame at the output. */
  contextTimeSec: number;
  /** Performance time (ms) at which that frame is output. */
  performanceTimeMs: number;
}

/** What the window did with a reading. */
export type SampleVerdict = 'accepted' | 'not-running' | 'stalled';

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

/** Median of a list of numbers (0 for an empty list). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation around the median. */
export function medianAbsDeviation(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
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
  /** Drift fit: the 1 s medians of this span (ms) are fitted... */
  driftSpanMs?: number;
  /** ... once they span at least this (ms); until then the map is the plain median. */
  driftMinSpanMs?: number;
  /** A fitted drift beyond this (ppm) is not trusted (readings that wander, not a clock): the plain median. */
  driftMaxPpm?: number;
}

/** A 1 s median of the readings: at performance time `atMs`, offset `offsetMs`. */
interface DriftPoint {
  atMs: number;
  offsetMs: number;
}

/**
 * Theil–Sen slope (ms per ms) through some points: the median of the pairwise slopes, which a few
 * stray points (a block caught in a wander) do not bend.
 */
export function theilSenSlope(points: readonly DriftPoint[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.atMs - points[i]!.atMs;
      if (dt > 0) slopes.push((points[j]!.offsetMs - points[i]!.offsetMs) / dt);
    }
  return median(slopes);
}

/** Pure sliding window of output-clock readings with running and step detection. */
export class OutputClockWindow {
  private readonly windowSize: number;
  private readonly minSamples: number;
  private readonly stepThresholdMs: number;
  private readonly stepConfirm: number;
  private readonly driftSpanMs: number;
  private readonly driftMinSpanMs: number;
  private readonly driftMaxPpm: number;
  private offsets: number[] = [];
  /** Performance times (ms) of the readings in `offsets`, in step with it. */
  private times: number[] = [];
  /** Closed 1 s medians, oldest first, and the readings of the block being filled. */
  private driftPoints: DriftPoint[] = [];
  private block: { offsets: number[]; times: number[] } = { offsets: [], times: [] };
  /** Drift (ms per ms) fitted when the last block closed. */
  private drift = 0;
  private suspects: { offset: number; atMs: number }[] = [];
  private last: OutputClockSample | null = null;
  /** Set once the window first filled to `minSamples`; a confirmed step keeps it. */
  private established = false;
  private stepCount = 0;
  private lastStep = 0;
  /** The map's offset before the output stalled, until the window is established again. */
  private beforeStall: number | null = null;

  constructor(options: OutputClockWindowOptions = {}) {
    this.windowSize = options.windowSize ?? 75;
    this.minSamples = options.minSamples ?? 10;
    this.stepThresholdMs = options.stepThresholdMs ?? 8;
    this.stepConfirm = options.stepConfirm ?? 3;
    this.driftSpanMs = options.driftSpanMs ?? 30_000;
    this.driftMinSpanMs = options.driftMinSpanMs ?? 10_000;
    this.driftMaxPpm = options.driftMaxPpm ?? 1000;
  }

  /** Adds a reading; refuses it unless both clocks advanced since the previous one. */
  add(sample: OutputClockSample): SampleVerdict {
    const previous = this.last;
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
      this.suspects = [];
      this.forgetDrift();
      this.established = false;
      return 'stalled';
    }
    const offset = sampleOffsetMs(sample);
    if (this.established) {
      const m = median(this.offsets);
      const deviation = offset - m;
      if (Math.abs(deviation) > this.stepThresholdMs) {
        const sameSide = this.suspects.every((s) => Math.sign(s.offset - m) === Math.sign(deviation));
        const suspect = { offset, atMs: sample.performanceTimeMs };
        this.suspects = sameSide ? [...this.suspects, suspect] : [suspect];
        if (this.suspects.length >= this.stepConfirm) {
          this.offsets = this.suspects.map((s) => s.offset);
          this.times = this.suspects.map((s) => s.atMs);
          this.suspects = [];
          // The output moved: the line it drifted along before is gone.
          this.forgetDrift();
          this.stepCount++;
          this.lastStep = median(this.offsets) - m;
        }
        return 'accepted';
      }
    }
    this.suspects = [];
    this.offsets.push(offset);
    this.times.push(sample.performanceTimeMs);
    if (this.offsets.length > this.windowSize) {
      this.offsets.shift();
      this.times.shift();
    }
    this.addToDrift(offset, sample.performanceTimeMs);
    if (this.offsets.length >= this.minSamples && !this.established) {
      this.established = true;
      if (this.beforeStall !== null) {
        const moved = median(this.offsets) - this.beforeStall;
        this.beforeStall = null;
        if (Math.abs(moved) > this.stepThresholdMs) {
          this.stepCount++;
          this.lastStep = moved;
        }
      }
    }
    return 'accepted';
  }

  /**
   * Confirmed steps so far: each time the window was replaced by the readings on the step's far side,
   * or the output stalled and came back more than `stepThresholdMs` away from where it was.
   */
  get steps(): number {
    return this.stepCount;
  }

  /** Size (ms) of the last confirmed step: how far the map moved (0 before any). */
  get lastStepMs(): number {
    return this.lastStep;
  }

  /**
   * The map, or null until enough readings of a running output were seen: the median of the window's
   * readings, each carried forward along the fitted drift to the newest one.
   */
  fit(): ClockMapFit | null {
    if (this.offsets.length === 0 || (!this.established && this.offsets.length < this.minSamples))
      return null;
    const newest = this.times[this.times.length - 1]!;
    const drift = this.drift;
    return {
      offsetMs: median(this.offsets.map((o, i) => o + drift * (newest - this.times[i]!))),
      driftPpm: drift * 1e6,
      spreadMs: medianAbsDeviation(this.offsets),
      samples: this.offsets.length,
    };
  }

  /** Adds an accepted reading to the drift fit's current 1 s block, closing it (and refitting) once full. */
  private addToDrift(offset: number, atMs: number): void {
    const block = this.block;
    if (block.times.length > 0 && atMs - block.times[0]! >= 1000) {
      this.driftPoints.push({ atMs: median(block.times), offsetMs: median(block.offsets) });
      while (this.driftPoints.length > 0 && atMs - this.driftPoints[0]!.atMs > this.driftSpanMs)
        this.driftPoints.shift();
      this.block = { offsets: [], times: [] };
      const points = this.driftPoints;
      const span = points.length > 1 ? points[points.length - 1]!.atMs - points[0]!.atMs : 0;
      const slope = span >= this.driftMinSpanMs ? theilSenSlope(points) : 0;
      this.drift = Math.abs(slope) * 1e6 <= this.driftMaxPpm ? slope : 0;
    }
    this.block.offsets.push(offset);
    this.block.times.push(atMs);
  }

  private forgetDrift(): void {
    this.driftPoints = [];
    this.block = { offsets: [], times: [] };
    this.drift = 0;
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
    this.suspects = [];
    this.forgetDrift();
    this.last = null;
    this.established = false;
    this.beforeStall = null;
  }
}

/** Performance time (ms) → context time (s) under a fit. */
export function performanceToContext(fit: ClockMapFit, performanceMs: number): number {
  return (performanceMs + fit.offsetMs) / 1000;
}

/** Context time (s) → performance time (ms) under a fit. */
export function contextToPerformance(fit: ClockMapFit, contextSec: number): number {
  return contextSec * 1000 - fit.offsetMs;
}

/** The part of an AudioContext the map reads. */
export interface OutputTimestampSource {
  getOutputTimestamp(): AudioTimestamp;
  readonly state: AudioContextState;
}

/** Options for `ClockMap`. */
export interface ClockMapInit extends OutputClockWindowOptions {
  /** Time between readings (ms). */
  sampleIntervalMs?: number;
}

/** Keeps an `OutputClockWindow` fed from a live AudioContext and answers conversions. */
export class ClockMap {
  private readonly window: OutputClockWindow;
  private readonly sampleIntervalMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private waiters: (() => void)[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly stepListeners = new Set<(stepMs: number) => void>();

  constructor(
    private readonly context: OutputTimestampSource,
    init: ClockMapInit = {},
  ) {
    this.window = new OutputClockWindow(init);
    this.sampleIntervalMs = init.sampleIntervalMs ?? 40;
  }

  /** Starts taking readings; idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), this.sampleIntervalMs);
    this.sample();
  }

  /** Stops taking readings; the last map stays readable. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes one reading now (the timer calls this; tests may too). */
  sample(): SampleVerdict {
    if (this.context.state !== 'running') {
      this.window.reset();
      return 'not-running';
    }
    const ts = this.context.getOutputTimestamp();
    const steps = this.window.steps;
    const verdict = this.window.add({
      contextTimeSec: ts.contextTime ?? 0,
      performanceTimeMs: ts.performanceTime ?? 0,
    });
    if (this.window.steps !== steps)
      for (const listener of this.stepListeners) listener(this.window.lastStepMs);
    if (verdict === 'accepted') {
      if (this.waiters.length > 0 && this.window.fit()) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const resolve of waiters) resolve();
      }
      for (const listener of this.listeners) listener();
    }
    return verdict;
  }

  /** The current map, or null while the output is not (yet) running. */
  fit(): ClockMapFit | null {
    return this.window.fit();
  }

  /** Whether conversions can be answered. */
  get isReady(): boolean {
    return this.window.fit() !== null;
  }

  /** Resolves once the output runs and the map is usable. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(done);
    });
  }

  /**
   * Resolves true once the median of the newest `spanMs` of readings lies within `toleranceMs` of the
   * map's (the output settled after, say, a decode that loaded the machine), or false after `maxWaitMs`.
   */
  steady(spanMs: number, toleranceMs: number, maxWaitMs: number): Promise<boolean> {
    const count = Math.max(1, Math.round(spanMs / this.sampleIntervalMs));
    const isSteady = () => {
      const shift = this.window.recentShiftMs(count);
      return shift !== null && shift <= toleranceMs;
    };
    if (isSteady()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        off();
        resolve(result);
      };
      const timer = setTimeout(() => done(false), maxWaitMs);
      const off = this.onUpdate(() => {
        if (isSteady()) done(true);
      });
    });
  }

  /**
   * Calls `listener` with the step's size (ms) when the output clock is confirmed to have jumped
   * (an underrun, a device change) and the map now follows it; returns the unsubscribe function.
   */
  onStep(listener: (stepMs: number) => void): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }

  /** Calls `listener` after each accepted reading; returns the unsubscribe function. */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Context time (s) whose frame is output at `performanceMs`, or null when not ready. */
  performanceToContext(performanceMs: number): number | null {
    const fit = this.window.fit();
    return fit ? performanceToContext(fit, performanceMs) : null;
  }

  /** Performance time (ms) at which the frame at `contextSec` is output, or null when not ready. */
  contextToPerformance(contextSec: number): number | null {
    const fit = this.window.fit();
    return fit ? contextToPerformance(fit, contextSec) : null;
  }
}
