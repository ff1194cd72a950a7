/**
 * A simulated room for coordinator tests: a fake clock that drives every timer, an in-memory
 * broadcast bus with per-link latency (messages cross it as JSON, as on the wire), and an
 * election stand-in whose leader and epoch the test sets.
 */
import type { PlaybackMessage } from '../../../shared/playback/messages';
import type { PlaybackState } from '../../../shared/playback/state';
import { logger as scopedLogger, type ComponentLogger } from '../../../shared/logger';
import { PlaybackCoordinator } from '../coordinator';
import type { PlaybackCoordinatorInit } from '../components';
import type { CancelTimer, PlaybackTimers } from '../timers';

const flushIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Time that moves only when the test says so; every timer of every peer hangs off it. */
export class FakeClock implements PlaybackTimers {
  #now: number;
  #seq = 0;
  #timers: Array<{ at: number; seq: number; callback: () => void }> = [];

  /**
   * How early every timer fires (ms): libuv counts timers in whole ms, so a Node timer can fire before a
   * sub-ms clock says it is due (here 15 of 20 timers of a busy loop fired early, by up to 0.15 ms).
   */
  earlyMs = 0;

  constructor(startMs = 1_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Time that passes while a callback runs (no timer fires meanwhile). */
  spend(ms: number): void {
    this.#now += ms;
  }

  setTimeout(callback: () => void, delayMs: number): CancelTimer {
    const at = Math.max(this.#now, this.#now + Math.max(0, delayMs) - this.earlyMs);
    const timer = { at, seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Runs every timer due within `ms`, in time order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushIo();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await flushIo();
    }
    this.#now = Math.max(this.#now, target);
    await flushIo();
  }

  /** Advances in steps until `predicate` holds; fails after `maxMs` of fake time. */
  async until(predicate: () => boolean, description: string, maxMs = 30_000, stepMs = 5): Promise<void> {
    for (let waited = 0; !predicate(); waited += stepMs) {
      if (waited >= maxMs) throw new Error(`not within ${maxMs} ms of fake time: ${description}`);
      await this.advance(stepMs);
    }
  }
}

type Deliver = (from: string, message: unknown) => void;

/** A broadcast medium: every message reaches every other connected peer after its link's latency. */
export class Bus {
  readonly #clock: FakeClock;
  readonly #defaultLatencyMs: number;
  readonly #listeners = new Map<string, Set<Deliver>>();
  readonly #down = new Set<string>();
  readonly #latency = new Map<string, number>();
  readonly #blocked = new Set<string>();
  /** Every message published, in order, for assertions. */
  readonly log: Array<{ from: string; atMs: number; message: PlaybackMessage }> = [];

  constructor(clock: FakeClock, defaultLatencyMs = 2) {
    this.#clock = clock;
    this.#defaultLatencyMs = defaultLatencyMs;
  }

  /** Sets the latency of the link from → to. */
  setLatency(from: string, to: string, ms: number): void {
    this.#latency.set(`${from}>${to}`, ms);
  }

  /** Drops every message from → to until unblocked. */
  block(from: string, to: string): void {
    this.#blocked.add(`${from}>${to}`);
  }

  unblock(from: string, to: string): void {
    this.#blocked.delete(`${from}>${to}`);
  }

  /** A crashed or disconnected peer: sends and receives nothing. */
  setDown(peer: string, down = true): void {
    if (down) this.#down.add(peer);
    else this.#down.delete(peer);
  }

  publish(from: string, message: PlaybackMessage): void {
    if (this.#down.has(from)) return;
    this.log.push({ from, atMs: this.#clock.now(), message });
    this.#send(from, JSON.stringify(message));
  }

  /** Delivers raw JSON (or anything) to every other peer as if `from` had sent it. */
  inject(from: string, raw: unknown): void {
    this.#send(from, JSON.stringify(raw));
  }

  #send(from: string, wire: string): void {
    for (const [to, listeners] of this.#listeners) {
      if (to === from || this.#blocked.has(`${from}>${to}`)) continue;
      const latency = this.#latency.get(`${from}>${to}`) ?? this.#defaultLatencyMs;
      this.#clock.setTimeout(() => {
        if (this.#down.has(to) || this.#down.has(from)) return;
        for (const deliver of listeners) deliver(from, JSON.parse(wire) as unknown);
      }, latency);
    }
  }

  subscribe(peer: string, deliver: Deliver, signal: AbortSignal): void {
    const set = this.#listeners.get(peer) ?? new Set<Deliver>();
    set.add(deliver);
    this.#listeners.set(peer, set);
    signal.addEventListener('abort', () => set.delete(deliver), { once: true });
  }
}

/** Track ids and durations (seconds) of the simulated room's library, in listing order. */
export type SimLibrary = Record<string, number>;

/** One simulated peer: its coordinator and what it has seen. */
export interface SimPeer {
  id: string;
  coordinator: PlaybackCoordinator;
  /** Every state this peer adopted or made, in order. */
  history: PlaybackState[];
  warnings: string[];
  /** Its info log lines. */
  infos: string[];
}

/** A room of coordinators on one bus, with an election the test controls. */
export class SimRoom {
  readonly clock = new FakeClock();
  readonly bus: Bus;
  readonly peers = new Map<string, SimPeer>();
  leader: string | null = null;
  epoch = 1;
  readonly #members = new Set<string>();
  /** Members with no speaker (no window plays there): they never report ready, and a start does not wait for them. */
  readonly #silent = new Set<string>();
  #requestSeq = 0;
  /** The crossfade every leader places the next track with (seconds; 0 = gapless). */
  crossfadeSec: (state: PlaybackState) => number = () => 0;
  /** Time each reading of group time takes (ms): on a busy machine the code runs on while the clock moves. */
  readMs = 0;

  constructor(
    readonly library: SimLibrary,
    readonly init: PlaybackCoordinatorInit = {},
    latencyMs = 2,
  ) {
    this.bus = new Bus(this.clock, latencyMs);
  }

  /** Adds and starts a peer. */
  add(id: string): SimPeer {
    const warnings: string[] = [];
    const infos: string[] = [];
    const logger: ComponentLogger = {
      forComponent: (name) =>
        Object.assign(
          scopedLogger(name, (line) => infos.push(line)),
          {
            warn: scopedLogger(name, (line) => warnings.push(line)).warn,
          },
        ),
    };
    const order = Object.keys(this.library);
    const coordinator = new PlaybackCoordinator(
      {
        selfId: id,
        publish: (message) => this.bus.publish(id, message),
        subscribe: (listener, { signal }) => this.bus.subscribe(id, listener, signal),
        isLeader: () => this.leader === id,
        leaderId: () => this.leader,
        epoch: () => this.epoch,
        groupNow: () => this.#groupNow(),
        members: () => [...this.#members].filter((m) => !this.#silent.has(m)),
        trackExists: (trackId) => Object.hasOwn(this.library, trackId),
        trackDurationSec: (trackId) => this.library[trackId] ?? null,
        crossfadeSec: (state) => this.crossfadeSec(state),
        libraryOrder: () => order,
        logger,
        timers: this.clock,
        newRequestId: () => `${id}-${++this.#requestSeq}`,
      },
      this.init,
    );
    const peer: SimPeer = { id, coordinator, history: [], warnings, infos };
    coordinator.on('playback:changed', (state) => peer.history.push(state));
    this.peers.set(id, peer);
    this.#members.add(id);
    this.bus.setDown(id, false);
    coordinator.start();
    return peer;
  }

  #groupNow(): number {
    this.clock.spend(this.readMs);
    return this.clock.now();
  }

  peer(id: string): SimPeer {
    const p = this.peers.get(id);
    if (!p) throw new Error(`no peer ${id}`);
    return p;
  }

  /** Makes `id` the leader at a new epoch and tells every running peer, as the election would. */
  elect(id: string | null): void {
    this.leader = id;
    this.epoch += 1;
    for (const p of this.peers.values()) p.coordinator.leaderChanged();
  }

  /** Takes `id`'s speaker away (its last window closed): it stays a member, and plays nothing. */
  silence(id: string): void {
    this.#silent.add(id);
  }

  /** Crashes a peer: it stops and leaves the membership. */
  crash(id: string): void {
    this.bus.setDown(id);
    this.#members.delete(id);
    this.peer(id).coordinator.stop();
    this.peers.delete(id);
  }

  /** Every peer reports every track decoded (a warm cache). */
  allReady(): void {
    for (const p of this.peers.values())
      for (const t of Object.keys(this.library)) p.coordinator.reportReady(t);
  }

  stopAll(): void {
    for (const p of this.peers.values()) p.coordinator.stop();
  }
}
