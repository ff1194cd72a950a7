import { describe, expect, it } from 'vitest';
import { continuity, sineFaults, toneLevel } from './continuity';

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

describe('sineFaults', () => {
  it('finds none in an unbroken sine, one per gap or dropped sample, each where it is', () => {
    const x = new Float32Array(2 * RATE);
    x.set(sine(40_000, 440, 0.125), 2000);
    // (The sine's first sample is 0: the tone starts at the next.)
    expect(sineFaults(x, RATE, 0.0075, 0.1)).toEqual({ startFrame: 2001, faults: [] });
    // A 20 ms gap 10 000 frames in, then the sine on where it would have been; three samples dropped at 30 960.
    const y = new Float32Array(2 * RATE);
    y.set(sine(10_000, 440, 0.125), 2000);
    y.set(sine(20_000, 440, 0.125, (2 * Math.PI * 440 * 10_960) / RATE), 2000 + 10_960);
    y.set(sine(10_000, 440, 0.125, (2 * Math.PI * 440 * 30_963) / RATE), 2000 + 30_960);
    const { startFrame, faults } = sineFaults(y, RATE, 0.0075, 0.1);
    expect(startFrame).toBe(2001);
    expect(faults.map((f) => f.kind)).toEqual(['step', 'step']);
    expect(Math.abs(faults[0]!.atFrame - 10_000)).toBeLessThan(10);
    expect(Math.abs(faults[1]!.atFrame - 30_960)).toBeLessThan(10);
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
