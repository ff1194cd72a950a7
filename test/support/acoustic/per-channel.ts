/**
 * Which channel moved: the offset between two channels says how far apart they were, not which of them
 * was off. Each matched click is placed against the click track's own times (the take's first clicks
 * find where the track starts in the recording), so each channel's timing error shows on its own, both
 * relative to channel A's median. A page whose output really moved steps alone; a step in both is the
 * sink's.
 */
import type { OffsetReport } from './analyze';

/** One matched click: when channel A heard it (s), which click it was, and each channel's error (ms). */
export interface ChannelTiming {
  atSec: number;
  click: number;
  aMs: number;
  bMs: number;
}

/** Index of the value nearest `x` in ascending `values`. */
const nearest = (values: readonly number[], x: number): number => {
  let lo = 0;
  let hi = values.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(values[hi]! - x) < Math.abs(values[lo]! - x) ? hi : lo;
};

/** Each matched click of `report` placed against `clickTimesSec` (the click track's click times, s, ascending). */
export function perChannelTimings(report: OffsetReport, clickTimesSec: readonly number[]): ChannelTiming[] {
  const heard = report.onsetsSec;
  if (heard.length === 0 || clickTimesSec.length === 0) return [];
  // Where the track starts in the recording: the start that puts every heard click nearest a click time.
  let start = heard[0]! - clickTimesSec[0]!;
  let bestCost = Infinity;
  for (const t of clickTimesSec) {
    const candidate = heard[0]! - t;
    let cost = 0;
    for (const h of heard)
      cost += Math.abs(h - candidate - clickTimesSec[nearest(clickTimesSec, h - candidate)]!);
    if (cost < bestCost) [start, bestCost] = [candidate, cost];
  }
  const rows = heard.map((h, i) => {
    const click = nearest(clickTimesSec, h - start);
    const aMs = (h - start - clickTimesSec[click]!) * 1000;
    return { atSec: h, click, aMs, bMs: aMs + report.offsetsMs[i]! };
  });
  const sorted = rows.map((r) => r.aMs).sort((x, y) => x - y);
  const base = sorted[sorted.length >> 1]!;
  return rows.map((r) => ({ ...r, aMs: r.aMs - base, bMs: r.bMs - base }));
}
