import { describe, expect, it } from 'vitest';
import type { ControlMessage } from '../protocol/messages';
import {
  createMembership,
  defaultMembershipTimings,
  followerHeartbeatPeriodMs,
  listMembers,
  membershipStep,
  membershipWakeMs,
  sentBeforeLeave,
  type MembershipEffect,
  type MembershipEvent,
  type MembershipState,
} from './membership';

const SELF = 'PeerSelf';
const TIMEOUT = defaultMembershipTimings.memberTimeoutMs;

const heartbeat = (from: string, seq: number, over: Partial<Record<string, unknown>> = {}): ControlMessage =>
  ({
    v: 1,
    type: 'heartbeat',
    from,
    epoch: 2,
    seq,
    name: `name of ${from}`,
    priority: 1,
    addrs: ['/ip4/10.0.0.1/tcp/1'],
    role: 'follower',
    leaderId: 'PeerZ',
    periodMs: defaultMembershipTimings.followerHeartbeatMs,
    ...over,
  }) as ControlMessage;
const leave = (from: string, seq: number): ControlMessage => ({ v: 1, type: 'leave', from, epoch: 2, seq });

class Table {
  state: MembershipState = createMembership(SELF);
  effects: MembershipEffect[] = [];

  on(event: MembershipEvent, nowMs: number): this {
    const r = membershipStep(this.state, event, nowMs);
    this.state = r.state;
    this.effects = r.effects;
    return this;
  }

  hear(msg: ControlMessage, nowMs: number): this {
    return this.on({ kind: 'message', msg }, nowMs);
  }

  ids(): string[] {
    return listMembers(this.state).map((m) => m.peerId);
  }

  effectKinds(): string[] {
    return this.effects.map((e) => `${e.kind}:${e.member.peerId}${e.kind === 'left' ? `:${e.reason}` : ''}`);
  }
}

