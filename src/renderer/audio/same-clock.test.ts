import { describe, expect, it } from 'vitest';
import type { StoredSample } from '../../shared/clock/estimator';
import { declaredOffsetMs, zeroBand } from './same-clock';

const options = { minSamples: 3, minSpanMs: 1000, slackMs: 0.02 };

/** Probes 500 ms apart with the given offsets and delays. */
function probes(offsets: number[], delayMs = 0.2): StoredSample[] {
  return offsets.map((offsetMs, i) => ({ localMs: 1000 + i * 500, offsetMs, delayMs }));
}

describe('declaredOffsetMs', () => {
  it('is 0 for the machine clock and follows a stated shift and skew', () => {
    expect(declaredOffsetMs(null, 5000)).toBe(0);
    const t = { offsetMs: 10, skewPpm: 100, originMs: 1000 };
    expect(declaredOffsetMs(t, 1000)).toBe(10);
    expect(declaredOffsetMs(t, 11_000)).toBeCloseTo(11, 9);
  });
});

describe('zeroBand', () => {
  it('is the width of the band every probe allows, plus the slack, when it holds 0', () => {
    // Offsets ±0.05 with 0.2 ms delays: each allows ±0.1 around it; all together [-0.05, 0.05].
    expect(zeroBand(probes([0.05, -0.05, 0]), null, options)).toBeCloseTo(0.1 + 0.04, 9);
  });

  it('is null with too few probes or too short a span', () => {
    expect(zeroBand(probes([0, 0]), null, options)).toBeNull();
    expect(zeroBand(probes([0, 0, 0]), null, { ...options, minSpanMs: 1001 })).toBeNull();
  });

  it('is null once a probe rules 0 out', () => {
    expect(zeroBand(probes([0, 0, 0.5]), null, options)).toBeNull();
  });

  it('tests the offset left after the host clock the host states', () => {
    const shifted = { offsetMs: 3, skewPpm: 0, originMs: 0 };
    expect(zeroBand(probes([3, 3.05, 2.95]), shifted, options)).toBeCloseTo(0.1 + 0.04, 9);
    expect(zeroBand(probes([3, 3.05, 2.95]), null, options)).toBeNull();
  });
});
