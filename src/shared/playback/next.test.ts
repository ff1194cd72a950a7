import { describe, expect, it } from 'vitest';
import {
  advanceAtEnd,
  advanceToNext,
  placeNext,
  sameNext,
  validNext,
  withNext,
  type PlacementContext,
} from './next';
import { BUILDER_NOW_MS, LEADER_ID, aState } from './testing';
import { stateValidator } from './validate';

const durations: Record<string, number> = { a: 30, b: 20, c: 10.5 };
const ctx = (overlapSec = 0): PlacementContext => ({
  durationSec: (id) => durations[id] ?? null,
  overlapSec: () => overlapSec,
});
const stamp = { epoch: 1, updatedBy: LEADER_ID };
const T0 = BUILDER_NOW_MS;

describe('placeNext', () => {
  it('places the next track at the current track’s end, its first sample right after the last', () => {
    const s = aState().withQueue('a', 'b', 'c').playing('a').at(12).build();
    expect(placeNext(s, ctx())).toEqual({
      index: 1,
      trackId: 'b',
      anchor: { groupTimeMs: T0 + 18_000, positionSec: 0 },
      overlapSec: 0,
    });
  });

  it('with a crossfade, places it the overlap before the end, never before the anchor', () => {
    const s = aState().withQueue('a', 'b').playing('a').build();
    expect(placeNext(s, ctx(6))?.anchor.groupTimeMs).toBe(T0 + 24_000);
    const late = aState().withQueue('a', 'b').playing('a').at(27).build();
    expect(placeNext(late, ctx(6))).toMatchObject({ overlapSec: 3, anchor: { groupTimeMs: T0 } });
  });

  it('follows the repeat mode, and places nothing when nothing follows or the end is unknown', () => {
    const last = aState().withQueue('a', 'b').playing('b').build();
    expect(placeNext(last, ctx())).toBeNull();
    expect(placeNext({ ...last, repeat: 'all' }, ctx())).toMatchObject({ index: 0, trackId: 'a' });
    expect(placeNext({ ...last, repeat: 'one' }, ctx())).toMatchObject({ index: 1, trackId: 'b' });
    const unknown = aState().withQueue('x', 'a').playing('x').build();
    expect(placeNext(unknown, ctx())).toBeNull();
  });

  it('places nothing while paused, stopped or held at the ready barrier', () => {
    const playing = aState().withQueue('a', 'b').playing('a');
    expect(placeNext(aState().withQueue('a', 'b').playing('a').paused().build(), ctx())).toBeNull();
    expect(placeNext(aState().withQueue('a', 'b').build(), ctx())).toBeNull();
    expect(placeNext(playing.starting(T0 + 3000).build(), ctx())).toBeNull();
  });
});

describe('advanceToNext', () => {
  const placed = () => {
    const s = aState().withQueue('a', 'b').playing('a').build();
    return withNext(s, placeNext(s, ctx()));
  };

  it('at the boundary, plays the placed track from the placed anchor in the next version', () => {
    const s = placed();
    expect(advanceToNext(s, T0 + 29_999, stamp)).toBe(s);
    const next = advanceToNext(s, T0 + 30_000, stamp);
    expect(next).toMatchObject({
      version: s.version + 1,
      currentIndex: 1,
      anchor: { groupTimeMs: T0 + 30_000, positionSec: 0 },
    });
    expect('next' in next).toBe(false);
  });

  it('does nothing with a placement the queue no longer matches', () => {
    const s = { ...placed(), queue: ['a', 'c'] };
    expect(validNext(s)).toBeNull();
    expect(advanceToNext(s, T0 + 40_000, stamp)).toBe(s);
  });
});

describe('advanceAtEnd', () => {
  const end = { leadTimeMs: 150, ...stamp };
  const placed = () => {
    const s = aState().withQueue('a', 'b').playing('a').build();
    return withNext(s, placeNext(s, ctx()));
  };

  it('with a placement, advances to it at its anchor and never re-anchors the next track before', () => {
    const s = placed();
    // Group time past the current track's end as read now (here a length 0.1 s shorter), short of the placement.
    const shorter = (id: string) => (id === 'a' ? 29.9 : (durations[id] ?? null));
    expect(advanceAtEnd(s, T0 + 29_950, shorter, end)).toEqual({ state: s, placed: true });
    const at = advanceAtEnd(s, T0 + 30_000, shorter, end);
    expect(at.placed).toBe(true);
    expect(at.state).toMatchObject({ currentIndex: 1, anchor: { groupTimeMs: T0 + 30_000, positionSec: 0 } });
    expect(at.state.starting).toBeFalsy();
  });

  it('without a valid placement, starts the queue’s next track a lead time after the end', () => {
    const s = { ...placed(), queue: ['a', 'c'] };
    const duration = (id: string) => durations[id] ?? null;
    expect(advanceAtEnd(s, T0 + 29_999, duration, end)).toEqual({ state: s, placed: false });
    const after = advanceAtEnd(s, T0 + 30_010, duration, end);
    expect(after.placed).toBe(false);
    expect(after.state).toMatchObject({ currentIndex: 1 });
    expect(after.state.anchor.groupTimeMs).toBeGreaterThanOrEqual(T0 + 30_010);
  });
});

describe('withNext and the state validator', () => {
  it('leaves the field out when nothing is placed, and keeps the same object when nothing changes', () => {
    const s = aState().withQueue('a', 'b').playing('a').build();
    const p = placeNext(s, ctx());
    const placedState = withNext(s, p);
    expect(withNext(placedState, p)).toBe(placedState);
    expect(sameNext(undefined, null)).toBe(true);
    expect(Object.keys(withNext(placedState, null))).not.toContain('next');
  });

  it('accepts a state with a placement and one without (an older build’s), and refuses inconsistent ones', () => {
    const s = aState().withQueue('a', 'b').playing('a').build();
    const wire = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
    const placedState = withNext(s, placeNext(s, ctx()));
    expect(stateValidator(wire(placedState))).toMatchObject({ ok: true, value: { next: placedState.next } });
    expect(stateValidator(wire(s)).ok).toBe(true);
    const wrongTrack = { ...placedState, next: { ...placedState.next!, trackId: 'c' } };
    expect(stateValidator(wire(wrongTrack)).ok).toBe(false);
    const paused = { ...placedState, paused: true, pausedAtSec: 3 };
    expect(stateValidator(wire(paused)).ok).toBe(false);
    const tooLong = { ...placedState, next: { ...placedState.next!, overlapSec: 60 } };
    expect(stateValidator(wire(tooLong)).ok).toBe(false);
    expect(stateValidator(wire({ ...placedState, next: { index: 1 } })).ok).toBe(false);
  });
});
