/**
 * Group time over libp2p: every peer answers clock probes; a follower keeps one long-lived
 * stream to the leader and estimates (offset, drift) to the leader's group time.
 *
 * Group time is the leader's local clock plus the leader's `timelineOffsetMs`. Probe replies carry
 * the server's group time (not its raw clock), so followers estimate group time directly and a
 * leader change does not require anyone to learn a new offset out of band. When a follower
 * becomes leader it sets its timelineOffsetMs to (its current group time − its local time), so
 * the timeline carries on without a jump; the only discontinuity any peer sees is the difference
 * between the old and new leaders' views of the old timeline, which is within their error bounds.
 *
 * Answering probes is `probe-server.ts`; probing the leader `leader-probes.ts`; the service's public
 * types `clock-types.ts`; this file keeps the timeline and the estimate.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { PeerId } from '@libp2p/interface';
import {
  addSample,
  createEstimator,
  errorAt,
  estimate as estimateAt,
  resetEstimator,
  toGroupTime,
  type ClockEstimate,
  type ClockSample,
  type EstimatorState,
} from '../../shared/clock/estimator';
import { ProtocolHandle } from '../net/protocol-handle';
import { StreamGuard } from '../net/stream-guard';
import { LeaderProbes } from './leader-probes';
import { serveProbes } from './probe-server';
import type { TimeSource } from './time-source';
import { TypedEventTarget } from '../../shared/events';
import { silentLogger, type Logger } from '../../shared/logger';
import type {
  ClockNode,
  ClockStatus,
  ClockSyncComponents,
  ClockSyncEvents,
  ClockSyncInit,
  ClockSyncStats,
  SetLeaderOptions,
} from './clock-types';

export type * from './clock-types';
export { clockProtocol } from './clock-types';

/** A group-time mapping frozen at a leader change, used until the new leader is measured. */
interface Timeline {
  offsetMs: number;
  driftPpm: number;
  atLocalMs: number;
}

/** Clock synchronisation service: serves probes and follows the current leader. */
export class ClockSync extends TypedEventTarget<ClockSyncEvents> {
  readonly #node: ClockNode;
  readonly #time: TimeSource;
  readonly #log: Logger;
  readonly #guard: StreamGuard;
  readonly #protocol: string;
  readonly #probes: LeaderProbes;

