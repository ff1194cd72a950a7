/**
 * The room's member table as a pure reducer: `membershipStep(state, event, nowMs)`. Heartbeats
 * admit and refresh members, silence longer than `memberTimeoutMs` removes them, and an explicit
 * `leave` removes one at once. The table never lists this peer itself.
 */
import type { ControlMessage, ControlMessageOf } from '../protocol/messages';
import type { ClockInfo, DownloadInfo, Role, SpeakerReport } from '../status';

export interface MembershipTimings {
  /**
   * A member silent this long is removed; one that announces a longer heartbeat period (a follower in a
   * large room) after `memberTimeoutMs / followerHeartbeatMs` of its periods.
   */
  memberTimeoutMs: number;
  /**
   * Heartbeat period of a peer that does not lead. Only the leader's heartbeat has to be quick (followers
   * time it out to elect); the others only keep the member list, so they beat less often and the room's
   * traffic grows half as fast with its size.
   */
  followerHeartbeatMs: number;
  /**
   * Heartbeats a second that all followers of a room send together, at most: in a room with more than
   * `followerHeartbeatsPerSec * followerHeartbeatMs / 1000` followers each beats less often. Every peer
   * receives (and verifies) every heartbeat, so without this each one's work would grow with the square of
   * the room's size; with it, a member that crashes is noticed later in a large room.
   */
  followerHeartbeatsPerSec: number;
}

/** Defaults: three missed follower heartbeats (six of the leader's); up to 8 followers beat every 500 ms. */
export const defaultMembershipTimings: Readonly<MembershipTimings> = Object.freeze({
  memberTimeoutMs: 1500,
  followerHeartbeatMs: 500,
  followerHeartbeatsPerSec: 16,
});

/** Heartbeat period of a follower that knows `memberCount` other members. */
export function followerHeartbeatPeriodMs(timings: MembershipTimings, memberCount: number): number {
  return Math.max(
    timings.followerHeartbeatMs,
    Math.round((memberCount * 1000) / timings.followerHeartbeatsPerSec),
  );
}

/** How long `member` may stay silent before it is removed. */
export function memberTimeoutMs(timings: MembershipTimings, member: Member): number {
  const missed = timings.memberTimeoutMs / timings.followerHeartbeatMs;
  return Math.max(timings.memberTimeoutMs, Math.round(member.periodMs * missed));
}

/** One other peer in the room, as its latest heartbeat describes it. */
export interface Member {
  peerId: string;
  name: string;
  priority: number;
  addrs: string[];
  role: Role;
  /** The leader the member says it follows (itself when it leads). */
  leaderId: string | null;
  /** The member's epoch in its latest heartbeat. */
  epoch: number;
  /** When any message from it last arrived (reducer clock). */
  lastSeenAtMs: number;
  /** When it was (re-)admitted. */
  joinedAtMs: number;
  /** Round-trip time measured by the transport, if known. */
  rttMs: number | null;
  /** The member's clock against the leader, as its latest heartbeat reported it. */
  clock: ClockInfo | null;
  /** Whether a window plays on the member. */
  speaker: boolean;
  /** What the member is fetching, as its latest heartbeat said. */
  download: DownloadInfo | null;
  /** What the member's speaker is doing, as its latest heartbeat said. */
  output: SpeakerReport | null;
  /** The member's heartbeat period, as its latest heartbeat said (0 when it did not say: the default timeout applies). */
  periodMs: number;
}

export interface MembershipState {
  readonly selfId: string;
  readonly timings: MembershipTimings;
  readonly members: ReadonlyMap<string, Member>;
  /**
   * Peers that said `leave`, with the sequence number of that message and when it came: a
   * heartbeat sent before the leave but delivered after it must not re-admit the peer.
   */
  readonly departed: ReadonlyMap<string, { seq: number; atMs: number }>;
}

export type MembershipEvent =
  | { kind: 'message'; msg: ControlMessage }
  | { kind: 'tick' }
  | { kind: 'rtt'; peerId: string; rttMs: number }
  | { kind: 'clear' };

export type LeftReason = 'timeout' | 'leave';

export type MembershipEffect =
  { kind: 'joined'; member: Member } | { kind: 'left'; member: Member; reason: LeftReason };

export interface MembershipStepResult {
  state: MembershipState;
  effects: MembershipEffect[];
}

/** An empty table for this peer. */
export function createMembership(selfId: string, timings: Partial<MembershipTimings> = {}): MembershipState {
  return {
    selfId,
    timings: { ...defaultMembershipTimings, ...timings },
    members: new Map(),
    departed: new Map(),
  };
}

/** The earliest time a `tick` would remove someone, or null for an empty table. */
export function membershipWakeMs(state: MembershipState): number | null {
  let wake: number | null = null;
  for (const m of state.members.values()) {
    const at = m.lastSeenAtMs + memberTimeoutMs(state.timings, m);
    if (wake === null || at < wake) wake = at;
  }
  return wake;
}

