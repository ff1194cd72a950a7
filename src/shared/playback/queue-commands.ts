/**
 * The commands that edit the play queue: enqueue, remove, move, replace, clear and shuffle. Each
 * keeps the shuffled and unshuffled orders in step, and the playing track playing where it can
 * (a removed current track hands over to the one after it). Apart from the transport commands in
 * `commands.ts`, which start, stop and move within what the queue holds.
 */
import { err, ok, type Result } from '../result';
import { describeIndex, startAt, stopped, type CommandContext, type CommandScope } from './command-scope';
import { indexAfterMove, shuffleQueue } from './queue-order';
import { currentTrackId, type PlaybackCommand, type PlaybackState } from './state';

/** The kinds of command that edit the queue. */
export const queueCommandKinds = ['enqueue', 'remove', 'move', 'replace', 'clear', 'shuffle'] as const;

/** A command that edits the queue. */
export type QueueCommand = Extract<PlaybackCommand, { kind: (typeof queueCommandKinds)[number] }>;

/** Whether `command` edits the queue. */
export function isQueueCommand(command: PlaybackCommand): command is QueueCommand {
  return (queueCommandKinds as readonly string[]).includes(command.kind);
}

function checkTracks(trackIds: readonly string[], ctx: CommandContext): Result<true> {
  for (const id of trackIds) if (!ctx.trackExists(id)) return err(`unknown track ${id}`);
  return ok(true);
}

/** Applies a queue edit in `scope`: the new state, the same state when nothing changes, or an error. */
export function applyQueueCommand(scope: CommandScope, command: QueueCommand): Result<PlaybackState> {
  const { state, groupNowMs, ctx, maxQueue, lead, random, live, change, newQueue } = scope;
  switch (command.kind) {
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
  }
}
