/**
 * The ready barrier: when the leader starts a track that some members have not decoded yet, it
 * holds the start until every member reports ready or a deadline passes, whichever is first.
 * Members that are still not ready then join mid-track on their own (they compute the position
 * from the anchor), so one slow peer delays the room by at most the timeout.
 *
 * Lead time: a start is scheduled a lead time after the moment the leader decides it, so the state
 * reaches every peer and every renderer has rendered the start's first frame before it is due. A
 * frame is heard its output's latency after it is rendered (77–120 ms for Chromium on PulseAudio,
 * tens of ms on most desktops, a few hundred through a Bluetooth speaker the browser knows of), so
 * each speaker says what it needs (`LeadBook`: that latency and its output offset, sent with its
 * ready report) and the lead is the largest need plus `LEAD_MARGIN_MS` for the hops: on a LAN
 * gossipsub delivers in about 1 ms (p99 2-3 ms), the host forwards the state to its renderer over
 * IPC or WebSocket in under 1 ms, and a busy machine's event loop adds tens of ms. A member that has
 * not said takes the default of 150 ms whole. A renderer that still gets the state late does not
 * start late: it joins the same timeline a few milliseconds in, in step with the others.
 */
import { commit, type PlaybackState } from './state';

/** Default lead time between a decision and the audio it schedules (see the module comment). */
export const DEFAULT_LEAD_TIME_MS = 150;
/**
 * What the lead adds to the largest need a speaker reported: the hops from the leader to a renderer (ms). On a
 * quiet machine they take under 5 ms; on the 2-core rig running a whole room, tens of ms (a page that got a
 * release 52 ms too late with 40 here, in an acoustic run of 2026-12-07). 55 ms is what the fixed 150 ms lead
 * left over Chromium's 95 ms on PulseAudio.
 */
export const LEAD_MARGIN_MS = 55;
/** Bounds of a lead made from the needs speakers reported (ms). */
export const MIN_LEAD_MS = 60;
export const MAX_LEAD_MS = 3000;
/** The largest need a speaker may report (ms): its output latency and offset. */
export const MAX_SPEAKER_NEED_MS = 2500;
/** Default longest wait for slow members before starting without them. */
export const DEFAULT_READY_TIMEOUT_MS = 3000;

/** A start the leader is holding until members are ready. */
export interface PendingStart {
  trackId: string;
  /** Group time the start was requested. */
  requestedAtMs: number;
  /** Group time after which the track starts with whoever is ready. */
  deadlineMs: number;
  /** Members not yet ready, sorted. */
  waiting: string[];
}

/** What the leader should do about a pending start at a given moment. */
export type BarrierDecision = 'wait' | 'all-ready' | 'deadline';

/**
 * A pending start for `trackId`, or null when every member already has it decoded (no wait).
 * `isReady(member)` says whether that member has reported the track ready before.
 */
export function createPendingStart(
  trackId: string,
  requestedAtMs: number,
  members: readonly string[],
  isReady: (memberId: string) => boolean,
  timeoutMs = DEFAULT_READY_TIMEOUT_MS,
): PendingStart | null {
  const waiting = [...new Set(members)].filter((m) => !isReady(m)).sort();
  if (waiting.length === 0) return null;
  return { trackId, requestedAtMs, deadlineMs: requestedAtMs + timeoutMs, waiting };
}

/** The pending start after `memberId` reported `trackId` ready; the same object when nothing changed. */
export function markReady(pending: PendingStart, memberId: string, trackId: string): PendingStart {
  if (trackId !== pending.trackId || !pending.waiting.includes(memberId)) return pending;
  return { ...pending, waiting: pending.waiting.filter((m) => m !== memberId) };
}

/** Stops waiting for members that left the room; the same object when nobody left. */
export function pruneDeparted(pending: PendingStart, liveMembers: readonly string[]): PendingStart {
  const live = new Set(liveMembers);
  const waiting = pending.waiting.filter((m) => live.has(m));
  return waiting.length === pending.waiting.length ? pending : { ...pending, waiting };
}

