/**
 * Applying a command to the room's playback state: the leader's one way to change it, in the order
 * commands reach it, and moving on when a track ends. Commands never throw: one that cannot apply
 * returns an error result with a message meant for the user (REPL, HTTP API, UI).
 */
import { err, ok, type Result } from '../result';
import type { LiveSourceRef } from '../live/sources';
import { applyLoudnessChange, crossfadeSetting, loudnessSetting, sameLoudness } from './room-sound';
import { indexAfterMove, shuffleQueue, windowAround } from './queue-order';
import {
  commit,
  currentTrackId,
  endsAt,
  nextIndex,
  playbackLimits,
  positionAt,
  type Patch,
  type PlaybackCommand,
  type PlaybackState,
} from './state';

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

/** A slice of the library listing around `index`, short enough for one state message. */ const describeIndex =
  (index: number, length: number, what: string) =>
    length === 0
      ? `no ${what} at index ${index}: it is empty`
      : `no ${what} at index ${index} (valid: 0..${length - 1})`;
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
