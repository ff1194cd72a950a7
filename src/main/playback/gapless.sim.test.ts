import { afterEach, describe, expect, it } from 'vitest';
import { currentTrackId, type PlaybackState } from '../../shared/playback/state';
import { SimRoom } from './testing/sim';

const LEAD = 250;
const TAKEOVER = 300;

let room: SimRoom;

afterEach(() => room?.stopAll());

/** Peers `ids` (the first leads; all ready for every track) playing `queue` from its start, with a crossfade. */
async function playing(
  ids: string[],
  queue: string[],
  library: Record<string, number>,
  crossfadeSec = 0,
  timing: { earlyMs: number; readMs: number } = { earlyMs: 0, readMs: 0 },
): Promise<SimRoom> {
  room = new SimRoom(library, { leadTimeMs: LEAD, takeoverMs: TAKEOVER, stateIntervalMs: 2000 });
  room.crossfadeSec = () => crossfadeSec;
  room.clock.earlyMs = timing.earlyMs;
  room.readMs = timing.readMs;
  for (const id of ids) room.add(id);
  room.elect(ids[0] ?? null);
  await room.clock.advance(TAKEOVER + 20);
  room.allReady();
  const request = room
    .peer(ids.at(-1)!)
    .coordinator.request({ kind: 'replace', trackIds: queue, playIndex: 0 });
  let done = false;
  void request.then(() => (done = true));
  await room.clock.until(() => done, 'the play to apply', 5000, 1);
  await room.clock.advance(20);
  return room;
}

const stateOf = (id: string): PlaybackState => room.peer(id).coordinator.state();
/** Runs the clock to group time `ms`. */
const runTo = (ms: number) => room.clock.advance(ms - room.clock.now());

describe('gapless: the next track placed ahead', () => {
  it('every peer holds the next placement from the start, and the boundary moves no sound', async () => {
    await playing(['A', 'B', 'C'], ['a', 'b', 'c'], { a: 30, b: 20, c: 10 });
    const start = stateOf('A').anchor.groupTimeMs;
    for (const id of ['A', 'B', 'C'])
      expect(stateOf(id).next, id).toEqual({
        index: 1,
        trackId: 'b',
        anchor: { groupTimeMs: start + 30_000, positionSec: 0 },
        overlapSec: 0,
      });
    const applied = room.peer('A').coordinator.counts().commandsApplied;
    await runTo(start + 30_000 + 5);
    for (const id of ['B', 'C']) {
      expect(currentTrackId(stateOf(id)), id).toBe('b');
      expect(stateOf(id).anchor, id).toEqual({ groupTimeMs: start + 30_000, positionSec: 0 });
      // The one after it is placed in the same version.
      expect(stateOf(id).next?.anchor.groupTimeMs, id).toBe(start + 50_000);
    }
    expect(room.peer('A').coordinator.counts().commandsApplied).toBe(applied);
    await runTo(start + 50_000 + 5);
    expect(stateOf('B')).toMatchObject({ currentIndex: 2, anchor: { groupTimeMs: start + 50_000 } });
    // Nothing follows the last track (repeat off): no placement, and it stops at its end.
    expect(stateOf('B').next).toBeUndefined();
    await runTo(start + 60_000 + 5);
    expect(stateOf('B').currentIndex).toBeNull();
  });

  it('a leader whose end timer fires early and reads the clock past the boundary advances at the placed anchor', async () => {
    // Node's timers fire up to a ms early; a busy leader then reads group time once before the
    // boundary and once after it. The placed anchor must win: the queue once went on from a fresh
    // start a lead time later, and every speaker restarted the track (a CI take 222 ms long).
    await playing(['A', 'B'], ['a', 'b', 'c'], { a: 30, b: 20, c: 10 }, 0, { earlyMs: 0.5, readMs: 0.3 });
    for (const trackNo of [1, 2]) {
      const placed = stateOf('A').next!;
      expect(placed.index).toBe(trackNo);
      await runTo(placed.anchor.groupTimeMs + 5);
      for (const id of ['A', 'B']) {
        expect(stateOf(id).currentIndex, id).toBe(trackNo);
        expect(stateOf(id).anchor, id).toEqual(placed.anchor);
        expect(stateOf(id).starting, id).toBeFalsy();
      }
    }
  });

  it('a crossfade places the next track its length before the end and advances there', async () => {
    await playing(['A', 'B'], ['a', 'b'], { a: 30, b: 20 }, 4);
    const start = stateOf('A').anchor.groupTimeMs;
    expect(stateOf('B').next).toEqual({
      index: 1,
      trackId: 'b',
      anchor: { groupTimeMs: start + 26_000, positionSec: 0 },
      overlapSec: 4,
    });
    await runTo(start + 26_000 - 10);
    expect(currentTrackId(stateOf('B'))).toBe('a');
    await runTo(start + 26_000 + 5);
    expect(stateOf('B')).toMatchObject({ currentIndex: 1, anchor: { groupTimeMs: start + 26_000 } });
  });

  it('a seek moves the placement, a pause removes it, a queue edit places the new next track', async () => {
    await playing(['A', 'B'], ['a', 'b', 'c'], { a: 30, b: 20, c: 10 });
    const b = room.peer('B').coordinator;
    const seekAt = room.clock.now();
    void b.request({ kind: 'seek', positionSec: 10 });
    await room.clock.advance(20);
    const seeked = stateOf('B');
    expect(seeked.next?.anchor.groupTimeMs).toBe(seeked.anchor.groupTimeMs + 20_000);
    expect(seeked.anchor.groupTimeMs).toBeGreaterThan(seekAt);
    void b.request({ kind: 'pause' });
    await room.clock.advance(20);
    expect(stateOf('B').next).toBeUndefined();
    void b.request({ kind: 'resume' });
    await room.clock.advance(20);
    expect(stateOf('B').next?.trackId).toBe('b');
    void b.request({ kind: 'remove', index: 1 });
    await room.clock.advance(20);
    expect(stateOf('B').next).toMatchObject({ index: 1, trackId: 'c' });
  });

  it('places the next track once the current track’s duration becomes known', async () => {
    const library: Record<string, number> = { a: 0, b: 20 };
    await playing(['A', 'B'], ['a', 'b'], library);
    expect(stateOf('B').next).toBeUndefined();
    library.a = 30;
    const before = stateOf('A').version;
    await room.clock.advance(2100);
    expect(stateOf('B').version).toBeGreaterThan(before);
    expect(stateOf('B').next).toMatchObject({
      trackId: 'b',
      anchor: { groupTimeMs: stateOf('B').anchor.groupTimeMs + 30_000 },
    });
  });

  it('a new leader advances at the placed anchor, and a late joiner learns the placement', async () => {
    await playing(['A', 'B', 'C'], ['a', 'b'], { a: 30, b: 20 });
    const placed = stateOf('B').next;
    expect(placed).toBeDefined();
    room.crash('A');
    room.elect('B');
    await room.clock.advance(TAKEOVER + 50);
    expect(stateOf('C').next).toEqual(placed);
    room.add('D');
    await room.clock.advance(50);
    expect(stateOf('D').next).toEqual(placed);
    await runTo(placed!.anchor.groupTimeMs + 5);
    for (const id of ['B', 'C', 'D']) {
      expect(currentTrackId(stateOf(id)), id).toBe('b');
      expect(stateOf(id).anchor, id).toEqual(placed!.anchor);
    }
  });
});
