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
  /** Median absolute deviation of those delays (ms), each freed of its take's microphone wander. */
  spreadMs: number | null;
  /** Each clear take's delay as heard (ms after due), in order. */
  takesMs: number[];
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

/**
 * How late the microphone's path heard each take, against its usual, read from the reference speaker (the
 * one heard in most takes): its delay in the take minus its median. A take holds its speakers' signals a
 * slot apart, so whatever the recording device's input path adds to a take (its latency moves over a round:
 * in the acoustic rig each speaker's takes spread by 0.5–1 ms while the speakers stayed within 0.1 ms of each
 * other, and once it stepped by 22 ms between two slots of one take) is nearly the same for every speaker
 * in it; taken out, each other speaker's figure is its difference from the reference in that take. The
 * median over takes of those differences is what the corrections rest on: one take that a step or a stray
 * sound spoiled cannot move it. (A median of each speaker's own takes could: a step between the third and
 * fourth of five takes put one speaker's median before it and the other's after it, 22 ms apart.)
 * Takes where the reference was not heard: null.
 */
function takeShifts(perTake: ReadonlyArray<ReadonlyMap<string, number>>): {
  reference: string | null;
  shifts: (number | null)[];
} {
  const counts = new Map<string, number>();
  for (const t of perTake) for (const id of t.keys()) counts.set(id, (counts.get(id) ?? 0) + 1);
  const reference = [...counts].sort((x, y) => y[1] - x[1])[0]?.[0];
  if (reference === undefined) return { reference: null, shifts: perTake.map(() => null) };
  const usual = median(perTake.flatMap((t) => (t.has(reference) ? [t.get(reference)!] : [])));
  return { reference, shifts: perTake.map((t) => (t.has(reference) ? t.get(reference)! - usual : null)) };
}

/** How far to trust a delay from `takes` clear takes whose figures spread by `spreadMs`. */
const confidenceOf = (takes: number, spreadMs: number): SpeakerDelay['confidence'] =>
  takes >= 3 && spreadMs <= 0.2 ? 'high' : spreadMs <= 1 ? 'medium' : 'low';

/**
 * Each speaker's delay from several repetitions, and the corrections that line them up. Each take's delays
 * are first freed of the microphone's part in that take (`takeShifts`), so a correction is the median of
 * the speaker's per-take differences from the reference speaker, not a difference of medians over takes.
 */
export function solveDelays(
  repetitions: ReadonlyArray<Map<string, Detection & { delayMs: number | null }>>,
  { minAccepted = 2 }: { minAccepted?: number } = {},
): SpeakerDelay[] {
  const ids = [...new Set(repetitions.flatMap((r) => [...r.keys()]))];
  const clear = repetitions.map(
    (r) => new Map([...r].flatMap(([id, d]) => (d.delayMs === null ? [] : [[id, d.delayMs] as const]))),
  );
  // Only speakers heard often enough are measured; a stray take of another must not shift theirs.
  const counted = clear.map(
    (t) => new Map([...t].filter(([id]) => clear.filter((other) => other.has(id)).length >= minAccepted)),
  );
  const { reference, shifts } = takeShifts(counted);
  const results = ids.map((speakerId): SpeakerDelay => {
    const found = repetitions.map((r) => r.get(speakerId)).filter((d) => d !== undefined);
    const own = counted.flatMap((t) => (t.has(speakerId) ? [t.get(speakerId)!] : []));
    const paired = counted.flatMap((t, i) =>
      t.has(speakerId) && shifts[i] !== null ? [t.get(speakerId)! - shifts[i]!] : [],
    );
    // (Never heard in a take with the reference: its own takes, with whatever the microphone added. The
    // reference's own figures are its median in every take; its spread is set below.)
    const delays = paired.length > 0 ? paired : own;
    const rejected: SpeakerDelay['rejected'] = {};
    for (const d of found) if (!d.ok) rejected[d.reason] = (rejected[d.reason] ?? 0) + 1;
    const heard = own.length >= minAccepted;
    const delayMs = heard ? median(delays) : null;
    const spreadMs = heard ? median(delays.map((d) => Math.abs(d - (delayMs as number)))) : null;
    const confidence = heard ? confidenceOf(delays.length, spreadMs as number) : 'none';
    return {
      speakerId,
      heard,
      delayMs,
      spreadMs,
      takesMs: clear.flatMap((t) => (t.has(speakerId) ? [t.get(speakerId)!] : [])),
      accepted: clear.filter((t) => t.has(speakerId)).length,
      total: found.length,
      confidence,
      rejected,
      correctionMs: null,
    };
  });
  // The reference's takes, freed of the microphone by themselves, cannot show their own spread: it is as
  // good as the closest difference taken from it; heard alone, its takes' own spread.
  const ref = results.find((r) => r.speakerId === reference && r.heard);
  if (ref) {
    const others = results.filter((r) => r !== ref && r.heard).map((r) => r.spreadMs as number);
    const own = ref.takesMs;
    ref.spreadMs =
      others.length > 0 ? Math.min(...others) : median(own.map((d) => Math.abs(d - median(own))));
    ref.confidence = confidenceOf(own.length, ref.spreadMs);
  }
  const heardDelays = results.flatMap((r) => (r.delayMs === null ? [] : [r.delayMs]));
  const earliest = heardDelays.length > 0 ? Math.min(...heardDelays) : 0;
  for (const r of results) if (r.delayMs !== null) r.correctionMs = r.delayMs - earliest;
  return results;
}
