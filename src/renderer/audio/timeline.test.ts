import { describe, expect, it } from 'vitest';
import { expectedPosition, groupTimeOfPosition, sameTimeline, scheduleChange } from './timeline';

describe('timeline', () => {
  const anchor = { groupTimeMs: 1_700_000_000_000, positionSec: 12.5 };

  it('maps group time to position and back', () => {
    expect(expectedPosition(anchor, anchor.groupTimeMs + 2500)).toBeCloseTo(15, 9);
    expect(expectedPosition(anchor, anchor.groupTimeMs - 500)).toBeCloseTo(12, 9);
    expect(groupTimeOfPosition(anchor, 20)).toBeCloseTo(anchor.groupTimeMs + 7500, 6);
  });

  it('recognises the same timeline re-anchored elsewhere', () => {
    expect(sameTimeline(anchor, { groupTimeMs: anchor.groupTimeMs + 10_000, positionSec: 22.5 })).toBe(true);
    expect(sameTimeline(anchor, { groupTimeMs: anchor.groupTimeMs + 10_000, positionSec: 22.51 })).toBe(
      false,
    );
  });

  it('keeps a repeated state, stops on pause or nothing, plays anything else', () => {
    const playing = { trackId: 'a', anchor, paused: false };
    const later = {
      trackId: 'a',
      anchor: { groupTimeMs: anchor.groupTimeMs + 1000, positionSec: 13.5 },
      paused: false,
    };
    expect(scheduleChange(playing, later, false)).toBe('keep');
    expect(scheduleChange(playing, later, true)).toBe('play'); // a failed play is tried again
    expect(scheduleChange(playing, { ...later, trackId: 'b' }, false)).toBe('play');
    expect(scheduleChange(playing, { ...later, anchor: { ...later.anchor, positionSec: 30 } }, false)).toBe(
      'play',
    );
    expect(scheduleChange({ ...playing, paused: true }, later, false)).toBe('play'); // resume
    expect(scheduleChange(playing, { ...later, paused: true }, false)).toBe('stop');
    expect(scheduleChange(playing, null, false)).toBe('stop');
    expect(scheduleChange(playing, { ...later, held: true }, false)).toBe('stop'); // a held start
    expect(scheduleChange({ ...later, held: true }, later, false)).toBe('play'); // ... released
    expect(scheduleChange(null, later, false)).toBe('play');
  });
});
