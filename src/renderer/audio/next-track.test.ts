import { describe, expect, it } from 'vitest';
import { NEXT_PREPARE_SEC, NextTrack } from './next-track';
import type { PlacedSegment } from './player/segment';
import type { PlaybackSchedule } from './timeline';

const RATE = 48_000;
const T0 = 1_000_000;

function aHost(feedAccepts = true) {
  const log: string[] = [];
  let generation = 10;
  let now: number | null = T0;
  const host = {
    rate: () => RATE,
    groupNowMs: () => now,
    newGeneration: () => ++generation,
    startNext: (g: number, s: PlacedSegment) => (log.push(`decode ${s.trackId} as ${g}`), feedAccepts),
    queue: (s: PlacedSegment, overlap: number) =>
      log.push(`queue ${s.trackId} at ${s.anchorGroupMs} overlap ${overlap}`),
    setGain: (g: number, gain: number) => log.push(`gain of ${g} ${gain}`),
    drop: () => log.push('drop'),
  };
  return { host, log, setNow: (ms: number | null) => (now = ms) };
}

const playing = (nextAtMs: number, overlapSec = 0, trackId = 'b'): PlaybackSchedule => ({
  trackId: 'a',
  anchor: { groupTimeMs: T0, positionSec: 0 },
  paused: false,
  next: { trackId, anchor: { groupTimeMs: nextAtMs, positionSec: 0 }, overlapSec },
});

describe('NextTrack', () => {
  it('places the next track once it is due within the preparation time, once', () => {
    const { host, log } = aHost();
    const next = new NextTrack(host);
    const far = playing(T0 + (NEXT_PREPARE_SEC + 5) * 1000, 2);
    next.follow(far, true);
    expect(log).toEqual([]);
    const near = playing(T0 + (NEXT_PREPARE_SEC - 1) * 1000, 2);
    next.follow(near, true);
    next.follow(near, true);
    expect(log).toEqual(['decode b as 11', `queue b at ${T0 + 19_000} overlap ${2 * RATE}`]);
    expect(next.segment).toMatchObject({ generation: 11, trackId: 'b', anchorFrame: 0 });
  });

  it("places the next track at its own gain, and follows the state's gain for it without moving it", () => {
    const { host, log } = aHost();
    const next = new NextTrack(host);
    const at = playing(T0 + 5000);
    next.follow({ ...at, next: { ...at.next!, gainDb: -6 } }, true);
    expect(next.segment?.gain).toBeCloseTo(10 ** (-6 / 20), 12);
    // Its loudness became known, another gain: the same placement, at the new gain.
    next.follow({ ...at, next: { ...at.next!, gainDb: 3 } }, true);
    expect(log.slice(2)).toEqual([`gain of 11 ${10 ** (3 / 20)}`]);
    expect(next.segment).toMatchObject({ generation: 11, gain: 10 ** (3 / 20) });
    next.follow({ ...at, next: { ...at.next!, gainDb: 3 } }, true);
    next.follow(at, true);
    expect(log.slice(3)).toEqual(['gain of 11 1']);
  });

  it('drops a placement the state no longer holds, and moves one that changed', () => {
    const { host, log } = aHost();
    const next = new NextTrack(host);
    next.follow(playing(T0 + 5000), true);
    next.follow(playing(T0 + 6000), true);
    expect(log.slice(2)).toEqual(['drop', 'decode b as 12', `queue b at ${T0 + 6000} overlap 0`]);
    next.follow({ ...playing(T0 + 6000), paused: true }, true);
    expect(log.at(-1)).toBe('drop');
    expect(next.segment).toBeNull();
  });

  it('knows the state that reached it, and hands it over once', () => {
    const { host } = aHost();
    const next = new NextTrack(host);
    next.follow(playing(T0 + 5000), true);
    const advanced: PlaybackSchedule = {
      trackId: 'b',
      anchor: { groupTimeMs: T0 + 5000, positionSec: 0 },
      paused: false,
    };
    expect(next.reached(advanced)).toBe(true);
    expect(next.reached({ ...advanced, anchor: { groupTimeMs: T0 + 5200, positionSec: 0 } })).toBe(false);
    expect(next.reached({ ...advanced, trackId: 'c' })).toBe(false);
    expect(next.take()?.trackId).toBe('b');
    expect(next.take()).toBeNull();
    expect(next.reached(advanced)).toBe(false);
    // The player got there before the room's state did: the old state still names it, and it is not placed again.
    next.follow(playing(T0 + 5000), true);
    expect(next.segment).toBeNull();
  });

  it('does not ask again for a track the feed cannot decode beside the play, nor before the clock runs', () => {
    const refusing = aHost(false);
    const next = new NextTrack(refusing.host);
    next.follow(playing(T0 + 5000), true);
    next.follow(playing(T0 + 5000), true);
    expect(refusing.log).toEqual(['decode b as 11']);
    const noClock = aHost();
    noClock.setNow(null);
    new NextTrack(noClock.host).follow(playing(T0 + 5000), true);
    expect(noClock.log).toEqual([]);
  });
});
