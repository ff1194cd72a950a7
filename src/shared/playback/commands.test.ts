import { describe, expect, it } from 'vitest';
import { advanceIfEnded, applyCommand } from './commands';
import {
  currentTrackId,
  endsAt,
  initialPlaybackState,
  isNewer,
  nextIndex,
  playbackLimits,
  playbackStatus,
  positionAt,
  sameTimeline,
  type PlaybackCommand,
  type PlaybackState,
} from './state';
import { BUILDER_NOW_MS as NOW, aContext, aState, applied, refused } from './testing';

const LEAD = 250;
const library = { t1: 180, t2: 200, t3: 150, t4: 240 };
const ctx = aContext(library, { leadTimeMs: LEAD, epoch: 2 });

const apply = (state: PlaybackState, command: PlaybackCommand, nowMs = NOW) =>
  applied(state, command, ctx, nowMs);
const refuse = (state: PlaybackState, command: PlaybackCommand, nowMs = NOW) =>
  refused(state, command, ctx, nowMs);

describe('applyCommand', () => {
  it('play {index} takes the track from the library listing and starts a lead time from now', () => {
    const s = apply(initialPlaybackState(), { kind: 'play', index: 2 });
    expect(s.queue).toEqual(['t1', 't2', 't3', 't4']);
    expect(currentTrackId(s)).toBe('t3');
    expect(s.anchor).toEqual({ groupTimeMs: NOW + LEAD, positionSec: 0 });
    expect(s).toMatchObject({
      version: 1,
      epoch: 2,
      paused: false,
      starting: false,
      updatedBy: ctx.updatedBy,
    });
  });

  it('play {trackId} jumps within the queue, or loads the listing around the track', () => {
    const queued = aState().withQueue('t4', 't1').playing('t4').build();
    expect(apply(queued, { kind: 'play', trackId: 't1' })).toMatchObject({
      queue: ['t4', 't1'],
      currentIndex: 1,
    });
    const fresh = apply(initialPlaybackState(), { kind: 'play', trackId: 't2' });
    expect(fresh).toMatchObject({ queue: ['t1', 't2', 't3', 't4'], currentIndex: 1 });
  });

  it('play of a track missing from the listing but known inserts it after the current one', () => {
    const known = aContext(library, { trackExists: (id) => id === 'x9' || Object.hasOwn(library, id) });
    const s = aState().withQueue('t1', 't2').playing('t1').build();
    const r = applyCommand(s, { kind: 'play', trackId: 'x9' }, NOW, known);
    expect(r.ok && r.value).toMatchObject({ queue: ['t1', 'x9', 't2'], currentIndex: 1 });
  });

  it('refuses unknown tracks and out-of-range indexes with a readable error', () => {
    const s = initialPlaybackState();
    expect(refuse(s, { kind: 'play', index: 9 })).toBe('no track in the library at index 9 (valid: 0..3)');
    expect(refuse(s, { kind: 'play', trackId: 'nope' })).toBe('unknown track nope');
    expect(refuse(s, { kind: 'play' })).toMatch(/exactly one of index or trackId/);
    expect(refuse(s, { kind: 'enqueue', trackIds: ['t1', 'ghost'] })).toBe('unknown track ghost');
    expect(refuse(s, { kind: 'remove', index: 0 })).toBe('no track in the queue at index 0: it is empty');
    const empty = aContext({});
    const r = applyCommand(s, { kind: 'play', index: 0 }, NOW, empty);
    expect(r).toEqual({ ok: false, error: 'no track in the library at index 0: it is empty' });
  });

  it('pause freezes the position; resume re-anchors a lead time from now at that position', () => {
    const playing = aState().playing('t1').at(10).version(7).build();
    const paused = apply(playing, { kind: 'pause' }, NOW + 4000);
    expect(paused).toMatchObject({ paused: true, pausedAtSec: 14, version: 8 });
    expect(positionAt(paused, NOW + 99_000)).toBe(14);
    const resumed = apply(paused, { kind: 'resume' }, NOW + 60_000);
    expect(resumed).toMatchObject({ paused: false, pausedAtSec: null, version: 9 });
    expect(resumed.anchor).toEqual({ groupTimeMs: NOW + 60_000 + LEAD, positionSec: 14 });
  });

  it('pause while paused and resume while playing change nothing (same object, same version)', () => {
    const paused = aState().playing('t1').paused().build();
    expect(apply(paused, { kind: 'pause' })).toBe(paused);
    const playing = aState().playing('t1').build();
    expect(apply(playing, { kind: 'resume' })).toBe(playing);
  });

  it('refuses transport commands when stopped', () => {
    const s = initialPlaybackState();
    for (const kind of ['pause', 'next', 'prev'] as const)
      expect(refuse(s, { kind })).toBe('nothing is playing');
    expect(refuse(s, { kind: 'resume' })).toMatch(/stopped/);
    expect(refuse(s, { kind: 'seek', positionSec: 3 })).toBe('nothing is playing');
    expect(apply(s, { kind: 'stop' })).toBe(s);
  });

  it('stop keeps the queue and clears the current track', () => {
    const s = apply(aState().withQueue('t1', 't2').playing('t2').build(), { kind: 'stop' });
    expect(s).toMatchObject({ queue: ['t1', 't2'], currentIndex: null, paused: false });
    expect(playbackStatus(s)).toBe('stopped');
  });

  it('next moves on and refuses at the end of the queue', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').at(50).build();
    const next = apply(s, { kind: 'next' });
    expect(next).toMatchObject({ currentIndex: 1, anchor: { groupTimeMs: NOW + LEAD, positionSec: 0 } });
    expect(refuse(next, { kind: 'next' })).toBe('already at the last track of the queue');
  });

  it('prev restarts the current track after 3 s, goes back before that, and restarts the first track', () => {
    const base = aState().withQueue('t1', 't2', 't3').playing('t2');
    expect(apply(base.at(3.5).build(), { kind: 'prev' })).toMatchObject({
      currentIndex: 1,
      anchor: { positionSec: 0 },
    });
    expect(apply(base.at(2.9).build(), { kind: 'prev' })).toMatchObject({ currentIndex: 0 });
    const first = aState().withQueue('t1', 't2').playing('t1').at(1).build();
    expect(apply(first, { kind: 'prev' })).toMatchObject({
      currentIndex: 0,
      anchor: { groupTimeMs: NOW + LEAD },
    });
  });

  it('seek re-anchors while playing, moves the frozen position while paused, and checks the duration', () => {
    const playing = aState().playing('t1').at(10).build();
    expect(apply(playing, { kind: 'seek', positionSec: 90 }).anchor).toEqual({
      groupTimeMs: NOW + LEAD,
      positionSec: 90,
    });
    const paused = aState().playing('t1').at(10).paused().build();
    expect(apply(paused, { kind: 'seek', positionSec: 20 })).toMatchObject({ paused: true, pausedAtSec: 20 });
    expect(refuse(playing, { kind: 'seek', positionSec: 181 })).toMatch(/180\.0 s long/);
  });

  it('seek during a held start keeps the held start time', () => {
    const held = aState()
      .playing('t1')
      .starting(NOW + 3250)
      .build();
    expect(apply(held, { kind: 'seek', positionSec: 30 }).anchor).toEqual({
      groupTimeMs: NOW + 3250,
      positionSec: 30,
    });
  });

  it('play {index} in a library longer than a queue takes a window around the index', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < playbackLimits.maxQueueLength * 3; i++) big[`t${i}`] = 100;
    const s = applyCommand(initialPlaybackState(), { kind: 'play', index: 1000 }, NOW, aContext(big));
    if (!s.ok) throw new Error(s.error);
    expect(s.value.queue).toHaveLength(playbackLimits.maxQueueLength);
    expect(currentTrackId(s.value)).toBe('t1000');
    expect(s.value.queue[(s.value.currentIndex as number) - 1]).toBe('t999');
  });

  it('every change raises the version by one and never lowers the epoch', () => {
    let s = aState().withQueue('t1', 't2', 't3').playing('t1').version(10).epoch(5).build();
    const commands: PlaybackCommand[] = [
      { kind: 'next' },
      { kind: 'pause' },
      { kind: 'seek', positionSec: 4 },
      { kind: 'resume' },
      { kind: 'stop' },
    ];
    for (const command of commands) {
      const next = apply(s, command);
      expect(next.version).toBe(s.version + 1);
      expect(next.epoch).toBe(5);
      expect(isNewer(next, s)).toBe(true);
      s = next;
    }
  });
});

