/**
 * Clock offset and drift estimation from NTP-style four-timestamp probes.
 *
 * Pure and deterministic: every function takes the state and the time it is asked about and
 * returns a new value. Used for both hops: follower peer vs leader, renderer vs host peer.
 *
 * Model. Let θ(t) = server(t) − t be the server's clock minus the local clock at local time t.
 * Over a window of a minute or so θ is a line, θ(t) = a + b·(t − tRef), where b is the relative
 * drift. A probe sent at local t1, received at server t2, answered at server t3 and received at
 * local t4 gives
 *   offset θᵢ = ((t2 − t1) + (t3 − t4)) / 2   and   delay δᵢ = (t4 − t1) − (t3 − t2),
 * and because both one-way delays are ≥ 0, the true θ at the local midpoint (t1 + t4)/2 lies in
 * [θᵢ − δᵢ/2, θᵢ + δᵢ/2] whatever the asymmetry. That interval is the only hard fact a probe
 * gives; the error bound below is built from it.
 *
 * Window. At most `maxSamples` samples, none older than `maxSampleAgeMs`. When it is full, the sample
 * with the longest delay goes (the oldest of equals), except among the newest `keepNewestSamples`: a
 * path that stays queued for a while (a download sharing the connection: every reply waits behind its
 * data, so every sample is lopsided by half that wait) then leaves the earlier fast samples in place, and
 * the estimate holds to them, extrapolated with the fitted drift and its growing bound, instead of
 * following the lopsided ones. Dropping the oldest instead put a room's clock 173 ms off after 30 s of a
 * download over a 1 MB/s link.
 *
 * Fit, error bound and envelope: how a window of samples becomes an estimate, in window-fit.ts.
 *
 * Steps. A new sample whose interval [θ − δ/2, θ + δ/2] does not meet the current estimate's
 * interval at its time contradicts the model: it is set aside. `stepConfirmSamples` such samples
 * in a row, consistent with each other, mean the server's clock stepped: the window is replaced
 * by them. A consistent sample in between discards the suspects as outliers.
 */
import type {
  ClockEstimate,
  ClockSample,
  EstimatorOptions,
  EstimatorStats,
  SampleVerdict,
  StoredSample,
} from './estimator-types';
import { fitWindow } from './window-fit';

export type * from './estimator-types';

/** Immutable estimator state; make it with `createEstimator`, advance it with `addSample`. */
export interface EstimatorState {
  readonly options: Readonly<Required<EstimatorOptions>>;
  readonly samples: readonly StoredSample[];
  /** Samples that contradicted the estimate, waiting to confirm a step. */
  readonly suspects: readonly StoredSample[];
  readonly lastVerdict: SampleVerdict | null;
  readonly stats: Readonly<EstimatorStats>;
}

const DEFAULTS: Required<EstimatorOptions> = {
  maxSamples: 128,
  maxSampleAgeMs: 180_000,
  keepNewestSamples: 16,
  outlierMadFactor: 3,
  minDelaySpreadMs: 0.02,
  weightFloorMs: 0.005,
  maxDriftPpm: 1000,
  minDriftSpanMs: 2000,
  driftTStat: 2,
  stepConfirmSamples: 3,
  consistencySlackMs: 0.002,
  envelope: true,
  envelopeHorizonMs: 60_000,
  envelopeMinSamples: 16,
  envelopeMinSpanMs: 10_000,
};

/** Creates an empty estimator. */
export function createEstimator(options: EstimatorOptions = {}): EstimatorState {
  const merged: Required<EstimatorOptions> = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options) as [keyof EstimatorOptions, never][]) {
    if (value !== undefined) merged[key] = value;
  }
  return {
    options: merged,
    samples: [],
    suspects: [],
    lastVerdict: null,
    stats: { accepted: 0, invalid: 0, inconsistent: 0, steps: 0 },
  };
}

/** Forgets all samples (e.g. the server changed) but keeps options and counters. */
export function resetEstimator(state: EstimatorState): EstimatorState {
  return { ...state, samples: [], suspects: [], lastVerdict: null };
}

