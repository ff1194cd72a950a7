/**
 * The room's shared playback state and the pure functions that read and version it.
 *
 * The state is one small versioned record that the leader owns and broadcasts whole. Time is
 * group time (ms, see the clock); a playing track is described by an anchor: at group time
 * `anchor.groupTimeMs` the track is at `anchor.positionSec`, and it advances in real time from
 * there. Every renderer turns the same anchor into its own audio schedule, so nothing else
 * needs to be exchanged while a track plays, and a peer that joins late computes where to start
 * with `positionAt`.
 *
 * Applying commands is `commands.ts`; the queue's orderings (shuffle, moves, the library window)
 * are `queue-order.ts`.
 */
import type { LiveSourceRef } from '../live/sources';
import type { PlaybackStateName, PlaybackSummary } from '../status';
import type { LoudnessChange, RoomSoundFields } from './room-sound';

/** Group time at which the current track is (or was, or will be) at a position. */
export interface PlaybackAnchor {
  /** Group time, ms. */
  groupTimeMs: number;
  /** Position within the current track at `groupTimeMs`, seconds. */
  positionSec: number;
}

/**
 * The track placed to follow the current one on the group timeline (gapless and crossfade, see
 * next.ts): queue entry `index` (holding `trackId`) is at `anchor.positionSec` at
 * `anchor.groupTimeMs`, which is the current track's end minus `overlapSec` (the crossfade; 0 for
 * gapless, its first sample right after the current track's last).
 */
export interface NextPlacement {
  index: number;
  trackId: string;
  anchor: PlaybackAnchor;
  overlapSec: number;
}

/**
 * The room's playback state; the leader's copy is the truth, every peer keeps the newest it saw.
 * The room's sound settings (`crossfadeSec`, `loudness`) ride along: see room-sound.ts.
 */
export interface PlaybackState extends RoomSoundFields {
  /** Grows by one with every change the leader makes; never decreases. */
  version: number;
  /** Epoch of the leader that produced this version. */
  epoch: number;
  /** Track ids to play, in order. */
  queue: string[];
  /** Index of the current track in `queue`; null when stopped. */
  currentIndex: number | null;
  /** Where the current track is in group time; meaningful while playing. */
  anchor: PlaybackAnchor;
  paused: boolean;
  /** Position the current track is frozen at while paused; null otherwise. */
  pausedAtSec: number | null;
  /**
   * True while the leader waits for members to have the track decoded. The anchor is then the
   * latest start (deadline + lead time); it moves earlier, in a new version, once all are ready.
   * A renderer may schedule against it as usual.
   */
  starting: boolean;
  /** Peer id of the leader that produced this version. */
  updatedBy: string;
  /** What happens when a track ends: see `RepeatMode`. */
  repeat: RepeatMode;
  /**
   * Null unless shuffled. While shuffled, `queue` is the shuffled play order (so every peer and UI
   * shows the same upcoming tracks) and this lists, for each track in the order the queue had
   * before shuffling, its index in `queue`: un-shuffling puts that order back and keeps playing the
   * current track. Indexes, not ids, so it stays small and exact when a track is queued twice.
   */
  unshuffled: number[] | null;
  /**
   * The live source playing instead of a track (`currentIndex` is then null), or absent. Its PCM is
   * stamped in group time by its peer; the anchor is when the room started playing it. Absent
   * (never null on the wire) when no source plays, so states without one look as they always did.
   */
  source?: LiveSourceRef | null;
  /**
   * The next track's placement, set by the leader as soon as the current track's end is known, so
   * every peer prepares it ahead of the boundary; absent (never null on the wire) when none is placed.
   */
  next?: NextPlacement;
}

/** 'off' stops after the last track, 'all' starts the queue over, 'one' plays the current track again. */
export type RepeatMode = 'off' | 'all' | 'one';
export const repeatModes: readonly RepeatMode[] = ['off', 'all', 'one'];

/** A request to change the playback state; any peer may send one, the leader applies it. */
export type PlaybackCommand =
  | { kind: 'play'; index?: number; trackId?: string }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'stop' }
  | { kind: 'next' }
  | { kind: 'prev' }
  | { kind: 'seek'; positionSec: number }
  | { kind: 'enqueue'; trackIds: string[] }
  | { kind: 'remove'; index: number }
  | { kind: 'move'; from: number; to: number }
  | { kind: 'replace'; trackIds: string[]; playIndex?: number }
  | { kind: 'clear' }
  | { kind: 'shuffle'; on: boolean }
  | { kind: 'repeat'; mode: RepeatMode }
  | { kind: 'crossfade'; sec: number }
  | ({ kind: 'loudness' } & LoudnessChange)
  | { kind: 'play-source'; source: LiveSourceRef };

