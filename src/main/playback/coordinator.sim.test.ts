import { afterEach, describe, expect, it } from 'vitest';
import {
  currentTrackId,
  isNewer,
  positionAt,
  sameTimeline,
  type PlaybackState,
} from '../../shared/playback/state';
import { PlaybackCommandError, PlaybackNoLeaderError, PlaybackTimeoutError } from './errors';
import { SimRoom, type SimPeer } from './testing/sim';
import { LEAD_MARGIN_MS } from '../../shared/playback/barrier';

const LEAD = 250;
const READY_TIMEOUT = 3000;
const TAKEOVER = 300;
const LATENCY = 2;
const library = { t1: 180, t2: 200, t3: 10, t4: 240 };

let room: SimRoom;

afterEach(() => room?.stopAll());

/** A room of peers with `leader` elected and its takeover done. */
async function aRoom(ids: string[], leader = ids[0] ?? null): Promise<SimRoom> {
  room = new SimRoom(
    library,
    { leadTimeMs: LEAD, readyTimeoutMs: READY_TIMEOUT, takeoverMs: TAKEOVER, stateIntervalMs: 2000 },
    LATENCY,
  );
  for (const id of ids) room.add(id);
  room.elect(leader);
  await room.clock.advance(TAKEOVER + 20);
  return room;
}

/** Runs the fake clock until the promise settles; returns its value or throws its error. */
async function settle<T>(promise: Promise<T>, maxMs = 30_000): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  promise.then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  await room.clock.until(() => outcome !== null, 'the request to settle', maxMs, 1);
  const done = outcome as unknown as { ok: true; value: T } | { ok: false; error: unknown };
  if (!done.ok) throw done.error;
  return done.value;
}

/** Peers A (leading), B and C, everyone ready, playing t1 at C's request. */
async function playingRoom(): Promise<void> {
  await aRoom(['A', 'B', 'C']);
  room.allReady();
  await settle(room.peer('C').coordinator.request({ kind: 'play', trackId: 't1' }));
}

const stateOf = (id: string): PlaybackState => room.peer(id).coordinator.state();
/** Peers A (leading) and B, everyone ready, playing t2 for 5 s; returns the state. */
async function playingT2For5s(): Promise<PlaybackState> {
  await aRoom(['A', 'B']);
  room.allReady();
  await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't2' }));
  await room.clock.advance(5000);
  return stateOf('B');
}

const expectAllAgree = (ids: string[]) => {
  const first = stateOf(ids[0] as string);
  for (const id of ids) expect(stateOf(id), `state of ${id}`).toEqual(first);
};
const expectMonotonic = (peer: SimPeer) => {
  for (let i = 1; i < peer.history.length; i++) {
    expect(
      isNewer(peer.history[i] as PlaybackState, peer.history[i - 1] as PlaybackState),
      `${peer.id} history[${i}]`,
    ).toBe(true);
  }
};

