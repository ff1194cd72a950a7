/**
 * The room: membership and Bully election behind one pure reducer the network service drives.
 *
 *   let room = createRoom({ self, timings });
 *   ({ room, effects } = roomStep(room, { kind: 'start' }, now));
 *   // on each decoded control message:  roomStep(room, { kind: 'message', msg }, now)
 *   // at roomWakeMs(room) (re-read after every step):  roomStep(room, { kind: 'tick' }, now)
 *
 * Effects are for the service to carry out: `publish` drafts (it seals them with `sealControl`
 * and its own per-peer sequence number, shared with every other publisher on the topic),
 * `leader`, `joined`, `left` (events) and `drop` (count it). Timers are not effects: the reducer
 * reports the next time it needs a tick, and ticking early or late is harmless.
 *
 * Sequence numbers should start from the wall clock (e.g. `Date.now() * 1000`) rather than 0, so
 * a restarted peer's messages number after those of its previous run: messages numbered at or
 * below a peer's `leave` are taken as sent before it for `memberTimeoutMs`. Persisting
 * `roomEpoch(room)` and passing it back as `initialEpoch` keeps a restarted peer from reusing an
 * epoch it knew.
 */
import type { ControlDraft, ControlMessage } from '../protocol/messages';
import type { ClockInfo, DownloadInfo, LeaderInfo, Role, SpeakerReport } from '../status';
import { electionStep } from './bully';
import {
  createElection,
  currentLeader,
  electionWakeMs,
  knownEpoch,
  type ElectionEvent,
  type ElectionState,
  type ElectionTimings,
} from './election-state';
import {
  createMembership,
  followerHeartbeatPeriodMs,
  listMembers,
  membershipStep,
  membershipWakeMs,
  sentBeforeLeave,
  type LeftReason,
  type Member,
  type MembershipEvent,
  type MembershipState,
  type MembershipTimings,
} from '../membership/membership';

export type RoomTimings = ElectionTimings & MembershipTimings;

/** This peer as it presents itself in heartbeats. */
export interface RoomSelf {
  peerId: string;
  name: string;
  priority: number;
  addrs: string[];
  /** This peer's clock against the leader, carried in its heartbeats. */
  clock?: ClockInfo | null;
  /** Whether a window plays on this peer (carried in heartbeats). */
  speaker?: boolean;
  /** What this peer is fetching (carried in heartbeats). */
  download?: DownloadInfo | null;
  /** What this peer's speaker is doing (carried in heartbeats). */
  output?: SpeakerReport | null;
}

export interface RoomConfig {
  self: RoomSelf;
  timings?: Partial<RoomTimings>;
  /** Highest epoch known before a restart (persisted `roomEpoch`), so old epochs are not reused. */
  initialEpoch?: number;
}

export interface RoomState {
  readonly self: RoomSelf;
  readonly election: ElectionState;
  readonly membership: MembershipState;
  readonly nextHeartbeatAtMs: number | null;
}

export type RoomEvent =
  | { kind: 'start' }
  | { kind: 'stop' }
  | { kind: 'tick' }
  /** A control message that passed `decodeControl` (with the transport's sender). */
  | { kind: 'message'; msg: ControlMessage }
  /** A round-trip time measured to a member (ping). */
  | { kind: 'rtt'; peerId: string; rttMs: number }
  /** This peer's name, priority or addresses changed. */
  | { kind: 'update'; self: Partial<Omit<RoomSelf, 'peerId' | 'clock'>> }
  /** This peer's clock estimate changed; it goes out with the next heartbeat. */
  | { kind: 'clock'; clock: ClockInfo | null }
  /** This peer's download progress changed; it goes out with the next heartbeat. */
  | { kind: 'download'; download: DownloadInfo | null }
  /** This peer's speaker report changed; it goes out with the next heartbeat. */
  | { kind: 'output'; output: SpeakerReport | null };

export type RoomEffect =
  | { kind: 'publish'; msg: ControlDraft }
  | { kind: 'leader'; leader: LeaderInfo | null }
  | { kind: 'joined'; member: Member }
  | { kind: 'left'; member: Member; reason: LeftReason }
  /** Count it: `staleEpoch` (below this peer's epoch) or `afterLeave` (sent before its sender's leave). */
  | { kind: 'drop'; reason: 'staleEpoch' | 'afterLeave'; from: string; type: ControlMessage['type'] };

export interface RoomStepResult {
  room: RoomState;
  effects: RoomEffect[];
}

/** A stopped room for this peer. */
export function createRoom(config: RoomConfig): RoomState {
  const { self, timings = {} } = config;
  return {
    self: { ...self, addrs: [...self.addrs] },
    election: createElection(
      { peerId: self.peerId, priority: self.priority },
      { timings, ...(config.initialEpoch === undefined ? {} : { initialEpoch: config.initialEpoch }) },
    ),
    membership: createMembership(self.peerId, timings),
    nextHeartbeatAtMs: null,
  };
}

/** The live leader this peer recognises, if any. */
export const roomLeader = (room: RoomState): LeaderInfo | null => currentLeader(room.election);

/** This peer's role, as reported in heartbeats and status. */
export function roomRole(room: RoomState): Role {
  const { phase } = room.election;
  return phase === 'leader' ? 'leader' : phase === 'follower' ? 'follower' : 'candidate';
}

/** Highest epoch this peer has seen: persist it and pass it back as `initialEpoch` after a restart. */
export const roomEpoch = (room: RoomState): number => knownEpoch(room.election);