describe('advanceIfEnded', () => {
  const stamp = { leadTimeMs: LEAD, epoch: 2, updatedBy: 'PeerLeader1' };
  const duration = (id: string) => library[id as keyof typeof library] ?? null;

  it('does nothing before the end', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').at(100).build();
    expect(advanceIfEnded(s, NOW + 79_999, duration, stamp)).toBe(s);
    expect(endsAt(s, 180)).toBe(NOW + 80_000);
  });

  it('starts the next track a lead time after the end', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').at(100).build();
    const next = advanceIfEnded(s, NOW + 80_010, duration, stamp);
    expect(next).toMatchObject({
      currentIndex: 1,
      version: s.version + 1,
      anchor: { groupTimeMs: NOW + 80_010 + LEAD, positionSec: 0 },
    });
  });

  it('stops after the last track; ignores paused, stopped and unknown-duration tracks', () => {
    const last = aState().withQueue('t1').playing('t1').at(179).build();
    expect(advanceIfEnded(last, NOW + 5000, duration, stamp)).toMatchObject({
      currentIndex: null,
      queue: ['t1'],
    });
    const paused = aState().playing('t1').at(179.9).paused().build();
    expect(advanceIfEnded(paused, NOW + 99_000, duration, stamp)).toBe(paused);
    const unknown = aState().playing('zz').at(10_000).build();
    expect(advanceIfEnded(unknown, NOW + 99_000, duration, stamp)).toBe(unknown);
  });
});

