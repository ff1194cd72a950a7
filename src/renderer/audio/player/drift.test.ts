import { describe, expect, it } from 'vitest';
import { defaultDriftPolicy, steer } from './drift';

const RATE = 48_000;

describe('steer', () => {
  it('follows the ideal ratio when on time', () => {
    expect(steer(0, 1.0002, RATE, defaultDriftPolicy)).toEqual({ kind: 'ratio', ratio: 1.0002 });
  });

  it('slows a head that is ahead and speeds one that is behind, over the horizon', () => {
    // 0.5 ms ahead (24 frames), closed over 2 s: 250 ppm slower.
    const ahead = steer(24, 1, RATE, defaultDriftPolicy);
    expect(ahead.kind === 'ratio' && ahead.ratio).toBeCloseTo(1 - 250e-6, 12);
    const behind = steer(-24, 1, RATE, defaultDriftPolicy);
    expect(behind.kind === 'ratio' && behind.ratio).toBeCloseTo(1 + 250e-6, 12);
  });

  it('departs from the ideal ratio by at most 500 ppm, and follows the ideal whole', () => {
    const slower = steer(140, 1.0003, RATE, defaultDriftPolicy);
    expect(slower.kind === 'ratio' && slower.ratio).toBeCloseTo(1.0003 - 500e-6, 12);
    const faster = steer(-140, 1.0003, RATE, defaultDriftPolicy);
    expect(faster.kind === 'ratio' && faster.ratio).toBeCloseTo(1.0003 + 500e-6, 12);
  });

  it('does not follow a line that is no clock', () => {
    expect(steer(0, 1.5, RATE, defaultDriftPolicy)).toEqual({ kind: 'ratio', ratio: 1.01 });
  });

  it('with no move of the output seen, slews errors up to the force bound and re-positions beyond it', () => {
    // 5 ms (240 frames): past repositionMs, short of forceRepositionMs (12 ms).
    const slewed = steer(240, 1, RATE, defaultDriftPolicy, false);
    expect(slewed.kind === 'ratio' && slewed.ratio).toBeCloseTo(1 - 500e-6, 12);
    expect(steer(240, 1, RATE, defaultDriftPolicy, true)).toEqual({ kind: 'reposition' });
    expect(steer(12.5 * 48, 1, RATE, defaultDriftPolicy, false)).toEqual({ kind: 'reposition' });
    expect(steer(Number.NaN, 1, RATE, defaultDriftPolicy, false)).toEqual({ kind: 'reposition' });
  });

  it('re-positions beyond the threshold, and on nonsense', () => {
    expect(steer(145, 1, RATE, defaultDriftPolicy)).toEqual({ kind: 'reposition' });
    expect(steer(-145, 1, RATE, defaultDriftPolicy)).toEqual({ kind: 'reposition' });
    expect(steer(Number.NaN, 1, RATE, defaultDriftPolicy)).toEqual({ kind: 'reposition' });
  });
});
