import { describe, expect, it } from 'vitest';
import { initialPlaybackState, type PlaybackState } from '../../shared/playback/state';
import type { PlaybackCoordinatorComponents } from './components';
import { FakeClock } from './testing/sim';
import { TimerSet } from './timers';
import { TrackEnd } from './track-end';

/** A track end over a fake clock, with `durations` known and t1 of [t1, t2] playing from now. */
function aTrackEnd(durations: Record<string, number | null>, leads = true) {
  const clock = new FakeClock();
  const peer = {
    groupNow: () => clock.now(),
    trackDurationSec: (id: string) => durations[id] ?? null,
  } as unknown as PlaybackCoordinatorComponents;
  let state: PlaybackState = {
    ...initialPlaybackState('A'),
    version: 3,
    epoch: 1,
    queue: ['t1', 't2'],
    currentIndex: 0,
    anchor: { groupTimeMs: clock.now(), positionSec: 0 },
  };
  const advanced: Array<{ next: PlaybackState; placed: boolean }> = [];
  const end = new TrackEnd({
    peer,
    timers: new TimerSet(clock),
    leadTimeMs: () => 250,
    state: () => state,
    leadsNow: () => leads,
    stamp: () => ({ epoch: 1, updatedBy: 'A' }),
    advance: (next, placed) => advanced.push({ next, placed }),
  });
  return { clock, end, advanced, state: () => state, set: (s: PlaybackState) => (state = s) };
}

describe('TrackEnd', () => {
  it('places the next track at the current one’s end and advances to it there', async () => {
    const t = aTrackEnd({ t1: 10, t2: 20 });
    const placed = t.end.place(t.state());
    expect(placed.next).toMatchObject({
      index: 1,
      trackId: 't2',
      anchor: { groupTimeMs: t.clock.now() + 10_000 },
    });
    expect(placed.version).toBe(3);
    t.set(placed);
    t.end.schedule();
    await t.clock.advance(9_999);
    expect(t.advanced).toHaveLength(0);
    await t.clock.advance(1);
    expect(t.advanced).toHaveLength(1);
    expect(t.advanced[0]?.placed).toBe(true);
    expect(t.advanced[0]?.next.currentIndex).toBe(1);
  });

  it('re-places the next track in a new version only when its placement changed', () => {
    const durations: Record<string, number | null> = { t1: null, t2: 20 };
    const t = aTrackEnd(durations);
    expect(t.end.replaced()).toBeNull();
    durations.t1 = 10;
    const replaced = t.end.replaced();
    expect(replaced?.version).toBe(4);
    expect(replaced?.next?.trackId).toBe('t2');
    t.set(replaced!);
    expect(t.end.replaced()).toBeNull();
  });

  it('arms no timer while this peer does not lead, and a cancelled timer never fires', async () => {
    const follower = aTrackEnd({ t1: 1, t2: 20 }, false);
    follower.end.schedule();
    await follower.clock.advance(5_000);
    expect(follower.advanced).toHaveLength(0);
    const leader = aTrackEnd({ t1: 1, t2: 20 });
    leader.end.schedule();
    leader.end.cancel();
    await leader.clock.advance(5_000);
    expect(leader.advanced).toHaveLength(0);
  });
});