describe('sameTimeline', () => {
  it('holds across a version or leader change that keeps the audio schedule', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').at(20).build();
    expect(
      sameTimeline(s, { ...s, version: s.version + 1, epoch: s.epoch + 1, updatedBy: 'PeerOther2' }),
    ).toBe(true);
    expect(sameTimeline(s, apply(s, { kind: 'enqueue', trackIds: ['t3'] }))).toBe(true);
    expect(sameTimeline(s, apply(s, { kind: 'seek', positionSec: 20 }))).toBe(false);
    expect(sameTimeline(s, apply(s, { kind: 'next' }))).toBe(false);
    expect(sameTimeline(s, apply(s, { kind: 'pause' }))).toBe(false);
    expect(sameTimeline(apply(s, { kind: 'stop' }), apply(s, { kind: 'clear' }, NOW + 5000))).toBe(true);
  });
});

describe('repeat', () => {
  const stamp = { leadTimeMs: LEAD, epoch: 2, updatedBy: 'PeerLeader1' };
  const duration = (id: string) => library[id as keyof typeof library] ?? null;

  it('is a command that changes only the mode', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').at(9).build();
    const all = apply(s, { kind: 'repeat', mode: 'all' });
    expect(all).toMatchObject({ repeat: 'all', version: s.version + 1 });
    expect(sameTimeline(s, all)).toBe(true);
    expect(apply(all, { kind: 'repeat', mode: 'all' })).toBe(all);
    expect(initialPlaybackState().repeat).toBe('off');
  });

  it('repeat one plays the same track again from its start when it ends', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').at(100).repeat('one').build();
    const again = advanceIfEnded(s, NOW + 80_000, duration, stamp);
    expect(again).toMatchObject({
      currentIndex: 0,
      anchor: { groupTimeMs: NOW + 80_000 + LEAD, positionSec: 0 },
    });
    expect(nextIndex(s)).toBe(0);
  });

  it('repeat one still lets the user skip to the next track', () => {
    const s = aState().withQueue('t1', 't2').playing('t1').repeat('one').build();
    expect(apply(s, { kind: 'next' })).toMatchObject({ currentIndex: 1, repeat: 'one' });
  });

  it('repeat all starts the queue over after the last track, and next / prev wrap', () => {
    const last = aState().withQueue('t1', 't2').playing('t2').at(199).repeat('all').build();
    expect(advanceIfEnded(last, NOW + 1000, duration, stamp)).toMatchObject({ currentIndex: 0 });
    expect(nextIndex(last)).toBe(0);
    expect(apply(last, { kind: 'next' })).toMatchObject({ currentIndex: 0 });
    const first = aState().withQueue('t1', 't2', 't3').playing('t1').at(1).repeat('all').build();
    expect(apply(first, { kind: 'prev' })).toMatchObject({ currentIndex: 2 });
  });

  it('repeat off stops after the last track and refuses next there', () => {
    const last = aState().withQueue('t1', 't2').playing('t2').at(199).build();
    expect(nextIndex(last)).toBeNull();
    expect(advanceIfEnded(last, NOW + 1000, duration, stamp)).toMatchObject({ currentIndex: null });
    expect(refuse(last, { kind: 'next' })).toBe('already at the last track of the queue');
  });
});