describe('member table', () => {
  it('admits a peer on its first heartbeat and refreshes it on later ones', () => {
    const t = new Table().hear(heartbeat('PeerB', 1), 100);
    expect(t.effectKinds()).toEqual(['joined:PeerB']);
    expect(t.state.members.get('PeerB')).toEqual({
      peerId: 'PeerB',
      name: 'name of PeerB',
      priority: 1,
      addrs: ['/ip4/10.0.0.1/tcp/1'],
      role: 'follower',
      leaderId: 'PeerZ',
      epoch: 2,
      lastSeenAtMs: 100,
      joinedAtMs: 100,
      rttMs: null,
      // A heartbeat without a speaker report (an older build's) reads as none.
      output: null,
      periodMs: defaultMembershipTimings.followerHeartbeatMs,
    });
    t.hear(heartbeat('PeerB', 2, { name: 'Kitchen', role: 'leader', leaderId: 'PeerB', epoch: 3 }), 350);
    expect(t.effects).toEqual([]);
    expect(t.state.members.get('PeerB')).toMatchObject({
      name: 'Kitchen',
      role: 'leader',
      epoch: 3,
      lastSeenAtMs: 350,
      joinedAtMs: 100,
    });
  });

  it('never lists itself', () => {
    const t = new Table().hear(heartbeat(SELF, 1), 0);
    expect(t.effects).toEqual([]);
    expect(t.ids()).toEqual([]);
  });

  it('counts any message from a known member as a sign of life, but admits only on heartbeats', () => {
    const t = new Table().hear(heartbeat('PeerB', 1), 0);
    t.hear({ v: 1, type: 'coordinator', from: 'PeerB', epoch: 3, seq: 2, priority: 1 }, 900);
    expect(t.state.members.get('PeerB')?.lastSeenAtMs).toBe(900);
    t.hear({ v: 1, type: 'election', from: 'PeerC', epoch: 3, seq: 1, priority: 1, leaderId: null }, 900);
    expect(t.ids()).toEqual(['PeerB']);
  });

  it('removes a member silent for memberTimeoutMs and says when the next removal is due', () => {
    const t = new Table().hear(heartbeat('PeerB', 1), 0).hear(heartbeat('PeerC', 1), 400);
    expect(membershipWakeMs(t.state)).toBe(TIMEOUT);
    t.on({ kind: 'tick' }, TIMEOUT - 1);
    expect(t.effects).toEqual([]);
    t.on({ kind: 'tick' }, TIMEOUT);
    expect(t.effectKinds()).toEqual(['left:PeerB:timeout']);
    expect(t.ids()).toEqual(['PeerC']);
    expect(membershipWakeMs(t.state)).toBe(400 + TIMEOUT);
    t.on({ kind: 'tick' }, 400 + TIMEOUT);
    expect(t.ids()).toEqual([]);
    expect(membershipWakeMs(t.state)).toBeNull();
  });

  it('waits as many of its periods for a member that beats less often (a follower in a large room)', () => {
    const t = new Table().hear(heartbeat('PeerB', 1, { periodMs: 2000 }), 0).hear(heartbeat('PeerC', 1), 0);
    const missed = TIMEOUT / defaultMembershipTimings.followerHeartbeatMs;
    t.on({ kind: 'tick' }, TIMEOUT);
    expect(t.ids()).toEqual(['PeerB']);
    expect(membershipWakeMs(t.state)).toBe(missed * 2000);
    t.on({ kind: 'tick' }, missed * 2000);
    expect(t.effectKinds()).toEqual(['left:PeerB:timeout']);
    // A period shorter than the followers' (the leader's) never shortens the timeout.
    const u = new Table().hear(heartbeat('PeerB', 1, { periodMs: 250 }), 0);
    expect(membershipWakeMs(u.state)).toBe(TIMEOUT);
  });

  it('times out a member whose heartbeats name no period (an older build) at the default timeout', () => {
    const t = new Table().hear(heartbeat('PeerB', 1, { periodMs: undefined }), 0);
    expect(membershipWakeMs(t.state)).toBe(TIMEOUT);
    t.on({ kind: 'tick' }, TIMEOUT);
    expect(t.effectKinds()).toEqual(['left:PeerB:timeout']);
  });

  it('followers of a large room beat less often, so that the room sends followerHeartbeatsPerSec at most', () => {
    const timings = defaultMembershipTimings;
    expect(followerHeartbeatPeriodMs(timings, 0)).toBe(timings.followerHeartbeatMs);
    expect(followerHeartbeatPeriodMs(timings, 7)).toBe(timings.followerHeartbeatMs);
    expect(followerHeartbeatPeriodMs(timings, 15)).toBe(938);
    expect(followerHeartbeatPeriodMs(timings, 31)).toBe(1938);
    for (const members of [8, 15, 31, 63]) {
      expect(members / (followerHeartbeatPeriodMs(timings, members) / 1000)).toBeLessThanOrEqual(
        timings.followerHeartbeatsPerSec,
      );
    }
  });

  it('re-admits a returning peer as a new join', () => {
    const t = new Table().hear(heartbeat('PeerB', 1), 0).on({ kind: 'tick' }, TIMEOUT);
    expect(t.ids()).toEqual([]);
    t.hear(heartbeat('PeerB', 2), TIMEOUT + 500);
    expect(t.effectKinds()).toEqual(['joined:PeerB']);
    expect(t.state.members.get('PeerB')?.joinedAtMs).toBe(TIMEOUT + 500);
  });

  it('removes a peer at once on leave and ignores what it sent before leaving', () => {
    const t = new Table().hear(heartbeat('PeerB', 5), 0).hear(leave('PeerB', 7), 100);
    expect(t.effectKinds()).toEqual(['left:PeerB:leave']);
    // A heartbeat numbered before the leave, delivered late: not a return.
    const late = heartbeat('PeerB', 6);
    expect(sentBeforeLeave(t.state, late, 110)).toBe(true);
    t.hear(late, 110);
    expect(t.effects).toEqual([]);
    expect(t.ids()).toEqual([]);
    // A heartbeat numbered after it: the peer came back.
    t.hear(heartbeat('PeerB', 8), 200);
    expect(t.effectKinds()).toEqual(['joined:PeerB']);
    expect(t.state.departed.has('PeerB')).toBe(false);
  });

  it('forgets a leave after memberTimeoutMs, so a restarted peer numbering from zero is admitted', () => {
    const t = new Table().hear(heartbeat('PeerB', 50), 0).hear(leave('PeerB', 51), 100);
    t.hear(heartbeat('PeerB', 0), 100 + TIMEOUT - 1);
    expect(t.ids()).toEqual([]);
    t.on({ kind: 'tick' }, 100 + TIMEOUT);
    expect(t.state.departed.size).toBe(0);
    t.hear(heartbeat('PeerB', 0), 100 + TIMEOUT + 1);
    expect(t.effectKinds()).toEqual(['joined:PeerB']);
  });

  it('a leave from an unknown peer removes nothing', () => {
    const t = new Table().hear(leave('PeerB', 1), 0);
    expect(t.effects).toEqual([]);
  });

  it('records round-trip times for members only, and keeps them across heartbeats', () => {
    const t = new Table().hear(heartbeat('PeerB', 1), 0);
    t.on({ kind: 'rtt', peerId: 'PeerB', rttMs: 1.5 }, 10);
    t.on({ kind: 'rtt', peerId: 'PeerC', rttMs: 2 }, 10);
    t.on({ kind: 'rtt', peerId: 'PeerB', rttMs: Number.NaN }, 10);
    t.hear(heartbeat('PeerB', 2), 20);
    expect(t.state.members.get('PeerB')?.rttMs).toBe(1.5);
    expect(t.ids()).toEqual(['PeerB']);
  });

  it('keeps the previous state untouched (pure updates)', () => {
    const t = new Table().hear(heartbeat('PeerB', 1), 0);
    const before = t.state;
    t.hear(heartbeat('PeerC', 1), 10).on({ kind: 'tick' }, TIMEOUT);
    expect([...before.members.keys()]).toEqual(['PeerB']);
    expect(before.members.get('PeerB')?.lastSeenAtMs).toBe(0);
  });

  it('takes its timeout from the options and clears on demand', () => {
    const s = createMembership(SELF, { memberTimeoutMs: 100 });
    const r = membershipStep(s, { kind: 'message', msg: heartbeat('PeerB', 1) }, 0);
    expect(membershipStep(r.state, { kind: 'tick' }, 100).effects).toHaveLength(1);
    expect(membershipStep(r.state, { kind: 'clear' }, 1).state.members.size).toBe(0);
  });
});
