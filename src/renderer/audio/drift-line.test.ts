import { describe, expect, it } from 'vitest';
import { DriftLine, theilSenSlope } from './drift-line';

describe('theilSenSlope', () => {
  it('fits a slope that a stray point does not bend', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 1000, offsetMs: 5 + i * 0.1 }));
    points[7] = { atMs: 7000, offsetMs: 40 };
    expect(theilSenSlope(points)).toBeCloseTo(0.0001, 9);
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
