/**
 * Measures how far apart two channels play the same click train: onsets are found per channel,
 * paired, and each pair is aligned to a fraction of a sample by cross-correlating a window
 * around the click (parabolic interpolation of the correlation peak).
 */
import { readWav } from './wav';

/** Options of the onset detector and the alignment. */
export interface AnalyzeOptions {
  /** Onset threshold as a fraction of the channel's peak. */
  thresholdRatio?: number;
  /** No second onset within this time after one (s). */
  refractorySec?: number;
  /** Onsets further apart than this are not paired (ms). */
  maxOffsetMs?: number;
  /** Window aligned per click, from before to after the left onset (ms). */
  windowBeforeMs?: number;
  windowAfterMs?: number;
  /** Search ± this around the onset difference (ms). */
  searchMs?: number;
  /** Pairs whose normalised correlation is below this are not trusted. */
  minCorrelation?: number;
}

/** Offsets of channel B relative to channel A (ms; positive = B later). */
export interface OffsetReport {
  offsetsMs: number[];
  /** When each click was heard on channel A (s from the recording's start). */
  onsetsSec: number[];
  count: number;
  medianMs: number;
  meanMs: number;
  p95AbsMs: number;
  maxAbsMs: number;
  /** Onsets on either channel that found no trusted partner. */
  unmatched: number;
}

/** Sample indices where the signal first rises above `thresholdRatio` of its peak after a quiet gap. */
export function findOnsets(signal: Float32Array, sampleRate: number, options: AnalyzeOptions = {}): number[] {
  let peak = 0;
  for (const v of signal) peak = Math.max(peak, Math.abs(v));
  if (peak < 1e-4) return [];
  const threshold = peak * (options.thresholdRatio ?? 0.1);
  const refractory = Math.round((options.refractorySec ?? 0.1) * sampleRate);
  const onsets: number[] = [];
  for (let i = 0; i < signal.length; i++) {
    if (Math.abs(signal[i]!) >= threshold) {
      onsets.push(i);
      i += refractory;
    }
  }
  return onsets;
}

/**
 * Lag (samples, fractional) that best aligns `b` to `a` around `aStart`: b[i + lag] ≈ a[i].
 * Returns the lag and the normalised correlation at the peak.
 */
export function alignWindow(
  a: Float32Array,
  b: Float32Array,
  aStart: number,
  length: number,
  coarseLag: number,
  search: number,
): { lag: number; correlation: number } {
  const from = Math.max(0, aStart);
  const to = Math.min(a.length, aStart + length);
  const score = (lag: number) => {
    let s = 0;
    for (let i = from; i < to; i++) {
      const j = i + lag;
      if (j >= 0 && j < b.length) s += a[i]! * b[j]!;
    }
    return s;
  };
  let best = coarseLag;
  let bestScore = -Infinity;
  for (let lag = coarseLag - search; lag <= coarseLag + search; lag++) {
    const s = score(lag);
    if (s > bestScore) {
      bestScore = s;
      best = lag;
    }
  }
  const left = score(best - 1);
  const right = score(best + 1);
  const curvature = left - 2 * bestScore + right;
  const fraction = curvature < 0 ? (0.5 * (left - right)) / curvature : 0;
  let ea = 0;
  let eb = 0;
  for (let i = from; i < to; i++) {
    ea += a[i]! ** 2;
    const j = i + best;
    if (j >= 0 && j < b.length) eb += b[j]! ** 2;
  }
  const correlation = ea > 0 && eb > 0 ? bestScore / Math.sqrt(ea * eb) : 0;
  return { lag: best + Math.max(-0.5, Math.min(0.5, fraction)), correlation };
}

/** Offsets of channel `b` against channel `a` for every click heard on both. */
export function measureOffsets(
  a: Float32Array,
  b: Float32Array,
  sampleRate: number,
  options: AnalyzeOptions = {},
): OffsetReport {
  const onsetsA = findOnsets(a, sampleRate, options);
  const onsetsB = findOnsets(b, sampleRate, options);
  const maxLag = ((options.maxOffsetMs ?? 50) / 1000) * sampleRate;
  const before = Math.round(((options.windowBeforeMs ?? 1) / 1000) * sampleRate);
  const length = before + Math.round(((options.windowAfterMs ?? 6) / 1000) * sampleRate);
  const search = Math.max(2, Math.round(((options.searchMs ?? 1) / 1000) * sampleRate));
  const minCorrelation = options.minCorrelation ?? 0.8;
  const offsetsMs: number[] = [];
  const onsetsSec: number[] = [];
  const usedB = new Set<number>();
  let j = 0;
  for (const onset of onsetsA) {
    while (j < onsetsB.length && onsetsB[j]! < onset - maxLag) j++;
    let partner = -1;
    for (let k = j; k < onsetsB.length && onsetsB[k]! <= onset + maxLag; k++) {
      if (
        !usedB.has(k) &&
        (partner < 0 || Math.abs(onsetsB[k]! - onset) < Math.abs(onsetsB[partner]! - onset))
      )
        partner = k;
    }
    if (partner < 0) continue;
    const { lag, correlation } = alignWindow(a, b, onset - before, length, onsetsB[partner]! - onset, search);
    if (correlation < minCorrelation) continue;
    usedB.add(partner);
    offsetsMs.push((lag / sampleRate) * 1000);
    onsetsSec.push(onset / sampleRate);
  }
  return summarize(offsetsMs, onsetsSec, onsetsA.length + onsetsB.length - 2 * offsetsMs.length);
}

/** Offsets between two channels of a WAV file (default: right against left). */
export function analyzeWav(
  bytes: Uint8Array,
  channelA = 0,
  channelB = 1,
  options: AnalyzeOptions = {},
): OffsetReport & { sampleRate: number } {
  const audio = readWav(bytes);
  const a = audio.channels[channelA];
  const b = audio.channels[channelB];
  if (!a || !b)
    throw new Error(`WAV has ${audio.channels.length} channels; wanted ${channelA} and ${channelB}`);
  return { ...measureOffsets(a, b, audio.sampleRate, options), sampleRate: audio.sampleRate };
}

/** Median, mean, p95 and max of a list of offsets. */
export function summarize(offsetsMs: number[], onsetsSec: number[], unmatched: number): OffsetReport {
  const sorted = [...offsetsMs].sort((x, y) => x - y);
  const abs = offsetsMs.map(Math.abs).sort((x, y) => x - y);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    offsetsMs,
    onsetsSec,
    count: n,
    medianMs: median,
    meanMs: n === 0 ? NaN : offsetsMs.reduce((s, v) => s + v, 0) / n,
    p95AbsMs: n === 0 ? NaN : abs[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!,
    maxAbsMs: n === 0 ? NaN : abs[n - 1]!,
    unmatched,
  };
}
