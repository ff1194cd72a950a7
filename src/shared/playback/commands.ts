/**
 * Applying a command to the room's playback state: the leader's one way to change it, in the order
 * commands reach it, and moving on when a track ends. Commands never throw: one that cannot apply
 * returns an error result with a message meant for the user (REPL, HTTP API, UI).
 * This file holds the transport commands (play, pause, resume, stop, next, prev, seek, a live
 * source) and the room's settings; the queue edits are `queue-commands.ts`, and what every
 * command shares (its context and scope, the start and stop patches) is `command-scope.ts`.
 */
import { err, ok, type Result } from '../result';
import { commandScope, describeIndex, startAt, stopped, type CommandContext } from './command-scope';
import { applyQueueCommand, isQueueCommand } from './queue-commands';
import { applyLoudnessChange, crossfadeSetting, loudnessSetting, sameLoudness } from './room-sound';
import { windowAround } from './queue-order';
import {
  commit,
  currentTrackId,
  endsAt,
  nextIndex,
  playbackLimits,
  positionAt,
  type PlaybackCommand,
  type PlaybackState,
} from './state';

export type { CommandContext } from './command-scope';

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
  const scope = commandScope(state, groupNowMs, ctx);
  const { maxQueue, lead, change, playing, live, newQueue } = scope;

  if (live && (command.kind === 'next' || command.kind === 'prev' || command.kind === 'seek'))
    return err(
      `"${live.name}" is a live source: it has no ${command.kind === 'seek' ? 'position' : 'tracks'} to move to`,
    );

  if (isQueueCommand(command)) return applyQueueCommand(scope, command);
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
