/**
 * The group clock's same-machine test (`group-clock.ts`).
 *
 * Same machine. A page and a host on one machine (the desktop app's window and its main process,
 * or a page loaded from a loopback address) both read the machine's monotonic clock, each anchored
 * to wall time when its process started, so their clocks agree to microseconds unless the wall clock
 * was adjusted in between. Probes cannot see that: they measure host − local only up to the
 * difference of the fastest trip each way, and measured here the two pages of one machine disagreed
 * by 0.1-0.17 ms for minutes through the WebSocket bridge. So with `sameMachine`, once every probe in
 * the window (at least `sameClockMinSamples` over `sameClockMinSpanMs`) allows host − local = 0, i.e.
 * t2 ≥ t1 and t4 ≥ t3 each within `sameClockSlackMs`, the offset is taken as exactly 0 and the drift
 * as 0. Its bound is the width of the band all probes allow, which holds 0 and the truth alike (no
 * wider than the fastest round trip). A host whose clock differs (shifted, skewed, anchored at another
 * time) soon contradicts it and the fitted estimate is used. A host whose clock is shifted or skewed on
 * purpose (`--clock-offset-ms`, `--clock-skew-ppm`: a stand-in for another machine's clock) says how in
 * its replies (`hostClock`); the same test then applies to host − transform(local), and once it holds
 * the window takes exactly that transform, as its own machine's clock would be on another machine.
 */
import type { HostClockTransform } from '../../shared/bridge/payloads';
import type { StoredSample } from '../../shared/clock/estimator';

/** Tuning of the same-clock test: probes, and the time they span (ms), and its tolerance (ms). */
export interface SameClockOptions {
  minSamples: number;
  minSpanMs: number;
  slackMs: number;
}

/** Host − local at local time `localMs` if the host's clock is the machine's made as `hostClock` says (null: it is the machine's). */
export function declaredOffsetMs(hostClock: HostClockTransform | null, localMs: number): number {
  const t = hostClock;
  return t ? t.offsetMs + t.skewPpm * 1e-6 * (localMs - t.originMs) : 0;
}

/**
 * The width of the band of host − local − declared offset that every probe in the window allows, if it
 * holds 0 and the window is long enough to tell; else null.
 */
export function zeroBand(
  samples: readonly StoredSample[],
  hostClock: HostClockTransform | null,
  options: SameClockOptions,
): number | null {
  if (samples.length < options.minSamples) return null;
  const span = samples[samples.length - 1]!.localMs - samples[0]!.localMs;
  if (!(span >= options.minSpanMs)) return null;
  let lower = -Infinity;
  let upper = Infinity;
  for (const s of samples) {
    const offsetMs = s.offsetMs - declaredOffsetMs(hostClock, s.localMs);
    lower = Math.max(lower, offsetMs - s.delayMs / 2);
    upper = Math.min(upper, offsetMs + s.delayMs / 2);
  }
  const slack = options.slackMs;
  return lower <= slack && upper >= -slack ? Math.max(0, upper - lower) + 2 * slack : null;
}
