/**
 * The Bully election's state and what goes in and out of a step: timings, ranks, terms, the
 * phases, events and effects, and the readers of a state (the live leader, the known epoch, when a
 * tick can next change anything). The rules that move the state are `bully.ts`.
 */
import type { ControlDraft, ControlMessage } from '../protocol/messages';
import type { LeaderInfo } from '../status';

/** Election timings in milliseconds; every field can be overridden. */
export interface ElectionTimings {
  /** Period of membership heartbeats, which double as the leader's liveness signal. */
  heartbeatMs: number;
  /** A leader silent this long is considered gone. */
  leaderTimeoutMs: number;
  /** A candidate that hears no ANSWER this long after its ELECTION becomes leader. */
  answerTimeoutMs: number;
  /** A candidate that was answered but hears no COORDINATOR this long starts over. */
  coordinatorTimeoutMs: number;
  /** A freshly started peer listens this long before it may claim leadership. */
  startupGraceMs: number;
}

/**
 * Defaults sized for a LAN: a killed leader is missed after at most `leaderTimeoutMs` and
 * replaced `answerTimeoutMs` later, about 1 s in all.
 */
export const defaultElectionTimings: Readonly<ElectionTimings> = Object.freeze({
  heartbeatMs: 250,
  leaderTimeoutMs: 800,
  answerTimeoutMs: 200,
  coordinatorTimeoutMs: 600,
  startupGraceMs: 400,
});

/** What orders peers in an election. */
export interface Rank {
  peerId: string;
  priority: number;
}

/** True when `a` beats `b`: higher priority, then greater peer id. */
export const outranks = (a: Rank, b: Rank): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : a.peerId > b.peerId;

/** A leadership as accepted by a peer. */
export interface Term {
  leaderId: string;
  priority: number;
  epoch: number;
}

/**
 * - `stopped`: not taking part.
 * - `electing`: sent ELECTION, waiting for an ANSWER until `deadlineMs`.
 * - `awaiting`: answered by a higher peer, waiting for its COORDINATOR until `deadlineMs`.
 * - `follower`: following a live leader (`term`).
 * - `leader`: leading (`term` names this peer).
 */
export type ElectionPhase = 'stopped' | 'electing' | 'awaiting' | 'follower' | 'leader';

export interface ElectionState {
  readonly self: Rank;
  readonly timings: ElectionTimings;
  readonly phase: ElectionPhase;
  /** Epoch of the last accepted term; messages below it are stale. */
  readonly epoch: number;
  /** Highest epoch seen in any message, stale or not; a new leader goes above it. */
  readonly maxEpochSeen: number;
  /** The last accepted term; kept after the leader is lost so it cannot be reused at its epoch. */
  readonly term: Term | null;
  readonly leaderHeardAtMs: number;
  /** When the current `electing` or `awaiting` phase gives up. */
  readonly deadlineMs: number | null;
  /** The last ELECTION or ANSWER this peer sent (not counting the first ELECTION after a start). */
  readonly answered: { atMs: number; epoch: number } | null;
  /** When this peer last heard an ELECTION or ANSWER from a higher peer that knew every epoch it did. */
  readonly higherAliveAtMs: number | null;
}

export type ElectionEvent =
  | { kind: 'start' }
  | { kind: 'stop' }
  | { kind: 'tick' }
  /** A validated control message from another peer; types other than election traffic are ignored. */
  | { kind: 'message'; msg: ControlMessage }
  /** Membership no longer lists this peer (it left or timed out). */
  | { kind: 'memberLeft'; peerId: string }
  /** This peer's own priority changed. */
  | { kind: 'priority'; priority: number }
  /** An epoch seen in a message that is otherwise dropped: a new leader must still go above it. */
  | { kind: 'epochSeen'; epoch: number };

export type ElectionEffect =
  | { kind: 'publish'; msg: ControlDraft }
  /** The live leader this peer recognises changed (another peer, a new epoch, or none). */
  | { kind: 'leader'; leader: LeaderInfo | null }
  /** A message was dropped because its epoch is below this peer's. */
  | { kind: 'drop'; reason: 'staleEpoch'; from: string; type: ControlMessage['type'] };

export interface ElectionStepResult {
  state: ElectionState;
  effects: ElectionEffect[];
}

export interface ElectionOptions {
  timings?: Partial<ElectionTimings>;
  /**
   * Highest epoch this peer knew before it restarted. Persisting `maxEpochSeen` and passing it
   * back here keeps a restarted peer from claiming an epoch that was already used.
   */
  initialEpoch?: number;
}

/** A stopped election state for this peer. */
export function createElection(self: Rank, options: ElectionOptions = {}): ElectionState {
  const initialEpoch = options.initialEpoch ?? 0;
  return {
    self: { ...self },
    timings: { ...defaultElectionTimings, ...options.timings },
    phase: 'stopped',
    epoch: initialEpoch,
    maxEpochSeen: initialEpoch,
    term: null,
    leaderHeardAtMs: 0,
    deadlineMs: null,
    answered: null,
    higherAliveAtMs: null,
  };
}

/** The live leader this peer recognises, if any. */
export function currentLeader(state: ElectionState): LeaderInfo | null {
  if ((state.phase === 'follower' || state.phase === 'leader') && state.term) {
    return { peerId: state.term.leaderId, epoch: state.term.epoch };
  }
  return null;
}

/**
 * The highest epoch this peer knows of. Messages other than leadership claims carry it, so that
 * knowledge of an epoch spreads even while nobody leads at it and no new leader reuses it.
 */
export const knownEpoch = (state: ElectionState): number => Math.max(state.epoch, state.maxEpochSeen);

/** The earliest time a `tick` can change anything, or null when only messages can. */
export function electionWakeMs(state: ElectionState): number | null {
  switch (state.phase) {
    case 'follower':
      return state.leaderHeardAtMs + state.timings.leaderTimeoutMs;
    case 'electing':
    case 'awaiting':
      return state.deadlineMs;
    default:
      return null;
  }
}