describe('PlaybackCoordinator: commands', () => {
  it("applies a follower's command at the leader and every peer ends with the same state", async () => {
    await aRoom(['A', 'B', 'C']);
    room.allReady();
    await room.clock.advance(10);
    const sentAt = room.clock.now();
    const state = await settle(room.peer('B').coordinator.request({ kind: 'play', index: 1 }));
    expect(currentTrackId(state)).toBe('t2');
    expect(state.updatedBy).toBe('A');
    expect(state.starting).toBe(false);
    // The leader received it one link latency after it was sent and scheduled it a lead time later.
    expect(state.anchor).toEqual({ groupTimeMs: sentAt + LATENCY + LEAD, positionSec: 0 });
    await room.clock.advance(10);
    expectAllAgree(['A', 'B', 'C']);
    expect(room.peer('A').coordinator.counts().commandsApplied).toBe(1);
  });

  it('applies commands in the order they reach the leader, one version each', async () => {
    await aRoom(['A', 'B', 'C']);
    room.allReady();
    room.bus.setLatency('C', 'A', 40);
    await room.clock.advance(10);
    const b = room.peer('B').coordinator;
    const c = room.peer('C').coordinator;
    const before = stateOf('A').version;
    // C's pause leaves first but arrives last over its slow link.
    const pause = c.request({ kind: 'pause' });
    const play = b.request({ kind: 'play', trackId: 't1' });
    const next = b.request({ kind: 'next' });
    const seek = b.request({ kind: 'seek', positionSec: 30 });
    await settle(Promise.all([pause, play, next, seek]));
    await room.clock.advance(50);
    const final = stateOf('A');
    expect(currentTrackId(final)).toBe('t2');
    expect(final).toMatchObject({ paused: true, pausedAtSec: 30, version: before + 4 });
    expectAllAgree(['A', 'B', 'C']);
    const versions = room
      .peer('A')
      .history.map((s) => s.version)
      .slice(-4);
    expect(versions).toEqual([before + 1, before + 2, before + 3, before + 4]);
    for (const p of room.peers.values()) expectMonotonic(p);
  });

  it("rejects with the leader's reason when a command cannot apply", async () => {
    await aRoom(['A', 'B']);
    const b = room.peer('B').coordinator;
    await expect(settle(b.request({ kind: 'play', trackId: 'nosuchtrack' }))).rejects.toThrow(
      new PlaybackCommandError('unknown track nosuchtrack'),
    );
    await expect(settle(b.request({ kind: 'next' }))).rejects.toThrow(/nothing is playing/);
    await expect(settle(b.request({ kind: 'play', index: 99 }))).rejects.toThrow(
      /no track in the library at index 99/,
    );
    // Malformed locally: refused before anything is sent.
    await expect(b.request({ kind: 'seek', positionSec: -5 })).rejects.toBeInstanceOf(PlaybackCommandError);
    expect(room.peer('A').coordinator.counts().commandsRefused).toBe(3);
  });

  it('waits for a leader, and fails with a clear error when none comes', async () => {
    await aRoom(['A', 'B'], null);
    const b = room.peer('B').coordinator;
    await expect(settle(b.request({ kind: 'play', index: 0 }))).rejects.toThrow(PlaybackNoLeaderError);
    const late = b.request({ kind: 'play', index: 0 });
    await room.clock.advance(1000);
    room.elect('A');
    const state = await settle(late);
    expect(currentTrackId(state)).toBe('t1');
  });

  it('fails with a timeout when the leader does not answer', async () => {
    await aRoom(['A', 'B']);
    room.bus.block('B', 'A');
    await expect(settle(room.peer('B').coordinator.request({ kind: 'stop' }))).rejects.toThrow(
      PlaybackTimeoutError,
    );
  });

  it('moves to the next track when one ends, and stops after the last', async () => {
    await aRoom(['A', 'B']);
    room.allReady();
    await room.clock.advance(10);
    await settle(
      room.peer('B').coordinator.request({ kind: 'replace', trackIds: ['t3', 't3'], playIndex: 0 }),
    );
    const started = stateOf('A').anchor.groupTimeMs;
    await room.clock.advance(started + 10_000 - room.clock.now() - 1);
    expect(stateOf('B').currentIndex).toBe(0);
    await room.clock.advance(20);
    // The next track was placed ahead and starts exactly where the previous one ended (gapless).
    expect(stateOf('B')).toMatchObject({
      currentIndex: 1,
      anchor: { groupTimeMs: started + 10_000, positionSec: 0 },
    });
    expect(stateOf('B').next).toBeUndefined();
    await room.clock.advance(10_000 + 20);
    expect(stateOf('B').currentIndex).toBeNull();
  });
});

