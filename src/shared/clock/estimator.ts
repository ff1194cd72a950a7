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
 * Fit. Select the
 * low-delay ones: δ ≤ δmin + k·max(MAD(δ), minDelaySpreadMs), but at most twice the window's 10th
 * percentile delay (+ k·minDelaySpreadMs), so a window mostly queued does not let its queue in. Weight each by
 * 1 / (excessᵢ/2 + floor)², where excessᵢ = δᵢ − δmin is queueing on top of the base path and
 * floor = max(weightFloorMs, MAD of the selected delays / 2), because a sample's likely asymmetry error grows with its
 * excess delay. Two weighted least-squares fits are made: offset only (drift assumed 0) and
 * offset + drift (needs ≥ 3 samples spanning ≥ `minDriftSpanMs`). Comparing their expected squared
 * errors at any time (noise estimated from the drift fit's residuals, the offset-only fit's bias
 * from the fitted slope) reduces to one test: use the drift fit when |slope| exceeds √2 times its
 * standard error. With few samples that noise estimate is itself noisy, so the default asks for
 * 2 standard errors and a 2 s span (tuned with bench/clock.ts's simulation). Early on the
 * offset-only fit wins; with a real drift the drift fit wins within seconds.
 *
 * Error bound (errorMs). Any weighted least-squares prediction at time t is a linear combination
 * θ̂(t) = Σ cᵢ(t)·θᵢ whose coefficients reproduce lines exactly, so its error is Σ cᵢ(t)·eᵢ with
 * |eᵢ| ≤ δᵢ/2. Hence
 *   offset + drift fit:  |θ̂(t) − θ(t)| ≤ Σ |cᵢ(t)|·δᵢ/2
 *   offset-only fit:     |θ̂(t) − θ(t)| ≤ Σ cᵢ·δᵢ/2 + maxDriftPpm·1e-6·Σ cᵢ·|t − tᵢ|
 * The first term is "half the RTT" of the samples used (Σ|cᵢ| ≥ 1, so never below δmin/2); the
 * growth of |cᵢ(t)| away from the samples is the drift extrapolation since the last sample. The
 * weighted RMS of the fit's residuals is added on top: it is zero when the model holds and
 * covers model misfit (a non-linear clock) when it does not.
 * `errorAt(estimate, t)` extends the bound to later times: it grows by at most
 * `errorGrowthPpm`·1e-6 per ms elapsed (triangle inequality on cᵢ(t)).
 *
 * Envelope. Each probe also gives one-sided facts: θ at its time is at most t2 − t1 (the forward
 * delay is ≥ 0) and at least t3 − t4 (so is the reverse one). Once the drift is fitted, the
 * tightest upper bound comes from the probe with the fastest forward trip and the tightest lower
 * bound from the one with the fastest return, and these need not be the same probe. Their midpoint
 * is the offset if the path's fastest trips are equally fast both ways (the same assumption as the
 * per-probe midpoint), and on a jittery path it is far better than any average: the minimum of n
 * one-way delays approaches the path's floor like 1/n, while averaging helps like 1/√n. The
 * envelope line is the one that stays farthest inside all these bounds (its slope found near the
 * fitted drift), over the last `envelopeHorizonMs`, once there are enough samples over a long
 * enough span to pin its slope down. Its offset and slope replace the fit's when the two agree
 * within the fit's bound; the bound then grows by their difference, so it stays a bound.
 *
 * Steps. A new sample whose interval [θ − δ/2, θ + δ/2] does not meet the current estimate's
 * interval at its time contradicts the model: it is set aside. `stepConfirmSamples` such samples
 * in a row, consistent with each other, mean the server's clock stepped: the window is replaced
 * by them. A consistent sample in between discards the suspects as outliers.
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
  /** The newest samples, which a full window never drops for their delay (see the module comment). */
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
  /** Refine the drift fit's offset with the delay envelope (see the module comment). */
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

/** Immutable estimator state; make it with `createEstimator`, advance it with `addSample`. */
export interface EstimatorState {
  readonly options: Readonly<Required<EstimatorOptions>>;
  readonly samples: readonly StoredSample[];
  /** Samples that contradicted the estimate, waiting to confirm a step. */
  readonly suspects: readonly StoredSample[];
  readonly lastVerdict: SampleVerdict | null;
  readonly stats: Readonly<EstimatorStats>;
}

