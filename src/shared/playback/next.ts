/**
 * Gapless and crossfaded track changes: the leader places the next track on the group timeline as
 * soon as the current track's end is known, in the state every peer holds, so every renderer
 * prepares it well before the boundary and plays it from the same anchor, with no command at the
 * boundary. At the boundary the leader only advances the queue to it, with the very anchor it
 * placed, so the sound does not move.
 *
 * The next track starts at the current track's end minus the overlap: 0 for gapless (its first
 * sample right after the current track's last), the crossfade otherwise (`crossfadeSecAt`).
 */
import {
  commit,
  currentTrackId,
  endsAt,
  nextIndex,
  playbackStatus,
  type NextPlacement,
  type PlaybackState,
} from './state';
import { advanceIfEnded, type CommandContext } from './commands';

/** What placing the next track needs to know. */
export interface PlacementContext {
  /** Track duration in seconds, or null when unknown. */
  durationSec(trackId: string): number | null;
  /** Seconds the next track overlaps the current one's end (the crossfade; 0 = gapless). */
  overlapSec(state: PlaybackState): number;
}

/**
 * Where the track after the current one starts, or null: nothing plays (or a live source does),
 * paused, the start is still held for slow members, nothing follows (repeat off at the last track),
 * or the current track's duration is not known yet.
 */
export function placeNext(state: PlaybackState, ctx: PlacementContext): NextPlacement | null {
  const trackId = currentTrackId(state);
  if (trackId === null || state.starting || playbackStatus(state) !== 'playing') return null;
  const index = nextIndex(state);
  if (index === null) return null;
  const nextId = state.queue[index];
  const durationSec = ctx.durationSec(trackId);
  const endMs = endsAt(state, durationSec);
  if (nextId === undefined || endMs === null || durationSec === null) return null;
  // Never more than what is left of the current track from its anchor (a seek near the end).
  const left = Math.max(0, durationSec - state.anchor.positionSec);
  const overlapSec = Math.max(0, Math.min(ctx.overlapSec(state), left));
  return {
    index,
    trackId: nextId,
    anchor: { groupTimeMs: endMs - overlapSec * 1000, positionSec: 0 },
    overlapSec,
  };
}

/** Whether two placements are the same (both absent counts as the same). */
export function sameNext(a: NextPlacement | null | undefined, b: NextPlacement | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return (
    a.index === b.index &&
    a.trackId === b.trackId &&
    a.overlapSec === b.overlapSec &&
    a.anchor.groupTimeMs === b.anchor.groupTimeMs &&
    a.anchor.positionSec === b.anchor.positionSec
  );
}

/** `state` with `next` set to `placement`, or left out (not null) when there is none. */
export function withNext(state: PlaybackState, placement: NextPlacement | null): PlaybackState {
  if (sameNext(state.next, placement)) return state;
  const { next: _dropped, ...rest } = state;
  return placement ? { ...rest, next: placement } : rest;
}

/** The placement in `state`, if it still names the queue entry it placed. */
export function validNext(state: PlaybackState): NextPlacement | null {
  const next = state.next;
  return next && state.queue[next.index] === next.trackId ? next : null;
}

/**
 * At the boundary (group time has reached the placed next track's anchor), the state that plays it:
 * the queue advanced to it, with the placed anchor, so no renderer moves its sound. The same state
 * object when there is no placement or its time has not come.
 */
export function advanceToNext(
  state: PlaybackState,
  groupNowMs: number,
  stamp: Pick<CommandContext, 'epoch' | 'updatedBy'>,
): PlaybackState {
  const next = validNext(state);
  if (!next || state.starting || playbackStatus(state) !== 'playing') return state;
  if (groupNowMs < next.anchor.groupTimeMs) return state;
  const { next: _placed, ...rest } = state;
  return commit(
    rest,
    {
      currentIndex: next.index,
      anchor: { ...next.anchor },
      paused: false,
      pausedAtSec: null,
      starting: false,
    },
    stamp,
  );
}

/**
 * What the leader does when the current track's time may be up, at one reading of group time: with a
 * valid placement, the placed track at its anchor once group time has reached it, and nothing before
 * (whatever the current track's length says); without one, the queue's next track from a fresh start
 * a lead time ahead (`advanceIfEnded`). `placed` says which. (The leader's end timer, like any Node
 * timer, can fire a fraction of a ms early: when it read group time once for the placement, finding it
 * not yet due, and again for the track's end, finding that past, the queue went on from a fresh start
 * and every speaker restarted the next track a lead time late.)
 */
export function advanceAtEnd(
  state: PlaybackState,
  groupNowMs: number,
  durationSec: (trackId: string) => number | null,
  ctx: Pick<CommandContext, 'leadTimeMs' | 'epoch' | 'updatedBy'>,
): { state: PlaybackState; placed: boolean } {
  if (validNext(state) && !state.starting && playbackStatus(state) === 'playing')
    return { state: advanceToNext(state, groupNowMs, ctx), placed: true };
  return { state: advanceIfEnded(state, groupNowMs, durationSec, ctx), placed: false };
}
