import { describe, expect, it } from 'vitest';
import { DriftLine, theilSenSlope } from './drift-line';

describe('theilSenSlope', () => {
  it('fits a slope that a stray point does not bend', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 1000, offsetMs: 5 + i * 0.1 }));
    points[7] = { atMs: 7000, offsetMs: 40 };
    expect(theilSenSlope(points)).toBeCloseTo(0.0001, 9);
  });

  it('pairs only points at least minPairMs apart, so a wander of the readings barely bends it', () => {
    // 120 medians 1 s apart along 70 ppm, and the readings wandered 1.5 ms away and back over 20 s, halfway.
    const wander = (t: number) => (t >= 50 && t < 70 ? 1.5 * Math.sin(((t - 50) / 20) * Math.PI) : 0);
    const points = Array.from({ length: 120 }, (_, i) => ({
      atMs: i * 1000,
      offsetMs: 70e-6 * i * 1000 + wander(i),
    }));
    const recent = points.slice(40, 70);
    expect(Math.abs(theilSenSlope(recent) * 1e6 - 70)).toBeGreaterThan(40);
    expect(Math.abs(theilSenSlope(points, 30_000) * 1e6 - 70)).toBeLessThan(10);
  });
});

describe('DriftLine', () => {
  const options = { spanMs: 30_000, minSpanMs: 10_000, maxPpm: 1000 };
  /** Feeds readings 40 ms apart for `seconds` along a line of `ppm` from `startMs`. */
  const feed = (line: DriftLine, ppm: number, seconds: number, startMs = 0) => {
    for (let t = startMs; t < startMs + seconds * 1000; t += 40) line.add(-500 + ppm * 1e-6 * t, t);
  };

  it('is 0 until its 1 s medians span the minimum, then fits the line', () => {
    const line = new DriftLine(options);
    feed(line, 120, 9);
    expect(line.slope).toBe(0);
    feed(line, 120, 3, 9000);
    expect(line.slope * 1e6).toBeCloseTo(120, 3);
  });

  it('fits a line through two minutes of medians paired at least 30 s apart, waiting for a minute of them', () => {
    const line = new DriftLine({ spanMs: 120_000, minSpanMs: 60_000, maxPpm: 1000, minPairMs: 30_000 });
    feed(line, 70, 50);
    expect(line.slope).toBe(0);
    // A 2.7 ms move of the output (a block lost), under the step detector's threshold.
    for (let t = 50_000; t < 125_000; t += 40) line.add(-500 + 70e-6 * t + 2.7, t);
    // Pairs across it see 2.7 ms over 30-120 s: the fit leans by about 35 ppm, not the 100+ of a 30 s fit.
    expect(Math.abs(line.slope * 1e6 - 70)).toBeLessThan(40);
  });

  it('refuses a drift no device clock has, and forgets the line', () => {
    const wild = new DriftLine(options);
    feed(wild, 3000, 15);
    expect(wild.slope).toBe(0);
    const line = new DriftLine(options);
    feed(line, 120, 15);
    expect(line.slope).not.toBe(0);
    line.forget();
    expect(line.slope).toBe(0);
    feed(line, 120, 5, 15_000);
    expect(line.slope).toBe(0);
  });
});
