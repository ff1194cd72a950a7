/**
 * The calibration test signal: an exponential sine sweep. Its autocorrelation is one narrow peak
 * (sharp to a fraction of a sample, with a parabolic fit), it spreads its energy over the band every
 * speaker plays (no sub-bass a small speaker drops, nothing above a laptop microphone's reach), and it
 * stands out of music and room noise when matched-filtered against itself.
 */

export interface SweepOptions {
  durationSec?: number;
  startHz?: number;
  endHz?: number;
  /** Raised-cosine fade at each end, so the speaker does not click. */
  fadeSec?: number;
  /** Peak amplitude (0..1). */
  amplitude?: number;
}

/** The sweep's value `t` seconds after it starts (0 outside it): exact at any time, so delays need not be whole frames. */
export function sweepAt(t: number, options: SweepOptions = {}): number {
  const durationSec = options.durationSec ?? 0.5;
  if (t < 0 || t > durationSec) return 0;
  const f0 = options.startHz ?? 500;
  const f1 = options.endHz ?? 8000;
  const fadeSec = options.fadeSec ?? 0.01;
  const k = Math.log(f1 / f0);
  // Phase of an exponential sweep: 2π f0 T / ln(f1/f0) · (e^{t·ln(f1/f0)/T} − 1).
  const phase = ((2 * Math.PI * f0 * durationSec) / k) * (Math.exp((t * k) / durationSec) - 1);
  const edge = Math.min(t, durationSec - t);
  const fade = edge >= fadeSec ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / fadeSec);
  return (options.amplitude ?? 0.5) * fade * Math.sin(phase);
}

/** An exponential sine sweep at `sampleRate`. */
export function sweep(sampleRate: number, options: SweepOptions = {}): Float32Array {
  const frames = Math.round((options.durationSec ?? 0.5) * sampleRate);
  return Float32Array.from({ length: frames }, (_, i) => sweepAt(i / sampleRate, options));
}