describe('PlaybackCoordinator: shuffle and repeat', () => {
  it('shuffle from a follower gives every peer the same order, and un-shuffle restores the original at the current track', async () => {
    await aRoom(['A', 'B', 'C']);
    room.allReady();
    await room.clock.advance(10);
    const original = ['t1', 't2', 't4', 't1', 't2', 't4', 't1', 't2'];
    await settle(room.peer('B').coordinator.request({ kind: 'replace', trackIds: original, playIndex: 2 }));
    const before = stateOf('A');
    const shuffled = await settle(room.peer('C').coordinator.request({ kind: 'shuffle', on: true }));
    await room.clock.advance(10);
    expectAllAgree(['A', 'B', 'C']);
    expect(shuffled.unshuffled).not.toBeNull();
    expect([...shuffled.queue].sort()).toEqual([...original].sort());
    expect(shuffled).toMatchObject({ currentIndex: 0, anchor: before.anchor });
    // Skip twice in the shuffled order, then un-shuffle from the third peer.
    await settle(room.peer('B').coordinator.request({ kind: 'next' }));
    const third = await settle(room.peer('A').coordinator.request({ kind: 'next' }));
    const back = await settle(room.peer('C').coordinator.request({ kind: 'shuffle', on: false }));
    await room.clock.advance(10);
    expectAllAgree(['A', 'B', 'C']);
    expect(back.queue).toEqual(original);
    expect(back.currentIndex).toBe(shuffled.unshuffled?.indexOf(2));
    expect(back.anchor).toEqual(third.anchor);
    for (const id of ['A', 'B', 'C']) expectMonotonic(room.peer(id));
  });

  it('repeat one plays the track again on every peer; repeat all starts the queue over', async () => {
    await aRoom(['A', 'B']);
    room.allReady();
    await room.clock.advance(10);
    await settle(
      room.peer('B').coordinator.request({ kind: 'replace', trackIds: ['t3', 't1'], playIndex: 0 }),
    );
    await settle(room.peer('B').coordinator.request({ kind: 'repeat', mode: 'one' }));
    const started = stateOf('A').anchor.groupTimeMs;
    await room.clock.advance(started + 10_000 + 20 - room.clock.now());
    expect(stateOf('B')).toMatchObject({
      currentIndex: 0,
      repeat: 'one',
      anchor: { groupTimeMs: started + 10_000, positionSec: 0 },
    });
    expectAllAgree(['A', 'B']);
    // Repeat all: from the last track (t3 moved last) back to the first when it ends.
    await settle(room.peer('A').coordinator.request({ kind: 'repeat', mode: 'all' }));
    await settle(room.peer('A').coordinator.request({ kind: 'move', from: 0, to: 1 }));
    const again = stateOf('A');
    expect(again.currentIndex).toBe(1);
    await room.clock.advance(again.anchor.groupTimeMs + 10_000 + 20 - room.clock.now());
    expect(stateOf('B')).toMatchObject({ currentIndex: 0, repeat: 'all' });
    expect(currentTrackId(stateOf('B'))).toBe('t1');
    expectAllAgree(['A', 'B']);
  });
});

describe('PlaybackCoordinator: joining and catching up', () => {
  it('a late joiner asks for the state and computes the same position mid-track', async () => {
    await aRoom(['A', 'B']);
    room.allReady();
    await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    await room.clock.advance(42_000);
    const d = room.add('D');
    await room.clock.advance(10);
    expect(d.coordinator.state()).toEqual(stateOf('A'));
    expect(d.coordinator.positionSec()).toBeCloseTo(room.peer('A').coordinator.positionSec(), 9);
    expect(d.coordinator.positionSec()).toBeGreaterThan(41);
    const syncs = room.bus.log.filter((e) => e.from === 'D' && e.message.type === 'playback:sync-request');
    expect(syncs).toHaveLength(1);
  });

  it('a peer that missed a change catches up from the periodic broadcast', async () => {
    await aRoom(['A', 'B']);
    room.allReady();
    room.bus.block('A', 'B');
    await settle(room.peer('A').coordinator.request({ kind: 'play', index: 0 }));
    await room.clock.advance(100);
    expect(currentTrackId(stateOf('B'))).toBeNull();
    room.bus.unblock('A', 'B');
    await room.clock.until(() => stateOf('B').version === stateOf('A').version, 'B to catch up', 2100);
    expect(stateOf('B')).toEqual(stateOf('A'));
  });
});

