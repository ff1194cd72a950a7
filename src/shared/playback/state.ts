/**
 * The room's shared playback state and the pure functions that change it.
 *
 * The state is one small versioned record that the leader owns and broadcasts whole. Time is
 * group time (ms, see the clock); a playing track is described by an anchor: at group time
 * `anchor.groupTimeMs` the track is at `anchor.positionSec`, and it advances in real time from
 * there. Every renderer turns the same anchor into its own audio schedule, so nothing else
 * needs to be exchanged while a track plays, and a peer that joins late computes where to start
 * with `positionAt`.
 *
 * Commands never throw: a command that cannot apply returns an error result with a message
 * meant for the user (REPL, HTTP API, UI).
 */
import { err, ok, type Result } from '../result';
import type { LiveSourceRef } from '../live/sources';
import type { PlaybackStateName, PlaybackSummary } from '../status';
import {
  applyLoudnessChange,
  crossfadeSetting,
  loudnessSetting,
  sameLoudness,
  type LoudnessChange,
  type RoomSoundFields,
} from './room-sound';

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

type Patch = Partial<Omit<PlaybackState, 'version' | 'epoch' | 'updatedBy'>>;
type Stamp = Pick<CommandContext, 'epoch' | 'updatedBy'>;

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

// `source: undefined` leaves the field out of the state's JSON: a track or a stop ends a live source.
const startAt = (index: number, groupNowMs: number, leadTimeMs: number, positionSec = 0): Patch => ({
  source: undefined,
  currentIndex: index,
  anchor: { groupTimeMs: groupNowMs + leadTimeMs, positionSec },
  paused: false,
  pausedAtSec: null,
  starting: false,
});

const stopped = (groupNowMs: number): Patch => ({
  source: undefined,
  currentIndex: null,
  anchor: { groupTimeMs: groupNowMs, positionSec: 0 },
  paused: false,
  pausedAtSec: null,
  starting: false,
});

/** A slice of the library listing around `index`, short enough for one state message. */
function windowAround(
  order: readonly string[],
  index: number,
  max: number,
): { queue: string[]; index: number } {
  if (order.length <= max) return { queue: [...order], index };
  // Keep a few tracks before the chosen one so "prev" still walks back through the listing.
  const before = Math.floor(max / 10);
  const start = Math.max(0, Math.min(index - before, order.length - max));
  return { queue: order.slice(start, start + max), index: index - start };
}

const describeIndex = (index: number, length: number, what: string) =>
  length === 0
    ? `no ${what} at index ${index}: it is empty`
    : `no ${what} at index ${index} (valid: 0..${length - 1})`;

/**
 * Shuffles `queue` with the track at `first` (the current one) leading and the rest in random
 * order (Fisher–Yates). Returns the new queue and its `unshuffled` map back to the given order.
 */
export function shuffleQueue(
  queue: readonly string[],
  first: number | null,
  random: () => number,
): { queue: string[]; unshuffled: number[] } {
  const rest = [...queue.keys()].filter((i) => i !== first);
  for (let i = rest.length - 1; i > 0; i--) {
    // min(): a random() that returns 1 must not pick past the end.
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [rest[i], rest[j]] = [rest[j] as number, rest[i] as number];
  }
  const order = first === null ? rest : [first, ...rest];
  const unshuffled = new Array<number>(queue.length);
  order.forEach((oldIndex, newIndex) => (unshuffled[oldIndex] = newIndex));
  return { queue: order.map((i) => queue[i] as string), unshuffled };
}