/** The other members, ordered by peer id. */
export const roomMembers = (room: RoomState): Member[] => listMembers(room.membership);

/** True between `start` and `stop`. */
export const roomRunning = (room: RoomState): boolean => room.election.phase !== 'stopped';

/** The earliest time the room needs a `tick`, or null when it is stopped. */
export function roomWakeMs(room: RoomState): number | null {
  if (!roomRunning(room)) return null;
  let wake = room.nextHeartbeatAtMs;
  for (const at of [electionWakeMs(room.election), membershipWakeMs(room.membership)]) {
    if (at !== null && (wake === null || at < wake)) wake = at;
  }
  return wake;
}

/** Advances the room by one event. */
export function roomStep(room: RoomState, event: RoomEvent, nowMs: number): RoomStepResult {
  const effects: RoomEffect[] = [];
  let next = room;

  const elect = (e: ElectionEvent) => {
    const r = electionStep(next.election, e, nowMs);
    next = { ...next, election: r.state };
    effects.push(...r.effects);
  };
  const members = (e: MembershipEvent) => {
    const r = membershipStep(next.membership, e, nowMs);
    next = { ...next, membership: r.state };
    for (const effect of r.effects) {
      effects.push(effect);
      if (effect.kind === 'left') elect({ kind: 'memberLeft', peerId: effect.member.peerId });
    }
  };
  const heartbeat = () => {
    const period =
      next.election.phase === 'leader'
        ? next.election.timings.heartbeatMs
        : followerHeartbeatPeriodMs(next.membership.timings, next.membership.members.size);
    effects.push({ kind: 'publish', msg: heartbeatDraft(next, period) });
    next = { ...next, nextHeartbeatAtMs: nowMs + period };
  };

  switch (event.kind) {
    case 'start':
      if (roomRunning(next)) break;
      // Announce ourselves before electing, so peers list us when our ELECTION arrives.
      heartbeat();
      elect({ kind: 'start' });
      break;
    case 'stop': {
      if (!roomRunning(next)) break;
      const { peerId } = next.self;
      elect({ kind: 'stop' });
      effects.push({ kind: 'publish', msg: { type: 'leave', from: peerId, epoch: roomEpoch(next) } });
      members({ kind: 'clear' });
      next = { ...next, nextHeartbeatAtMs: null };
      break;
    }
    case 'tick':
      if (!roomRunning(next)) break;
      members({ kind: 'tick' });
      elect({ kind: 'tick' });
      if (next.nextHeartbeatAtMs !== null && nowMs >= next.nextHeartbeatAtMs) heartbeat();
      break;
    case 'message': {
      if (!roomRunning(next) || event.msg.from === next.self.peerId) break;
      if (sentBeforeLeave(next.membership, event.msg, nowMs)) {
        effects.push({ kind: 'drop', reason: 'afterLeave', from: event.msg.from, type: event.msg.type });
        elect({ kind: 'epochSeen', epoch: event.msg.epoch });
        break;
      }
      const ledBefore = roomRole(next) === 'leader';
      // An ELECTION from a peer behind on epochs (restarted) that nothing we send in reply would
      // carry our epoch to (it outranks us): our heartbeat does, before it claims an old epoch.
      const behind = event.msg.type === 'election' && event.msg.epoch < roomEpoch(next);
      const effectsBefore = effects.length;
      members({ kind: 'message', msg: event.msg });
      elect({ kind: 'message', msg: event.msg });
      const replied = effects.slice(effectsBefore).some((e) => e.kind === 'publish');
      // Tell the room at once when we stop leading, rather than at the next heartbeat. Other role
      // changes wait for it: after an election every follower would otherwise beat at once.
      if ((ledBefore && roomRole(next) !== 'leader') || (behind && !replied)) heartbeat();
      break;
    }
    case 'rtt':
      members({ kind: 'rtt', peerId: event.peerId, rttMs: event.rttMs });
      break;
    case 'clock':
      next = { ...next, self: { ...next.self, clock: event.clock } };
      break;
    case 'download':
      next = { ...next, self: { ...next.self, download: event.download } };
      break;
    case 'output':
      next = { ...next, self: { ...next.self, output: event.output } };
      break;
    case 'update': {
      const { name, priority, addrs, speaker } = event.self;
      next = {
        ...next,
        self: {
          ...next.self,
          ...(name === undefined ? {} : { name }),
          ...(priority === undefined ? {} : { priority }),
          ...(addrs === undefined ? {} : { addrs: [...addrs] }),
          ...(speaker === undefined ? {} : { speaker }),
        },
      };
      if (priority !== undefined && priority !== next.election.self.priority)
        elect({ kind: 'priority', priority });
      if (roomRunning(next)) heartbeat();
      break;
    }
  }
  return { room: next, effects };
}

function heartbeatDraft(room: RoomState, periodMs: number): ControlDraft {
  const leader = currentLeader(room.election);
  const role = roomRole(room);
  return {
    type: 'heartbeat',
    from: room.self.peerId,
    // A leader's heartbeat is a claim and carries its term's epoch; others carry what they know.
    epoch: role === 'leader' ? room.election.epoch : roomEpoch(room),
    name: room.self.name,
    priority: room.self.priority,
    addrs: room.self.addrs,
    role,
    leaderId: leader ? leader.peerId : null,
    clock: room.self.clock ?? null,
    speaker: room.self.speaker ?? false,
    download: room.self.download ?? null,
    output: room.self.output ?? null,
    periodMs,
  };
}
