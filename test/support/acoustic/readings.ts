/**
 * A compact account of a page's raw `getOutputTimestamp()` readings during an acoustic take (the
 * harness collects them with `trace`), for logs: when a take goes wrong, whether the readings moved
 * with the sound, moved without it, or scattered is the first question, and only the readings answer it.
 */
import { median, medianAbsDeviation } from '../../../src/renderer/audio/median';

/** One block of readings: seconds from the anchor, and the readings' offsets (context ms − performance ms). */
export interface ReadingBlock {
  fromSec: number;
  count: number;
  medianMs: number;
  madMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * Groups readings `[performanceMs, contextSec]` into blocks of `blockSec` seconds from the anchor, the
 * offsets taken relative to `referenceMs` (by default the first reading's), from `fromSec` to `toSec`.
 */
export function readingBlocks(
  raw: readonly (readonly [number, number])[],
  toAnchorSec: (performanceMs: number) => number,
  options: { blockSec: number; fromSec: number; toSec: number; referenceMs?: number },
): ReadingBlock[] {
  if (raw.length === 0) return [];
  const reference = options.referenceMs ?? raw[0]![1] * 1000 - raw[0]![0];
  const groups = new Map<number, number[]>();
  for (const [perf, ctx] of raw) {
    const sec = toAnchorSec(perf);
    if (!(sec >= options.fromSec && sec < options.toSec)) continue;
    const k = Math.floor((sec - options.fromSec) / options.blockSec);
    const list = groups.get(k) ?? [];
    list.push(ctx * 1000 - perf - reference);
    groups.set(k, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([k, offsets]) => ({
      fromSec: options.fromSec + k * options.blockSec,
      count: offsets.length,
      medianMs: median(offsets),
      madMs: medianAbsDeviation(offsets),
      minMs: Math.min(...offsets),
      maxMs: Math.max(...offsets),
    }));
}

/** One line: "3.0: -26.71 ±0.05 [-26.80 -26.62] | 3.5: …" (seconds, median, mad, range; ms). */
export function describeBlocks(blocks: readonly ReadingBlock[]): string {
  return blocks
    .map(
      (b) =>
        `${b.fromSec.toFixed(1)}: ${b.medianMs.toFixed(2)} ±${b.madMs.toFixed(2)} [${b.minMs.toFixed(2)} ${b.maxMs.toFixed(2)}]`,
    )
    .join(' | ');
}
