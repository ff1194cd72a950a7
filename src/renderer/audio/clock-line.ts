/**
 * The clock line the engine gives the player: the group time at which each output frame is heard,
 * from the two maps it chains. Context time → performance time is the output clock map (from
 * getOutputTimestamp, so it holds the output latency; it carries the device clock's drift against
 * the performance clock); performance time → group time is the group clock (both hops, with their
 * drift); the device's `outputOffsetMs` (its speakers' own latency) is added between them. The line
 * goes through now and a point `spanSec` later, so its slope holds both drifts.
 */
import { contextToPerformance, type ClockMapFit } from './clock-map';
import type { GroupTimeSource } from './group-clock';
import { clockLineThrough, type ClockLine } from './player/segment';

/** The line, and the bound on how wrong its group times can be (ms: both clock hops plus the map's noise). */
export interface ClockLineReading {
  line: ClockLine;
  boundMs: number;
}

/** The clock line at context time `nowSec`, or null while the group clock has no estimate. */
export function clockLineAt(
  nowSec: number,
  fit: ClockMapFit,
  outputOffsetMs: number,
  groupClock: Pick<GroupTimeSource, 'performanceToGroup'>,
  sampleRate: number,
  spanSec = 10,
): ClockLineReading | null {
  const heardMs = contextToPerformance(fit, nowSec) + outputOffsetMs;
  // The output clock runs `driftPpm` fast against the performance clock: `spanSec` of it is a little less of that.
  const laterMs = heardMs + (spanSec * 1000) / (1 + fit.driftPpm * 1e-6);
  const here = groupClock.performanceToGroup(heardMs);
  const later = groupClock.performanceToGroup(laterMs);
  if (!here || !later) return null;
  return {
    line: clockLineThrough(nowSec, here.groupMs, spanSec, later.groupMs, sampleRate),
    boundMs: here.errorMs + fit.spreadMs,
  };
}