/** Where a queue index lands after moving the track at `from` to `to`. */
function indexAfterMove(index: number, from: number, to: number): number {
  if (index === from) return to;
  if (from < index && index <= to) return index - 1;
  if (to <= index && index < from) return index + 1;
  return index;
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

function checkTracks(trackIds: readonly string[], ctx: CommandContext): Result<true> {
  for (const id of trackIds) if (!ctx.trackExists(id)) return err(`unknown track ${id}`);
  return ok(true);
}

/**
 * Applies one command at group time `groupNowMs`. Returns the new state (version + 1) or the
 * same state object when the command changes nothing (pause while paused), or an error.
 */
export function applyCommand(
  state: PlaybackState,
  command: PlaybackCommand,
  groupNowMs: number,
  ctx: CommandContext,
): Result<PlaybackState> {
  const maxQueue = ctx.maxQueueLength ?? playbackLimits.maxQueueLength;
  const lead = ctx.leadTimeMs;
  const change = (patch: Patch) => ok(commit(state, patch, ctx));
  const playing = state.currentIndex !== null || Boolean(state.source);
  const random = ctx.random ?? Math.random;
  const live = state.source ?? null;
  /** A new queue playing from `index` (null: stopped), shuffled first when shuffle is on. */
  const newQueue = (queue: string[], index: number | null): Patch => {
    const playFrom = (i: number | null) => (i === null ? stopped(groupNowMs) : startAt(i, groupNowMs, lead));
    if (state.unshuffled === null) return { queue, ...playFrom(index) };
    const s = shuffleQueue(queue, index, random);
    return { queue: s.queue, unshuffled: s.unshuffled, ...playFrom(index === null ? null : 0) };
  };

  if (live && (command.kind === 'next' || command.kind === 'prev' || command.kind === 'seek'))
    return err(
      `"${live.name}" is a live source: it has no ${command.kind === 'seek' ? 'position' : 'tracks'} to move to`,
    );

  switch (command.kind) {
    case 'play-source': {
      if (ctx.sourceAvailable && !ctx.sourceAvailable(command.source))
        return err(`live source "${command.source.name}" is not in the room`);
      return change({
        source: { ...command.source },
        currentIndex: null,
        anchor: { groupTimeMs: groupNowMs + lead, positionSec: 0 },
        paused: false,
        pausedAtSec: null,
        starting: false,
      });
    }

    case 'play': {
      if ((command.index === undefined) === (command.trackId === undefined)) {
        return err('play needs exactly one of index or trackId');
      }
      if (command.index !== undefined) {
        const order = ctx.libraryOrder();
        const trackId = order[command.index];
        if (trackId === undefined)
          return err(describeIndex(command.index, order.length, 'track in the library'));
        if (!ctx.trackExists(trackId)) return err(`unknown track ${trackId}`);
        const w = windowAround(order, command.index, maxQueue);
        return change(newQueue(w.queue, w.index));
      }
      const trackId = command.trackId as string;
      if (!ctx.trackExists(trackId)) return err(`unknown track ${trackId}`);
      const inQueue = state.queue.indexOf(trackId);
      if (inQueue >= 0) return change(startAt(inQueue, groupNowMs, lead));
      const order = ctx.libraryOrder();
      const inLibrary = order.indexOf(trackId);
      if (inLibrary >= 0) {
        const w = windowAround(order, inLibrary, maxQueue);
        return change(newQueue(w.queue, w.index));
      }
      // A track the listing does not show yet (catalog still syncing): play it next in the queue.
      if (state.queue.length >= maxQueue) return err(`the queue is full (${maxQueue} tracks)`);
      const at = state.currentIndex === null ? state.queue.length : state.currentIndex + 1;
      const queue = [...state.queue.slice(0, at), trackId, ...state.queue.slice(at)];
      let unshuffled = state.unshuffled;
      if (unshuffled !== null) {
        // In the unshuffled order it goes right after the current track too.
        const shifted = unshuffled.map((i) => (i >= at ? i + 1 : i));
        const after = state.currentIndex === null ? -1 : unshuffled.indexOf(state.currentIndex);
        const p = after < 0 ? shifted.length : after + 1;
        unshuffled = [...shifted.slice(0, p), at, ...shifted.slice(p)];
      }
      return change({ queue, unshuffled, ...startAt(at, groupNowMs, lead) });
    }

    case 'pause': {
      if (!playing) return err('nothing is playing');
      if (state.paused) return ok(state);
      return change({ paused: true, pausedAtSec: positionAt(state, groupNowMs), starting: false });
    }

    case 'resume': {
      if (!playing) return err('nothing to resume: playback is stopped');
      if (!state.paused) return ok(state);
      // A live source goes on from what it plays now, not from where it was paused.
      if (live)
        return change({
          anchor: { groupTimeMs: groupNowMs + lead, positionSec: 0 },
          paused: false,
          pausedAtSec: null,
        });
      return change(startAt(state.currentIndex as number, groupNowMs, lead, state.pausedAtSec ?? 0));
    }

    case 'stop':
      return playing ? change(stopped(groupNowMs)) : ok(state);

    case 'next': {
      if (!playing) return err('nothing is playing');
      let next = (state.currentIndex as number) + 1;
      if (next >= state.queue.length) {
        if (state.repeat !== 'all') return err('already at the last track of the queue');
        next = 0;
      }
      return change(startAt(next, groupNowMs, lead));
    }

    case 'prev': {
      if (!playing) return err('nothing is playing');
      const current = state.currentIndex as number;
      if (positionAt(state, groupNowMs) > playbackLimits.prevRestartsAfterSec)
        return change(startAt(current, groupNowMs, lead));
      // Repeating the whole queue, "back" from the first track is the last one.
      const prev = current > 0 ? current - 1 : state.repeat === 'all' ? state.queue.length - 1 : 0;
      return change(startAt(prev, groupNowMs, lead));
    }

    case 'seek': {
      if (!playing) return err('nothing is playing');
      const duration = ctx.durationSec(currentTrackId(state) as string);
      if (duration !== null && duration > 0 && command.positionSec > duration) {
        return err(`cannot seek to ${command.positionSec} s: the track is ${duration.toFixed(1)} s long`);
      }
      if (state.paused) return change({ pausedAtSec: command.positionSec });
      // While the start is held for slow members, keep the held start time.
      const groupTimeMs = state.starting ? state.anchor.groupTimeMs : groupNowMs + lead;
      return change({ anchor: { groupTimeMs, positionSec: command.positionSec } });
    }

    case 'enqueue': {
      const known = checkTracks(command.trackIds, ctx);
      if (!known.ok) return known;
      if (state.queue.length + command.trackIds.length > maxQueue)
        return err(`the queue is full (${maxQueue} tracks)`);
      const n = state.queue.length;
      // Shuffled or not, queued tracks come last: the user chose when they play.
      const unshuffled = state.unshuffled && [...state.unshuffled, ...command.trackIds.map((_, i) => n + i)];
      return change({ queue: [...state.queue, ...command.trackIds], unshuffled });
    }

    case 'remove': {
      const { index } = command;
      if (index >= state.queue.length)
        return err(describeIndex(index, state.queue.length, 'track in the queue'));
      const queue = state.queue.filter((_, i) => i !== index);
      const unshuffled =
        state.unshuffled && state.unshuffled.filter((i) => i !== index).map((i) => (i > index ? i - 1 : i));
      if (state.currentIndex === null || index > state.currentIndex) return change({ queue, unshuffled });
      if (index < state.currentIndex)
        return change({ queue, unshuffled, currentIndex: state.currentIndex - 1 });
      // The playing track was removed: the one after it takes its place, or playback stops.
      return index < queue.length
        ? change({ queue, unshuffled, ...startAt(index, groupNowMs, lead) })
        : change({ queue, unshuffled, ...stopped(groupNowMs) });
    }

    case 'move': {
      const { from, to } = command;
      const n = state.queue.length;
      if (from >= n) return err(describeIndex(from, n, 'track in the queue'));
      if (to >= n) return err(describeIndex(to, n, 'place in the queue'));
      if (from === to) return ok(state);
      const queue = [...state.queue];
      const [moved] = queue.splice(from, 1);
      queue.splice(to, 0, moved as string);
      const currentIndex = state.currentIndex === null ? null : indexAfterMove(state.currentIndex, from, to);
      const unshuffled = state.unshuffled && state.unshuffled.map((i) => indexAfterMove(i, from, to));
      return change({ queue, currentIndex, unshuffled });
    }

    case 'replace': {
      const known = checkTracks(command.trackIds, ctx);
      if (!known.ok) return known;
      if (command.trackIds.length > maxQueue) return err(`the queue is full (${maxQueue} tracks)`);
      const queue = [...command.trackIds];
      if (command.playIndex !== undefined) {
        if (command.playIndex >= queue.length)
          return err(describeIndex(command.playIndex, queue.length, 'track in the new queue'));
        return change(newQueue(queue, command.playIndex));
      }
      // The current track keeps playing, uninterrupted, if the new queue contains it.
      const current = currentTrackId(state);
      const keep = current === null ? -1 : queue.indexOf(current);
      if (keep < 0 && live) {
        // The live source keeps playing; only the queue changes.
        const patch = newQueue(queue, null);
        return change({ queue: patch.queue ?? queue, unshuffled: patch.unshuffled ?? state.unshuffled });
      }
      if (keep < 0) return change(newQueue(queue, null));
      if (state.unshuffled === null) return change({ queue, currentIndex: keep });
      const s = shuffleQueue(queue, keep, random);
      return change({ queue: s.queue, unshuffled: s.unshuffled, currentIndex: 0 });
    }

    case 'clear':
      if (live) return change({ queue: [], unshuffled: state.unshuffled && [] });
      return change({ queue: [], unshuffled: state.unshuffled && [], ...stopped(groupNowMs) });

    case 'shuffle': {
      if (command.on === (state.unshuffled !== null)) return ok(state);
      const current = state.currentIndex;
      if (command.on) {
        // The playing track stays playing (same anchor) and leads the new order.
        const s = shuffleQueue(state.queue, current, random);
        return change({
          queue: s.queue,
          unshuffled: s.unshuffled,
          currentIndex: current === null ? null : 0,
        });
      }
      const unshuffled = state.unshuffled as number[];
      return change({
        queue: unshuffled.map((i) => state.queue[i] as string),
        currentIndex: current === null ? null : unshuffled.indexOf(current),
        unshuffled: null,
      });
    }

    case 'repeat':
      return command.mode === state.repeat ? ok(state) : change({ repeat: command.mode });

    case 'crossfade':
      return command.sec === crossfadeSetting(state) ? ok(state) : change({ crossfadeSec: command.sec });

    case 'loudness': {
      const loudness = applyLoudnessChange(loudnessSetting(state), command);
      return sameLoudness(loudness, loudnessSetting(state)) ? ok(state) : change({ loudness });
    }
  }
}

/**
 * Moves on when the current track has played to its end: the next track by the repeat mode
 * (`nextIndex`) starts a lead time after the end (or after now, if the end was missed), or
 * playback stops after the last. Returns the same state object when nothing ended.
 */
export function advanceIfEnded(
  state: PlaybackState,
  groupNowMs: number,
  durationSec: (trackId: string) => number | null,
  ctx: Pick<CommandContext, 'leadTimeMs' | 'epoch' | 'updatedBy'>,
): PlaybackState {
  const trackId = currentTrackId(state);
  if (trackId === null || state.starting) return state;
  const endMs = endsAt(state, durationSec(trackId));
  if (endMs === null || groupNowMs < endMs) return state;
  const next = nextIndex(state);
  if (next === null) return commit(state, stopped(groupNowMs), ctx);
  return commit(state, startAt(next, Math.max(endMs, groupNowMs), ctx.leadTimeMs), ctx);
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