/** Whether to keep waiting, or start because all are ready or because the deadline passed. */
export function decide(pending: PendingStart, groupNowMs: number): BarrierDecision {
  if (pending.waiting.length === 0) return 'all-ready';
  return groupNowMs >= pending.deadlineMs ? 'deadline' : 'wait';
}

/**
 * The state while a start is held: flagged `starting`, anchored at the latest possible start
 * (deadline + lead time), so a renderer that schedules against it is never early. Same version:
 * the hold is part of the change that started the track.
 */
export function holdStart(state: PlaybackState, pending: PendingStart, leadTimeMs: number): PlaybackState {
  return {
    ...state,
    starting: true,
    anchor: { groupTimeMs: pending.deadlineMs + leadTimeMs, positionSec: state.anchor.positionSec },
  };
}

/**
 * The state once a held start is released: a new version that starts a lead time from now, or
 * at the held time if that is sooner. Returns the same object if the state is not held.
 */
export function releaseStart(
  state: PlaybackState,
  groupNowMs: number,
  leadTimeMs: number,
  stamp: { epoch: number; updatedBy: string },
): PlaybackState {
  if (!state.starting) return state;
  const groupTimeMs = Math.min(state.anchor.groupTimeMs, groupNowMs + leadTimeMs);
  return commit(
    state,
    { starting: false, anchor: { groupTimeMs, positionSec: state.anchor.positionSec } },
    stamp,
  );
}

/**
 * Which tracks each member has reported decoded, most recent last, bounded per member. Every
 * peer keeps one, so a new leader knows who already has what.
 */
export class ReadyBook {
  readonly #byMember = new Map<string, string[]>();

  constructor(readonly maxTracksPerMember = 32) {}

  /** Records that `memberId` has `trackId` decoded. */
  record(memberId: string, trackId: string): void {
    const tracks = (this.#byMember.get(memberId) ?? []).filter((t) => t !== trackId);
    tracks.push(trackId);
    if (tracks.length > this.maxTracksPerMember) tracks.splice(0, tracks.length - this.maxTracksPerMember);
    this.#byMember.set(memberId, tracks);
  }

  /** Whether `memberId` has reported `trackId` decoded. */
  has(memberId: string, trackId: string): boolean {
    return this.#byMember.get(memberId)?.includes(trackId) ?? false;
  }

  /** Forgets every report (the room stopped: speakers drop what they had decoded). */
  clear(): void {
    this.#byMember.clear();
  }

  /** Forgets members that are no longer in the room, so the book stays bounded. */
  retain(liveMembers: readonly string[]): void {
    const live = new Set(liveMembers);
    for (const member of this.#byMember.keys()) if (!live.has(member)) this.#byMember.delete(member);
  }
}

/**
 * What each member's speaker needs before a start (ms): how long after its renderer gets the state the
 * start's first frame is heard at the earliest (its output latency and output offset), as it last said.
 * Every peer keeps one, so a new leader knows them already.
 */
export class LeadBook {
  readonly #byMember = new Map<string, number>();

  /** Records that `memberId`'s speaker needs `needMs`. */
  record(memberId: string, needMs: number): void {
    this.#byMember.set(memberId, needMs);
  }

  /**
   * The lead for a start that `members` play: the largest need plus `LEAD_MARGIN_MS`, within the bounds;
   * `fallbackMs` whole when a member has not said (or nobody plays).
   */
  leadFor(members: readonly string[], fallbackMs: number): number {
    let lead = members.length === 0 ? fallbackMs : MIN_LEAD_MS;
    for (const member of members) {
      const need = this.#byMember.get(member);
      lead = Math.max(lead, need === undefined ? fallbackMs : Math.min(MAX_LEAD_MS, need + LEAD_MARGIN_MS));
    }
    return lead;
  }

  /** Forgets members that are no longer in the room. */
  retain(liveMembers: readonly string[]): void {
    const live = new Set(liveMembers);
    for (const member of this.#byMember.keys()) if (!live.has(member)) this.#byMember.delete(member);
  }
}
