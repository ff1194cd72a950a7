import { describe, expect, it } from 'vitest';
import {
  changeRate,
  contextTimeOfPosition,
  defaultDriftPolicy,
  estimateDrift,
  median,
  expectedPosition,
  groupTimeOfPosition,
  sameTimeline,
  sourcePosition,
  steadyOffset,
  stepToWatch,
  steerRate,
  type DriftSample,
  judgeOutputStep,
} from './timeline';
import { seededRandom } from '../../shared/random';

describe('timeline', () => {
  const anchor = { groupTimeMs: 1_700_000_000_000, positionSec: 12.5 };

  it('maps group time to position and back', () => {
    expect(expectedPosition(anchor, anchor.groupTimeMs + 2500)).toBeCloseTo(15, 9);
    expect(expectedPosition(anchor, anchor.groupTimeMs - 500)).toBeCloseTo(12, 9);
    expect(groupTimeOfPosition(anchor, 20)).toBeCloseTo(anchor.groupTimeMs + 7500, 6);
  });

  it('recognises the same timeline re-anchored elsewhere', () => {
    expect(sameTimeline(anchor, { groupTimeMs: anchor.groupTimeMs + 10_000, positionSec: 22.5 })).toBe(true);
    expect(sameTimeline(anchor, { groupTimeMs: anchor.groupTimeMs + 10_000, positionSec: 22.51 })).toBe(
      false,
    );
  });

  it('tracks a source through rate changes', () => {
    let seg = { contextSec: 10, positionSec: 30, rate: 1 };
    expect(sourcePosition(seg, 12)).toBeCloseTo(32, 12);
    seg = changeRate(seg, 12, 0.9995);
    expect(sourcePosition(seg, 14)).toBeCloseTo(32 + 2 * 0.9995, 12);
    expect(contextTimeOfPosition(seg, sourcePosition(seg, 17.25))).toBeCloseTo(17.25, 12);
  });
});

describe('estimateDrift', () => {
  const line = (from: number, to: number, a: number, b: number, noise = () => 0): DriftSample[] => {
    const out: DriftSample[] = [];
    for (let t = from; t <= to + 1e-9; t += 0.5) out.push({ atSec: t, openLoopMs: a + b * t + noise() });
    return out;
  };

  it('fits the error and the drift through the readings, and evaluates the line where asked', () => {
    const estimate = estimateDrift(line(10, 30, 0.4, 0.2), 31)!;
    expect(estimate.openLoopMs).toBeCloseTo(0.4 + 0.2 * 31, 9);
    expect(estimate.slopeMsPerSec).toBeCloseTo(0.2, 9);
    expect(estimate.samples).toBe(41);
    expect(estimate.spanSec).toBeCloseTo(20, 9);
  });

  it('drops wild readings before the final fit', () => {
    const samples = line(0, 20, -0.3, -0.05);
    samples[10] = { atSec: samples[10]!.atSec, openLoopMs: 6 };
    samples[30] = { atSec: samples[30]!.atSec, openLoopMs: -4 };
    const estimate = estimateDrift(samples, 20)!;
    expect(estimate.samples).toBe(39);
    expect(estimate.slopeMsPerSec).toBeCloseTo(-0.05, 6);
    expect(estimate.openLoopMs).toBeCloseTo(-0.3 - 0.05 * 20, 6);
  });

  it('does not trust a slope over a short span: the median, and no drift', () => {
    const estimate = estimateDrift(line(0, 4, 1, 0.5), 4)!;
    expect(estimate.slopeMsPerSec).toBe(0);
    expect(estimate.openLoopMs).toBeCloseTo(2, 9);
    expect(estimateDrift([], 1)).toBeNull();
  });
});

