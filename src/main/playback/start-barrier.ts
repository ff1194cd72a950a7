/**
 * The leader's ready barrier: a new track's start waits until every member that plays has it
 * ready (or the ready timeout passes), and a track that no speaker can play is skipped. Every peer
 * records who is ready for what, so a peer that becomes leader knows it already.
 */
import {
  LeadBook,
  ReadyBook,
  createPendingStart,
  decide,
  holdStart,
  markReady,
  pruneDeparted,
  type PendingStart,
} from '../../shared/playback/barrier';
import { currentTrackId, playbackStatus, type PlaybackState } from '../../shared/playback/state';
import { UnplayableBook, skipReason } from '../../shared/playback/unplayable';
import type { Logger } from '../../shared/logger';
import type { CancelTimer, TimerSet } from './timers';

/** What the barrier needs from the leader. */
export interface StartBarrierComponents {
  /** Peer ids of the live members that play (this peer among them only when it plays). */
  members(): string[];
  groupNow(): number;
  /** The newest state this peer has. */
  state(): PlaybackState;
  /** Whether this peer leads and has finished taking over. */
  leadsNow(): boolean;
  timers: TimerSet;
  log: Logger;
  /** Starts the held track: the leader releases it at `nowMs` in a new version. */
  release(nowMs: number): void;
  /** Skips the current track, which no speaker can play. */
  skip(): void;
}

/** Options, given whole by the coordinator. */
export interface StartBarrierInit {
  leadTimeMs: number;
  readyTimeoutMs: number;
}

/** Who is ready for which track, and the start being held for them, if any. */
export class StartBarrier {
  readonly #c: StartBarrierComponents;
  readonly #init: StartBarrierInit;
  readonly #book = new ReadyBook();
  readonly #leads = new LeadBook();
  readonly #unplayable = new UnplayableBook();
  #pending: PendingStart | null = null;
  #cancelTimer: CancelTimer | null = null;
  readonly #counts = { readyReports: 0, staleReadyReports: 0, unplayableReports: 0, unplayableSkips: 0 };
  /** Ready reports for states older than this version predate the last stop, and are not counted. */
  #readySince = 0;

  constructor(components: StartBarrierComponents, init: StartBarrierInit) {
    this.#c = components;
    this.#init = init;
  }

