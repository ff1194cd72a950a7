import { describe, expect, it } from 'vitest';
import { clockLineAt } from './clock-line';
import { groupMsAtContextFrame, idealRatio } from './player/segment';

const RATE = 48_000;

/** A group clock `offsetMs` ahead of the page's performance clock and `ppm` fast against it. */
function aGroupClock(offsetMs: number, ppm = 0) {
  return {
    performanceToGroup: (performanceMs: number) => ({
      groupMs: 1_700_000_000_000 + offsetMs + performanceMs * (1 + ppm * 1e-6),
      errorMs: 0.05,
      hostSynced: true,
    }),
  };
}

describe('clockLineAt', () => {
  it('hears an output frame at the group time of its output instant, plus the device offset', () => {
    // Context time 12 s leaves the speakers at performance time 12 000 − 40 ms (the map holds the latency).
    const fit = { offsetMs: 40, driftPpm: 0, spreadMs: 0.02, samples: 75 };
    const reading = clockLineAt(12, fit, 5, aGroupClock(100), RATE)!;
    expect(groupMsAtContextFrame(reading.line, 12 * RATE)).toBeCloseTo(
      1_700_000_000_000 + 100 + 12_000 - 40 + 5,
      3,
    );
    expect(reading.boundMs).toBeCloseTo(0.07, 9);
    expect(idealRatio(reading.line, RATE)).toBeCloseTo(1, 12);
  });

  it('carries both drifts in its slope', () => {
    // The output clock runs 100 ppm fast against the performance clock, the group clock 150 ppm fast against it:
    // per output second the group advances (1 + 150e-6) / (1 + 100e-6) seconds.
    const fit = { offsetMs: 40, driftPpm: 100, spreadMs: 0.02, samples: 75 };
    const reading = clockLineAt(12, fit, 0, aGroupClock(0, 150), RATE)!;
    // (Within 0.05 ppm: the line is drawn between epoch-sized group times, whose resolution is 0.24 µs.)
    expect(idealRatio(reading.line, RATE)).toBeCloseTo((1 + 150e-6) / (1 + 100e-6), 7);
    expect(idealRatio(reading.line, RATE)).not.toBeCloseTo(1 + 150e-6, 7);
  });

  it('is null while the group clock has no estimate', () => {
    const fit = { offsetMs: 0, driftPpm: 0, spreadMs: 0, samples: 10 };
    expect(clockLineAt(1, fit, 0, { performanceToGroup: () => null }, RATE)).toBeNull();
  });
});