describe('steerRate', () => {
  const still = (openLoopMs: number, slopeMsPerSec = 0) => ({
    openLoopMs,
    slopeMsPerSec,
    samples: 20,
    spanSec: 10,
  });

  it('cancels the drift alone while the error is inside the deadband', () => {
    // 0.2 ms/s ahead is 200 ppm fast: slow down by 200 ppm.
    const action = steerRate(still(0.01, 0.2), 0.02);
    expect(action.kind === 'rate' && action.rate).toBeCloseTo(1 - 200e-6, 12);
    expect(steerRate(still(0.04), 0)).toEqual({ kind: 'rate', rate: 1 });
  });

  it('closes an error over the horizon, counting the corrections made so far, within the ppm limit', () => {
    const { horizonSec, maxRatePpm } = defaultDriftPolicy;
    const ahead = steerRate(still(1.5), -0.5);
    expect(ahead.kind === 'rate' && ahead.rate).toBeCloseTo(1 - (1 / horizonSec) * 1e-3, 12);
    const behind = steerRate(still(-1), 0);
    expect(behind.kind === 'rate' && behind.rate).toBeCloseTo(1 + (1 / horizonSec) * 1e-3, 12);
    const big = steerRate(still(6, 0.3), 0);
    expect(big.kind === 'rate' && big.rate).toBeCloseTo(1 - maxRatePpm * 1e-6, 12);
  });

  it('re-anchors beyond the threshold or on nonsense', () => {
    expect(steerRate(still(7.9), 0).kind).toBe('rate');
    expect(steerRate(still(8.5), 0).kind).toBe('reanchor');
    expect(steerRate(still(2), -10.6).kind).toBe('reanchor');
    expect(steerRate(still(Number.NaN), 0).kind).toBe('reanchor');
  });

  it('in a loop, holds a drifting device on the timeline through noisy readings', () => {
    // The device clock runs 180 ppm fast, moving to 140 ppm over two minutes (as measured through this
    // machine's null sink); each reading wanders by up to ±0.3 ms in slow waves, as the sound server's
    // smoothed latency does. The start landed 0.4 ms ahead. Readings every 0.5 s, as in the engine.
    const random = seededRandom(3);
    let trueErrorMs = 0.4;
    let rate = 1;
    let correctionMs = 0;
    let wander = 0;
    const history: DriftSample[] = [];
    const late: number[] = [];
    const rates: number[] = [];
    for (let step = 0; step < 480; step++) {
      const t = step * 0.5;
      const driftPpm = 180 - (40 * t) / 240;
      const delta = ((1 + driftPpm * 1e-6) * rate - 1) * 500;
      trueErrorMs += delta;
      correctionMs += (rate - 1) * 500 * (1 + driftPpm * 1e-6);
      wander = 0.9 * wander + 0.1 * (random() - 0.5) * 6 * 0.3;
      const reading = trueErrorMs + wander;
      history.push({ atSec: t, openLoopMs: reading - correctionMs });
      while (history[0]!.atSec < t - defaultDriftPolicy.fitWindowSec) history.shift();
      const estimate = estimateDrift(history, t)!;
      if (estimate.samples < defaultDriftPolicy.windowReadings) continue;
      const action = steerRate(estimate, correctionMs);
      expect(action.kind).toBe('rate');
      if (action.kind === 'rate') rate = action.rate;
      if (t > 60) {
        late.push(Math.abs(trueErrorMs));
        rates.push(rate);
      }
    }
    // From the second minute on, within about the readings' own wander, at a rate that follows the drift.
    // (Steering on the error alone, without the fitted drift, would sit drift × horizon ≈ 1 ms behind.)
    expect(median(late)).toBeLessThan(0.15);
    expect(Math.max(...late)).toBeLessThan(0.5);
    expect(Math.max(...rates)).toBeLessThan(1 - 100e-6);
    expect(Math.min(...rates)).toBeGreaterThan(1 - 260e-6);
  });
});

