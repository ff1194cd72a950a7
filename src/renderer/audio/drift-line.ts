/**
 * The output clock map's drift fit (`output-clock-window.ts`).
 *
 * A device clock drifts against the performance clock (a sound card's crystal: tens of ppm; this
 * machine's null sink, 70–240 ppm), so the offset moves along a line, and a window's median is its
 * value at the window's middle, 1.5 s ago: 0.15 ms behind at 100 ppm. Two PCs whose cards drift
 * apart by 100 ppm would be that far apart for good. So the map also fits the drift, through 1 s
 * medians of the last two minutes, and carries each reading in the window forward along it to the newest.
 *
 * A crystal's drift is a constant; the readings are not that steady: they wander by a ms or so over
 * tens of seconds (Chromium on PulseAudio here) and an output moves by less than the step detector's
 * threshold now and then (an underrun that costs a block: 2.7 ms). Fitted through 30 s of medians,
 * such a wander was read as drift: one page at 141-382 ppm beside another at 68-84 on the same null
 * sink, and takes heard 0.4-1.9 ms apart as the play head followed a line of the wrong slope. So the
 * fit pairs only medians at least 30 s apart, and waits for a minute of unbroken readings: a 1 ms
 * wander then bends it by at most ~30 ppm, and until then the map is the window's plain median (at
 * 100 ppm, 0.15 ms behind).
 */
import { median } from './median';

/** A 1 s median of the readings: at performance time `atMs`, offset `offsetMs`. */
export interface DriftPoint {
  atMs: number;
  offsetMs: number;
}

/** Tuning of the drift fit. */
export interface DriftLineOptions {
  /** The 1 s medians of this span (ms) are fitted... */
  spanMs: number;
  /** ... once they span at least this (ms); until then the drift is 0. */
  minSpanMs: number;
  /** A fitted drift beyond this (ppm) is not trusted (readings that wander, not a clock): 0. */
  maxPpm: number;
  /** Only medians at least this far apart (ms) are paired (default: all). */
  minPairMs?: number;
}

/**
 * Theil–Sen slope (ms per ms) through some points: the median of the pairwise slopes, which a few
 * stray points (a block caught in a wander) do not bend; only pairs at least `minPairMs` apart.
 */
export function theilSenSlope(points: readonly DriftPoint[], minPairMs = 0): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.atMs - points[i]!.atMs;
      if (dt > 0 && dt >= minPairMs) slopes.push((points[j]!.offsetMs - points[i]!.offsetMs) / dt);
    }
  return median(slopes);
}

/** The drift line through 1 s medians of accepted readings. */
export class DriftLine {
  /** Closed 1 s medians, oldest first, and the readings of the block being filled. */
  private points: DriftPoint[] = [];
  private block: { offsets: number[]; times: number[] } = { offsets: [], times: [] };
  /** Drift (ms per ms) fitted when the last block closed. */
  private drift = 0;

  constructor(private readonly options: DriftLineOptions) {}

  /** The drift (ms per ms) fitted when the last block closed; 0 until the points span `minSpanMs`. */
  get slope(): number {
    return this.drift;
  }

  /** Adds an accepted reading to the current 1 s block, closing it (and refitting) once full. */
  add(offset: number, atMs: number): void {
    const block = this.block;
    if (block.times.length > 0 && atMs - block.times[0]! >= 1000) {
      this.points.push({ atMs: median(block.times), offsetMs: median(block.offsets) });
      while (this.points.length > 0 && atMs - this.points[0]!.atMs > this.options.spanMs) this.points.shift();
      this.block = { offsets: [], times: [] };
      const points = this.points;
      const span = points.length > 1 ? points[points.length - 1]!.atMs - points[0]!.atMs : 0;
      const slope = span >= this.options.minSpanMs ? theilSenSlope(points, this.options.minPairMs) : 0;
      this.drift = Math.abs(slope) * 1e6 <= this.options.maxPpm ? slope : 0;
    }
    this.block.offsets.push(offset);
    this.block.times.push(atMs);
  }

  /** Forgets the line (the output moved or stalled). */
  forget(): void {
    this.points = [];
    this.block = { offsets: [], times: [] };
    this.drift = 0;
  }
}
