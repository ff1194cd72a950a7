/**
 * Playback coordination over the control topic. Any peer may ask for a command; the leader
 * applies commands in the order they reach it, to its one versioned state, and broadcasts the
 * whole state on every change and periodically. Every peer keeps the newest state it has seen,
 * ordered by (epoch, version), and its renderer plays from the anchor in it.
 *
 * Leader change: group time is continuous across leaders (the clock carries the timeline over),
 * so the anchor stays valid and nobody needs to stop. A new leader first asks every member for
 * the newest state it holds (a collecting sync request), waits `takeoverMs`, and then carries on
 * from the newest one it has, with its own epoch and the next version. That covers a new leader
 * that missed the last update, and a restarted peer that wins the election knowing nothing.
 * A command still unanswered when its leader goes is sent again to the next one; every peer
 * remembers the answers it has heard, so the next leader answers a command the old one had
 * applied instead of applying it twice.
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_LEAD_TIME_MS,
  DEFAULT_READY_TIMEOUT_MS,
  ReadyBook,
  createPendingStart,
  decide,
  holdStart,
  markReady,
  pruneDeparted,
  releaseStart,
  type PendingStart,
} from '../../shared/playback/barrier';
import {
  isPlaybackMessageType,
  validatePlaybackMessage,
  type PlaybackMessage,
  type PlaybackMessageOf,
  type PlaybackReply,
} from '../../shared/playback/messages';
import {
  applyCommand,
  commit,
  currentTrackId,
  endsAt,
  initialPlaybackState,
  isNewer,
  playbackLimits,
  playbackStatus,
  positionAt,
  summarize,
  type CommandContext,
  type PlaybackCommand,
  type PlaybackState,
} from '../../shared/playback/state';
import { advanceAtEnd, placeNext, sameNext, withNext } from '../../shared/playback/next';
import { UnplayableBook, skipReason } from '../../shared/playback/unplayable';
import { commandValidator, trackIdValidator } from '../../shared/playback/validate';
import { ok, type Result } from '../../shared/result';
import type { PlaybackSummary } from '../../shared/status';
import type { ComponentLogger, Logger } from '../../shared/logger';
import type { LiveSourceRef } from '../../shared/live/sources';
import { TypedEventTarget } from '../../shared/events';

/** Cancels a scheduled callback; calling it twice is harmless. */
export type CancelTimer = () => void;

/** Where the coordinator's timers come from; tests pass a fake clock. */
export interface PlaybackTimers {
  setTimeout(callback: () => void, delayMs: number): CancelTimer;
}

/** Timers of the Node event loop. */
export const systemTimers: PlaybackTimers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};

/** The narrow view of the rest of the peer that the coordinator needs. */
export interface PlaybackCoordinatorComponents {
  /** This peer's id. */
  selfId: string;
  /** Broadcasts a playback message on the control topic (the caller adds the envelope). */
  publish(message: PlaybackMessage): void | Promise<unknown>;
  /**
   * Calls `listener` for each playback message from another peer, with its verified sender.
   * The message is validated here, so the caller may pass it undecoded.
   */
  subscribe(listener: (from: string, message: unknown) => void, options: { signal: AbortSignal }): void;
  isLeader(): boolean;
  leaderId(): string | null;
  /** The epoch of the leader this peer follows (or leads as). */
  epoch(): number;
  /** Group time, ms. */
  groupNow(): number;
  /** Peer ids of live members whose readiness a start waits for (with or without this peer). */
  members(): string[];
  trackExists(trackId: string): boolean;
  trackDurationSec(trackId: string): number | null;
  /** Seconds the track after the current one overlaps it (the crossfade, `crossfadeSecAt`); absent: 0, gapless. */
  crossfadeSec?(state: PlaybackState): number;
  /** The room's track listing in display order, for `play {index}`. */
  libraryOrder(): readonly string[];
  /** Whether a live source can be played now (#22); absent: any. */
  sourceAvailable?(source: LiveSourceRef): boolean;
  logger: ComponentLogger;
  timers?: PlaybackTimers;
  newRequestId?: () => string;
  /** Uniform in [0, 1) for shuffling (the leader draws; the order travels in the state). */
  random?: () => number;
}