describe('PlaybackCoordinator: ready barrier', () => {
  it('starts at once when every member has the track decoded', async () => {
    await aRoom(['A', 'B', 'C']);
    room.allReady();
    await room.clock.advance(10);
    const requestedAt = room.clock.now();
    const state = await settle(room.peer('A').coordinator.request({ kind: 'play', trackId: 't1' }));
    expect(state.starting).toBe(false);
    expect(state.anchor.groupTimeMs).toBe(requestedAt + LEAD);
  });

  it('holds the start for one slow member and starts a lead time after it reports ready', async () => {
    await aRoom(['A', 'B', 'C']);
    for (const id of ['A', 'B']) room.peer(id).coordinator.reportReady('t1');
    await room.clock.advance(10);
    const held = await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    const appliedAt = room.clock.now() - LATENCY;
    expect(held).toMatchObject({
      starting: true,
      anchor: { groupTimeMs: appliedAt + READY_TIMEOUT + LEAD, positionSec: 0 },
    });
    await room.clock.advance(500);
    expect(stateOf('C').starting).toBe(true);
    room.peer('C').coordinator.reportReady('t1');
    const readyAt = room.clock.now();
    await room.clock.advance(20);
    const started = stateOf('A');
    expect(started).toMatchObject({ starting: false, version: held.version + 1 });
    expect(started.anchor.groupTimeMs).toBe(readyAt + LATENCY + LEAD);
    expectAllAgree(['A', 'B', 'C']);
  });

  it('leads a start by what the speakers said they need, the largest plus a margin, once every one has said', async () => {
    await aRoom(['A', 'B', 'C']);
    room.peer('A').coordinator.reportReady('t1', 95.2);
    room.peer('B').coordinator.reportReady('t1', 30);
    await room.clock.advance(10);
    // C has not said what it needs: the configured lead.
    const held = await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    expect(held.starting).toBe(true);
    room.peer('C').coordinator.reportReady('t1', 12);
    const readyAt = room.clock.now();
    await room.clock.advance(20);
    const started = stateOf('A');
    expect(started.starting).toBe(false);
    // A's 95.2 ms, rounded up, plus the margin for the hops.
    expect(started.anchor.groupTimeMs).toBe(readyAt + LATENCY + 96 + LEAD_MARGIN_MS);
    // Every peer keeps the needs: a seek from another peer is led the same way.
    const seekAt = room.clock.now();
    const sought = await settle(room.peer('C').coordinator.request({ kind: 'seek', positionSec: 30 }));
    expect(sought.anchor.groupTimeMs - seekAt).toBeCloseTo(LATENCY + 96 + LEAD_MARGIN_MS, 0);
    expectAllAgree(['A', 'B', 'C']);
  });

  it('a speaker that needs more than the configured lead (a Bluetooth output) gets it', async () => {
    await aRoom(['A', 'B']);
    room.peer('A').coordinator.reportReady('t1', 20);
    room.peer('B').coordinator.reportReady('t1', 310);
    await room.clock.advance(10);
    const requestedAt = room.clock.now();
    const state = await settle(room.peer('A').coordinator.request({ kind: 'play', trackId: 't1' }));
    expect(state.starting).toBe(false);
    expect(state.anchor.groupTimeMs).toBe(requestedAt + 310 + LEAD_MARGIN_MS);
  });

  it('a leader with no speaker does not wait for itself: the start goes a lead time after the speakers are ready', async () => {
    await aRoom(['A', 'B']);
    room.silence('A');
    const held = await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    expect(held.starting).toBe(true);
    await room.clock.advance(100);
    room.peer('B').coordinator.reportReady('t1');
    const readyAt = room.clock.now();
    await room.clock.advance(20);
    const started = stateOf('B');
    expect(started).toMatchObject({ starting: false, version: held.version + 1 });
    expect(started.anchor.groupTimeMs).toBe(readyAt + LATENCY + LEAD);
    expect(started.anchor.groupTimeMs).toBeLessThan(held.anchor.groupTimeMs - READY_TIMEOUT / 2);
  });

  it('after a stop, a play waits for new ready reports: what members had ready before is gone', async () => {
    await aRoom(['A', 'B', 'C']);
    room.allReady();
    await room.clock.advance(10);
    await settle(room.peer('A').coordinator.request({ kind: 'play', trackId: 't1' }));
    const stopped = await settle(room.peer('A').coordinator.request({ kind: 'stop' }));
    // A ready report said of the play before the stop that arrives after it does not count.
    room.bus.publish('C', { type: 'playback:ready', trackId: 't1', version: stopped.version - 1 });
    await room.clock.advance(10);
    const held = await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    expect(held.starting).toBe(true);
    for (const id of ['A', 'B']) room.peer(id).coordinator.reportReady('t1');
    await room.clock.advance(20);
    expect(stateOf('A').starting).toBe(true);
    room.peer('C').coordinator.reportReady('t1');
    await room.clock.advance(20);
    expect(stateOf('A')).toMatchObject({ starting: false, version: held.version + 1 });
    expect(room.peer('A').coordinator.counts().staleReadyReports).toBe(1);
    expectAllAgree(['A', 'B', 'C']);
  });

  it('starts without the slow member at the deadline; it joins mid-track when ready', async () => {
    await aRoom(['A', 'B', 'C']);
    for (const id of ['A', 'B']) room.peer(id).coordinator.reportReady('t2');
    await room.clock.advance(10);
    const held = await settle(room.peer('A').coordinator.request({ kind: 'play', trackId: 't2' }));
    const heldStart = held.anchor.groupTimeMs;
    await room.clock.advance(READY_TIMEOUT - 100);
    expect(stateOf('C').starting).toBe(true);
    await room.clock.advance(200);
    const started = stateOf('C');
    expect(started).toMatchObject({
      starting: false,
      version: held.version + 1,
      anchor: { groupTimeMs: heldStart },
    });
    await room.clock.advance(2000);
    room.peer('C').coordinator.reportReady('t2');
    await room.clock.advance(20);
    expect(stateOf('C')).toEqual(started);
    // C starts where the room is, not at 0.
    expect(positionAt(stateOf('C'), room.clock.now())).toBeCloseTo((room.clock.now() - heldStart) / 1000, 9);
    expect(positionAt(stateOf('C'), room.clock.now())).toBeGreaterThan(1.5);
  });

  it('stops waiting for a member that leaves the room', async () => {
    await aRoom(['A', 'B', 'C']);
    room.peer('A').coordinator.reportReady('t1');
    room.peer('B').coordinator.reportReady('t1');
    await room.clock.advance(10);
    await settle(room.peer('A').coordinator.request({ kind: 'play', trackId: 't1' }));
    await room.clock.advance(300);
    room.crash('C');
    room.peer('A').coordinator.membersChanged();
    const now = room.clock.now();
    expect(stateOf('A')).toMatchObject({ starting: false, anchor: { groupTimeMs: now + LEAD } });
  });
});

