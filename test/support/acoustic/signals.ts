import { seededRandom } from '../../../src/shared/random';
/**
 * Test signals for acoustic measurements: a click train whose clicks are band-limited noise
 * bursts, defined in continuous time so they can be rendered with any sub-sample delay.
 */

export { seededRandom } from '../../../src/shared/random';

/** A click as a function of time (s) from its start; zero outside [0, durationSec]. */
export interface Click {
  durationSec: number;
  at(tSec: number): number;
}

/**
 * A broadband click: a sum of sines between 400 Hz and 9 kHz with random phases under a Hann
 * window. Its autocorrelation has one sharp peak, so windows of it align without ambiguity.
 */
export function makeClick(seed = 1, durationSec = 0.004, partials = 48): Click {
  const random = seededRandom(seed);
  const parts = Array.from({ length: partials }, () => ({
    freq: 400 + random() * 8600,
    phase: random() * 2 * Math.PI,
  }));
  const norm = 1 / Math.sqrt(partials / 2);
  return {
    durationSec,
    at(t) {
      if (t <= 0 || t >= durationSec) return 0;
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / durationSec);
      let s = 0;
      for (const p of parts) s += Math.sin(2 * Math.PI * p.freq * t + p.phase);
      return w * s * norm;
    },
  };
}

/** Click start times (s): irregular gaps so that no two clicks can be confused by a pairing. */
export function clickTimes(
  count: number,
  firstSec = 0.5,
  minGapSec = 0.2,
  maxGapSec = 0.3,
  seed = 7,
): number[] {
  const random = seededRandom(seed);
  const times: number[] = [];
  let t = firstSec;
  for (let i = 0; i < count; i++) {
    times.push(t);
    t += minGapSec + random() * (maxGapSec - minGapSec);
  }
  return times;
}

/** Renders clicks at `timesSec` (each shifted by `delaySec`) into a buffer of `lengthSec`. */
export function renderClicks(
  click: Click,
  timesSec: readonly number[],
  sampleRate: number,
  lengthSec: number,
  delaySec = 0,
  gain = 0.5,
): Float32Array {
  const out = new Float32Array(Math.ceil(lengthSec * sampleRate));
  for (const start of timesSec) {
    const t0 = start + delaySec;
    const first = Math.max(0, Math.floor(t0 * sampleRate));
    const last = Math.min(out.length - 1, Math.ceil((t0 + click.durationSec) * sampleRate));
    for (let i = first; i <= last; i++) out[i]! += gain * click.at(i / sampleRate - t0);
  }
  return out;
}