  /** Reports of readiness and unplayable tracks, and tracks skipped for them. */
  counts(): {
    readyReports: number;
    staleReadyReports: number;
    unplayableReports: number;
    unplayableSkips: number;
  } {
    return { ...this.#counts };
  }

  /** `state`, which starts `trackId`, with its start held when members still need time. */
  hold(state: PlaybackState, trackId: string): PlaybackState {
    // Played anew: speakers say again whether they can (one may have been fixed, or a fetch failed for a while).
    this.#unplayable.forget(trackId);
    const now = this.#c.groupNow();
    const pending = createPendingStart(
      trackId,
      now,
      this.#members(),
      (m) => this.#book.has(m, trackId),
      this.#init.readyTimeoutMs,
    );
    if (!pending) return state;
    this.#pending = pending;
    this.#arm();
    return holdStart(state, pending, this.leadMs());
  }

  /**
   * The lead time a start needs now (ms): the largest need the members that play reported, plus a margin
   * (`LeadBook`), or the configured lead while one has not said.
   */
  leadMs(): number {
    return this.#leads.leadFor(this.#members(), this.#init.leadTimeMs);
  }

  /** Records what `memberId`'s speaker needs before a start (`playback:lead`). */
  noteLead(memberId: string, needMs: number): void {
    this.#leads.record(memberId, needMs);
  }

  /** Stops holding a start. */
  clear(): void {
    this.#pending = null;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }

  /** Forgets what members no longer in the room said. */
  retain(): void {
    this.#book.retain(this.#members());
    this.#leads.retain(this.#members());
    this.#unplayable.retain(this.#members());
  }

  /**
   * The room stopped at state `version`: what members had ready is gone (a page drops its decoded tracks on a
   * stop and gets a track ready again for the next play), so the next start waits for new reports. Counting
   * the old ones let a play after a stop start at once while a speaker was still getting the track ready, and
   * that speaker joined it late (13 ms in, in an acoustic take).
   */
  forgetReady(version: number): void {
    this.#book.clear();
    this.#readySince = Math.max(this.#readySince, version);
  }

  /** Records that `memberId` has `trackId` ready (for the state of `version`); a held start may go. */
  noteReady(memberId: string, trackId: string, version: number): void {
    if (version < this.#readySince) {
      // Said of a play before the last stop, and arrived after it.
      this.#counts.staleReadyReports += 1;
      return;
    }
    this.#counts.readyReports += 1;
    this.#book.record(memberId, trackId);
    if (this.#pending) {
      this.#pending = markReady(this.#pending, memberId, trackId);
      this.check();
    }
  }

  /** Records that `memberId`'s speaker cannot play `trackId`; the track may be skipped. */
  noteUnplayable(memberId: string, trackId: string, reason: string): void {
    this.#counts.unplayableReports += 1;
    this.#unplayable.record(memberId, trackId, reason);
    this.#c.log(`${memberId} cannot play ${trackId} (${reason})`);
    if (this.#pending) {
      // It will never be ready: the barrier does not wait for it.
      this.#pending = markReady(this.#pending, memberId, trackId);
      this.check();
    } else if (this.#c.leadsNow() && currentTrackId(this.#c.state()) === trackId) {
      this.#skipIfUnplayable();
    }
  }

  /** Releases the held start when every member is ready or the deadline passed; else waits on. */
  check(): void {
    const pending = this.#pending;
    if (!pending) return;
    const state = this.#c.state();
    if (!this.#c.leadsNow() || !state.starting || currentTrackId(state) !== pending.trackId) {
      this.clear();
      return;
    }
    const now = this.#c.groupNow();
    this.#pending = pruneDeparted(pending, this.#members());
    const decision = decide(this.#pending, now);
    if (decision === 'wait') {
      this.#arm();
      return;
    }
    if (decision === 'deadline') {
      this.#c.log(
        `starting ${pending.trackId} without ${this.#pending.waiting.join(', ')} (not ready after ${this.#init.readyTimeoutMs} ms)`,
      );
    }
    if (this.#skipIfUnplayable()) return;
    this.clear();
    this.#c.release(now);
  }

  /**
   * The members a start waits for: those `members()` names, this peer among them only when a window
   * plays here. A leader with no speaker (a headless peer nobody listens on, a desktop app closed to
   * its tray) never reports ready, and counting it held every start to the ready timeout.
   */
  #members(): string[] {
    return [...new Set(this.#c.members())];
  }

  #arm(): void {
    this.#cancelTimer?.();
    const pending = this.#pending;
    if (!pending) return;
    const delayMs = Math.max(1, pending.deadlineMs - this.#c.groupNow());
    this.#cancelTimer = this.#c.timers.schedule(() => this.check(), delayMs);
  }

  /** Skips the current track when a speaker cannot play it and none can; whether it did. */
  #skipIfUnplayable(): boolean {
    const state = this.#c.state();
    const trackId = currentTrackId(state);
    if (trackId === null || playbackStatus(state) !== 'playing') return false;
    const members = this.#members();
    // A speaker that said it cannot play the track is not ready for it, whatever it said before.
    const ready = (m: string) => this.#book.has(m, trackId) && !this.#unplayable.has(m, trackId);
    const reason = skipReason(this.#unplayable, trackId, members, ready);
    if (reason === null) return false;
    this.#counts.unplayableSkips += 1;
    this.#c.log(`skipping ${trackId}, no speaker can play it (${reason})`);
    this.clear();
    this.#c.skip();
    return true;
  }
}