export type PlaybackCommandKind = PlaybackCommand['kind'];
/** Limits that keep one state inside one control message (64 KiB). */
export const playbackLimits = {
  /** 500 ids of 64 characters is about 34 KB of JSON. */
  maxQueueLength: 500,
  maxTrackIdChars: 64,
  /** 24 hours. */
  maxPositionSec: 24 * 3600,
  /** Before "prev" restarts the current track instead of going back. */
  prevRestartsAfterSec: 3,
} as const;

/** The state of a room where nothing has happened yet. */
export function initialPlaybackState(updatedBy = ''): PlaybackState {
  return {
    version: 0,
    epoch: 0,
    queue: [],
    currentIndex: null,
    anchor: { groupTimeMs: 0, positionSec: 0 },
    paused: false,
    pausedAtSec: null,
    starting: false,
    updatedBy,
    repeat: 'off',
    unshuffled: null,
  };
}

/** The id of the current track, or null when stopped. */
export function currentTrackId(state: PlaybackState): string | null {
  return state.currentIndex === null ? null : (state.queue[state.currentIndex] ?? null);
}

/** 'stopped', 'paused' or 'playing'. */
export function playbackStatus(state: PlaybackState): PlaybackStateName {
  if (state.currentIndex === null && !state.source) return 'stopped';
  return state.paused ? 'paused' : 'playing';
}

/**
 * Position of the current track at a group time, seconds. Before the anchor (a start scheduled
 * in the future) it is the anchor's position: the track has not started moving yet.
 */
export function positionAt(state: PlaybackState, groupNowMs: number): number {
  if (state.currentIndex === null && !state.source) return 0;
  if (state.paused) return state.pausedAtSec ?? 0;
  const elapsedMs = groupNowMs - state.anchor.groupTimeMs;
  return elapsedMs <= 0 ? state.anchor.positionSec : state.anchor.positionSec + elapsedMs / 1000;
}

/** The summary `/api/status` reports. */
export function summarize(state: PlaybackState, groupNowMs: number): PlaybackSummary {
  return {
    state: playbackStatus(state),
    trackId: currentTrackId(state),
    positionSec: positionAt(state, groupNowMs),
    ...(state.source ? { source: state.source } : {}),
  };
}

/** Group time at which the current track ends if it keeps playing, or null (stopped, paused, unknown duration). */
export function endsAt(state: PlaybackState, durationSec: number | null): number | null {
  if (state.currentIndex === null || state.paused || durationSec === null || durationSec <= 0) return null;
  return state.anchor.groupTimeMs + Math.max(0, durationSec - state.anchor.positionSec) * 1000;
}

/** Whether `a` is newer than `b`: a later epoch, or the same epoch and a later version. */
export function isNewer(
  a: Pick<PlaybackState, 'epoch' | 'version'>,
  b: Pick<PlaybackState, 'epoch' | 'version'>,
): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.version > b.version);
}
/** What a state change may set: everything but the version stamp. */
export type Patch = Partial<Omit<PlaybackState, 'version' | 'epoch' | 'updatedBy'>>;
/** The applying leader's stamp on a new version. */
export type Stamp = { epoch: number; updatedBy: string };

/** The next version: the change, a version one higher, and the applying leader's stamp. */
export function commit(state: PlaybackState, patch: Patch, stamp: Stamp): PlaybackState {
  return {
    ...state,
    ...patch,
    version: state.version + 1,
    epoch: Math.max(state.epoch, stamp.epoch),
    updatedBy: stamp.updatedBy,
  };
}
/**
 * Index of the track that plays after the current one ends, by the repeat mode; null when
 * playback stops there (or nothing is playing).
 */
export function nextIndex(state: PlaybackState): number | null {
  if (state.currentIndex === null) return null;
  if (state.repeat === 'one') return state.currentIndex;
  const next = state.currentIndex + 1;
  if (next < state.queue.length) return next;
  return state.repeat === 'all' && state.queue.length > 0 ? 0 : null;
}
/**
 * Whether two states schedule the same audio: same current track, anchor and pause. A renderer
 * that sees a new version for which this holds (a leader change, a queue edit) keeps playing.
 */
export function sameTimeline(a: PlaybackState, b: PlaybackState): boolean {
  if ((a.source?.sourceId ?? null) !== (b.source?.sourceId ?? null)) return false;
  if (currentTrackId(a) === null && currentTrackId(b) === null && !a.source) return true;
  return (
    currentTrackId(a) === currentTrackId(b) &&
    a.paused === b.paused &&
    a.pausedAtSec === b.pausedAtSec &&
    (a.paused ||
      (a.anchor.groupTimeMs === b.anchor.groupTimeMs && a.anchor.positionSec === b.anchor.positionSec))
  );
}