describe('PlaybackCoordinator: tracks a speaker cannot play', () => {
  const undecodable = 'This file could not be decoded: EncodingError';

  it('skips a track no speaker can play, without waiting for the deadline, and says why', async () => {
    await aRoom(['A', 'B', 'C']);
    const askedAt = room.clock.now();
    await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    expect(stateOf('A')).toMatchObject({ starting: true });
    for (const id of ['A', 'B', 'C']) room.peer(id).coordinator.reportUnplayable('t1', undecodable);
    await room.clock.advance(20);
    expect(currentTrackId(stateOf('C'))).toBe('t2');
    expect(room.clock.now() - askedAt).toBeLessThan(READY_TIMEOUT);
    expect(room.peer('A').infos).toContain(`playback: skipping t1, no speaker can play it (${undecodable})`);
    expect(room.peer('A').coordinator.counts().unplayableSkips).toBe(1);
  });

  it('plays a track that one speaker cannot play when another can', async () => {
    await aRoom(['A', 'B', 'C']);
    await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    room.peer('A').coordinator.reportUnplayable('t1', undecodable);
    room.peer('B').coordinator.reportReady('t1');
    room.peer('C').coordinator.reportReady('t1');
    await room.clock.advance(20);
    expect(stateOf('A')).toMatchObject({ starting: false });
    expect(currentTrackId(stateOf('A'))).toBe('t1');
  });

  it('skips a playing track once every speaker has failed on it', async () => {
    await playingRoom();
    // Every speaker said it was ready, then failed on it (its bytes could not be had, say).
    for (const id of ['A', 'B']) room.peer(id).coordinator.reportUnplayable('t1', undecodable);
    await room.clock.advance(20);
    expect(currentTrackId(stateOf('B'))).toBe('t1');
    room.peer('C').coordinator.reportUnplayable('t1', undecodable);
    await room.clock.advance(20);
    expect(currentTrackId(stateOf('B'))).toBe('t2');
    expect(room.peer('A').coordinator.counts().unplayableSkips).toBe(1);
  });

  it('ignores an unplayable report with a malformed reason and counts it', async () => {
    await aRoom(['A', 'B']);
    room.bus.inject('B', { type: 'playback:unplayable', trackId: 't1', version: 1, reason: 'a\nb' });
    await room.clock.advance(20);
    expect(room.peer('A').coordinator.counts().unplayableReports).toBe(0);
    expect(room.peer('A').coordinator.counts().dropped['invalid:playback:unplayable']).toBe(1);
  });
});