/** Advances the member table by one event. */
export function membershipStep(
  state: MembershipState,
  event: MembershipEvent,
  nowMs: number,
): MembershipStepResult {
  switch (event.kind) {
    case 'message':
      return onMessage(state, event.msg, nowMs);
    case 'tick':
      return expire(state, nowMs);
    case 'rtt': {
      const member = state.members.get(event.peerId);
      if (!member || !Number.isFinite(event.rttMs) || event.rttMs < 0) return { state, effects: [] };
      return { state: withMember(state, { ...member, rttMs: event.rttMs }), effects: [] };
    }
    case 'clear':
      return { state: { ...state, members: new Map(), departed: new Map() }, effects: [] };
  }
}

function withMember(state: MembershipState, member: Member): MembershipState {
  const members = new Map(state.members);
  members.set(member.peerId, member);
  return { ...state, members };
}

function onMessage(state: MembershipState, msg: ControlMessage, nowMs: number): MembershipStepResult {
  if (msg.from === state.selfId) return { state, effects: [] };
  if (msg.type === 'heartbeat') return onHeartbeat(state, msg, nowMs);
  if (msg.type === 'leave') return onLeave(state, msg, nowMs);
  // Any other message still proves the sender is alive.
  const member = state.members.get(msg.from);
  if (!member) return { state, effects: [] };
  return { state: withMember(state, { ...member, lastSeenAtMs: nowMs }), effects: [] };
}

/**
 * True for a message its sender sent before saying `leave` that arrived after it. For a timeout
 * after the leave, only messages numbered after it count as the peer coming back.
 */
export function sentBeforeLeave(state: MembershipState, msg: ControlMessage, nowMs: number): boolean {
  const gone = state.departed.get(msg.from);
  return gone !== undefined && msg.seq <= gone.seq && nowMs - gone.atMs < state.timings.memberTimeoutMs;
}

function onHeartbeat(
  state: MembershipState,
  msg: ControlMessageOf<'heartbeat'>,
  nowMs: number,
): MembershipStepResult {
  if (sentBeforeLeave(state, msg, nowMs)) return { state, effects: [] };
  let departed = state.departed;
  if (departed.has(msg.from)) {
    const next = new Map(departed);
    next.delete(msg.from);
    departed = next;
  }
  const known = state.members.get(msg.from);
  const member: Member = {
    peerId: msg.from,
    name: msg.name,
    priority: msg.priority,
    addrs: msg.addrs,
    role: msg.role,
    leaderId: msg.leaderId,
    epoch: msg.epoch,
    lastSeenAtMs: nowMs,
    joinedAtMs: known?.joinedAtMs ?? nowMs,
    rttMs: known?.rttMs ?? null,
    clock: msg.clock,
    speaker: msg.speaker,
    download: msg.download,
    output: msg.output ?? null,
    periodMs: msg.periodMs ?? 0,
  };
  const next = withMember({ ...state, departed }, member);
  return { state: next, effects: known ? [] : [{ kind: 'joined', member }] };
}

function onLeave(
  state: MembershipState,
  msg: ControlMessageOf<'leave'>,
  nowMs: number,
): MembershipStepResult {
  const departed = new Map(state.departed);
  departed.set(msg.from, { seq: msg.seq, atMs: nowMs });
  const member = state.members.get(msg.from);
  if (!member) return { state: { ...state, departed }, effects: [] };
  const members = new Map(state.members);
  members.delete(msg.from);
  return { state: { ...state, members, departed }, effects: [{ kind: 'left', member, reason: 'leave' }] };
}

function expire(state: MembershipState, nowMs: number): MembershipStepResult {
  const { timings } = state;
  const effects: MembershipEffect[] = [];
  let members: Map<string, Member> | null = null;
  for (const m of state.members.values()) {
    if (nowMs - m.lastSeenAtMs >= memberTimeoutMs(timings, m)) {
      members ??= new Map(state.members);
      members.delete(m.peerId);
      effects.push({ kind: 'left', member: m, reason: 'timeout' });
    }
  }
  let departed: Map<string, { seq: number; atMs: number }> | null = null;
  for (const [peerId, gone] of state.departed) {
    if (nowMs - gone.atMs >= timings.memberTimeoutMs) {
      departed ??= new Map(state.departed);
      departed.delete(peerId);
    }
  }
  if (!members && !departed) return { state, effects };
  return {
    state: { ...state, members: members ?? state.members, departed: departed ?? state.departed },
    effects,
  };
}

/** Members ordered by peer id, for display. */
export function listMembers(state: MembershipState): Member[] {
  return [...state.members.values()].sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0));
}
