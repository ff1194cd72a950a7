/**
 * Finding one speaker's arrival in a correlation: the highest peak within the window where it can
 * be, to a fraction of a sample, with how sure it is. A peak that does not stand out of the rest of
 * the correlation (noise, loud music) is weak; one with a rival of nearly its height away from it
 * (an echo as loud as the sound, two speakers playing at once) is ambiguous. Neither is guessed.
 */

export interface Arrival {
  /** Lag of the peak in frames, with a parabolic fit between samples. */
  lagFrames: number;
  /** Peak height over the correlation's median magnitude in the window. */
  prominence: number;
  /** Peak height over the highest other peak at least `exclusionSec` away. */
  peakRatio: number;
}

export type Detection =
  | ({ ok: true } & Arrival)
  | ({ ok: false; reason: 'weak' | 'ambiguous' } & Arrival)
  | { ok: false; reason: 'outside'; lagFrames: null; prominence: 0; peakRatio: 0 };

export interface DetectOptions {
  /** First and last lag (frames) where the arrival can be. */
  fromFrame: number;
  toFrame: number;
  sampleRate: number;
  /** A rival peak closer than this is the same arrival's skirt, not a rival. Default 1.5 ms. */
  exclusionSec?: number;
  /** Least prominence of a clear arrival. Default 12 (about 22 dB over the correlation's floor). */
  minProminence?: number;
  /** Least ratio of the peak to its strongest rival. Default 1.5. */
  minPeakRatio?: number;
}

/** Finds the arrival in `correlation[fromFrame..toFrame]`. */
export function detectArrival(correlation: Float32Array, options: DetectOptions): Detection {
  const from = Math.max(0, Math.floor(options.fromFrame));
  const to = Math.min(correlation.length - 1, Math.ceil(options.toFrame));
  if (to - from < 3) return { ok: false, reason: 'outside', lagFrames: null, prominence: 0, peakRatio: 0 };
  let best = from;
  for (let i = from; i <= to; i++) if (Math.abs(correlation[i]!) > Math.abs(correlation[best]!)) best = i;
  const peak = Math.abs(correlation[best]!);
  // Silence has no arrival; a peak on the window's edge is the skirt of one outside it (due earlier or later).
  if (peak === 0) return { ok: false, reason: 'weak', lagFrames: best, prominence: 0, peakRatio: 0 };
  if (best === from || best === to)
    return { ok: false, reason: 'outside', lagFrames: null, prominence: 0, peakRatio: 0 };
  const magnitudes = Array.from(correlation.subarray(from, to + 1), Math.abs).sort((x, y) => x - y);
  const floor = magnitudes[Math.floor(magnitudes.length / 2)] ?? 0;
  const exclusion = Math.round((options.exclusionSec ?? 0.0015) * options.sampleRate);
  let rival = 0;
  for (let i = from; i <= to; i++)
    if (Math.abs(i - best) > exclusion) rival = Math.max(rival, Math.abs(correlation[i]!));
  const arrival: Arrival = {
    lagFrames: best + parabolicOffset(correlation, best),
    prominence: floor > 0 ? peak / floor : Infinity,
    peakRatio: rival > 0 ? peak / rival : Infinity,
  };
  if (arrival.prominence < (options.minProminence ?? 12)) return { ok: false, reason: 'weak', ...arrival };
  if (arrival.peakRatio < (options.minPeakRatio ?? 1.5))
    return { ok: false, reason: 'ambiguous', ...arrival };
  return { ok: true, ...arrival };
}

/** Where between samples a peak lies, from a parabola through it and its neighbours (−0.5 … 0.5). */
function parabolicOffset(values: Float32Array, i: number): number {
  if (i <= 0 || i >= values.length - 1) return 0;
  const [a, b, c] = [Math.abs(values[i - 1]!), Math.abs(values[i]!), Math.abs(values[i + 1]!)];
  const denominator = a - 2 * b + c;
  return denominator === 0 ? 0 : Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denominator));
}
