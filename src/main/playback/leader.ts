/**
 * The leader's part of playback coordination. On winning the election it collects the newest
 * state any member holds and carries on from it with its own epoch: after `takeoverMs` once it holds
 * a state and someone has answered, at once when every member has answered, and otherwise asking
 * again until `takeoverMaxMs` (a peer that has just joined a loaded room may hear the answers late,
 * and carrying on from its empty state would stop the room's music); it applies
 * commands in the order they reach it, answering each once even across a change of leader; it
 * holds a new track's start at the ready barrier; and it places the next track and advances the
 * queue at the current one's end (the placing and the end timer are `track-end.ts`). Every peer
 * keeps one, active only while the peer leads.
 */
import type { PlaybackMessage, PlaybackMessageOf, PlaybackReply } from '../../shared/playback/messages';
import {
  commit,
  currentTrackId,
  playbackStatus,
  type PlaybackCommand,
  type PlaybackState,
} from '../../shared/playback/state';
import { applyCommand, type CommandContext } from '../../shared/playback/commands';
import { releaseStart } from '../../shared/playback/barrier';
import { ok, type Result } from '../../shared/result';
import type { Logger } from '../../shared/logger';
import type { PlaybackCoordinatorComponents } from './components';
import type { RequestOutcomes } from './request-outcomes';
import { StartBarrier } from './start-barrier';
import { TrackEnd } from './track-end';
import type { CancelTimer, TimerSet } from './timers';

/** What the leader needs from the coordinator. */
export interface PlaybackLeaderComponents {
  /** The coordinator's own components: the rest of the peer. */
  peer: PlaybackCoordinatorComponents;
  log: Logger;
  timers: TimerSet;
  /** The newest state this peer has, and the way to replace it. */
  state(): PlaybackState;
  setState(state: PlaybackState): void;
  /** Broadcasts the state, with the answer to a command if there is one. */
  publishState(reply: PlaybackReply | null): void;
  publish(message: PlaybackMessage): void;
  /** The answers this peer has seen leaders give. */
  outcomes: RequestOutcomes;
  /** Counts peer input set aside, by reason. */
  drop(reason: string): void;
  /** This peer finished taking over: it applies its own requests that waited for it. */
  tookOver(): void;
}

/** Options, given whole by the coordinator. */
export interface PlaybackLeaderInit {
  leadTimeMs: number;
  readyTimeoutMs: number;
  takeoverMs: number;
  /** The longest a takeover waits for members' states while it holds none (ms). */
  takeoverMaxMs: number;
  maxQueueLength: number;
}

interface QueuedCommand {
  from: string;
  requestId: string;
  command: PlaybackCommand;
}

/** This peer's leader role: inactive until it wins the election. */
export class PlaybackLeader {
  readonly #c: PlaybackLeaderComponents;
  readonly #peer: PlaybackCoordinatorComponents;
  readonly #init: PlaybackLeaderInit;
  /** Who is ready for which track; held starts. */
  readonly barrier: StartBarrier;
  #active = false;
  #takingOver = false;
  #takeoverQueue: QueuedCommand[] = [];
  #cancelTakeover: CancelTimer | null = null;
  /** During a takeover: the members yet to answer, whether any has, and the rounds of asking so far. */
  #awaiting = new Set<string>();
  #heardAny = false;
  #rounds = 0;
  readonly #end: TrackEnd;
  readonly #counts = { commandsApplied: 0, commandsRefused: 0 };

