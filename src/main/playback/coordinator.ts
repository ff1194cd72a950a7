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
 *
 * This file is every peer's part: the service's lifecycle, its API, the messages it receives and
 * the state it keeps. The leader's part is `leader.ts` (with the ready barrier, `start-barrier.ts`);
 * this peer's waiting requests are `local-requests.ts`; sending, validating and counting on the
 * control topic is `playback-wire.ts`; the speaker's ready and unplayable reports are
 * `speaker-reports.ts`.
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_LEAD_TIME_MS,
  DEFAULT_READY_TIMEOUT_MS,
  MAX_SPEAKER_NEED_MS,
} from '../../shared/playback/barrier';
import type { PlaybackMessageOf } from '../../shared/playback/messages';
import {
  initialPlaybackState,
  isNewer,
  playbackLimits,
  playbackStatus,
  positionAt,
  summarize,
  type PlaybackCommand,
  type PlaybackState,
} from '../../shared/playback/state';
import { commandValidator } from '../../shared/playback/validate';
import type { PlaybackSummary } from '../../shared/status';
import type { Logger } from '../../shared/logger';
import { TypedEventTarget } from '../../shared/events';
import type { PlaybackCoordinatorComponents, PlaybackCoordinatorInit, PlaybackCounts } from './components';
import { PlaybackCommandError, PlaybackNotRunningError } from './errors';
import { PlaybackLeader } from './leader';
import { LocalRequests } from './local-requests';
import { PlaybackWire } from './playback-wire';
import { readyReport, unplayableReport } from './speaker-reports';
import { RequestOutcomes } from './request-outcomes';
import { TimerSet, systemTimers } from './timers';

/** Events of the coordinator. */
export interface PlaybackCoordinatorEvents {
  /** The state this peer plays from changed (a new version was adopted or made). */
  'playback:changed': PlaybackState;
}

/** Orders playback commands through the leader and keeps this peer's copy of the room's playback state; raises `playback:changed`. */
export class PlaybackCoordinator extends TypedEventTarget<PlaybackCoordinatorEvents> {
  readonly #c: PlaybackCoordinatorComponents;
  readonly #log: Logger;
  readonly #timers: TimerSet;
  readonly #stateIntervalMs: number;
  readonly #leader: PlaybackLeader;
  readonly #requests: LocalRequests;
  readonly #wire: PlaybackWire;
  /** Every peer records the answers it hears, so a new leader never applies a command twice. */
  readonly #outcomes = new RequestOutcomes();

  #controller: AbortController | null = null;
  #state: PlaybackState;
  #knownLeader: string | null = null;
  #statesAdopted = 0;
  /** The speaker need this peer last told the room (ms), or null before it told one. */
  #needSent: number | null = null;