describe('median', () => {
  it('takes the middle of the readings, so one wild reading moves nothing', () => {
    expect(median([0.2, 0.1, 9, 0.3, 0.2])).toBe(0.2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('judgeOutputStep', () => {
  it('re-anchors once the newest readings agree the sound moved, and not before', () => {
    expect(judgeOutputStep([-42.9])).toBe('wait');
    expect(judgeOutputStep([-42.9, -43.4])).toBe('wait');
    expect(judgeOutputStep([-42.9, -43.4, -42.6])).toBe('reanchor');
    expect(judgeOutputStep([12.1, 11.2, 11.9])).toBe('reanchor');
  });

  it('waits while the readings keep moving or straddle the threshold, whatever their size', () => {
    // The wander of a loaded machine: beyond the threshold, but not settled.
    expect(judgeOutputStep([-9, -14, -21])).toBe('wait');
    expect(judgeOutputStep([9, 7.5, 9.2])).toBe('wait');
    expect(judgeOutputStep([-30, 30, -30])).toBe('wait');
    expect(judgeOutputStep([-20, -20, NaN])).toBe('wait');
  });

  it('calls a jump of the map alone, with the voice still in step, unmoved', () => {
    expect(judgeOutputStep([10, 0.3, -0.2, 0.5])).toBe('unmoved');
    expect(judgeOutputStep([10, 0.3, -0.2, 5])).toBe('wait');
  });
});

describe('stepToWatch', () => {
  it('watches one step of the watch size or more, either way', () => {
    expect(stepToWatch([{ atMs: 1000, stepMs: -29.8 }], 1000)).toBeCloseTo(-29.8);
    expect(stepToWatch([{ atMs: 1000, stepMs: 20 }], 1000)).toBe(20);
    expect(stepToWatch([{ atMs: 1000, stepMs: 12 }], 1000)).toBeNull();
  });

  it('adds up the steps of one jump confirmed in parts, within the span', () => {
    // As measured: −11.2 then −18.7 ms, 0.11 s apart, for one 30 ms jump.
    const parts = [
      { atMs: 5790, stepMs: -11.19 },
      { atMs: 5900, stepMs: -18.67 },
    ];
    expect(stepToWatch(parts, 5900)).toBeCloseTo(-29.86);
    // Further apart than the span: each stands alone, and neither is watched.
    expect(stepToWatch([{ atMs: 3000, stepMs: -11.19 }, parts[1]!], 5900)).toBeNull();
    // Steps that cancel out (the map moved and came back) are no jump.
    expect(
      stepToWatch(
        [
          { atMs: 5790, stepMs: -15 },
          { atMs: 5900, stepMs: 14 },
        ],
        5900,
      ),
    ).toBeNull();
  });
});

describe('steadyOffset', () => {
  it('names the error that the newest readings agree on beyond the threshold', () => {
    // As measured: an output moved 7.4 ms; the readings followed over the map's window, then held.
    expect(steadyOffset([0.1, 2.5, 5.8, 7.3, 7.4, 7.5, 7.4, 7.3, 7.5])).toBeCloseTo(7.4);
    expect(steadyOffset([-3.4, -3.6, -3.5, -3.5, -3.3, -3.6])).toBeCloseTo(-3.5);
  });

  it('leaves small, wandering or too few readings alone', () => {
    expect(steadyOffset([2.9, 2.8, 2.9, 2.9, 2.8, 2.9])).toBeNull();
    // A wander of a few ms that comes back: the readings disagree.
    expect(steadyOffset([0.5, 2.1, 4.0, 5.2, 3.6, 1.4])).toBeNull();
    expect(steadyOffset([7.4, 7.4, 7.4, 7.4, 7.4])).toBeNull();
    expect(steadyOffset([7.4, 7.4, NaN, 7.4, 7.4, 7.4])).toBeNull();
  });

  it('tolerates the slope of a rate correction under way', () => {
    // 500 ppm over 0.5 s readings moves 0.25 ms a reading.
    expect(steadyOffset([5.0, 4.75, 4.5, 4.25, 4.0, 3.75])).toBeCloseTo(4.375);
  });
});
