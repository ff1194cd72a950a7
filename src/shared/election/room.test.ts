import { describe, expect, it } from 'vitest';
import { decodeControl, encodeControl, sealControl } from '../protocol/codec';
import type { ControlMessage } from '../protocol/messages';
import { defaultMembershipTimings } from '../membership/membership';
import { defaultElectionTimings } from './election-state';
import {
  createRoom,
  roomEpoch,
  roomLeader,
  roomMembers,
  roomRole,
  roomRunning,
  roomStep,
  roomWakeMs,
  type RoomEffect,
  type RoomEvent,
  type RoomState,
} from './room';

const T = defaultElectionTimings;
const LOW = 'PeerB';
const HIGH = 'PeerD';

// One heartbeat period for every role keeps these tests about the reducer's rules; the test
// 'beats faster as leader than as follower' covers the two periods.
const aRoom = (peerId: string, priority = 0, initialEpoch?: number, followerHeartbeatMs = T.heartbeatMs) =>
  createRoom({
    self: { peerId, name: `speaker ${peerId}`, priority, addrs: ['/ip4/127.0.0.1/tcp/4001'] },
    timings: { followerHeartbeatMs },
    ...(initialEpoch === undefined ? {} : { initialEpoch }),
  });

/** One peer plus the wire: publishes are sealed, encoded and decoded as the service would. */
class Peer {
  effects: RoomEffect[] = [];
  seq = 1000;

  constructor(public room: RoomState) {}

  on(event: RoomEvent, nowMs: number): this {
    const r = roomStep(this.room, event, nowMs);
    this.room = r.room;
    this.effects = r.effects;
    return this;
  }

