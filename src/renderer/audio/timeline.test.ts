import { describe, expect, it } from 'vitest';
import {
  changeRate,
  contextTimeOfPosition,
  correctDrift,
  defaultDriftPolicy,
  median,
  expectedPosition,
  groupTimeOfPosition,
  sameTimeline,
  sourcePosition,
} from './timeline';

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

describe('correctDrift', () => {
  it('leaves noise-sized errors alone', () => {
    expect(correctDrift(0.1)).toEqual({ kind: 'rate', rate: 1 });
    expect(correctDrift(-0.45)).toEqual({ kind: 'rate', rate: 1 });
  });

  it('slows a source that is ahead and speeds one that is behind, within the ppm limit', () => {
    const ahead = correctDrift(1);
    const behind = correctDrift(-1);
    expect(ahead.kind === 'rate' && ahead.rate).toBeCloseTo(1 - 250e-6, 12);
    expect(behind.kind === 'rate' && behind.rate).toBeCloseTo(1 + 250e-6, 12);
    const big = correctDrift(3.5, { ...defaultDriftPolicy, horizonSec: 1 });
    expect(big.kind === 'rate' && big.rate).toBeCloseTo(1 - defaultDriftPolicy.maxRatePpm * 1e-6, 12);
  });

  it('re-anchors beyond the threshold or on nonsense', () => {
    expect(correctDrift(7.9).kind).toBe('rate');
    expect(correctDrift(8.5).kind).toBe('reanchor');
    expect(correctDrift(Number.NaN).kind).toBe('reanchor');
  });

  it('closes a constant clock drift when applied in a loop', () => {
    // The device clock runs 80 ppm fast; the loop checks every 0.5 s.
    let errorMs = 0;
    let rate = 1;
    const worst: number[] = [];
    for (let step = 0; step < 240; step++) {
      errorMs += (rate * (1 + 80e-6) - 1) * 500;
      const action = correctDrift(errorMs);
      if (action.kind === 'rate') rate = action.rate;
      if (step > 120) worst.push(Math.abs(errorMs));
    }
    expect(Math.max(...worst)).toBeLessThan(0.7);
  });
});

describe('median', () => {
  it('takes the middle of the readings, so one wild reading moves nothing', () => {
    expect(median([0.2, 0.1, 9, 0.3, 0.2])).toBe(0.2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