describe('PlaybackCoordinator: leader failover', () => {
  it('the new leader carries on mid-track; followers play on without a jump', async () => {
    await playingRoom();
    await room.clock.advance(60_000);
    const c = room.peer('C');
    const before = c.coordinator.state();
    const samples: number[] = [];
    const sample = () => samples.push(c.coordinator.positionSec());
    for (let i = 0; i < 20; i++) {
      sample();
      await room.clock.advance(50);
    }
    room.crash('A');
    room.elect('B');
    for (let i = 0; i < 40; i++) {
      sample();
      await room.clock.advance(50);
    }
    for (let i = 1; i < samples.length; i++) {
      expect((samples[i] as number) - (samples[i - 1] as number), `step ${i}`).toBeCloseTo(0.05, 9);
    }
    const after = c.coordinator.state();
    expect(after).toMatchObject({ updatedBy: 'B', epoch: room.epoch, version: before.version + 1 });
    expect(sameTimeline(before, after)).toBe(true);
    expectMonotonic(c);
    // The room keeps working under the new leader.
    const next = await settle(c.coordinator.request({ kind: 'next' }));
    expect(next).toMatchObject({ updatedBy: 'B', currentIndex: 1 });
  });

  it('a command sent to a leader that dies before it applies goes to the next leader, and applies once', async () => {
    await playingRoom();
    const asked = room.peer('C').coordinator.request({ kind: 'next' });
    room.crash('A'); // before the command reaches it
    room.elect('B');
    const state = await settle(asked);
    expect(state).toMatchObject({ updatedBy: 'B', epoch: room.epoch, currentIndex: 1 });
    await room.clock.advance(100);
    expect(stateOf('B').currentIndex).toBe(1);
    expectAllAgree(['B', 'C']);
  });

  it('a command the dying leader applied is answered, not applied again, by the next leader', async () => {
    await playingRoom();
    // A applies C's "next" and announces it; B hears it, C does not, and then A dies.
    room.bus.block('A', 'C');
    const asked = room.peer('C').coordinator.request({ kind: 'next' });
    await room.clock.advance(20);
    expect(stateOf('B').currentIndex).toBe(1);
    expect(stateOf('C').currentIndex).toBe(0);
    room.crash('A');
    room.elect('B');
    const state = await settle(asked);
    expect(state.currentIndex).toBe(1);
    await room.clock.advance(100);
    expect(stateOf('B').currentIndex).toBe(1);
    expect(room.peer('B').coordinator.counts().dropped).toMatchObject({ duplicateRequest: 1 });
    expectAllAgree(['B', 'C']);
  });

  it('a new leader that missed the last change takes the newest state from a follower', async () => {
    await playingRoom();
    room.bus.block('A', 'B');
    const seeked = await settle(room.peer('C').coordinator.request({ kind: 'seek', positionSec: 100 }));
    expect(stateOf('B').anchor.positionSec).toBe(0);
    room.crash('A');
    room.elect('B');
    await room.clock.advance(TAKEOVER + 20);
    const carried = stateOf('B');
    expect(carried).toMatchObject({ version: seeked.version + 1, epoch: room.epoch, anchor: seeked.anchor });
    expectAllAgree(['B', 'C']);
  });

  it('a restarted peer that wins the election knowing nothing does not stop the room', async () => {
    const playing = await playingT2For5s();
    room.add('D');
    room.elect('D');
    await room.clock.advance(TAKEOVER + 20);
    expect(stateOf('D')).toMatchObject({ updatedBy: 'D', version: playing.version + 1 });
    for (const id of ['A', 'B', 'D']) expect(sameTimeline(stateOf(id), playing), id).toBe(true);
    for (const id of ['A', 'B'])
      expect(
        room.peer(id).history.every((s) => s.version < playing.version || currentTrackId(s) === 't2'),
      ).toBe(true);
  });

  it("a new peer that wins the election before the room's states reach it waits for them instead of stopping the room", async () => {
    const playing = await playingT2For5s();
    // A joiner on a loaded machine: the others' answers to its collecting request take longer than `takeoverMs`.
    room.add('D');
    for (const id of ['A', 'B']) {
      room.bus.setLatency(id, 'D', TAKEOVER * 3);
      room.bus.setLatency('D', id, TAKEOVER * 3);
    }
    room.elect('D');
    // A command the joiner's user gives meanwhile waits for the takeover and applies to the room's state.
    const asked = room.peer('D').coordinator.request({ kind: 'seek', positionSec: 50 });
    const seeked = await settle(asked);
    expect(currentTrackId(seeked)).toBe('t2');
    await room.clock.advance(TAKEOVER * 4);
    for (const id of ['A', 'B', 'D']) {
      expect(currentTrackId(stateOf(id)), id).toBe('t2');
      expect(
        room.peer(id).history.every((s) => s.version < playing.version || currentTrackId(s) === 't2'),
        `${id} never left t2`,
      ).toBe(true);
    }
    expectAllAgree(['A', 'B', 'D']);
  });

  it('versions only grow on every peer through commands, a held start and two leader changes', async () => {
    await aRoom(['A', 'B', 'C']);
    room.peer('B').coordinator.reportReady('t1');
    await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    await room.clock.advance(4000);
    await settle(room.peer('C').coordinator.request({ kind: 'pause' }));
    room.elect('B');
    await room.clock.advance(TAKEOVER + 20);
    await settle(room.peer('A').coordinator.request({ kind: 'resume' }));
    room.elect('C');
    await room.clock.advance(TAKEOVER + 20);
    await settle(room.peer('A').coordinator.request({ kind: 'enqueue', trackIds: ['t4'] }));
    await room.clock.advance(2100);
    for (const p of room.peers.values()) expectMonotonic(p);
    expectAllAgree(['A', 'B', 'C']);
    expect(stateOf('A')).toMatchObject({ updatedBy: 'C', epoch: room.epoch, paused: false });
  });
});