/** Options; every one has a default. */
export interface PlaybackCoordinatorInit {
  /** Gap between a decision and the audio it schedules (see shared/playback/barrier.ts). */
  leadTimeMs?: number;
  /** Longest wait for members to have a new track decoded. */
  readyTimeoutMs?: number;
  /** Period of the leader's state broadcast, for late joiners and lost messages. */
  stateIntervalMs?: number;
  /** How long a local request waits for the leader's answer. */
  requestTimeoutMs?: number;
  /** How long a new leader collects members' states before carrying on. */
  takeoverMs?: number;
  maxQueueLength?: number;
}

/** Events of the coordinator. */
export interface PlaybackCoordinatorEvents {
  /** The state this peer plays from changed (a new version was adopted or made). */
  'playback:changed': PlaybackState;
}

/** Counters for status and `debug`. */
export interface PlaybackCounts {
  commandsApplied: number;
  commandsRefused: number;
  statesPublished: number;
  statesAdopted: number;
  readyReports: number;
  /** Speakers' reports that they cannot play a track. */
  unplayableReports: number;
  /** Tracks skipped because no speaker could play them. */
  unplayableSkips: number;
  /** Peer input set aside, by reason: `invalid:<type>` for messages that failed validation. */
  dropped: Record<string, number>;
}

/** The leader refused the command (or it was malformed); `message` says why, for the user. */
export class PlaybackCommandError extends Error {
  override readonly name = 'PlaybackCommandError';
}

/** No leader was known for the whole request timeout. */
export class PlaybackNoLeaderError extends Error {
  override readonly name = 'PlaybackNoLeaderError';
}

/** The leader did not answer within the request timeout. */
export class PlaybackTimeoutError extends Error {
  override readonly name = 'PlaybackTimeoutError';
}

/** The coordinator is not running. */
export class PlaybackNotRunningError extends Error {
  override readonly name = 'PlaybackNotRunningError';
}

interface LocalRequest {
  requestId: string;
  command: PlaybackCommand;
  sentTo: string | null;
  resolve(state: PlaybackState): void;
  reject(error: Error): void;
  cancelTimeout: CancelTimer;
}

interface QueuedCommand {
  from: string;
  requestId: string;
  command: PlaybackCommand;
}

const MAX_REMEMBERED_REQUESTS = 512;

/** Orders playback commands through the leader and keeps this peer's copy of the room's playback state; raises `playback:changed`. */
export class PlaybackCoordinator extends TypedEventTarget<PlaybackCoordinatorEvents> {
  readonly #c: PlaybackCoordinatorComponents;
  readonly #log: Logger;
  readonly #timers: PlaybackTimers;
  readonly #leadTimeMs: number;
  readonly #readyTimeoutMs: number;
  readonly #stateIntervalMs: number;
  readonly #requestTimeoutMs: number;
  readonly #takeoverMs: number;
  readonly #maxQueueLength: number;
  readonly #newRequestId: () => string;