/** Offset and delay of one probe, or null when its timestamps are impossible. */
export function measureSample(sample: ClockSample): StoredSample | null {
  const { t1, t2, t3, t4 } = sample;
  if (![t1, t2, t3, t4].every(Number.isFinite)) return null;
  if (t4 < t1 || t3 < t2) return null;
  const delayMs = t4 - t1 - (t3 - t2);
  // A slightly negative delay is rounding of epoch-sized times; a clearly negative one is a lie.
  if (delayMs < -0.001) return null;
  return { localMs: (t1 + t4) / 2, offsetMs: (t2 - t1 + (t3 - t4)) / 2, delayMs: Math.max(0, delayMs) };
}

/** Adds one probe to the window, rejecting impossible or contradicting samples and detecting steps. */
export function addSample(state: EstimatorState, sample: ClockSample): EstimatorState {
  const measured = measureSample(sample);
  if (!measured) {
    return { ...state, lastVerdict: 'invalid', stats: { ...state.stats, invalid: state.stats.invalid + 1 } };
  }
  const { options } = state;
  const fresh = state.samples.filter((s) => measured.localMs - s.localMs <= options.maxSampleAgeMs);
  const current = fitWindow(fresh, options, measured.localMs);
  const consistent =
    !current ||
    Math.abs(measured.offsetMs - current.offsetMs) <=
      current.errorMs + measured.delayMs / 2 + options.consistencySlackMs;

  if (consistent) {
    const samples = trimWindow([...fresh, measured], options.maxSamples, options.keepNewestSamples);
    return {
      ...state,
      samples,
      suspects: [],
      lastVerdict: 'accepted',
      stats: { ...state.stats, accepted: state.stats.accepted + 1 },
    };
  }

  const suspects = [...state.suspects, measured];
  const suspectsAgree = fitWindow(suspects.slice(0, -1), options, measured.localMs);
  const agrees =
    !suspectsAgree ||
    Math.abs(measured.offsetMs - suspectsAgree.offsetMs) <=
      suspectsAgree.errorMs + measured.delayMs / 2 + options.consistencySlackMs;
  const run = agrees ? suspects : [measured];
  if (run.length >= options.stepConfirmSamples) {
    return {
      ...state,
      samples: run,
      suspects: [],
      lastVerdict: 'step',
      stats: { ...state.stats, steps: state.stats.steps + 1, accepted: state.stats.accepted + 1 },
    };
  }
  return {
    ...state,
    samples: fresh,
    suspects: run,
    lastVerdict: 'inconsistent',
    stats: { ...state.stats, inconsistent: state.stats.inconsistent + 1 },
  };
}

/**
 * `samples` (oldest first) cut to `max`: the longest-delayed go first (the oldest of equals), never one of
 * the newest `keepNewest`.
 */
function trimWindow(samples: StoredSample[], max: number, keepNewest: number): StoredSample[] {
  const kept = [...samples];
  while (kept.length > max) {
    const candidates = Math.max(1, kept.length - keepNewest);
    let worst = 0;
    for (let i = 1; i < candidates; i++) if (kept[i]!.delayMs > kept[worst]!.delayMs) worst = i;
    kept.splice(worst, 1);
  }
  return kept;
}

/** The current estimate at local time `localNowMs`, or null before the first good sample. */
export function estimate(state: EstimatorState, localNowMs: number): ClockEstimate | null {
  const fresh = state.samples.filter((s) => localNowMs - s.localMs <= state.options.maxSampleAgeMs);
  return fitWindow(fresh, state.options, localNowMs);
}

/** Server (group) time for a local time, extrapolating the estimate with its drift. */
export function toGroupTime(est: ClockEstimate, localMs: number): number {
  return localMs + est.offsetMs + est.driftPpm * 1e-6 * (localMs - est.atLocalMs);
}

/** Local time for a server (group) time; the inverse of `toGroupTime`. */
export function fromGroupTime(est: ClockEstimate, groupMs: number): number {
  const rate = 1 + est.driftPpm * 1e-6;
  return est.atLocalMs + (groupMs - est.atLocalMs - est.offsetMs) / rate;
}

/** The estimate's error bound when it is used at `localMs` instead of `atLocalMs`. */
export function errorAt(est: ClockEstimate, localMs: number): number {
  return est.errorMs + est.errorGrowthPpm * 1e-6 * Math.abs(localMs - est.atLocalMs);
}
