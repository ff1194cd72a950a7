/**
 * The clock service's public face (`clock-sync.ts`): its protocol name, the node it needs, its
 * options, what it reports (status, events, counters). Apart so that the probe server and the leader
 * probes share them with the service without importing it.
 */
import type { AbortOptions, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface';
import type { EstimatorOptions } from '../../shared/clock/estimator';
import type { ClockInfo } from '../../shared/status';
import type { StreamGuard } from '../net/stream-guard';
import type { LeaderProbesInit } from './leader-probes';
import type { TimeSource } from './time-source';
import type { ComponentLogger } from '../../shared/logger';

/** The part of a libp2p node the clock needs. A `Libp2p` satisfies it. */
export interface ClockNode {
  readonly peerId: PeerId;
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  dialProtocol(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>;
}

/** Collaborators of ClockSync. */
export interface ClockSyncComponents {
  node: ClockNode;
  timeSource: TimeSource;
  logger?: ComponentLogger;
  /** Benches peers that keep sending malformed input; shared with the other protocols (default: one of its own). */
  guard?: StreamGuard;
}

/** Options of ClockSync; all but `protocol` have defaults (the probing schedule's in `LeaderProbes`). */
export interface ClockSyncInit extends LeaderProbesInit {
  /** Stream protocol, e.g. `clockProtocol(roomHash)`. */
  protocol: string;
  estimator?: EstimatorOptions;
}

/** This peer's view of group time, as reported in status and events. */
export interface ClockStatus extends ClockInfo {
  /** Samples behind the estimate (0 on the leader). */
  samples: number;
  role: 'leader' | 'follower' | 'none';
  leaderPeerId: string | null;
}

/** Why the estimate was thrown away. */
export interface ClockResetDetail {
  reason: 'leader-changed' | 'step';
  leaderPeerId: string | null;
}

/** Events of ClockSync. */
export type ClockSyncEvents = {
  'clock:updated': ClockStatus;
  'clock:reset': ClockResetDetail;
};

/** Counters of the clock protocol, including input it rejected. */
export interface ClockSyncStats {
  probesSent: number;
  repliesReceived: number;
  probesServed: number;
  reconnects: number;
  steps: number;
  dropped: {
    malformedProbes: number;
    malformedReplies: number;
    staleReplies: number;
    oversizedFrames: number;
    invalidSamples: number;
    inconsistentSamples: number;
  };
}

/** Options of `setLeader`. */
export interface SetLeaderOptions {
  /** When this peer becomes leader, continue the current group timeline (default true). */
  carryOver?: boolean;
}

/** The clock protocol name for a room. */
export function clockProtocol(roomHash: string): string {
  return `/firefly/${roomHash}/clock/1.0.0`;
}
