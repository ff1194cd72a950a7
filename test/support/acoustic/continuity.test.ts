import { describe, expect, it } from 'vitest';
import { continuity, toneLevel } from './continuity';

const RATE = 48_000;
const sine = (n: number, hz: number, a: number, phase = 0) =>
  Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * hz * i) / RATE + phase));

describe('continuity', () => {
  it('finds an unbroken sine between silences unbroken, and its length', () => {
    const x = new Float32Array(RATE);
    x.set(sine(30_000, 440, 0.125, 0.3), 5000);
    const c = continuity(x, RATE, 440);
    expect(c.lengthFrames).toBeGreaterThan(29_990);
    expect(c.lengthFrames).toBeLessThanOrEqual(30_000);
    expect(c.maxStep).toBeLessThanOrEqual(c.sineStep * 1.001);
    expect(c.minWindowPeak).toBeGreaterThan(0.1);
  });

  it('sees a gap of a few ms as silence and a dropped sample as a step', () => {
    const gap = new Float32Array(RATE);
    gap.set(sine(20_000, 440, 0.125), 1000);
    gap.set(sine(20_000, 440, 0.125, (2 * Math.PI * 440 * 20_000) / RATE), 1000 + 20_000 + 150);
    expect(continuity(gap, RATE, 440).minWindowPeak).toBeLessThan(0.1);
    const dropped = new Float32Array(RATE);
    dropped.set(sine(20_000, 440, 0.125), 1000);
    dropped.set(sine(20_000, 440, 0.125, (2 * Math.PI * 440 * 20_003) / RATE), 21_000);
    const c = continuity(dropped, RATE, 440);
    expect(c.maxStep).toBeGreaterThan(c.sineStep * 1.5);
  });
});

describe('toneLevel', () => {
  it('measures each tone of a mix apart', () => {
    const a = sine(9600, 440, 0.3);
    const b = sine(9600, 660, 0.1);
    const mix = a.map((v, i) => v + b[i]!);
    expect(toneLevel(mix, RATE, 440)).toBeCloseTo(0.3, 2);
    expect(toneLevel(mix, RATE, 660)).toBeCloseTo(0.1, 2);
    expect(toneLevel(a, RATE, 660)).toBeLessThan(0.005);
  });
});