  constructor(components: PlaybackLeaderComponents, init: PlaybackLeaderInit) {
    this.#c = components;
    this.#peer = components.peer;
    this.#init = init;
    this.barrier = new StartBarrier(
      {
        members: () => this.#peer.members(),
        groupNow: () => this.#peer.groupNow(),
        state: () => this.#c.state(),
        leadsNow: () => this.leadsNow(),
        timers: components.timers,
        log: components.log,
        release: (nowMs) => this.#release(nowMs),
        skip: () => this.apply(this.#peer.selfId, null, { kind: 'next' }),
      },
      init,
    );
    this.#end = new TrackEnd({
      peer: this.#peer,
      timers: components.timers,
      leadTimeMs: () => this.barrier.leadMs(),
      state: () => this.#c.state(),
      leadsNow: () => this.leadsNow(),
      stamp: () => this.#stamp(),
      advance: (next, placed) => this.#commit(next, null, placed),
    });
  }

  /** Whether this peer leads (possibly still taking over). */
  isActive(): boolean {
    return this.#active;
  }

  /** Whether this peer leads and has finished taking over, so it applies commands now. */
  leadsNow(): boolean {
    return this.#active && !this.#takingOver;
  }

  /** Commands applied and refused. */
  counts(): { commandsApplied: number; commandsRefused: number } {
    return { ...this.#counts };
  }

  /** This peer won the election: collect members' states, then carry on from the newest. */
  begin(): void {
    this.#active = true;
    this.#takingOver = true;
    this.#awaiting = new Set(this.#others());
    this.#heardAny = false;
    this.#rounds = 0;
    if (this.#awaiting.size === 0) {
      this.#completeTakeover();
      return;
    }
    this.#collect();
  }

  /** A member's state reached this peer (adopted already if newer): one fewer to wait for while taking over. */
  heardFrom(from: string): void {
    if (!this.#takingOver) return;
    this.#heardAny = true;
    this.#awaiting.delete(from);
    if (this.#awaiting.size === 0) this.#completeTakeover();
  }

  /** Asks every member for its state and decides after `takeoverMs`: carry on, or ask again. */
  #collect(): void {
    this.#rounds += 1;
    this.#c.publish({ type: 'playback:sync-request', collect: true });
    this.#cancelTakeover = this.#c.timers.schedule(() => {
      this.#cancelTakeover = null;
      if (!this.#takingOver) return;
      for (const gone of [...this.#awaiting]) if (!this.#others().includes(gone)) this.#awaiting.delete(gone);
      const settled = this.#awaiting.size === 0 || (this.#heardAny && this.#c.state().version > 0);
      const waitedMs = this.#rounds * this.#init.takeoverMs;
      if (settled || waitedMs + this.#init.takeoverMs > this.#init.takeoverMaxMs) this.#completeTakeover();
      else this.#collect();
    }, this.#init.takeoverMs);
  }

  /** This peer no longer leads. */
  stepDown(): void {
    this.#active = false;
    this.#takingOver = false;
    this.#cancelTakeover?.();
    this.#cancelTakeover = null;
    this.#takeoverQueue = [];
    this.barrier.clear();
    this.#end.cancel();
  }

  /** The coordinator stopped (its timers are cancelled already). */
  reset(): void {
    this.#active = false;
    this.#takingOver = false;
    this.#takeoverQueue = [];
    this.barrier.clear();
  }

  /** The periodic tick: forget departed members; while leading, re-place the next track or re-broadcast. */
  tick(): void {
    this.barrier.retain();
    if (this.leadsNow()) {
      if (!this.#refreshNext()) this.#c.publishState(null);
      this.barrier.check();
    }
  }

  /** This peer adopted a newer state someone else made; the election sorts out who leads, meanwhile stay consistent. */
  adoptedOther(): void {
    if (!this.leadsNow()) return;
    this.barrier.clear();
    this.#end.schedule();
  }

  /** A command sent to this peer as the leader: applied once, queued during a takeover, answered again if asked again. */
  onCommand(from: string, message: PlaybackMessageOf<'playback:command'>): void {
    if (message.to !== this.#peer.selfId) return;
    if (!this.#active) {
      this.#c.drop('notLeader');
      return;
    }
    const outcome = this.#c.outcomes.get(from, message.requestId);
    if (outcome !== undefined) {
      this.#c.drop('duplicateRequest');
      // Asked again (its leader died before the answer reached it): answer again, never apply twice.
      if (outcome === null) return;
      if (this.#takingOver)
        this.#takeoverQueue.push({ from, requestId: message.requestId, command: message.command });
      else this.#c.publishState({ to: from, requestId: message.requestId, error: outcome.error });
      return;
    }
    if (this.#takingOver) {
      this.#c.outcomes.remember(from, message.requestId, null);
      this.#takeoverQueue.push({ from, requestId: message.requestId, command: message.command });
      return;
    }
    this.apply(from, message.requestId, message.command);
  }

  /** Applies a command in arrival order; a reply goes out when it came from another peer. */
  apply(from: string, requestId: string | null, command: PlaybackCommand): Result<PlaybackState> {
    const r = applyCommand(this.#c.state(), command, this.#peer.groupNow(), this.#context());
    const reply = requestId === null ? null : { to: from, requestId, error: r.ok ? null : r.error };
    if (reply) this.#c.outcomes.remember(from, reply.requestId, { error: reply.error });
    if (!r.ok) {
      this.#counts.commandsRefused += 1;
      if (reply) this.#c.publishState(reply);
      return r;
    }
    this.#counts.commandsApplied += 1;
    return ok(this.#commit(r.value, reply));
  }

  #stamp(): { epoch: number; updatedBy: string } {
    return { epoch: this.#peer.epoch(), updatedBy: this.#peer.selfId };
  }

  #context(): CommandContext {
    return {
      leadTimeMs: this.barrier.leadMs(),
      ...this.#stamp(),
      trackExists: (id) => this.#peer.trackExists(id),
      durationSec: (id) => this.#peer.trackDurationSec(id),
      libraryOrder: () => this.#peer.libraryOrder(),
      maxQueueLength: this.#init.maxQueueLength,
      random: this.#peer.random ?? Math.random,
      sourceAvailable: (source) => this.#peer.sourceAvailable?.(source) ?? true,
    };
  }

  #others(): string[] {
    return this.#peer.members().filter((m) => m !== this.#peer.selfId);
  }

  #completeTakeover(): void {
    this.#cancelTakeover?.();
    this.#cancelTakeover = null;
    if (!this.#active || !this.#takingOver) return;
    this.#takingOver = false;
    this.#awaiting.clear();
    if (this.#c.state().version === 0) {
      // No state reached this peer: nothing to carry on from, and an empty state published under the new
      // epoch would stop whatever a member that answers late is playing. Its state is adopted when it comes.
      this.#c.log(`leading with no state heard (${this.#others().length} other members)`);
      this.#end.schedule();
      this.#finishTakeover();
      return;
    }
    // Same anchor, new epoch and version: followers keep playing through the change.
    const carried = this.#end.place(commit(this.#c.state(), { starting: false }, this.#stamp()));
    this.#c.log(
      `leading from version ${carried.version} (epoch ${carried.epoch}), ${playbackStatus(carried)}` +
        (currentTrackId(carried) ? ` ${currentTrackId(carried)}` : ''),
    );
    this.#c.setState(carried);
    this.#c.publishState(null);
    this.#end.schedule();
    this.#finishTakeover();
  }

  /** Applies (or answers again) the commands that waited for the takeover. */
  #finishTakeover(): void {
    const queued = this.#takeoverQueue;
    this.#takeoverQueue = [];
    for (const q of queued) {
      const outcome = this.#c.outcomes.get(q.from, q.requestId);
      if (outcome) this.#c.publishState({ to: q.from, requestId: q.requestId, error: outcome.error });
      else this.apply(q.from, q.requestId, q.command);
    }
    this.#c.tookOver();
  }

  /**
   * Makes `next` the state (holding a new track's start when members need time, unless it was placed
   * ahead: `placed`), with the track after it placed, and publishes it.
   */
  #commit(next: PlaybackState, reply: PlaybackReply | null, placed = false): PlaybackState {
    const prev = this.#c.state();
    if (next !== prev) {
      const trackId = currentTrackId(next);
      const trackChanged = trackId !== currentTrackId(prev);
      if (trackChanged || playbackStatus(next) !== 'playing') this.barrier.clear();
      if (trackChanged && !placed && trackId !== null && playbackStatus(next) === 'playing')
        next = this.barrier.hold(next, trackId);
      next = this.#end.place(next);
      this.#c.setState(next);
    }
    if (next !== prev || reply) this.#c.publishState(reply);
    this.#end.schedule();
    return next;
  }

  /** Starts the held track at `nowMs` in a new version. */
  #release(nowMs: number): void {
    this.#c.setState(
      this.#end.place(releaseStart(this.#c.state(), nowMs, this.barrier.leadMs(), this.#stamp())),
    );
    this.#c.publishState(null);
    this.#end.schedule();
  }

  /** Places the next track in a new version (published) when its placement changed, e.g. a duration became known. */
  #refreshNext(): boolean {
    const replaced = this.#end.replaced();
    if (!replaced) return false;
    this.#c.setState(replaced);
    this.#c.publishState(null);
    this.#end.schedule();
    return true;
  }
}
