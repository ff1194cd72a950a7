import { describe, expect, it } from 'vitest';
import {
  clockLineThrough,
  contextFrameAtGroupMs,
  desiredTrackFrame,
  groupMsAtContextFrame,
  groupMsOfTrackFrame,
  idealRatio,
  joinFrameAt,
  trackFrameAtGroupMs,
} from './segment';

const RATE = 48_000;
const segment = { generation: 1, trackId: 't', anchorGroupMs: 1_700_000_000_000, anchorFrame: 96_000 };

describe('segment math', () => {
  it('maps group time to track frames and back', () => {
    expect(trackFrameAtGroupMs(segment, segment.anchorGroupMs + 500, RATE)).toBe(96_000 + 24_000);
    expect(groupMsOfTrackFrame(segment, 96_000 + 24_000, RATE)).toBe(segment.anchorGroupMs + 500);
  });

  it('maps context frames to group time and back through a clock line', () => {
    // Context time 10 s is heard at the anchor; 10 s later the group clock has moved 10.001 s (100 ppm).
    const line = clockLineThrough(10, segment.anchorGroupMs, 10, segment.anchorGroupMs + 10_001, RATE);
    expect(groupMsAtContextFrame(line, 10 * RATE)).toBe(segment.anchorGroupMs);
    expect(contextFrameAtGroupMs(line, segment.anchorGroupMs + 10_001)).toBeCloseTo(20 * RATE, 6);
    expect(idealRatio(line, RATE)).toBeCloseTo(1.0001, 12);
    expect(desiredTrackFrame(segment, line, 20 * RATE, RATE)).toBeCloseTo(96_000 + 10.001 * RATE, 4);
  });

  it('keeps sub-microsecond precision at epoch-sized group times', () => {
    const line = clockLineThrough(1e4, segment.anchorGroupMs, 10, segment.anchorGroupMs + 10_000, RATE);
    const frame = desiredTrackFrame(segment, line, 1e4 * RATE + 0.5, RATE);
    expect(Math.abs(frame - (96_000 + 0.5))).toBeLessThan(1e-3);
  });

  it('joins a start in the past where the room is, and a future one at its anchor', () => {
    expect(joinFrameAt(segment, segment.anchorGroupMs + 1000, RATE)).toBe(96_000 + RATE);
    expect(joinFrameAt(segment, segment.anchorGroupMs - 1000, RATE)).toBe(96_000);
    expect(joinFrameAt(segment, null, RATE)).toBe(96_000);
  });
});
