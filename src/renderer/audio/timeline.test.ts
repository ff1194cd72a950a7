import { describe, expect, it } from 'vitest';
import { expectedPosition, groupTimeOfPosition, sameTimeline } from './timeline';

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
});
