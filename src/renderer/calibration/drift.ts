/**
 * What the recording device's own path adds to a round's takes (#23), taken out before the median. Its
 * input is late by a latency that the speakers' differences cancel only if it holds still; it does not:
 * in the acoustic rig every speaker's takes grew later by about 0.18 ms a second through a round (the
 * microphone's input drifting against the output clock it is mapped by), and a speaker playing a slot
 * after another was heard that much later for it. A common drift and each take's common wander go.
 */

/** Delays (ms after due) of the speakers heard clearly in one take, and when each was due (group ms). */
export type TakeDelays = ReadonlyMap<string, { delayMs: number; atMs?: number }>;

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The steepest drift taken for the microphone's (ms of delay per ms of time): beyond it, something else. */
const MAX_DRIFT = 0.002;
/** The most a take's microphone path is taken to wander from its usual (ms). */
const MAX_WANDER_MS = 3;

/**
 * The microphone's drift over the round (ms per ms): the median slope between any two takes of the same
 * speaker (Theil–Sen), from speakers with at least three takes, so one disturbed take does not tilt it.
 * 0 when the takes carry no times or no speaker has three.
 */
export function commonDrift(takes: readonly TakeDelays[]): number {
  const bySpeaker = new Map<string, Array<{ delayMs: number; atMs: number }>>();
  for (const take of takes)
    for (const [id, { delayMs, atMs }] of take) {
      if (atMs === undefined) return 0;
      bySpeaker.set(id, [...(bySpeaker.get(id) ?? []), { delayMs, atMs }]);
    }
  const slopes: number[] = [];
  for (const points of bySpeaker.values()) {
    if (points.length < 3) continue;
    for (let i = 0; i < points.length; i++)
      for (let j = i + 1; j < points.length; j++) {
        const [p, q] = [points[i]!, points[j]!];
        if (q.atMs !== p.atMs) slopes.push((q.delayMs - p.delayMs) / (q.atMs - p.atMs));
      }
  }
  if (slopes.length === 0) return 0;
  const slope = median(slopes);
  return Math.abs(slope) <= MAX_DRIFT ? slope : 0;
}

/**
 * How late the microphone's path heard each take, against its usual: the median, over the speakers heard in
 * that take, of how far each one's delay is from its own median. A take holds its speakers' signals a slot
 * apart, so what the path adds to it is nearly the same for all of them. A take with fewer than two speakers
 * near their usual tells the microphone's part from a speaker's by nothing: 0.
 */
export function takeShifts(perTake: ReadonlyArray<ReadonlyMap<string, number>>): number[] {
  const ownMedian = new Map<string, number>();
  for (const id of new Set(perTake.flatMap((t) => [...t.keys()])))
    ownMedian.set(id, median(perTake.flatMap((t) => (t.has(id) ? [t.get(id)!] : []))));
  return perTake.map((t) => {
    // A take far off its speaker's median measured something else (a stall, another sound): it tells
    // nothing of the microphone, and must not carry its error into the others' figures.
    const wander = [...t]
      .map(([id, delay]) => delay - ownMedian.get(id)!)
      .filter((d) => Math.abs(d) <= MAX_WANDER_MS);
    return wander.length < 2 ? 0 : median(wander);
  });
}

/** Each take's delays freed of the microphone's drift (to the round's middle) and of its take's wander. */
export function steadyDelays(takes: readonly TakeDelays[]): Array<Map<string, number>> {
  const drift = commonDrift(takes);
  const times = takes.flatMap((t) => [...t.values()].flatMap((d) => (d.atMs === undefined ? [] : [d.atMs])));
  const middle = drift === 0 || times.length === 0 ? 0 : median(times);
  const undrifted = takes.map(
    (t) => new Map([...t].map(([id, d]) => [id, d.delayMs - drift * ((d.atMs ?? middle) - middle)] as const)),
  );
  const shifts = takeShifts(undrifted);
  return undrifted.map((t, i) => new Map([...t].map(([id, d]) => [id, d - shifts[i]!] as const)));
}
