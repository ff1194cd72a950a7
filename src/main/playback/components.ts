/**
 * The playback coordinator's contract with the rest of the peer: the narrow components it is
 * built with, its options (each with a default), and the counters it reports.
 */
import type { PlaybackMessage } from '../../shared/playback/messages';
import type { PlaybackState } from '../../shared/playback/state';
import type { ComponentLogger } from '../../shared/logger';
import type { LiveSourceRef } from '../../shared/live/sources';
import type { PlaybackTimers } from './timers';

/** The narrow view of the rest of the peer that the coordinator needs. */
export interface PlaybackCoordinatorComponents {
  /** This peer's id. */
  selfId: string;
  /** Broadcasts a playback message on the control topic (the caller adds the envelope). */
  publish(message: PlaybackMessage): void | Promise<unknown>;
  /**
   * Calls `listener` for each playback message from another peer, with its verified sender.
   * The message is validated here, so the caller may pass it undecoded.
   */
  subscribe(listener: (from: string, message: unknown) => void, options: { signal: AbortSignal }): void;
  isLeader(): boolean;
  leaderId(): string | null;
  /** The epoch of the leader this peer follows (or leads as). */
  epoch(): number;
  /** Group time, ms. */
  groupNow(): number;
  /** Peer ids of live members whose readiness a start waits for (with or without this peer). */
  members(): string[];
  trackExists(trackId: string): boolean;
  trackDurationSec(trackId: string): number | null;
  /** Seconds the track after the current one overlaps it (the crossfade, `crossfadeSecAt`); absent: 0, gapless. */
  crossfadeSec?(state: PlaybackState): number;
  /** The room's track listing in display order, for `play {index}`. */
  libraryOrder(): readonly string[];
  /** Whether a live source can be played now (#22); absent: any. */
  sourceAvailable?(source: LiveSourceRef): boolean;
  logger: ComponentLogger;
  timers?: PlaybackTimers;
  newRequestId?: () => string;
  /** Uniform in [0, 1) for shuffling (the leader draws; the order travels in the state). */
  random?: () => number;
}

/** Options; every one has a default. */
export interface PlaybackCoordinatorInit {
  /**
   * Gap between a decision and the audio it schedules while a member that plays has not said what its
   * speaker needs (see shared/playback/barrier.ts); with every need known, the lead follows them.
   */
  leadTimeMs?: number;
  /** Longest wait for members to have a new track decoded. */
  readyTimeoutMs?: number;
  /** Period of the leader's state broadcast, for late joiners and lost messages. */
  stateIntervalMs?: number;
  /** How long a local request waits for the leader's answer. */
  requestTimeoutMs?: number;
  /** How long a new leader collects members' states before carrying on. */
  takeoverMs?: number;
  /** The longest a new leader that holds no state waits for members' states before it leads without one (ms). */
  takeoverMaxMs?: number;
  maxQueueLength?: number;
}

/** Counters for status and `debug`. */
export interface PlaybackCounts {
  commandsApplied: number;
  commandsRefused: number;
  statesPublished: number;
  statesAdopted: number;
  readyReports: number;
  /** Ready reports said of a play before the last stop that arrived after it: not counted as ready. */
  staleReadyReports: number;
  /** Speakers' reports that they cannot play a track. */
  unplayableReports: number;
  /** Tracks skipped because no speaker could play them. */
  unplayableSkips: number;
  /** Peer input set aside, by reason: `invalid:<type>` for messages that failed validation. */
  dropped: Record<string, number>;
}