  readonly #handle: ProtocolHandle;
  #following: AbortController | null = null;
  #leader: PeerId | null = null;
  #isLeader = false;
  #timelineOffsetMs = 0;
  #carried: Timeline | null = null;
  #estimator: EstimatorState;
  #current: ClockEstimate | null = null;
  #serverErrorMs = 0;
  readonly #stats: ClockSyncStats = {
    probesSent: 0,
    repliesReceived: 0,
    probesServed: 0,
    reconnects: 0,
    steps: 0,
    dropped: {
      malformedProbes: 0,
      malformedReplies: 0,
      staleReplies: 0,
      oversizedFrames: 0,
      invalidSamples: 0,
      inconsistentSamples: 0,
    },
  };

  constructor(components: ClockSyncComponents, init: ClockSyncInit) {
    const log = (components.logger ?? silentLogger).forComponent('firefly:clock');
    super(log);
    this.#node = components.node;
    this.#time = components.timeSource;
    this.#log = log;
    this.#guard = components.guard ?? new StreamGuard();
    this.#protocol = init.protocol;
    this.#estimator = createEstimator(init.estimator);
    this.#probes = new LeaderProbes(
      {
        node: this.#node,
        time: this.#time,
        log,
        protocol: this.#protocol,
        stats: this.#stats,
        accept: (sample, serverErrorMs) => this.#accept(sample, serverErrorMs),
      },
      init,
    );
    const server = {
      time: this.#time,
      log,
      guard: this.#guard,
      stats: this.#stats,
      groupTimeAt: (localMs: number) => this.groupTimeAt(localMs),
      serverErrorMs: (localMs: number) => this.#serverError(localMs),
      isLeader: () => this.#isLeader,
    };
    this.#handle = new ProtocolHandle(this.#node, {
      protocol: this.#protocol,
      guard: this.#guard,
      serve: (stream, connection, signal) => serveProbes(server, stream, connection, signal),
      maxInboundStreams: 8,
      maxOutboundStreams: 2,
      onUnhandleError: (e) => log(`unhandle failed: ${String(e)}`),
    });
  }

  /** Starts serving probes, and following the leader if one is set. Idempotent. */
  async start(): Promise<void> {
    const signal = await this.#handle.start();
    if (signal && this.#handle.signal === signal && this.#leader && !this.#isLeader)
      this.#follow(this.#leader);
  }

  /** Stops serving and probing; undoes everything `start` did. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#handle.started) return;
    this.#following = null;
    await this.#handle.stop();
  }

  /**
   * Tells the clock who leads. Pass this peer's own id to become leader (continuing the current
   * timeline unless `carryOver: false`), another id to follow it, or null while there is none.
   */
  setLeader(leader: PeerId | string | null, options: SetLeaderOptions = {}): void {
    const next = typeof leader === 'string' ? peerIdFromString(leader) : leader;
    if (next?.equals(this.#leader ?? undefined) === true || (next === null && this.#leader === null)) return;
    const now = this.#time.nowMs();
    const groupNow = this.groupTimeAt(now);
    const drift = this.#isLeader ? 0 : (this.#current?.driftPpm ?? this.#carried?.driftPpm ?? 0);

    this.#following?.abort();
    this.#following = null;
    this.#leader = next;

    if (next?.equals(this.#node.peerId) === true) {
      this.#isLeader = true;
      this.#timelineOffsetMs = options.carryOver === false ? 0 : groupNow - now;
      this.#carried = null;
      this.#current = null;
      this.#estimator = resetEstimator(this.#estimator);
      this.#log(`leading, timeline offset ${this.#timelineOffsetMs.toFixed(3)} ms`);
      this.emit('clock:updated', this.status());
      return;
    }

    this.#isLeader = false;
    this.#carried = { offsetMs: groupNow - now, driftPpm: drift, atLocalMs: now };
    this.#current = null;
    this.#serverErrorMs = 0;
    this.#estimator = resetEstimator(this.#estimator);
    this.emit('clock:reset', { reason: 'leader-changed', leaderPeerId: next?.toString() ?? null });
    if (next && this.#handle.started) this.#follow(next);
  }

  /** Current group time in ms. Continuous across leader changes; best effort before the first sync. */
  groupNow(): number {
    return this.groupTimeAt(this.#time.nowMs());
  }

  /** Group time at a reading of this peer's time source. */
  groupTimeAt(localMs: number): number {
    if (this.#isLeader) return localMs + this.#timelineOffsetMs;
    if (this.#current) return toGroupTime(this.#current, localMs);
    const carried = this.#carried;
    if (carried) return localMs + carried.offsetMs + carried.driftPpm * 1e-6 * (localMs - carried.atLocalMs);
    return localMs + this.#timelineOffsetMs;
  }

  /** Group minus local time with its error bound (at `localMs`, default now); null while not synchronised. */
  estimate(localMs?: number): ClockStatus | null {
    if (!this.#isLeader && !this.#current) return null;
    return this.status(localMs);
  }

  /** The same as `estimate()`, but also describes an unsynchronised clock (errorMs = Infinity). */
  status(localMs?: number): ClockStatus {
    const now = localMs ?? this.#time.nowMs();
    const leaderPeerId = this.#leader?.toString() ?? null;
    if (this.#isLeader) {
      return {
        offsetMs: this.#timelineOffsetMs,
        driftPpm: 0,
        rttMs: 0,
        errorMs: 0,
        samples: 0,
        role: 'leader',
        leaderPeerId,
      };
    }
    const current = this.#current;
    const role = this.#leader ? 'follower' : 'none';
    if (!current) {
      return {
        offsetMs: this.groupTimeAt(now) - now,
        driftPpm: this.#carried?.driftPpm ?? 0,
        rttMs: 0,
        errorMs: Infinity,
        samples: 0,
        role,
        leaderPeerId,
      };
    }
    return {
      offsetMs: toGroupTime(current, now) - now,
      driftPpm: current.driftPpm,
      rttMs: current.rttMs,
      errorMs: errorAt(current, now) + this.#serverErrorMs,
      samples: current.samples,
      role,
      leaderPeerId,
    };
  }

  /** The leader's timeline offset this peer would serve if it leads (group − local). */
  get timelineOffsetMs(): number {
    return this.#timelineOffsetMs;
  }

  /** Whether this peer currently holds the timeline. */
  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** Counters, including dropped input. */
  stats(): ClockSyncStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  /** How far this peer's served group time may be from the timeline (0 when it leads). */
  #serverError(localMs: number): number {
    if (this.#isLeader) return 0;
    if (this.#current) return errorAt(this.#current, localMs) + this.#serverErrorMs;
    return Number.MAX_VALUE;
  }

  #follow(leader: PeerId): void {
    const parent = this.#handle.signal;
    if (!parent) return;
    const following = new AbortController();
    this.#following = following;
    const signal = AbortSignal.any([parent, following.signal]);
    void this.#probes.follow(leader, signal);
  }

  #accept(sample: ClockSample, serverErrorMs: number): void {
    this.#estimator = addSample(this.#estimator, sample);
    switch (this.#estimator.lastVerdict) {
      case 'invalid':
        this.#stats.dropped.invalidSamples++;
        return;
      case 'inconsistent':
        this.#stats.dropped.inconsistentSamples++;
        return;
      case 'step':
        this.#stats.steps++;
        this.#log('the leader clock stepped; estimate restarted');
        this.emit('clock:reset', { reason: 'step', leaderPeerId: this.#leader?.toString() ?? null });
        break;
      default:
        break;
    }
    this.#serverErrorMs = serverErrorMs;
    this.#current = estimateAt(this.#estimator, sample.t4);
    this.emit('clock:updated', this.status());
  }
}
