import { describe, expect, it } from 'vitest';
import { restartFrame, restartLeadSec } from './restart-lead';

const RATE = 48_000;

describe('restart lead', () => {
  it('doubles with each restart in a row, up to its limit', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9].map((n) => restartLeadSec(n))).toEqual([0.25, 0.5, 1, 2, 4, 8, 8, 8]);
  });

  it('restarts a decode the head ran past, further ahead each time in a row', () => {
    const run = { fromFrame: 0, producedFrame: 48_000, aheadFrames: 0, restarts: 0 };
    expect(restartFrame(run, 48_000 + 12_000, RATE)).toBeNull();
    expect(restartFrame(run, 48_000 + 12_001, RATE)).toBe(60_001 + 12_000);
    expect(restartFrame({ ...run, restarts: 2 }, 120_000, RATE)).toBe(120_000 + 48_000);
  });

  it('leaves a run that started ahead of the head alone until the head gets there', () => {
    // Restarted 0.5 s ahead of a head at 100 000: the head is behind the run's start, as meant.
    const run = { fromFrame: 124_000, producedFrame: 124_000, aheadFrames: 24_000, restarts: 1 };
    expect(restartFrame(run, 100_000, RATE)).toBeNull();
    expect(restartFrame(run, 100_500, RATE)).toBeNull();
  });

  it('restarts when the head steps back before the run', () => {
    const run = { fromFrame: 480_000, producedFrame: 500_000, aheadFrames: 0, restarts: 0 };
    expect(restartFrame(run, 477_601, RATE)).toBeNull();
    expect(restartFrame(run, 100_000, RATE)).toBe(112_000);
  });
});