/** The estimator's answer: server time ≈ local time + offset, good to ± errorMs. */
export interface ClockEstimate {
  /** Server (group) time minus local time, at `atLocalMs`. */
  offsetMs: number;
  /** Rate of the server's clock relative to the local one, in parts per million. */
  driftPpm: number;
  /** Lowest round-trip delay among the samples used. */
  rttMs: number;
  /** Bound on |estimated − true| offset at `atLocalMs` (see the module comment). */
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

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Weighted {
  x: number;
  y: number;
  w: number;
  halfDelay: number;
}

function fitWindow(
  window: readonly StoredSample[],
  options: Readonly<Required<EstimatorOptions>>,
  atLocalMs: number,
): ClockEstimate | null {
  if (window.length === 0) return null;
  const delays = window.map((s) => s.delayMs).sort((a, b) => a - b);
  const minDelay = delays[0]!;
  const spread = (sorted: number[]) => {
    const med = median(sorted);
    return median(sorted.map((d) => Math.abs(d - med)).sort((a, b) => a - b));
  };
  // Twice the fast end of the delays caps the cut-off: with most of the window queued (a download), the MAD
  // is the queue's and would let every queued sample in.
  const fastEnd = delays[Math.floor((delays.length - 1) * 0.1)]!;
  const cutoff = Math.min(
    minDelay + options.outlierMadFactor * Math.max(spread(delays), options.minDelaySpreadMs),
    2 * fastEnd + options.outlierMadFactor * options.minDelaySpreadMs,
  );
  const floor = Math.max(options.weightFloorMs, spread(delays.filter((d) => d <= cutoff)) / 2);
  // Times relative to the first sample keep the sums well conditioned with epoch-sized values.
  const origin = window[0]!.localMs;
  const used: Weighted[] = [];
  for (const s of window) {
    if (s.delayMs > cutoff) continue;
    const scale = (s.delayMs - minDelay) / 2 + floor;
    used.push({ x: s.localMs - origin, y: s.offsetMs, w: 1 / (scale * scale), halfDelay: s.delayMs / 2 });
  }
  const x = atLocalMs - origin;
  const flat = fitOffset(used, x, options);
  const sloped = fitDrift(used, x, options);
  const fitted = sloped && sloped.tStat > options.driftTStat ? sloped : flat;
  const best = sloped && fitted === sloped ? envelopeRefined(window, origin, x, sloped, options) : fitted;
  return {
    offsetMs: best.offsetMs,
    driftPpm: best.driftPpm,
    errorMs: best.errorMs,
    errorGrowthPpm: best.errorGrowthPpm,
    fit: best.fit,
    rttMs: minDelay,
    atLocalMs,
    samples: used.length,
  };
}

type Fit = Pick<ClockEstimate, 'offsetMs' | 'driftPpm' | 'errorMs' | 'errorGrowthPpm' | 'fit'>;
type DriftFit = Fit & { tStat: number; slopeSe: number };

/**
 * The line that stays farthest inside the delay envelope: for slope b the room left is
 * m(b) = (min(Uᵢ − b·xᵢ) − max(Lᵢ − b·xᵢ)) / 2, a concave function of b, maximised by golden-section
 * search around the fitted drift. Returns offset at x and slope, or null when the envelope is empty.
 */
function envelopeLine(
  points: readonly { x: number; upper: number; lower: number }[],
  x: number,
  center: number,
  radius: number,
): { offsetMs: number; slope: number; roomMs: number } | null {
  const room = (b: number) => {
    let up = Infinity;
    let low = -Infinity;
    for (const p of points) {
      up = Math.min(up, p.upper - b * (p.x - x));
      low = Math.max(low, p.lower - b * (p.x - x));
    }
    return { up, low };
  };
  const margin = (b: number) => {
    const r = room(b);
    return r.up - r.low;
  };
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = center - radius;
  let hi = center + radius;
  let c = hi - ratio * (hi - lo);
  let d = lo + ratio * (hi - lo);
  let mc = margin(c);
  let md = margin(d);
  for (let i = 0; i < 60 && hi - lo > 1e-10; i++) {
    if (mc < md) {
      lo = c;
      c = d;
      mc = md;
      d = lo + ratio * (hi - lo);
      md = margin(d);
    } else {
      hi = d;
      d = c;
      md = mc;
      c = hi - ratio * (hi - lo);
      mc = margin(c);
    }
  }
  const slope = (lo + hi) / 2;
  const { up, low } = room(slope);
  if (!(low <= up)) return null;
  return { offsetMs: (up + low) / 2, slope, roomMs: (up - low) / 2 };
}

/** The drift fit replaced by the envelope line, when that is possible and agrees with it. */
function envelopeRefined(
  window: readonly StoredSample[],
  origin: number,
  x: number,
  fit: DriftFit,
  options: Readonly<Required<EstimatorOptions>>,
): Fit {
  if (!options.envelope) return fit;
  const points = [];
  for (const s of window) {
    if (x - (s.localMs - origin) > options.envelopeHorizonMs) continue;
    points.push({
      x: s.localMs - origin,
      upper: s.offsetMs + s.delayMs / 2,
      lower: s.offsetMs - s.delayMs / 2,
    });
  }
  // Only over enough samples and time for the envelope to pin the slope down itself; it searches
  // the slope near the fitted drift.
  const span = Math.max(...points.map((p) => p.x)) - Math.min(...points.map((p) => p.x));
  if (points.length < Math.max(2, options.envelopeMinSamples) || !(span >= options.envelopeMinSpanMs))
    return fit;
  const slope = fit.driftPpm * 1e-6;
  const line = envelopeLine(points, x, slope, Math.max(20e-6, 10 * fit.slopeSe));
  if (!line) return fit;
  const shift = Math.abs(line.offsetMs - fit.offsetMs);
  if (shift > fit.errorMs) return fit;
  return { ...fit, offsetMs: line.offsetMs, driftPpm: line.slope * 1e6, errorMs: fit.errorMs + shift };
}

function fitOffset(used: readonly Weighted[], x: number, options: Readonly<Required<EstimatorOptions>>): Fit {
  let sw = 0;
  let swy = 0;
  for (const p of used) {
    sw += p.w;
    swy += p.w * p.y;
  }
  const offset = swy / sw;
  let asym = 0;
  let reach = 0;
  let sr2 = 0;
  for (const p of used) {
    const c = p.w / sw;
    asym += c * p.halfDelay;
    reach += c * Math.abs(x - p.x);
    sr2 += p.w * (p.y - offset) ** 2;
  }
  const driftTerm = options.maxDriftPpm * 1e-6 * reach;
  return {
    offsetMs: offset,
    driftPpm: 0,
    errorMs: asym + driftTerm + Math.sqrt(sr2 / sw),
    errorGrowthPpm: options.maxDriftPpm,
    fit: 'offset',
  };
}

function fitDrift(
  used: readonly Weighted[],
  x: number,
  options: Readonly<Required<EstimatorOptions>>,
): DriftFit | null {
  if (used.length < 3) return null;
  let sw = 0;
  let swx = 0;
  let swy = 0;
  let minX = Infinity;
  let maxX = -Infinity;
  for (const p of used) {
    sw += p.w;
    swx += p.w * p.x;
    swy += p.w * p.y;
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
  }
  if (maxX - minX < options.minDriftSpanMs) return null;
  const mx = swx / sw;
  const my = swy / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of used) {
    sxx += p.w * (p.x - mx) ** 2;
    sxy += p.w * (p.x - mx) * (p.y - my);
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  const offset = my + slope * (x - mx);
  let bound = 0;
  let growth = 0;
  let sr2 = 0;
  for (const p of used) {
    const lever = (p.w * (p.x - mx)) / sxx;
    bound += Math.abs(p.w / sw + lever * (x - mx)) * p.halfDelay;
    growth += Math.abs(lever) * p.halfDelay;
    sr2 += p.w * (p.y - (my + slope * (p.x - mx))) ** 2;
  }
  // Residual spread: weighted RMS, scaled for the two fitted parameters.
  const dof = Math.max(1, used.length - 2);
  const residual = Math.sqrt((sr2 / sw) * (used.length / dof));
  // Noise per unit weight and the slope's standard error, for choosing between the two models.
  const slopeSe = Math.sqrt(sr2 / dof / sxx);
  return {
    tStat: slopeSe > 0 ? Math.abs(slope) / slopeSe : Infinity,
    slopeSe,
    offsetMs: offset,
    driftPpm: slope * 1e6,
    errorMs: bound + residual,
    errorGrowthPpm: growth * 1e6,
    fit: 'drift',
  };
}
