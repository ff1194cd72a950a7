import { describe, expect, it } from 'vitest';
import { createTimeSource, hrtimeSource, type TimeSource } from './time-source';

/** A base clock the test advances by hand. */
function aManualClock(startMs: number): TimeSource & { advance(ms: number): void } {
  let now = startMs;
  return { nowMs: () => now, advance: (ms) => (now += ms) };
}

describe('time sources', () => {
  it('hrtime source is epoch-like and never goes backwards', () => {
    const clock = hrtimeSource();
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(50);
    let last = clock.nowMs();
    for (let i = 0; i < 10_000; i++) {
      const now = clock.nowMs();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });

  it('processes sharing an origin read the same clock', () => {
    const origin = { originNs: process.hrtime.bigint(), originMs: 1_000_000 };
    const a = hrtimeSource(origin);
    const b = hrtimeSource(origin);
    expect(Math.abs(a.nowMs() - b.nowMs())).toBeLessThan(5);
  });

  it('shifts by the offset and runs fast by the skew', () => {
    const base = aManualClock(1_000_000);
    const skewed = createTimeSource({ base, offsetMs: -500, skewPpm: 200 });
    expect(skewed.nowMs()).toBe(1_000_000 - 500);
    base.advance(10_000);
    expect(skewed.nowMs()).toBeCloseTo(1_010_000 - 500 + 2, 9);
    expect(skewed.fromBase(1_010_000)).toBe(skewed.nowMs());
  });

  it('rejects nonsense settings', () => {
    expect(() => createTimeSource({ skewPpm: Number.NaN })).toThrow(RangeError);
    expect(() => createTimeSource({ skewPpm: 1e6 })).toThrow(RangeError);
  });
});
