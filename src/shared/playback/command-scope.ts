/**
 * What the code of every command shares while one command applies: the context it is applied in,
 * the state and time it starts from, the two patches every transport change is made of (start a
 * track a lead time from now, stop), and the wording of an index out of range. Kept apart so the
 * transport commands (`commands.ts`) and the queue edits (`queue-commands.ts`) read alike.
 */
import { ok, type Result } from '../result';
import type { LiveSourceRef } from '../live/sources';
import { shuffleQueue } from './queue-order';
import { commit, playbackLimits, type Patch, type PlaybackState } from './state';

/** What applying a command needs to know besides the state and the time. */
export interface CommandContext {
  /** How far ahead of "now" a start is scheduled, so every peer hears of it in time. */
  leadTimeMs: number;
  /** Epoch of the leader applying the command. */
  epoch: number;
  /** Peer id of the leader applying the command. */
  updatedBy: string;
  trackExists(trackId: string): boolean;
  /** Track duration in seconds, or null when unknown. */
  durationSec(trackId: string): number | null;
  /** The room's track listing, for `play {index}` (REPL `play <index>`). */
  libraryOrder(): readonly string[];
  /** Longest queue allowed (the state travels whole in one control message). */
  maxQueueLength?: number;
  /** Uniform in [0, 1), for shuffling; only the leader draws, so peers need not agree on a seed. */
  random?: () => number;
  /** Whether a live source can be played (its peer is in the room); absent: any source. */
  sourceAvailable?(source: LiveSourceRef): boolean;
}

// `source: undefined` leaves the field out of the state's JSON: a track or a stop ends a live source.
/** Starts queue entry `index` at `positionSec`, a lead time after `groupNowMs`. */
export const startAt = (index: number, groupNowMs: number, leadTimeMs: number, positionSec = 0): Patch => ({
  source: undefined,
  currentIndex: index,
  anchor: { groupTimeMs: groupNowMs + leadTimeMs, positionSec },
  paused: false,
  pausedAtSec: null,
  starting: false,
});

/** Stops playback at `groupNowMs`. */
export const stopped = (groupNowMs: number): Patch => ({
  source: undefined,
  currentIndex: null,
  anchor: { groupTimeMs: groupNowMs, positionSec: 0 },
  paused: false,
  pausedAtSec: null,
  starting: false,
});

/** The error for `index` out of range of a list of `length` (`what`: what the list holds). */
export const describeIndex = (index: number, length: number, what: string) =>
  length === 0
    ? `no ${what} at index ${index}: it is empty`
    : `no ${what} at index ${index} (valid: 0..${length - 1})`;

/** One command being applied: its state, time and context, and how it makes its result. */
export interface CommandScope {
  state: PlaybackState;
  groupNowMs: number;
  ctx: CommandContext;
  maxQueue: number;
  lead: number;
  random: () => number;
  /** The live source playing, or null. */
  live: LiveSourceRef | null;
  /** Whether a track or a live source is playing (or paused). */
  playing: boolean;
  /** The state with `patch` applied, in a new version. */
  change(patch: Patch): Result<PlaybackState>;
  /** A new queue playing from `index` (null: stopped), shuffled first when shuffle is on. */
  newQueue(queue: string[], index: number | null): Patch;
}

/** The scope of applying a command to `state` at group time `groupNowMs`. */
export function commandScope(state: PlaybackState, groupNowMs: number, ctx: CommandContext): CommandScope {
  const lead = ctx.leadTimeMs;
  const random = ctx.random ?? Math.random;
  return {
    state,
    groupNowMs,
    ctx,
    maxQueue: ctx.maxQueueLength ?? playbackLimits.maxQueueLength,
    lead,
    random,
    live: state.source ?? null,
    playing: state.currentIndex !== null || Boolean(state.source),
    change: (patch) => ok(commit(state, patch, ctx)),
    newQueue: (queue, index) => {
      const playFrom = (i: number | null) =>
        i === null ? stopped(groupNowMs) : startAt(i, groupNowMs, lead);
      if (state.unshuffled === null) return { queue, ...playFrom(index) };
      const s = shuffleQueue(queue, index, random);
      return { queue: s.queue, unshuffled: s.unshuffled, ...playFrom(index === null ? null : 0) };
    },
  };
}
