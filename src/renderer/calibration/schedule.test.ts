import { describe, expect, it } from 'vitest';
import { clicksToSchedule, contextTimeFor } from './schedule';

describe('clicksToSchedule', () => {
  it('puts clicks on the group-time grid inside the horizon', () => {
    expect(clicksToSchedule(9_800, null)).toEqual([{ groupMs: 10_000, accent: false }]);
    expect(clicksToSchedule(11_800, null)).toEqual([{ groupMs: 12_000, accent: true }]);
    expect(clicksToSchedule(9_000, null)).toEqual([]);
  });

  it('never schedules a click twice, nor one too close to now', () => {
    expect(clicksToSchedule(9_850, 10_000)).toEqual([]);
    expect(clicksToSchedule(9_990, null)).toEqual([]);
    expect(clicksToSchedule(10_800, 10_000)).toEqual([{ groupMs: 11_000, accent: false }]);
  });

  it('follows the period and the bar length', () => {
    const clicks = clicksToSchedule(0, null, {
      periodMs: 250,
      horizonMs: 1000,
      minLeadMs: 1,
      beatsPerBar: 2,
    });
    expect(clicks.map((c) => c.groupMs)).toEqual([250, 500, 750, 1000]);
    expect(clicks.map((c) => c.accent)).toEqual([false, true, false, true]);
  });

  it('marks bars the same way before zero', () => {
    expect(clicksToSchedule(-4_200, null, { horizonMs: 300 })).toEqual([{ groupMs: -4_000, accent: true }]);
  });
});

describe('contextTimeFor', () => {
  it('starts earlier by the output latency and by a positive output offset', () => {
    expect(contextTimeFor(10_000, 9_800, 5, 0, 0)).toBeCloseTo(5.2, 9);
    expect(contextTimeFor(10_000, 9_800, 5, 0.02, 0)).toBeCloseTo(5.18, 9);
    expect(contextTimeFor(10_000, 9_800, 5, 0, 30)).toBeCloseTo(5.17, 9);
    expect(contextTimeFor(10_000, 9_800, 5, 0, -30)).toBeCloseTo(5.23, 9);
  });
});