  constructor(components: PlaybackCoordinatorComponents, init: PlaybackCoordinatorInit = {}) {
    const log = components.logger.forComponent('firefly:playback');
    super(log);
    this.#c = components;
    this.#log = log;
    this.#timers = new TimerSet(components.timers ?? systemTimers);
    this.#stateIntervalMs = init.stateIntervalMs ?? 2000;
    this.#state = initialPlaybackState();
    this.#wire = new PlaybackWire((message) => components.publish(message), log);
    this.#leader = new PlaybackLeader(
      {
        peer: components,
        log,
        timers: this.#timers,
        state: () => this.#state,
        setState: (state) => this.#setState(state),
        publishState: (reply) => this.#wire.publishState(this.#state, reply),
        publish: (message) => this.#wire.publish(message),
        outcomes: this.#outcomes,
        drop: (reason) => this.#wire.drop(reason),
        tookOver: () => this.#requests.runOwn(),
      },
      {
        leadTimeMs: init.leadTimeMs ?? DEFAULT_LEAD_TIME_MS,
        readyTimeoutMs: init.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        takeoverMs: init.takeoverMs ?? 300,
        takeoverMaxMs: init.takeoverMaxMs ?? 3000,
        maxQueueLength: init.maxQueueLength ?? playbackLimits.maxQueueLength,
      },
    );
    this.#requests = new LocalRequests({
      selfId: components.selfId,
      leaderId: () => components.leaderId(),
      leadsNow: () => this.#leader.leadsNow(),
      applyLocally: (command) => this.#leader.apply(components.selfId, null, command),
      sendCommand: (message) => this.#wire.publish(message),
      state: () => this.#state,
      timers: this.#timers,
      newRequestId: components.newRequestId ?? (() => randomUUID()),
      requestTimeoutMs: init.requestTimeoutMs ?? 5000,
    });
  }

  /** Subscribes, starts the periodic broadcast, and takes over or asks the leader for the state. Idempotent. */
  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#c.subscribe((from, message) => this.#receive(from, message), { signal: controller.signal });
    const tick = (): void => {
      if (this.#controller !== controller) return;
      this.leaderChanged();
      this.#leader.tick();
      this.#timers.schedule(tick, this.#stateIntervalMs);
    };
    this.#timers.schedule(tick, this.#stateIntervalMs);
    this.#knownLeader = null;
    this.leaderChanged();
    // With a leader known, leaderChanged() has asked it already; without one, whoever leads answers.
    if (!this.#leader.isActive() && this.#knownLeader === null)
      this.#wire.publish({ type: 'playback:sync-request', collect: false });
  }

  /** Cancels every timer and listener; pending requests fail with `PlaybackNotRunningError`. Idempotent. */
  stop(): void {
    const controller = this.#controller;
    if (!controller) return;
    this.#controller = null;
    controller.abort();
    this.#timers.cancelAll();
    this.#leader.reset();
    this.#requests.failAll(new PlaybackNotRunningError('playback coordinator stopped'));
  }

  /**
   * Tells the coordinator that the election result may have changed; the composition root calls
   * it on the election's leader-change event. Also checked on every message and tick.
   */
  leaderChanged(): void {
    if (!this.#controller) return;
    const leader = this.#c.leaderId();
    const isLeader = this.#c.isLeader();
    if (isLeader && !this.#leader.isActive()) {
      this.#leader.begin();
    } else if (!isLeader && this.#leader.isActive()) {
      this.#leader.stepDown();
      this.#requests.steppedDown();
    }
    if (leader !== this.#knownLeader) {
      this.#knownLeader = leader;
      this.#requests.leaderGone(leader);
      if (leader !== null && !isLeader) {
        this.#wire.publish({ type: 'playback:sync-request', collect: false });
      }
      this.#requests.sendWaiting();
    }
  }

  /** Tells the coordinator the membership changed, so a held start stops waiting for departed members. */
  membersChanged(): void {
    if (!this.#controller) return;
    this.#leader.barrier.check();
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
    if (this.#leader.leadsNow()) {
      const r = this.#leader.apply(this.#c.selfId, null, checked.value);
      return r.ok ? Promise.resolve(r.value) : Promise.reject(new PlaybackCommandError(r.error));
    }
    return this.#requests.add(checked.value, options.signal);
  }

  /**
   * Records that this peer has `trackId` fetched and decoded, and tells the room; with `needMs`, what its
   * speaker needs before a start (output latency and offset, ms), told first when it changed.
   */
  reportReady(trackId: string, needMs?: number): void {
    if (!this.#controller) return;
    const report = readyReport(trackId, this.#state.version);
    if (!report.ok) return this.#log.warn(report.error);
    if (needMs !== undefined) this.#reportNeed(needMs);
    this.#leader.barrier.noteReady(this.#c.selfId, trackId, this.#state.version);
    this.#wire.publish(report.value);
  }

  /** Tells the room what this peer's speaker needs before a start, when that moved by a millisecond or more. */
  #reportNeed(needMs: number): void {
    const need = Math.min(MAX_SPEAKER_NEED_MS, Math.max(0, Math.ceil(needMs)));
    this.#leader.barrier.noteLead(this.#c.selfId, need);
    if (need === this.#needSent) return;
    this.#needSent = need;
    this.#wire.publish({ type: 'playback:lead', needMs: need });
  }

  /**
   * Records that this peer's speaker cannot play `trackId` (why, in plain words) and tells the room;
   * the leader skips a track that no speaker can play.
   */
  reportUnplayable(trackId: string, reason: string): void {
    if (!this.#controller) return;
    const report = unplayableReport(trackId, this.#state.version, reason);
    if (!report.ok) return this.#log.warn(report.error);
    this.#leader.barrier.noteUnplayable(this.#c.selfId, trackId, reason);
    this.#wire.publish(report.value);
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
    return { ...summarize(this.#state, this.#c.groupNow()), leadMs: this.#leader.barrier.leadMs() };
  }

  /** Counters, including dropped peer input. */
  counts(): PlaybackCounts {
    return {
      ...this.#leader.counts(),
      statesAdopted: this.#statesAdopted,
      ...this.#leader.barrier.counts(),
      ...this.#wire.counts(),
    };
  }

  // ---- incoming messages -------------------------------------------------------------------

  #receive(from: string, input: unknown): void {
    if (!this.#controller || from === this.#c.selfId) return;
    const message = this.#wire.accept(from, input);
    if (!message) return;
    this.leaderChanged();
    switch (message.type) {
      case 'playback:command':
        return this.#leader.onCommand(from, message);
      case 'playback:state':
        return this.#onState(from, message);
      case 'playback:sync-request':
        return this.#onSyncRequest(message);
      case 'playback:ready':
        return this.#leader.barrier.noteReady(from, message.trackId, message.version);
      case 'playback:lead':
        return this.#leader.barrier.noteLead(from, message.needMs);
      case 'playback:unplayable':
        return this.#leader.barrier.noteUnplayable(from, message.trackId, message.reason);
    }
  }

  #onState(from: string, message: PlaybackMessageOf<'playback:state'>): void {
    const { state, reply } = message;
    if (state.epoch > this.#c.epoch()) {
      // A state from a leader this peer has not accepted yet; the periodic broadcast brings it again.
      this.#wire.drop('futureEpoch');
    } else {
      this.#adopt(state);
      this.#leader.heardFrom(from);
    }
    if (reply) this.#outcomes.remember(reply.to, reply.requestId, { error: reply.error });
    if (reply && reply.to === this.#c.selfId) this.#requests.answered(reply, state);
  }

  #onSyncRequest(message: PlaybackMessageOf<'playback:sync-request'>): void {
    if (message.collect) {
      // A new leader gathers the newest state anyone holds, and waits for every member's answer: everyone
      // answers, with no state too, and a leader that has not heard of the new one yet as well.
      this.#wire.publishState(this.#state, null);
    } else if (this.#leader.leadsNow()) {
      this.#wire.publishState(this.#state, null);
    }
  }

  // ---- state and plumbing -----------------------------------------------------------------

  #adopt(state: PlaybackState): void {
    if (!isNewer(state, this.#state)) return;
    this.#statesAdopted += 1;
    this.#setState(state);
    // Someone else led a newer version: a leader that has taken over stays consistent with it.
    this.#leader.adoptedOther();
  }

  #setState(state: PlaybackState): void {
    if (state === this.#state) return;
    if (playbackStatus(state) === 'stopped' && playbackStatus(this.#state) !== 'stopped')
      this.#leader.barrier.forgetReady(state.version);
    this.#state = state;
    this.emit('playback:changed', state);
  }
}