  #controller: AbortController | null = null;
  readonly #cancels = new Set<CancelTimer>();
  #state: PlaybackState;
  #isLeader = false;
  #knownLeader: string | null = null;
  #takingOver = false;
  #takeoverQueue: QueuedCommand[] = [];
  #cancelTakeover: CancelTimer | null = null;
  #pending: PendingStart | null = null;
  #cancelBarrier: CancelTimer | null = null;
  #cancelEnd: CancelTimer | null = null;
  readonly #book = new ReadyBook();
  readonly #unplayable = new UnplayableBook();
  readonly #requests = new Map<string, LocalRequest>();
  /**
   * `from/requestId` of commands this peer saw reach a leader: null while one waits in a takeover,
   * then the leader's answer (null error when applied). Every peer records the answers it hears, so
   * a new leader answers a command the old one applied instead of applying it twice.
   */
  readonly #requestOutcomes = new Map<string, { error: string | null } | null>();
  readonly #counts = {
    commandsApplied: 0,
    commandsRefused: 0,
    statesPublished: 0,
    statesAdopted: 0,
    readyReports: 0,
    unplayableReports: 0,
    unplayableSkips: 0,
  };
  readonly #dropped = new Map<string, number>();

  constructor(components: PlaybackCoordinatorComponents, init: PlaybackCoordinatorInit = {}) {
    const log = components.logger.forComponent('firefly:playback');
    super(log);
    this.#c = components;
    this.#log = log;
    this.#timers = components.timers ?? systemTimers;
    this.#newRequestId = components.newRequestId ?? (() => randomUUID());
    this.#leadTimeMs = init.leadTimeMs ?? DEFAULT_LEAD_TIME_MS;
    this.#readyTimeoutMs = init.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    this.#stateIntervalMs = init.stateIntervalMs ?? 2000;
    this.#requestTimeoutMs = init.requestTimeoutMs ?? 5000;
    this.#takeoverMs = init.takeoverMs ?? 300;
    this.#maxQueueLength = init.maxQueueLength ?? playbackLimits.maxQueueLength;
    this.#state = initialPlaybackState();
  }

  /** Subscribes, starts the periodic broadcast, and takes over or asks the leader for the state. Idempotent. */
  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#c.subscribe((from, message) => this.#receive(from, message), { signal: controller.signal });
    const tick = (): void => {
      if (this.#controller !== controller) return;
      this.#tick();
      this.#schedule(tick, this.#stateIntervalMs);
    };
    this.#schedule(tick, this.#stateIntervalMs);
    this.#knownLeader = null;
    this.leaderChanged();
    // With a leader known, leaderChanged() has asked it already; without one, whoever leads answers.
    if (!this.#isLeader && this.#knownLeader === null)
      this.#publish({ type: 'playback:sync-request', collect: false });
  }

  /** Cancels every timer and listener; pending requests fail with `PlaybackNotRunningError`. Idempotent. */
  stop(): void {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    controller.abort();
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
    this.#isLeader = false;
    this.#takingOver = false;
    this.#takeoverQueue = [];
    this.#pending = null;
    for (const request of [...this.#requests.values()])
      this.#settle(request, new PlaybackNotRunningError('playback coordinator stopped'));
  }

  /**
   * Tells the coordinator that the election result may have changed; the composition root calls
   * it on the election's leader-change event. Also checked on every message and tick.
   */
  leaderChanged(): void {
    if (!this.#controller) return;
    const leader = this.#c.leaderId();
    const isLeader = this.#c.isLeader();
    if (isLeader && !this.#isLeader) {
      this.#isLeader = true;
      this.#beginTakeover();
    } else if (!isLeader && this.#isLeader) {
      this.#isLeader = false;
      this.#stepDown();
    }
    if (leader !== this.#knownLeader) {
      this.#knownLeader = leader;
      // Commands sent to a leader that is gone go to the next one (which answers, without applying
      // twice, those the old leader applied and announced).
      for (const request of this.#requests.values()) {
        if (request.sentTo !== null && request.sentTo !== leader && request.sentTo !== this.#c.selfId)
          request.sentTo = null;
      }
      if (leader !== null && !isLeader) {
        this.#publish({ type: 'playback:sync-request', collect: false });
      }
      this.#sendWaitingRequests();
    }
  }

  /** Tells the coordinator the membership changed, so a held start stops waiting for departed members. */
  membersChanged(): void {
    if (!this.#controller) return;
    this.#checkBarrier();
  }

  /**
   * Asks the room to apply a command. Resolves with the state that carries it once this peer has
   * seen that state; rejects with `PlaybackCommandError` when the leader refuses it,
   * `PlaybackNoLeaderError` or `PlaybackTimeoutError` when no answer comes in time.
   */
  request(command: PlaybackCommand, options: { signal?: AbortSignal } = {}): Promise<PlaybackState> {
    if (!this.#controller)
      return Promise.reject(new PlaybackNotRunningError('playback coordinator is not running'));
    const checked = commandValidator(command);
    if (!checked.ok) return Promise.reject(new PlaybackCommandError(checked.error));
    options.signal?.throwIfAborted();
    this.leaderChanged();
    if (this.#isLeader && !this.#takingOver) {
      const r = this.#applyAsLeader(this.#c.selfId, null, checked.value);
      return r.ok ? Promise.resolve(r.value) : Promise.reject(new PlaybackCommandError(r.error));
    }
    return new Promise<PlaybackState>((resolve, reject) => {
      const requestId = this.#newRequestId();
      const request: LocalRequest = {
        requestId,
        command: checked.value,
        sentTo: null,
        resolve,
        reject,
        cancelTimeout: () => {},
      };
      request.cancelTimeout = this.#schedule(() => this.#timeOut(request), this.#requestTimeoutMs);
      options.signal?.addEventListener(
        'abort',
        () => this.#settle(request, options.signal?.reason as Error),
        { once: true },
      );
      this.#requests.set(requestId, request);
      this.#send(request);
    });
  }

  /** Records that this peer has `trackId` fetched and decoded, and tells the room. */
  reportReady(trackId: string): void {
    if (!this.#controller) return;
    const checked = trackIdValidator(trackId);
    if (!checked.ok) {
      this.#log.warn(`not reporting ready for a malformed track id (${checked.error})`);
      return;
    }
    this.#noteReady(this.#c.selfId, trackId);
    this.#publish({ type: 'playback:ready', trackId, version: this.#state.version });
  }

  /**
   * Records that this peer's speaker cannot play `trackId` (why, in plain words) and tells the room;
   * the leader skips a track that no speaker can play.
   */
  reportUnplayable(trackId: string, reason: string): void {
    if (!this.#controller) return;
    const checked = trackIdValidator(trackId);
    if (!checked.ok) {
      this.#log.warn(`not reporting an unplayable track with a malformed id (${checked.error})`);
      return;
    }
    const message = { type: 'playback:unplayable', trackId, version: this.#state.version, reason } as const;
    const valid = validatePlaybackMessage(message);
    if (!valid.ok) {
      this.#log.warn(`not reporting an unplayable track (${valid.error})`);
      return;
    }
    this.#noteUnplayable(this.#c.selfId, trackId, reason);
    this.#publish(message);
  }

  /** The newest state this peer has. */
  state(): PlaybackState {
    return this.#state;
  }

  /** Position of the current track now, seconds. */
  positionSec(): number {
    return positionAt(this.#state, this.#c.groupNow());
  }

  /** The summary `/api/status` reports. */
  summary(): PlaybackSummary {
    return summarize(this.#state, this.#c.groupNow());
  }

  /** Counters, including dropped peer input. */
  counts(): PlaybackCounts {
    return { ...this.#counts, dropped: Object.fromEntries(this.#dropped) };
  }

  // ---- incoming messages -------------------------------------------------------------------

  #receive(from: string, input: unknown): void {
    if (!this.#controller || from === this.#c.selfId) return;
    const checked = validatePlaybackMessage(input);
    if (!checked.ok) {
      const type =
        typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
      // Keyed by known types only, so a peer cannot grow the counter table.
      this.#drop(isPlaybackMessageType(type) ? `invalid:${type}` : 'invalid');
      this.#log.warn(`dropped a message from ${from}: ${checked.error}`);
      return;
    }
    this.leaderChanged();
    const message = checked.value;
    switch (message.type) {
      case 'playback:command':
        return this.#onCommand(from, message);
      case 'playback:state':
        return this.#onState(message);
      case 'playback:sync-request':
        return this.#onSyncRequest(message);
      case 'playback:ready':
        return this.#onReady(from, message);
      case 'playback:unplayable':
        return this.#noteUnplayable(from, message.trackId, message.reason);
    }
  }

  #onCommand(from: string, message: PlaybackMessageOf<'playback:command'>): void {
    if (message.to !== this.#c.selfId) return;
    if (!this.#isLeader) {
      this.#drop('notLeader');
      return;
    }
    const key = `${from}/${message.requestId}`;
    const outcome = this.#requestOutcomes.get(key);
    if (outcome !== undefined) {
      this.#drop('duplicateRequest');
      // Asked again (its leader died before the answer reached it): answer again, never apply twice.
      if (outcome === null) return;
      if (this.#takingOver)
        this.#takeoverQueue.push({ from, requestId: message.requestId, command: message.command });
      else this.#publishState({ to: from, requestId: message.requestId, error: outcome.error });
      return;
    }
    if (this.#takingOver) {
      this.#rememberOutcome(key, null);
      this.#takeoverQueue.push({ from, requestId: message.requestId, command: message.command });
      return;
    }
    this.#applyAsLeader(from, message.requestId, message.command);
  }

  #rememberOutcome(key: string, outcome: { error: string | null } | null): void {
    this.#requestOutcomes.delete(key);
    this.#requestOutcomes.set(key, outcome);
    if (this.#requestOutcomes.size > MAX_REMEMBERED_REQUESTS) {
      const oldest = this.#requestOutcomes.keys().next().value;
      if (oldest !== undefined) this.#requestOutcomes.delete(oldest);
    }
  }

  #onState(message: PlaybackMessageOf<'playback:state'>): void {
    const { state, reply } = message;
    if (state.epoch > this.#c.epoch()) {
      // A state from a leader this peer has not accepted yet; the periodic broadcast brings it again.
      this.#drop('futureEpoch');
    } else {
      this.#adopt(state);
    }
    if (reply) this.#rememberOutcome(`${reply.to}/${reply.requestId}`, { error: reply.error });
    if (reply && reply.to === this.#c.selfId) this.#onReply(reply, state);
  }

  #onSyncRequest(message: PlaybackMessageOf<'playback:sync-request'>): void {
    if (message.collect) {
      // A new leader gathers the newest state anyone holds; followers answer, leaders publish anyway.
      if (!this.#isLeader && this.#state.version > 0) this.#publishState(null);
    } else if (this.#isLeader && !this.#takingOver) {
      this.#publishState(null);
    }
  }

  #onReady(from: string, message: PlaybackMessageOf<'playback:ready'>): void {
    this.#noteReady(from, message.trackId);
  }

  #onReply(reply: PlaybackReply, state: PlaybackState): void {
    const request = this.#requests.get(reply.requestId);
    if (!request) return;
    if (reply.error !== null) this.#settle(request, new PlaybackCommandError(reply.error));
    else this.#settle(request, null, isNewer(state, this.#state) ? state : this.#state);
  }

  #noteReady(memberId: string, trackId: string): void {
    this.#counts.readyReports += 1;
    this.#book.record(memberId, trackId);
    if (this.#pending) {
      this.#pending = markReady(this.#pending, memberId, trackId);
      this.#checkBarrier();
    }
  }

  #noteUnplayable(memberId: string, trackId: string, reason: string): void {
    this.#counts.unplayableReports += 1;
    this.#unplayable.record(memberId, trackId, reason);
    this.#log(`${memberId} cannot play ${trackId} (${reason})`);
    if (this.#pending) {
      // It will never be ready: the barrier does not wait for it.
      this.#pending = markReady(this.#pending, memberId, trackId);
      this.#checkBarrier();
    } else if (this.#isLeader && !this.#takingOver && currentTrackId(this.#state) === trackId) {
      this.#skipIfUnplayable();
    }
  }

  /** Skips the current track when a speaker cannot play it and none can; whether it did. */
  #skipIfUnplayable(): boolean {
    const trackId = currentTrackId(this.#state);
    if (trackId === null || playbackStatus(this.#state) !== 'playing') return false;
    const members = this.#barrierMembers();
    // A speaker that said it cannot play the track is not ready for it, whatever it said before.
    const ready = (m: string) => this.#book.has(m, trackId) && !this.#unplayable.has(m, trackId);
    const reason = skipReason(this.#unplayable, trackId, members, ready);
    if (reason === null) return false;
    this.#counts.unplayableSkips += 1;
    this.#log(`skipping ${trackId}, no speaker can play it (${reason})`);
    this.#clearPending();
    this.#applyAsLeader(this.#c.selfId, null, { kind: 'next' });
    return true;
  }

  // ---- leader --------------------------------------------------------------------------------

  #stamp(): { epoch: number; updatedBy: string } {
    return { epoch: this.#c.epoch(), updatedBy: this.#c.selfId };
  }

  #context(): CommandContext {
    return {
      leadTimeMs: this.#leadTimeMs,
      ...this.#stamp(),
      trackExists: (id) => this.#c.trackExists(id),
      durationSec: (id) => this.#c.trackDurationSec(id),
      libraryOrder: () => this.#c.libraryOrder(),
      maxQueueLength: this.#maxQueueLength,
      random: this.#c.random ?? Math.random,
      sourceAvailable: (source) => this.#c.sourceAvailable?.(source) ?? true,
    };
  }

  #others(): string[] {
    return this.#c.members().filter((m) => m !== this.#c.selfId);
  }

  #beginTakeover(): void {
    this.#takingOver = true;
    if (this.#others().length === 0) {
      this.#completeTakeover();
      return;
    }
    this.#publish({ type: 'playback:sync-request', collect: true });
    this.#cancelTakeover = this.#schedule(() => this.#completeTakeover(), this.#takeoverMs);
  }

  #completeTakeover(): void {
    this.#cancelTakeover?.();
    this.#cancelTakeover = null;
    if (!this.#isLeader || !this.#takingOver) return;
    this.#takingOver = false;
    // Same anchor, new epoch and version: followers keep playing through the change.
    const carried = this.#placeNext(commit(this.#state, { starting: false }, this.#stamp()));
    this.#log(
      `leading from version ${carried.version} (epoch ${carried.epoch}), ${playbackStatus(carried)}` +
        (currentTrackId(carried) ? ` ${currentTrackId(carried)}` : ''),
    );
    this.#setState(carried);
    this.#publishState(null);
    this.#scheduleEnd();
    const queued = this.#takeoverQueue;
    this.#takeoverQueue = [];
    for (const q of queued) {
      const outcome = this.#requestOutcomes.get(`${q.from}/${q.requestId}`);
      if (outcome) this.#publishState({ to: q.from, requestId: q.requestId, error: outcome.error });
      else this.#applyAsLeader(q.from, q.requestId, q.command);
    }
    for (const request of [...this.#requests.values()]) {
      if (request.sentTo === this.#c.selfId) this.#runLocally(request);
    }
  }

  #stepDown(): void {
    this.#takingOver = false;
    this.#cancelTakeover?.();
    this.#cancelTakeover = null;
    this.#takeoverQueue = [];
    this.#clearPending();
    this.#cancelEnd?.();
    this.#cancelEnd = null;
    for (const request of this.#requests.values())
      if (request.sentTo === this.#c.selfId) request.sentTo = null;
  }

  /** Applies a command in arrival order; a reply goes out when it came from another peer. */
  #applyAsLeader(from: string, requestId: string | null, command: PlaybackCommand): Result<PlaybackState> {
    const r = applyCommand(this.#state, command, this.#c.groupNow(), this.#context());
    const reply = requestId === null ? null : { to: from, requestId, error: r.ok ? null : r.error };
    if (reply) this.#rememberOutcome(`${from}/${requestId}`, { error: reply.error });
    if (!r.ok) {
      this.#counts.commandsRefused += 1;
      if (reply) this.#publishState(reply);
      return r;
    }
    this.#counts.commandsApplied += 1;
    return ok(this.#commitAsLeader(r.value, reply));
  }

  /**
   * Makes `next` the state (holding a new track's start when members need time, unless it was placed
   * ahead: `placed`), with the track after it placed, and publishes it.
   */
  #commitAsLeader(next: PlaybackState, reply: PlaybackReply | null, placed = false): PlaybackState {
    const prev = this.#state;
    if (next !== prev) {
      const trackId = currentTrackId(next);
      const trackChanged = trackId !== currentTrackId(prev);
      if (trackChanged || playbackStatus(next) !== 'playing') this.#clearPending();
      if (trackChanged && !placed && trackId !== null && playbackStatus(next) === 'playing')
        next = this.#holdIfNeeded(next, trackId);
      next = this.#placeNext(next);
      this.#setState(next);
    }
    if (next !== prev || reply) this.#publishState(reply);
    this.#scheduleEnd();
    return next;
  }

  #barrierMembers(): string[] {
    return [...new Set([this.#c.selfId, ...this.#c.members()])];
  }

  #holdIfNeeded(state: PlaybackState, trackId: string): PlaybackState {
    // Played anew: speakers say again whether they can (one may have been fixed, or a fetch failed for a while).
    this.#unplayable.forget(trackId);
    const now = this.#c.groupNow();
    const pending = createPendingStart(
      trackId,
      now,
      this.#barrierMembers(),
      (m) => this.#book.has(m, trackId),
      this.#readyTimeoutMs,
    );
    if (!pending) return state;
    this.#pending = pending;
    this.#armBarrier();
    return holdStart(state, pending, this.#leadTimeMs);
  }

  #armBarrier(): void {
    this.#cancelBarrier?.();
    const pending = this.#pending;
    if (!pending) return;
    const delayMs = Math.max(1, pending.deadlineMs - this.#c.groupNow());
    this.#cancelBarrier = this.#schedule(() => this.#checkBarrier(), delayMs);
  }

  #clearPending(): void {
    this.#pending = null;
    this.#cancelBarrier?.();
    this.#cancelBarrier = null;
  }

  #checkBarrier(): void {
    const pending = this.#pending;
    if (!pending) return;
    if (
      !this.#isLeader ||
      this.#takingOver ||
      !this.#state.starting ||
      currentTrackId(this.#state) !== pending.trackId
    ) {
      this.#clearPending();
      return;
    }
    const now = this.#c.groupNow();
    this.#pending = pruneDeparted(pending, this.#barrierMembers());
    const decision = decide(this.#pending, now);
    if (decision === 'wait') {
      this.#armBarrier();
      return;
    }
    if (decision === 'deadline') {
      this.#log(
        `starting ${pending.trackId} without ${this.#pending.waiting.join(', ')} (not ready after ${this.#readyTimeoutMs} ms)`,
      );
    }
    if (this.#skipIfUnplayable()) return;
    this.#clearPending();
    this.#setState(this.#placeNext(releaseStart(this.#state, now, this.#leadTimeMs, this.#stamp())));
    this.#publishState(null);
    this.#scheduleEnd();
  }

  /** `state` with the track after its current one placed (or no placement), in the same version. */
  #placeNext(state: PlaybackState): PlaybackState {
    return withNext(state, placeNext(state, this.#placement()));
  }

  #placement() {
    return {
      durationSec: (id: string) => this.#c.trackDurationSec(id),
      overlapSec: (state: PlaybackState) => this.#c.crossfadeSec?.(state) ?? 0,
    };
  }

  /** Places the next track in a new version (published) when its placement changed, e.g. a duration became known. */
  #refreshNext(): boolean {
    const placement = placeNext(this.#state, this.#placement());
    if (sameNext(this.#state.next, placement)) return false;
    this.#setState(commit(withNext(this.#state, placement), {}, this.#stamp()));
    this.#publishState(null);
    this.#scheduleEnd();
    return true;
  }

  #scheduleEnd(): void {
    this.#cancelEnd?.();
    this.#cancelEnd = null;
    if (!this.#isLeader || this.#takingOver) return;
    const trackId = currentTrackId(this.#state);
    if (trackId === null) return;
    // With the next track placed, the queue advances when it starts (the end, or the crossfade's start).
    const endMs =
      this.#state.next?.anchor.groupTimeMs ?? endsAt(this.#state, this.#c.trackDurationSec(trackId));
    if (endMs === null) return;
    const delayMs = Math.max(0, endMs - this.#c.groupNow());
    this.#cancelEnd = this.#schedule(() => this.#onTrackEnd(), delayMs);
  }

  #onTrackEnd(): void {
    this.#cancelEnd = null;
    if (!this.#isLeader || this.#takingOver) return;
    const { state: next, placed } = advanceAtEnd(
      this.#state,
      this.#c.groupNow(),
      (id) => this.#c.trackDurationSec(id),
      { leadTimeMs: this.#leadTimeMs, ...this.#stamp() },
    );
    if (next === this.#state) this.#scheduleEnd();
    // Placed ahead: every renderer already plays it from this anchor; no barrier, no lead time.
    else this.#commitAsLeader(next, null, placed);
  }

  #tick(): void {
    this.leaderChanged();
    this.#book.retain(this.#barrierMembers());
    this.#unplayable.retain(this.#barrierMembers());
    if (this.#isLeader && !this.#takingOver) {
      if (!this.#refreshNext()) this.#publishState(null);
      this.#checkBarrier();
    }
  }

  // ---- requests from this peer ------------------------------------------------------------

  #send(request: LocalRequest): void {
    const leader = this.#c.leaderId();
    if (leader === null) return;
    request.sentTo = leader;
    if (leader === this.#c.selfId) {
      if (this.#isLeader && !this.#takingOver) this.#runLocally(request);
      return;
    }
    this.#publish({
      type: 'playback:command',
      to: leader,
      requestId: request.requestId,
      command: request.command,
    });
  }

  #runLocally(request: LocalRequest): void {
    const r = this.#applyAsLeader(this.#c.selfId, null, request.command);
    if (r.ok) this.#settle(request, null, r.value);
    else this.#settle(request, new PlaybackCommandError(r.error));
  }

  #sendWaitingRequests(): void {
    for (const request of [...this.#requests.values()]) if (request.sentTo === null) this.#send(request);
  }

  #timeOut(request: LocalRequest): void {
    const error =
      request.sentTo === null
        ? new PlaybackNoLeaderError(
            `no leader in the room to apply "${request.command.kind}" (waited ${this.#requestTimeoutMs} ms)`,
          )
        : new PlaybackTimeoutError(
            `leader ${request.sentTo} did not answer "${request.command.kind}" within ${this.#requestTimeoutMs} ms`,
          );
    this.#settle(request, error);
  }

  #settle(request: LocalRequest, error: Error | null, state?: PlaybackState): void {
    if (!this.#requests.delete(request.requestId)) return;
    request.cancelTimeout();
    if (error) request.reject(error);
    else request.resolve(state ?? this.#state);
  }

  // ---- state and plumbing -----------------------------------------------------------------

  #adopt(state: PlaybackState): void {
    if (!isNewer(state, this.#state)) return;
    this.#counts.statesAdopted += 1;
    this.#setState(state);
    if (this.#isLeader && !this.#takingOver) {
      // Someone else led a newer version; the election will sort out who leads, meanwhile stay consistent.
      this.#clearPending();
      this.#scheduleEnd();
    }
  }

  #setState(state: PlaybackState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('playback:changed', state);
  }

  #publishState(reply: PlaybackReply | null): void {
    this.#counts.statesPublished += 1;
    this.#publish({ type: 'playback:state', state: this.#state, reply });
  }

  #publish(message: PlaybackMessage): void {
    try {
      const sent = this.#c.publish(message);
      if (sent instanceof Promise) {
        sent.catch((error: unknown) =>
          this.#log.warn(`publishing ${message.type} failed: ${(error as Error).message}`),
        );
      }
    } catch (error) {
      this.#log.warn(`publishing ${message.type} failed: ${(error as Error).message}`);
    }
  }

  #drop(reason: string): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1);
  }

  #schedule(callback: () => void, delayMs: number): CancelTimer {
    let done = false;
    const cancelTimer = this.#timers.setTimeout(() => {
      if (done) return;
      done = true;
      this.#cancels.delete(cancel);
      callback();
    }, delayMs);
    const cancel: CancelTimer = () => {
      if (done) return;
      done = true;
      this.#cancels.delete(cancel);
      cancelTimer();
    };
    this.#cancels.add(cancel);
    return cancel;
  }
}
