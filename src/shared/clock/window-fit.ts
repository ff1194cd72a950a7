/**
 * How a window of clock samples becomes an estimate (`estimator.ts` keeps the window; the model,
 * the window and the step rule are described there).
 *
 * Fit. Select the low-delay samples: δ ≤ δmin + k·max(MAD(δ), minDelaySpreadMs), but at most twice the window's 10th
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
 */
import type { ClockEstimate, EstimatorOptions, StoredSample } from './estimator-types';

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

/** The estimate at `atLocalMs` from the samples of `window` (oldest first), or null when it is empty. */
export function fitWindow(
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
