/**
 * The clock estimator's data (`estimator.ts`): a probe's four timestamps, a sample as the window keeps
 * it, the tuning, the counters, and the estimate it answers with. Apart so that the fit (`window-fit.ts`)
 * and the estimator share them without importing each other.
 */

/** One probe: t1 local send, t2 server receive, t3 server send, t4 local receive (ms). */
export interface ClockSample {
  t1: number;
  t2: number;
  t3: number;
  t4: number;
}

/** Tuning of the estimator; every field has a default. */
export interface EstimatorOptions {
  /** Samples kept in the window. */
  maxSamples?: number;
  /** Samples older than this (local time) leave the window. */
  maxSampleAgeMs?: number;
  /** The newest samples, which a full window never drops for their delay (see estimator.ts). */
  keepNewestSamples?: number;
  /** k in the delay cut-off δmin + k·MAD. */
  outlierMadFactor?: number;
  /** Lower limit for the MAD in that cut-off, so near-identical delays are all kept. */
  minDelaySpreadMs?: number;
  /** Lower limit for the per-sample error scale used in the weights. */
  weightFloorMs?: number;
  /** Largest relative drift assumed possible when the drift cannot be fitted. */
  maxDriftPpm?: number;
  /** Shortest time span of samples over which a drift is fitted. */
  minDriftSpanMs?: number;
  /** The drift fit is used when |slope| exceeds this many standard errors. */
  driftTStat?: number;
  /** Consecutive contradicting samples that mean the server's clock stepped. */
  stepConfirmSamples?: number;
  /** Slack added to the consistency test, for floating-point rounding of epoch-sized times. */
  consistencySlackMs?: number;
  /** Refine the drift fit's offset with the delay envelope (see window-fit.ts). */
  envelope?: boolean;
  /** Oldest sample the envelope looks at, at most. */
  envelopeHorizonMs?: number;
  /** The envelope is used once this many samples in the look-back... */
  envelopeMinSamples?: number;
  /** ...span at least this long. */
  envelopeMinSpanMs?: number;
}

/** A sample as the estimator keeps it: offset and delay at the local midpoint. */
export interface StoredSample {
  /** Local time of the probe's midpoint, (t1 + t4) / 2. */
  localMs: number;
  offsetMs: number;
  delayMs: number;
}

/** What happened to the last sample given to `addSample`. */
export type SampleVerdict = 'accepted' | 'invalid' | 'inconsistent' | 'step';

/** Counters of what the estimator did with its input. */
export interface EstimatorStats {
  accepted: number;
  invalid: number;
  inconsistent: number;
  steps: number;
}

/** The estimator's answer: server time ≈ local time + offset, good to ± errorMs. */
export interface ClockEstimate {
  /** Server (group) time minus local time, at `atLocalMs`. */
  offsetMs: number;
  /** Rate of the server's clock relative to the local one, in parts per million. */
  driftPpm: number;
  /** Lowest round-trip delay among the samples used. */
  rttMs: number;
  /** Bound on |estimated − true| offset at `atLocalMs` (see window-fit.ts). */
  errorMs: number;
  /** How fast the bound grows when the estimate is used later than `atLocalMs`. */
  errorGrowthPpm: number;
  /** Local time this estimate is for. */
  atLocalMs: number;
  /** Number of samples the fit used. */
  samples: number;
  /** Which model was fitted. */
  fit: 'offset' | 'drift';
}