describe('PlaybackCoordinator: untrusted input', () => {
  it('drops and counts invalid messages without changing anything', async () => {
    await aRoom(['A', 'B']);
    room.allReady();
    await settle(room.peer('B').coordinator.request({ kind: 'play', trackId: 't1' }));
    await room.clock.advance(10);
    const before = stateOf('B');
    const good = { ...before, version: before.version + 5 };
    const garbage: unknown[] = [
      'hello',
      null,
      [1, 2],
      { type: 'playback:dance' },
      { type: 'playback:state', state: { ...good, currentIndex: 7 }, reply: null },
      { type: 'playback:state', state: { ...good, queue: new Array(600).fill('t1') }, reply: null },
      { type: 'playback:state', state: good },
      { type: 'playback:command', to: 'A', requestId: 'x', command: { kind: 'play', index: -1 } },
      { type: 'playback:command', to: 'A', requestId: 'has space', command: { kind: 'stop' } },
      { type: 'playback:ready', trackId: '', version: 1 },
      { type: 'playback:sync-request', collect: 'yes' },
    ];
    for (const raw of garbage) room.bus.inject('X', raw);
    await room.clock.advance(20);
    for (const id of ['A', 'B']) {
      expect(stateOf(id)).toEqual(before);
      expect(room.peer(id).coordinator.counts().dropped).toEqual({
        invalid: 4,
        'invalid:playback:state': 3,
        'invalid:playback:command': 2,
        'invalid:playback:ready': 1,
        'invalid:playback:sync-request': 1,
      });
    }
    expect(room.peer('B').warnings.length).toBeGreaterThanOrEqual(garbage.length);
  });

  it('ignores a state from an epoch no leader has reached, commands to a non-leader, and repeated requests', async () => {
    await aRoom(['A', 'B']);
    room.allReady();
    await room.clock.advance(10);
    const before = stateOf('B');
    room.bus.inject('X', {
      type: 'playback:state',
      state: { ...before, epoch: 10_000, version: 1 },
      reply: null,
    });
    room.bus.inject('X', { type: 'playback:command', to: 'B', requestId: 'r1', command: { kind: 'stop' } });
    room.bus.inject('X', {
      type: 'playback:command',
      to: 'A',
      requestId: 'r2',
      command: { kind: 'play', index: 0 },
    });
    room.bus.inject('X', {
      type: 'playback:command',
      to: 'A',
      requestId: 'r2',
      command: { kind: 'play', index: 0 },
    });
    await room.clock.advance(20);
    expect(room.peer('B').coordinator.counts().dropped).toMatchObject({ futureEpoch: 1, notLeader: 1 });
    expect(room.peer('A').coordinator.counts().dropped).toMatchObject({ duplicateRequest: 1 });
    expect(stateOf('B')).toMatchObject({ version: before.version + 1, epoch: room.epoch });
  });
});
