/**
 * From arrivals to each speaker's delay. Each speaker plays the sweep at a known group time, in turn;
 * the recording device hears each one late by (its output's hidden delay + the air + the
 * microphone's input delay). The microphone's part and the recorder's clock are the same for every
 * speaker, so differences between speakers are exactly the differences in their hidden delays: the
 * speaker heard first needs nothing, each other one plays earlier by how much later it was heard.
 */
import { crossCorrelate } from './correlate';
import { detectArrival, type Detection } from './detect';

/** Where, in a recording, each speaker's sweep would arrive with no delay at all. */
export interface ScheduledSweep {
  speakerId: string;
  /** Frame of the recording at which the sweep was due (its group time, mapped to the recorder). */
  dueFrame: number;
}

export interface RepetitionOptions {
  sampleRate: number;
  /** The longest hidden delay looked for (Bluetooth: up to about 300 ms). Default 500 ms. */
  maxDelaySec?: number;
  /** How early an arrival may seem (the mapping's own error). Default 5 ms. */
  earlySlackSec?: number;
}

/** One repetition: each speaker's delay (ms after it was due), or why it was not found. */
export function measureRepetition(
  recording: Float32Array,
  reference: Float32Array,
  schedule: readonly ScheduledSweep[],
  options: RepetitionOptions,
): Map<string, Detection & { delayMs: number | null }> {
  const correlation = crossCorrelate(recording, reference);
  const out = new Map<string, Detection & { delayMs: number | null }>();
  for (const { speakerId, dueFrame } of schedule) {
    const detection = detectArrival(correlation, {
      sampleRate: options.sampleRate,
      fromFrame: dueFrame - (options.earlySlackSec ?? 0.005) * options.sampleRate,
      toFrame: dueFrame + (options.maxDelaySec ?? 0.5) * options.sampleRate,
    });
    const delayMs =
      detection.ok && detection.lagFrames !== null
        ? ((detection.lagFrames - dueFrame) / options.sampleRate) * 1000
        : null;
    out.set(speakerId, { ...detection, delayMs });
  }
  return out;
}

export interface SpeakerDelay {
  speakerId: string;
  /** Whether enough repetitions found it clearly; a speaker not heard is said so, never guessed. */
  heard: boolean;
  /** Median delay over the clear repetitions (ms after due), null when not heard. */
  delayMs: number | null;
  /** Median absolute deviation of those delays (ms). */
  spreadMs: number | null;
  /** Clear repetitions out of all. */
  accepted: number;
  total: number;
  /** How far to trust it: high (≥ 3 clear, spread ≤ 0.2 ms), medium (≥ 2, ≤ 1 ms), else low. */
  confidence: 'high' | 'medium' | 'low' | 'none';
  /** Why repetitions were rejected, counted. */
  rejected: Partial<Record<'weak' | 'ambiguous' | 'outside', number>>;
  /** What to add to the speaker's outputOffsetMs so it sounds with the earliest one (ms; null when not heard). */
  correctionMs: number | null;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Each speaker's delay from several repetitions, and the corrections that line them up. */
export function solveDelays(
  repetitions: ReadonlyArray<Map<string, Detection & { delayMs: number | null }>>,
  { minAccepted = 2 }: { minAccepted?: number } = {},
): SpeakerDelay[] {
  const ids = [...new Set(repetitions.flatMap((r) => [...r.keys()]))];
  const results = ids.map((speakerId): SpeakerDelay => {
    const found = repetitions.map((r) => r.get(speakerId)).filter((d) => d !== undefined);
    const delays = found.flatMap((d) => (d.delayMs === null ? [] : [d.delayMs]));
    const rejected: SpeakerDelay['rejected'] = {};
    for (const d of found) if (!d.ok) rejected[d.reason] = (rejected[d.reason] ?? 0) + 1;
    const heard = delays.length >= minAccepted;
    const delayMs = heard ? median(delays) : null;
    const spreadMs = heard ? median(delays.map((d) => Math.abs(d - (delayMs as number)))) : null;
    const confidence = !heard
      ? 'none'
      : delays.length >= 3 && (spreadMs as number) <= 0.2
        ? 'high'
        : (spreadMs as number) <= 1
          ? 'medium'
          : 'low';
    return {
      speakerId,
      heard,
      delayMs,
      spreadMs,
      accepted: delays.length,
      total: found.length,
      confidence,
      rejected,
      correctionMs: null,
    };
  });
  const heardDelays = results.flatMap((r) => (r.delayMs === null ? [] : [r.delayMs]));
  const earliest = heardDelays.length > 0 ? Math.min(...heardDelays) : 0;
  for (const r of results) if (r.delayMs !== null) r.correctionMs = r.delayMs - earliest;
  return results;
}
