/**
 * The current track's end as the leader sees it: where the track after it is placed (gapless or
 * crossfaded, `shared/playback/next.ts`), and the one timer that advances the queue when that
 * placed track starts. Kept apart from the leader's command ordering and takeover, which only
 * ask it to place, re-place or re-arm after each state they make.
 */
import { commit, currentTrackId, endsAt, type PlaybackState } from '../../shared/playback/state';
import {
  advanceAtEnd,
  placeNext,
  sameNext,
  withNext,
  type PlacementContext,
} from '../../shared/playback/next';
import type { PlaybackCoordinatorComponents } from './components';
import type { CancelTimer, TimerSet } from './timers';

/** What the track end needs from the leader. */
export interface TrackEndComponents {
  peer: PlaybackCoordinatorComponents;
  timers: TimerSet;
  /** The lead time a start needs now (ms). */
  leadTimeMs(): number;
  state(): PlaybackState;
  leadsNow(): boolean;
  /** The leader's epoch and id, for a state it makes. */
  stamp(): { epoch: number; updatedBy: string };
  /** Commits the advanced state (`placed`: it plays from the anchor placed ahead). */
  advance(next: PlaybackState, placed: boolean): void;
}

/** Places the next track and advances the queue at the current one's end, while this peer leads. */
export class TrackEnd {
  readonly #c: TrackEndComponents;
  readonly #placement: PlacementContext;
  #cancelEnd: CancelTimer | null = null;

  constructor(components: TrackEndComponents) {
    this.#c = components;
    const peer = components.peer;
    this.#placement = {
      durationSec: (id) => peer.trackDurationSec(id),
      overlapSec: (state) => peer.crossfadeSec?.(state) ?? 0,
    };
  }

  /** `state` with the track after its current one placed (or no placement), in the same version. */
  place(state: PlaybackState): PlaybackState {
    return withNext(state, placeNext(state, this.#placement));
  }

  /** The state with the next track placed anew, in a new version, when its placement changed (e.g. a duration became known); else null. */
  replaced(): PlaybackState | null {
    const state = this.#c.state();
    const placement = placeNext(state, this.#placement);
    if (sameNext(state.next, placement)) return null;
    return commit(withNext(state, placement), {}, this.#c.stamp());
  }

  /** Re-arms the end timer for the state now held (none unless this peer leads and a track's end is known). */
  schedule(): void {
    this.cancel();
    if (!this.#c.leadsNow()) return;
    const state = this.#c.state();
    const trackId = currentTrackId(state);
    if (trackId === null) return;
    const peer = this.#c.peer;
    // With the next track placed, the queue advances when it starts (the end, or the crossfade's start).
    const endMs = state.next?.anchor.groupTimeMs ?? endsAt(state, peer.trackDurationSec(trackId));
    if (endMs === null) return;
    const delayMs = Math.max(0, endMs - peer.groupNow());
    this.#cancelEnd = this.#c.timers.schedule(() => this.#onTrackEnd(), delayMs);
  }

  /** Disarms the end timer. */
  cancel(): void {
    this.#cancelEnd?.();
    this.#cancelEnd = null;
  }

  #onTrackEnd(): void {
    this.#cancelEnd = null;
    if (!this.#c.leadsNow()) return;
    const state = this.#c.state();
    const peer = this.#c.peer;
    const { state: next, placed } = advanceAtEnd(state, peer.groupNow(), (id) => peer.trackDurationSec(id), {
      leadTimeMs: this.#c.leadTimeMs(),
      ...this.#c.stamp(),
    });
    if (next === state) this.schedule();
    // Placed ahead: every renderer already plays it from this anchor; no barrier, no lead time.
    else this.#c.advance(next, placed);
  }
}