  /** What this step put on the wire, as peers would decode it. */
  wire(): ControlMessage[] {
    return this.effects.flatMap((e) => {
      if (e.kind !== 'publish') return [];
      const decoded = decodeControl(encodeControl(sealControl(e.msg, this.seq++)), this.room.self.peerId);
      if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.detail}`);
      return [decoded.value];
    });
  }

  kinds(): string[] {
    return this.effects.map((e) => (e.kind === 'publish' ? `publish:${e.msg.type}` : e.kind));
  }
}

/** Delivers messages to a peer and returns the effects of all those steps. */
function deliver(msgs: ControlMessage[], to: Peer, nowMs: number): RoomEffect[] {
  const effects: RoomEffect[] = [];
  for (const msg of msgs) effects.push(...to.on({ kind: 'message', msg }, nowMs).effects);
  return effects;
}

describe('room reducer', () => {
  it('on start announces itself with a heartbeat, then calls an election', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    const [hb, el] = p.wire();
    expect(hb).toMatchObject({
      type: 'heartbeat',
      from: LOW,
      name: `speaker ${LOW}`,
      role: 'candidate',
      leaderId: null,
      epoch: 0,
    });
    expect(el).toMatchObject({ type: 'election', from: LOW });
    expect(roomRunning(p.room)).toBe(true);
    expect(roomRole(p.room)).toBe('candidate');
    expect(roomWakeMs(p.room)).toBe(T.heartbeatMs);
    p.on({ kind: 'start' }, 1);
    expect(p.effects).toEqual([]);
  });

  it('carries its clock, speaker flag and download progress in the next heartbeat, and members keep them', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'clock', clock: { offsetMs: 1.5, driftPpm: 2, rttMs: 0.3, errorMs: 0.1 } }, 1);
    p.on({ kind: 'download', download: { trackId: 'ab'.repeat(32), haveChunks: 5, totalChunks: 20 } }, 2);
    p.on({ kind: 'update', self: { speaker: true } }, 3);
    const [heartbeat] = p
      .wire()
      .filter((m) => m.type === 'heartbeat')
      .slice(-1);
    expect(heartbeat).toMatchObject({
      clock: { offsetMs: 1.5, errorMs: 0.1 },
      speaker: true,
      download: { haveChunks: 5, totalChunks: 20 },
    });
    const other = new Peer(aRoom(HIGH, 5)).on({ kind: 'start' }, 0);
    other.on({ kind: 'message', msg: heartbeat as ControlMessage }, 10);
    expect(roomMembers(other.room)[0]).toMatchObject({
      peerId: LOW,
      speaker: true,
      download: { haveChunks: 5 },
      clock: { offsetMs: 1.5 },
    });
  });

  it('beats faster as leader than as follower', () => {
    const follower = new Peer(aRoom(LOW, 0, undefined, 500)).on({ kind: 'start' }, 0);
    expect(roomWakeMs(follower.room)).toBeLessThanOrEqual(500);
    expect(follower.room.nextHeartbeatAtMs).toBe(500);
    const leader = new Peer(aRoom(HIGH, 5, undefined, 500)).on({ kind: 'start' }, 0);
    // Alone, it claims leadership after the startup grace and answer timeout; from then on it beats every heartbeatMs.
    for (let t = 0; t <= 3000; t += 10) leader.on({ kind: 'tick' }, t);
    expect(roomRole(leader.room)).toBe('leader');
    const at = leader.room.nextHeartbeatAtMs as number;
    leader.on({ kind: 'tick' }, at);
    expect(leader.room.nextHeartbeatAtMs).toBe(at + T.heartbeatMs);
  });

  it('heartbeats every period and ticking early does nothing', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'tick' }, T.heartbeatMs - 1);
    expect(p.effects).toEqual([]);
    p.on({ kind: 'tick' }, T.heartbeatMs);
    expect(p.kinds()).toEqual(['publish:heartbeat']);
    expect(roomWakeMs(p.room)).toBe(Math.min(2 * T.heartbeatMs, T.startupGraceMs));
  });

  it('two peers form a room: joins, one leader, matching heartbeats', () => {
    const low = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    const lowHello = low.wire();
    const high = new Peer(aRoom(HIGH)).on({ kind: 'start' }, 0);
    const highHello = high.wire();

    const atLow = deliver(highHello, low, 1);
    expect(atLow.filter((e) => e.kind === 'joined')).toEqual([
      expect.objectContaining({ member: expect.objectContaining({ peerId: HIGH }) }),
    ]);
    // The higher peer's ELECTION counts as an answer: the lower one waits for its COORDINATOR.
    expect(low.room.election.phase).toBe('awaiting');
    const atHigh = deliver(lowHello, high, 1);
    expect(atHigh.map((e) => e.kind)).toEqual(['joined', 'publish']);
    expect(high.wire()).toEqual([expect.objectContaining({ type: 'answer', to: LOW })]);

    high.on({ kind: 'tick' }, T.startupGraceMs);
    expect(high.effects).toContainEqual({ kind: 'leader', leader: { peerId: HIGH, epoch: 1 } });
    const claim = high.wire();
    expect(claim.map((m) => m.type)).toEqual(['coordinator', 'heartbeat']);
    low.on({ kind: 'message', msg: claim[0] as ControlMessage }, T.startupGraceMs + 1);
    expect(low.effects).toContainEqual({ kind: 'leader', leader: { peerId: HIGH, epoch: 1 } });
    // A follower tells the room its new role with its next heartbeat, not at once.
    expect(low.wire()).toEqual([]);
    low.on({ kind: 'message', msg: claim[1] as ControlMessage }, T.startupGraceMs + 1);
    expect(low.effects).toEqual([]);

    expect(roomLeader(low.room)).toEqual({ peerId: HIGH, epoch: 1 });
    expect(roomRole(high.room)).toBe('leader');
    expect(roomMembers(low.room).map((m) => m.peerId)).toEqual([HIGH]);
    expect(roomMembers(high.room).map((m) => m.peerId)).toEqual([LOW]);
    expect(roomEpoch(low.room)).toBe(1);
  });

  it('a member that goes silent leaves; if it led, an election follows', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 1) }, 10);
    expect(roomLeader(p.room)).toEqual({ peerId: HIGH, epoch: 3 });
    let now = 10;
    let leaderLostAt: number | null = null;
    while (now < 10 + T.leaderTimeoutMs + 1000) {
      now = roomWakeMs(p.room) ?? now + 1;
      p.on({ kind: 'tick' }, now);
      if (leaderLostAt === null && p.effects.some((e) => e.kind === 'leader' && e.leader === null)) {
        leaderLostAt = now;
        expect(p.kinds()).toContain('publish:election');
      }
      if (p.effects.some((e) => e.kind === 'left')) break;
    }
    // The leader timeout (election) comes first; the member timeout removes it later.
    expect(leaderLostAt).toBe(10 + T.leaderTimeoutMs);
    expect(now).toBe(10 + defaultMembershipTimings.memberTimeoutMs);
    expect(roomMembers(p.room)).toEqual([]);
    // Alone, it ends up leading the room itself.
    expect(roomLeader(p.room)).toEqual({ peerId: LOW, epoch: 4 });
  });

  it('on leave from the leader, drops it and elects without waiting for a timeout', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 5) }, 10);
    p.on({ kind: 'message', msg: { v: 1, type: 'leave', from: HIGH, epoch: 3, seq: 6 } }, 20);
    expect(p.kinds()).toEqual(['left', 'leader', 'publish:election']);
    // Its last heartbeat, overtaken by the leave, must not bring it back.
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 4) }, 21);
    expect(p.effects).toEqual([{ kind: 'drop', reason: 'afterLeave', from: HIGH, type: 'heartbeat' }]);
    expect(roomLeader(p.room)).toBeNull();
  });

  it('tells a higher peer that restarted behind on epochs the current one at once', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 5) }, 10);
    p.on(
      {
        kind: 'message',
        msg: { v: 1, type: 'election', from: HIGH, epoch: 1, seq: 9, priority: 0, leaderId: null },
      },
      20,
    );
    expect(p.wire()).toEqual([expect.objectContaining({ type: 'heartbeat', epoch: 3 })]);
    // One that knows the epoch gets nothing: we do not answer a higher peer.
    p.on(
      {
        kind: 'message',
        msg: { v: 1, type: 'election', from: HIGH, epoch: 3, seq: 10, priority: 0, leaderId: null },
      },
      30,
    );
    expect(p.wire()).toEqual([]);
  });

  it('reports stale-epoch drops for the service to count', () => {
    const p = new Peer(aRoom(LOW, 0, 7)).on({ kind: 'start' }, 0);
    p.on(
      { kind: 'message', msg: { v: 1, type: 'coordinator', from: HIGH, epoch: 6, seq: 1, priority: 0 } },
      5,
    );
    expect(p.effects).toEqual([{ kind: 'drop', reason: 'staleEpoch', from: HIGH, type: 'coordinator' }]);
  });

  it('on stop says leave, forgets members and needs no more ticks', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 1) }, 10);
    p.on({ kind: 'stop' }, 20);
    expect(p.kinds()).toEqual(['leader', 'publish:leave']);
    expect(p.wire()[0]).toMatchObject({ type: 'leave', from: LOW, epoch: 3 });
    expect(roomMembers(p.room)).toEqual([]);
    expect(roomWakeMs(p.room)).toBeNull();
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 2) }, 30);
    expect(p.effects).toEqual([]);
    p.on({ kind: 'stop' }, 40);
    expect(p.effects).toEqual([]);
  });

  it('an update changes the heartbeat at once, and a raised priority takes over', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'message', msg: hb(HIGH, 3, HIGH, 1) }, 10);
    p.on({ kind: 'update', self: { name: 'Porch', priority: 9, addrs: ['/ip4/10.0.0.2/tcp/1'] } }, 20);
    expect(p.kinds()).toEqual(['leader', 'publish:election', 'publish:heartbeat']);
    expect(p.wire()[1]).toMatchObject({
      type: 'heartbeat',
      name: 'Porch',
      priority: 9,
      addrs: ['/ip4/10.0.0.2/tcp/1'],
      role: 'candidate',
    });
    p.on({ kind: 'tick' }, 20 + T.answerTimeoutMs);
    expect(roomLeader(p.room)).toEqual({ peerId: LOW, epoch: 4 });
  });

  it('a priority set before start is used by the election', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'update', self: { priority: 4 } }, 0);
    expect(p.effects).toEqual([]);
    p.on({ kind: 'start' }, 0);
    expect(p.wire()[1]).toMatchObject({ type: 'election', priority: 4 });
  });

  it('records round-trip times on members', () => {
    const p = new Peer(aRoom(LOW)).on({ kind: 'start' }, 0);
    p.on({ kind: 'message', msg: hb(HIGH, 0, null, 1) }, 10);
    p.on({ kind: 'rtt', peerId: HIGH, rttMs: 0.8 }, 11);
    expect(roomMembers(p.room)[0]?.rttMs).toBe(0.8);
  });
});

function hb(from: string, epoch: number, leaderId: string | null, seq: number): ControlMessage {
  return {
    v: 1,
    type: 'heartbeat',
    from,
    epoch,
    seq,
    name: from,
    priority: 0,
    addrs: [],
    role: leaderId === from ? 'leader' : leaderId ? 'follower' : 'candidate',
    leaderId,
    clock: null,
    speaker: true,
    download: null,
    periodMs: 250,
  };
}
